#!/usr/bin/env bash
# The MX's delivery rate for each route (issue 6): store-to-online (a session of the owner is open,
# the message goes into the mailbox), store-to-spool (the owner is away, the message is sealed to
# the spool) and forward (relayed to an SMTP sink, aiosmtpd, on loopback). Starts a private sealmail
# with a temporary data directory; each route is run RUNS times by bench/smtp_bench (CLIENTS
# concurrent senders, MESSAGES each, SIZE bytes); the figures of every run are printed, then the
# median messages/s per route. Issue 9: spool-pgp is the spool route for an alias with an OpenPGP
# key (made by gpg here), so every message is encrypted to it (PGP/MIME) before it is sealed.
#
# usage: bench/smtp_routes.sh [BUILD_DIR]   (env: RUNS=3 CLIENTS=50 MESSAGES=20 SIZE=10240)
set -euo pipefail
build=${1:-build}
here=$(cd "$(dirname "$0")/.." && pwd)
bin="$here/$build/sealmail"
bench="$here/$build/bench/smtp_bench"
runs=${RUNS:-3} clients=${CLIENTS:-50} messages=${MESSAGES:-20} size=${SIZE:-10240}
py=/usr/bin/python3
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
port() { $py -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

mkdir -p "$work/sink" "$work/data" && chmod 700 "$work/data"
$py "$here/tests/smtp/client/smtp_sink.py" --dir "$work/sink" --pipelining >"$work/sink.out" 2>&1 &
for _ in $(seq 100); do grep -q READY "$work/sink.out" && break; sleep 0.1; done
sink_port=$(awk '/READY/{print $2}' "$work/sink.out")
smtp=$(port) imap=$(port) admin=$(port)
cat >"$work/config.toml" <<TOML
hostname = "bench.test"
[listen]
smtp = "127.0.0.1:$smtp"
imap = "127.0.0.1:$imap"
admin = "127.0.0.1:$admin"
submission = "off"
submissions = "off"
imaps = "off"
pop3 = "off"
pop3s = "off"
[limits]
max_connections_per_ip = 1000
[delivery]
relay = "127.0.0.1:$sink_port"
[log]
level = "warn"
TOML
"$bin" --data-dir "$work/data" domain add example.com >/dev/null
online_pw=$("$bin" --data-dir "$work/data" alias add online@example.com --mailbox)
"$bin" --data-dir "$work/data" alias add away@example.com --mailbox >/dev/null
"$bin" --data-dir "$work/data" alias add fwd@example.com --forward target@sink.test >/dev/null
"$bin" --data-dir "$work/data" alias add awaypgp@example.com --mailbox >/dev/null
mkdir -m 700 "$work/gnupg"
gpg --homedir "$work/gnupg" --batch --passphrase '' --quick-gen-key "Bench <awaypgp@example.com>" future-default default never 2>/dev/null
gpg --homedir "$work/gnupg" --armor --export awaypgp@example.com >"$work/key.asc"
gpgconf --homedir "$work/gnupg" --kill gpg-agent
"$bin" --data-dir "$work/data" alias pgp-key awaypgp@example.com --set "$work/key.asc" >/dev/null
"$bin" --data-dir "$work/data" serve --config "$work/config.toml" >"$work/serve.log" 2>&1 &
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$admin/healthz" >/dev/null && break; sleep 0.1; done
# Hold a session of online@ open for the whole run (its key stays in memory: live delivery).
$py - "$imap" "$online_pw" <<'PY' &
import imaplib, sys, time
m = imaplib.IMAP4("127.0.0.1", int(sys.argv[1])); m.login("online@example.com", sys.argv[2]); m.select("INBOX")
time.sleep(3600)
PY
sleep 1

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
for route in online:online@example.com spool:away@example.com spool-pgp:awaypgp@example.com forward:fwd@example.com; do
  name=${route%%:*} rcpt=${route#*:}
  rates=()
  for r in $(seq "$runs"); do
    line=$("$bench" 127.0.0.1 "$smtp" "$rcpt" --clients "$clients" --messages "$messages" --size "$size" --label "$name")
    echo "$line"
    rates+=("$(echo "$line" | sed -E 's/.* ([0-9]+) messages\/s.*/\1/')")
  done
  echo "median $name: $(printf '%s\n' "${rates[@]}" | median) messages/s"
done
