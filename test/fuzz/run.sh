#!/usr/bin/env bash
# Builds the answer-engine fuzz target with clang (ASan+UBSan+libFuzzer) in
# build-fuzz and runs it for a bounded time on a scratch copy of the seed
# corpus, so the repository is never modified.
#   test/fuzz/run.sh [SECONDS]        (default 60)
# Exit status: 0 and "fuzz: N runs, no crash" when nothing was found; non-zero
# on a crash, leak, sanitizer report or invariant failure (the reproducer is
# kept in the scratch folder, whose path is printed).
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-60}
build=build-fuzz

if [[ ! -f $build/build.ninja ]]; then
  CXX=${CXX:-clang++} CC=${CC:-clang} meson setup "$build" -Dfuzz=true \
    -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debugoptimized \
    -Dcpp_args=-fsanitize=fuzzer-no-link >/dev/null
fi
ninja -C "$build" test/fuzz/answer_fuzz >/dev/null

work=$(mktemp -d /tmp/azdns-fuzz.XXXXXX)
cp -r test/fuzz/corpus "$work/corpus"
log="$work/fuzz.log"
status=0
# UBSan reports abort too, so a finding always fails the run.
UBSAN_OPTIONS=halt_on_error=1:abort_on_error=1:print_stacktrace=1 \
ASAN_OPTIONS=abort_on_error=1:detect_leaks=1 \
timeout --kill-after=30 $((seconds + 120)) \
  "$build/test/fuzz/answer_fuzz" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
  -max_len=4096 -artifact_prefix="$work/" -print_final_stats=1 "$work/corpus" >"$log" 2>&1 || status=$?

if [[ $status -ne 0 ]]; then
  tail -n 60 "$log"
  echo "fuzz: FAILED (exit $status); log and reproducer in $work" >&2
  exit 1
fi
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n1)
rm -rf "$work"
echo "fuzz: ${runs:-?} runs, no crash"
