#pragma once
// Argument checks of the C boundary. Each is a cheap inline test whose failure path is a cold
// out-of-line function that throws efampi::Error with a message naming the argument.
#include <mpi.h>

#include <cstdint>

#include "pml/request.hpp"
#include "base/error.hpp"
#include "runtime/objects/comm.hpp"
#include "runtime/objects/datatype.hpp"
#include "runtime/objects/op.hpp"

namespace efampi::api {

constexpr int tag_ub = 0x7fffffff;  // the header carries a 32-bit signed tag

[[noreturn]] void bad_comm(MPI_Comm h);
[[noreturn]] void bad_type(MPI_Datatype h, const char* what);
[[noreturn]] void bad_count(int64_t count, const char* what);
[[noreturn]] void bad_buffer(int64_t count, const char* what);
[[noreturn]] void bad_rank(int rank, const rt::Comm& c, const char* what);
[[noreturn]] void bad_tag(int tag, const char* what);
[[noreturn]] void bad_arg(const char* what);

inline rt::Comm* check_comm(MPI_Comm h) {
    rt::Comm* c = rt::to_comm(h);
    if (__builtin_expect(c == nullptr, 0)) bad_comm(h);
    return c;
}

// Calls defined on intracommunicators only (topologies, MPI_Comm_create_group, ...).
[[noreturn]] void not_intra(const char* fn);
inline rt::Comm* check_intra(MPI_Comm h, const char* fn) {
    rt::Comm* c = check_comm(h);
    if (__builtin_expect(c->inter, 0)) not_intra(fn);
    return c;
}

inline const rt::Datatype* check_type(MPI_Datatype h, const char* what = "datatype") {
    const rt::Datatype* d = rt::to_type(h);
    if (__builtin_expect(d == nullptr || !d->committed, 0)) bad_type(h, what);
    return d;
}

// count and buffer together, for a buffer of raw bytes (no datatype to say where the data
// lies): a negative count, or a null buffer holding data.
inline void check_data(const void* buf, int64_t count, const char* what = "count") {
    if (__builtin_expect(count < 0, 0)) bad_count(count, what);
    if (__builtin_expect(buf == nullptr && count > 0, 0)) bad_buffer(count, what);
}

// True when `count` elements of `d` at address `offset` would touch address 0: the data of
// the whole sequence spans from its lowest to its highest data byte and that span holds 0.
bool touches_address_zero(const rt::Datatype& d, int64_t count, int64_t offset = 0);
[[noreturn]] void bad_buffer_at_zero(int64_t count, const rt::Datatype& d, const char* what);

// count and buffer of `count` elements of `d`. A null buffer is MPI_BOTTOM in the standard
// ABI, and legal with data when the type's displacements are absolute addresses (a struct
// built from MPI_Get_address results); only one whose data would lie at address 0 is an error.
inline void check_data(const void* buf, int64_t count, const rt::Datatype* d,
                       const char* what = "count") {
    if (__builtin_expect(count < 0, 0)) bad_count(count, what);
    if (__builtin_expect(buf == nullptr && count > 0, 0) && touches_address_zero(*d, count))
        bad_buffer_at_zero(count, *d, what);
}

inline void check_dest(const rt::Comm& c, int rank, const char* what = "destination") {
    if (__builtin_expect((rank < 0 || rank >= c.peers()) && rank != MPI_PROC_NULL, 0))
        bad_rank(rank, c, what);
}

inline void check_source(const rt::Comm& c, int rank, const char* what = "source") {
    if (__builtin_expect((rank < 0 || rank >= c.peers()) && rank != MPI_PROC_NULL &&
                             rank != MPI_ANY_SOURCE, 0))
        bad_rank(rank, c, what);
}

inline void check_send_tag(int tag, const char* what = "tag") {
    if (__builtin_expect(tag < 0, 0)) bad_tag(tag, what);
}

inline void check_recv_tag(int tag, const char* what = "tag") {
    if (__builtin_expect(tag < 0 && tag != MPI_ANY_TAG, 0)) bad_tag(tag, what);
}

[[noreturn]] void bad_size(int64_t count, const rt::Datatype* d);
[[noreturn]] void not_direct(const rt::Datatype* d);

// The live op behind `h` (MPI_ERR_OP otherwise).
rt::Op* check_op(MPI_Op h);
// `op` on `dt` ready to run: MPI_ERR_OP when the op is not defined for the type, or is
// MPI_REPLACE / MPI_NO_OP outside one-sided calls (`one_sided` false); MPI_ERR_TYPE for a bad
// type. Defined in op.cpp.
rt::Reducer check_reduction(MPI_Op op, MPI_Datatype dt, bool one_sided = false);

// The byte count of a message of `count` elements of a dense type `d` (callers send every
// other type packed, through staging or the collectives' Packer: reaching here with one is an
// internal error); MPI_ERR_COUNT when it does not fit 63 bits.
inline uint64_t message_bytes(const rt::Datatype* d, int64_t count) {
    if (__builtin_expect(!d->direct(), 0)) not_direct(d);
    uint64_t ext = static_cast<uint64_t>(d->extent);
    if (__builtin_expect(ext > 1 && static_cast<uint64_t>(count) > (UINT64_C(1) << 62) / ext, 0))
        bad_size(count, d);
    return static_cast<uint64_t>(count) * ext;
}

// The datatype of a send to / receive from `peer`: MPI_DATATYPE_NULL is accepted with count 0
// and MPI_PROC_NULL (codes pass it when they move nothing; MPICH and Open MPI take it), and
// stands for MPI_BYTE then.
inline const rt::Datatype* check_type_moving(MPI_Datatype h, int64_t count, int peer,
                                             const char* what = "datatype") {
    if (__builtin_expect(h == MPI_DATATYPE_NULL, 0) && count == 0 && peer == MPI_PROC_NULL)
        return rt::to_type(MPI_BYTE);
    return check_type(h, what);
}

// The checks of every call that sends `count` elements of `dt` from `buf` to `dest` with
// `tag` (or receives from `source`): *type is the datatype; no byte count (dense types:
// message_bytes; others travel packed, count * size: runtime/api/staging.hpp).
inline rt::Comm* check_send_typed(MPI_Comm comm, const void* buf, int64_t count, MPI_Datatype dt,
                                  int dest, int tag, const rt::Datatype** type) {
    rt::Comm* c = check_comm(comm);
    *type = check_type_moving(dt, count, dest);
    check_data(buf, count, *type);
    check_dest(*c, dest);
    check_send_tag(tag);
    return c;
}
inline rt::Comm* check_recv_typed(MPI_Comm comm, const void* buf, int64_t count, MPI_Datatype dt,
                                  int source, int tag, const rt::Datatype** type) {
    rt::Comm* c = check_comm(comm);
    *type = check_type_moving(dt, count, source);
    check_data(buf, count, *type);
    check_source(*c, source);
    check_recv_tag(tag);
    return c;
}

// Status of a finished request. MPI_ERROR is left alone: the standard has only the
// multiple-completion calls set it, and only when they return MPI_ERR_IN_STATUS (they write
// it themselves); a single-completion call returns its error instead.
inline void set_status(MPI_Status* st, const pml::Request* r) {
    if (st == MPI_STATUS_IGNORE) return;
    st->MPI_SOURCE = r->st_source;
    st->MPI_TAG = r->st_tag;
    st->MPI_internal[0] = static_cast<int>(r->st_bytes & 0xffffffffu);  // received bytes, low
    st->MPI_internal[1] = static_cast<int>(r->st_bytes >> 32);          // and high half
    st->MPI_internal[2] = r->cancelled ? 1 : 0;                          // cancelled
}
// An operation with MPI_PROC_NULL: source MPI_PROC_NULL, tag MPI_ANY_TAG, count 0, not
// cancelled; MPI_ERROR left alone (as set_status).
void set_status_proc_null(MPI_Status* st);
// The standard's empty status, for MPI_REQUEST_NULL and inactive persistent requests: source
// MPI_ANY_SOURCE, tag MPI_ANY_TAG, error MPI_SUCCESS, count 0, not cancelled.
void set_status_empty(MPI_Status* st);
uint64_t status_bytes(const MPI_Status* st);

}  // namespace efampi::api
