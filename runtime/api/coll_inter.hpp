#pragma once
// Collectives on intercommunicators (coll_inter.cpp): the bodies coll.cpp hands over to when
// the communicator is an intercommunicator, after its common checks (begin). Rooted ones take
// the standard's root conventions: MPI_ROOT at the root, MPI_PROC_NULL at the other members
// of its group (their other arguments are not looked at), the root's rank in the remote group
// at the members of the other group. Each group gets what the other group contributed.
// MPI_IN_PLACE is not allowed (the standard defines none on intercommunicators).
#include <mpi.h>

#include <cstdint>

#include "collectives/algorithms.hpp"
#include "runtime/api/coll.hpp"
#include "runtime/objects/comm.hpp"

namespace efampi::api {

// The caller's role in a rooted intercommunicator collective (MPI_ERR_ROOT when `root` is none
// of the three kinds).
coll::InterRole inter_role(const rt::Comm& c, int root);
// MPI_ERR_ARG when `p` is MPI_IN_PLACE.
void inter_no_in_place(const void* p, const char* what);

int inter_barrier(rt::Comm* c, Form f, MPI_Request* req);
int inter_bcast(rt::Comm* c, Form f, MPI_Request* req, void* buf, int64_t count,
                MPI_Datatype dt, int root);
int inter_reduce(rt::Comm* c, Form f, MPI_Request* req, const void* sbuf, void* rbuf,
                 int64_t count, MPI_Datatype dt, MPI_Op op, int root);
int inter_allreduce(rt::Comm* c, Form f, MPI_Request* req, const void* sbuf, void* rbuf,
                    int64_t count, MPI_Datatype dt, MPI_Op op);
int inter_gather(rt::Comm* c, Form f, MPI_Request* req, const void* sbuf, int64_t scount,
                 MPI_Datatype stype, void* rbuf, int64_t rcount, MPI_Datatype rtype, int root);
int inter_scatter(rt::Comm* c, Form f, MPI_Request* req, const void* sbuf, int64_t scount,
                  MPI_Datatype stype, void* rbuf, int64_t rcount, MPI_Datatype rtype, int root);
int inter_allgather(rt::Comm* c, Form f, MPI_Request* req, const void* sbuf, int64_t scount,
                    MPI_Datatype stype, void* rbuf, int64_t rcount, MPI_Datatype rtype);
int inter_alltoall(rt::Comm* c, Form f, MPI_Request* req, const void* sbuf, int64_t scount,
                   MPI_Datatype stype, void* rbuf, int64_t rcount, MPI_Datatype rtype);

// The v/w forms and Reduce_scatter(_block) are in coll.cpp (they share its count conversions).

// The collectives the standard does not define on intercommunicators (scan, exscan:
// MPI_ERR_COMM).
[[noreturn]] void inter_undefined(const char* fn);

}  // namespace efampi::api
