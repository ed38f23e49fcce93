#!/bin/sh
# Installs the Debian 12 packages efampi needs to build and test. Idempotent: when every
# package is present it does nothing (no network). Run as root (or with sudo).
set -eu
pkgs="build-essential pkg-config meson ninja-build python3 libfabric-dev libfabric-bin
libpmix-dev libhwloc-dev libgtest-dev binutils iproute2"
missing=""
for p in $pkgs; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -z "$missing" ]; then
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "install-deps: installing:$missing"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
