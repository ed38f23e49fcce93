#pragma once
// Reduction operations (MPI_Op). A predefined op is a kernel per (op, predefined type) pair
// (op_kernels.cpp); the pairs the standard leaves undefined have no kernel, which callers turn
// into MPI_ERR_OP. A user op (MPI_Op_create / MPI_Op_create_c) is the user's function.
// Every op computes inout[i] = in[i] op inout[i]: for a non-commutative op, `in` holds the
// operand of the lower ranks.
#include <mpi.h>

#include <cstdint>

#include "runtime/objects/handle.hpp"

namespace efampi::rt {

enum class OpKind : uint8_t {
    sum, prod, min, max, land, lor, lxor, band, bor, bxor, minloc, maxloc, replace, no_op,
    user
};
constexpr int predefined_op_kinds = static_cast<int>(OpKind::user);

using Kernel = void (*)(const void* in, void* inout, uint64_t count);

struct Op {
    Magic magic = Magic::op;
    OpKind kind = OpKind::user;
    bool commutative = true;
    bool predefined = false;
    MPI_User_function* fn = nullptr;      // user op (MPI_Op_create)
    MPI_User_function_c* fn_c = nullptr;  // user op with MPI_Count lengths (MPI_Op_create_c)
    const char* name = "";
    MPI_Op handle = MPI_OP_NULL;
};

// The op behind `h`, or null when `h` names no live op (MPI_OP_NULL included).
Op* to_op(MPI_Op h);
// A new user op, owned by the caller until op_free.
Op* op_create(MPI_User_function* fn, MPI_User_function_c* fn_c, bool commutative);
// Frees a user op. Freed ops are parked, not deallocated, until MPI_Finalize: a nonblocking
// collective started with the op may still be running it.
void op_free(Op* op);
void ops_finalize();

// The kernel of the predefined op `k` for the predefined type `dt`, or null when the standard
// does not define the op on that type (MPI_SUM on MPI_CHAR is a supported extension).
Kernel op_kernel(OpKind k, MPI_Datatype dt);

// A reduction bound to its type: what collectives run. `ok()` is false when the op is not
// defined for the type.
struct Reducer {
    Kernel kernel = nullptr;
    const Op* op = nullptr;  // user ops
    MPI_Datatype type = MPI_DATATYPE_NULL;
    uint64_t per_element = 1;  // a derived type of one predefined type: kernel elements each
    bool ok() const { return kernel != nullptr || (op != nullptr && op->kind == OpKind::user); }
};
Reducer make_reducer(const Op& op, MPI_Datatype dt);
// inout[i] = in[i] op inout[i] for `count` elements.
void reduce(const Reducer& r, const void* in, void* inout, uint64_t count);

}  // namespace efampi::rt
