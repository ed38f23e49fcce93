#!/usr/bin/env python3
"""Unit test of osu-compat/osu_parse.py (the compare tool's parsing) on recorded outputs.

  python3 tests/osu/test_osu_parse.py <osu-compat dir> <recorded dir>

tests/osu/recorded/ holds the stdout of our benchmarks built and run with efampi, Open MPI 4.1.4
(pml ob1, btl self,vader) and MPICH 4.0.2 (ch4:ucx), 2 ranks, and of libfabric 1.17's
fi_pingpong -S all on shm and tcp;ofi_rxm: <impl>-<benchmark>.txt, fi_pingpong-<provider>.txt.
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

    def test_no_table(self):
        with self.assertRaises(ValueError):
            osu_parse.parse_osu("mpirun: rank 1 exited with status 1\n")

    def test_medians_ratio_markdown(self):
        runs = [{1: 3.0, 2: 10.0}, {1: 1.0}, {1: 2.0, 2: 20.0, 4: "Fail"}]
        self.assertEqual(osu_parse.medians(runs), {1: 2.0, 2: 15.0})
        self.assertEqual(osu_parse.ratio(3.0, 2.0), 1.5)
        self.assertIsNone(osu_parse.ratio(3.0, None))
        self.assertIsNone(osu_parse.ratio(3.0, 0.0))
        self.assertEqual(osu_parse.markdown_table(["Size", "a", "b"], [["1", 0.5, None],
                                                                       ["2", 12345.6, 2.0]]),
                         "| Size | a | b |\n|---|---|---|\n| 1 | 0.50 | - |\n| 2 | 12346 | 2.00 |")


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
