#!/usr/bin/env python3
"""Generate include/mpi.h (MPI 5.0 standard ABI) from abi/constants.tsv and abi/signatures.txt,
and include/mpi_legacy.h (the MPI-1 names removed in MPI 3.0, which mpi.h includes unless
EFAMPI_STRICT_STANDARD is defined) from abi/legacy_constants.tsv and abi/legacy_signatures.txt.

    python3 scripts/gen_mpi_h.py                 # rewrite include/mpi.h and include/mpi_legacy.h
    python3 scripts/gen_mpi_h.py --check         # exit 1 if either is out of date

The header is committed; tests/abi checks that it equals this script's output, so change the
tables or this script, never the header. Python 3 standard library only.
"""
import argparse
import difflib
import os
import re
import sys

sys.dont_write_bytecode = True  # keep the source tree free of __pycache__
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import abi_common  # noqa: E402

# The standard version whose function set we claim. One place to change it.
MPI_VERSION = 4
MPI_SUBVERSION = 1

# Defined by a program that wants the standard's names only: mpi.h then leaves out
# mpi_legacy.h (the MPI-1 names removed in MPI 3.0).
STRICT_MACRO = "EFAMPI_STRICT_STANDARD"

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Callback types of the standard (C bindings), in an order where each uses only earlier types.
CALLBACK_TYPEDEFS = """\
/* Reduction operations */
typedef void (MPI_User_function)(void *invec, void *inoutvec, int *len, MPI_Datatype *datatype);
typedef void (MPI_User_function_c)(void *invec, void *inoutvec, MPI_Count *len, MPI_Datatype *datatype);

/* Error handlers */
typedef void (MPI_Comm_errhandler_function)(MPI_Comm *comm, int *error_code, ...);
typedef void (MPI_Win_errhandler_function)(MPI_Win *win, int *error_code, ...);
typedef void (MPI_File_errhandler_function)(MPI_File *file, int *error_code, ...);
typedef void (MPI_Session_errhandler_function)(MPI_Session *session, int *error_code, ...);
/* deprecated names of the same types */
typedef MPI_Comm_errhandler_function MPI_Comm_errhandler_fn;
typedef MPI_Win_errhandler_function MPI_Win_errhandler_fn;
typedef MPI_File_errhandler_function MPI_File_errhandler_fn;
typedef MPI_Session_errhandler_function MPI_Session_errhandler_fn;

/* Attribute caching */
typedef int (MPI_Comm_copy_attr_function)(MPI_Comm oldcomm, int comm_keyval, void *extra_state, void *attribute_val_in, void *attribute_val_out, int *flag);
typedef int (MPI_Comm_delete_attr_function)(MPI_Comm comm, int comm_keyval, void *attribute_val, void *extra_state);
typedef int (MPI_Type_copy_attr_function)(MPI_Datatype oldtype, int type_keyval, void *extra_state, void *attribute_val_in, void *attribute_val_out, int *flag);
typedef int (MPI_Type_delete_attr_function)(MPI_Datatype datatype, int type_keyval, void *attribute_val, void *extra_state);
typedef int (MPI_Win_copy_attr_function)(MPI_Win oldwin, int win_keyval, void *extra_state, void *attribute_val_in, void *attribute_val_out, int *flag);
typedef int (MPI_Win_delete_attr_function)(MPI_Win win, int win_keyval, void *attribute_val, void *extra_state);
/* deprecated (MPI_Keyval_create) */
typedef int (MPI_Copy_function)(MPI_Comm oldcomm, int keyval, void *extra_state, void *attribute_val_in, void *attribute_val_out, int *flag);
typedef int (MPI_Delete_function)(MPI_Comm comm, int keyval, void *attribute_val, void *extra_state);

/* Generalized requests */
typedef int (MPI_Grequest_query_function)(void *extra_state, MPI_Status *status);
typedef int (MPI_Grequest_free_function)(void *extra_state);
typedef int (MPI_Grequest_cancel_function)(void *extra_state, int complete);

/* User-defined data representations */
typedef int (MPI_Datarep_conversion_function)(void *userbuf, MPI_Datatype datatype, int count, void *filebuf, MPI_Offset position, void *extra_state);
typedef int (MPI_Datarep_conversion_function_c)(void *userbuf, MPI_Datatype datatype, MPI_Count count, void *filebuf, MPI_Offset position, void *extra_state);
typedef int (MPI_Datarep_extent_function)(MPI_Datatype datatype, MPI_Aint *file_extent, void *extra_state);
"""

T_CALLBACK_TYPEDEFS = """\
typedef void (MPI_T_event_cb_function)(MPI_T_event_instance event_instance, MPI_T_event_registration event_registration, MPI_T_cb_safety cb_safety, void *user_data);
typedef void (MPI_T_event_free_cb_function)(MPI_T_event_registration event_registration, MPI_T_cb_safety cb_safety, void *user_data);
typedef void (MPI_T_event_dropped_cb_function)(MPI_Count count, MPI_T_event_registration event_registration, int source_index, MPI_T_cb_safety cb_safety, void *user_data);
"""

# Integer constants that the standard gives an enumeration type of their own (MPI_T events).
TYPED_ENUMS = [
    ("MPI_T_cb_safety", re.compile(r"^MPI_T_CB_REQUIRE_")),
    ("MPI_T_source_order", re.compile(r"^MPI_T_SOURCE_(UN)?ORDERED$")),
]

# Section titles for runs of integer constants, by name prefix (first match wins).
INT_SECTIONS = [
    (r"^MPI_ABI_", "ABI version"),
    (r"^MPI_MAX_|^MPI_BSEND_OVERHEAD$", "String sizes and buffer overhead"),
    (r"^MPI_F_", "Fortran status size and indices"),
    (r"^MPI_SUCCESS$|^MPI_ERR_|^MPI_T_ERR_", "Error classes"),
    (r"^MPI_MODE_", "File open and window assertion modes"),
    (r"^MPI_(ANY_|PROC_NULL|ROOT|UNDEFINED)", "Wildcards and sentinels"),
    (r"^MPI_THREAD_", "Thread support levels"),
    (r"^MPI_ORDER_|^MPI_DISTRIBUTE_", "Array datatype order and distribution"),
    (r"^MPI_COMBINER_", "Datatype decoding combiners"),
    (r"^MPIX?_TYPECLASS_", "Fortran type classes"),
    (r"^MPI_(IDENT|CONGRUENT|SIMILAR|UNEQUAL)$", "Comparison results"),
    (r"^MPI_(CART|GRAPH|DIST_GRAPH)$", "Topology types"),
    (r"^MPI_COMM_TYPE_", "Communicator split types"),
    (r"^MPI_LOCK_", "Window lock types"),
    (r"^MPI_WIN_FLAVOR_", "Window flavors"),
    (r"^MPI_WIN_(UNIFIED|SEPARATE)$", "Window memory models"),
    (r"^MPI_SEEK_", "File positioning"),
    (r"^MPI_KEYVAL_INVALID$|^MPI_(TAG_UB|IO|HOST|WTIME_IS_GLOBAL|UNIVERSE_SIZE|APPNUM|LASTUSEDCODE)$"
     r"|^MPI_WIN_(BASE|DISP_UNIT|SIZE|CREATE_FLAVOR|MODEL)$", "Predefined attribute keys"),
    (r"^MPI_T_VERBOSITY_", "MPI_T verbosity levels"),
    (r"^MPI_T_BIND_", "MPI_T object bindings"),
    (r"^MPI_T_SCOPE_", "MPI_T scopes"),
    (r"^MPI_T_PVAR_CLASS_", "MPI_T performance variable classes"),
]


def section_of(name):
    for pattern, title in INT_SECTIONS:
        if re.search(pattern, name):
            return title
    return "Other integer constants"


def int_literal(value):
    v = value.strip()
    if not re.match(r"^-?(0[xX][0-9a-fA-F]+|[0-9]+)$", v):
        raise ValueError("not an integer literal: %r" % value)
    return "(%s)" % v if v.startswith("-") else v


def generate(constants, signatures):
    out = []
    w = out.append
    kinds_handles = {t for t, _ in abi_common.HANDLE_TYPES}
    kinds_t = {t for t, _ in abi_common.T_HANDLE_TYPES}

    type_aliases = [c for c in constants if c.kind == "alias" and c.value in ("MPI_Offset", "MPI_Aint")]
    typed_enum_members = {title: [] for title, _ in TYPED_ENUMS}
    for c in constants:
        if c.kind == "int":
            for title, rx in TYPED_ENUMS:
                if rx.search(c.name):
                    typed_enum_members[title].append(c)

    w("/* mpi.h: the MPI 5.0 standard ABI, as implemented by efampi (libmpi_abi.so.0).")
    w(" *")
    w(" * GENERATED FILE, do not edit. Source: abi/constants.tsv and abi/signatures.txt.")
    w(" * Regenerate with:  python3 scripts/gen_mpi_h.py")
    w(" * (tests/abi checks that this file equals the generator's output.)")
    w(" *")
    w(" * Compiles warning-free as C89, C99, C11 and C++ with -Wall -Wextra -pedantic.")
    w(" */")
    w("#ifndef EFAMPI_MPI_H_INCLUDED")
    w("#define EFAMPI_MPI_H_INCLUDED")
    w("")
    w("#include <stdint.h>")
    w("")
    w("#if defined(__cplusplus)")
    w('extern "C" {')
    w("#endif")
    w("")
    w("/* Version of the standard whose functions this library provides; see MPI_Get_library_version")
    w(" * for what efampi implements today. */")
    w("#define MPI_VERSION    %d" % MPI_VERSION)
    w("#define MPI_SUBVERSION %d" % MPI_SUBVERSION)
    w("")
    w("/* ------------------------------------------------------------------ basic types */")
    w("typedef intptr_t MPI_Aint;")
    w("typedef int64_t MPI_Offset;")
    count_base = "MPI_Offset"
    for c in type_aliases:
        w("#define %s %s" % (c.name, c.value))
        if c.name == "MPI_ABI_Count":
            count_base = c.name
    w("typedef %s MPI_Count;" % count_base)
    w("typedef int MPI_Fint;")
    w("")
    w("/* The status: 32 bytes. efampi keeps the received byte count and the cancelled flag in")
    w(" * MPI_internal. */")
    w("typedef struct MPI_Status {")
    w("    int MPI_SOURCE;")
    w("    int MPI_TAG;")
    w("    int MPI_ERROR;")
    w("    int MPI_internal[5];")
    w("} MPI_Status;")
    w("")
    w("typedef struct MPI_F08_status {")
    w("    MPI_Fint MPI_SOURCE;")
    w("    MPI_Fint MPI_TAG;")
    w("    MPI_Fint MPI_ERROR;")
    w("    MPI_Fint MPI_internal[5];")
    w("} MPI_F08_status;")
    w("")
    w("/* Handles: pointers to incomplete structs. Predefined handles are small integers (at most")
    w(" * 0x1000); any other value is the address of a library object. */")
    for t, tag in abi_common.HANDLE_TYPES:
        w("typedef struct %s* %s;" % (tag, t))
    w("")
    w("/* Tool-interface handles */")
    for t, tag in abi_common.T_HANDLE_TYPES:
        w("typedef struct %s* %s;" % (tag, t))
    w("")
    for title, _ in TYPED_ENUMS:
        members = typed_enum_members[title]
        if not members:
            continue
        w("typedef enum %s {" % title)
        for i, c in enumerate(members):
            w("    %s = %s%s" % (c.name, int_literal(c.value), "," if i + 1 < len(members) else ""))
        w("} %s;" % title)
        w("")
    w("/* ------------------------------------------------------------------ callback types */")
    out.extend(CALLBACK_TYPEDEFS.rstrip("\n").split("\n"))
    w("")
    w("/* Tool-interface events */")
    out.extend(T_CALLBACK_TYPEDEFS.rstrip("\n").split("\n"))
    w("")
    w("/* ------------------------------------------------------------------ constants */")
    skip = {c.name for ms in typed_enum_members.values() for c in ms}
    skip |= {c.name for c in type_aliases}
    prev_group = None
    width = max(len(c.name) for c in constants) + 1
    for c in constants:
        if c.name in skip:
            continue
        if c.kind == "int":
            group = section_of(c.name)
            value = int_literal(c.value)
        elif c.kind == "alias":
            group = "Other names of constants above"
            value = c.value
        elif c.kind in kinds_handles or c.kind in kinds_t:
            group = "Predefined handles: %s" % c.kind
            value = "((%s)%s)" % (c.kind, c.value)
        else:
            # Pointer and other typed constants: the kind is the C type ("void*", "MPI_Offset",
            # "MPI_Comm_copy_attr_function*").
            kind = c.kind
            group = "Special addresses, null callbacks and typed sentinels"
            v = c.value.strip()
            value = "((%s)%s)" % (kind, v if not v.startswith("-") else "(%s)" % v)
        if group != prev_group:
            w("")
            w("/* %s */" % group)
            prev_group = group
        w("#define %s %s" % (c.name.ljust(width), value))
    w("")
    w("/* Everything below is exported by libmpi_abi.so.0: declared with default visibility so that")
    w(" * the library, built with -fvisibility=hidden, exports exactly these symbols. */")
    w("#if defined(__GNUC__)")
    w("#pragma GCC visibility push(default)")
    w("#endif")
    w("")
    w("/* ------------------------------------------------------------------ global variables */")
    w("extern MPI_Fint *MPI_F_STATUS_IGNORE;")
    w("extern MPI_Fint *MPI_F_STATUSES_IGNORE;")
    w("extern MPI_F08_status *MPI_F08_STATUS_IGNORE;")
    w("extern MPI_F08_status *MPI_F08_STATUSES_IGNORE;")
    w("")
    w("/* ------------------------------------------------------------------ functions */")
    for s in signatures:
        w("%s;" % s.decl())
    w("")
    w("/* ------------------------------------------------------------------ profiling interface */")
    for s in signatures:
        w("%s;" % s.decl("P"))
    w("")
    w("/* ------------------------------------------------------------------ removed MPI-1 names */")
    w("/* MPI_Address, MPI_Type_struct, MPI_LB, ... (removed in MPI 3.0, still called by legacy")
    w(" * codes) are declared in mpi_legacy.h, included unless the program defines")
    w(" * %s (the standard's names only). */" % STRICT_MACRO)
    w("#if !defined(%s)" % STRICT_MACRO)
    w('#include "mpi_legacy.h"')
    w("#endif")
    w("")
    w("#if defined(__GNUC__)")
    w("#pragma GCC visibility pop")
    w("#endif")
    w("")
    w("#if defined(__cplusplus)")
    w("}")
    w("#endif")
    w("")
    w("#endif /* EFAMPI_MPI_H_INCLUDED */")
    return "\n".join(out) + "\n"


def generate_legacy(constants, signatures):
    """include/mpi_legacy.h: the MPI-1 names removed in MPI 3.0, included by mpi.h."""
    out = []
    w = out.append
    w("/* mpi_legacy.h: the MPI-1 names removed in MPI 3.0 that legacy codes still call, as")
    w(" * provided by efampi. Not part of the standard ABI. Included by mpi.h (inside its extern \"C\"")
    w(" * and default-visibility region) unless %s is defined." % STRICT_MACRO)
    w(" *")
    w(" * GENERATED FILE, do not edit. Source: abi/legacy_constants.tsv and")
    w(" * abi/legacy_signatures.txt. Regenerate with:  python3 scripts/gen_mpi_h.py")
    w(" */")
    w("#ifndef EFAMPI_MPI_LEGACY_H_INCLUDED")
    w("#define EFAMPI_MPI_LEGACY_H_INCLUDED")
    w("")
    w("#if !defined(EFAMPI_MPI_H_INCLUDED)")
    w("#error \"include <mpi.h>, not mpi_legacy.h\"")
    w("#endif")
    w("")
    w("/* The error-handler function type of MPI_Errhandler_create. */")
    w("typedef MPI_Comm_errhandler_function MPI_Handler_function;")
    w("")
    w("/* Bound markers for MPI_Type_struct (and MPI_Type_create_struct): a block of MPI_LB / MPI_UB")
    w(" * sets the type's lower / upper bound at its displacement. Handle values from 0x400..0xfff,")
    w(" * which the standard's handle code leaves unused; combiners of the removed constructors")
    w(" * (never returned by the C functions, kept for codes that name them). */")
    width = max(len(c.name) for c in constants) + 1
    kinds_handles = {t for t, _ in abi_common.HANDLE_TYPES}
    for c in constants:
        if c.kind == "int":
            value = int_literal(c.value)
        elif c.kind in kinds_handles:
            value = "((%s)%s)" % (c.kind, c.value)
        else:
            raise ValueError("legacy constant %s: kind %s not supported" % (c.name, c.kind))
        w("#define %s %s" % (c.name.ljust(width), value))
    w("")
    w("/* ------------------------------------------------------------------ functions */")
    for s in signatures:
        w("%s;" % s.decl())
    w("")
    w("/* ------------------------------------------------------------------ profiling interface */")
    for s in signatures:
        w("%s;" % s.decl("P"))
    w("")
    w("#endif /* EFAMPI_MPI_LEGACY_H_INCLUDED */")
    return "\n".join(out) + "\n"


def check_or_write(path, text, check):
    """--check: 0 when `path` holds `text`, else 1 with a diff. Otherwise writes it."""
    if check:
        try:
            with open(path) as f:
                current = f.read()
        except OSError as e:
            print("cannot read %s: %s" % (path, e), file=sys.stderr)
            return 1
        if current == text:
            return 0
        sys.stdout.writelines(difflib.unified_diff(current.splitlines(True), text.splitlines(True),
                                                   path, "generated", n=2))
        print("%s is out of date: run python3 scripts/gen_mpi_h.py" % path, file=sys.stderr)
        return 1
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)
    return 0


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--constants", default=os.path.join(ROOT, "abi", "constants.tsv"))
    ap.add_argument("--signatures", default=os.path.join(ROOT, "abi", "signatures.txt"))
    ap.add_argument("--output", default=os.path.join(ROOT, "include", "mpi.h"))
    ap.add_argument("--legacy-constants", default=None,
                    help="default: legacy_constants.tsv beside --constants")
    ap.add_argument("--legacy-signatures", default=None,
                    help="default: legacy_signatures.txt beside --signatures")
    ap.add_argument("--legacy-output", default=None, help="default: mpi_legacy.h beside --output")
    ap.add_argument("--check", action="store_true",
                    help="do not write; exit 1 (with a diff) if an output differs from the generated text")
    args = ap.parse_args(argv)
    beside = lambda path, name: os.path.join(os.path.dirname(os.path.abspath(path)), name)
    legacy_constants = args.legacy_constants or beside(args.constants, "legacy_constants.tsv")
    legacy_signatures = args.legacy_signatures or beside(args.signatures, "legacy_signatures.txt")
    legacy_output = args.legacy_output or beside(args.output, "mpi_legacy.h")

    text = generate(abi_common.read_constants(args.constants), abi_common.read_signatures(args.signatures))
    legacy = generate_legacy(abi_common.read_constants(legacy_constants),
                             abi_common.read_signatures(legacy_signatures))
    rc = check_or_write(args.output, text, args.check)
    return check_or_write(legacy_output, legacy, args.check) or rc


if __name__ == "__main__":
    sys.exit(main())
