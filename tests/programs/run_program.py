#!/usr/bin/env python3
"""Runs one misbehaving MPI program and checks what the user sees: the exit status, words
that must appear on stderr/stdout, and that the job ends within a time bound."""
import argparse
import os
import signal
import subprocess
import sys
import time


def shm_entries():
    try:
        return {n for n in os.listdir("/dev/shm") if n.startswith("efampi.")}
    except OSError:
        return set()


def pid_alive(entry):
    try:
        os.kill(int(entry.split(".")[1]), 0)
        return True
    except (ValueError, IndexError, ProcessLookupError):
        return False
    except PermissionError:
        return True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mpirun")
    ap.add_argument("--np", default="2")
    ap.add_argument("--mpirun-arg", action="append", default=[],
                    help="extra launcher argument (e.g. Open MPI's --oversubscribe)")
    ap.add_argument("--program", required=True)
    ap.add_argument("--case", required=True)
    ap.add_argument("--exit", default="nonzero", help="an exit code, or 'nonzero'")
    ap.add_argument("--expect", action="append", default=[], help="text the output must hold")
    ap.add_argument("--max-seconds", type=float, default=20)
    ap.add_argument("--env", action="append", default=[])
    ap.add_argument("--no-shm-leftovers", action="store_true",
                    help="fail if the job leaves new /dev/shm/efampi.* entries behind")
    a = ap.parse_args()
    shm_before = shm_entries()
    cmd = ([a.mpirun, *a.mpirun_arg, "-n", a.np] if a.mpirun else []) + [a.program, a.case]
    env = dict(os.environ)
    for kv in a.env:
        k, _, v = kv.partition("=")
        env[k] = v
    t0 = time.monotonic()
    # In a session of its own: on a time-out the whole job is killed, ranks included (killing
    # mpirun alone with SIGKILL leaves its ranks running, orphaned).
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                         stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        stdout, stderr = p.communicate(timeout=a.max_seconds + 30)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        p.communicate()
        print(f"FAIL: {' '.join(cmd)} did not end within {a.max_seconds + 30} s")
        return 1
    p.stdout, p.stderr = stdout, stderr
    dt = time.monotonic() - t0
    out = p.stdout + p.stderr
    print(f"$ {' '.join(cmd)}\nexit {p.returncode} after {dt:.1f} s\n{out}")
    ok = True
    if a.exit == "nonzero":
        ok &= p.returncode != 0
    else:
        ok &= p.returncode == int(a.exit)
    if not ok:
        print(f"FAIL: exit status {p.returncode}, wanted {a.exit}")
    for word in a.expect:
        if word not in out:
            print(f"FAIL: output lacks {word!r}")
            ok = False
    if a.no_shm_leftovers:
        # Only entries of processes that are gone are leftovers: a live process's entry belongs
        # to another job running on this machine at the same time (efampi.<pid>.*).
        left = sorted(n for n in shm_entries() - shm_before if not pid_alive(n))
        if left:
            print(f"FAIL: left in /dev/shm: {', '.join(left)}")
            ok = False
    if dt > a.max_seconds:
        print(f"FAIL: took {dt:.1f} s, more than {a.max_seconds} s")
        ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
