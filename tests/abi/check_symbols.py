#!/usr/bin/env python3
"""Check the exported symbols of libmpi_abi.so.0.

    check_symbols.py --lib build/runtime/libmpi_abi.so.0 --functions abi/functions.txt [--nm nm]

- every function of functions.txt (less the type names listed in abi_common.NOT_FUNCTIONS)
  is exported as PMPI_X, a strong definition (nm type T), and as MPI_X, a weak one (W);
- so is every function of --legacy-signatures (the MPI-1 names removed in MPI 3.0 that
  efampi still provides, include/mpi_legacy.h);
- nothing is exported outside the MPI_, PMPI_ and MPIX_ prefixes (the linker's own _init,
  _fini, _edata, _end, __bss_start and version-definition symbols aside).
"""
import argparse
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # keep the source tree free of __pycache__
sys.path.insert(0, os.path.join(HERE, "..", "..", "scripts"))
import abi_common  # noqa: E402

LINKER_SYMBOLS = {"_init", "_fini", "_edata", "_end", "__bss_start"}
PREFIXES = ("MPI_", "PMPI_", "MPIX_")


def exported(nm, lib):
    out = subprocess.run([nm, "-D", "--defined-only", lib], check=True, capture_output=True,
                         text=True).stdout
    syms = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) < 2:
            continue
        kind, name = parts[-2], parts[-1]
        if kind == "A":  # version definitions (e.g. EFAMPI_1.0) are absolute symbols
            continue
        name = name.split("@")[0]
        syms[name] = kind
    return syms


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lib", required=True)
    ap.add_argument("--functions", required=True)
    ap.add_argument("--nm", default="nm")
    ap.add_argument("--legacy-signatures", default=None)
    args = ap.parse_args()

    syms = exported(args.nm, args.lib)
    problems = []
    functions = abi_common.read_function_names(args.functions)
    if args.legacy_signatures:
        functions += [sig.name for sig in abi_common.read_signatures(args.legacy_signatures)]
    for fn in functions:
        p = "P" + fn
        if p not in syms:
            problems.append("missing %s" % p)
        elif syms[p] != "T":
            problems.append("%s has nm type %s, expected T (strong text symbol)" % (p, syms[p]))
        if fn not in syms:
            problems.append("missing %s" % fn)
        elif syms[fn] != "W":
            problems.append("%s has nm type %s, expected W (weak alias of %s)" % (fn, syms[fn], p))
    foreign = sorted(n for n in syms if n not in LINKER_SYMBOLS and not n.startswith(PREFIXES))
    for n in foreign:
        problems.append("exported symbol outside MPI_/PMPI_/MPIX_: %s (%s)" % (n, syms[n]))

    known = set(functions) | {"P" + f for f in functions}
    extra = sorted(n for n in syms if n.startswith(PREFIXES) and n not in known)
    if extra:
        print("note: %d further MPI_/PMPI_/MPIX_ symbols (globals, extensions): %s"
              % (len(extra), " ".join(extra[:20]) + (" ..." if len(extra) > 20 else "")))
    for p in problems[:200]:
        print("FAIL: " + p)
    if len(problems) > 200:
        print("... and %d more" % (len(problems) - 200))
    print("%d functions checked in %s: %d problem(s)" % (len(functions), args.lib, len(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
