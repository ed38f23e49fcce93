#!/usr/bin/env python3
"""Compile one C or C++ file against include/mpi.h with strict warnings, then run it.

    compile_run.py --cc "gcc" --std c89 --include include tests/abi/header_check.c
    compile_run.py --cc "g++" --std c++17 --lang c++ --include include tests/abi/header_check.c

Exit status: 0 when it compiles warning-free (-Wall -Wextra -Werror -pedantic) and the program
exits 0. Nothing is linked but the C runtime, so only the header is under test.
"""
import argparse
import os
import shlex
import subprocess
import sys
import tempfile

STRICT = ["-Wall", "-Wextra", "-Werror", "-pedantic"]


def compile_and_run(cc, std, lang, include, source, run=True, extra=()):
    with tempfile.TemporaryDirectory(prefix="efampi-abi-") as tmp:
        exe = os.path.join(tmp, "a.out")
        cmd = shlex.split(cc) + ["-std=" + std] + STRICT + list(extra) + ["-I", include]
        if lang:
            cmd += ["-x", lang]
        cmd += [source]
        cmd += ["-o", exe] if run else ["-c", "-o", os.path.join(tmp, "a.o")]
        print("$ " + " ".join(shlex.quote(c) for c in cmd))
        r = subprocess.run(cmd)
        if r.returncode != 0:
            print("FAIL: compilation (%s) failed" % std)
            return 1
        if run:
            r = subprocess.run([exe])
            if r.returncode != 0:
                print("FAIL: %d check(s) failed at run time (%s)" % (r.returncode, std))
                return 1
    print("ok: %s" % std)
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cc", required=True, help="compiler command (may include a wrapper)")
    ap.add_argument("--std", required=True)
    ap.add_argument("--lang", default=None, help="pass -x LANG (c++ to compile a .c file as C++)")
    ap.add_argument("--include", required=True, help="directory holding mpi.h")
    ap.add_argument("--compile-only", action="store_true")
    ap.add_argument("source")
    args = ap.parse_args()
    return compile_and_run(args.cc, args.std, args.lang, args.include, args.source,
                           run=not args.compile_only)


if __name__ == "__main__":
    sys.exit(main())
