# Sourced by the benchmark scripts: installs the Debian packages a benchmark
# needs (the peers it compares with), without letting their services start.
#   install_packages WHO PACKAGE...   (WHO names the caller in messages)
install_packages() {
  local who=$1; shift
  [[ $# -gt 0 ]] || return 0
  local sudo=""; [[ $(id -u) -eq 0 ]] || sudo=sudo
  local created_policy=0
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    # Keep the packaged services from starting (and taking port 53).
    printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null
    $sudo chmod 755 /usr/sbin/policy-rc.d
    created_policy=1
  fi
  local status=0
  $sudo apt-get update -qq || true
  DEBIAN_FRONTEND=noninteractive timeout 900 $sudo apt-get install -y -qq --no-install-recommends "$@" || status=$?
  [[ $created_policy -eq 1 ]] && $sudo rm -f /usr/sbin/policy-rc.d
  [[ $status -eq 0 ]] || { echo "$who: apt-get install $* failed" >&2; return 1; }
}
