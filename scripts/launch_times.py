#!/usr/bin/env python3
"""Launch time of a hello-world MPI job (MPI_Init + MPI_Finalize, nothing else): the wall time
from starting the launcher to its exit, median of R runs, for efampi's mpirun, Debian's Open MPI
mpirun and MPICH's mpirun (hydra), at each rank count. Every implementation runs the program
built by its own compiler wrapper. Used for docs/performance.md ("Launch time").

usage: scripts/launch_times.py --build BUILD [--ranks 2,16,64] [--runs 5] [--timeout 60]

A launcher that is not installed is left out; a run that fails or exceeds the timeout is shown
as such (MPICH busy-polls, so its oversubscribed runs are slow and bounded by --timeout)."""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HELLO = r"""
#include <mpi.h>
int main(int argc, char** argv) {
    MPI_Init(&argc, &argv);
    MPI_Finalize();
    return 0;
}
"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True, help="efampi build directory")
    ap.add_argument("--ranks", default="2,16,64")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--timeout", type=float, default=60)
    ap.add_argument("--only", help="comma-separated subset of efampi,openmpi,mpich")
    a = ap.parse_args()
    build = os.path.abspath(a.build)
    impls = [
        ("efampi", os.path.join(build, "launcher", "mpicc-build"),
         [os.path.join(build, "launcher", "mpirun")]),
        ("openmpi", shutil.which("mpicc.openmpi"),
         [shutil.which("mpirun.openmpi") or "", "--allow-run-as-root", "--oversubscribe"]),
        ("mpich", shutil.which("mpicc.mpich"), [shutil.which("mpirun.mpich") or ""]),
    ]
    if a.only:
        impls = [i for i in impls if i[0] in a.only.split(",")]
    ranks = [int(n) for n in a.ranks.split(",")]
    results = {}
    with tempfile.TemporaryDirectory(prefix="efampi-launch-") as d:
        src = os.path.join(d, "hello.c")
        with open(src, "w") as f:
            f.write(HELLO)
        for name, cc, launcher in impls:
            if not cc or not os.path.exists(cc) or not launcher[0]:
                print(f"{name}: not installed, left out", file=sys.stderr)
                continue
            exe = os.path.join(d, "hello-" + name)
            subprocess.run([cc, "-O2", "-o", exe, src], check=True)
            print(f"{name}: {' '.join(launcher)} -n N {exe}", file=sys.stderr)
            for n in ranks:
                times, note = [], ""
                for _ in range(a.runs):
                    t0 = time.monotonic()
                    try:
                        p = subprocess.run([*launcher, "-n", str(n), exe], capture_output=True,
                                           timeout=a.timeout, stdin=subprocess.DEVNULL)
                    except subprocess.TimeoutExpired:
                        note = f"timeout {a.timeout:.0f} s"
                        break
                    if p.returncode != 0:
                        note = f"exit {p.returncode}: {p.stderr.decode(errors='replace')[-200:]}"
                        break
                    times.append((time.monotonic() - t0) * 1000)
                results[(name, n)] = (statistics.median(times) if times and not note else None,
                                      note, times)
                shown = f"{results[(name, n)][0]:.0f} ms" if results[(name, n)][0] else note
                print(f"  -n {n}: {shown}  (runs: {', '.join(f'{t:.0f}' for t in times)})",
                      file=sys.stderr)
    names = [i[0] for i in impls if any(k[0] == i[0] for k in results)]
    print("| ranks | " + " | ".join(names) + " |")
    print("|---|" + "---|" * len(names))
    for n in ranks:
        cells = []
        for name in names:
            med, note, _ = results.get((name, n), (None, "n/a", []))
            cells.append(f"{med:.0f}" if med is not None else note)
        print(f"| {n} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
