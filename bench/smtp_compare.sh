#!/usr/bin/env bash
# SMTP delivery rate, sealmail against its peer (issue 6): "at least 1.5x what Postfix delivering
# over LMTP into Dovecot reaches on the same machine". One client (bench/smtp_bench), one machine,
# the runs alternating between the servers:
#   sealmail spool  - owner away: 250 after the sealed message is fsynced to the alias's spool
#   sealmail live   - owner logged in (an IMAP session held open): 250 after the mailbox commit
#   postfix         - the private Postfix of /work/tools/postfix-lmtp (127.0.0.1:10025, see its
#                     README): 250 after its queue file is fsynced, BEFORE delivery into Dovecot
# For Postfix the script also waits until its queue is empty (`postqueue -p` says "Mail queue is
# empty", i.e. every message was accepted by Dovecot's LMTP, "250 Saved") and prints the end-to-end
# rate: messages / seconds from the start of the run to the empty queue. After each Postfix run the
# delivered messages (Message-ID ...@bench>) are expunged from bench@example.com's INBOX with
# doveadm, so the mailbox (and the POP3 data set in it) stays as it was.
# A benchmark: not run by CI, not part of ctest.
#
# usage: bench/smtp_compare.sh [BUILD_DIR]
#   env: RUNS=5 CLIENTS=50 MESSAGES=40 SIZE=10240
#        POSTFIX_HOST=127.0.0.1 POSTFIX_PORT=10025 POSTFIX_RCPT=bench@example.com
#        POSTFIX_CONF=/work/tools/postfix-lmtp/conf DOVECOT_CONF=/work/tools/dovecot/dovecot.conf
set -euo pipefail
build=${1:-build}
here=$(cd "$(dirname "$0")/.." && pwd)
case $build in /*) ;; *) build=$here/$build ;; esac
bin="$build/sealmail"
bench="$build/bench/smtp_bench"
runs=${RUNS:-5} clients=${CLIENTS:-50} messages=${MESSAGES:-40} size=${SIZE:-10240}
pf_host=${POSTFIX_HOST:-127.0.0.1} pf_port=${POSTFIX_PORT:-10025} pf_rcpt=${POSTFIX_RCPT:-bench@example.com}
pf_conf=${POSTFIX_CONF:-/work/tools/postfix-lmtp/conf}
dc_conf=${DOVECOT_CONF:-/work/tools/dovecot/dovecot.conf}
py=/usr/bin/python3
for f in "$bin" "$bench" "$pf_conf/main.cf" "$dc_conf"; do
  [ -e "$f" ] || { echo "smtp_compare: missing $f" >&2; exit 1; }
done
command -v postqueue >/dev/null || { echo "smtp_compare: postqueue not found (apt-get install postfix)" >&2; exit 1; }
postqueue -c "$pf_conf" -p 2>/dev/null | grep -q 'Mail queue is empty' ||
  { echo "smtp_compare: the Postfix queue ($pf_conf) is not empty or Postfix is not running" >&2; exit 1; }

work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
port() { $py -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
now() { date +%s.%N; }

mkdir -p "$work/data" && chmod 700 "$work/data"
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
[log]
level = "warn"
TOML
"$bin" --data-dir "$work/data" domain add example.com >/dev/null
online_pw=$("$bin" --data-dir "$work/data" alias add online@example.com --mailbox)
"$bin" --data-dir "$work/data" alias add away@example.com --mailbox >/dev/null
"$bin" --data-dir "$work/data" serve --config "$work/config.toml" >"$work/serve.log" 2>&1 &
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$admin/healthz" >/dev/null && break; sleep 0.1; done
# Hold a session of online@ open for the whole run (its key stays in memory: live delivery).
$py - "$imap" "$online_pw" <<'PY' &
import imaplib, sys, time
m = imaplib.IMAP4("127.0.0.1", int(sys.argv[1])); m.login("online@example.com", sys.argv[2]); m.select("INBOX")
time.sleep(3600)
PY
sleep 1

rate() { sed -E 's/.* ([0-9]+) messages\/s.*/\1/'; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
total=$((clients * messages))
spool=() live=() pf=() pf_e2e=()
echo "# $(uptime)"
for r in $(seq "$runs"); do
  line=$("$bench" 127.0.0.1 "$smtp" away@example.com --clients "$clients" --messages "$messages" --size "$size" --label "sealmail-spool")
  echo "$line"; spool+=("$(echo "$line" | rate)")

  t0=$(now)
  line=$("$bench" "$pf_host" "$pf_port" "$pf_rcpt" --clients "$clients" --messages "$messages" --size "$size" --label "postfix-250")
  echo "$line"; pf+=("$(echo "$line" | rate)")
  until postqueue -c "$pf_conf" -p 2>/dev/null | grep -q 'Mail queue is empty'; do sleep 0.1; done
  t1=$(now)
  e2e=$(awk -v n="$total" -v a="$t0" -v b="$t1" 'BEGIN {printf "%.0f", n / (b - a)}')
  echo "postfix-lmtp-dovecot: $total messages delivered into Dovecot in $(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.2f", b - a}') s (start to empty queue): $e2e messages/s"
  pf_e2e+=("$e2e")
  doveadm -c "$dc_conf" expunge -u "$pf_rcpt" mailbox INBOX header Message-ID '@bench>' || echo "# doveadm expunge failed" >&2

  line=$("$bench" 127.0.0.1 "$smtp" online@example.com --clients "$clients" --messages "$messages" --size "$size" --label "sealmail-live")
  echo "$line"; live+=("$(echo "$line" | rate)")
done
echo "# $(uptime)"
echo "median sealmail spool (250 after spool fsync):        $(printf '%s\n' "${spool[@]}" | median) messages/s"
echo "median sealmail live (250 after mailbox commit):      $(printf '%s\n' "${live[@]}" | median) messages/s"
echo "median postfix 250 (queue file fsynced, not delivered): $(printf '%s\n' "${pf[@]}" | median) messages/s"
echo "median postfix end-to-end into Dovecot (LMTP Saved):  $(printf '%s\n' "${pf_e2e[@]}" | median) messages/s"
