#pragma once
// Error handlers: the three predefined ones and user handlers made by
// MPI_Comm_create_errhandler. Communicators hold a reference.
#include <mpi.h>

#include "runtime/objects/handle.hpp"

namespace efampi::rt {

enum class ErrKind { fatal, ret, abort, user };

struct Errhandler {
    Magic magic = Magic::errhandler;
    ErrKind kind = ErrKind::user;
    MPI_Comm_errhandler_function* fn = nullptr;
    int refs = 1;
    bool predefined = false;
    MPI_Errhandler handle = nullptr;
};

// The object behind `h`, or null when `h` names no live error handler (MPI_ERRHANDLER_NULL
// included).
Errhandler* to_errhandler(MPI_Errhandler h);
Errhandler* errhandler_fatal();
Errhandler* errhandler_return();
Errhandler* errhandler_abort();
Errhandler* errhandler_create(MPI_Comm_errhandler_function* fn);
void errhandler_retain(Errhandler* e);
void errhandler_release(Errhandler* e);
// At MPI_Finalize: frees the error handlers released during the run (parked until then so
// that a stale handle reads a dead magic instead of freed memory).
void errhandlers_finalize();

}  // namespace efampi::rt
