#!/bin/sh
# The first command of the README: installs what efampi needs (Debian 12 packages), builds and
# installs it under ./install, then runs the main job: the OSU-compatible latency and bandwidth
# benchmarks on 2 ranks on this host (shared memory, the single-host default).
set -eu
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
prefix="$PWD/install"
if [ ! -f build/build.ninja ]; then
  meson setup build --prefix="$prefix" -Dtests=false >/dev/null
fi
meson compile -C build
meson install -C build --quiet
osu="$prefix/libexec/efampi/osu"
echo
echo "efampi installed in $prefix (add $prefix/bin to PATH for mpicc and mpirun)"
"$prefix/bin/mpirun" -n 2 "$osu/osu_latency"
"$prefix/bin/mpirun" -n 2 "$osu/osu_bw"
