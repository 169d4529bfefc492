#!/usr/bin/env bash
# Fleet benchmark (docs/fleet.md; docs/benchmarks.md, "The fleet"):
#   test/bench/fleet.sh [--part propagation|failure|false-fences|cost] [--runs N] [FLEET.PY OPTIONS]
# Fence propagation from one instance to all (30 runs), time from an AZ
# failure to every instance answering without it (10 runs), false fences
# when one vantage point is cut off from an AZ (100 trials), each on three
# local instances; then the exchange's bytes and CPU at 10,000 endpoints and
# five peers (3 minutes of windows). See fleet.py's header. ~12 min in all.
# Uses build/server/cli/azdns, built with ninja only when missing.
set -euo pipefail
cd "$(dirname "$0")/../.."

if [[ ! -x build/server/cli/azdns ]]; then
  ninja -C build server/cli/azdns >&2 || { echo "fleet: build/server/cli/azdns could not be built" >&2; exit 1; }
fi

exec python3 test/bench/fleet.py --azdns "$PWD/build/server/cli/azdns" "$@"
