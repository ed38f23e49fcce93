#include "runtime/api/check.hpp"

#include <string>

namespace efampi::api {

void bad_comm(MPI_Comm h) {
    if (h == MPI_COMM_NULL) throw Error(MPI_ERR_COMM, "communicator is MPI_COMM_NULL");
    if (rt::comm_is_pending(h))
        throw Error(MPI_ERR_COMM, "the communicator comes from an MPI_Comm_idup that has not "
                                  "completed yet (complete its request first)");
    throw Error(MPI_ERR_COMM, "communicator handle " +
                                  std::to_string(reinterpret_cast<uintptr_t>(h)) +
                                  " is not a valid communicator (freed or never created)");
}

void bad_type(MPI_Datatype h, const char* what) {
    if (h == MPI_DATATYPE_NULL) throw Error(MPI_ERR_TYPE, std::string(what) + " is MPI_DATATYPE_NULL");
    const rt::Datatype* d = rt::to_type(h);
    if (d && !d->committed)
        throw Error(MPI_ERR_TYPE, std::string(what) + " has not been committed");
    throw Error(MPI_ERR_TYPE, std::string(what) + " handle " +
                                  std::to_string(reinterpret_cast<uintptr_t>(h)) +
                                  " is not a valid datatype");
}

void bad_count(int64_t count, const char* what) {
    throw Error(MPI_ERR_COUNT, std::string(what) + " " + std::to_string(count) + " is negative");
}

void bad_buffer(int64_t count, const char* what) {
    throw Error(MPI_ERR_BUFFER, "buffer is NULL but " + std::string(what) + " is " +
                                    std::to_string(count));
}

bool touches_address_zero(const rt::Datatype& d, int64_t count, int64_t offset) {
    if (d.size == 0 || count <= 0) return false;  // no data byte at all
    // 128-bit so that huge counts and extents cannot wrap.
    __int128 last = static_cast<__int128>(count - 1) * d.extent;
    __int128 lo = static_cast<__int128>(offset) + d.true_lb + (last < 0 ? last : 0);
    __int128 hi = static_cast<__int128>(offset) + d.true_lb + d.true_extent + (last > 0 ? last : 0);
    return lo <= 0 && hi > 0;
}

void bad_buffer_at_zero(int64_t count, const rt::Datatype& d, const char* what) {
    throw Error(MPI_ERR_BUFFER,
                "buffer is NULL (MPI_BOTTOM) but " + std::string(what) + " is " +
                    std::to_string(count) + " and the data of " + (d.name[0] ? d.name : "the derived datatype") +
                    " would lie at address 0 (with MPI_BOTTOM, build the type from "
                    "MPI_Get_address results)");
}

void bad_rank(int rank, const rt::Comm& c, const char* what) {
    throw Error(MPI_ERR_RANK, std::string(what) + " rank " + std::to_string(rank) +
                                  " is out of range for " +
                                  (c.inter ? "an intercommunicator whose remote group has size "
                                           : "communicator of size ") +
                                  std::to_string(c.peers()));
}

void bad_tag(int tag, const char* what) {
    throw Error(MPI_ERR_TAG, std::string(what) + " " + std::to_string(tag) +
                                 " is invalid (valid: 0.." + std::to_string(tag_ub) + ")");
}

void bad_arg(const char* what) { throw Error(MPI_ERR_ARG, what); }

void not_intra(const char* fn) {
    throw Error(MPI_ERR_COMM, std::string(fn) + " needs an intracommunicator; this one is an "
                                                "intercommunicator");
}

void bad_size(int64_t count, const rt::Datatype* d) {
    throw Error(MPI_ERR_COUNT, "count " + std::to_string(count) + " of " + d->name +
                                   " is more than 2^62 bytes");
}

void not_direct(const rt::Datatype*) {
    throw Error(MPI_ERR_INTERN,
                "internal: a datatype with holes reached the contiguous message path "
                "(it should have been packed)");
}

void set_status_proc_null(MPI_Status* st) {
    if (st == MPI_STATUS_IGNORE) return;
    st->MPI_SOURCE = MPI_PROC_NULL;
    st->MPI_TAG = MPI_ANY_TAG;
    st->MPI_internal[0] = 0;
    st->MPI_internal[1] = 0;
    st->MPI_internal[2] = 0;
}

void set_status_empty(MPI_Status* st) {
    if (st == MPI_STATUS_IGNORE) return;
    set_status_proc_null(st);
    st->MPI_SOURCE = MPI_ANY_SOURCE;
    st->MPI_ERROR = MPI_SUCCESS;
}

uint64_t status_bytes(const MPI_Status* st) {
    return static_cast<uint32_t>(st->MPI_internal[0]) |
           (static_cast<uint64_t>(static_cast<uint32_t>(st->MPI_internal[1])) << 32);
}

}  // namespace efampi::api
