#!/usr/bin/env bash
# Builds one fuzz target with clang (ASan+UBSan+libFuzzer) in build-fuzz and
# runs it for a bounded time on a scratch copy of its seed corpus
# (test/fuzz/corpus/TARGET), with its dictionary (test/fuzz/TARGET.dict) if
# there is one, so the repository is never modified.
#   test/fuzz/run.sh TARGET [SECONDS]     (default 60)
# TARGET is a file test/fuzz/TARGET_fuzz.cpp: answer, zone, config, control,
# fleet.
# Exit status: 0 and "fuzz TARGET: N runs, no crash" when nothing was found;
# 1 on a crash, leak, sanitizer report or invariant failure (the reproducer
# is kept in the scratch folder, whose path is printed); 2 on a usage error.
set -euo pipefail
cd "$(dirname "$0")/../.."

targets=$(cd test/fuzz && ls ./*_fuzz.cpp | sed 's|^\./||; s|_fuzz\.cpp$||' | tr '\n' ' ')
target=${1:-}
seconds=${2:-60}
if [[ ! -f test/fuzz/${target}_fuzz.cpp || -z $target || ! $seconds =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: test/fuzz/run.sh TARGET [SECONDS]   (TARGET: ${targets% }; SECONDS > 0, default 60)" >&2
  exit 2
fi
build=build-fuzz

if [[ ! -f $build/build.ninja ]]; then
  CXX=${CXX:-clang++} CC=${CC:-clang} meson setup "$build" -Dfuzz=true \
    -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debugoptimized \
    -Dcpp_args=-fsanitize=fuzzer-no-link >/dev/null
fi
ninja -C "$build" "test/fuzz/${target}_fuzz" >/dev/null

# On /dev/shm, rewriting the input file and saving health state cost no
# disk I/O.
scratch=${TMPDIR:-/tmp}
if [[ -z ${TMPDIR:-} && -d /dev/shm && -w /dev/shm ]]; then scratch=/dev/shm; fi
work=$(mktemp -d "$scratch/azdns-fuzz-$target.XXXXXX")
cp -r "test/fuzz/corpus/$target" "$work/corpus"
# The targets that read files keep their sandbox under TMPDIR: in the
# scratch folder, so that it goes with it (a crash leaves it behind).
mkdir "$work/tmp"
log="$work/fuzz.log"
options=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$work/" -print_final_stats=1)
case $target in
  answer) options+=(-max_len=4096) ;;   # one DNS message
  *) options+=(-max_len=16384) ;;       # the largest seed is 8 KiB
esac
if [[ -f test/fuzz/$target.dict ]]; then options+=(-dict="test/fuzz/$target.dict"); fi
# The control target runs the server's backend, which logs each fence on
# stderr: silence it (libFuzzer keeps its own output and the reports).
if [[ $target == control ]]; then options+=(-close_fd_mask=2); fi
status=0
# UBSan reports abort too, so a finding always fails the run.
UBSAN_OPTIONS=halt_on_error=1:abort_on_error=1:print_stacktrace=1 \
ASAN_OPTIONS=abort_on_error=1:detect_leaks=1 \
TMPDIR="$work/tmp" \
timeout --kill-after=30 $((seconds + 120)) \
  "$build/test/fuzz/${target}_fuzz" "${options[@]}" "$work/corpus" >"$log" 2>&1 || status=$?

if [[ $status -ne 0 ]]; then
  tail -n 60 "$log"
  echo "fuzz $target: FAILED (exit $status); log and reproducer in $work" >&2
  exit 1
fi
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n1)
rm -rf "$work"
echo "fuzz $target: ${runs:-?} runs, no crash"
