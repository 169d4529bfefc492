# Sourced by locality.sh and rrl.sh: what their benchmarks share.
#   bench_setup WHO [PACKAGE...]   installs dnsperf, gdnsd and the PACKAGEs when
#   missing, makes $work (removed on exit), builds the floor into $work/floor
#   and azdns into build-bench (the package build's options, as run.sh).
source test/bench/install_packages.sh

bench_setup() {
  local who=$1; shift
  local missing=()
  [[ -x /usr/bin/dnsperf ]] || missing+=(dnsperf)
  [[ -x /usr/sbin/gdnsd ]] || missing+=(gdnsd)
  for package in "$@"; do dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package"); done
  [[ ${#missing[@]} -eq 0 ]] || install_packages "$who" "${missing[@]}"
  work=$(mktemp -d "/tmp/azdns-$who.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  cc -O2 -o "$work/floor" test/bench/floor.c
  [[ -f build-bench/build.ninja ]] || meson setup build-bench -Dbuildtype=release -Db_lto=true >/dev/null
  ninja -C build-bench server/cli/azdns >/dev/null
}
