#pragma once
// Point-to-point with derived datatypes that have holes. The message is the packed data
// (count * size bytes), but nothing packs it whole: a Staging holds a pml::Layout for the
// user's buffer (the datatype, retained, and the address), and the pml packs and unpacks the
// pieces it moves as it moves them (pml/stream.cpp): an eager message is packed into the
// send's bounce buffer and unpacked from the receive buffer; a larger one is streamed in
// fragments, so a 1 GiB strided vector needs no more scratch than a few fragments.
// The staging is attached to the pml request (`ext`) and freed when it is released.
// Stagings come from a free list: no allocation per message once warm.
//
// Whole packed copies remain where the semantics need one: persistent buffered sends (the
// buffered send copies anyway), Isendrecv_replace, Bsend and collectives (pack_staged).
#include <cstdint>

#include "pml/request.hpp"
#include "runtime/objects/datatype.hpp"

namespace efampi::api {

struct Staging;

// A packed copy of `count` elements of `d` at `buf` (caller frees with free_staged_bytes).
uint8_t* pack_staged(const rt::Datatype& d, const void* buf, uint64_t count, uint64_t* bytes);
void free_staged_bytes(uint8_t* p);

// A layout for `count` elements of `d` at `buf` (send or receive): pass staging_layout(s) and
// staging_bytes(s) (the packed size) to the pml.
Staging* stage_layout(const rt::Datatype& d, const void* buf, uint64_t count);
const pml::Layout* staging_layout(Staging* s);
uint64_t staging_bytes(Staging* s);
// Staging for a persistent buffered send: a buffer for `count` elements of `d` at `buf`,
// packed again at every start (restart_staging), read through staging_data.
Staging* stage_persistent_send(const rt::Datatype& d, const void* buf, uint64_t count);
// A persistent request starts again: a buffered send packs the user's current data.
void restart_staging(pml::Request* r);
uint8_t* staging_data(Staging* s);
// Hands the staging to request r (freed when r is released); a request may hold several
// (MPI_Isendrecv: its send and its receive).
void attach_staging(pml::Request* r, Staging* s);
// Drops a staging that never reached a request (an error path).
void drop_staging(Staging* s);
// At MPI_Finalize: frees the cached buffers and stagings.
void staging_finalize();
// The pml's release hook (installed at MPI_Init).
void release_staging(pml::Request* r);

}  // namespace efampi::api
