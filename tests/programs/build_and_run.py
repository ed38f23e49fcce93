#!/usr/bin/env python3
"""Builds one C program with our mpicc, as a user would (no flag of ours), runs it under our
mpirun and checks its exit status and output; optionally checks that it does NOT build with
some extra flags (--must-fail-with, e.g. -DEFAMPI_STRICT_STANDARD for a program that uses the
removed MPI-1 names)."""
import argparse
import shlex
import subprocess
import sys
import tempfile
import os


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mpicc", required=True)
    ap.add_argument("--mpirun", required=True)
    ap.add_argument("--source", required=True)
    ap.add_argument("--np", default="2")
    ap.add_argument("--expect", action="append", default=[])
    ap.add_argument("--must-fail-with", default=None,
                    help="extra compiler flags with which the program must not compile")
    a = ap.parse_args()
    ok = True
    with tempfile.TemporaryDirectory(prefix="efampi-prog-") as tmp:
        exe = os.path.join(tmp, "prog")
        cmd = [a.mpicc, "-Wall", "-Werror", a.source, "-o", exe]
        print("$ " + " ".join(shlex.quote(c) for c in cmd))
        if subprocess.run(cmd).returncode != 0:
            print("FAIL: the program does not build with mpicc")
            return 1
        if a.must_fail_with:
            bad = [a.mpicc] + shlex.split(a.must_fail_with) + ["-c", a.source, "-o",
                                                               os.path.join(tmp, "x.o")]
            print("$ " + " ".join(shlex.quote(c) for c in bad) + "   (must fail)")
            r = subprocess.run(bad, capture_output=True, text=True)
            if r.returncode == 0:
                print("FAIL: the program builds with %s" % a.must_fail_with)
                ok = False
            else:
                print("ok: refused (%s)" % r.stderr.strip().splitlines()[0])
        run = [a.mpirun, "-n", a.np, exe]
        print("$ " + " ".join(run))
        try:
            p = subprocess.run(run, capture_output=True, text=True, timeout=60,
                               stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            print("FAIL: did not end within 60 s")
            return 1
        print("exit %d\n%s%s" % (p.returncode, p.stdout, p.stderr))
        if p.returncode != 0:
            print("FAIL: exit status %d" % p.returncode)
            ok = False
        for w in a.expect:
            if w not in p.stdout + p.stderr:
                print("FAIL: output lacks %r" % w)
                ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
