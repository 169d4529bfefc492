#!/usr/bin/env bash
# The Debian package, end to end: build it from a scratch copy of the source
# tree, check what the .deb holds, run lintian on it and systemd-analyze
# verify on its unit, and check its configuration with its own binary.
#
#   test/package/package_test.sh [SOURCE_ROOT]
#
# packaging/debian is copied to debian/ at the top of the copy, where
# dpkg-buildpackage wants it. Prints one "ok: ..." or "FAIL: ..." line per
# check, then a doctest-style summary line, which test/count_results.py
# counts as one test case, and exits non-zero on any failure.
set -uo pipefail

source_root=$(cd "${1:-$(dirname "$0")/../..}" && pwd)
version=$(sed -n '1s/^azdns (\([^)]*\)).*/\1/p' "$source_root/packaging/debian/changelog")
arch=$(dpkg --print-architecture)
failures=0

ok() { printf 'ok: %s\n' "$*"; }
fail() { printf 'FAIL: %s\n' "$*"; failures=$((failures + 1)); }
finish() {
  if [ "$failures" -eq 0 ]; then
    echo "[doctest] test cases: 1 | 1 passed | 0 failed"
    exit 0
  fi
  echo "[doctest] test cases: 1 | 0 passed | 1 failed"
  exit 1
}

for tool in dpkg-buildpackage dpkg-deb dh lintian systemd-analyze fakeroot; do
  command -v "$tool" >/dev/null || { fail "$tool is not installed (./dev test installs it)"; finish; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/azdns-package.XXXXXX")
trap 'rm -rf "$work"' EXIT
tree="$work/azdns-$version"
mkdir -p "$tree"

# The source tree without build folders, VCS data and local state (what
# .gitignore leaves out), whatever git knows or not about the files.
tar -C "$source_root" --exclude=./.git --exclude='./build*' --exclude='./obj-*' \
    --exclude=./zones/state --exclude='__pycache__' --exclude=./debian -cf - . \
  | tar -C "$tree" -xf - || { fail "cannot copy the source tree"; finish; }
cp -r "$tree/packaging/debian" "$tree/debian"
ok "source tree copied to $tree with packaging/debian as debian/"

started=$(date +%s)
if (cd "$tree" && DEB_BUILD_OPTIONS="parallel=2 nocheck" dpkg-buildpackage -b -us -uc) >"$work/build.log" 2>&1; then
  ok "dpkg-buildpackage -b -us -uc ($(( $(date +%s) - started )) s)"
else
  tail -n 60 "$work/build.log"
  fail "dpkg-buildpackage failed (the last 60 lines of its log are above)"
  finish
fi

deb="$work/azdns_${version}_${arch}.deb"
[ -f "$deb" ] || { fail "no $(basename "$deb") built"; ls "$work"; finish; }

# What the package holds.
dpkg-deb -c "$deb" | awk '{print $6}' >"$work/contents"
expect_file() {  # PATH...: one of them must be in the package
  local path
  for path in "$@"; do
    if grep -qxF "$path" "$work/contents"; then ok "the package holds $path"; return; fi
  done
  fail "the package holds none of: $*"
}
expect_file ./usr/sbin/azdns
expect_file ./usr/lib/systemd/system/azdns.service ./lib/systemd/system/azdns.service
expect_file ./etc/azdns/azdns.toml
expect_file ./etc/azdns/example.com.zone
expect_file ./usr/share/man/man8/azdns.8.gz
expect_file ./usr/share/man/man5/azdns.toml.5.gz

dpkg-deb -e "$deb" "$work/control"
for conffile in /etc/azdns/azdns.toml /etc/azdns/example.com.zone; do
  if grep -qxF "$conffile" "$work/control/conffiles" 2>/dev/null; then ok "$conffile is a conffile"
  else fail "$conffile is not a conffile"; fi
done
if grep -q 'adduser .*--system' "$work/control/postinst" 2>/dev/null; then ok "postinst creates the azdns system user"
else fail "postinst does not create the azdns system user"; fi

# lintian: errors fail, warnings are shown.
lintian --tag-display-limit 0 --display-info "$deb" >"$work/lintian.log" 2>&1
sed 's/^/  lintian: /' "$work/lintian.log"
if grep -q '^E: ' "$work/lintian.log"; then fail "lintian reports errors"
else ok "lintian: no errors ($(grep -c '^W: ' "$work/lintian.log") warnings)"; fi

# The files as installed, run from a scratch root.
root="$work/root"
dpkg-deb -x "$deb" "$root"
if "$root/usr/sbin/azdns" version >"$work/version.log" 2>&1 && grep -q "^azdns $version" "$work/version.log"; then
  ok "the packaged azdns runs: $(head -n 1 "$work/version.log")"
else
  cat "$work/version.log"; fail "the packaged azdns version does not run or print $version"
fi
if "$root/usr/sbin/azdns" check -c "$root/etc/azdns/azdns.toml" >"$work/check.log" 2>&1; then
  ok "azdns check accepts the shipped /etc/azdns/azdns.toml"
else
  cat "$work/check.log"; fail "azdns check refuses the shipped /etc/azdns/azdns.toml"
fi

# systemd-analyze verify on the packaged unit, with ExecStart pointed at the
# packaged binary (there is no /usr/sbin/azdns here) and man pointed at the
# packaged pages (Documentation=man:...).
unit=$(find "$root/usr/lib/systemd/system" "$root/lib/systemd/system" -name azdns.service 2>/dev/null | head -n 1)
if [ -z "$unit" ]; then
  fail "no unit to verify"
else
  mkdir -p "$work/unit"
  sed "s#/usr/sbin/azdns#$root/usr/sbin/azdns#g" "$unit" >"$work/unit/azdns.service"
  if (cd "$work/unit" && MANPATH="$root/usr/share/man" systemd-analyze verify ./azdns.service) >"$work/verify.log" 2>&1 \
     && ! [ -s "$work/verify.log" ]; then
    ok "systemd-analyze verify azdns.service: clean"
  else
    sed 's/^/  systemd-analyze: /' "$work/verify.log"
    fail "systemd-analyze verify azdns.service"
  fi
fi

finish
