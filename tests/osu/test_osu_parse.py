#!/usr/bin/env python3
"""Unit test of osu-compat/osu_parse.py (the compare tool's parsing) on recorded outputs.

  python3 tests/osu/test_osu_parse.py <osu-compat dir> <recorded dir>

tests/osu/recorded/ holds the stdout of our benchmarks built and run with efampi, Open MPI 4.1.4
(pml ob1, btl self,vader) and MPICH 4.0.2 (ch4:ucx), 2 ranks (the collectives: Open MPI and
MPICH only, 2 to 4 ranks on 2 cores, see COLLECTIVES), and of libfabric 1.17's fi_pingpong -S all
on shm and tcp;ofi_rxm: <impl>-<benchmark>.txt, fi_pingpong-<provider>.txt.
"""
import os
import sys
import unittest

OSU_DIR, RECORDED = (sys.argv[1:3] if len(sys.argv) >= 3 else
                     (os.path.join(os.path.dirname(__file__), "..", "..", "osu-compat"),
                      os.path.join(os.path.dirname(__file__), "recorded")))
sys.path.insert(0, OSU_DIR)
import osu_parse  # noqa: E402

IMPLS = ["efampi", "openmpi", "mpich"]
# What was recorded: benchmark -> (title, columns, sizes).
EXPECTED = {
    "osu_latency": ("efampi OSU-compatible Latency Test",
                    ["Avg Latency(us)", "Min Latency(us)", "Max Latency(us)", "Iterations"],
                    [0] + [1 << k for k in range(13)]),
    "osu_bw": ("efampi OSU-compatible Bandwidth Test", ["Bandwidth (MB/s)"],
               [1 << k for k in range(17)]),
    "osu_bibw": ("efampi OSU-compatible Bi-Directional Bandwidth Test",
                 ["Bandwidth (MB/s)", "Validation"], [1 << k for k in range(2, 17)]),
    "osu_mbw_mr": ("efampi OSU-compatible Multiple Bandwidth / Message Rate Test",
                   ["MB/s", "Messages/s"], [1 << k for k in range(17)]),
    "osu_multi_lat": ("efampi OSU-compatible Multi Latency Test",
                      ["Avg Latency(us)", "Validation"], [1 << k for k in range(13)]),
}


FULL = ["Min Latency(us)", "Max Latency(us)", "Iterations"]
NBC = ["Overall(us)", "Compute(us)", "Pure Comm.(us)", "Overlap(%)"]
POW2_64K = [1 << k for k in range(17)]
# The collectives, as recorded: file -> (title, columns, sizes; None: no size column). The
# command lines (-n ranks, options) are in the comments.
COLLECTIVES = {
    # -n 4 osu_allreduce -f -c -m 1:65536 -i 100 -x 10
    "osu_allreduce": ("efampi OSU-compatible Allreduce Latency Test",
                      ["Avg Latency(us)"] + FULL + ["Validation"], POW2_64K),
    # -n 3 osu_bcast -m 1:65536 -i 100 -x 10
    "osu_bcast": ("efampi OSU-compatible Broadcast Latency Test", ["Avg Latency(us)"],
                  POW2_64K),
    # -n 4 osu_alltoall -T mpi_int -c -l -m 4:65536 -i 50 -x 5
    "osu_alltoall": ("efampi OSU-compatible All-to-All Personalized Exchange Latency Test",
                     ["Avg Latency(us)", "Validation"], POW2_64K[2:]),
    # -n 2 osu_iallreduce -c -m 1:65536 -i 100 -x 10
    "osu_iallreduce": ("efampi OSU-compatible Non-blocking Allreduce Latency Test",
                       NBC + ["Validation"], POW2_64K),
}
# Barriers (no size column), per implementation since the options differ:
# Open MPI: -n 4 osu_barrier, -n 2 osu_ibarrier -f; MPICH: -n 4 osu_barrier -f -c,
# -n 2 osu_ibarrier.
BARRIERS = {
    ("openmpi", "osu_barrier"): ("efampi OSU-compatible Barrier Latency Test",
                                 ["Avg Latency(us)"]),
    ("mpich", "osu_barrier"): ("efampi OSU-compatible Barrier Latency Test",
                               ["Avg Latency(us)"] + FULL + ["Validation"]),
    ("openmpi", "osu_ibarrier"): ("efampi OSU-compatible Non-blocking Barrier Latency Test",
                                  NBC + FULL),
    ("mpich", "osu_ibarrier"): ("efampi OSU-compatible Non-blocking Barrier Latency Test", NBC),
}


def recorded(name):
    with open(os.path.join(RECORDED, name)) as f:
        return f.read()


class RecordedOsu(unittest.TestCase):
    def test_every_implementation_parses_alike(self):
        for bench, (title, columns, sizes) in EXPECTED.items():
            for impl in IMPLS:
                with self.subTest(bench=bench, impl=impl):
                    t = osu_parse.parse_osu(recorded(f"{impl}-{bench}.txt"))
                    self.assertEqual(t.title, title)
                    self.assertEqual(t.columns, columns)
                    self.assertEqual(sorted(t.rows), sizes)
                    for values in t.rows.values():
                        self.assertGreater(values[0], 0.0)
                        if "Validation" in columns:
                            self.assertEqual(values[columns.index("Validation")], "Pass")

    def test_column(self):
        t = osu_parse.parse_osu(recorded("mpich-osu_mbw_mr.txt"))
        rate = t.column("Messages/s")
        mbs = t.column("MB/s")
        # Messages/s x size = MB/s x 1e6, up to the 2 printed decimals.
        self.assertAlmostEqual(rate[65536] * 65536 / 1e6, mbs[65536], delta=0.01)


class RecordedCollectives(unittest.TestCase):
    def test_sized_tables(self):
        for bench, (title, columns, sizes) in COLLECTIVES.items():
            for impl in ["openmpi", "mpich"]:
                with self.subTest(bench=bench, impl=impl):
                    t = osu_parse.parse_osu(recorded(f"{impl}-{bench}.txt"))
                    self.assertTrue(t.sized)
                    self.assertEqual(t.title, title)
                    self.assertEqual(t.columns, columns)
                    self.assertEqual(sorted(t.rows), sizes)
                    for values in t.rows.values():
                        self.assertGreater(values[0], 0.0)
                        if "Validation" in columns:
                            self.assertEqual(values[columns.index("Validation")], "Pass")
                        if "Iterations" in columns:
                            self.assertEqual(values[columns.index("Iterations")], 100.0)
                            # The average over ranks lies between the lowest and highest rank.
                            avg, lo, hi = values[0], values[1], values[2]
                            self.assertLessEqual(lo, avg + 0.01)
                            self.assertLessEqual(avg, hi + 0.01)

    def test_non_blocking_columns(self):
        for impl in ["openmpi", "mpich"]:
            t = osu_parse.parse_osu(recorded(f"{impl}-osu_iallreduce.txt"))
            for size, (overall, compute, pure, overlap, _) in t.rows.items():
                with self.subTest(impl=impl, size=size):
                    # The compute is sized to the pure time and inside the overall time.
                    self.assertLessEqual(compute, overall)
                    self.assertGreaterEqual(overlap, 0.0)
                    self.assertLessEqual(overlap, 100.0)
                    expected = max(0.0, 100 * (1 - (overall - compute) / pure))
                    # From the rounded printed values; the program uses unrounded ones.
                    self.assertAlmostEqual(overlap, expected, delta=1.0 + 100 * 0.01 / pure)

    def test_barriers_have_one_row_without_size(self):
        for (impl, bench), (title, columns) in BARRIERS.items():
            with self.subTest(bench=bench, impl=impl):
                t = osu_parse.parse_osu(recorded(f"{impl}-{bench}.txt"))
                self.assertFalse(t.sized)
                self.assertEqual(t.title, title)
                self.assertEqual(t.columns, columns)
                self.assertEqual(list(t.rows), [None])
                self.assertGreater(t.column(columns[0])[None], 0.0)
                if "Validation" in columns:
                    self.assertEqual(t.rows[None][columns.index("Validation")], "Pass")


class Synthetic(unittest.TestCase):
    # The real suite's layout (shared/notes/osu-format.md), with launcher noise around it.
    REAL_LAYOUT = """\
Warning: Permanently added 'node2' to the list of known hosts.

# OSU MPI Bandwidth Test v7.3
# Datatype: MPI_CHAR.
# Size      Bandwidth (MB/s)
1                       2.41
[node1:1234] 1 more process has sent help message help-mpi-btl-openib.txt
2                       4.87
4194304             11873.09
"""

    def test_real_suite_layout_and_noise(self):
        t = osu_parse.parse_osu(self.REAL_LAYOUT)
        self.assertEqual(t.title, "OSU MPI Bandwidth Test v7.3")
        self.assertEqual(t.columns, ["Bandwidth (MB/s)"])
        self.assertEqual(t.column("Bandwidth (MB/s)"), {1: 2.41, 2: 4.87, 4194304: 11873.09})

    # The real suite's barrier layout, with Open MPI's noise after it.
    REAL_BARRIER = """\

# OSU MPI Barrier Latency Test v7.3
# Avg Latency(us)
             1.25
[node1:1234] 1 more process has sent help message help-mpi-btl-base.txt
"""

    def test_real_barrier_layout(self):
        t = osu_parse.parse_osu(self.REAL_BARRIER)
        self.assertFalse(t.sized)
        self.assertEqual(t.title, "OSU MPI Barrier Latency Test v7.3")
        self.assertEqual(t.column("Avg Latency(us)"), {None: 1.25})

    def test_a_size_header_wins_over_a_look_alike(self):
        # The real suite prints buffer placement lines ending in ')' before '# Size'.
        text = ("# OSU MPI-CUDA Allreduce Latency Test v7.3\n"
                "# Send Buffer on HOST (H) and Receive Buffer on HOST (H)\n"
                "# Size       Avg Latency(us)\n"
                "4                       1.50\n")
        t = osu_parse.parse_osu(text)
        self.assertTrue(t.sized)
        self.assertEqual(t.column("Avg Latency(us)"), {4: 1.5})

    def test_no_table(self):
        with self.assertRaises(ValueError):
            osu_parse.parse_osu("mpirun: rank 1 exited with status 1\n")

    def test_medians_ratio_markdown(self):
        runs = [{1: 3.0, 2: 10.0}, {1: 1.0}, {1: 2.0, 2: 20.0, 4: "Fail"}]
        self.assertEqual(osu_parse.medians(runs), {1: 2.0, 2: 15.0})
        self.assertEqual(osu_parse.medians([{None: 1.0}, {None: 3.0}]), {None: 2.0})
        self.assertEqual(osu_parse.ratio(3.0, 2.0), 1.5)
        self.assertIsNone(osu_parse.ratio(3.0, None))
        self.assertIsNone(osu_parse.ratio(3.0, 0.0))
        self.assertEqual(osu_parse.markdown_table(["Size", "a", "b"], [["1", 0.5, None],
                                                                       ["2", 12345.6, 2.0],
                                                                       ["4", 0.0011, 0.0]]),
                         "| Size | a | b |\n|---|---|---|\n| 1 | 0.50 | - |\n"
                         "| 2 | 12346 | 2.00 |\n| 4 | 0.0011 | 0.00 |")


class RecordedFiPingpong(unittest.TestCase):
    def test_both_providers(self):
        for name in ("fi_pingpong-shm.txt", "fi_pingpong-tcp_ofi_rxm.txt"):
            with self.subTest(name=name):
                rows = osu_parse.parse_fi_pingpong(recorded(name))
                for size in [0, 1, 8, 1536, 4096, 1 << 20, 4 << 20]:
                    self.assertIn(size, rows)
                for usec, mbs in rows.values():
                    self.assertGreater(usec, 0.0)
                    self.assertGreaterEqual(mbs, 0.0)

    def test_suffixes(self):
        text = ("bytes   #sent   #ack     total       time     MB/sec    usec/xfer   Mxfers/sec\n"
                "1.5k    10      =10      30k         0.00s    100.00       1.50       0.67\n"
                "4m      10      =10      80m         0.10s    800.00    5000.00       0.00\n")
        self.assertEqual(osu_parse.parse_fi_pingpong(text),
                         {1536: (1.5, 100.0), 4 << 20: (5000.0, 800.0)})


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
