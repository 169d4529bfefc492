#!/usr/bin/env bash
# Failover benchmark: azdns against gdnsd and PowerDNS (LUA records).
#   test/bench/failover.sh [--no-install] [-- FAILOVER.PY OPTIONS]
# Time from an endpoint stopping to the nameserver no longer returning its
# address (fence), and from the endpoint coming back to its address returning
# (restore), 10 runs per server, each server at its fastest health-check
# settings; see failover.py's header and docs/benchmarks.md ("Failover").
# Installs gdnsd, pdns-server and pdns-backend-bind with apt when missing
# (packaged services kept from starting through /usr/sbin/policy-rc.d).
# Uses build/server/cli/azdns, built with ninja only when missing. ~6 min.
set -euo pipefail
cd "$(dirname "$0")/../.."
source test/bench/install_packages.sh

install=1
extra=()
while [[ $# -gt 0 ]]; do
  case $1 in
    --no-install) install=0 ;;
    --) shift; extra=("$@"); break ;;
    *) echo "usage: $0 [--no-install] [-- failover.py options]" >&2; exit 2 ;;
  esac
  shift
done

missing=()
[[ -x /usr/sbin/gdnsd ]] || missing+=(gdnsd)
[[ -x /usr/sbin/pdns_server ]] || missing+=(pdns-server)
[[ -e /usr/lib/x86_64-linux-gnu/pdns/libbindbackend.so ]] || ls /usr/lib/*/pdns/libbindbackend.so >/dev/null 2>&1 ||
  missing+=(pdns-backend-bind)
if [[ ${#missing[@]} -gt 0 ]]; then
  [[ $install -eq 1 ]] || { echo "failover: missing ${missing[*]} (and --no-install)" >&2; exit 1; }
  install_packages failover "${missing[@]}" || exit 1
fi

if [[ ! -x build/server/cli/azdns ]]; then
  ninja -C build server/cli/azdns >&2 || echo "failover: build/server/cli/azdns could not be built; its rows will say so" >&2
fi

exec python3 test/bench/failover.py --azdns "$PWD/build/server/cli/azdns" "${extra[@]}"
