#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine, builds sealmail, and shows what runs today: an encrypted
# mailbox in ./demo-data, its generated password printed once, a sample message imported,
# listed and searched. (The servers - IMAP, POP3, SMTP - arrive with `sealmail serve`.)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
"$here/scripts/setup.sh"
export CCACHE_NOHASHDIR=true
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc)" --target sealmail

data="$here/demo-data"
mkdir -p "$data"
box="$data/demo.sqlite"
if [ ! -f "$box" ]; then
  umask 077
  build/sealmail mailbox create "$box" --generate-password >"$data/password"
  echo "Created $box. Its password (shown once here, kept in $data/password for the demo only):"
  cat "$data/password"
  cat >"$data/sample.mbox" <<'MBOX'
From alice@example.org Mon Nov 23 04:00:00 2026
From: Alice <alice@example.org>
To: demo@example.com
Subject: Welcome to sealmail
Date: Mon, 23 Nov 2026 04:00:00 +0000
Message-ID: <welcome@example.org>

This mailbox is one SQLite file, encrypted with ChaCha20-Poly1305 under your password.

MBOX
  build/sealmail mailbox import "$box" --from "$data/sample.mbox" --password-file "$data/password"
fi
build/sealmail mailbox list "$box" --password-file "$data/password"
build/sealmail mailbox list "$box" --folder INBOX --password-file "$data/password"
echo "search body:encrypted ->"
build/sealmail mailbox search "$box" body:encrypted --password-file "$data/password"
echo "Try: build/sealmail mailbox --help"
