#!/usr/bin/env bash
# Response rate limiting, measured (issue 14): its cost when no client is
# limited, against azdns without it, gdnsd and the floor; and a spoofed
# flood's bytes out per byte in beside a real client. See rrl.py's header.
#   test/bench/rrl.sh [-- OPTIONS]      About 9 minutes; on a quiet machine.
set -euo pipefail
cd "$(dirname "$0")/../.."
source test/bench/install_packages.sh
missing=()
[[ -x /usr/bin/dnsperf ]] || missing+=(dnsperf)
[[ -x /usr/sbin/gdnsd ]] || missing+=(gdnsd)
[[ ${#missing[@]} -eq 0 ]] || install_packages rrl "${missing[@]}"
[[ ${1:-} == -- ]] && shift
work=$(mktemp -d /tmp/azdns-rrl.XXXXXX)
trap 'rm -rf "$work"' EXIT
cc -O2 -o "$work/floor" test/bench/floor.c
# The package build's options (release, link-time optimisation), as run.sh.
[[ -f build-bench/build.ninja ]] || meson setup build-bench -Dbuildtype=release -Db_lto=true >/dev/null
ninja -C build-bench server/cli/azdns >/dev/null
python3 test/bench/rrl.py --work "$work" --floor "$work/floor" --azdns "$PWD/build-bench/server/cli/azdns" "$@"
