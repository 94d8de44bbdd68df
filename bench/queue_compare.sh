#!/usr/bin/env bash
# Outbound rate (issue 8): messages per second from submission to a local sink through the queue,
# sealmail beside Postfix on the same machine, relaying to the same sink (bench/count_sink.py, a
# minimal SMTP server that only counts). One client (bench/smtp_bench: 50 concurrent submitters,
# each on its own connection with STARTTLS, 10 KB messages), the runs alternating between the two:
#   sealmail  submission listener (587 role, STARTTLS, AUTH PLAIN as the sending alias: DKIM
#             signing, the sender checks, the encrypted queue file fsynced before 250), then the
#             queue finds the sink by MX (NSD serving a zone on loopback) and delivers over reused
#             connections (queue_per_destination and connection_max_messages as configured).
#   postfix   Debian's Postfix as a private instance (its own config dir, queue and loopback port,
#             started and stopped here): smtpd with STARTTLS, relay permitted from 127.0.0.0/8 (no
#             AUTH: Postfix's SASL needs Dovecot or Cyrus, so it is spared the password check),
#             relayhost = the sink, its connection cache and default concurrency (20 per destination).
# The figure is end to end: messages / seconds from the first submission to the sink's count of
# them all. The 250-rate the submitters saw is printed too. Medians of RUNS runs; the load average
# before and after. A benchmark: not run by CI, not part of ctest. Installs postfix (Debian) and nsd
# if missing (root: apt-get).
#
# usage: bench/queue_compare.sh [BUILD_DIR]
#   env: RUNS=5 CLIENTS=50 MESSAGES=20 SIZE=10240 PER_DESTINATION=4
set -euo pipefail
build=${1:-build}
here=$(cd "$(dirname "$0")/.." && pwd)
case $build in /*) ;; *) build=$here/$build ;; esac
bin="$build/sealmail"
bench="$build/bench/smtp_bench"
runs=${RUNS:-5} clients=${CLIENTS:-50} messages=${MESSAGES:-20} size=${SIZE:-10240}
per_destination=${PER_DESTINATION:-4}
py=/usr/bin/python3
for f in "$bin" "$bench"; do [ -e "$f" ] || { echo "queue_compare: missing $f" >&2; exit 1; }; done
if ! command -v postfix >/dev/null || ! [ -x /usr/sbin/nsd ]; then
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postfix nsd >/dev/null
fi

work=$(mktemp -d /tmp/queue_compare.XXXXXX)
chmod 755 "$work"
pf="$work/postfix"
cleanup() {
  postfix -c "$pf/etc" stop >/dev/null 2>&1 || true
  kill $(jobs -p) 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
port() { $py -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
now() { date +%s.%N; }

# The sink, shared by both.
$py "$here/bench/count_sink.py" --count-file "$work/count" >"$work/sink.out" &
until grep -q READY "$work/sink.out" 2>/dev/null; do sleep 0.05; done
sink=$(awk '/READY/ {print $2}' "$work/sink.out")
delivered() { cat "$work/count" 2>/dev/null | awk '{print $1}' || echo 0; }

# NSD: sink.test's MX is the sink's address (its port is sealmail's delivery.smtp_port).
dns=$(port)
mkdir -p "$work/nsd"
cat >"$work/nsd/sink.test.zone" <<ZONE
\$ORIGIN sink.test.
\$TTL 3600
@ IN SOA ns.sink.test. admin.sink.test. 1 3600 600 86400 60
@ IN NS ns.sink.test.
@ IN MX 10 mx.sink.test.
ns IN A 127.0.0.1
mx IN A 127.0.0.1
ZONE
cat >"$work/nsd/nsd.conf" <<CONF
server:
  ip-address: 127.0.0.1@$dns
  port: $dns
  username: ""
  chroot: ""
  database: ""
  do-ip6: no
  zonesdir: "$work/nsd"
  zonelistfile: "$work/nsd/zone.list"
  pidfile: "$work/nsd/nsd.pid"
  xfrdfile: "$work/nsd/xfrd.state"
  xfrdir: "$work/nsd"
  logfile: "$work/nsd/nsd.log"
remote-control:
  control-enable: no
zone:
  name: sink.test
  zonefile: sink.test.zone
CONF
/usr/sbin/nsd -d -c "$work/nsd/nsd.conf" &
for _ in $(seq 100); do $py -c "import socket; socket.create_connection(('127.0.0.1', $dns), 1)" 2>/dev/null && break; sleep 0.1; done

# sealmail: the submission listener, one alias, the queue delivering by MX to the sink.
mkdir -p "$work/data" && chmod 700 "$work/data"
sub=$(port) admin=$(port)
cat >"$work/config.toml" <<TOML
hostname = "sealmail.bench.test"
[listen]
submission = "127.0.0.1:$sub"
admin = "127.0.0.1:$admin"
smtp = "off"
submissions = "off"
imap = "off"
imaps = "off"
pop3 = "off"
pop3s = "off"
[limits]
max_connections_per_ip = 1000
[submission]
messages_per_hour = 1000000
recipients_per_hour = 1000000
[delivery]
dns_servers = ["127.0.0.1:$dns"]
smtp_port = $sink
allow_private_targets = true
queue_per_destination = $per_destination
[authentication]
dns_servers = ["127.0.0.1:$dns"]
[log]
level = "warn"
TOML
"$bin" --data-dir "$work/data" domain add example.com >/dev/null
password=$("$bin" --data-dir "$work/data" alias add sender@example.com --mailbox)
"$bin" --data-dir "$work/data" serve --config "$work/config.toml" >"$work/serve.log" 2>&1 &
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$admin/healthz" >/dev/null && break; sleep 0.1; done

# Postfix: a private instance (master.cf without chroot, one smtpd on a loopback port).
pf_port=$(port)
mkdir -p "$pf/etc" "$pf/queue" "$pf/data"
chown postfix "$pf/data"
cat >"$pf/etc/main.cf" <<CF
compatibility_level = 3.6
queue_directory = $pf/queue
data_directory = $pf/data
mail_owner = postfix
setgid_group = postdrop
myhostname = postfix.bench.test
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
relayhost = [127.0.0.1]:$sink
smtpd_relay_restrictions = permit_mynetworks, reject
alias_maps =
alias_database =
maillog_file = $pf/maillog
maillog_file_prefixes = $pf
smtpd_tls_security_level = may
smtpd_tls_cert_file = $pf/cert.pem
smtpd_tls_key_file = $pf/key.pem
smtp_tls_security_level = may
CF
awk '/^smtp +inet/ {next} /^[a-z]/ {$5="n"} {print}' OFS='\t' /etc/postfix/master.cf >"$pf/etc/master.cf"
echo "127.0.0.1:$pf_port inet n - n - - smtpd" >>"$pf/etc/master.cf"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=postfix.bench.test \
  -keyout "$pf/key.pem" -out "$pf/cert.pem" 2>/dev/null
postfix -c "$pf/etc" start >/dev/null
for _ in $(seq 100); do $py -c "import socket; socket.create_connection(('127.0.0.1', $pf_port), 1)" 2>/dev/null && break; sleep 0.1; done

rate() { sed -E 's/.* ([0-9]+) messages\/s.*/\1/'; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
total=$((clients * messages))
# One run: submit `total` messages, wait until the sink has them all; prints the 250 line and the
# end-to-end line; sets e2e.
one() {
  local label=$1 host_port=$2; shift 2
  local before t0 t1 line
  before=$(delivered)
  t0=$(now)
  line=$("$bench" 127.0.0.1 "$host_port" user@sink.test --clients "$clients" --messages "$messages" --size "$size" \
    --label "$label-250" --starttls "$@")
  echo "$line"
  sub250=$(echo "$line" | rate)
  local deadline=$((SECONDS + 600))
  until [ "$(delivered)" -ge $((before + total)) ]; do
    [ $SECONDS -lt $deadline ] || { echo "queue_compare: $label: only $(( $(delivered) - before )) of $total arrived" >&2; exit 1; }
    sleep 0.02
  done
  t1=$(now)
  e2e=$(awk -v n="$total" -v a="$t0" -v b="$t1" 'BEGIN {printf "%.0f", n / (b - a)}')
  echo "$label: $total messages at the sink in $(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.2f", b - a}') s: $e2e messages/s"
}
sm=() pfx=() sm250=() pf250=()
echo "# $(uptime)"
for r in $(seq "$runs"); do
  one sealmail "$sub" --auth "sender@example.com:$password" --from sender@example.com
  sm+=("$e2e") sm250+=("$sub250")
  one postfix "$pf_port" --from sender@example.com
  pfx+=("$e2e") pf250+=("$sub250")
done
echo "# $(uptime)"
echo "# sink connections: $(awk '{print $2}' "$work/count") for $((2 * runs * total)) messages"
echo "median sealmail submission -> queue -> sink: $(printf '%s\n' "${sm[@]}" | median) messages/s (250 to the submitters: $(printf '%s\n' "${sm250[@]}" | median)/s)"
echo "median postfix  submission -> queue -> sink: $(printf '%s\n' "${pfx[@]}" | median) messages/s (250 to the submitters: $(printf '%s\n' "${pf250[@]}" | median)/s)"
