#!/usr/bin/env python3
"""mpirun's binding seen from inside the ranks (issue 8, item 2). jobcheck prints each rank's
own affinity (sched_getaffinity) as "rank R cpus LIST"; --report-bindings prints mpirun's
decision as "[host:pid] rank R bound to core K (cpus LIST): MAP" or "... not bound (WHY)".

Cases (each checks the ranks' real affinity, not only the report):
  core     --bind-to core -n 2: each rank on exactly the CPUs of its reported core, and the two
           ranks on different cores
  default  no option, -n 2: the same as core (2 ranks fit the cores)
  none     --bind-to none -n 2: every rank keeps mpirun's full affinity
  over     no option, -n 2*CPUs: oversubscribed, so no rank is bound
Needs 2 cores for core/default (skips them, exit 77, on a 1-core host)."""
import argparse
import os
import re
import subprocess
import sys

SKIP = 77


def parse_list(text):
    cpus = set()
    for part in text.split(","):
        if "-" in part:
            a, b = part.split("-")
            cpus.update(range(int(a), int(b) + 1))
        elif part:
            cpus.add(int(part))
    return cpus


def run(mpirun, program, n, extra):
    cmd = [mpirun, *extra, "--report-bindings", "-n", str(n), program, str(n)]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
                       env=dict(os.environ, MPIEXEC_TIMEOUT="50"))
    print(f"$ {' '.join(cmd)}\nexit {p.returncode}\n{p.stdout}{p.stderr}")
    if p.returncode != 0 or f"jobcheck ok: {n} ranks" not in p.stdout:
        raise AssertionError("the job failed")
    actual = {int(m[1]): parse_list(m[2]) for m in re.finditer(r"^rank (\d+) cpus (\S+)$", p.stdout, re.M)}
    report = {}
    for m in re.finditer(r"^\[[^\]]+\] rank (\d+) (bound to (\S+ \d+) \(cpus (\S+)\)|not bound \((.*)\))",
                         p.stderr, re.M):
        report[int(m[1])] = (m[3], parse_list(m[4])) if m[3] else (None, m[5])
    if sorted(actual) != list(range(n)) or sorted(report) != list(range(n)):
        raise AssertionError(f"expected affinity and report lines of ranks 0..{n - 1}")
    return actual, report


def check_bound_to_cores(actual, report):
    for r, (obj, cpus) in report.items():
        if obj is None or not obj.startswith("core "):
            raise AssertionError(f"rank {r}: reported {obj or 'not bound'}, expected a core")
        if actual[r] != cpus:
            raise AssertionError(f"rank {r} runs on {sorted(actual[r])}, report says {sorted(cpus)}")
    objs = [report[r][0] for r in report]
    if len(set(objs)) != len(objs):
        raise AssertionError(f"ranks share a core: {objs}")
    sets = list(actual.values())
    for i in range(len(sets)):
        for j in range(i + 1, len(sets)):
            if sets[i] & sets[j]:
                raise AssertionError(f"ranks {i} and {j} overlap: {sets[i]} / {sets[j]}")


def check_unbound(actual, report, mine, why):
    for r in actual:
        if report[r][0] is not None:
            raise AssertionError(f"rank {r} reported bound to {report[r][0]}")
        if why not in report[r][1]:
            raise AssertionError(f"rank {r}: reason {report[r][1]!r} lacks {why!r}")
        if actual[r] != mine:
            raise AssertionError(f"rank {r} runs on {sorted(actual[r])}, mpirun may use {sorted(mine)}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("case", choices=["core", "default", "none", "over"])
    ap.add_argument("--mpirun", required=True)
    ap.add_argument("--program", required=True)
    a = ap.parse_args()
    mine = os.sched_getaffinity(0)
    try:
        if a.case in ("core", "default"):
            extra = ["--bind-to", "core"] if a.case == "core" else []
            actual, report = run(a.mpirun, a.program, 2, extra)
            if any(obj is None and "oversubscribed" in why for obj, why in report.values()):
                print("SKIP: this host has fewer than 2 cores")
                return SKIP
            check_bound_to_cores(actual, report)
        elif a.case == "none":
            actual, report = run(a.mpirun, a.program, 2, ["--bind-to", "none"])
            check_unbound(actual, report, mine, "--bind-to none")
        else:
            n = 2 * len(mine)
            actual, report = run(a.mpirun, a.program, n, [])
            check_unbound(actual, report, mine, "oversubscribed")
    except (AssertionError, subprocess.TimeoutExpired) as e:
        print(f"FAIL: {e}")
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
