// The collectives' bodies: argument checks (the standard's rules for roots, counts, buffers
// and MPI_IN_PLACE), then a schedule built by the chosen algorithm (collectives/) and run
// blocking, started nonblocking, or kept for MPI_Start (persistent). A count of elements is
// count * extent bytes for dense types; any other (pair types included) is packed and
// unpacked by steps of the schedule (coll_pack.hpp).
#include "runtime/api/coll.hpp"
#include "runtime/api/coll_inter.hpp"
#include "runtime/api/coll_launch.hpp"

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

// A reduction on a derived type with holes, which runs on packed elements (extent = size): a
// user op through its wrapper (bound to the schedule by Packer::reduction); a predefined op
// on the type's one predefined base type, `per` base elements per element.
coll::Reduction holes_reduction(MPI_Op op, const rt::Datatype* d) {
    rt::Op* o = check_op(op);
    coll::Reduction red;
    red.extent = static_cast<uint64_t>(d->size);
    if (o->kind == rt::OpKind::user) {
        red.fn = user_op_on_packed;
        red.ctx = o;
        red.commutative = o->commutative;
        return red;
    }
    if (o->kind == rt::OpKind::replace || o->kind == rt::OpKind::no_op)
        throw Error(MPI_ERR_OP, std::string(o->name) +
                                    " is only for one-sided accumulate operations");
    int64_t per = 0;
    MPI_Datatype base = rt::uniform_base(*d, &per);
    rt::Kernel k = base != MPI_DATATYPE_NULL && per > 0 ? rt::op_kernel(o->kind, base) : nullptr;
    if (!k)
        throw Error(MPI_ERR_OP, std::string(o->name) + " is not defined for this derived datatype" +
                                    (base == MPI_DATATYPE_NULL
                                         ? " (its elements are not all one predefined type)"
                                         : ""));
    red.fn = kernel_tramp;
    red.ctx = reinterpret_cast<const void*>(k);
    red.ctx2 = reinterpret_cast<const void*>(static_cast<uintptr_t>(per));
    red.commutative = true;
    return red;
}

}  // namespace

coll::Reduction reduction(MPI_Op op, MPI_Datatype dt) {
    const rt::Datatype* d = check_type(dt);
    // A pair type with padding (MPI_DOUBLE_INT) is the same type on every rank of a reduction,
    // so it is reduced as it lies, padding included (Packer::reduction: not packed either).
    if (has_holes(d) && !d->predefined) return holes_reduction(op, d);
    rt::Reducer r = check_reduction(op, dt);
    coll::Reduction red;
    red.extent = static_cast<uint64_t>(d->extent);
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

// Per-rank blocks of a v form: block i is counts[i] elements of `dt` at displs[i] extents of
// it (checked: the type, the arrays, the counts); one per rank (intercommunicators: per remote
// rank).
// A block of a v/w buffer at `buf` (NULL: MPI_BOTTOM): refused when NULL and its data would
// touch address 0 (displacements then are absolute addresses; check.hpp check_data).
inline void check_block(const void* buf, const rt::Datatype* t, int64_t count, int64_t off,
                        const char* what, int i) {
    if (!buf && touches_address_zero(*t, count, off))
        throw Error(MPI_ERR_BUFFER, std::string("buffer is NULL (MPI_BOTTOM) but block ") +
                                        std::to_string(i) + " of " + what +
                                        " would lie at address 0");
}

template <class I, class D>
void v_blocks(const rt::Comm& c, const void* buf, const I* counts, const D* displs,
              MPI_Datatype dt, const char* type_name, const char* displs_name, const char* what,
              std::vector<UserBlock>& out) {
    const rt::Datatype* t = check_type(dt, type_name);
    if (!displs) throw Error(MPI_ERR_ARG, std::string(displs_name) + " array is NULL");
    if (!counts) throw Error(MPI_ERR_ARG, std::string(what) + " array is NULL");
    out.resize(static_cast<size_t>(c.peers()));
    for (int i = 0; i < c.peers(); ++i) {
        if (counts[i] < 0)
            throw Error(MPI_ERR_COUNT, std::string(what) + "[" + std::to_string(i) + "] = " +
                                           std::to_string(static_cast<int64_t>(counts[i])) +
                                           " is negative");
        wire_bytes(t, static_cast<int64_t>(counts[i]));  // size check
        int64_t off = static_cast<int64_t>(displs[i]) * t->extent;
        check_block(buf, t, static_cast<int64_t>(counts[i]), off, what, i);
        out[static_cast<size_t>(i)] = {t, static_cast<uint64_t>(counts[i]), off};
    }
}

// The blocks of a v/w side mapped for the algorithm (see Packer::blocks).
struct Mapped {
    void* base = nullptr;
    std::vector<uint64_t> bytes, displs;
    Mapped(Packer& pk, const void* buf, const std::vector<UserBlock>& b, bool load, bool store,
           long only = -1)
        : bytes(b.size()), displs(b.size()) {
        base = pk.blocks(buf, b.data(), b.size(), load, store, bytes.data(), displs.data(), only);
    }
};

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
    return call(comm, fn, [&] {
        rt::Comm* c = begin(comm, f, info, req);
        if (c->inter) return inter_bcast(c, f, req, buf, static_cast<int64_t>(count), dt, root);
        check_root(*c, root);
        if (in_place(buf)) bad_arg("MPI_IN_PLACE is not allowed in a broadcast");
        uint64_t n = data_bytes(buf, count, dt, "datatype");
        const rt::Datatype* d = rt::to_type(dt);
        bool me_root = c->rank == root;
        return launch(c, f, req, [&](Schedule& s) {
            Packer pk(s);
            auto k = static_cast<uint64_t>(count);
            void* b = pk.whole(d, buf, k, me_root, me_root ? 0 : k);
            pk.begin();
            coll::build_bcast(s, coll::select_bcast(c->size, n), b, n, root);
            pk.end();
        });
    });
}

template <class I>
int coll_reduce(const char* fn, Form f, const void* sbuf, void* rbuf, I count, MPI_Datatype dt,
                MPI_Op op, int root, MPI_Comm comm, MPI_Info info, MPI_Request* req) {
    return call(comm, fn, [&] {
        rt::Comm* c = begin(comm, f, info, req);
        if (c->inter)
            return inter_reduce(c, f, req, sbuf, rbuf, static_cast<int64_t>(count), dt, op, root);
        check_root(*c, root);
        coll::Reduction red = reduction(op, dt);
        const rt::Datatype* d = rt::to_type(dt);
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
            Packer pk(s);
            auto k = static_cast<uint64_t>(count);
            pk.reduction(red, d, dt, k);
            const void* in = in_place(sbuf) ? nullptr : pk.whole(d, sbuf, k, true, 0);
            void* out = me_root ? pk.whole(d, rbuf, k, in_place(sbuf), k) : nullptr;
            pk.begin();
            coll::build_reduce(s, coll::select_reduce(c->size, n, red.commutative), in, out, k,
                               root);
            pk.end();
        });
    });
}

template <class I>
int coll_allreduce(const char* fn, Form f, const void* sbuf, void* rbuf, I count,
                   MPI_Datatype dt, MPI_Op op, MPI_Comm comm, MPI_Info info, MPI_Request* req) {
    return call(comm, fn, [&] {
        rt::Comm* c = begin(comm, f, info, req);
        if (c->inter)
            return inter_allreduce(c, f, req, sbuf, rbuf, static_cast<int64_t>(count), dt, op);
        coll::Reduction red = reduction(op, dt);
        const rt::Datatype* d = rt::to_type(dt);
        if (in_place(rbuf)) bad_arg("MPI_IN_PLACE is not allowed as the receive buffer");
        uint64_t n = data_bytes(rbuf, count, dt, "datatype");
        if (!in_place(sbuf)) {
            data_bytes(sbuf, count, dt, "datatype");
            no_alias(sbuf, rbuf, n);
        }
        return launch(c, f, req, [&](Schedule& s) {
            Packer pk(s);
            auto k = static_cast<uint64_t>(count);
            pk.reduction(red, d, dt, k);
            const void* in = in_place(sbuf) ? nullptr : pk.whole(d, sbuf, k, true, 0);
            void* out = pk.whole(d, rbuf, k, in_place(sbuf), k);
            pk.begin();
            coll::build_allreduce(s, coll::select_allreduce(c->size, n, red.commutative), in, out,
                                  k);
            pk.end();
        });
    });
}

template <class I>
int coll_scan(const char* fn, Form f, bool exclusive, const void* sbuf, void* rbuf, I count,
              MPI_Datatype dt, MPI_Op op, MPI_Comm comm, MPI_Info info, MPI_Request* req) {
    return call(comm, fn, [&] {
        rt::Comm* c = begin(comm, f, info, req);
        if (c->inter) inter_undefined(fn);
        coll::Reduction red = reduction(op, dt);
        const rt::Datatype* d = rt::to_type(dt);
        if (in_place(rbuf)) bad_arg("MPI_IN_PLACE is not allowed as the receive buffer");
        uint64_t n = data_bytes(rbuf, count, dt, "datatype");
        if (!in_place(sbuf)) {
            data_bytes(sbuf, count, dt, "datatype");
            no_alias(sbuf, rbuf, n);
        }
        return launch(c, f, req, [&](Schedule& s) {
            Packer pk(s);
            auto k = static_cast<uint64_t>(count);
            pk.reduction(red, d, dt, k);
            const void* in = in_place(sbuf) ? nullptr : pk.whole(d, sbuf, k, true, 0);
            // Exscan leaves rank 0's receive buffer undefined: it is left alone.
            void* out = pk.whole(d, rbuf, k, in_place(sbuf), exclusive && c->rank == 0 ? 0 : k);
            pk.begin();
            coll::build_scan(s, in, out, k, exclusive);
            pk.end();
        });
    });
}

namespace {

// Reduce_scatter(_block) once the per-rank counts (elements of dt) are known: holed buffers
// packed by the schedule (the whole input; this rank's block of the output), then the
// algorithm.
int launch_reduce_scatter(rt::Comm* c, Form f, MPI_Request* req, const coll::Reduction& red,
                          MPI_Datatype dt, const void* sbuf, void* rbuf,
                          const std::vector<uint64_t>& counts) {
    const rt::Datatype* d = rt::to_type(dt);
    uint64_t total = 0;
    for (uint64_t k : counts) total += k;
    uint64_t mine = counts[static_cast<size_t>(c->rank)];
    return launch(c, f, req, [&](Schedule& s) {
        Packer pk(s);
        pk.reduction(red, d, dt, total);
        const void* in = in_place(sbuf) ? nullptr : pk.whole(d, sbuf, total, true, 0);
        void* out = pk.whole(d, rbuf, in_place(sbuf) ? total : mine, in_place(sbuf), mine);
        pk.begin();
        if (c->inter) coll::build_inter_reduce_scatter(s, in, out, counts.data());
        else coll::build_reduce_scatter(s, in, out, counts.data());
        pk.end();
    });
}

}  // namespace

template <class I>
int coll_reduce_scatter_block(const char* fn, Form f, const void* sbuf, void* rbuf, I count,
                              MPI_Datatype dt, MPI_Op op, MPI_Comm comm, MPI_Info info,
                              MPI_Request* req) {
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
        return launch_reduce_scatter(c, f, req, red, dt, sbuf, rbuf, counts);
    });
}

template <class I>
int coll_reduce_scatter(const char* fn, Form f, const void* sbuf, void* rbuf,
                        const I counts[], MPI_Datatype dt, MPI_Op op, MPI_Comm comm,
                        MPI_Info info, MPI_Request* req) {
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
        return launch_reduce_scatter(c, f, req, red, dt, sbuf, rbuf, n);
    });
}

template <class I>
int coll_gather(const char* fn, Form f, const void* sbuf, I scount, MPI_Datatype stype,
                void* rbuf, I rcount, MPI_Datatype rtype, int root, MPI_Comm comm,
                MPI_Info info, MPI_Request* req) {
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
            Packer pk(s);
            const void* in = in_place(sbuf) ? nullptr
                                            : pk.whole(rt::to_type(stype), sbuf,
                                                       static_cast<uint64_t>(scount), true, 0);
            void* out = rbuf;
            if (me_root) {
                uint64_t all = static_cast<uint64_t>(rcount) * static_cast<uint64_t>(c->size);
                out = pk.whole(rt::to_type(rtype), rbuf, all, in_place(sbuf), all);
            }
            pk.begin();
            coll::build_gather(s, in, out, block, root);
            pk.end();
        });
    });
}

template <class I>
int coll_scatter(const char* fn, Form f, const void* sbuf, I scount, MPI_Datatype stype,
                 void* rbuf, I rcount, MPI_Datatype rtype, int root, MPI_Comm comm,
                 MPI_Info info, MPI_Request* req) {
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
            Packer pk(s);
            const void* in = sbuf;
            if (me_root)
                in = pk.whole(rt::to_type(stype), sbuf,
                              static_cast<uint64_t>(scount) * static_cast<uint64_t>(c->size),
                              true, 0);
            void* out = nullptr;
            if (!in_place(rbuf)) {
                auto k = static_cast<uint64_t>(rcount);
                out = pk.whole(rt::to_type(rtype), rbuf, k, false, k);
            }
            pk.begin();
            coll::build_scatter(s, in, out, block, root);
            pk.end();
        });
    });
}

template <class I, class D>
int coll_gatherv(const char* fn, Form f, const void* sbuf, I scount, MPI_Datatype stype,
                 void* rbuf, const I rcounts[], const D displs[], MPI_Datatype rtype, int root,
                 MPI_Comm comm, MPI_Info info, MPI_Request* req) {
    return call(comm, fn, [&] {
        rt::Comm* c = begin(comm, f, info, req);
        std::vector<UserBlock> rb;
        uint64_t sb = 0;
        if (c->inter) {
            coll::InterRole role = inter_role(*c, root);
            if (role == coll::InterRole::root) {
                inter_no_in_place(rbuf, "receive buffer");
                v_blocks(*c, rbuf, rcounts, displs, rtype, "recvtype", "displs", "recvcounts", rb);
            } else if (role == coll::InterRole::member) {
                inter_no_in_place(sbuf, "send buffer");
                sb = data_bytes(sbuf, scount, stype, "sendtype");
            }
            return launch(c, f, req, [&](Schedule& s) {
                Packer pk(s);
                const void* in = sbuf;
                if (role == coll::InterRole::member)
                    in = pk.whole(rt::to_type(stype), sbuf, static_cast<uint64_t>(scount), true, 0);
                Mapped out(pk, rbuf, rb, false, true);
                pk.begin();
                coll::build_inter_gatherv(s, role, in, sb, out.base, out.bytes.data(),
                                          out.displs.data(), root);
                pk.end();
            });
        }
        check_root(*c, root);
        bool me_root = c->rank == root;
        if (me_root) {
            if (in_place(rbuf)) bad_arg("MPI_IN_PLACE is not allowed as the receive buffer");
            v_blocks(*c, rbuf, rcounts, displs, rtype, "recvtype", "displs", "recvcounts", rb);
            if (!in_place(sbuf)) sb = data_bytes(sbuf, scount, stype, "sendtype");
        } else {
            if (in_place(sbuf)) bad_arg("MPI_IN_PLACE is the send buffer of the root only");
            sb = data_bytes(sbuf, scount, stype, "sendtype");
        }
        return launch(c, f, req, [&](Schedule& s) {
            Packer pk(s);
            const void* in = in_place(sbuf) ? nullptr
                                            : pk.whole(rt::to_type(stype), sbuf,
                                                       static_cast<uint64_t>(scount), true, 0);
            // In place: the root's own block is in the receive buffer already.
            Mapped out(pk, rbuf, rb, in_place(sbuf), true, c->rank);
            pk.begin();
            coll::build_gatherv(s, in, sb, out.base, out.bytes.data(), out.displs.data(), root);
            pk.end();
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
        std::vector<UserBlock> sbl;
        uint64_t rb = 0;
        if (c->inter) {
            coll::InterRole role = inter_role(*c, root);
            if (role == coll::InterRole::root) {
                inter_no_in_place(sbuf, "send buffer");
                v_blocks(*c, sbuf, scounts, displs, stype, "sendtype", "displs", "sendcounts", sbl);
            } else if (role == coll::InterRole::member) {
                inter_no_in_place(rbuf, "receive buffer");
                rb = data_bytes(rbuf, rcount, rtype, "recvtype");
            }
            return launch(c, f, req, [&](Schedule& s) {
                Packer pk(s);
                Mapped in(pk, sbuf, sbl, true, false);
                void* out = rbuf;
                if (role == coll::InterRole::member) {
                    auto k = static_cast<uint64_t>(rcount);
                    out = pk.whole(rt::to_type(rtype), rbuf, k, false, k);
                }
                pk.begin();
                coll::build_inter_scatterv(s, role, in.base, in.bytes.data(), in.displs.data(),
                                           out, rb, root);
                pk.end();
            });
        }
        check_root(*c, root);
        bool me_root = c->rank == root;
        if (me_root) {
            if (in_place(sbuf)) bad_arg("MPI_IN_PLACE is not allowed as the send buffer");
            v_blocks(*c, sbuf, scounts, displs, stype, "sendtype", "displs", "sendcounts", sbl);
            if (!in_place(rbuf)) rb = data_bytes(rbuf, rcount, rtype, "recvtype");
        } else {
            if (in_place(rbuf)) bad_arg("MPI_IN_PLACE is the receive buffer of the root only");
            rb = data_bytes(rbuf, rcount, rtype, "recvtype");
        }
        return launch(c, f, req, [&](Schedule& s) {
            Packer pk(s);
            Mapped in(pk, sbuf, sbl, true, false);
            void* out = nullptr;
            if (!in_place(rbuf)) {
                auto k = static_cast<uint64_t>(rcount);
                out = pk.whole(rt::to_type(rtype), rbuf, k, false, k);
            }
            pk.begin();
            coll::build_scatterv(s, in.base, in.bytes.data(), in.displs.data(), out, rb, root);
            pk.end();
        });
    });
}

template <class I>
int coll_allgather(const char* fn, Form f, const void* sbuf, I scount, MPI_Datatype stype,
                   void* rbuf, I rcount, MPI_Datatype rtype, MPI_Comm comm, MPI_Info info,
                   MPI_Request* req) {
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
            Packer pk(s);
            const void* in = in_place(sbuf) ? nullptr
                                            : pk.whole(rt::to_type(stype), sbuf,
                                                       static_cast<uint64_t>(scount), true, 0);
            uint64_t all = static_cast<uint64_t>(rcount) * static_cast<uint64_t>(c->size);
            void* out = pk.whole(rt::to_type(rtype), rbuf, all, in_place(sbuf), all);
            pk.begin();
            coll::build_allgather(s, coll::select_allgather(c->size, block), in, out, block);
            pk.end();
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
        std::vector<UserBlock> rb;
        v_blocks(*c, rbuf, rcounts, displs, rtype, "recvtype", "displs", "recvcounts", rb);
        if (c->inter) {  // blocks of the remote group in recv; this rank's block to each of them
            inter_no_in_place(sbuf, "send buffer");
            uint64_t sb = data_bytes(sbuf, scount, stype, "sendtype");
            return launch(c, f, req, [&](Schedule& s) {
                Packer pk(s);
                const void* in =
                    pk.whole(rt::to_type(stype), sbuf, static_cast<uint64_t>(scount), true, 0);
                Mapped out(pk, rbuf, rb, false, true);
                pk.begin();
                coll::build_inter_allgatherv(s, in, sb, out.base, out.bytes.data(),
                                             out.displs.data());
                pk.end();
            });
        }
        if (!in_place(sbuf)) {
            uint64_t sb = data_bytes(sbuf, scount, stype, "sendtype");
            uint64_t mine = wire_bytes(rb[static_cast<size_t>(c->rank)].d,
                                       static_cast<int64_t>(rb[static_cast<size_t>(c->rank)].count));
            if (sb != mine)
                throw Error(MPI_ERR_TRUNCATE, "this rank sends " + std::to_string(sb) +
                                                  " bytes but recvcounts gives it " +
                                                  std::to_string(mine));
        }
        return launch(c, f, req, [&](Schedule& s) {
            Packer pk(s);
            const void* in = in_place(sbuf) ? nullptr
                                            : pk.whole(rt::to_type(stype), sbuf,
                                                       static_cast<uint64_t>(scount), true, 0);
            Mapped out(pk, rbuf, rb, in_place(sbuf), true, c->rank);
            pk.begin();
            coll::build_allgatherv(s, in, out.base, out.bytes.data(), out.displs.data());
            pk.end();
        });
    });
}

template <class I>
int coll_alltoall(const char* fn, Form f, const void* sbuf, I scount, MPI_Datatype stype,
                  void* rbuf, I rcount, MPI_Datatype rtype, MPI_Comm comm, MPI_Info info,
                  MPI_Request* req) {
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
            Packer pk(s);
            auto p = static_cast<uint64_t>(c->size);
            const void* in = in_place(sbuf) ? nullptr
                                            : pk.whole(rt::to_type(stype), sbuf,
                                                       static_cast<uint64_t>(scount) * p, true, 0);
            uint64_t all = static_cast<uint64_t>(rcount) * p;
            void* out = pk.whole(rt::to_type(rtype), rbuf, all, in_place(sbuf), all);
            pk.begin();
            coll::build_alltoall(s, coll::select_alltoall(c->size, block), in, out, block);
            pk.end();
        });
    });
}

namespace {

// Alltoallv and Alltoallw once their blocks are known (per-peer type, count, displacement in
// bytes): holed blocks packed by the schedule, then the direct exchange.
int launch_alltoallv(rt::Comm* c, Form f, MPI_Request* req, const void* sbuf,
                     const std::vector<UserBlock>& sb, void* rbuf, const std::vector<UserBlock>& rb) {
    return launch(c, f, req, [&](Schedule& s) {
        Packer pk(s);
        Mapped in(pk, sbuf, sb, true, false);
        Mapped out(pk, rbuf, rb, in_place(sbuf), true);
        pk.begin();
        if (c->inter)
            coll::build_inter_alltoallv(s, in.base, in.bytes.data(), in.displs.data(),
                                        out.base, out.bytes.data(), out.displs.data());
        else
            coll::build_alltoallv(s, in_place(sbuf) ? nullptr : in.base, in.bytes.data(),
                                  in.displs.data(), out.base, out.bytes.data(),
                                  out.displs.data());
        pk.end();
    });
}

}  // namespace

template <class I, class D>
int coll_alltoallv(const char* fn, Form f, const void* sbuf, const I scounts[],
                   const D sdispls[], MPI_Datatype stype, void* rbuf, const I rcounts[],
                   const D rdispls[], MPI_Datatype rtype, MPI_Comm comm, MPI_Info info,
                   MPI_Request* req) {
    return call(comm, fn, [&] {
        rt::Comm* c = begin(comm, f, info, req);
        if (in_place(rbuf)) bad_arg("MPI_IN_PLACE is not allowed as the receive buffer");
        std::vector<UserBlock> rb, sb;
        v_blocks(*c, rbuf, rcounts, rdispls, rtype, "recvtype", "rdispls", "recvcounts", rb);
        if (!in_place(sbuf))
            v_blocks(*c, sbuf, scounts, sdispls, stype, "sendtype", "sdispls", "sendcounts", sb);
        if (c->inter) inter_no_in_place(sbuf, "send buffer");
        return launch_alltoallv(c, f, req, sbuf, sb, rbuf, rb);
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
        auto convert = [&](const void* buf, const I* counts, const D* displs,
                           const MPI_Datatype* types, std::vector<UserBlock>& b,
                           const char* what) {
            if (!counts || !displs || !types)
                throw Error(MPI_ERR_ARG, std::string(what) + ": an array is NULL");
            b.resize(static_cast<size_t>(c->peers()));  // intercommunicators: per remote rank
            for (int i = 0; i < c->peers(); ++i) {
                const rt::Datatype* t = check_type(types[i], what);
                if (counts[i] < 0) bad_count(static_cast<int64_t>(counts[i]), what);
                wire_bytes(t, static_cast<int64_t>(counts[i]));  // size check
                check_block(buf, t, static_cast<int64_t>(counts[i]),
                            static_cast<int64_t>(displs[i]), what, i);
                b[static_cast<size_t>(i)] = {t, static_cast<uint64_t>(counts[i]),
                                             static_cast<int64_t>(displs[i])};  // bytes
            }
        };
        std::vector<UserBlock> rb, sb;
        convert(rbuf, rcounts, rdispls, rtypes, rb, "recvtypes");
        if (!in_place(sbuf)) convert(sbuf, scounts, sdispls, stypes, sb, "sendtypes");
        if (c->inter) inter_no_in_place(sbuf, "send buffer");
        return launch_alltoallv(c, f, req, sbuf, sb, rbuf, rb);
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
