#!/usr/bin/env bash
# Answering benchmark: azdns against NSD, Knot and gdnsd, and a "floor"
# responder that does no lookup (floor.c), on loopback.
#   test/bench/run.sh [--quick] [--no-azdns] [--no-install] [-- BENCH.PY OPTIONS]
# Same generated zone (make_zone.py: 10,000 names) and query mix for all;
# each server on 127.0.0.1 on its own port, pinned to core 1 with one
# answering thread; dnsperf pinned to core 0. Interleaved rounds of a
# saturation run and a fixed-rate run (50,000 q/s) per server, with the
# server's CPU time per query from /proc/PID/stat, then start-up time and
# peak RSS with a 1,000,000-name zone. Prints medians and ratios to the floor
# and to the best peer. Default 5 rounds, ~11 min; --quick 1 round, ~1 min.
# Installs dnsperf, nsd, knot, gdnsd with apt when missing (packaged services
# kept from starting through /usr/sbin/policy-rc.d). Builds azdns in
# build-bench (release, with LTO, as packaged). Needs root only for apt.
set -euo pipefail
cd "$(dirname "$0")/../.."
source test/bench/install_packages.sh
root=$PWD

quick=0 azdns=1 install=1
extra=()
while [[ $# -gt 0 ]]; do
  case $1 in
    --quick) quick=1 ;;
    --no-azdns) azdns=0 ;;
    --no-install) install=0 ;;
    --) shift; extra=("$@"); break ;;
    *) echo "usage: $0 [--quick] [--no-azdns] [--no-install] [-- bench.py options]" >&2; exit 2 ;;
  esac
  shift
done

# --- tools ----------------------------------------------------------------------
missing=()
[[ -x /usr/bin/dnsperf ]] || missing+=(dnsperf)
[[ -x /usr/sbin/nsd ]] || missing+=(nsd)
[[ -x /usr/sbin/knotd ]] || missing+=(knot)
[[ -x /usr/sbin/gdnsd ]] || missing+=(gdnsd)
command -v taskset >/dev/null || missing+=(util-linux)
command -v cc >/dev/null || missing+=(gcc)
if [[ ${#missing[@]} -gt 0 ]]; then
  [[ $install -eq 1 ]] || { echo "bench: missing ${missing[*]} (and --no-install)" >&2; exit 1; }
  install_packages bench "${missing[@]}" || exit 1
fi
[[ $(nproc) -ge 2 ]] || echo "bench: warning: fewer than 2 cores; server and dnsperf share one" >&2

work=$(mktemp -d /tmp/azdns-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
cc -O2 -o "$work/floor" test/bench/floor.c

# --- azdns ----------------------------------------------------------------------
azdns_bin=""
if [[ $azdns -eq 1 ]]; then
  # A setup that failed earlier leaves a folder meson will not reuse.
  if [[ -d build-bench && ! -f build-bench/build.ninja ]]; then rm -rf build-bench; fi
  # The options of the package build (packaging/debian/rules): release, with
  # link-time optimisation. `meson configure` brings an older folder up to them.
  bench_options=(-Dbuildtype=release -Db_lto=true)
  if { { [[ -f build-bench/build.ninja ]] && meson configure build-bench "${bench_options[@]}" >"$work/setup.log" 2>&1; } ||
       meson setup build-bench "${bench_options[@]}" >"$work/setup.log" 2>&1; } &&
     timeout 1200 ninja -C build-bench server/cli/azdns >"$work/build.log" 2>&1 &&
     build-bench/server/cli/azdns serve --help >/dev/null 2>&1; then
    azdns_bin=$root/build-bench/server/cli/azdns
  else
    echo "bench: azdns (build-bench/server/cli/azdns serve) is not available; benchmarking the peers only" >&2
    tail -n 5 "$work/build.log" "$work/setup.log" 2>/dev/null >&2 || true
  fi
fi

if [[ $quick -eq 1 ]]; then
  args=(--rounds 1 --seconds 4 --fixed-seconds 3 --queries 20000 --startup-names 100000)
else
  args=(--rounds 5 --seconds 10 --fixed-seconds 8 --queries 100000 --startup-names 1000000)
fi
python3 test/bench/bench.py --work "$work" --floor "$work/floor" --azdns "$azdns_bin" "${args[@]}" "${extra[@]}"
