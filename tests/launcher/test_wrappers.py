#!/usr/bin/env python3
"""mpicc/mpicxx wrapper tests (build-tree flavour).

Usage: test_wrappers.py --mpicc PATH --mpicxx PATH

A fake compiler (EFAMPI_CC/EFAMPI_CXX) records the arguments the wrapper passes, which checks
when the wrapper adds which flags without needing the MPI library; then a real compile (-c)
and preprocessing run with the system compiler. Exit 0 = pass, 1 = fail.
"""
import argparse
import os
import stat
import subprocess
import sys
import tempfile

FAKE_CC = """#!/bin/sh
for a in "$@"; do printf '[%s]\\n' "$a"; done
"""


class Failure(Exception):
    pass


def run(cmd, env=None, cwd=None):
    full_env = dict(os.environ)
    full_env.pop("EFAMPI_CC", None)
    full_env.pop("EFAMPI_CXX", None)
    full_env.update(env or {})
    return subprocess.run(cmd, env=full_env, cwd=cwd, capture_output=True, text=True, timeout=60)


def check(cond, what, r=None):
    if not cond:
        extra = f"\n--- status {r.returncode}\n--- stdout:\n{r.stdout}\n--- stderr:\n{r.stderr}" if r else ""
        raise Failure(what + extra)


def fake_args(wrapper, var, fake, args):
    r = run([wrapper] + args, env={var: fake})
    check(r.returncode == 0, f"{args}: the wrapper must succeed", r)
    return [line[1:-1] for line in r.stdout.splitlines()]


def test_wrapper(wrapper, var, work):
    fake = os.path.join(work, "fake-cc")
    with open(fake, "w") as f:
        f.write(FAKE_CC)
    os.chmod(fake, stat.S_IRWXU)

    def has_include(a):
        return any(x.startswith("-I") for x in a)

    def has_lib(a):
        return "-lmpi_abi" in a

    # Link: include flags first, user arguments in order, library flags last.
    a = fake_args(wrapper, var, fake, ["-o", "prog", "prog.o", "-lm"])
    check(has_include(a) and has_lib(a), f"link must add -I and -lmpi_abi: {a}")
    check(a[-1] == "-lmpi_abi" and any(x.startswith("-Wl,-rpath,") for x in a), f"link flags: {a}")
    user = [x for x in a if not x.startswith(("-I", "-L", "-Wl,-rpath,")) and x != "-lmpi_abi"]
    check(user == ["-o", "prog", "prog.o", "-lm"], f"user arguments must pass in order: {user}")
    # Compile-only modes: includes but no library.
    for mode in (["-c", "x.c"], ["-S", "x.c"], ["-E", "x.c"], ["-M", "x.c"], ["-MM", "x.c"],
                 ["-c", "-MD", "-MF", "x.d", "x.c"]):
        a = fake_args(wrapper, var, fake, mode)
        check(has_include(a) and not has_lib(a), f"{mode}: -I without -lmpi_abi expected: {a}")
    # -MD alone still links (it only adds a dependency file).
    a = fake_args(wrapper, var, fake, ["-MD", "-o", "p", "p.c"])
    check(has_lib(a), f"-MD with linking must add the library: {a}")
    # Informational commands get nothing.
    for info in (["--version"], ["-dumpversion"], ["-print-search-dirs"], ["-v"], []):
        a = fake_args(wrapper, var, fake, info)
        check(a == info, f"{info} must pass through untouched: {a}")
    # Arguments with spaces and shell characters stay single arguments.
    a = fake_args(wrapper, var, fake, ["-c", "-DMSG=\"a b\"", "-D X='$HOME'", "x.c"])
    check("-DMSG=\"a b\"" in a and "-D X='$HOME'" in a, f"quoting must be preserved: {a}")

    # -show/-showme print instead of running.
    r = run([wrapper, "-showme", "-o", "p", "p.c"], env={var: "some-cc"})
    check(r.returncode == 0 and r.stdout.startswith("some-cc -I") and r.stdout.rstrip().endswith("-lmpi_abi")
          and " -o p p.c " in r.stdout, "-showme must print the link command", r)
    r = run([wrapper, "-show", "-c", "p.c"], env={var: "some-cc"})
    check(r.returncode == 0 and "-lmpi_abi" not in r.stdout and " -c p.c" in r.stdout, "-show with -c", r)
    r = run([wrapper, "-showme:compile"])
    check(r.returncode == 0 and r.stdout.startswith("-I")
          and not any(w.startswith(("-l", "-L")) for w in r.stdout.split()), "-showme:compile", r)
    r = run([wrapper, "-showme:link"])
    check(r.returncode == 0 and r.stdout.startswith("-L") and "-Wl,-rpath," in r.stdout
          and r.stdout.rstrip().endswith("-lmpi_abi"), "-showme:link", r)
    r = run([wrapper, "-showme:libs"])
    check(r.stdout.strip() == "mpi_abi", "-showme:libs", r)
    r = run([wrapper, "-showme:nonsense"])
    check(r.returncode != 0, "-showme:nonsense must fail", r)
    # The compiler's own failure status comes back.
    r = run([wrapper, "-c", "missing.c"], env={var: "false"})
    check(r.returncode != 0, "the compiler's exit status must be returned", r)


def test_real_compile(mpicc, mpicxx, work):
    with open(os.path.join(work, "t.c"), "w") as f:
        f.write("int twice(int x) { return 2 * x; }\n")
    with open(os.path.join(work, "t.cpp"), "w") as f:
        f.write("#include <vector>\nint size_of(const std::vector<int>& v) { return (int)v.size(); }\n")
    r = run([mpicc, "-c", "t.c", "-o", "t.o"], cwd=work)
    check(r.returncode == 0 and os.path.exists(os.path.join(work, "t.o")), "mpicc -c must compile", r)
    r = run([mpicxx, "-c", "t.cpp", "-o", "tpp.o"], cwd=work)
    check(r.returncode == 0 and os.path.exists(os.path.join(work, "tpp.o")), "mpicxx -c must compile", r)
    r = run([mpicc, "-E", "t.c"], cwd=work)
    check(r.returncode == 0 and "twice" in r.stdout, "mpicc -E must preprocess to stdout", r)
    r = run([mpicc, "--version"])
    check(r.returncode == 0 and r.stdout, "mpicc --version must pass through", r)


def test_real_link(mpicc, mpicxx, work):
    """Only when Meson built the library first (--link): a whole MPI program, compiled and linked."""
    with open(os.path.join(work, "hello.c"), "w") as f:
        f.write("#include <mpi.h>\nint main(int argc, char** argv) {\n"
                "  MPI_Init(&argc, &argv); MPI_Finalize(); return 0;\n}\n")
    r = run([mpicc, "-o", "hello_c", "hello.c"], cwd=work)
    check(r.returncode == 0 and os.access(os.path.join(work, "hello_c"), os.X_OK), "mpicc must link", r)
    r = run([mpicc, "-c", "hello.c", "-o", "hello.o"], cwd=work)
    check(r.returncode == 0, "mpicc -c of an MPI program", r)
    r = run([mpicc, "-o", "hello_o", "hello.o"], cwd=work)
    check(r.returncode == 0, "mpicc must link an object", r)
    r = run([mpicxx, "-x", "c++", "-o", "hello_cxx", "hello.c"], cwd=work)
    check(r.returncode == 0, "mpicxx must compile and link C++", r)


def test_autotools(mpicc, mpicxx, work):
    """Only with --link: an autoconf/automake project like the real OSU suite's, configured with
    CC=mpicc CXX=mpicxx (configure probes MPI functions by linking), built with make, and its
    programs run as singletons. Skipped (said so) when autoreconf is not installed."""
    import shutil
    if not shutil.which("autoreconf") or not shutil.which("automake"):
        print("SKIP autotools: autoconf/automake not installed (scripts/install-deps.sh --test)")
        return
    src = os.path.join(os.path.dirname(os.path.abspath(__file__)), "autotools")
    proj = os.path.join(work, "autotools")
    shutil.copytree(src, proj)
    r = subprocess.run(["autoreconf", "-fi"], cwd=proj, capture_output=True, text=True, timeout=300)
    check(r.returncode == 0, "autoreconf -fi", r)
    r = subprocess.run(["./configure", f"CC={mpicc}", f"CXX={mpicxx}"], cwd=proj,
                       capture_output=True, text=True, timeout=300)
    check(r.returncode == 0, "./configure CC=mpicc CXX=mpicxx", r)
    check("checking for MPI_Get_accumulate... yes" in r.stdout, "configure must find MPI_Get_accumulate", r)
    r = subprocess.run(["make"], cwd=proj, capture_output=True, text=True, timeout=300)
    check(r.returncode == 0, "make", r)
    for prog in ("probe_c", "probe_cxx"):
        r = run([os.path.join(proj, prog)], cwd=proj)
        check(r.returncode == 0 and "1 of 1" in r.stdout, f"{prog} must run as a singleton", r)
    print("PASS autotools: ./configure CC=mpicc CXX=mpicxx && make, programs run")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mpicc", required=True)
    ap.add_argument("--mpicxx", required=True)
    ap.add_argument("--link", action="store_true", help="the library is built: also link")
    opts = ap.parse_args()
    opts.mpicc, opts.mpicxx = os.path.abspath(opts.mpicc), os.path.abspath(opts.mpicxx)
    with tempfile.TemporaryDirectory(prefix="efampi-wrappers-") as work:
        try:
            test_wrapper(opts.mpicc, "EFAMPI_CC", work)
            test_wrapper(opts.mpicxx, "EFAMPI_CXX", work)
            test_real_compile(opts.mpicc, opts.mpicxx, work)
            if opts.link:
                test_real_link(opts.mpicc, opts.mpicxx, work)
                test_autotools(opts.mpicc, opts.mpicxx, work)
        except (Failure, OSError, subprocess.TimeoutExpired) as e:
            print(f"FAIL: {e}", file=sys.stderr)
            return 1
    print("PASS wrappers")
    return 0


if __name__ == "__main__":
    sys.exit(main())
