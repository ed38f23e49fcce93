#pragma once
// What every collective entry point does around its algorithm (shared by coll.cpp and
// coll_neighbor.cpp): the argument checks common to all, and launch(), which builds the
// schedule and runs it (blocking), starts it (nonblocking) or keeps it (persistent).
#include <string>

#include "base/undo.hpp"
#include "collectives/executor.hpp"
#include "collectives/schedule.hpp"
#include "runtime/api/check.hpp"
#include "runtime/api/coll.hpp"
#include "runtime/api/coll_pack.hpp"
#include "runtime/api/request_handle.hpp"
#include "runtime/objects/info.hpp"

namespace efampi::api {

using coll::Schedule;

inline bool in_place(const void* p) { return p == MPI_IN_PLACE; }

// The combination a reduction applies: a predefined kernel or a user op (checked: MPI_ERR_OP
// when the op is not defined on the type).
coll::Reduction reduction(MPI_Op op, MPI_Datatype dt);

inline rt::Comm* begin(MPI_Comm comm, Form f, MPI_Info info, MPI_Request* req) {
    rt::Comm* c = check_comm(comm);
    if (f != Form::blocking && !req) bad_arg("request pointer is NULL");
    if (f == Form::persistent && info != MPI_INFO_NULL && !rt::to_info(info))
        throw Error(MPI_ERR_INFO, "info handle is not a valid info object");
    return c;
}

inline void check_root(const rt::Comm& c, int root) {
    if (root < 0 || root >= c.size)
        throw Error(MPI_ERR_ROOT, "root " + std::to_string(root) +
                                      " is out of range for communicator of size " +
                                      std::to_string(c.size));
}

// Bytes `count` elements of `dt` at `buf` put into a collective (checked: type, count,
// buffer): count * extent, or count * size packed for a type with holes (coll_pack.hpp).
template <class I>
uint64_t data_bytes(const void* buf, I count, MPI_Datatype dt, const char* what) {
    const rt::Datatype* d = check_type(dt, what);
    check_data(buf, static_cast<int64_t>(count), d, "count");
    return wire_bytes(d, static_cast<int64_t>(count));
}

// Same buffer for input and output without MPI_IN_PLACE: the standard forbids the aliasing.
inline void no_alias(const void* s, const void* r, uint64_t bytes) {
    if (s && s == r && bytes)
        throw Error(MPI_ERR_BUFFER,
                    "send and receive buffers are the same: pass MPI_IN_PLACE as the send buffer");
}

[[noreturn]] inline void failed(int err) {
    if (err == MPI_ERR_TRUNCATE)
        throw Error(err, "a message of the collective did not have the size this rank expected: "
                         "do all ranks pass the same root and matching counts and types?");
    throw Error(err, failure_text("a message of the collective failed"));
}

// Builds with `build(schedule)` and runs, starts or keeps the collective.
template <class Build>
int launch(rt::Comm* c, Form f, MPI_Request* req, Build&& build) {
    int tag = c->next_coll_tag();
    if (f == Form::blocking) {
        Schedule& s = coll::blocking_schedule();
        s.reset(c->coll_view(), tag);
        Undo release([&] { s.release_held(); });  // datatypes the packing steps held (coll_pack.hpp)
        build(s);
        int err = coll::run_blocking();
        if (err) failed(err);
        return MPI_SUCCESS;
    }
    coll::Exec* x = coll::exec_acquire();
    Undo drop([&] { coll::exec_drop(x); });
    Schedule& s = coll::exec_schedule(x);
    s.reset(c->coll_view(), tag);
    build(s);
    drop.keep();
    pml::Request* r = f == Form::nonblocking ? coll::start_nonblocking(x, c)
                                             : coll::make_persistent(x, c);
    *req = to_handle(r);
    return MPI_SUCCESS;
}

}  // namespace efampi::api
