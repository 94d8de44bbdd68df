#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine to build sealmail: Debian -dev packages, then the pinned
# SQLite3 Multiple Ciphers amalgamation from npm (checked by SHA-256). Idempotent: a second run
# installs nothing and fetches nothing.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)

packages=(
  build-essential cmake ninja-build ccache pkg-config git
  libboost1.81-dev libsodium-dev libssl-dev libgmime-3.0-dev libre2-dev libzstd-dev
  libtomlplusplus-dev nlohmann-json3-dev libcli11-dev libzip-dev zlib1g-dev libgtest-dev libgmock-dev
  clang libclang-rt-14-dev
  python3 python3-pytest python3-prometheus-client python3-dkim python3-nacl
  libc-ares-dev libcurl4-openssl-dev python3-aiosmtpd nsd
  isync neomutt curl fetchmail mpop swaks libnet-ssleay-perl
  libmagic-dev libidn2-dev libicu-dev clamav-daemon  # issue 9: content protections (types, IDN, scripts, ClamAV)
  p7zip-full  # issue 10: the export zip opens in 7z (tests/server/test_backup.py); s3rver comes from npm there
  libpsl-dev publicsuffix python3-dnspython python3-authres openssl  # issue 9: DMARC org domains; dkimpy's DNS and ARC; keys
  librnp-dev gpg gpg-agent gpgconf  # issue 9: OpenPGP (RNP encrypts to an alias's key; GnuPG makes and reads keys in tests)
  dovecot-imapd  # issue 10: import from another IMAP server (tests/server/test_import_imap.py starts a private Dovecot)
  chromium python3-yaml  # issue 10: the account web page test drives chromium (Playwright from npm); the OpenAPI test reads YAML
  rspamd  # issue 9: the optional spam backend (tests/server/test_screening.py starts its own on loopback)
  libunbound-dev ldnsutils dns-root-data  # issue 8: DANE (DNSSEC-validating lookups; signed test zones; the root trust anchor)
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Node.js and npm fetch the SQLite3 Multiple Ciphers amalgamation and run the interop test. A
# machine may already have a Node.js that bundles npm (e.g. NodeSource); only install Debian's when
# none is there, since the two conflict.
if ! command -v npm >/dev/null 2>&1; then
  missing=(nodejs npm)
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  ${sudo_cmd:-} apt-get update -qq
  DEBIAN_FRONTEND=noninteractive ${sudo_cmd:-} apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

"$here/scripts/fetch-sqlite3mc.sh"
