#!/usr/bin/env bash
# Fetches the SQLite3 Multiple Ciphers amalgamation that the npm package
# better-sqlite3-multiple-ciphers ships (deps/sqlite3/sqlite3.{c,h}), pinned by version and checked
# against the SHA-256 below. The sources land in third_party/sqlite3mc (ignored by git, never
# committed). Does nothing when they are already there and match.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
version=13.0.3          # ships SQLite3 Multiple Ciphers 2.4.0, SQLite 3.53.4
tarball_sha256=24a11e221247fc003f755ad0f82126bc6b0295d0be1c06f3cb3e48d9db8eb898
dest="$here/third_party/sqlite3mc"
stamp="$dest/.sha256"

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$tarball_sha256" ] && [ -f "$dest/sqlite3.c" ]; then
  exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "better-sqlite3-multiple-ciphers@$version" >/dev/null 2>&1)
tarball="$tmp/better-sqlite3-multiple-ciphers-$version.tgz"
actual=$(sha256sum "$tarball" | cut -d' ' -f1)
if [ "$actual" != "$tarball_sha256" ]; then
  echo "fetch-sqlite3mc: SHA-256 mismatch for better-sqlite3-multiple-ciphers@$version: $actual" >&2
  exit 1
fi
tar -xzf "$tarball" -C "$tmp" package/deps/sqlite3/sqlite3.c package/deps/sqlite3/sqlite3.h
mkdir -p "$dest"
mv "$tmp/package/deps/sqlite3/sqlite3.c" "$tmp/package/deps/sqlite3/sqlite3.h" "$dest/"
echo "$tarball_sha256" >"$stamp"
echo "fetch-sqlite3mc: SQLite3 Multiple Ciphers from better-sqlite3-multiple-ciphers@$version"
