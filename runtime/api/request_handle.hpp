#pragma once
// MPI_Request handles are the addresses of pml::Request objects; MPI_REQUEST_NULL is the
// predefined value 0x180.
#include <mpi.h>

#include "pml/engine.hpp"
#include "runtime/objects/handle.hpp"

namespace efampi::api {

inline MPI_Request to_handle(pml::Request* r) { return reinterpret_cast<MPI_Request>(r); }

// The live request behind `h`; null for MPI_REQUEST_NULL; throws MPI_ERR_REQUEST for a handle
// that names no live request.
pml::Request* to_request(MPI_Request h);

// The request behind `h` when it has an operation to finish; null for MPI_REQUEST_NULL and for
// an inactive persistent request, which the completion calls treat alike (empty status).
inline pml::Request* to_active(MPI_Request h) {
    pml::Request* r = to_request(h);
    return r && r->persistent && !r->active ? nullptr : r;
}

// A complete request for operations with MPI_PROC_NULL (its status: PROC_NULL, ANY_TAG, 0).
pml::Request* proc_null_request();

// Raises the error a completed operation carries, with a message saying what happened.
int raise_request_error(MPI_Comm comm, const char* fn, int err, uint64_t got, uint64_t capacity);
// What the pml said of the most recent transport failure (naming the peer and the provider's
// error), else `fallback`: the message of an error class other than truncation.
const char* failure_text(const char* fallback);

}  // namespace efampi::api
