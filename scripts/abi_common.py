"""Readers for the ABI tables (abi/constants.tsv, abi/signatures.txt, abi/functions.txt).

Shared by gen_mpi_h.py, gen_stubs.py, gen_impl_table.py and the tests in tests/abi/.
Python 3 standard library only.
"""
import re

# Entries of functions.txt that are type names, not functions (an artefact of how the list was
# extracted from the standard). Skipped everywhere; abi/README.md lists them.
NOT_FUNCTIONS = frozenset([
    "MPI_Aint", "MPI_Comm", "MPI_Datatype", "MPI_Errhandler", "MPI_File", "MPI_Fint",
    "MPI_Group", "MPI_Info", "MPI_Message", "MPI_Op", "MPI_Request", "MPI_Session", "MPI_Win",
])

# Handle kinds of the standard ABI: C type -> incomplete struct tag.
HANDLE_TYPES = [
    ("MPI_Comm", "MPI_ABI_Comm"), ("MPI_Group", "MPI_ABI_Group"), ("MPI_Win", "MPI_ABI_Win"),
    ("MPI_File", "MPI_ABI_File"), ("MPI_Session", "MPI_ABI_Session"),
    ("MPI_Message", "MPI_ABI_Message"), ("MPI_Info", "MPI_ABI_Info"),
    ("MPI_Errhandler", "MPI_ABI_Errhandler"), ("MPI_Request", "MPI_ABI_Request"),
    ("MPI_Datatype", "MPI_ABI_Datatype"), ("MPI_Op", "MPI_ABI_Op"),
]
T_HANDLE_TYPES = [
    ("MPI_T_enum", "MPI_T_enum_t"), ("MPI_T_cvar_handle", "MPI_T_cvar_handle_t"),
    ("MPI_T_pvar_handle", "MPI_T_pvar_handle_t"), ("MPI_T_pvar_session", "MPI_T_pvar_session_t"),
    ("MPI_T_event_registration", "MPI_T_event_registration_t"),
    ("MPI_T_event_instance", "MPI_T_event_instance_t"),
]


class Constant:
    def __init__(self, name, kind, value):
        self.name, self.kind, self.value = name, kind, value

    def __repr__(self):
        return "Constant(%r, %r, %r)" % (self.name, self.kind, self.value)


def read_constants(path):
    """Rows of constants.tsv in file order (header skipped)."""
    out = []
    with open(path) as f:
        for lineno, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            cols = line.split("\t")
            if len(cols) != 3:
                raise ValueError("%s:%d: expected 3 tab-separated columns" % (path, lineno))
            if lineno == 1 and cols == ["name", "kind", "value"]:
                continue
            out.append(Constant(*cols))
    return out


def read_function_names(path):
    """Real function names of functions.txt, in order, without the NOT_FUNCTIONS entries."""
    with open(path) as f:
        names = [l.strip() for l in f if l.strip() and not l.startswith("#")]
    return [n for n in names if n not in NOT_FUNCTIONS]


class Param:
    def __init__(self, text):
        self.text = text                  # as written: "const int ranges[][3]"
        self.name = _param_name(text)     # "ranges"; None for "..." and "void"
        # The type with the name removed ("const int [][3]"), whitespace-normalised.
        if self.name is None:
            self.type = text
        else:
            i = _name_pos(text, self.name)
            self.type = " ".join((text[:i] + text[i + len(self.name):]).split())
            self.type = self.type.replace(" [", "[").replace("* ", "*")


class Signature:
    def __init__(self, line):
        m = re.match(r"^\s*(.*?)\s*\b(MPI_\w+)\s*\((.*)\)\s*;?\s*$", line)
        if not m:
            raise ValueError("cannot parse signature: %r" % line)
        self.ret = " ".join(m.group(1).split())
        self.name = m.group(2)             # "MPI_Send"
        self.short = self.name[4:]         # "Send"
        plist = m.group(3).strip()
        self.params_text = plist
        if plist in ("", "void"):
            self.params = []
        else:
            self.params = [Param(p.strip()) for p in _split_top(plist)]
        self.variadic = any(p.text == "..." for p in self.params)

    def decl(self, prefix=""):
        """The C declaration (no semicolon) with the name prefixed, e.g. PMPI_Send."""
        return "%s %s%s(%s)" % (self.ret, prefix, self.name, self.params_text or "void")

    def has_comm_param(self):
        return any(p.name == "comm" and p.type == "MPI_Comm" for p in self.params)


def read_signatures(path):
    """Signatures of abi/signatures.txt in file order."""
    out = []
    with open(path) as f:
        for line in f:
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            out.append(Signature(line))
    return out


_ALIAS_RE = re.compile(r"\bEFAMPI_ALIAS\s*\(\s*(\w+)\s*\)")


def strip_comments(src):
    src = re.sub(r"/\*.*?\*/", " ", src, flags=re.S)
    return re.sub(r"//[^\n]*", "", src)


def implemented_names(source_paths):
    """Function short names ("Send") given to EFAMPI_ALIAS(...) in the given C++ sources.

    Lines of the macro's own #define are ignored; so are comments."""
    found = {}
    for path in source_paths:
        with open(path, encoding="utf-8", errors="replace") as f:
            src = strip_comments(f.read())
        for line in src.splitlines():
            if line.lstrip().startswith("#"):
                continue
            for m in _ALIAS_RE.finditer(line):
                found.setdefault(m.group(1), path)
    return found


def _split_top(plist):
    parts, depth, cur = [], 0, ""
    for ch in plist:
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    parts.append(cur)
    return parts


_KEYWORDS = {"const", "void", "int", "char", "double", "volatile", "unsigned", "signed",
             "long", "short", "struct"}


def _param_name(text):
    if text in ("...", "void"):
        return None
    base = re.sub(r"(\[[^\]]*\])+\s*$", "", text).strip()
    m = re.search(r"([A-Za-z_]\w*)$", base)
    if not m:
        return None
    name = m.group(1)
    # A bare type with no name ("int", "MPI_Comm") has nothing before it but qualifiers.
    before = base[:m.start()].strip()
    if not before or name in _KEYWORDS:
        return None
    return name


def _name_pos(text, name):
    base = re.sub(r"(\[[^\]]*\])+\s*$", "", text).rstrip()
    return len(base) - len(name)
