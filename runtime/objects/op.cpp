#include "runtime/objects/op.hpp"

#include <climits>
#include <cstddef>
#include <deque>

#include "runtime/objects/datatype.hpp"

namespace efampi::rt {

namespace {

constexpr uintptr_t op_first = 0x20, op_last = 0x3f;

struct Predefined {
    Op ops[op_last - op_first + 1];
    Predefined() {
        for (Op& o : ops) o.magic = Magic::dead;  // holes are not ops
        add(MPI_SUM, OpKind::sum, "MPI_SUM");
        add(MPI_PROD, OpKind::prod, "MPI_PROD");
        add(MPI_MIN, OpKind::min, "MPI_MIN");
        add(MPI_MAX, OpKind::max, "MPI_MAX");
        add(MPI_LAND, OpKind::land, "MPI_LAND");
        add(MPI_LOR, OpKind::lor, "MPI_LOR");
        add(MPI_LXOR, OpKind::lxor, "MPI_LXOR");
        add(MPI_BAND, OpKind::band, "MPI_BAND");
        add(MPI_BOR, OpKind::bor, "MPI_BOR");
        add(MPI_BXOR, OpKind::bxor, "MPI_BXOR");
        add(MPI_MINLOC, OpKind::minloc, "MPI_MINLOC");
        add(MPI_MAXLOC, OpKind::maxloc, "MPI_MAXLOC");
        add(MPI_REPLACE, OpKind::replace, "MPI_REPLACE");
        add(MPI_NO_OP, OpKind::no_op, "MPI_NO_OP");
    }
    void add(MPI_Op h, OpKind k, const char* name) {
        Op& o = ops[handle_value(h) - op_first];
        o.magic = Magic::op;
        o.kind = k;
        o.predefined = true;
        o.commutative = true;
        o.name = name;
        o.handle = h;
    }
};
Predefined g_predefined;

// Freed user ops: parked until MPI_Finalize (a pending collective may still call them); past
// `quarantine` of them the oldest is deleted.
constexpr size_t quarantine = 4096;
std::deque<Op*> g_parked;

}  // namespace

Op* to_op(MPI_Op h) {
    uintptr_t v = handle_value(h);
    if (v <= predefined_limit) {
        if (v < op_first || v > op_last) return nullptr;
        Op* o = &g_predefined.ops[v - op_first];
        return o->magic == Magic::op ? o : nullptr;
    }
    if (v % alignof(Op) != 0) return nullptr;
    auto* o = reinterpret_cast<Op*>(v);
    return o->magic == Magic::op ? o : nullptr;
}

Op* op_create(MPI_User_function* fn, MPI_User_function_c* fn_c, bool commutative) {
    auto* o = new Op;
    o->kind = OpKind::user;
    o->fn = fn;
    o->fn_c = fn_c;
    o->commutative = commutative;
    o->name = "user op";
    o->handle = reinterpret_cast<MPI_Op>(o);
    return o;
}

void op_free(Op* o) {
    o->magic = Magic::dead;
    g_parked.push_back(o);
    if (g_parked.size() > quarantine) {
        delete g_parked.front();
        g_parked.pop_front();
    }
}

void ops_finalize() {
    for (Op* o : g_parked) delete o;
    g_parked.clear();
}

Reducer make_reducer(const Op& op, MPI_Datatype dt) {
    Reducer r;
    r.type = dt;
    if (op.kind == OpKind::user) {
        r.op = &op;
        return r;
    }
    r.kernel = op_kernel(op.kind, dt);
    const Datatype* d = to_type(dt);
    if (!r.kernel && d && d->dense && (!d->predefined || d->combiner != MPI_COMBINER_NAMED)) {
        // A derived type made of one predefined type only (contiguous(4, MPI_DOUBLE), ...),
        // or a Fortran kind type (MPI_Type_create_f90_real): the predefined op applies
        // element by element.
        int64_t n = 0;
        MPI_Datatype base = uniform_base(*d, &n);
        if (base != MPI_DATATYPE_NULL) {
            r.kernel = op_kernel(op.kind, base);
            r.per_element = static_cast<uint64_t>(n);
        }
    }
    return r;
}

void reduce(const Reducer& r, const void* in, void* inout, uint64_t count) {
    if (r.kernel) return r.kernel(in, inout, count * r.per_element);
    // User functions take a non-const invec; they must not write it (the standard says so).
    MPI_Datatype dt = r.type;
    void* a = const_cast<void*>(in);
    if (r.op->fn_c) {
        MPI_Count n = static_cast<MPI_Count>(count);
        return r.op->fn_c(a, inout, &n, &dt);
    }
    // int lengths: in chunks of at most INT_MAX elements (2^31 elements or more in one call).
    const Datatype* d = to_type(dt);
    uint64_t ext = d ? static_cast<uint64_t>(d->extent) : 0;
    auto* x = static_cast<char*>(a);
    auto* y = static_cast<char*>(inout);
    for (uint64_t done = 0; done < count;) {
        uint64_t n = count - done < INT_MAX ? count - done : INT_MAX;
        int len = static_cast<int>(n);
        r.op->fn(x + done * ext, y + done * ext, &len, &dt);
        done += n;
    }
}

}  // namespace efampi::rt
