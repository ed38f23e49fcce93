// The collectives' bodies: argument checks (the standard's rules for roots, counts, buffers
// and MPI_IN_PLACE), then a schedule built by the chosen algorithm (collectives/) and run
// blocking, started nonblocking, or kept for MPI_Start (persistent). A count of elements is
// count * extent bytes for predefined and dense types; types with holes: see below.
#include "runtime/api/coll.hpp"
#include "runtime/api/coll_inter.hpp"
#include "runtime/api/coll_launch.hpp"

#include <memory>
#include <string>
#include <vector>

#include "collectives/algorithms.hpp"
#include "collectives/executor.hpp"
#include "collectives/select.hpp"
#include "runtime/api/call.hpp"
#include "runtime/api/check.hpp"
#include "runtime/api/request_handle.hpp"
#include "runtime/objects/info.hpp"
#include "runtime/objects/op.hpp"

namespace efampi::api {

namespace {

// Kernels: ctx2 carries the predefined elements per datatype element (derived types).
void kernel_tramp(const void* ctx, const void* ctx2, const void* in, void* inout, uint64_t n) {
    reinterpret_cast<rt::Kernel>(const_cast<void*>(ctx))(in, inout,
                                                         n * reinterpret_cast<uintptr_t>(ctx2));
}
void user_tramp(const void* ctx, const void* ctx2, const void* in, void* inout, uint64_t n) {
    rt::Reducer r;
    r.op = static_cast<const rt::Op*>(ctx);
    r.type = static_cast<MPI_Datatype>(const_cast<void*>(ctx2));
    rt::reduce(r, in, inout, n);
}

}  // namespace

coll::Reduction reduction(MPI_Op op, MPI_Datatype dt) {
    rt::Reducer r = check_reduction(op, dt);
    coll::Reduction red;
    red.extent = static_cast<uint64_t>(rt::to_type(dt)->extent);
    if (r.kernel) {
        red.fn = kernel_tramp;
        red.ctx = reinterpret_cast<const void*>(r.kernel);
        red.ctx2 = reinterpret_cast<const void*>(static_cast<uintptr_t>(r.per_element));
        red.commutative = true;
    } else {
        red.fn = user_tramp;
        red.ctx = r.op;
        red.ctx2 = dt;
        red.commutative = r.op->commutative;
    }
    return red;
}

namespace {

// Per-rank counts and displacements (elements of `dt`) as bytes, after checking the type (it
// must travel directly: see direct_extent) and the arrays.
template <class I, class D>
void to_bytes(const rt::Comm& c, const I* counts, const D* displs, MPI_Datatype dt,
              const char* type_name, const char* displs_name, std::vector<uint64_t>& b,
              std::vector<uint64_t>& d, const char* what) {
    uint64_t ext = direct_extent(dt, type_name);
    if (!displs) throw Error(MPI_ERR_ARG, std::string(displs_name) + " array is NULL");
    if (!counts) throw Error(MPI_ERR_ARG, std::string(what) + " array is NULL");
    b.resize(static_cast<size_t>(c.peers()));  // intercommunicators: per remote rank
    d.resize(static_cast<size_t>(c.peers()));
    for (int i = 0; i < c.peers(); ++i) {
        if (counts[i] < 0)
            throw Error(MPI_ERR_COUNT, std::string(what) + "[" + std::to_string(i) + "] = " +
                                           std::to_string(static_cast<int64_t>(counts[i])) +
                                           " is negative");
        b[static_cast<size_t>(i)] = static_cast<uint64_t>(counts[i]) * ext;
        d[static_cast<size_t>(i)] = displs ? static_cast<uint64_t>(displs[i]) * ext : 0;
    }
}


// --- Derived datatypes with holes in the blocking collectives: the same collective runs on
// packed data (MPI_BYTE for data movement; the predefined base type for reductions), the
// user's buffers packed before and unpacked after. Nonblocking and persistent forms, v/w
// variants and reductions with user ops or mixed base types are not supported yet (issue 4).
// ---

bool has_holes(MPI_Datatype dt) {
    const rt::Datatype* d = rt::to_type(dt);
    return d && d->committed && !d->direct();
}

// A buffer of `count` elements of `dt` as packed bytes. `load`: its data is an input.
struct PackedSide {
    const rt::Datatype* d = nullptr;
    void* user = nullptr;
    uint64_t count = 0;
    std::vector<uint8_t> bytes;
    PackedSide(const void* buf, int64_t n, MPI_Datatype dt, bool load) {
        d = rt::to_type(dt);
        user = const_cast<void*>(buf);
        count = static_cast<uint64_t>(n < 0 ? 0 : n);
        bytes.resize(count * static_cast<uint64_t>(d->size));
        if (load && count) rt::pack(*d, buf, count, bytes.data());
    }
    MPI_Count packed_count(uint64_t per) const { return static_cast<MPI_Count>(per * static_cast<uint64_t>(d->size)); }
    void unload() { if (count) rt::unpack(*d, bytes.data(), count, user); }
};

// The two buffers of a send/receive collective, with whichever has holes packed: `sh`/`rh` say
// which; the send side holds `sblocks` blocks of `scount` elements, the receive side `rblocks`
// of `rcount` (loaded first when it is also the input, in place). `again` reruns the
// collective on (send, scount, stype, recv, rcount, rtype) with MPI_Count counts; the received
// bytes are unpacked after it succeeds.
template <class Again>
int with_packed_sides(bool sh, const void* sbuf, int64_t sblocks, int64_t scount,
                      MPI_Datatype stype, bool rh, void* rbuf, int64_t rblocks, int64_t rcount,
                      MPI_Datatype rtype, bool rload, Again again) {
    std::unique_ptr<PackedSide> s, r;
    const void* s2 = sbuf;
    void* r2 = rbuf;
    MPI_Count sc = scount, rc = rcount;
    MPI_Datatype st = stype, rtp = rtype;
    if (sh) {
        s = std::make_unique<PackedSide>(sbuf, sblocks * scount, stype, true);
        s2 = s->bytes.data();
        sc = s->packed_count(static_cast<uint64_t>(scount));
        st = MPI_BYTE;
    }
    if (rh) {
        r = std::make_unique<PackedSide>(rbuf, rblocks * rcount, rtype, rload);
        r2 = r->bytes.data();
        rc = r->packed_count(static_cast<uint64_t>(rcount));
        rtp = MPI_BYTE;
    }
    int rv = again(s2, sc, st, r2, rc, rtp);
    if (rv == MPI_SUCCESS && r) r->unload();
    return rv;
}

int holes_unsupported(MPI_Comm comm, const char* fn) {
    return call(comm, fn, [&]() -> int {
        throw Error(MPI_ERR_UNSUPPORTED_OPERATION,
                    "a derived datatype with holes is supported in the blocking collectives "
                    "Bcast, Gather, Scatter, Allgather, Alltoall and, with a predefined op on "
                    "a type of one predefined type, Reduce, Allreduce, Scan, Exscan and "
                    "Reduce_scatter(_block) only, so far (issue 4)");
    });
}

// A reduction on a type with holes that can run packed: a predefined op (MPI_SUM, ...) on a
// type made of one predefined type (a vector of doubles): the reduction runs on `per` base
// elements per element of `dt`, packed.
bool packed_reduction(MPI_Datatype dt, MPI_Op op, MPI_Datatype* base, int64_t* per) {
    if (!has_holes(dt)) return false;
    const rt::Op* o = rt::to_op(op);
    if (!o || o->kind == rt::OpKind::user) return false;
    *base = rt::uniform_base(*rt::to_type(dt), per);
    return *base != MPI_DATATYPE_NULL && *per > 0;
}

// `count` elements of `dt` as packed base elements: loaded from `buf` when it is an input,
// unloaded into `out` after the reduction.
struct PackedReduce {
    const rt::Datatype* d;
    uint64_t count;
    std::vector<uint8_t> bytes;
    PackedReduce(MPI_Datatype dt, uint64_t n, const void* load) : d(rt::to_type(dt)), count(n) {
        bytes.resize(count * static_cast<uint64_t>(d->size));
        if (load && count) rt::pack(*d, load, count, bytes.data());
    }
    void unload(void* out) { if (count) rt::unpack(*d, bytes.data(), count, out); }
};

// The size of `comm` and this rank in it; -1 for an invalid handle; 0 for an
// intercommunicator, whose collectives refuse derived types with holes in their own checks.
int comm_size_or(MPI_Comm comm, int* rank) {
    rt::Comm* c = rt::to_comm(comm);
    if (!c) return -1;
    if (c->inter) return 0;
    *rank = c->rank;
    return c->size;
}

}  // namespace

int coll_barrier(const char* fn, Form f, MPI_Comm comm, MPI_Info info, MPI_Request* req) {
    return call(comm, fn, [&] {
        rt::Comm* c = begin(comm, f, info, req);
        if (c->inter) return inter_barrier(c, f, req);
        return launch(c, f, req, [&](Schedule& s) { coll::build_barrier(s); });
    });
}

template <class I>
int coll_bcast(const char* fn, Form f, void* buf, I count, MPI_Datatype dt, int root,
               MPI_Comm comm, MPI_Info info, MPI_Request* req) {
    int me = -1;
    if (has_holes(dt) && count > 0 && comm_size_or(comm, &me) != 0) {
        if (f != Form::blocking) return holes_unsupported(comm, fn);
        if (comm_size_or(comm, &me) < 0) return coll_bcast<MPI_Count>(fn, f, buf, 0, MPI_BYTE, root, comm, info, req);
        PackedSide side(buf, count, dt, me == root);
        int rc = coll_bcast<MPI_Count>(fn, f, side.bytes.data(), side.packed_count(side.count),
                                       MPI_BYTE, root, comm, info, req);
        if (rc == MPI_SUCCESS && me != root) side.unload();
        return rc;
    }
    return call(comm, fn, [&] {
        rt::Comm* c = begin(comm, f, info, req);
        if (c->inter) return inter_bcast(c, f, req, buf, static_cast<int64_t>(count), dt, root);
        check_root(*c, root);
        if (in_place(buf)) bad_arg("MPI_IN_PLACE is not allowed in a broadcast");
        uint64_t n = data_bytes(buf, count, dt, "datatype");
        return launch(c, f, req, [&](Schedule& s) {
            coll::build_bcast(s, coll::select_bcast(c->size, n), buf, n, root);
        });
    });
}

template <class I>
int coll_reduce(const char* fn, Form f, const void* sbuf, void* rbuf, I count, MPI_Datatype dt,
                MPI_Op op, int root, MPI_Comm comm, MPI_Info info, MPI_Request* req) {
    MPI_Datatype base;
    int64_t per = 0;
    int me = -1;
    if (count > 0 && packed_reduction(dt, op, &base, &per) && comm_size_or(comm, &me) > 0) {
        if (f != Form::blocking) return holes_unsupported(comm, fn);
        const void* in = in_place(sbuf) ? rbuf : sbuf;
        if (in && (me != root || rbuf)) {
            auto n = static_cast<uint64_t>(count);
            PackedReduce pin(dt, n, in), pout(dt, me == root ? n : 0, nullptr);
            int rc = coll_reduce<MPI_Count>(fn, f, pin.bytes.data(),
                                            me == root ? pout.bytes.data() : nullptr,
                                            static_cast<MPI_Count>(n) * per, base, op, root, comm,
                                            info, req);
            if (rc == MPI_SUCCESS && me == root) pout.unload(rbuf);
            return rc;
        }
    }
    return call(comm, fn, [&] {
        rt::Comm* c = begin(comm, f, info, req);
        if (c->inter)
            return inter_reduce(c, f, req, sbuf, rbuf, static_cast<int64_t>(count), dt, op, root);
        check_root(*c, root);
        coll::Reduction red = reduction(op, dt);
        bool me_root = c->rank == root;
        if (in_place(sbuf) && !me_root)
            bad_arg("MPI_IN_PLACE is the send buffer of the root only");
        if (in_place(rbuf)) bad_arg("MPI_IN_PLACE is not allowed as the receive buffer");
        uint64_t n = data_bytes(in_place(sbuf) ? rbuf : sbuf, count, dt, "datatype");
        if (me_root) {
            data_bytes(rbuf, count, dt, "datatype");
            if (!in_place(sbuf)) no_alias(sbuf, rbuf, n);
        }
        return launch(c, f, req, [&](Schedule& s) {
            s.reduction = red;
            coll::build_reduce(s, coll::select_reduce(c->size, n, red.commutative),
                               in_place(sbuf) ? nullptr : sbuf, me_root ? rbuf : nullptr,
                               static_cast<uint64_t>(count), root);
        });
    });
}

template <class I>
int coll_allreduce(const char* fn, Form f, const void* sbuf, void* rbuf, I count,
                   MPI_Datatype dt, MPI_Op op, MPI_Comm comm, MPI_Info info, MPI_Request* req) {
    MPI_Datatype base;
    int64_t per = 0;
    int me = -1;
    if (count > 0 && packed_reduction(dt, op, &base, &per) && comm_size_or(comm, &me) > 0) {
        if (f != Form::blocking) return holes_unsupported(comm, fn);
        const void* in = in_place(sbuf) ? rbuf : sbuf;
        if (in && rbuf) {
            auto n = static_cast<uint64_t>(count);
            PackedReduce pin(dt, n, in), pout(dt, n, nullptr);
            int rc = coll_allreduce<MPI_Count>(fn, f, pin.bytes.data(), pout.bytes.data(),
                                               static_cast<MPI_Count>(n) * per, base, op, comm,
                                               info, req);
            if (rc == MPI_SUCCESS) pout.unload(rbuf);
            return rc;
        }
    }
    return call(comm, fn, [&] {
        rt::Comm* c = begin(comm, f, info, req);
        if (c->inter)
            return inter_allreduce(c, f, req, sbuf, rbuf, static_cast<int64_t>(count), dt, op);
        coll::Reduction red = reduction(op, dt);
        if (in_place(rbuf)) bad_arg("MPI_IN_PLACE is not allowed as the receive buffer");
        uint64_t n = data_bytes(rbuf, count, dt, "datatype");
        if (!in_place(sbuf)) {
            data_bytes(sbuf, count, dt, "datatype");
            no_alias(sbuf, rbuf, n);
        }
        return launch(c, f, req, [&](Schedule& s) {
            s.reduction = red;
            coll::build_allreduce(s, coll::select_allreduce(c->size, n, red.commutative),
                                  in_place(sbuf) ? nullptr : sbuf, rbuf,
                                  static_cast<uint64_t>(count));
        });
    });
}

template <class I>
int coll_scan(const char* fn, Form f, bool exclusive, const void* sbuf, void* rbuf, I count,
              MPI_Datatype dt, MPI_Op op, MPI_Comm comm, MPI_Info info, MPI_Request* req) {
    MPI_Datatype base;
    int64_t per = 0;
    int me = -1;
    if (count > 0 && packed_reduction(dt, op, &base, &per) && comm_size_or(comm, &me) > 0) {
        if (f != Form::blocking) return holes_unsupported(comm, fn);
        const void* in = in_place(sbuf) ? rbuf : sbuf;
        if (in && rbuf) {
            auto n = static_cast<uint64_t>(count);
            PackedReduce pin(dt, n, in), pout(dt, n, nullptr);
            int rc = coll_scan<MPI_Count>(fn, f, exclusive, pin.bytes.data(), pout.bytes.data(),
                                          static_cast<MPI_Count>(n) * per, base, op, comm, info,
                                          req);
            // Exscan leaves rank 0's receive buffer undefined: it is left alone.
            if (rc == MPI_SUCCESS && !(exclusive && me == 0)) pout.unload(rbuf);
            return rc;
        }
    }
    return call(comm, fn, [&] {
        rt::Comm* c = begin(comm, f, info, req);
        if (c->inter) inter_undefined(fn);
        coll::Reduction red = reduction(op, dt);
        if (in_place(rbuf)) bad_arg("MPI_IN_PLACE is not allowed as the receive buffer");
        uint64_t n = data_bytes(rbuf, count, dt, "datatype");
        if (!in_place(sbuf)) {
            data_bytes(sbuf, count, dt, "datatype");
            no_alias(sbuf, rbuf, n);
        }
        return launch(c, f, req, [&](Schedule& s) {
            s.reduction = red;
            coll::build_scan(s, in_place(sbuf) ? nullptr : sbuf, rbuf,
                             static_cast<uint64_t>(count), exclusive);
        });
    });
}

template <class I>
int coll_reduce_scatter_block(const char* fn, Form f, const void* sbuf, void* rbuf, I count,
                              MPI_Datatype dt, MPI_Op op, MPI_Comm comm, MPI_Info info,
                              MPI_Request* req) {
    MPI_Datatype base;
    int64_t per = 0;
    int me = -1;
    int size = comm_size_or(comm, &me);
    if (count > 0 && packed_reduction(dt, op, &base, &per) && size > 0) {
        if (f != Form::blocking) return holes_unsupported(comm, fn);
        const void* in = in_place(sbuf) ? rbuf : sbuf;
        if (in && rbuf) {
            auto n = static_cast<uint64_t>(count);
            PackedReduce pin(dt, n * static_cast<uint64_t>(size), in), pout(dt, n, nullptr);
            int rc = coll_reduce_scatter_block<MPI_Count>(fn, f, pin.bytes.data(),
                                                          pout.bytes.data(),
                                                          static_cast<MPI_Count>(n) * per, base,
                                                          op, comm, info, req);
            if (rc == MPI_SUCCESS) pout.unload(rbuf);
            return rc;
        }
    }
    return call(comm, fn, [&] {
        rt::Comm* c = begin(comm, f, info, req);
        coll::Reduction red = reduction(op, dt);
        if (in_place(rbuf)) bad_arg("MPI_IN_PLACE is not allowed as the receive buffer");
        uint64_t n = data_bytes(rbuf, count, dt, "datatype");
        if (c->inter) inter_no_in_place(sbuf, "send buffer");
        if (!in_place(sbuf)) {
            data_bytes(sbuf, count, dt, "datatype");
            no_alias(sbuf, rbuf, n);
        }
        std::vector<uint64_t> counts(static_cast<size_t>(c->size), static_cast<uint64_t>(count));
        return launch(c, f, req, [&](Schedule& s) {
            s.reduction = red;
            if (c->inter) coll::build_inter_reduce_scatter(s, sbuf, rbuf, counts.data());
            else coll::build_reduce_scatter(s, in_place(sbuf) ? nullptr : sbuf, rbuf, counts.data());
        });
    });
}

template <class I>
int coll_reduce_scatter(const char* fn, Form f, const void* sbuf, void* rbuf,
                        const I counts[], MPI_Datatype dt, MPI_Op op, MPI_Comm comm,
                        MPI_Info info, MPI_Request* req) {
    MPI_Datatype base;
    int64_t per = 0;
    int me = -1;
    int size = comm_size_or(comm, &me);
    if (counts && packed_reduction(dt, op, &base, &per) && size > 0) {
        if (f != Form::blocking) return holes_unsupported(comm, fn);
        uint64_t total = 0;
        bool ok = true;
        std::vector<MPI_Count> pc(static_cast<size_t>(size));
        for (int i = 0; i < size; ++i) {
            ok = ok && counts[i] >= 0;
            total += static_cast<uint64_t>(counts[i] < 0 ? 0 : counts[i]);
            pc[static_cast<size_t>(i)] = static_cast<MPI_Count>(counts[i]) * per;
        }
        const void* in = in_place(sbuf) ? rbuf : sbuf;
        if (ok && total > 0 && in && (rbuf || counts[me] == 0)) {
            auto mine = static_cast<uint64_t>(counts[me]);
            PackedReduce pin(dt, total, in), pout(dt, mine, nullptr);
            int rc = coll_reduce_scatter<MPI_Count>(fn, f, pin.bytes.data(), pout.bytes.data(),
                                                    pc.data(), base, op, comm, info, req);
            if (rc == MPI_SUCCESS) pout.unload(rbuf);
            return rc;
        }
    }
    return call(comm, fn, [&] {
        rt::Comm* c = begin(comm, f, info, req);
        coll::Reduction red = reduction(op, dt);
        if (in_place(rbuf)) bad_arg("MPI_IN_PLACE is not allowed as the receive buffer");
        if (!counts) bad_arg("recvcounts array is NULL");
        if (c->inter) inter_no_in_place(sbuf, "send buffer");
        std::vector<uint64_t> n(static_cast<size_t>(c->size));
        uint64_t total = 0;
        for (int i = 0; i < c->size; ++i) {
            if (counts[i] < 0)
                throw Error(MPI_ERR_COUNT, "recvcounts[" + std::to_string(i) + "] is negative");
            n[static_cast<size_t>(i)] = static_cast<uint64_t>(counts[i]);
            total += static_cast<uint64_t>(counts[i]);
        }
        data_bytes(rbuf, counts[c->rank], dt, "datatype");
        if (!in_place(sbuf)) data_bytes(sbuf, static_cast<int64_t>(total), dt, "datatype");
        else data_bytes(rbuf, static_cast<int64_t>(total), dt, "datatype");
        return launch(c, f, req, [&](Schedule& s) {
            s.reduction = red;
            if (c->inter) coll::build_inter_reduce_scatter(s, sbuf, rbuf, n.data());
            else coll::build_reduce_scatter(s, in_place(sbuf) ? nullptr : sbuf, rbuf, n.data());
        });
    });
}

template <class I>
int coll_gather(const char* fn, Form f, const void* sbuf, I scount, MPI_Datatype stype,
                void* rbuf, I rcount, MPI_Datatype rtype, int root, MPI_Comm comm,
                MPI_Info info, MPI_Request* req) {
    int me = -1, p = comm_size_or(comm, &me);
    bool sh = !in_place(sbuf) && has_holes(stype), rh = me == root && has_holes(rtype);
    if ((sh || rh) && p > 0) {
        if (f != Form::blocking) return holes_unsupported(comm, fn);
        return with_packed_sides(
            sh, sbuf, 1, scount, stype, rh, rbuf, p, rcount, rtype, in_place(sbuf),
            [&](const void* s2, MPI_Count sc, MPI_Datatype st, void* r2, MPI_Count rc,
                MPI_Datatype rtp) {
                return coll_gather<MPI_Count>(fn, f, s2, sc, st, r2, rc, rtp, root, comm, info, req);
            });
    }
    return call(comm, fn, [&] {
        rt::Comm* c = begin(comm, f, info, req);
        if (c->inter)
            return inter_gather(c, f, req, sbuf, static_cast<int64_t>(scount), stype, rbuf,
                                static_cast<int64_t>(rcount), rtype, root);
        check_root(*c, root);
        bool me_root = c->rank == root;
        uint64_t block = 0;
        if (me_root) {
            if (in_place(rbuf)) bad_arg("MPI_IN_PLACE is not allowed as the receive buffer");
            block = data_bytes(rbuf, rcount, rtype, "recvtype");
            if (!in_place(sbuf)) {
                uint64_t sb = data_bytes(sbuf, scount, stype, "sendtype");
                if (sb != block)
                    throw Error(MPI_ERR_TRUNCATE, "the root sends " + std::to_string(sb) +
                                                      " bytes to itself but receives blocks of " +
                                                      std::to_string(block));
            }
        } else {
            if (in_place(sbuf)) bad_arg("MPI_IN_PLACE is the send buffer of the root only");
            block = data_bytes(sbuf, scount, stype, "sendtype");
        }
        return launch(c, f, req, [&](Schedule& s) {
            coll::build_gather(s, in_place(sbuf) ? nullptr : sbuf, rbuf, block, root);
        });
    });
}

template <class I>
int coll_scatter(const char* fn, Form f, const void* sbuf, I scount, MPI_Datatype stype,
                 void* rbuf, I rcount, MPI_Datatype rtype, int root, MPI_Comm comm,
                 MPI_Info info, MPI_Request* req) {
    int me = -1, p = comm_size_or(comm, &me);
    bool sh = me == root && has_holes(stype), rh = !in_place(rbuf) && has_holes(rtype);
    if ((sh || rh) && p > 0) {
        if (f != Form::blocking) return holes_unsupported(comm, fn);
        return with_packed_sides(
            sh, sbuf, p, scount, stype, rh, rbuf, 1, rcount, rtype, false,
            [&](const void* s2, MPI_Count sc, MPI_Datatype st, void* r2, MPI_Count rc,
                MPI_Datatype rtp) {
                return coll_scatter<MPI_Count>(fn, f, s2, sc, st, r2, rc, rtp, root, comm, info, req);
            });
    }
    return call(comm, fn, [&] {
        rt::Comm* c = begin(comm, f, info, req);
        if (c->inter)
            return inter_scatter(c, f, req, sbuf, static_cast<int64_t>(scount), stype, rbuf,
                                 static_cast<int64_t>(rcount), rtype, root);
        check_root(*c, root);
        bool me_root = c->rank == root;
        uint64_t block = 0;
        if (me_root) {
            if (in_place(sbuf)) bad_arg("MPI_IN_PLACE is not allowed as the send buffer");
            block = data_bytes(sbuf, scount, stype, "sendtype");
            if (!in_place(rbuf)) {
                uint64_t rb = data_bytes(rbuf, rcount, rtype, "recvtype");
                if (rb != block)
                    throw Error(MPI_ERR_TRUNCATE, "the root sends blocks of " +
                                                      std::to_string(block) + " bytes but receives " +
                                                      std::to_string(rb));
            }
        } else {
            if (in_place(rbuf)) bad_arg("MPI_IN_PLACE is the receive buffer of the root only");
            block = data_bytes(rbuf, rcount, rtype, "recvtype");
        }
        return launch(c, f, req, [&](Schedule& s) {
            coll::build_scatter(s, sbuf, in_place(rbuf) ? nullptr : rbuf, block, root);
        });
    });
}

template <class I, class D>
int coll_gatherv(const char* fn, Form f, const void* sbuf, I scount, MPI_Datatype stype,
                 void* rbuf, const I rcounts[], const D displs[], MPI_Datatype rtype, int root,
                 MPI_Comm comm, MPI_Info info, MPI_Request* req) {
    return call(comm, fn, [&] {
        rt::Comm* c = begin(comm, f, info, req);
        std::vector<uint64_t> b, d;
        if (c->inter) {
            coll::InterRole role = inter_role(*c, root);
            uint64_t sb = 0;
            if (role == coll::InterRole::root) {
                inter_no_in_place(rbuf, "receive buffer");
                to_bytes(*c, rcounts, displs, rtype, "recvtype", "displs", b, d, "recvcounts");
            } else if (role == coll::InterRole::member) {
                inter_no_in_place(sbuf, "send buffer");
                sb = data_bytes(sbuf, scount, stype, "sendtype");
            }
            return launch(c, f, req, [&](Schedule& s) {
                coll::build_inter_gatherv(s, role, sbuf, sb, rbuf, b.data(), d.data(), root);
            });
        }
        check_root(*c, root);
        bool me_root = c->rank == root;
        uint64_t sb = 0;
        if (me_root) {
            if (in_place(rbuf)) bad_arg("MPI_IN_PLACE is not allowed as the receive buffer");
            to_bytes(*c, rcounts, displs, rtype, "recvtype", "displs", b, d,
                     "recvcounts");
            if (!in_place(sbuf)) sb = data_bytes(sbuf, scount, stype, "sendtype");
        } else {
            if (in_place(sbuf)) bad_arg("MPI_IN_PLACE is the send buffer of the root only");
            sb = data_bytes(sbuf, scount, stype, "sendtype");
        }
        return launch(c, f, req, [&](Schedule& s) {
            coll::build_gatherv(s, in_place(sbuf) ? nullptr : sbuf, sb, rbuf, b.data(), d.data(),
                                root);
        });
    });
}

template <class I, class D>
int coll_scatterv(const char* fn, Form f, const void* sbuf, const I scounts[],
                  const D displs[], MPI_Datatype stype, void* rbuf, I rcount,
                  MPI_Datatype rtype, int root, MPI_Comm comm, MPI_Info info,
                  MPI_Request* req) {
    return call(comm, fn, [&] {
        rt::Comm* c = begin(comm, f, info, req);
        std::vector<uint64_t> b, d;
        if (c->inter) {
            coll::InterRole role = inter_role(*c, root);
            uint64_t rb = 0;
            if (role == coll::InterRole::root) {
                inter_no_in_place(sbuf, "send buffer");
                to_bytes(*c, scounts, displs, stype, "sendtype", "displs", b, d, "sendcounts");
            } else if (role == coll::InterRole::member) {
                inter_no_in_place(rbuf, "receive buffer");
                rb = data_bytes(rbuf, rcount, rtype, "recvtype");
            }
            return launch(c, f, req, [&](Schedule& s) {
                coll::build_inter_scatterv(s, role, sbuf, b.data(), d.data(), rbuf, rb, root);
            });
        }
        check_root(*c, root);
        bool me_root = c->rank == root;
        uint64_t rb = 0;
        if (me_root) {
            if (in_place(sbuf)) bad_arg("MPI_IN_PLACE is not allowed as the send buffer");
            to_bytes(*c, scounts, displs, stype, "sendtype", "displs", b, d,
                     "sendcounts");
            if (!in_place(rbuf)) rb = data_bytes(rbuf, rcount, rtype, "recvtype");
        } else {
            if (in_place(rbuf)) bad_arg("MPI_IN_PLACE is the receive buffer of the root only");
            rb = data_bytes(rbuf, rcount, rtype, "recvtype");
        }
        return launch(c, f, req, [&](Schedule& s) {
            coll::build_scatterv(s, sbuf, b.data(), d.data(), in_place(rbuf) ? nullptr : rbuf,
                                 rb, root);
        });
    });
}

template <class I>
int coll_allgather(const char* fn, Form f, const void* sbuf, I scount, MPI_Datatype stype,
                   void* rbuf, I rcount, MPI_Datatype rtype, MPI_Comm comm, MPI_Info info,
                   MPI_Request* req) {
    int me = -1, p = comm_size_or(comm, &me);
    bool sh = !in_place(sbuf) && has_holes(stype), rh = has_holes(rtype);
    if ((sh || rh) && p > 0) {
        if (f != Form::blocking) return holes_unsupported(comm, fn);
        return with_packed_sides(
            sh, sbuf, 1, scount, stype, rh, rbuf, p, rcount, rtype, in_place(sbuf),
            [&](const void* s2, MPI_Count sc, MPI_Datatype st, void* r2, MPI_Count rc,
                MPI_Datatype rtp) {
                return coll_allgather<MPI_Count>(fn, f, s2, sc, st, r2, rc, rtp, comm, info, req);
            });
    }
    return call(comm, fn, [&] {
        rt::Comm* c = begin(comm, f, info, req);
        if (c->inter)
            return inter_allgather(c, f, req, sbuf, static_cast<int64_t>(scount), stype, rbuf,
                                   static_cast<int64_t>(rcount), rtype);
        if (in_place(rbuf)) bad_arg("MPI_IN_PLACE is not allowed as the receive buffer");
        uint64_t block = data_bytes(rbuf, rcount, rtype, "recvtype");
        if (!in_place(sbuf)) {
            uint64_t sb = data_bytes(sbuf, scount, stype, "sendtype");
            if (sb != block)
                throw Error(MPI_ERR_TRUNCATE, "this rank sends " + std::to_string(sb) +
                                                  " bytes but receives blocks of " +
                                                  std::to_string(block));
        }
        return launch(c, f, req, [&](Schedule& s) {
            coll::build_allgather(s, coll::select_allgather(c->size, block),
                                  in_place(sbuf) ? nullptr : sbuf, rbuf, block);
        });
    });
}

template <class I, class D>
int coll_allgatherv(const char* fn, Form f, const void* sbuf, I scount, MPI_Datatype stype,
                    void* rbuf, const I rcounts[], const D displs[], MPI_Datatype rtype,
                    MPI_Comm comm, MPI_Info info, MPI_Request* req) {
    return call(comm, fn, [&] {
        rt::Comm* c = begin(comm, f, info, req);
        if (in_place(rbuf)) bad_arg("MPI_IN_PLACE is not allowed as the receive buffer");
        std::vector<uint64_t> b, d;
        to_bytes(*c, rcounts, displs, rtype, "recvtype", "displs", b, d,
                 "recvcounts");
        if (c->inter) {  // blocks of the remote group in recv; this rank's block to each of them
            inter_no_in_place(sbuf, "send buffer");
            uint64_t sb = data_bytes(sbuf, scount, stype, "sendtype");
            return launch(c, f, req, [&](Schedule& s) {
                coll::build_inter_allgatherv(s, sbuf, sb, rbuf, b.data(), d.data());
            });
        }
        if (!in_place(sbuf)) {
            uint64_t sb = data_bytes(sbuf, scount, stype, "sendtype");
            if (sb != b[static_cast<size_t>(c->rank)])
                throw Error(MPI_ERR_TRUNCATE, "this rank sends " + std::to_string(sb) +
                                                  " bytes but recvcounts gives it " +
                                                  std::to_string(b[static_cast<size_t>(c->rank)]));
        }
        return launch(c, f, req, [&](Schedule& s) {
            coll::build_allgatherv(s, in_place(sbuf) ? nullptr : sbuf, rbuf, b.data(), d.data());
        });
    });
}

template <class I>
int coll_alltoall(const char* fn, Form f, const void* sbuf, I scount, MPI_Datatype stype,
                  void* rbuf, I rcount, MPI_Datatype rtype, MPI_Comm comm, MPI_Info info,
                  MPI_Request* req) {
    int me = -1, p = comm_size_or(comm, &me);
    bool sh = !in_place(sbuf) && has_holes(stype), rh = has_holes(rtype);
    if ((sh || rh) && p > 0) {
        if (f != Form::blocking) return holes_unsupported(comm, fn);
        return with_packed_sides(
            sh, sbuf, p, scount, stype, rh, rbuf, p, rcount, rtype, in_place(sbuf),
            [&](const void* s2, MPI_Count sc, MPI_Datatype st, void* r2, MPI_Count rc,
                MPI_Datatype rtp) {
                return coll_alltoall<MPI_Count>(fn, f, s2, sc, st, r2, rc, rtp, comm, info, req);
            });
    }
    return call(comm, fn, [&] {
        rt::Comm* c = begin(comm, f, info, req);
        if (c->inter)
            return inter_alltoall(c, f, req, sbuf, static_cast<int64_t>(scount), stype, rbuf,
                                  static_cast<int64_t>(rcount), rtype);
        if (in_place(rbuf)) bad_arg("MPI_IN_PLACE is not allowed as the receive buffer");
        uint64_t block = data_bytes(rbuf, rcount, rtype, "recvtype");
        if (!in_place(sbuf)) {
            uint64_t sb = data_bytes(sbuf, scount, stype, "sendtype");
            if (sb != block)
                throw Error(MPI_ERR_TRUNCATE, "this rank sends blocks of " + std::to_string(sb) +
                                                  " bytes but receives blocks of " +
                                                  std::to_string(block));
            no_alias(sbuf, rbuf, block);
        }
        return launch(c, f, req, [&](Schedule& s) {
            coll::build_alltoall(s, coll::select_alltoall(c->size, block),
                                 in_place(sbuf) ? nullptr : sbuf, rbuf, block);
        });
    });
}

template <class I, class D>
int coll_alltoallv(const char* fn, Form f, const void* sbuf, const I scounts[],
                   const D sdispls[], MPI_Datatype stype, void* rbuf, const I rcounts[],
                   const D rdispls[], MPI_Datatype rtype, MPI_Comm comm, MPI_Info info,
                   MPI_Request* req) {
    return call(comm, fn, [&] {
        rt::Comm* c = begin(comm, f, info, req);
        if (in_place(rbuf)) bad_arg("MPI_IN_PLACE is not allowed as the receive buffer");
        std::vector<uint64_t> rb, rd, sb, sd;
        to_bytes(*c, rcounts, rdispls, rtype, "recvtype", "rdispls", rb, rd,
                 "recvcounts");
        if (!in_place(sbuf)) {
            to_bytes(*c, scounts, sdispls, stype, "sendtype", "sdispls", sb, sd,
                     "sendcounts");
        }
        if (c->inter) {
            inter_no_in_place(sbuf, "send buffer");
            return launch(c, f, req, [&](Schedule& s) {
                coll::build_inter_alltoallv(s, sbuf, sb.data(), sd.data(), rbuf, rb.data(),
                                            rd.data());
            });
        }
        return launch(c, f, req, [&](Schedule& s) {
            coll::build_alltoallv(s, in_place(sbuf) ? nullptr : sbuf, sb.data(), sd.data(), rbuf,
                                  rb.data(), rd.data());
        });
    });
}

template <class I, class D>
int coll_alltoallw(const char* fn, Form f, const void* sbuf, const I scounts[],
                   const D sdispls[], const MPI_Datatype stypes[], void* rbuf,
                   const I rcounts[], const D rdispls[], const MPI_Datatype rtypes[],
                   MPI_Comm comm, MPI_Info info, MPI_Request* req) {
    return call(comm, fn, [&] {
        rt::Comm* c = begin(comm, f, info, req);
        if (in_place(rbuf)) bad_arg("MPI_IN_PLACE is not allowed as the receive buffer");
        auto convert = [&](const I* counts, const D* displs, const MPI_Datatype* types,
                           std::vector<uint64_t>& b, std::vector<uint64_t>& d, const char* what) {
            if (!counts || !displs || !types)
                throw Error(MPI_ERR_ARG, std::string(what) + ": an array is NULL");
            b.resize(static_cast<size_t>(c->peers()));  // intercommunicators: per remote rank
            d.resize(static_cast<size_t>(c->peers()));
            for (int i = 0; i < c->peers(); ++i) {
                const rt::Datatype* t = check_type(types[i], what);
                if (counts[i] < 0) bad_count(static_cast<int64_t>(counts[i]), what);
                b[static_cast<size_t>(i)] = message_bytes(t, static_cast<int64_t>(counts[i]));
                d[static_cast<size_t>(i)] = static_cast<uint64_t>(displs[i]);  // bytes
            }
        };
        std::vector<uint64_t> rb, rd, sb, sd;
        convert(rcounts, rdispls, rtypes, rb, rd, "recvtypes");
        if (!in_place(sbuf)) convert(scounts, sdispls, stypes, sb, sd, "sendtypes");
        if (c->inter) {
            inter_no_in_place(sbuf, "send buffer");
            return launch(c, f, req, [&](Schedule& s) {
                coll::build_inter_alltoallv(s, sbuf, sb.data(), sd.data(), rbuf, rb.data(),
                                            rd.data());
            });
        }
        return launch(c, f, req, [&](Schedule& s) {
            coll::build_alltoallv(s, in_place(sbuf) ? nullptr : sbuf, sb.data(), sd.data(), rbuf,
                                  rb.data(), rd.data());
        });
    });
}

// The instantiations the entry points use: int counts, and MPI_Count counts with MPI_Aint
// displacements (the _c variants).
#define EFAMPI_COLL_COUNTS(I)                                                                  \
    template int coll_bcast<I>(const char*, Form, void*, I, MPI_Datatype, int, MPI_Comm,        \
                               MPI_Info, MPI_Request*);                                         \
    template int coll_reduce<I>(const char*, Form, const void*, void*, I, MPI_Datatype, MPI_Op, \
                                int, MPI_Comm, MPI_Info, MPI_Request*);                         \
    template int coll_allreduce<I>(const char*, Form, const void*, void*, I, MPI_Datatype,      \
                                   MPI_Op, MPI_Comm, MPI_Info, MPI_Request*);                   \
    template int coll_scan<I>(const char*, Form, bool, const void*, void*, I, MPI_Datatype,     \
                              MPI_Op, MPI_Comm, MPI_Info, MPI_Request*);                        \
    template int coll_reduce_scatter_block<I>(const char*, Form, const void*, void*, I,         \
                                              MPI_Datatype, MPI_Op, MPI_Comm, MPI_Info,         \
                                              MPI_Request*);                                    \
    template int coll_reduce_scatter<I>(const char*, Form, const void*, void*, const I[],       \
                                        MPI_Datatype, MPI_Op, MPI_Comm, MPI_Info, MPI_Request*);\
    template int coll_gather<I>(const char*, Form, const void*, I, MPI_Datatype, void*, I,      \
                                MPI_Datatype, int, MPI_Comm, MPI_Info, MPI_Request*);           \
    template int coll_scatter<I>(const char*, Form, const void*, I, MPI_Datatype, void*, I,     \
                                 MPI_Datatype, int, MPI_Comm, MPI_Info, MPI_Request*);          \
    template int coll_allgather<I>(const char*, Form, const void*, I, MPI_Datatype, void*, I,   \
                                   MPI_Datatype, MPI_Comm, MPI_Info, MPI_Request*);             \
    template int coll_alltoall<I>(const char*, Form, const void*, I, MPI_Datatype, void*, I,    \
                                  MPI_Datatype, MPI_Comm, MPI_Info, MPI_Request*);
#define EFAMPI_COLL_VECTORS(I, D)                                                              \
    template int coll_gatherv<I, D>(const char*, Form, const void*, I, MPI_Datatype, void*,     \
                                    const I[], const D[], MPI_Datatype, int, MPI_Comm,          \
                                    MPI_Info, MPI_Request*);                                    \
    template int coll_scatterv<I, D>(const char*, Form, const void*, const I[], const D[],      \
                                     MPI_Datatype, void*, I, MPI_Datatype, int, MPI_Comm,       \
                                     MPI_Info, MPI_Request*);                                   \
    template int coll_allgatherv<I, D>(const char*, Form, const void*, I, MPI_Datatype, void*,  \
                                       const I[], const D[], MPI_Datatype, MPI_Comm, MPI_Info,  \
                                       MPI_Request*);                                           \
    template int coll_alltoallv<I, D>(const char*, Form, const void*, const I[], const D[],     \
                                      MPI_Datatype, void*, const I[], const D[], MPI_Datatype,  \
                                      MPI_Comm, MPI_Info, MPI_Request*);                        \
    template int coll_alltoallw<I, D>(const char*, Form, const void*, const I[], const D[],     \
                                      const MPI_Datatype[], void*, const I[], const D[],        \
                                      const MPI_Datatype[], MPI_Comm, MPI_Info, MPI_Request*);
EFAMPI_COLL_COUNTS(int)
EFAMPI_COLL_COUNTS(MPI_Count)
EFAMPI_COLL_VECTORS(int, int)
EFAMPI_COLL_VECTORS(MPI_Count, MPI_Aint)
#undef EFAMPI_COLL_COUNTS
#undef EFAMPI_COLL_VECTORS

}  // namespace efampi::api
