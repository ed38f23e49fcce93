"""PNG plots of the compare tool's medians, drawn by gnuplot (Debian: gnuplot-nox).

Used by osu-compat/compare; the scripts are plain text built here and fed to gnuplot on stdin
(inline data blocks, no temporary files), so they are unit-tested without gnuplot and drawn
when it is there (tests/osu/test_osu_plot.py).

- sizes_script(): one line per implementation, metric against message size, both axes
  logarithmic (sizes and values that a log axis cannot show, 0 and below, are left out);
- bars_script(): one bar per implementation, for a benchmark without sizes (barriers).
"""
import shutil
import subprocess

INSTALL_HINT = "apt-get install gnuplot-nox"


def available():
    """The gnuplot executable, or None."""
    return shutil.which("gnuplot")


def _quote(text):
    """A gnuplot single-quoted string (no escapes inside; a quote is doubled)."""
    return "'" + str(text).replace("'", "''") + "'"


def _header(png, title, ylabel, width, height):
    return [
        f"set terminal pngcairo size {width},{height} noenhanced font ',10'",
        f"set output {_quote(png)}",
        f"set title {_quote(title)}",
        f"set ylabel {_quote(ylabel)}",
        "set grid",
    ]


def sizes_script(png, title, ylabel, series, width=900, height=600):
    """The gnuplot script of one PNG: series is [(label, {size: value}), ...], one line each
    (labels with no plottable point are left out). Returns None when nothing is plottable."""
    lines = _header(png, title, ylabel, width, height) + [
        "set xlabel 'message size (bytes)'",
        "set logscale x 2",
        "set logscale y 10",
        # 1, 2, ..., 512, 1k, 2k, ..., 1M: binary prefixes.
        "set format x '%.0b%B'",
        "set key top left",
    ]
    plots = []
    for k, (label, values) in enumerate(series):
        points = sorted((s, v) for s, v in values.items()
                        if s is not None and s > 0 and isinstance(v, float) and v > 0)
        if not points:
            continue
        lines.append(f"$d{k} << EOD")
        lines += [f"{s} {v!r}" for s, v in points]
        lines.append("EOD")
        plots.append(f"$d{k} using 1:2 with linespoints title {_quote(label)}")
    if not plots:
        return None
    lines.append("plot " + ", \\\n     ".join(plots))
    return "\n".join(lines) + "\n"


def bars_script(png, title, ylabel, values, width=600, height=450):
    """The gnuplot script of one bar chart: values is [(label, value), ...] (None or non-numbers
    are left out). Returns None when nothing is plottable."""
    points = [(label, v) for label, v in values if isinstance(v, float)]
    if not points:
        return None
    lines = _header(png, title, ylabel, width, height) + [
        "set style fill solid 0.6 border -1",
        "set boxwidth 0.6",
        "set yrange [0:*]",
        "set offsets 0, 0, graph 0.12, 0",  # room above the tallest bar for its value
        "set xrange [-0.5:%g]" % (len(points) - 0.5),
        "unset key",
        "$bars << EOD",
    ]
    lines += ['"' + str(label).replace('"', "'") + f'" {v!r}' for label, v in points]
    # Each bar also carries its value, so that a bar dwarfed by another still reads.
    lines += ["EOD", "plot $bars using 0:2:xtic(1) with boxes, \\",
              "     $bars using 0:2:(sprintf('%.2f', $2)) with labels offset 0,0.8"]
    return "\n".join(lines) + "\n"


def render(script, timeout=60):
    """Runs gnuplot on the script; RuntimeError with its message when it fails."""
    exe = available()
    if not exe:
        raise RuntimeError(f"gnuplot not found ({INSTALL_HINT})")
    try:
        p = subprocess.run([exe], input=script, capture_output=True, text=True,
                           timeout=timeout)
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"gnuplot timed out after {timeout} s")
    if p.returncode != 0:
        raise RuntimeError(f"gnuplot exit {p.returncode}: {p.stderr.strip()[-500:]}")
