#!/usr/bin/env python3
"""The layering of efampi as data: which of our folders each folder's code may include.

    python3 scripts/layers.py roots SRC OUT   # configure time (meson.build): one include root
                                              # per layer under OUT, holding only what it may use
    python3 scripts/layers.py check [SRC]     # the 'layering' test: every #include of the tree
                                              # against the table; names file:line of a violation

The build and the test read the same table, and they catch different mistakes. The build gives
each library only its layer's root (OUT/<layer>, symlinks to the allowed folders), so an upward
root-relative include ("runtime/state.hpp" in runtime/objects/) does not compile. The test
also sees what a compiler cannot refuse: a path that climbs ("../state.hpp" is found beside
the includer before any -I), a third-party header outside the folders that may use it
(<rdma/...> outside pml/, <pmix.h> outside the bootstrap and the launcher), and a folder with
sources that the table does not know. Python 3 standard library only.
"""
import os
import re
import sys

# Folder -> the folders of ours its files may include. A file belongs to the longest folder of
# the table its path starts with: runtime/objects/comm.cpp to 'runtime/objects', and
# runtime/api/p2p.cpp or runtime/state.cpp to 'runtime'. Allowing a folder allows its
# subfolders. The order is the layering, bottom first (docs/architecture.md, "Layers"):
#   base < pml < collectives < runtime/objects < runtime (api, bootstrap, state)
# and beside them, using none of the library's folders: launcher, osu-compat, bench.
MAY_INCLUDE = {
    "base": ["base"],
    "pml": ["base", "pml"],
    "collectives": ["base", "pml", "collectives"],
    "runtime/objects": ["base", "pml", "collectives", "runtime/objects"],
    "runtime": ["base", "pml", "collectives", "runtime"],
    "launcher": ["launcher"],
    "osu-compat": ["osu-compat"],  # plain MPI: builds with any mpicc
    "bench": ["bench"],
    "bench/pml": ["base", "pml"],  # measurements of seams inside the pml (not plain MPI)
    "include": ["include"],        # mpi.h includes only mpi_legacy.h, beside it
    "tests": None,                 # anything
}

# Third-party headers (angle brackets) only some folders may include: the prefix of the header
# name -> the folders allowed (with their subfolders).
THIRD_PARTY = {
    "rdma/": ["pml", "tests"],                                   # libfabric
    "pmix": ["runtime/bootstrap", "launcher", "tests"],          # pmix.h, pmix_server.h, ...
    "hwloc": ["pml", "runtime/objects", "launcher", "tests"],
    "mpi.h": ["runtime", "osu-compat", "bench", "tests"],        # not below the MPI objects
}

# The include root of each library (meson.build: layer_inc): the folder whose table row it is.
LIBRARY_LAYERS = ["base", "pml", "collectives", "runtime/objects", "runtime", "launcher"]

SOURCE_EXT = (".c", ".h", ".cpp", ".hpp")
INCLUDE_RE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')


def layer_of(relpath):
    """The table's folder for a path relative to the source root, or None."""
    best = None
    for folder in MAY_INCLUDE:
        if relpath == folder or relpath.startswith(folder + "/"):
            if best is None or len(folder) > len(best):
                best = folder
    return best


def under(relpath, folders):
    return any(relpath == f or relpath.startswith(f + "/") for f in folders)


def root_name(layer):
    return layer.replace("/", "_")


def make_roots(src, out):
    """OUT/<layer>/ holds a symlink per allowed folder (runtime/objects as runtime/objects),
    so "pml/engine.hpp" resolves in the roots of pml and above and nowhere else. Links the
    table no longer names are removed, so a narrowed row takes effect without a fresh build
    directory."""
    src = os.path.abspath(src)
    for layer in LIBRARY_LAYERS:
        root = os.path.join(out, root_name(layer))
        wanted = {os.path.join(root, f) for f in MAY_INCLUDE[layer]}
        for dirpath, dirnames, filenames in os.walk(root):
            for name in dirnames + filenames:
                path = os.path.join(dirpath, name)
                if os.path.islink(path) and path not in wanted:
                    os.remove(path)
        for folder in MAY_INCLUDE[layer]:
            link = os.path.join(root, folder)
            os.makedirs(os.path.dirname(link), exist_ok=True)
            target = os.path.join(src, folder)
            if os.path.islink(link) and os.readlink(link) == target:
                continue
            if os.path.lexists(link):
                os.remove(link)
            os.symlink(target, link)
    return 0


def is_build_dir(path):
    return os.path.isdir(os.path.join(path, "meson-private")) or \
        os.path.isdir(os.path.join(path, "meson-info"))


def sources(src):
    """Every C/C++ file of the tree, as paths relative to src (build trees and hidden folders
    left out)."""
    for dirpath, dirnames, filenames in os.walk(src):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and
                             not is_build_dir(os.path.join(dirpath, d)))
        for name in sorted(filenames):
            if name.endswith(SOURCE_EXT):
                yield os.path.relpath(os.path.join(dirpath, name), src)


def resolve(src, includer, name):
    """Where a quoted include lands, relative to src, as a compiler would look: beside the
    includer first, then from the root. None when neither has it (generated or missing)."""
    for base in (os.path.dirname(includer), ""):
        cand = os.path.normpath(os.path.join(base, name))
        if not cand.startswith("..") and os.path.isfile(os.path.join(src, cand)):
            return cand
    return None


def check(src):
    src = os.path.abspath(src)
    errors = []
    files = 0
    for rel in sources(src):
        layer = layer_of(rel)
        if layer is None:
            errors.append("%s: folder not in the layer table of scripts/layers.py" % rel)
            continue
        files += 1
        allowed = MAY_INCLUDE[layer]
        with open(os.path.join(src, rel), errors="replace") as f:
            for lineno, line in enumerate(f, 1):
                m = INCLUDE_RE.match(line)
                if not m:
                    continue
                kind, name = m.groups()
                where = "%s:%d" % (rel, lineno)
                if kind == "<":
                    for prefix, folders in THIRD_PARTY.items():
                        if name.startswith(prefix) and not under(rel, folders):
                            errors.append('%s: <%s> is not for %s/ (only %s)' % (
                                where, name, layer, ", ".join(f + "/" for f in folders)))
                    continue
                if allowed is None:
                    continue
                if ".." in name.split("/"):
                    errors.append('%s: "%s" climbs out of its folder: include from the root '
                                  '("pml/engine.hpp")' % (where, name))
                    continue
                target = resolve(src, rel, name)
                if target is None:
                    if name == "mpi.h" and under(rel, THIRD_PARTY["mpi.h"]):
                        continue
                    errors.append('%s: "%s" is not a file of the tree' % (where, name))
                elif not under(target, allowed):
                    errors.append('%s: "%s" is in %s/, which %s/ may not use (it may use: %s)' % (
                        where, name, layer_of(target) or os.path.dirname(target), layer,
                        ", ".join(f + "/" for f in allowed) or "nothing of ours"))
    for e in errors:
        print(e)
    print("%d files checked against the layer table: %d violation(s)" % (files, len(errors)))
    return 1 if errors else 0


def main(argv):
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    if len(argv) >= 1 and argv[0] == "check" and len(argv) <= 2:
        return check(argv[1] if len(argv) == 2 else here)
    if len(argv) == 3 and argv[0] == "roots":
        return make_roots(argv[1], argv[2])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
