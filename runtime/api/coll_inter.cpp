// Intercommunicator collectives: argument checks by role, then a schedule from
// collectives/inter.cpp. Every member of both groups launches (taking the communicator's next
// collective tag), idle ones included, so the groups' tag sequences stay in step.
#include "runtime/api/coll_inter.hpp"

#include <string>

#include "collectives/algorithms.hpp"
#include "runtime/api/coll_launch.hpp"

namespace efampi::api {

using coll::InterRole;

InterRole inter_role(const rt::Comm& c, int root) {
    if (root == MPI_ROOT) return InterRole::root;
    if (root == MPI_PROC_NULL) return InterRole::idle;
    if (root < 0 || root >= c.peers())
        throw Error(MPI_ERR_ROOT, "root " + std::to_string(root) +
                                      " is not MPI_ROOT, MPI_PROC_NULL or a rank of the remote "
                                      "group (size " + std::to_string(c.peers()) + ")");
    return InterRole::member;
}

void inter_no_in_place(const void* p, const char* what) {
    if (in_place(p))
        throw Error(MPI_ERR_ARG, std::string("MPI_IN_PLACE is not allowed as the ") + what +
                                     " on an intercommunicator");
}

int inter_barrier(rt::Comm* c, Form f, MPI_Request* req) {
    return launch(c, f, req, [&](Schedule& s) { coll::build_inter_barrier(s); });
}

int inter_bcast(rt::Comm* c, Form f, MPI_Request* req, void* buf, int64_t count,
                MPI_Datatype dt, int root) {
    InterRole role = inter_role(*c, root);
    uint64_t n = 0;
    if (role != InterRole::idle) {
        inter_no_in_place(buf, "buffer");
        n = data_bytes(buf, count, dt, "datatype");
    }
    return launch(c, f, req, [&](Schedule& s) {
        Packer pk(s);
        void* b = buf;
        if (role != InterRole::idle) {
            auto k = static_cast<uint64_t>(count);
            bool root_side = role == InterRole::root;
            b = pk.whole(rt::to_type(dt), buf, k, root_side, root_side ? 0 : k);
        }
        pk.begin();
        coll::build_inter_bcast(s, role, b, n, root);
        pk.end();
    });
}

int inter_reduce(rt::Comm* c, Form f, MPI_Request* req, const void* sbuf, void* rbuf,
                 int64_t count, MPI_Datatype dt, MPI_Op op, int root) {
    InterRole role = inter_role(*c, root);
    coll::Reduction red{};
    if (role != InterRole::idle) {
        red = reduction(op, dt);
        if (role == InterRole::root) {
            inter_no_in_place(rbuf, "receive buffer");
            data_bytes(rbuf, count, dt, "datatype");
        } else {
            inter_no_in_place(sbuf, "send buffer");
            data_bytes(sbuf, count, dt, "datatype");
        }
    }
    return launch(c, f, req, [&](Schedule& s) {
        Packer pk(s);
        auto k = static_cast<uint64_t>(count);
        const void* in = sbuf;
        void* out = rbuf;
        if (role == InterRole::idle) {
            s.reduction = red;
        } else {
            const rt::Datatype* d = rt::to_type(dt);
            pk.reduction(red, d, dt, k);
            if (role == InterRole::root) out = pk.whole(d, rbuf, k, false, k);
            else in = pk.whole(d, sbuf, k, true, 0);
        }
        pk.begin();
        coll::build_inter_reduce(s, role, in, out, k, root);
        pk.end();
    });
}

int inter_allreduce(rt::Comm* c, Form f, MPI_Request* req, const void* sbuf, void* rbuf,
                    int64_t count, MPI_Datatype dt, MPI_Op op) {
    coll::Reduction red = reduction(op, dt);
    inter_no_in_place(sbuf, "send buffer");
    inter_no_in_place(rbuf, "receive buffer");
    uint64_t n = data_bytes(sbuf, count, dt, "datatype");
    data_bytes(rbuf, count, dt, "datatype");
    no_alias(sbuf, rbuf, n);
    return launch(c, f, req, [&](Schedule& s) {
        Packer pk(s);
        auto k = static_cast<uint64_t>(count);
        const rt::Datatype* d = rt::to_type(dt);
        pk.reduction(red, d, dt, k);
        const void* in = pk.whole(d, sbuf, k, true, 0);
        void* out = pk.whole(d, rbuf, k, false, k);
        pk.begin();
        coll::build_inter_allreduce(s, in, out, k);
        pk.end();
    });
}

int inter_gather(rt::Comm* c, Form f, MPI_Request* req, const void* sbuf, int64_t scount,
                 MPI_Datatype stype, void* rbuf, int64_t rcount, MPI_Datatype rtype, int root) {
    InterRole role = inter_role(*c, root);
    uint64_t block = 0;
    if (role == InterRole::root) {
        inter_no_in_place(rbuf, "receive buffer");
        block = data_bytes(rbuf, rcount, rtype, "recvtype");
    } else if (role == InterRole::member) {
        inter_no_in_place(sbuf, "send buffer");
        block = data_bytes(sbuf, scount, stype, "sendtype");
    }
    return launch(c, f, req, [&](Schedule& s) {
        Packer pk(s);
        const void* in = sbuf;
        void* out = rbuf;
        if (role == InterRole::root) {
            uint64_t all = static_cast<uint64_t>(rcount) * static_cast<uint64_t>(c->peers());
            out = pk.whole(rt::to_type(rtype), rbuf, all, false, all);
        } else if (role == InterRole::member) {
            in = pk.whole(rt::to_type(stype), sbuf, static_cast<uint64_t>(scount), true, 0);
        }
        pk.begin();
        coll::build_inter_gather(s, role, in, out, block, root);
        pk.end();
    });
}

int inter_scatter(rt::Comm* c, Form f, MPI_Request* req, const void* sbuf, int64_t scount,
                  MPI_Datatype stype, void* rbuf, int64_t rcount, MPI_Datatype rtype, int root) {
    InterRole role = inter_role(*c, root);
    uint64_t block = 0;
    if (role == InterRole::root) {
        inter_no_in_place(sbuf, "send buffer");
        block = data_bytes(sbuf, scount, stype, "sendtype");
    } else if (role == InterRole::member) {
        inter_no_in_place(rbuf, "receive buffer");
        block = data_bytes(rbuf, rcount, rtype, "recvtype");
    }
    return launch(c, f, req, [&](Schedule& s) {
        Packer pk(s);
        const void* in = sbuf;
        void* out = rbuf;
        if (role == InterRole::root) {
            uint64_t all = static_cast<uint64_t>(scount) * static_cast<uint64_t>(c->peers());
            in = pk.whole(rt::to_type(stype), sbuf, all, true, 0);
        } else if (role == InterRole::member) {
            auto k = static_cast<uint64_t>(rcount);
            out = pk.whole(rt::to_type(rtype), rbuf, k, false, k);
        }
        pk.begin();
        coll::build_inter_scatter(s, role, in, out, block, root);
        pk.end();
    });
}

int inter_allgather(rt::Comm* c, Form f, MPI_Request* req, const void* sbuf, int64_t scount,
                    MPI_Datatype stype, void* rbuf, int64_t rcount, MPI_Datatype rtype) {
    inter_no_in_place(sbuf, "send buffer");
    inter_no_in_place(rbuf, "receive buffer");
    uint64_t sb = data_bytes(sbuf, scount, stype, "sendtype");
    uint64_t rb = data_bytes(rbuf, rcount, rtype, "recvtype");
    return launch(c, f, req, [&](Schedule& s) {
        Packer pk(s);
        const void* in = pk.whole(rt::to_type(stype), sbuf, static_cast<uint64_t>(scount), true, 0);
        uint64_t all = static_cast<uint64_t>(rcount) * static_cast<uint64_t>(c->peers());
        void* out = pk.whole(rt::to_type(rtype), rbuf, all, false, all);
        pk.begin();
        coll::build_inter_allgather(s, in, sb, out, rb);
        pk.end();
    });
}

int inter_alltoall(rt::Comm* c, Form f, MPI_Request* req, const void* sbuf, int64_t scount,
                   MPI_Datatype stype, void* rbuf, int64_t rcount, MPI_Datatype rtype) {
    inter_no_in_place(sbuf, "send buffer");
    inter_no_in_place(rbuf, "receive buffer");
    uint64_t sb = data_bytes(sbuf, scount, stype, "sendtype");
    uint64_t rb = data_bytes(rbuf, rcount, rtype, "recvtype");
    if (sbuf == rbuf && sb && rb)
        throw Error(MPI_ERR_BUFFER, "send and receive buffers are the same");
    return launch(c, f, req, [&](Schedule& s) {
        Packer pk(s);
        auto p = static_cast<uint64_t>(c->peers());
        const void* in =
            pk.whole(rt::to_type(stype), sbuf, static_cast<uint64_t>(scount) * p, true, 0);
        uint64_t all = static_cast<uint64_t>(rcount) * p;
        void* out = pk.whole(rt::to_type(rtype), rbuf, all, false, all);
        pk.begin();
        coll::build_inter_alltoall(s, in, sb, out, rb);
        pk.end();
    });
}

void inter_undefined(const char* fn) {
    throw Error(MPI_ERR_COMM, std::string(fn) + " is not defined on intercommunicators");
}

}  // namespace efampi::api
