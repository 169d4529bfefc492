#!/usr/bin/env bash
# Response rate limiting, measured (issue 14): its cost when no client is
# limited, against azdns without it, gdnsd and the floor; and a spoofed
# flood's bytes out per byte in beside a real client. See rrl.py's header.
#   test/bench/rrl.sh [-- OPTIONS]      About 9 minutes; on a quiet machine.
set -euo pipefail
cd "$(dirname "$0")/../.."
source test/bench/bench_setup.sh
[[ ${1:-} == -- ]] && shift
bench_setup rrl
python3 test/bench/rrl.py --work "$work" --floor "$work/floor" --azdns "$PWD/build-bench/server/cli/azdns" "$@"
