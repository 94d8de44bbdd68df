#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine, builds sealmail, and runs every test: GoogleTest units and
# integration tests (through ctest, in parallel), the independent-reader interop test, and a short
# run of each libFuzzer target. This is the README's test command; .ci/run calls it.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
jobs=$(nproc)

"$here/scripts/setup.sh"

export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/ccache}"
# Build trees share cache entries (the fuzz tree and developer trees compile the same files).
export CCACHE_NOHASHDIR=true
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$jobs"

# Fuzzers build with clang into their own tree (only the parsers: no SQLite there).
cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSEALMAIL_FUZZ=ON \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DBUILD_TESTING=OFF >/dev/null
cmake --build build-fuzz -j "$jobs" --target fuzz_targets

ctest --test-dir build -j "$jobs" --output-on-failure --timeout 900

fuzz_seconds="${SEALMAIL_FUZZ_SECONDS:-20}"
for target in $(find build-fuzz/fuzz -type f -name "fuzz_*" -perm -u+x -not -path "*/CMakeFiles/*" | sort); do
  [ -x "$target" ] || continue
  name=$(basename "$target")
  corpus="build-fuzz/fuzz-corpus/$name"
  mkdir -p "$corpus"
  echo "fuzz: $name for ${fuzz_seconds}s"
  "$target" -max_total_time="$fuzz_seconds" -rss_limit_mb=2048 -print_final_stats=0 \
    "$corpus" "fuzz/seeds/${name#fuzz_}" >"build-fuzz/$name.log" 2>&1 || {
    tail -n 40 "build-fuzz/$name.log"
    echo "fuzz: $name found a crash" >&2
    exit 1
  }
done
echo "all tests passed"
