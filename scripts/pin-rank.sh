#!/bin/sh
# Runs "$@" pinned to core EFAMPI_RANK mod the number of online CPUs (mpirun sets EFAMPI_RANK).
# mpirun now binds ranks itself (--bind-to core is the default when the ranks fit the cores);
# this stays for explicit pinning, e.g. under `mpirun --bind-to none`. The count is of every
# online CPU, not `nproc`, which counts only the CPUs this (possibly bound) process may use.
n=$(getconf _NPROCESSORS_ONLN)
exec taskset -c $(( ${EFAMPI_RANK:-0} % n )) "$@"
