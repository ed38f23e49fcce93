#pragma once
// MPI_Comm_split's work, shared with the topology constructors (Cart_create, Cart_sub), and
// what every duplicate gets from its parent (MPI_Comm_dup, MPI_Comm_idup).
#include <mpi.h>

#include "runtime/objects/comm.hpp"

namespace efampi::api {

// Collective over `parent`: members with the same colour form a communicator, ordered by key
// then parent rank; MPI_UNDEFINED gets MPI_COMM_NULL. `what` names the colour in errors.
void comm_split(rt::Comm* parent, int color, int key, MPI_Comm* newcomm, const char* what);

// A duplicate `d` of `c` (same groups) gets its topology and attributes (copied by their
// callbacks); a failing callback frees `d` and rethrows.
void dup_contents(rt::Comm* c, rt::Comm* d);

}  // namespace efampi::api
