// Reduction operations: MPI_Op_create(_c), MPI_Op_free, MPI_Op_commutative,
// MPI_Reduce_local(_c).
#include <string>

#include "runtime/api/call.hpp"
#include "runtime/api/check.hpp"
#include "runtime/objects/op.hpp"

using namespace efampi;

namespace efampi::api {

rt::Op* check_op(MPI_Op h) {
    rt::Op* o = rt::to_op(h);
    if (o) return o;
    if (h == MPI_OP_NULL) throw Error(MPI_ERR_OP, "op is MPI_OP_NULL");
    throw Error(MPI_ERR_OP, "op handle " + std::to_string(reinterpret_cast<uintptr_t>(h)) +
                                " is not a valid op (freed or never created)");
}

rt::Reducer check_reduction(MPI_Op h, MPI_Datatype dt, bool one_sided) {
    rt::Op* o = check_op(h);
    const rt::Datatype* d = check_type(dt);
    if (!one_sided && (o->kind == rt::OpKind::replace || o->kind == rt::OpKind::no_op))
        throw Error(MPI_ERR_OP, std::string(o->name) +
                                    " is only for one-sided accumulate operations");
    rt::Reducer r = rt::make_reducer(*o, dt);
    if (!r.ok())
        throw Error(MPI_ERR_OP, std::string(o->name) + " is not defined for " +
                                    (d->predefined ? std::string(d->name)
                                                   : std::string("this derived datatype")));
    return r;
}

}  // namespace efampi::api

namespace {

int op_create(const char* fn, MPI_User_function* f, MPI_User_function_c* fc, int commute,
              MPI_Op* op) {
    return api::call(api::no_object, fn, [&] {
        if (!f && !fc) api::bad_arg("user function is NULL");
        if (!op) api::bad_arg("op pointer is NULL");
        *op = rt::op_create(f, fc, commute != 0)->handle;
        return MPI_SUCCESS;
    });
}

template <class Count>
int reduce_local(const char* fn, const void* in, void* inout, Count count, MPI_Datatype dt,
                 MPI_Op op) {
    return api::call(api::no_object, fn, [&] {
        // MPI_REPLACE and MPI_NO_OP are accepted here as an extension: they are the kernels
        // one-sided accumulate uses, and Reduce_local is how they are tested from C.
        rt::Reducer r = api::check_reduction(op, dt, true);
        const rt::Datatype* d = rt::to_type(dt);  // valid: check_reduction took it
        api::check_data(in, count, d);
        api::check_data(inout, count, d);
        if (in == MPI_IN_PLACE || inout == MPI_IN_PLACE)
            api::bad_arg("MPI_IN_PLACE is not allowed in MPI_Reduce_local");
        if (count > 0) rt::reduce(r, in, inout, static_cast<uint64_t>(count));
        return MPI_SUCCESS;
    });
}

}  // namespace

extern "C" int PMPI_Op_create(MPI_User_function* f, int commute, MPI_Op* op) {
    return op_create("MPI_Op_create", f, nullptr, commute, op);
}
EFAMPI_ALIAS(Op_create)

extern "C" int PMPI_Op_create_c(MPI_User_function_c* f, int commute, MPI_Op* op) {
    return op_create("MPI_Op_create_c", nullptr, f, commute, op);
}
EFAMPI_ALIAS(Op_create_c)

extern "C" int PMPI_Op_free(MPI_Op* op) {
    return api::call(api::no_object, "MPI_Op_free", [&] {
        if (!op) api::bad_arg("op pointer is NULL");
        rt::Op* o = api::check_op(*op);
        if (o->predefined)
            throw Error(MPI_ERR_OP, std::string("cannot free the predefined op ") + o->name);
        rt::op_free(o);
        *op = MPI_OP_NULL;
        return MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Op_free)

extern "C" int PMPI_Op_commutative(MPI_Op op, int* commute) {
    return api::call(api::no_object, "MPI_Op_commutative", [&] {
        rt::Op* o = api::check_op(op);
        if (!commute) api::bad_arg("commute pointer is NULL");
        *commute = o->commutative ? 1 : 0;
        return MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Op_commutative)

extern "C" int PMPI_Reduce_local(const void* in, void* inout, int count, MPI_Datatype dt,
                                 MPI_Op op) {
    return reduce_local("MPI_Reduce_local", in, inout, count, dt, op);
}
EFAMPI_ALIAS(Reduce_local)

extern "C" int PMPI_Reduce_local_c(const void* in, void* inout, MPI_Count count,
                                   MPI_Datatype dt, MPI_Op op) {
    return reduce_local("MPI_Reduce_local_c", in, inout, count, dt, op);
}
EFAMPI_ALIAS(Reduce_local_c)
