#!/usr/bin/env bash
# Interop test: a mailbox made by sealmail opens, with its password alone, in an independent SQLite3
# Multiple Ciphers build (npm better-sqlite3-multiple-ciphers, pinned in package.json), and a
# message written there through SQL is then shown, searched and checked by sealmail.
#
# usage: tests/interop/run.sh [path/to/sealmail]     (default: build/sealmail of this repository)
#
# Installs the npm package beside this script when it is missing (a source build with node-gyp
# against this machine's Node headers: a few minutes the first time, nothing afterwards). Any failure,
# npm install included, exits 1 with one line starting "interop: FAIL:". Never prints the password.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
sealmail=${1:-$here/../../build/sealmail}
package=better-sqlite3-multiple-ciphers
version=12.11.1

fail() {
  echo "interop: FAIL: $*" >&2
  exit 1
}

[ -x "$sealmail" ] || fail "no sealmail binary at $sealmail"
sealmail=$(cd "$(dirname "$sealmail")" && pwd)/$(basename "$sealmail")
command -v node >/dev/null || fail "node is not installed"
command -v npm >/dev/null || fail "npm is not installed"

work=$(mktemp -d "${TMPDIR:-/tmp}/sealmail-interop.XXXXXX")
trap 'rm -rf "$work"' EXIT

# --- the independent reader -------------------------------------------------------------------
installed() {
  (cd "$here" && node -e '
    const [name, want] = process.argv.slice(1);
    if (require(name + "/package.json").version !== want) process.exit(1);
    new (require(name))(":memory:").close();' "$package" "$version") >/dev/null 2>&1
}

# Only the npm registry is reachable: prebuild-install's download from GitHub would fail (slowly),
# so build from source straight away, against the headers of the Node that runs the test (its
# prefix holds include/node, which is what node-gyp's nodedir means: not include/node itself).
install_reader() {
  local prefix
  prefix=$(node -p 'require("path").resolve(process.execPath, "..", "..")')
  [ -f "$prefix/include/node/node_api.h" ] || fail "no Node headers under $prefix/include/node (install the Node development headers)"
  local start=$SECONDS
  if ! (cd "$here" && npm_config_build_from_source=true npm_config_nodedir="$prefix" \
        npm install --no-audit --no-fund --no-package-lock --loglevel=error >"$work/npm.log" 2>&1); then
    tail -n 25 "$work/npm.log" >&2
    fail "npm install of $package@$version failed (last lines of its log above)"
  fi
  installed || { tail -n 25 "$work/npm.log" >&2; fail "$package@$version installed but does not load (was its native build skipped?)"; }
  echo "interop: built $package@$version from source in $((SECONDS - start)) s"
}

if ! installed; then
  # Two build trees may run this test at once: one install at a time.
  exec 9>"${TMPDIR:-/tmp}/sealmail-interop-npm-$(id -u)-$(printf %s "$here" | cksum | cut -d' ' -f1).lock"
  flock 9
  installed || install_reader
  exec 9>&-
fi

# --- the messages --------------------------------------------------------------------------------
# Markers that appear in the message bodies only: found by sealmail's full-text search, and never
# in the encrypted files.
sealmail_marker=sealmailimportmarker4f1c
node_marker=nodewrittenmarker8d2e

# The original, imported by sealmail from an mbox (LF line ends, as mbox files have).
printf '%s\n' \
  'From: Alice Example <alice@example.com>' \
  'To: bob@example.org' \
  'Subject: written by sealmail' \
  'Date: Mon, 23 Nov 2026 04:00:00 +0000' \
  'Message-ID: <interop-1@example.com>' \
  'MIME-Version: 1.0' \
  'Content-Type: text/plain; charset=us-ascii' \
  '' \
  "The plaintext marker $sealmail_marker is in this body." >"$work/original.eml"
{
  printf 'From alice@example.com Mon Nov 23 04:00:00 2026\n'
  cat "$work/original.eml"
  printf '\n'
} >"$work/import.mbox"

# The one node writes (CRLF line ends, as SMTP delivers them).
printf '%s\r\n' \
  'From: Node Writer <node@example.net>' \
  'To: bob@example.org' \
  'Subject: written by better-sqlite3-multiple-ciphers' \
  'Date: Mon, 23 Nov 2026 04:30:00 +0000' \
  'Message-ID: <interop-2@example.net>' \
  'MIME-Version: 1.0' \
  'Content-Type: text/plain; charset=us-ascii' \
  '' \
  "The plaintext marker $node_marker is in this body." >"$work/node.eml"

# A fresh password per run, with a quote (PRAGMA key quoting) and a non-ASCII letter (the KDF takes
# UTF-8 bytes). Only in the environment: never in argv, never printed.
SEALMAIL_PASSWORD="interop-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')'é"
export SEALMAIL_PASSWORD

mailbox="$work/mailbox.sqlite"

# --- sealmail writes ---------------------------------------------------------------------------
"$sealmail" mailbox create "$mailbox" >"$work/out" 2>&1 || fail "sealmail mailbox create: $(tail -n1 "$work/out")"
"$sealmail" mailbox import "$mailbox" --from "$work/import.mbox" >"$work/out" 2>&1 ||
  fail "sealmail mailbox import: $(tail -n1 "$work/out")"
"$sealmail" mailbox show "$mailbox" --uid 1 >"$work/shown-1" 2>"$work/out" ||
  fail "sealmail mailbox show --uid 1: $(tail -n1 "$work/out")"
cmp -s "$work/shown-1" "$work/original.eml" || fail "sealmail itself does not give back the imported message byte-exact"

# --- the independent reader reads and writes ---------------------------------------------------
if ! (cd "$here" && node interop.js "$mailbox" "$work/original.eml" "$work/node.eml") >"$work/node.out" 2>&1; then
  reason=$(sed -n 's/^interop.js: FAIL: //p' "$work/node.out" | head -n1)
  fail "${reason:-interop.js failed: $(tail -n1 "$work/node.out")}"
fi
grep -v '^uid=' "$work/node.out"
uid=$(sed -n 's/^uid=//p' "$work/node.out")
[ "$uid" = 2 ] || fail "interop.js gave its message uid '$uid', expected 2"

# --- sealmail reads what node wrote --------------------------------------------------------------
"$sealmail" mailbox show "$mailbox" --uid 2 >"$work/shown-2" 2>"$work/out" ||
  fail "sealmail mailbox show --uid 2 (written by node): $(tail -n1 "$work/out")"
cmp -s "$work/shown-2" "$work/node.eml" ||
  fail "sealmail mailbox show --uid 2 is not byte-identical to the message node wrote"
"$sealmail" mailbox show "$mailbox" --uid 1 >"$work/shown-1" 2>"$work/out" ||
  fail "sealmail mailbox show --uid 1 after node's write: $(tail -n1 "$work/out")"
cmp -s "$work/shown-1" "$work/original.eml" || fail "uid 1 changed after node's write"

"$sealmail" mailbox check "$mailbox" >"$work/check" 2>"$work/out" || fail "sealmail mailbox check: $(tail -n1 "$work/out")"
grep -q '^ok: 2 messages' "$work/check" || fail "sealmail mailbox check did not say 'ok: 2 messages': $(head -n1 "$work/check")"

"$sealmail" mailbox search "$mailbox" "body:$node_marker" >"$work/found" 2>"$work/out" ||
  fail "sealmail mailbox search body:$node_marker: $(tail -n1 "$work/out")"
[ "$(cat "$work/found")" = 2 ] ||
  fail "sealmail mailbox search body:$node_marker found '$(tr '\n' ' ' <"$work/found")', expected uid 2 alone"
"$sealmail" mailbox search "$mailbox" "body:$sealmail_marker" >"$work/found" 2>"$work/out" ||
  fail "sealmail mailbox search body:$sealmail_marker: $(tail -n1 "$work/out")"
[ "$(cat "$work/found")" = 1 ] ||
  fail "sealmail mailbox search body:$sealmail_marker found '$(tr '\n' ' ' <"$work/found")', expected uid 1 alone"

# --- still encrypted, still keyed ----------------------------------------------------------------
for f in "$mailbox" "$mailbox"-wal "$mailbox"-shm; do
  [ -e "$f" ] || continue
  if grep -q -a -e "$sealmail_marker" -e "$node_marker" "$f"; then
    fail "a plaintext marker is readable in $(basename "$f")"
  fi
done
if SEALMAIL_PASSWORD="${SEALMAIL_PASSWORD}x" "$sealmail" mailbox check "$mailbox" >/dev/null 2>&1; then
  fail "sealmail opened the mailbox with a wrong password"
fi

echo "interop: ok: sealmail -> $package@$version -> sealmail, byte-exact both ways"
