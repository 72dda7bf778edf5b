#!/usr/bin/env bash
# Install every build and test dependency of nodeprep on Debian 12.
# Idempotent: quiet (and fast) when everything is already present.
set -euo pipefail

BUILD_PKGS=(
  build-essential pkg-config make gcc clang libclang-rt-14-dev cppcheck
  libinih-dev libnl-3-dev libnl-route-3-dev libsystemd-dev libcurl4-openssl-dev
  libmount-dev libmicrohttpd-dev libjson-c-dev libyaml-dev libkmod-dev libssl-dev
  libcmocka-dev zlib1g-dev
)
TEST_PKGS=(
  iproute2 util-linux procps kmod curl jq python3 strace
  debootstrap systemd-container openssl
  debhelper devscripts lintian dpkg-dev fakeroot ansible-core python3-yaml git man-db
  wrk prometheus valgrind
)
EXTRA_PKGS=()
case "${1:-}" in
  --bench) EXTRA_PKGS+=(hyperfine tuned cpu-checker libvirt-clients nvme-cli prometheus-node-exporter) ;;
esac

missing=()
for p in "${BUILD_PKGS[@]}" "${TEST_PKGS[@]}" "${EXTRA_PKGS[@]}"; do
  [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" = "install ok installed" ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages: ${missing[*]} (run as root to install them)" >&2
  exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
