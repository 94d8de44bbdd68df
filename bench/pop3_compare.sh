#!/bin/sh
# POP3 RETR rate, sealmail against Dovecot, back to back on this machine (issue 7; README "Figures").
#
# Imports /work/tools/bench-10k.mbox (1,000 messages of ~10 KB) into a fresh data directory's
# mailbox, starts `sealmail serve` with a plain POP3 listener on loopback, and runs pop3_bench
# against it and against the private Dovecot (/work/tools/README-tools.md: 127.0.0.1:10110,
# bench@example.com / benchpass, the same 1,000 messages), unpipelined then with 16 RETRs in flight,
# the runs alternating between the two servers.
#
# usage: bench/pop3_compare.sh [BUILD_DIR] [RUNS]     (default /tmp/pop3srv, 5)
set -eu
build=${1:-/tmp/pop3srv}
runs=${2:-5}
sealmail=$build/sealmail
bench=$build/bench/pop3_bench
mbox=${MBOX:-/work/tools/bench-10k.mbox}
dovecot_port=${DOVECOT_PORT:-10110}
for f in "$sealmail" "$bench" "$mbox"; do
  [ -e "$f" ] || { echo "pop3_compare: missing $f" >&2; exit 1; }
done

data=$(mktemp -d /tmp/sealmail-pop3-bench.XXXXXX)
server=
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
  rm -rf "$data"
}
trap cleanup EXIT INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
pop3_port=$(free_port)
admin_port=$(free_port)

"$sealmail" --data-dir "$data" domain add example.com >/dev/null
password=$("$sealmail" --data-dir "$data" alias add bench@example.com --mailbox 2>/dev/null)
box=$(ls "$data"/mailboxes/*.sqlite)
SEALMAIL_PASSWORD=$password "$sealmail" --data-dir "$data" mailbox import "$box" --from "$mbox" 2>&1 | tail -n 1

cat >"$data/config.toml" <<CONF
[listen]
admin = "127.0.0.1:$admin_port"
smtp = "off"
submission = "off"
submissions = "off"
imap = "off"
imaps = "off"
pop3 = "127.0.0.1:$pop3_port"
pop3s = "off"
[log]
level = "warn"
CONF
"$sealmail" --data-dir "$data" serve --config "$data/config.toml" >"$data/server.log" 2>&1 &
server=$!
i=0
until python3 -c "import socket,sys; socket.create_connection(('127.0.0.1',$pop3_port),1)" 2>/dev/null; do
  i=$((i + 1))
  [ $i -lt 100 ] || { echo "pop3_compare: sealmail did not start" >&2; cat "$data/server.log" >&2; exit 1; }
  sleep 0.1
done

echo "# $(uptime)"
for pipeline in 1 16; do
  "$bench" 127.0.0.1 "$pop3_port" bench@example.com "$password" --label sealmail \
    --vs dovecot 127.0.0.1 "$dovecot_port" bench@example.com benchpass --runs "$runs" --pipeline $pipeline
done
echo "# $(uptime)"
