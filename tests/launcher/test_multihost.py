#!/usr/bin/env python3
"""mpirun across several hosts, with network namespaces as the hosts.

Usage: test_multihost.py CASE --mpirun PATH --program PATH [--client PATH] [--ompi-mpirun PATH]
                          [--mpi-test PATH ...]

Each run makes its own hosts: namespaces <prefix>h0.. (each with lo and eth0 = 10.200.0.(i+1)/24)
joined by a bridge in a namespace <prefix>br, and deletes them at the end, also on failure
(../../../shared/notes/multihost.md: nothing is ever sent from the root namespace; mpirun runs
inside h0 and reaches the others through the launch agent `ip netns exec`). The host names
are the namespace names. After every run no process may be left in any of the namespaces.
The program is multihost_program.c (ring, Allreduce, Comm_split_type(SHARED)).
Exit status 0 = pass, 1 = fail, 77 = skipped (not root, or no `ip netns`).
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

SKIP = 77


sys.dont_write_bytecode = True  # keep the source tree free of __pycache__
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checks import Failure, check  # noqa: E402


def ip(*args, check_rc=True):
    r = subprocess.run(["ip"] + list(args), capture_output=True, text=True, timeout=20)
    if check_rc and r.returncode != 0:
        raise Failure(f"ip {' '.join(args)}: {r.stderr.strip()}")
    return r


class Hosts:
    """n namespace hosts on one bridge; always removed by close()."""

    def __init__(self, n, isolated=False):
        self.prefix = f"efmh{os.getpid()}"
        self.bridge = self.prefix + "br"
        self.names = [f"{self.prefix}h{i}" for i in range(n)]
        # a host with loopback only: its daemon cannot reach mpirun
        self.isolated = self.prefix + "iso" if isolated else None
        self.made = []
        try:
            self._make()
        except BaseException:
            self.close()
            raise

    def _make(self):
        ip("netns", "add", self.bridge)
        self.made.append(self.bridge)
        ip("-n", self.bridge, "link", "set", "lo", "up")
        ip("-n", self.bridge, "link", "add", "br0", "type", "bridge")
        ip("-n", self.bridge, "link", "set", "br0", "up")
        for i, name in enumerate(self.names):
            ip("netns", "add", name)
            self.made.append(name)
            a, b = f"e{os.getpid()}x{i}a", f"e{os.getpid()}x{i}b"
            ip("link", "add", a, "type", "veth", "peer", "name", b)
            ip("link", "set", a, "netns", name)
            ip("link", "set", b, "netns", self.bridge)
            ip("-n", name, "link", "set", a, "name", "eth0")
            ip("-n", name, "addr", "add", f"10.200.0.{i + 1}/24", "dev", "eth0")
            ip("-n", name, "link", "set", "eth0", "up")
            ip("-n", name, "link", "set", "lo", "up")
            ip("-n", self.bridge, "link", "set", b, "master", "br0")
            ip("-n", self.bridge, "link", "set", b, "up")
        if self.isolated:
            ip("netns", "add", self.isolated)
            self.made.append(self.isolated)
            ip("-n", self.isolated, "link", "set", "lo", "up")

    def pids(self):
        """Processes running in the host namespaces: {pid: (namespace, command line)}."""
        out = {}
        for name in self.names + ([self.isolated] if self.isolated else []):
            if name not in self.made:
                continue
            r = ip("netns", "pids", name, check_rc=False)
            for p in r.stdout.split():
                try:
                    with open(f"/proc/{p}/cmdline", "rb") as f:
                        cmd = f.read().replace(b"\0", b" ").decode(errors="replace").strip()
                except OSError:
                    continue
                out[int(p)] = (name, cmd)
        return out

    def wait_empty(self, limit=5.0):
        """No process left in any namespace within limit seconds (else: what is left)."""
        deadline = time.monotonic() + limit
        while True:
            left = self.pids()
            if not left or time.monotonic() > deadline:
                return left
            time.sleep(0.05)

    def close(self):
        for name in reversed(self.made):
            r = ip("netns", "pids", name, check_rc=False)
            for p in r.stdout.split():
                try:
                    os.kill(int(p), signal.SIGKILL)
                except OSError:
                    pass
            ip("netns", "del", name, check_rc=False)
        self.made = []


class Runner:
    def __init__(self, opts, hosts):
        self.mpirun = opts.mpirun
        self.program = opts.program
        self.ompi = opts.ompi_mpirun
        self.client = opts.client
        self.mpi_tests = opts.mpi_test
        self.hosts = hosts
        self.tmpdir = tempfile.mkdtemp(prefix="efampi-mh-")

    def env(self, extra=None):
        env = dict(os.environ)
        env["TMPDIR"] = self.tmpdir
        env["MPIEXEC_TIMEOUT"] = "40"
        # The namespace hosts share this machine's cores, which the ranks' spin-then-yield
        # policy cannot see (it counts the ranks of their own host): yield early, as when
        # oversubscribed (spinning made mpi_test_coll 12x slower across 2+2 namespace ranks).
        env["EFAMPI_SPIN_COUNT"] = "20"
        env.pop("EFAMPI_LAUNCHER_DEBUG", None)
        for k in list(env):
            if k.startswith(("PMIX_", "OMPI_", "FI_")) and not k.startswith("PMIX_MCA_"):
                del env[k]
        env.update(extra or {})
        return env

    def cmd(self, args, host=0, agent=True):
        return (["ip", "netns", "exec", self.hosts.names[host], self.mpirun]
                + (["--launch-agent", "ip netns exec"] if agent else []) + args)

    def run(self, args, timeout=60, extra_env=None, input=None, agent=True):
        start = time.monotonic()
        r = subprocess.run(self.cmd(args, agent=agent), env=self.env(extra_env),
                           stdin=subprocess.DEVNULL if input is None else None, input=input,
                           capture_output=True, text=True, timeout=timeout)
        r.elapsed = time.monotonic() - start
        return r

    def check_clean(self):
        left = self.hosts.wait_empty()
        check(not left, f"processes left in the namespaces: {left}")

    def cleanup(self):
        shutil.rmtree(self.tmpdir, ignore_errors=True)


def ok_lines(r):
    """{rank: (size, shared)} from 'rank R of N shared S ok' lines."""
    out = {}
    for line in r.stdout.splitlines():
        m = re.fullmatch(r"rank (\d+) of (\d+) shared (\d+) ok", line)
        if m:
            out[int(m.group(1))] = (int(m.group(2)), int(m.group(3)))
    return out


def check_job(r, placement):
    """placement: host index of each rank. Exit 0, every rank ok, per-host shared sizes."""
    n = len(placement)
    check(r.returncode == 0, f"mpirun exited {r.returncode}, expected 0", r)
    got = ok_lines(r)
    want = {rank: (n, placement.count(placement[rank])) for rank in range(n)}
    check(got == want, f"rank lines {got}, expected {want}", r)


def check_transports(r, placement):
    """EFAMPI_VERBOSE=1 lines: same host through the shm rings, other hosts over tcp;ofi_rxm."""
    seen = 0
    for line in r.stderr.splitlines():
        m = re.match(r"efampi: rank (\d+): transports .*; peers (.*)$", line)
        if not m:
            continue
        seen += 1
        me = int(m.group(1))
        for item in m.group(2).split():
            peer, how = item.split(":", 1)
            peer = int(peer)
            if peer == me:
                want = "self"
            elif placement[peer] == placement[me]:
                want = "shm-ring"
            else:
                want = "tcp;ofi_rxm"
            check(how == want, f"rank {me} reaches rank {peer} by {how}, expected {want}", r)
    check(seen == len(placement), f"{seen} transport lines, expected {len(placement)}", r)


def case_two_hosts(t):
    h = t.hosts.names
    r = t.run(["--host", f"{h[0]}:2,{h[1]}:2", "-x", "EFAMPI_VERBOSE=1", t.program])
    placement = [0, 0, 1, 1]
    check_job(r, placement)
    check_transports(r, placement)
    # Each daemon binds its host's ranks and reports it (through mpirun's stderr).
    r = t.run(["--host", f"{h[0]}:2,{h[1]}:2", "--bind-to", "core", "--report-bindings", t.program])
    check_job(r, placement)
    for rank in range(4):
        host = h[placement[rank]]
        check(re.search(rf"^\[{re.escape(host)}:\d+\] rank {rank} bound to core {rank % 2} ", r.stderr, re.M),
              f"no binding report of rank {rank} on {host}", r)
    # slots by repetition, map-by node: ranks 0,2 on h0 and 1 on h1
    r = t.run(["--host", f"{h[0]},{h[0]},{h[1]}", "--map-by", "node", "-x", "EFAMPI_VERBOSE=1", t.program])
    check_job(r, [0, 1, 0])
    check_transports(r, [0, 1, 0])
    # The default agent is ssh, called as `ssh -o BatchMode=yes HOST COMMAND...`: a stand-in
    # ssh first in PATH records its arguments and enters the namespace named HOST.
    bindir = os.path.join(t.tmpdir, "bin")
    os.makedirs(bindir, exist_ok=True)
    log = os.path.join(t.tmpdir, "ssh.log")
    with open(os.path.join(bindir, "ssh"), "w") as f:
        f.write(f'#!/bin/sh\necho "$@" >> {log}\n'
                'while [ "$1" = "-o" ]; do shift 2; done\nhost="$1"; shift\nexec ip netns exec "$host" "$@"\n')
    os.chmod(os.path.join(bindir, "ssh"), 0o755)
    r = t.run(["--host", f"{h[0]},{h[1]}", t.program], agent=False,
              extra_env={"PATH": bindir + ":" + os.environ.get("PATH", "")})
    check_job(r, [0, 1])
    with open(log) as f:
        calls = sorted(f.read().splitlines())
    check(len(calls) == 2 and all(c.startswith(f"-o BatchMode=yes {h[i]} ") and "--efampi-daemon" in c
                                  for i, c in enumerate(calls)), f"ssh called as {calls}")
    if t.client:
        # The PMIx view of each rank (host name, local peers, node count), and every key
        # fetched through direct modex (a fence without data collection).
        r = t.run(["--host", f"{h[0]},{h[0]},{h[1]}", "--map-by", "node", t.client, "--multi-host", "--dmodex"],
                  extra_env={"EFAMPI_LAUNCHER_DEBUG": "1"})
        check(r.returncode == 0, "pmix_test_client run failed", r)
        want = {f"rank 0 host {h[0]} nodes 2 local 0 of 2 peers 0,2", f"rank 2 host {h[0]} nodes 2 local 1 of 2 peers 0,2",
                f"rank 1 host {h[1]} nodes 2 local 0 of 1 peers 1", "rank 0 of 3 ok", "rank 1 of 3 ok", "rank 2 of 3 ok"}
        check(set(r.stdout.splitlines()) == want, f"client lines, expected {sorted(want)}", r)
        check("direct_modex for rank" in r.stderr, "no direct modex request was relayed", r)
        # mpirun's stdin reaches rank 0 on the other host (the others read /dev/null), with more
        # than the forwarding window in flight
        text = "".join(f"line {i} " + "x" * 100 + "\n" for i in range(2000))
        r = t.run(["--host", f"{h[1]}:1,{h[0]}:1", t.client, "--multi-host", "--echo-stdin"], input=text)
        check(r.returncode == 0, "stdin run failed", r)
        got = [l[len("rank 0 stdin: "):] for l in r.stdout.splitlines() if l.startswith("rank 0 stdin: ")]
        check(got == text.splitlines(), f"rank 0 read {len(got)} of 2000 lines intact", r)
        check("rank 0 stdin eof" in r.stdout and "rank 1 stdin eof" in r.stdout, "stdin EOF", r)
        check(not any(l.startswith("rank 1 stdin: ") for l in r.stdout.splitlines()), "rank 1 read stdin", r)
    t.check_clean()


def case_three_hosts(t):
    h = t.hosts.names
    hostfile = os.path.join(t.tmpdir, "hosts")
    with open(hostfile, "w") as f:
        f.write(f"# three namespace hosts\n{h[0]} slots=2\n\n{h[1]}   # one slot\n{h[2]} slots=2 max_slots=4\n")
    r = t.run(["--hostfile", hostfile, "--tag-output", t.program])
    placement = [0, 0, 1, 2, 2]
    check(r.returncode == 0, "hostfile run failed", r)
    for line in r.stdout.splitlines():
        check(re.match(r"\[1,\d+\]<stdout>:", line), f"untagged line {line!r}", r)
    untagged = "\n".join(re.sub(r"^\[1,\d+\]<stdout>:", "", l) for l in r.stdout.splitlines())
    class R:  # the same result with the tags taken off
        returncode, stdout, stderr = r.returncode, untagged, r.stderr
    check_job(R, placement)
    for rank in range(5):
        check(f"[1,{rank}]<stdout>:rank {rank} of 5 shared" in r.stdout, f"rank {rank}'s tag", r)
    # -N 1: one rank per host
    r = t.run(["--hostfile", hostfile, "-N", "1", t.program])
    check_job(r, [0, 1, 2])
    if t.client:
        # A fence of ranks 0 (h0) and 4 (h2) only: mpirun must not wait for h1's daemon.
        r = t.run(["--hostfile", hostfile, t.client, "--multi-host", "--pair-fence"])
        check(r.returncode == 0, "pair fence run failed", r)
        for rank in (0, 4):
            check(f"rank {rank} pair fence done" in r.stdout, f"rank {rank} did not pass the pair fence", r)


def expect_error(t, r, status, words):
    check(r.returncode == status if status is not None else r.returncode != 0,
          f"exit status {r.returncode}, expected {status if status is not None else 'non-zero'}", r)
    for w in words:
        check(w in r.stderr, f"'{w}' missing from mpirun's message", r)
    check(r.elapsed < 30, f"took {r.elapsed:.1f} s", r)
    t.check_clean()


def case_bad_input(t):
    h = t.hosts.names
    # unknown host: the agent (ip netns exec) fails; the job on h0 is ended too
    r = t.run(["--host", f"{h[0]}:2,nosuchhost{os.getpid()}:1", t.program, "hang"])
    expect_error(t, r, 1, [f"nosuchhost{os.getpid()}", "could not start the daemon"])
    # a daemon that cannot reach mpirun back (its host has no route to mpirun's)
    r = t.run(["--host", f"{h[0]}:1,{t.hosts.isolated}:1", t.program])
    expect_error(t, r, 1, [f"could not start the daemon on host {t.hosts.isolated}", "cannot reach mpirun"])
    # an interface that does not exist: the ranks refuse to guess, the job fails cleanly
    r = t.run(["--host", f"{h[0]}:1,{h[1]}:1", "--net-iface", "nosuchif0", t.program])
    expect_error(t, r, None, ["nosuchif0", "EFAMPI_NET_IFACE"])
    # an agent that is not there
    r = t.run(["--host", f"{h[0]},{h[1]}", "--launch-agent", "no-such-agent-efampi", t.program])
    expect_error(t, r, 127, ["launch agent", "no-such-agent-efampi"])
    # bad hostfile line: its number
    hostfile = os.path.join(t.tmpdir, "bad-hosts")
    with open(hostfile, "w") as f:
        f.write(f"{h[0]} slots=2\n# fine\n{h[1]} slots=two\n")
    r = t.run(["--hostfile", hostfile, t.program])
    expect_error(t, r, 2, [f"{hostfile}:3:"])
    r = t.run(["--hostfile", os.path.join(t.tmpdir, "missing"), t.program])
    expect_error(t, r, 2, ["missing"])
    # more ranks than slots
    r = t.run(["--host", f"{h[0]}:1,{h[1]}:1", "-n", "3", t.program])
    expect_error(t, r, 2, ["--oversubscribe", "3 ranks"])
    r = t.run(["--host", f"{h[0]}:1,{h[1]}:1", "-n", "3", "--oversubscribe", t.program])
    check_job(r, [0, 0, 1])


def case_rank_failure(t):
    """A rank on the second host fails: its status and host in the report, every host ends.
    Then MPIEXEC_TIMEOUT on a job that hangs on both hosts."""
    h = t.hosts.names
    r = t.run(["--host", f"{h[0]}:2,{h[1]}:2", t.program, "exit", "3", "5"])
    expect_error(t, r, 5, [f"rank 3 (pid", f") on host {h[1]} exited with status 5"])
    check(r.stderr.count("mpirun:") == 1, "one report only", r)
    r = t.run(["--host", f"{h[0]}:2,{h[1]}:2", t.program, "hang"], extra_env={"MPIEXEC_TIMEOUT": "3"})
    expect_error(t, r, 124, ["MPIEXEC_TIMEOUT=3"])
    check(r.elapsed < 10, f"timeout took {r.elapsed:.1f} s", r)


def case_mpi_tests(t):
    """The tests/mpi GoogleTest binaries (p2p, coll) with 2+2 ranks on two hosts: every message
    kind and collective over the shm rings and tcp;ofi_rxm at once."""
    h = t.hosts.names
    check(t.mpi_tests, "no --mpi-test given")
    for exe in t.mpi_tests:
        r = t.run(["--host", f"{h[0]}:2,{h[1]}:2", exe, "--gtest_brief=1"], timeout=100,
                  extra_env={"MPIEXEC_TIMEOUT": "90"})
        check(r.returncode == 0 and "all ranks passed (4 ranks)" in r.stdout,
              f"{os.path.basename(exe)} across two hosts failed", r)
    t.check_clean()


def start_hanging(t, args):
    """Starts mpirun with the program in hang mode; returns it once every rank is ready."""
    p = subprocess.Popen(t.cmd(args + [t.program, "hang"]), env=t.env(), stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    ready, lines = set(), []
    deadline = time.monotonic() + 30
    n = 4
    while len(ready) < n and time.monotonic() < deadline:
        line = p.stdout.readline()
        if not line:
            break
        lines.append(line)
        m = re.fullmatch(r"rank (\d+) ready\n", line)
        if m:
            ready.add(int(m.group(1)))
    if len(ready) < n:
        p.kill()
        out, err = p.communicate(timeout=10)
        raise Failure(f"ranks ready: {sorted(ready)}\n{''.join(lines)}{out}\n{err}")
    return p


def finish(p, limit=30):
    start = time.monotonic()
    try:
        out, err = p.communicate(timeout=limit)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
        raise Failure(f"mpirun did not end within {limit} s\n{err}")

    class R:
        pass
    r = R()
    r.returncode, r.stdout, r.stderr, r.elapsed = p.returncode, out, err, time.monotonic() - start
    return r


def case_daemon_killed(t):
    h = t.hosts.names
    p = start_hanging(t, ["--host", f"{h[0]}:2,{h[1]}:2"])
    daemons = [pid for pid, (ns, cmd) in t.hosts.pids().items() if ns == h[1] and "--efampi-daemon" in cmd]
    check(len(daemons) == 1, f"daemon processes on {h[1]}: {daemons}")
    os.kill(daemons[0], signal.SIGKILL)
    r = finish(p)
    expect_error(t, r, 1, [f"lost the daemon on host {h[1]}", "ranks 2,3"])


def case_sigint(t):
    """SIGINT to mpirun ends the ranks on every host; so does SIGKILL (nothing is left)."""
    h = t.hosts.names
    p = start_hanging(t, ["--host", f"{h[0]}:2,{h[1]}:2"])
    p.send_signal(signal.SIGINT)
    r = finish(p)
    expect_error(t, r, 128 + signal.SIGINT, ["caught SIGINT"])
    # mpirun killed outright: its daemons die with it, and their ranks with them
    p = start_hanging(t, ["--host", f"{h[0]}:2,{h[1]}:2"])
    p.send_signal(signal.SIGKILL)
    finish(p)
    t.check_clean()


def case_openmpi(t):
    """The efampi program under Debian's Open MPI mpirun across two namespace hosts. Each
    namespace gets its own host name (unshare --uts), as Open MPI tells nodes apart by name."""
    if not t.ompi:
        print("SKIP: no mpirun.openmpi")
        sys.exit(SKIP)
    h = t.hosts.names
    agent = os.path.join(t.tmpdir, "netns-agent")
    with open(agent, "w") as f:
        # Called as ssh would be: HOST COMMAND... (Open MPI hands a shell command line).
        f.write('#!/bin/sh\nhost="$1"; shift\n'
                'exec ip netns exec "$host" unshare --uts sh -c \'hostname "$0" && eval "$@"\' "$host" "$@"\n')
    os.chmod(agent, 0o755)
    cmd = ["ip", "netns", "exec", h[0], "unshare", "--uts", "sh", "-c",
           f'hostname {h[0]} && exec "$@"', "sh",
           t.ompi, "--allow-run-as-root", "--oversubscribe", "--mca", "plm_rsh_agent", agent,
           "--mca", "btl_tcp_if_include", "eth0", "--mca", "oob_tcp_if_include", "eth0",
           "--host", f"{h[0]}:2,{h[1]}:2", "-n", "4", "-x", "EFAMPI_VERBOSE=1", t.program]
    start = time.monotonic()
    r = subprocess.run(cmd, env=t.env(), stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=90)
    r.elapsed = time.monotonic() - start
    placement = [0, 0, 1, 1]
    check_job(r, placement)
    check_transports(r, placement)
    t.check_clean()


CASES = {name[5:]: fn for name, fn in globals().items() if name.startswith("case_")}
HOSTS_NEEDED = {"three_hosts": 3}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("case", choices=sorted(CASES))
    ap.add_argument("--mpirun", required=True)
    ap.add_argument("--program", required=True)
    ap.add_argument("--ompi-mpirun", default="")
    ap.add_argument("--client", default="", help="pmix_test_client, for the PMIx view and direct modex")
    ap.add_argument("--mpi-test", action="append", default=[], help="GoogleTest MPI binaries for case mpi_tests")
    opts = ap.parse_args()
    if os.geteuid() != 0:
        print("SKIP: network namespaces need root")
        return SKIP
    if not shutil.which("ip") or subprocess.run(["ip", "netns", "list"], capture_output=True).returncode != 0:
        print("SKIP: `ip netns` is not available")
        return SKIP
    hosts = None
    t = None
    try:
        hosts = Hosts(HOSTS_NEEDED.get(opts.case, 2), isolated=opts.case == "bad_input")
        t = Runner(opts, hosts)
        CASES[opts.case](t)
    except Failure as e:
        print(f"FAIL {opts.case}: {e}", file=sys.stderr)
        return 1
    finally:
        if t:
            t.cleanup()
        if hosts:
            hosts.close()
    print(f"PASS {opts.case}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
