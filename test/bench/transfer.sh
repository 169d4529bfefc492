#!/usr/bin/env bash
# Zone-transfer benchmark (docs/benchmarks.md): azdns as a primary against
# Knot and NSD. How to run, from anywhere in the repository:
#   test/bench/transfer.sh [--no-install] [--azdns BINARY] [--part P]... [TRANSFER.PY OPTIONS]
# Parts (default: all three; each prints a markdown table; see transfer.py):
#   --part axfr            AXFR of a 1,000,000-name zone from Knot, NSD and
#                          azdns, 3 interleaved rounds: wall time, server CPU
#                          and peak RSS, messages, bytes, the client's CPU; and
#                          answering at 20,000 q/s alone vs during back-to-back
#                          AXFRs (lost queries, latency). ~10 min.
#   --part ixfr-size       azdns, the zone with 3 AZs: IXFR size after a fence,
#                          an unfence, an endpoint down and up. ~3 min.
#   --part notify-latency  azdns notifies a Knot secondary: 20 fences and
#                          unfences, time until Knot answers the change, and
#                          whether it took IXFR. Add --tsig to sign. ~2 min.
# Examples: test/bench/transfer.sh --part axfr --rounds 1 --names 200000
#           test/bench/transfer.sh --part notify-latency --tsig --runs 5
# azdns: --azdns BINARY, else build-bench/server/cli/azdns (release with LTO,
# as run.sh builds it) when present, else build/server/cli/azdns (built with
# ninja when missing); --azdns "" leaves azdns out of part axfr and skips the
# other parts. Installs knot, nsd, dnsperf with apt when missing (packaged
# services kept from starting). Servers on core 1, client and dnsperf on
# core 0. Run nothing else meanwhile: the figures are only as quiet as the
# machine.
set -euo pipefail
cd "$(dirname "$0")/../.."
source test/bench/install_packages.sh

install=1 azdns=unset
extra=()
while [[ $# -gt 0 ]]; do
  case $1 in
    --no-install) install=0 ;;
    --azdns) azdns=${2?--azdns needs a path}; shift ;;
    *) extra+=("$1") ;;
  esac
  shift
done

missing=()
[[ -x /usr/sbin/knotd ]] || missing+=(knot)
[[ -x /usr/sbin/nsd ]] || missing+=(nsd)
[[ -x /usr/bin/dnsperf ]] || missing+=(dnsperf)
command -v taskset >/dev/null || missing+=(util-linux)
if [[ ${#missing[@]} -gt 0 ]]; then
  [[ $install -eq 1 ]] || { echo "transfer: missing ${missing[*]} (and --no-install)" >&2; exit 1; }
  install_packages transfer "${missing[@]}" || exit 1
fi

if [[ $azdns == unset ]]; then
  if [[ -x build-bench/server/cli/azdns ]]; then
    azdns=$PWD/build-bench/server/cli/azdns
  else
    [[ -x build/server/cli/azdns ]] || ninja -C build server/cli/azdns >&2 ||
      echo "transfer: build/server/cli/azdns could not be built" >&2
    azdns=$PWD/build/server/cli/azdns
  fi
fi
[[ -z $azdns ]] || echo "transfer: azdns is $azdns" >&2

exec python3 test/bench/transfer.py --azdns "$azdns" "${extra[@]}"
