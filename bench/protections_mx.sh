#!/usr/bin/env bash
# MX throughput with the content protections on versus off (issue 9): a private sealmail with a
# private clamd (Debian's clamav-daemon, an empty-but-for-one-signature database written here, so
# the figure is clamd's stream handling, not a signature set) and two aliases of the same domain
# whose mail is sealed to the spool: protected@ (every protection on, the default) and bare@ (all
# three switched off with `alias protections`, and the junk classifier's spam and adult too).
# The server's junk model is trained first (`sealmail spam train`) on 400 generated messages, so
# that scoring looks tokens up in a real model. bench/smtp_bench sends to each, alternating, RUNS
# times (CLIENTS concurrent senders, MESSAGES each, SIZE bytes); prints every run and the medians.
#
# RSPAMD=1 adds Debian's rspamd (a private one on loopback, minimal configuration: its core and the
# GTUBE patterns, no Lua rules, no Redis) as [rspamd] for protected@; bare@ has rspamd=off.
#
# usage: bench/protections_mx.sh [BUILD_DIR]   (env: RUNS=3 CLIENTS=20 MESSAGES=50 SIZE=10240 RSPAMD=0
#        CLAMD_TMP=DIR: clamd's TemporaryDirectory, default under the work directory on disk; clamd
#        writes each stream and every part it extracts from mail there, so a tmpfs (/dev/shm)
#        is what a mail server should give it)
set -euo pipefail
build=${1:-build}
here=$(cd "$(dirname "$0")/.." && pwd)
bin="$here/$build/sealmail"
bench="$here/$build/bench/smtp_bench"
runs=${RUNS:-3} clients=${CLIENTS:-20} messages=${MESSAGES:-50} size=${SIZE:-10240}
py=/usr/bin/python3
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
port() { $py -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

clamd_tmp=${CLAMD_TMP:-$work/clamd/tmp}
mkdir -p "$work/clamd/db" "$clamd_tmp" "$work/data" && chmod 700 "$work/data"
echo "Bench.EICAR:0:*:$(printf '%s' 'X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*' | od -An -tx1 | tr -d ' \n')" \
  >"$work/clamd/db/bench.ndb"
cat >"$work/clamd/clamd.conf" <<CONF
LocalSocket $work/clamd/clamd.sock
DatabaseDirectory $work/clamd/db
TemporaryDirectory $clamd_tmp
Foreground yes
LogFile $work/clamd/clamd.log
MaxThreads 8
CONF
/usr/sbin/clamd -c "$work/clamd/clamd.conf" >/dev/null 2>&1 &
for _ in $(seq 600); do [ -S "$work/clamd/clamd.sock" ] && break; sleep 0.1; done

smtp=$(port) admin=$(port)
cat >"$work/config.toml" <<TOML
hostname = "bench.test"
[listen]
smtp = "127.0.0.1:$smtp"
admin = "127.0.0.1:$admin"
imap = "off"
submission = "off"
submissions = "off"
imaps = "off"
pop3 = "off"
pop3s = "off"
[limits]
max_connections_per_ip = 1000
[log]
level = "warn"
[protections]
clamd_socket = "$work/clamd/clamd.sock"
TOML
if [ "${RSPAMD:-0}" = 1 ]; then
  rport=$(port)
  mkdir -p "$work/rspamd"
  cat >"$work/rspamd/rspamd.conf" <<CONF
options { pidfile = "$work/rspamd/rspamd.pid"; enable_test_patterns = true; dns { nameserver = ["127.0.0.1:$(port)"]; } }
logging { type = "file"; filename = "$work/rspamd/rspamd.log"; level = "warning"; }
worker "normal" { bind_socket = "127.0.0.1:$rport"; count = 2; }
actions { reject = 15; add_header = 6; greylist = 4; }
CONF
  insecure=()
  [ "$(id -u)" = 0 ] && insecure=(-i)
  TMPDIR="$work/rspamd" rspamd -f "${insecure[@]}" -c "$work/rspamd/rspamd.conf" --var "DBDIR=$work/rspamd" \
    --var "RUNDIR=$work/rspamd" >/dev/null 2>&1 &
  for _ in $(seq 1200); do curl -fs --data-binary x "http://127.0.0.1:$rport/checkv2" >/dev/null && break; sleep 0.1; done
  printf '[rspamd]\nurl = "http://127.0.0.1:%s"\n' "$rport" >>"$work/config.toml"
fi
"$bin" --data-dir "$work/data" domain add example.com >/dev/null
"$bin" --data-dir "$work/data" alias add protected@example.com --mailbox >/dev/null
"$bin" --data-dir "$work/data" alias add bare@example.com --mailbox >/dev/null
"$bin" --data-dir "$work/data" alias protections bare@example.com \
  --set virus=off --set executables=off --set phishing=off >/dev/null
"$bin" --data-dir "$work/data" alias protections bare@example.com --set rspamd=off >/dev/null
"$bin" --data-dir "$work/data" alias protections bare@example.com --set spam=off --set adult=off >/dev/null
# The junk classifier's model: two sets of generated mail (seeded), one taught as spam, one as ham.
$py - "$work/corpus" <<'PY'
import os, random, sys
rng = random.Random(9)
words = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(3, 9))) for _ in range(5000)]
for kind, part in (("spam", words[:3000]), ("ham", words[2000:])):
    os.makedirs(os.path.join(sys.argv[1], kind))
    for i in range(200):
        body = "\n".join(" ".join(rng.choices(part, k=12)) for _ in range(20))
        with open(os.path.join(sys.argv[1], kind, f"{i}.eml"), "w") as f:
            f.write(f"From: a@{kind}.example\nSubject: {' '.join(rng.choices(part, k=5))}\n\n{body}\n")
PY
"$bin" --data-dir "$work/data" spam train --spam "$work/corpus/spam" --ham "$work/corpus/ham" >/dev/null
"$bin" --data-dir "$work/data" serve --config "$work/config.toml" >"$work/serve.log" 2>&1 &
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$admin/healthz" >/dev/null && break; sleep 0.1; done

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
on=() off=()
for r in $(seq "$runs"); do
  for route in off:bare@example.com on:protected@example.com; do
    name=${route%%:*} rcpt=${route#*:}
    line=$("$bench" 127.0.0.1 "$smtp" "$rcpt" --clients "$clients" --messages "$messages" --size "$size" --label "protections-$name")
    echo "$line"
    rate=$(echo "$line" | sed -E 's/.* ([0-9]+) messages\/s.*/\1/')
    if [ "$name" = on ]; then on+=("$rate"); else off+=("$rate"); fi
  done
done
echo "median protections off: $(printf '%s\n' "${off[@]}" | median) messages/s"
echo "median protections on:  $(printf '%s\n' "${on[@]}" | median) messages/s"
