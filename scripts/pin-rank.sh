#!/bin/sh
# Runs "$@" pinned to core EFAMPI_RANK mod the number of cores (mpirun sets EFAMPI_RANK).
# For measurements until mpirun binds ranks itself (issue 8): mpirun -n 2 scripts/pin-rank.sh ./a.out
n=$(nproc)
exec taskset -c $(( ${EFAMPI_RANK:-0} % n )) "$@"
