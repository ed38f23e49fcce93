#!/usr/bin/env python3
"""efampi against the transport's own limit, measured side by side in one run.

For a libfabric provider, alternates (round after round) libfabric's fi_pingpong (the floor)
with our osu_latency and osu_bw on 2 ranks, and prints a Markdown table of medians and
ratios: 8-byte one-way latency, and 4 MiB bandwidth measured the way fi_pingpong does
(ping-pong: size / one-way time) plus osu_bw's streaming figure for reference.

  scripts/perf_floor.py --prefix install --provider shm --rounds 5
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import time

BIG = 4 * 1024 * 1024


def run(cmd, env=None, timeout=300):
    p = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({p.returncode}):\n{p.stdout}{p.stderr}")
    return p.stdout


PIN = False
HERE = os.path.dirname(os.path.abspath(__file__))


def pinned(core, args):
    return (["taskset", "-c", str(core)] + args) if PIN else args


def fi_pingpong(provider, size, iters, env):
    """One-way microseconds per transfer from fi_pingpong (server and client on this host)."""
    args = ["fi_pingpong", "-p", provider, "-e", "rdm", "-I", str(iters), "-S", str(size)]
    server = subprocess.Popen(pinned(0, args), stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, env=env)
    try:
        time.sleep(0.3)
        out = run(pinned(1, args + ["127.0.0.1"]), env=env)
    finally:
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
    # bytes #sent #ack total time MB/sec usec/xfer Mxfers/sec
    for line in out.splitlines():
        f = line.split()
        if len(f) >= 8 and f[0] != "bytes":
            return float(f[6])
    raise RuntimeError("cannot parse fi_pingpong output:\n" + out)


def osu(prefix, name, size, env, extra=()):
    mpirun = os.path.join(prefix, "bin", "mpirun")
    exe = os.path.join(prefix, "libexec", "efampi", "osu", name)
    pin = [os.path.join(HERE, "pin-rank.sh")] if PIN else []
    out = run([mpirun, "-n", "2", *pin, exe, "-m", f"{size}:{size}", *extra], env=env)
    for line in out.splitlines():
        f = line.split()
        if f and f[0] == str(size):
            return float(f[1])
    raise RuntimeError(f"cannot parse {name} output:\n" + out)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--prefix", default="install", help="efampi install prefix")
    ap.add_argument("--provider", default="shm")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--iters", type=int, default=100000, help="8-byte ping-pong iterations")
    ap.add_argument("--pin", action="store_true",
                    help="pin the two processes to cores 0 and 1 (both sides alike)")
    a = ap.parse_args()
    global PIN
    PIN = a.pin
    env = dict(os.environ)
    env["FI_PROVIDER"] = a.provider
    env.setdefault("FI_TCP_IFACE", "lo")
    env.setdefault("FI_UDP_IFACE", "lo")
    r = {k: [] for k in ("fi_lat", "fi_bw", "lat", "pp_bw", "bw")}
    for i in range(a.rounds):
        print(f"round {i + 1}/{a.rounds} ...", file=sys.stderr, flush=True)
        r["fi_lat"].append(fi_pingpong(a.provider, 8, a.iters, env))
        r["lat"].append(osu(a.prefix, "osu_latency", 8, env, ["-i", str(a.iters)]))
        fi_us = fi_pingpong(a.provider, BIG, 200, env)
        r["fi_bw"].append(BIG / fi_us)  # bytes/us = MB/s
        r["pp_bw"].append(BIG / osu(a.prefix, "osu_latency", BIG, env, ["-i", "200"]))
        r["bw"].append(osu(a.prefix, "osu_bw", BIG, env))
    m = {k: statistics.median(v) for k, v in r.items()}
    print(f"\nProvider `{a.provider}`, 2 ranks on one host{', pinned to cores 0 and 1' if PIN else ''}, "
          f"median of {a.rounds} rounds, {a.iters} iterations at 8 B "
          f"({time.strftime('%Y-%m-%d')}).\n")
    print("| measure | fi_pingpong (floor) | efampi | efampi / floor |")
    print("|---|---|---|---|")
    print(f"| 8 B one-way latency (us) | {m['fi_lat']:.2f} | {m['lat']:.2f} | "
          f"{m['lat'] / m['fi_lat']:.2f} |")
    print(f"| 4 MiB ping-pong bandwidth (MB/s) | {m['fi_bw']:.0f} | {m['pp_bw']:.0f} | "
          f"{m['pp_bw'] / m['fi_bw']:.2f} |")
    print(f"| 4 MiB streaming bandwidth, osu_bw (MB/s) | - | {m['bw']:.0f} | - |")
    print("\nRaw rounds: " + "; ".join(f"{k}={[round(x, 2) for x in v]}" for k, v in r.items()))


if __name__ == "__main__":
    main()
