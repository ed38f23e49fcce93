#!/bin/sh
# Installs the Debian 12 packages efampi needs to build (and, with --test, to run its whole
# test suite: Open MPI's mpirun is a peer PMIx launcher the library must run under; it is never
# a build dependency; gnuplot-nox draws osu-compat/compare's PNG plots, which the osu suite
# checks; autoconf and automake build a project shaped like the real OSU suite with our
# wrappers, as users do; slurmctld, slurmd and slurm-client (with slurm-wlm-basic-plugins'
# mpi_pmix) run the Slurm test, tests/launcher/test_slurm.py). Idempotent: when every package is present it does nothing (no network).
# Run as root (or with sudo).
set -eu
pkgs="build-essential pkg-config meson ninja-build python3 libfabric-dev libfabric-bin
libpmix-dev libhwloc-dev libgtest-dev binutils"
if [ "${1:-}" = "--test" ]; then
  pkgs="$pkgs openmpi-bin iproute2 gnuplot-nox autoconf automake slurmctld slurmd slurm-client"
fi
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
