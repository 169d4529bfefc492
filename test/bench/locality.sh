#!/usr/bin/env bash
# Client locality end to end (issue 13): azdns with `nearest` services and
# client networks against the same zone with `failover` services, gdnsd and
# the floor, under traffic from many client networks, half of it with a
# client subnet. See locality.py's header.   test/bench/locality.sh [-- OPTIONS]
# About 8 minutes with the default 5 rounds; run it on a quiet machine.
set -euo pipefail
cd "$(dirname "$0")/../.."
source test/bench/bench_setup.sh
[[ ${1:-} == -- ]] && shift
bench_setup locality bind9-dnsutils
python3 test/bench/locality.py --work "$work" --floor "$work/floor" --azdns "$PWD/build-bench/server/cli/azdns" "$@"
