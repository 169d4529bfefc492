#!/usr/bin/env bash
# Client-side failover through a caching resolver (issue 13, part 2): how long
# after an endpoint stops a client asking unbound stops getting its address,
# ttl.healthy = "auto" against the default; see client_failover.py's header
# and docs/benchmarks.md.
#   test/bench/client_failover.sh [CLIENT_FAILOVER.PY OPTIONS]
# Uses build/server/cli/azdns, built with ninja only when missing (not when
# --azdns is given). Needs unbound (/usr/sbin/unbound). ~5 min at 10 runs.
set -euo pipefail
cd "$(dirname "$0")/../.."

[[ -x /usr/sbin/unbound ]] || { echo "client_failover: /usr/sbin/unbound missing (apt-get install unbound)" >&2; exit 1; }

if [[ " $* " != *" --azdns"* && ! -x build/server/cli/azdns ]]; then
  [[ -d build ]] || meson setup build >&2
  ninja -C build server/cli/azdns >&2
fi

exec python3 test/bench/client_failover.py --azdns "$PWD/build/server/cli/azdns" "$@"
