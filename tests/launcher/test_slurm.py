#!/usr/bin/env python3
"""efampi under a real Slurm (issue 8, item 4): starts slurmctld and slurmd on this machine with
a configuration written into a temporary directory (auth/none, one node of 2 CPUs at 127.0.0.1,
an oversubscribable partition, ports of its own), waits until the node is idle, runs an efampi
program with `srun --mpi=pmix -n 2` and `srun --mpi=pmix -n 4 -O`, then our mpirun inside an
allocation (`salloc -n 2 mpirun PROGRAM` without -n, and an sbatch script), and checks every
result. The daemons are stopped whatever happens.

The program is tests/programs/jobcheck.c: it checks rank/size, a ring and two Allreduces from
inside the job and prints "jobcheck ok: N ranks".

Exit 0 on success, 1 on failure, 77 (skip) when Slurm is not installed outside CI; under CI
(CI set) a missing Slurm is a failure, since scripts/install-deps.sh --test installs it."""
import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

SKIP = 77
DAEMON_START_SECONDS = 30   # slurmctld + slurmd up and the node idle
JOB_SECONDS = 60            # one srun / salloc / sbatch job, queueing included


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_conf(d, node):
    """slurm.conf for one node named `node` at 127.0.0.1, everything under d."""
    ctl_port, d_port = free_port(), free_port()
    while d_port == ctl_port:
        d_port = free_port()
    for sub in ("state", "spool"):
        os.makedirs(os.path.join(d, sub), exist_ok=True)
    conf = f"""# written by tests/launcher/test_slurm.py
ClusterName=efampitest
SlurmctldHost={node}(127.0.0.1)
SlurmctldPort={ctl_port}
SlurmdPort={d_port}
SlurmUser=root
SlurmdUser=root
AuthType=auth/none
CredType=cred/none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SwitchType=switch/none
MpiDefault=none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
MailProg=/bin/true
StateSaveLocation={d}/state
SlurmdSpoolDir={d}/spool
SlurmctldPidFile={d}/slurmctld.pid
SlurmdPidFile={d}/slurmd.pid
SlurmctldLogFile={d}/slurmctld.log
SlurmdLogFile={d}/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
InactiveLimit=0
KillWait=2
MinJobAge=2
NodeName={node} NodeAddr=127.0.0.1 CPUs=2 State=UNKNOWN
PartitionName=efampi Nodes={node} Default=YES MaxTime=10 State=UP OverSubscribe=YES
"""
    path = os.path.join(d, "slurm.conf")
    with open(path, "w") as f:
        f.write(conf)
    return path


class Cluster:
    """slurmctld and slurmd in the foreground (-D), as our children in their own sessions."""

    def __init__(self, d, node, tools):
        self.d, self.node, self.tools = d, node, tools
        self.conf = write_conf(d, node)
        self.env = dict(os.environ, SLURM_CONF=self.conf)
        for k in list(self.env):  # an outer Slurm job's variables would confuse srun/salloc
            if k.startswith("SLURM_") and k != "SLURM_CONF":
                del self.env[k]
        self.procs = []

    def start(self):
        for name, args in (("slurmctld", ["-D", "-i", "-f", self.conf]),
                           ("slurmd", ["-D", "-f", self.conf, "-N", self.node])):
            log = open(os.path.join(self.d, name + ".out"), "w")
            self.procs.append(subprocess.Popen([self.tools[name], *args], env=self.env,
                                               stdin=subprocess.DEVNULL, stdout=log,
                                               stderr=subprocess.STDOUT,
                                               start_new_session=True))
            log.close()
        deadline = time.monotonic() + DAEMON_START_SECONDS
        state = ""
        while time.monotonic() < deadline:
            for p in self.procs:
                if p.poll() is not None:
                    raise RuntimeError(f"{p.args[0]} exited with status {p.returncode}")
            r = subprocess.run([self.tools["sinfo"], "-h", "-N", "-o", "%t"], env=self.env,
                               capture_output=True, text=True, timeout=10)
            state = r.stdout.strip()
            if r.returncode == 0 and state.startswith("idle"):
                return
            time.sleep(0.3)
        raise RuntimeError(f"node not idle within {DAEMON_START_SECONDS} s (sinfo: {state!r})")

    def stop(self):
        for p in self.procs:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        for p in self.procs:
            try:
                p.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait(timeout=5)

    def logs(self):
        out = ""
        for name in ("slurmctld.log", "slurmd.log", "slurmctld.out", "slurmd.out"):
            try:
                with open(os.path.join(self.d, name)) as f:
                    tail = f.read()[-3000:]
                out += f"--- {name} (tail)\n{tail}\n"
            except OSError:
                pass
        return out

    def run(self, args, what):
        """Runs a client command; returns (ok, output)."""
        t0 = time.monotonic()
        try:
            r = subprocess.run(args, env=self.env, capture_output=True, text=True,
                               timeout=JOB_SECONDS, stdin=subprocess.DEVNULL, cwd=self.d)
        except subprocess.TimeoutExpired as e:
            return False, f"{what}: no answer within {JOB_SECONDS} s\n{e.stdout or ''}{e.stderr or ''}"
        out = r.stdout + r.stderr
        print(f"$ {' '.join(args)}\nexit {r.returncode} after {time.monotonic() - t0:.1f} s\n{out}")
        return r.returncode == 0, out


def find_tools():
    tools = {}
    for name in ("slurmctld", "slurmd", "srun", "sinfo", "salloc", "sbatch", "scontrol"):
        tools[name] = shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin")
    return tools


def check_jobcheck(out, n):
    want = f"jobcheck ok: {n} ranks"
    if want not in out:
        return [f"output lacks {want!r}"]
    if out.count(want) != 1:
        return [f"{want!r} printed {out.count(want)} times: ranks ran as separate jobs"]
    return []


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--program", required=True, help="jobcheck, built with efampi")
    ap.add_argument("--mpirun", help="efampi's mpirun, for the allocation cases")
    a = ap.parse_args()
    a.program = os.path.abspath(a.program)  # the jobs run in the temporary directory
    if a.mpirun:
        a.mpirun = os.path.abspath(a.mpirun)

    tools = find_tools()
    missing = [n for n, p in tools.items() if not p]
    if missing:
        msg = (f"Slurm is not installed (missing {', '.join(missing)}); "
               "scripts/install-deps.sh --test installs slurmctld, slurmd and slurm-client")
        if os.environ.get("CI"):
            print("FAIL: " + msg)
            return 1
        print("SKIP: " + msg)
        return SKIP
    if os.geteuid() != 0:
        print("SKIP: the Slurm daemons of this test run as root (SlurmUser=root)")
        return SKIP

    node = socket.gethostname().split(".")[0] or "localhost"
    failures = []
    with tempfile.TemporaryDirectory(prefix="efampi-slurm-", dir="/tmp") as d:
        os.chmod(d, 0o755)  # slurmstepd runs the tasks with this as working directory
        cluster = Cluster(d, node, tools)
        try:
            cluster.start()
            ok, out = cluster.run([tools["srun"], "--mpi=list"], "srun --mpi=list")
            if "pmix" not in out:
                raise RuntimeError("srun offers no PMIx plugin (slurm-wlm-basic-plugins' "
                                   "mpi_pmix.so)")
            cases = [
                ("srun -n 2", [tools["srun"], "--mpi=pmix", "-n", "2", a.program, "2"], 2),
                ("srun -n 4 -O", [tools["srun"], "--mpi=pmix", "-n", "4", "-O", a.program, "4"], 4),
            ]
            if a.mpirun:
                # Our mpirun inside an allocation: without -n it runs one rank per slot.
                cases.append(("salloc -n 2 mpirun", [tools["salloc"], "-n", "2", a.mpirun,
                                                     a.program, "2"], 2))
                script = os.path.join(d, "job.sh")
                with open(script, "w") as f:
                    f.write(f"#!/bin/sh\nexec {a.mpirun} {a.program} 2\n")
                os.chmod(script, 0o755)
                cases.append(("sbatch -n 2 mpirun", [tools["sbatch"], "--wait", "-n", "2",
                                                     "-o", os.path.join(d, "sbatch.out"),
                                                     script], 2))
            for what, args, n in cases:
                ok, out = cluster.run(args, what)
                if what.startswith("sbatch"):
                    try:
                        with open(os.path.join(d, "sbatch.out")) as f:
                            out += f.read()
                        print(f"--- sbatch output\n{out}")
                    except OSError:
                        out += "(no sbatch output file)"
                problems = ([] if ok else ["non-zero exit"]) + check_jobcheck(out, n)
                failures += [f"{what}: {p}" for p in problems]
        except (RuntimeError, subprocess.TimeoutExpired, OSError) as e:
            failures.append(f"cluster: {e}")
        finally:
            cluster.stop()
            if failures:
                print(cluster.logs())
    for f in failures:
        print("FAIL: " + f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
