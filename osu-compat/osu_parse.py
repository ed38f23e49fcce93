"""Reading OSU-style benchmark output and fi_pingpong output; medians and ratios.

Used by osu-compat/compare; no dependency beyond the Python 3 standard library, so it is
unit-tested on recorded outputs (tests/osu/test_osu_parse.py).

An OSU table (ours, the real suite's, whatever MPI ran it) is:

    # <title>                           any number of '#' lines, blank lines
    # Size       Avg Latency(us)        the header: '# Size' then the column names
    1                       0.16        rows: an integer size, then one field per column

or, for a benchmark without sizes (osu_barrier, osu_ibarrier), one row without a size:

    # <title>
    # Avg Latency(us)                   the header: column names only, after the title
                  0.56

Column names are separated by two or more spaces (names contain single spaces: 'Avg
Latency(us)', 'Bandwidth (MB/s)', 'Pure Comm.(us)'). Lines that are neither (launcher warnings,
another rank's output) are ignored, so interleaved noise from Open MPI or MPICH does not matter.
"""
import re
import statistics

_SUFFIX = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30}


# Names of value columns that carry no unit in parentheses; a header line without '# Size' is
# recognised by its names all being units-carrying or one of these.
_PLAIN_COLUMNS = {"Iterations", "Validation", "MB/s", "Messages/s"}


class Table:
    """One run's table: title, value column names (without '# Size'), rows {size: [values]}.
    A table without sizes (barriers) has sized False and its one row under the key None.
    Non-numeric fields (Validation: Pass/Fail) are kept as strings."""

    def __init__(self, title, columns, rows, sized=True):
        self.title = title
        self.columns = columns
        self.rows = rows
        self.sized = sized

    def column(self, name):
        """{size: value} of one column."""
        i = self.columns.index(name)
        return {size: values[i] for size, values in self.rows.items()}


def _number(field):
    try:
        return float(field)
    except ValueError:
        return field


def _column_names(words):
    """The column names of a header without '# Size', or None when words is not one."""
    names = re.split(r"\s{2,}", words)
    if all(n.endswith(")") or n in _PLAIN_COLUMNS for n in names):
        return names
    return None


def _float(field):
    try:
        float(field)
        return True
    except ValueError:
        return False


def parse_osu(text):
    """The Table of one run's stdout. Raises ValueError when there is no header: '# Size ...'
    or, after the title, a line of column names only."""
    title, columns, rows, sized = None, None, {}, True
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("# Size"):
            # Wins over an earlier guess ('# Send Buffer on HOST (H) ...' looks like a header).
            columns = re.split(r"\s{2,}", stripped[len("# Size"):].strip())
            sized, rows = True, {}
        elif stripped.startswith("#"):
            words = stripped.lstrip("#").strip()
            if columns is None and title is not None and _column_names(words):
                columns, sized = _column_names(words), False
            elif title is None and words and not words.startswith("Datatype"):
                title = words
        elif columns is not None:
            fields = stripped.split()
            if sized and len(fields) == len(columns) + 1 and fields[0].isdigit():
                rows[int(fields[0])] = [_number(f) for f in fields[1:]]
            elif not sized and len(fields) == len(columns) and _float(fields[0]):
                rows[None] = [_number(f) for f in fields]
    if columns is None:
        raise ValueError("no table header ('# Size ...' or column names) in the output")
    return Table(title, columns, rows, sized)


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
    """[{size: value}, ...] of several runs -> {size: median} over the runs that have the size
    (the size None of a table without sizes included)."""
    by_size = {}
    for run in runs:
        for size, value in run.items():
            if isinstance(value, float):
                by_size.setdefault(size, []).append(value)
    return {size: statistics.median(by_size[size]) for size in sorted_sizes(by_size)}


def sorted_sizes(sizes):
    """Sizes in increasing order, None (no size) first."""
    return sorted(sizes, key=lambda s: -1 if s is None else s)


def ratio(a, b):
    """a / b, or None when either is missing or b is 0."""
    if a is None or b is None or b == 0:
        return None
    return a / b


def markdown_table(header, rows):
    """A Markdown table; None prints as '-', floats with 2 decimals, none from 1000 up, two
    significant digits below 0.01 (a ratio of 0.0011 is not 0.00)."""

    def cell(v):
        if v is None:
            return "-"
        if isinstance(v, float):
            if abs(v) >= 1000:
                return f"{v:.0f}"
            return f"{v:.2g}" if 0 < abs(v) < 0.01 else f"{v:.2f}"
        return str(v)

    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)
