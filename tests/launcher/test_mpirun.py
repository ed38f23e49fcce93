#!/usr/bin/env python3
"""mpirun behaviour tests, run without the MPI library through pmix_test_client.

Usage: test_mpirun.py CASE --mpirun PATH --client PATH [--np N]

Every case also checks that mpirun left nothing behind: no process carrying this run's token
in its environment, and an empty TMPDIR (mpirun's private PMIx directory removed).
Exit status 0 = pass, 1 = fail (with the reason on stderr).
"""
import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid


sys.dont_write_bytecode = True  # keep the source tree free of __pycache__
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checks import Failure, check  # noqa: E402


class Runner:
    def __init__(self, opts):
        self.mpirun = opts.mpirun
        self.client = opts.client
        self.np = opts.np
        self.token = uuid.uuid4().hex
        self.tmpdir = tempfile.mkdtemp(prefix="efampi-test-")

    def env(self, extra=None):
        env = dict(os.environ)
        env["TMPDIR"] = self.tmpdir
        env["EFAMPI_TEST_TOKEN"] = self.token
        env.pop("MPIEXEC_TIMEOUT", None)
        env.pop("EFAMPI_LAUNCHER_DEBUG", None)
        env.update(extra or {})
        return env

    def run(self, args, extra_env=None, stdin=subprocess.DEVNULL, input=None, timeout=60):
        start = time.monotonic()
        r = subprocess.run([self.mpirun] + args, env=self.env(extra_env), stdin=stdin,
                           input=input, capture_output=True, text=True, timeout=timeout)
        r.elapsed = time.monotonic() - start
        return r

    def leftovers(self):
        """Processes of this run still alive, and files left in TMPDIR."""
        procs = []
        needle = ("EFAMPI_TEST_TOKEN=" + self.token).encode()
        for pid in os.listdir("/proc"):
            if not pid.isdigit() or int(pid) == os.getpid():
                continue
            try:
                with open(f"/proc/{pid}/environ", "rb") as f:
                    if needle in f.read().split(b"\0"):
                        with open(f"/proc/{pid}/stat") as s:
                            if s.read().split(") ")[-1].startswith("Z"):
                                continue  # a zombie is dead already; its parent reaps it
                        procs.append(pid)
            except OSError:
                continue
        return procs, os.listdir(self.tmpdir)

    def check_clean(self):
        # Killed ranks may need a moment to be reaped by init after mpirun is gone.
        deadline = time.monotonic() + 5
        while True:
            procs, files = self.leftovers()
            if not procs and not files:
                return
            if time.monotonic() > deadline:
                raise Failure(f"mpirun left processes {procs} and files {files} in {self.tmpdir}")
            time.sleep(0.1)

    def cleanup(self):
        shutil.rmtree(self.tmpdir, ignore_errors=True)


def ok_lines(n):
    return {f"rank {r} of {n} ok" for r in range(n)}


def stdout_lines(r):
    return [l for l in r.stdout.splitlines() if l]


# ---- cases ----

def case_hello(t):
    r = t.run(["-n", str(t.np), t.client])
    check(r.returncode == 0, "hello: exit status must be 0", r)
    check(sorted(stdout_lines(r)) == sorted(ok_lines(t.np)), "hello: every rank must report ok once", r)
    check(r.stderr == "", "hello: nothing may be printed on stderr on success", r)


def case_hello_host_fence(t):
    # Forces libpmix to route fences through mpirun's fence_nb callback.
    r = t.run(["-np", str(t.np), "--", t.client],
              extra_env={"PMIX_MCA_pmix_server_fence_localonly_opt": "0", "EFAMPI_LAUNCHER_DEBUG": "1"})
    check(r.returncode == 0, "host fence: exit status must be 0", r)
    check(sorted(stdout_lines(r)) == sorted(ok_lines(t.np)), "host fence: every rank must report ok", r)
    check("fence_nb" in r.stderr, "host fence: mpirun's fence_nb must have been called", r)


def case_exit_status(t):
    # Every rank finalizes; the last rank then exits 5.
    bad = t.np - 1
    r = t.run(["-n", str(t.np), t.client, "--mode", "exit-after:5", "--bad-rank", str(bad)])
    check(r.returncode == 5, "exit status: mpirun must exit with the rank's status 5", r)
    check(re.search(rf"^mpirun: rank {bad} \(pid \d+\) exited with status 5$", r.stderr, re.M),
          "exit status: the failing rank must be named", r)


def expect_failure(t, mode, status, message, np=4, bad=1, limit=15.0):
    r = t.run(["-n", str(np), t.client, "--mode", mode, "--bad-rank", str(bad)])
    check(r.returncode == status, f"{mode}: mpirun must exit with {status}", r)
    check(re.search(message, r.stderr, re.M), f"{mode}: stderr must match {message!r}", r)
    check(r.elapsed < limit, f"{mode}: the job must end within {limit} s, took {r.elapsed:.1f} s", r)
    return r


def case_early_exit(t):
    # Rank 1 exits 3 while the others wait in a fence: they must be killed.
    expect_failure(t, "exit:3", 3, r"^mpirun: rank 1 \(pid \d+\) exited with status 3$")


def case_segv(t):
    expect_failure(t, "segv", 128 + signal.SIGSEGV,
                   r"^mpirun: rank 1 \(pid \d+\) was killed by signal 11 \(SIGSEGV\)$")


def case_abort(t):
    expect_failure(t, "abort:7", 7,
                   r"^mpirun: rank 1 called MPI_Abort with code 7: test abort from rank 1$")


def case_no_finalize(t):
    expect_failure(t, "nofinalize", 1,
                   r"^mpirun: rank 1 \(pid \d+\) exited with status 0 without finalizing")


def case_timeout(t):
    r = t.run(["-n", "4", t.client, "--mode", "hang", "--bad-rank", "0"],
              extra_env={"MPIEXEC_TIMEOUT": "2"})
    check(r.returncode == 124, "timeout: mpirun must exit with 124", r)
    check("mpirun: job exceeded MPIEXEC_TIMEOUT=2 s, killing it" in r.stderr, "timeout: message", r)
    check(1.5 < r.elapsed < 12, f"timeout: took {r.elapsed:.1f} s", r)


def case_signal(t):
    # SIGTERM to mpirun: forwarded to the ranks, exit status 128+15.
    p = subprocess.Popen([t.mpirun, "-n", "3", t.client, "--mode", "hang", "--bad-rank", "0"],
                         env=t.env(), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    time.sleep(1.5)
    p.send_signal(signal.SIGTERM)
    try:
        out, err = p.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        p.kill()
        raise Failure("signal: mpirun did not exit within 15 s of SIGTERM")
    check(p.returncode == 128 + signal.SIGTERM, f"signal: exit status {p.returncode}, expected 143\n{err}")
    check("caught SIGTERM" in err, f"signal: message missing:\n{err}")


def case_broken_stdout(t):
    # Our reader goes away: the ranks must get SIGPIPE, as `yes | head -1` does.
    p = subprocess.Popen([t.mpirun, "-n", "2", "yes"], env=t.env(), stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    p.stdout.readline()
    p.stdout.close()
    try:
        err = p.communicate(timeout=15)[1].decode()
    except subprocess.TimeoutExpired:
        p.kill()
        raise Failure("broken stdout: mpirun did not end within 15 s of its reader leaving")
    check(p.returncode == 128 + signal.SIGPIPE, f"broken stdout: exit status {p.returncode}\n{err}")
    check("(SIGPIPE)" in err, f"broken stdout: report missing:\n{err}")


def case_exports(t):
    r = t.run(["-n", "2", "-x", "EFAMPI_T_SET=some value", "-x", "EFAMPI_T_COPY", "-x", "EFAMPI_T_UNSET",
               t.client, "--print-env", "EFAMPI_T_SET", "--print-env", "EFAMPI_T_COPY",
               "--print-env", "EFAMPI_T_UNSET"],
              extra_env={"EFAMPI_T_COPY": "copied"})
    check(r.returncode == 0, "exports: exit status", r)
    for rank in range(2):
        for line in (f"rank {rank} env EFAMPI_T_SET=some value", f"rank {rank} env EFAMPI_T_COPY=copied",
                     f"rank {rank} env EFAMPI_T_UNSET unset"):
            check(line in stdout_lines(r), f"exports: missing {line!r}", r)


def case_stdin(t):
    r = t.run(["-n", "3", t.client, "--echo-stdin"], stdin=None, input="first line\nsecond line\n")
    check(r.returncode == 0, "stdin: exit status", r)
    lines = stdout_lines(r)
    for line in ("rank 0 stdin: first line", "rank 0 stdin: second line", "rank 0 stdin eof",
                 "rank 1 stdin eof", "rank 2 stdin eof"):
        check(line in lines, f"stdin: missing {line!r}", r)
    check(not any(l.startswith(("rank 1 stdin:", "rank 2 stdin:")) for l in lines),
          "stdin: only rank 0 may read mpirun's stdin", r)


def case_lines(t):
    # Lines written in pieces by several ranks at once must come out whole.
    n, count = max(t.np, 2), 40
    r = t.run(["-n", str(n), t.client, "--lines", str(count)])
    check(r.returncode == 0, "lines: exit status", r)
    pattern = re.compile(r"^rank (\d+) line (\d+) ([a-z])\3{199} end$")
    seen = set()
    for line in stdout_lines(r):
        if line.endswith(" ok"):
            continue
        m = pattern.match(line)
        check(m is not None, f"lines: mixed-up line {line[:80]!r}", r)
        seen.add((int(m.group(1)), int(m.group(2))))
    check(len(seen) == n * count, f"lines: expected {n * count} distinct lines, got {len(seen)}", r)


def case_not_found(t):
    r = t.run(["-n", "2", "./no-such-program-efampi"])
    check(r.returncode == 127, "not found: exit status 127", r)
    check("mpirun: program './no-such-program-efampi' not found" in r.stderr, "not found: message", r)
    r = t.run(["-n", "2", "no-such-program-efampi"])
    check(r.returncode == 127 and "not found in PATH" in r.stderr, "not found in PATH", r)
    not_exec = os.path.join(t.tmpdir, "not-executable")
    with open(not_exec, "w") as f:
        f.write("#!/bin/sh\n")
    try:
        os.chmod(not_exec, 0o644)
        r = t.run(["-n", "1", not_exec])
        # root may execute nothing without an x bit either: access(X_OK) fails for both.
        check(r.returncode == 126 and "is not executable" in r.stderr, "not executable: 126", r)
    finally:
        os.unlink(not_exec)


def case_usage(t):
    r = t.run(["--no-such-option", t.client])
    check(r.returncode == 2 and "mpirun: unknown option '--no-such-option'" in r.stderr, "usage: unknown option", r)
    r = t.run([])
    check(r.returncode == 2 and "no program given" in r.stderr, "usage: no program", r)
    r = t.run(["-n", "zero", t.client])
    check(r.returncode == 2 and "-n expects a positive number" in r.stderr, "usage: bad -n", r)
    r = t.run(["--help"])
    check(r.returncode == 0 and "usage: mpirun" in r.stdout, "usage: --help", r)
    r = t.run(["--version"])
    check(r.returncode == 0 and r.stdout.startswith("mpirun (efampi) "), "usage: --version", r)
    r = t.run(["-n", "2", "--oversubscribe", "--allow-run-as-root", t.client])
    check(r.returncode == 0, "usage: Open MPI compatibility options must be accepted", r)
    r = t.run(["-n", "1", t.client], extra_env={"MPIEXEC_TIMEOUT": "soon"})
    check(r.returncode == 2 and "MPIEXEC_TIMEOUT" in r.stderr, "usage: bad MPIEXEC_TIMEOUT", r)


def case_not_mpi(t):
    # Programs that never call PMIx_Init are fine too; arguments after the program are its own.
    r = t.run(["-n", "3", "/bin/echo", "hello", "-n", "5"])
    check(r.returncode == 0 and stdout_lines(r) == ["hello -n 5"] * 3, "not mpi: echo output", r)
    r = t.run(["-n", "2", "/bin/sh", "-c", "exit 4"])
    check(r.returncode == 4 and "exited with status 4" in r.stderr, "not mpi: exit status", r)


def case_rank_env(t):
    r = t.run(["-n", "3", "/bin/sh", "-c",
               'echo "$EFAMPI_RANK/$EFAMPI_SIZE/$EFAMPI_LOCAL_RANK/$EFAMPI_LOCAL_SIZE/$EFAMPI_LAUNCHER/'
               '${OMPI_COMM_WORLD_SIZE-unset}"'])
    check(r.returncode == 0, "rank env: exit status", r)
    check(sorted(stdout_lines(r)) == [f"{i}/3/{i}/3/mpirun/unset" for i in range(3)], "rank env: values", r)


CASES = {name[len("case_"):]: fn for name, fn in globals().items() if name.startswith("case_")}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("case", choices=sorted(CASES))
    ap.add_argument("--mpirun", required=True)
    ap.add_argument("--client", required=True)
    ap.add_argument("--np", type=int, default=2)
    opts = ap.parse_args()
    t = Runner(opts)
    try:
        CASES[opts.case](t)
        t.check_clean()
    except Failure as e:
        print(f"FAIL {opts.case}: {e}", file=sys.stderr)
        return 1
    except subprocess.TimeoutExpired as e:
        print(f"FAIL {opts.case}: mpirun hung: {e}", file=sys.stderr)
        return 1
    finally:
        t.cleanup()
    print(f"PASS {opts.case}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
