"""Reading OSU-style benchmark output and fi_pingpong output; medians and ratios.

Used by osu-compat/compare; no dependency beyond the Python 3 standard library, so it is
unit-tested on recorded outputs (tests/osu/test_osu_parse.py).

An OSU table (ours, the real suite's, whatever MPI ran it) is:

    # <title>                           any number of '#' lines, blank lines
    # Size       Avg Latency(us)        the header: '# Size' then the column names
    1                       0.16        rows: an integer size, then one field per column

Column names are separated by two or more spaces (names contain single spaces: 'Avg
Latency(us)', 'Bandwidth (MB/s)'). Lines that are neither (launcher warnings, another rank's
output) are ignored, so interleaved noise from Open MPI or MPICH does not matter.
"""
import re
import statistics

_SUFFIX = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30}


class Table:
    """One run's table: title, value column names (without '# Size'), rows {size: [values]}.
    Non-numeric fields (Validation: Pass/Fail) are kept as strings."""

    def __init__(self, title, columns, rows):
        self.title = title
        self.columns = columns
        self.rows = rows

    def column(self, name):
        """{size: value} of one column."""
        i = self.columns.index(name)
        return {size: values[i] for size, values in self.rows.items()}


def _number(field):
    try:
        return float(field)
    except ValueError:
        return field


def parse_osu(text):
    """The Table of one run's stdout. Raises ValueError when there is no '# Size' header."""
    title, columns, rows = None, None, {}
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("# Size"):
            columns = re.split(r"\s{2,}", stripped[len("# Size"):].strip())
        elif stripped.startswith("#"):
            words = stripped.lstrip("#").strip()
            if title is None and words and not words.startswith("Datatype"):
                title = words
        elif columns is not None:
            fields = stripped.split()
            if len(fields) == len(columns) + 1 and fields[0].isdigit():
                rows[int(fields[0])] = [_number(f) for f in fields[1:]]
    if columns is None:
        raise ValueError("no '# Size' header in the output")
    return Table(title, columns, rows)


def _size(field):
    """'0', '12', '1.5k', '4m' -> bytes (fi_pingpong's binary suffixes)."""
    m = re.fullmatch(r"(\d+(?:\.\d+)?)([kmg]?)", field)
    if not m:
        raise ValueError(field)
    return int(float(m.group(1)) * _SUFFIX[m.group(2)])


def parse_fi_pingpong(text):
    """fi_pingpong's client output as {size: (usec per transfer, MB/s)}.

    bytes   #sent   #ack     total       time     MB/sec    usec/xfer   Mxfers/sec
    4k      1k      =1k      7.8m        0.00s   4620.42       0.89       1.13
    """
    rows = {}
    header = None
    for line in text.splitlines():
        fields = line.split()
        if fields[:1] == ["bytes"]:
            header = fields
            continue
        if header is None or len(fields) != len(header):
            continue
        try:
            size = _size(fields[0])
            rows[size] = (float(fields[header.index("usec/xfer")]),
                          float(fields[header.index("MB/sec")]))
        except ValueError:
            continue
    if header is None:
        raise ValueError("no fi_pingpong header in the output")
    return rows


def medians(runs):
    """[{size: value}, ...] of several runs -> {size: median} over the runs that have the size."""
    by_size = {}
    for run in runs:
        for size, value in run.items():
            if isinstance(value, float):
                by_size.setdefault(size, []).append(value)
    return {size: statistics.median(v) for size, v in sorted(by_size.items())}


def ratio(a, b):
    """a / b, or None when either is missing or b is 0."""
    if a is None or b is None or b == 0:
        return None
    return a / b


def markdown_table(header, rows):
    """A Markdown table; None prints as '-', floats with 2 decimals, or none from 1000 up."""

    def cell(v):
        if v is None:
            return "-"
        if isinstance(v, float):
            return f"{v:.0f}" if abs(v) >= 1000 else f"{v:.2f}"
        return str(v)

    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)
