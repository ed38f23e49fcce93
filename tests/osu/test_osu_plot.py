#!/usr/bin/env python3
"""Unit test of the compare tool's report and plots (osu-compat/compare, osu_plot.py) on the
recorded collective outputs of Open MPI and MPICH (tests/osu/recorded/), without running MPI.

  python3 tests/osu/test_osu_plot.py <osu-compat dir> <recorded dir>

The gnuplot scripts are checked as text; they are drawn (and the PNGs checked) only when gnuplot
is installed (Debian: gnuplot-nox), and the report without gnuplot is checked by hiding it.
"""
import argparse
import importlib.machinery
import importlib.util
import os
import sys
import tempfile
import unittest
from unittest import mock

OSU_DIR, RECORDED = (sys.argv[1:3] if len(sys.argv) >= 3 else
                     (os.path.join(os.path.dirname(__file__), "..", "..", "osu-compat"),
                      os.path.join(os.path.dirname(__file__), "recorded")))
sys.path.insert(0, OSU_DIR)
import osu_parse  # noqa: E402
import osu_plot  # noqa: E402


def load_compare():
    loader = importlib.machinery.SourceFileLoader("compare", os.path.join(OSU_DIR, "compare"))
    spec = importlib.util.spec_from_loader("compare", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


compare = load_compare()
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def recorded(impl, bench):
    with open(os.path.join(RECORDED, f"{impl}-{bench}.txt")) as f:
        return osu_parse.parse_osu(f.read())


def fake_impls():
    return [compare.Impl(key, label, "mpicc", [], {}, "shared memory", "none", f"{label} x.y")
            for key, label in (("openmpi", "Open MPI"), ("mpich", "MPICH"))]


def fake_run(benchmarks, ranks=(2,)):
    """The arguments and results of a compare run, from the recordings (each as one round, each
    filed under every rank count asked for)."""
    a = argparse.Namespace(benchmarks=list(benchmarks), ranks=list(ranks), provider="shm",
                           rounds=1, pin=True)
    results = {(b, n): {i.key: [recorded(i.key, b)] for i in fake_impls()}
               for b, n in compare.runs_of(a)}
    return a, results


class Scripts(unittest.TestCase):
    def test_sizes_script(self):
        s = osu_plot.sizes_script("/x/a'b.png", "osu_bcast", "Avg Latency(us)",
                                  [("Open MPI", {0: 1.0, 1: 2.0, 4: 3.5}),
                                   ("MPICH", {1: 0.0, 2: "Fail"}),
                                   ("efampi", {None: 1.0, 8: 4.25})])
        self.assertIn("set output '/x/a''b.png'", s)
        self.assertIn("set logscale x 2", s)
        self.assertIn("set logscale y 10", s)
        # Size 0 and values a log axis cannot show are left out; so is a line without points.
        self.assertIn("$d0 << EOD\n1 2.0\n4 3.5\nEOD", s)
        self.assertNotIn("$d1", s)
        self.assertIn("$d2 << EOD\n8 4.25\nEOD", s)
        self.assertIn("title 'Open MPI'", s)
        self.assertIn("title 'efampi'", s)
        self.assertNotIn("title 'MPICH'", s)
        self.assertIsNone(osu_plot.sizes_script("x.png", "t", "y", [("MPICH", {0: 1.0})]))

    def test_bars_script(self):
        s = osu_plot.bars_script("b.png", "osu_barrier", "Avg Latency(us)",
                                 [("Open MPI", 1.5), ("MPICH", None), ("efampi", 0.75)])
        self.assertIn('$bars << EOD\n"Open MPI" 1.5\n"efampi" 0.75\nEOD', s)
        self.assertIn("xtic(1) with boxes", s)
        self.assertIsNone(osu_plot.bars_script("b.png", "t", "y", [("MPICH", None)]))


class Report(unittest.TestCase):
    BENCHES = ["osu_allreduce", "osu_bcast", "osu_barrier", "osu_alltoall", "osu_iallreduce",
               "osu_ibarrier"]

    def test_tables_plots_and_links(self):
        if not osu_plot.available():
            self.skipTest(f"gnuplot not installed ({osu_plot.INSTALL_HINT})")
        a, results = fake_run(self.BENCHES, ranks=(2, 8))
        impls = fake_impls()
        with tempfile.TemporaryDirectory() as d:
            plots, note = compare.draw_plots(a, impls, results, None, os.path.join(d, "png"), d,
                                             "coll")
            self.assertIsNone(note)
            self.assertEqual(sorted(plots), sorted(compare.runs_of(a)))
            for (b, n), rel in plots.items():
                self.assertEqual(rel, os.path.join("png", f"coll-{b}-np{n}.png"))
                with open(os.path.join(d, rel), "rb") as f:
                    self.assertEqual(f.read(8), PNG_MAGIC)
            text = compare.report(a, impls, impls[0], results, None, [], [], 2, plots, note)
        self.assertIn("# OSU-compatible benchmarks: Open MPI and MPICH", text)
        self.assertIn("Ratios are Open MPI / peer", text)
        self.assertIn("![osu_allreduce, 8 ranks](png/coll-osu_allreduce-np8.png)", text)
        self.assertIn("![osu_barrier, 2 ranks](png/coll-osu_barrier-np2.png)", text)
        # Sized: a Size column; -f and -c columns give no table.
        self.assertIn("## osu_allreduce, 2 ranks: Avg Latency(us)\n\n"
                      "| Size | Open MPI | MPICH | Open MPI / MPICH |", text)
        self.assertIn("## osu_allreduce, 2 ranks: Min Latency(us)", text)
        self.assertNotIn("Iterations", text)
        self.assertNotIn("Validation", text)
        self.assertIn("## osu_iallreduce, 2 ranks: Overlap(%)", text)
        # Barriers: one row, no Size column.
        bar = text.split("## osu_barrier, 2 ranks: Avg Latency(us)\n\n")[1].split("\n\n")[0]
        lines = bar.splitlines()
        self.assertEqual(lines[0], "| Open MPI | MPICH | Open MPI / MPICH |")
        self.assertEqual(len(lines), 3)
        self.assertIn("## osu_ibarrier, 8 ranks: Pure Comm.(us)", text)

    def test_without_gnuplot(self):
        a, results = fake_run(["osu_bcast", "osu_barrier"])
        impls = fake_impls()
        with tempfile.TemporaryDirectory() as d, mock.patch.object(osu_plot, "available",
                                                                   return_value=None):
            plots, note = compare.draw_plots(a, impls, results, None, d, d, "x")
            self.assertEqual(plots, {})
            self.assertEqual(os.listdir(d), [])
        self.assertIn("gnuplot not found (apt-get install gnuplot-nox)", note)
        text = compare.report(a, impls, impls[0], results, None, [], [], 2, plots, note)
        self.assertIn("Plots skipped: gnuplot not found", text)
        self.assertNotIn("![", text)
        self.assertIn("## osu_bcast, 2 ranks: Avg Latency(us)", text)


class Arguments(unittest.TestCase):
    def test_rank_counts(self):
        self.assertTrue(compare.takes("osu_allreduce", 3))
        self.assertTrue(compare.takes("osu_barrier", 8))
        self.assertFalse(compare.takes("osu_latency", 8))
        self.assertFalse(compare.takes("osu_mbw_mr", 3))
        a = argparse.Namespace(benchmarks=["osu_latency", "osu_bcast"], ranks=[2, 8])
        self.assertEqual(compare.runs_of(a), [("osu_latency", 2), ("osu_bcast", 2),
                                              ("osu_bcast", 8)])

    def test_size_options_left_out_for_barriers(self):
        extra = "-m 1:1024 -i 20 -T mpi_int -l --message-size=8 -m8 -f --type mpi_float -c"
        self.assertEqual(compare.args_for("osu_barrier", extra.split()),
                         ["-i", "20", "-f", "-c"])
        self.assertEqual(compare.args_for("osu_bcast", extra.split()), extra.split())


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
