#!/usr/bin/env bash
# Client locality end to end (issue 13): azdns with `nearest` services and
# client networks against the same zone with `failover` services, gdnsd and
# the floor, under traffic from many client networks, half of it with a
# client subnet. See locality.py's header.   test/bench/locality.sh [-- OPTIONS]
# About 8 minutes with the default 5 rounds; run it on a quiet machine.
set -euo pipefail
cd "$(dirname "$0")/../.."
source test/bench/install_packages.sh
missing=()
[[ -x /usr/bin/dnsperf ]] || missing+=(dnsperf)
[[ -x /usr/sbin/gdnsd ]] || missing+=(gdnsd)
command -v dig >/dev/null || missing+=(bind9-dnsutils)
[[ ${#missing[@]} -eq 0 ]] || install_packages locality "${missing[@]}"
[[ ${1:-} == -- ]] && shift
work=$(mktemp -d /tmp/azdns-locality.XXXXXX)
trap 'rm -rf "$work"' EXIT
cc -O2 -o "$work/floor" test/bench/floor.c
# The package build's options (release, link-time optimisation), as run.sh.
[[ -f build-bench/build.ninja ]] || meson setup build-bench -Dbuildtype=release -Db_lto=true >/dev/null
ninja -C build-bench server/cli/azdns >/dev/null
python3 test/bench/locality.py --work "$work" --floor "$work/floor" --azdns "$PWD/build-bench/server/cli/azdns" "$@"
