#pragma once
// Point-to-point with derived datatypes that have holes: the message is the packed data
// (count * size bytes). A send packs into a staging buffer first; a receive lands in one and
// is unpacked into the user's buffer when the request completes (the first completion call
// to see it: Wait, Test and friends, Request_get_status), or at the latest when the request is
// released. The staging buffer is attached to the pml request (`ext`) and freed on release.
// TODO(#4): pipelined chunks, so a 1 GiB strided vector does not need 1 GiB of staging.
#include <cstdint>

#include "pml/request.hpp"
#include "runtime/objects/datatype.hpp"

namespace efampi::api {

struct Staging;

// A packed copy of `count` elements of `d` at `buf` (caller frees with free_staged_bytes).
uint8_t* pack_staged(const rt::Datatype& d, const void* buf, uint64_t count, uint64_t* bytes);
void free_staged_bytes(uint8_t* p);

// Staging for a receive into `count` elements of `d` at `buf`: the pml receives into
// staging_data(s), staging_bytes(s) bytes at most.
Staging* stage_recv(const rt::Datatype& d, void* buf, uint64_t count);
// Staging for a send whose packed copy the request must keep until it is released.
Staging* stage_send(const rt::Datatype& d, uint8_t* packed);
// Staging for a persistent send: a buffer for `count` elements of `d` at `buf`, packed again
// at every start (restart_staging).
Staging* stage_persistent_send(const rt::Datatype& d, const void* buf, uint64_t count);
// A persistent request starts again: a send packs the user's current data; a receive will
// unpack again when it completes.
void restart_staging(pml::Request* r);
uint8_t* staging_data(Staging* s);
uint64_t staging_bytes(Staging* s);
// Hands the staging to request r (freed when r is released).
void attach_staging(pml::Request* r, Staging* s);
// Drops a staging that never reached a request (an error path).
void drop_staging(Staging* s);
// A completed request with staging: unpacks the received data (once).
void finish_staging(pml::Request* r);
// At MPI_Finalize: frees the cached staging buffers.
void staging_finalize();
// The pml's release hook (installed at MPI_Init).
void release_staging(pml::Request* r);

}  // namespace efampi::api
