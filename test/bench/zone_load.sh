#!/usr/bin/env bash
# Measures loading a large generated zone: wall time and peak RSS of
# `azdns check` (read, build and check every record), over a few runs.
#   test/bench/zone_load.sh [NAMES] [RUNS]     (defaults: 1000000 names, 3 runs)
set -euo pipefail
cd "$(dirname "$0")/../.."
names=${1:-1000000}
runs=${2:-3}
work=$(mktemp -d /tmp/azdns-zone-load.XXXXXX)
trap 'rm -rf "$work"' EXIT

./dev build
python3 test/bench/make_zone.py "$work" "$names"
for run in $(seq "$runs"); do
  /usr/bin/time -f "run $run: %e s wall, %M KiB peak RSS" build/server/cli/azdns check -c "$work/azdns.toml" >/dev/null
done
