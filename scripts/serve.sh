#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine, builds sealmail, and starts the server with embedded defaults
# on loopback. The first run makes ./data with `sealmail quickstart demo@example.com`, which prints
# the demo address's password once (also kept in data/demo-password, for this demo only) and the
# DNS records a real domain would publish. Stop the server with Ctrl-C.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
"$here/scripts/setup.sh"
export CCACHE_NOHASHDIR=true
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc)" --target sealmail

data="$here/data"
if [ ! -f "$data/config.toml" ]; then
  umask 077
  build/sealmail --data-dir "$data" quickstart demo@example.com --hostname localhost | tee "$data.quickstart.txt"
  sed -n 's/^Password: //p' "$data.quickstart.txt" >"$data/demo-password"
  rm -f "$data.quickstart.txt"
fi
cat <<MSG

sealmail is starting on loopback with the data directory $data.
Connect a mail client to 127.0.0.1 as demo@example.com with the password in $data/demo-password:
  IMAP 2143 (STARTTLS; plaintext allowed from loopback) or 2993 (TLS), POP3 2110 or 2995 (TLS),
  send with the same login over submission 2587 (STARTTLS) or 2465 (TLS), mail in over SMTP 2525
  (the certificate is self-signed: accept it once).
  try:      python3 -c 'import imaplib; m = imaplib.IMAP4("127.0.0.1", 2143); print(m.login("demo@example.com", open("$data/demo-password").read().strip()))'
  health:   curl http://127.0.0.1:8080/healthz
  metrics:  curl http://127.0.0.1:8080/metrics
  API:      curl -H "Authorization: Bearer \$(cat $data/admin-token)" http://127.0.0.1:8080/api/aliases
  mailbox:  build/sealmail mailbox list $data/mailboxes/*.sqlite --password-file $data/demo-password
  admin:    build/sealmail --data-dir $data alias add hello@example.com --mailbox
MSG
exec build/sealmail --data-dir "$data" serve
