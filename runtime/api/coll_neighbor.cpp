// Neighbourhood collectives: the neighbours come from the communicator's topology (in the
// standard's order, rt::Topology::neighbours); MPI_PROC_NULL neighbours exchange nothing and
// leave their receive block alone. Every message goes in one round (collectives/neighbor.cpp).
//
// Ordering: all messages of one collective share a tag, so two messages between the same pair
// of ranks match in the order they are posted. On a Cartesian communicator a periodic
// dimension of size 1 or 2 makes the -1 and +1 neighbours the same rank; the block sent to the
// +1 neighbour must land in that rank's "from -1" block, so sends go +1 first, then -1, while
// receives are posted -1 first. Graphs post in edge order on both sides (the standard's rule
// for repeated edges).
#include <string>
#include <vector>

#include "collectives/algorithms.hpp"
#include "runtime/api/call.hpp"
#include "runtime/api/coll.hpp"
#include "runtime/api/coll_launch.hpp"

namespace efampi::api {

namespace {

struct Hood {
    std::vector<int> in, out;
    bool cart = false;
};

Hood hood_of(const rt::Comm& c) {
    if (!c.topo)
        throw Error(MPI_ERR_TOPOLOGY,
                    "the communicator has no virtual topology (neighbourhood collectives need a "
                    "Cartesian, graph or distributed-graph communicator)");
    Hood h;
    c.topo->neighbours(c.rank, h.in, h.out);
    h.cart = c.topo->kind == MPI_CART;
    return h;
}

// Receives into block i (bytes rbytes[i] at rdispls[i] of rbase) from in-neighbour i, sends of
// block j (of sbase) to out-neighbour j, in the posting order described above; PROC_NULL
// skipped.
void build(Schedule& s, const Hood& h, const uint8_t* rbase, const uint64_t* rbytes,
           const uint64_t* rdispls, const uint8_t* sbase, const uint64_t* sbytes,
           const uint64_t* sdispls) {
    std::vector<coll::Transfer> recvs, sends;
    for (size_t i = 0; i < h.in.size(); ++i)
        if (h.in[i] != MPI_PROC_NULL)
            recvs.push_back({h.in[i], const_cast<uint8_t*>(rbase) + rdispls[i], rbytes[i]});
    auto add_send = [&](size_t j) {
        if (h.out[j] == MPI_PROC_NULL) return;
        sends.push_back({h.out[j], const_cast<uint8_t*>(sbase) + sdispls[j], sbytes[j]});
    };
    if (h.cart) {
        for (size_t d = 0; d + 1 < h.out.size(); d += 2) {
            add_send(d + 1);
            add_send(d);
        }
    } else {
        for (size_t j = 0; j < h.out.size(); ++j) add_send(j);
    }
    coll::build_neighbor(s, recvs.data(), recvs.size(), sends.data(), sends.size());
}

void no_in_place(const void* sbuf, const void* rbuf) {
    if (in_place(sbuf) || in_place(rbuf))
        bad_arg("MPI_IN_PLACE is not allowed in neighbourhood collectives");
}

template <class I>
void check_counts(const I* counts, size_t n, const char* what) {
    if (n && !counts) throw Error(MPI_ERR_ARG, std::string(what) + " array is NULL");
    for (size_t i = 0; i < n; ++i)
        if (counts[i] < 0)
            throw Error(MPI_ERR_COUNT, std::string(what) + "[" + std::to_string(i) + "] is negative");
}

// Blocks of one side (one per neighbour; a PROC_NULL neighbour's block is empty, so it is
// neither sent nor written), and the side mapped for the algorithm (Packer::blocks).
struct Side {
    std::vector<UserBlock> blocks;
    std::vector<uint64_t> bytes, displs;
    const uint8_t* base = nullptr;
    bool same = false;  // every block is the same data (allgather's send): packed once
    void add(const std::vector<int>& nb, size_t i, const rt::Datatype* d, int64_t count,
             int64_t off) {
        wire_bytes(d, count);  // size check
        blocks.push_back({d, nb[i] == MPI_PROC_NULL ? 0 : static_cast<uint64_t>(count), off});
    }
    void map(Packer& pk, const void* buf, bool load, bool store) {
        bytes.resize(blocks.size());
        displs.resize(blocks.size());
        if (same && !blocks.empty()) {
            const UserBlock& b = blocks.front();
            uint64_t count = 0;  // PROC_NULL neighbours have empty blocks
            for (const UserBlock& x : blocks) count = x.count > count ? x.count : count;
            base = static_cast<const uint8_t*>(pk.whole(b.d, buf, count, load, 0));
            for (size_t i = 0; i < blocks.size(); ++i) {
                bytes[i] = wire_bytes(b.d, static_cast<int64_t>(blocks[i].count));
                displs[i] = 0;
            }
            return;
        }
        base = static_cast<const uint8_t*>(
            pk.blocks(buf, blocks.data(), blocks.size(), load, store, bytes.data(), displs.data()));
    }
};

// A NULL buffer (MPI_BOTTOM) is legal when no block's data lies at address 0 (the
// displacements are then absolute addresses; check.hpp check_data).
void check_side(const void* buf, const Side& side, const char* what) {
    if (buf) return;
    for (size_t i = 0; i < side.blocks.size(); ++i) {
        const UserBlock& b = side.blocks[i];
        if (touches_address_zero(*b.d, static_cast<int64_t>(b.count), b.off))
            throw Error(MPI_ERR_BUFFER, std::string(what) + " is NULL (MPI_BOTTOM) but block " +
                                            std::to_string(i) + " would lie at address 0");
    }
}

// The launch every neighbourhood collective ends with: both sides mapped, one round. The
// buffers are checked first, before the collective takes its tag.
int run(rt::Comm* c, Form f, MPI_Request* req, const Hood& h, const void* sbuf, Side& snd,
        void* rbuf, Side& rcv) {
    check_side(sbuf, snd, "sendbuf");
    check_side(rbuf, rcv, "recvbuf");
    return launch(c, f, req, [&](Schedule& s) {
        Packer pk(s);
        snd.map(pk, sbuf, true, false);
        rcv.map(pk, rbuf, false, true);
        pk.begin();
        build(s, h, rcv.base, rcv.bytes.data(), rcv.displs.data(), snd.base, snd.bytes.data(),
              snd.displs.data());
        pk.end();
    });
}

}  // namespace

template <class I>
int coll_neighbor_allgather(const char* fn, Form f, const void* sbuf, I scount,
                            MPI_Datatype stype, void* rbuf, I rcount, MPI_Datatype rtype,
                            MPI_Comm comm, MPI_Info info, MPI_Request* req) {
    return call(comm, fn, [&] {
        rt::Comm* c = begin(comm, f, info, req);
        Hood h = hood_of(*c);
        no_in_place(sbuf, rbuf);
        data_bytes(sbuf, scount, stype, "sendtype");
        data_bytes(rbuf, rcount, rtype, "recvtype");
        const rt::Datatype* sd = rt::to_type(stype);
        const rt::Datatype* rd = rt::to_type(rtype);
        Side snd, rcv;
        snd.same = true;  // the same block to every out-neighbour
        for (size_t j = 0; j < h.out.size(); ++j) snd.add(h.out, j, sd, scount, 0);
        for (size_t i = 0; i < h.in.size(); ++i)
            rcv.add(h.in, i, rd, rcount, static_cast<int64_t>(i) * rcount * rd->extent);
        return run(c, f, req, h, sbuf, snd, rbuf, rcv);
    });
}

template <class I, class D>
int coll_neighbor_allgatherv(const char* fn, Form f, const void* sbuf, I scount,
                             MPI_Datatype stype, void* rbuf, const I rcounts[], const D displs[],
                             MPI_Datatype rtype, MPI_Comm comm, MPI_Info info, MPI_Request* req) {
    return call(comm, fn, [&] {
        rt::Comm* c = begin(comm, f, info, req);
        Hood h = hood_of(*c);
        no_in_place(sbuf, rbuf);
        data_bytes(sbuf, scount, stype, "sendtype");
        const rt::Datatype* sd = rt::to_type(stype);
        const rt::Datatype* rd = check_type(rtype, "recvtype");
        check_counts(rcounts, h.in.size(), "recvcounts");
        if (!h.in.empty() && !displs) bad_arg("displs array is NULL");
        Side snd, rcv;
        snd.same = true;
        for (size_t j = 0; j < h.out.size(); ++j) snd.add(h.out, j, sd, scount, 0);
        for (size_t i = 0; i < h.in.size(); ++i)
            rcv.add(h.in, i, rd, static_cast<int64_t>(rcounts[i]),
                    static_cast<int64_t>(displs[i]) * rd->extent);
        return run(c, f, req, h, sbuf, snd, rbuf, rcv);
    });
}

template <class I>
int coll_neighbor_alltoall(const char* fn, Form f, const void* sbuf, I scount,
                           MPI_Datatype stype, void* rbuf, I rcount, MPI_Datatype rtype,
                           MPI_Comm comm, MPI_Info info, MPI_Request* req) {
    return call(comm, fn, [&] {
        rt::Comm* c = begin(comm, f, info, req);
        Hood h = hood_of(*c);
        no_in_place(sbuf, rbuf);
        data_bytes(sbuf, scount, stype, "sendtype");
        data_bytes(rbuf, rcount, rtype, "recvtype");
        const rt::Datatype* sd = rt::to_type(stype);
        const rt::Datatype* rd = rt::to_type(rtype);
        Side snd, rcv;
        for (size_t j = 0; j < h.out.size(); ++j)
            snd.add(h.out, j, sd, scount, static_cast<int64_t>(j) * scount * sd->extent);
        for (size_t i = 0; i < h.in.size(); ++i)
            rcv.add(h.in, i, rd, rcount, static_cast<int64_t>(i) * rcount * rd->extent);
        return run(c, f, req, h, sbuf, snd, rbuf, rcv);
    });
}

template <class I, class D>
int coll_neighbor_alltoallv(const char* fn, Form f, const void* sbuf, const I scounts[],
                            const D sdispls[], MPI_Datatype stype, void* rbuf, const I rcounts[],
                            const D rdispls[], MPI_Datatype rtype, MPI_Comm comm, MPI_Info info,
                            MPI_Request* req) {
    return call(comm, fn, [&] {
        rt::Comm* c = begin(comm, f, info, req);
        Hood h = hood_of(*c);
        no_in_place(sbuf, rbuf);
        const rt::Datatype* sd = check_type(stype, "sendtype");
        const rt::Datatype* rd = check_type(rtype, "recvtype");
        check_counts(scounts, h.out.size(), "sendcounts");
        check_counts(rcounts, h.in.size(), "recvcounts");
        if ((!h.out.empty() && !sdispls) || (!h.in.empty() && !rdispls))
            bad_arg("a displacement array is NULL");
        Side snd, rcv;
        for (size_t j = 0; j < h.out.size(); ++j)
            snd.add(h.out, j, sd, static_cast<int64_t>(scounts[j]),
                    static_cast<int64_t>(sdispls[j]) * sd->extent);
        for (size_t i = 0; i < h.in.size(); ++i)
            rcv.add(h.in, i, rd, static_cast<int64_t>(rcounts[i]),
                    static_cast<int64_t>(rdispls[i]) * rd->extent);
        return run(c, f, req, h, sbuf, snd, rbuf, rcv);
    });
}

template <class I>
int coll_neighbor_alltoallw(const char* fn, Form f, const void* sbuf, const I scounts[],
                            const MPI_Aint sdispls[], const MPI_Datatype stypes[], void* rbuf,
                            const I rcounts[], const MPI_Aint rdispls[],
                            const MPI_Datatype rtypes[], MPI_Comm comm, MPI_Info info,
                            MPI_Request* req) {
    return call(comm, fn, [&] {
        rt::Comm* c = begin(comm, f, info, req);
        Hood h = hood_of(*c);
        no_in_place(sbuf, rbuf);
        check_counts(scounts, h.out.size(), "sendcounts");
        check_counts(rcounts, h.in.size(), "recvcounts");
        if ((!h.out.empty() && (!sdispls || !stypes)) || (!h.in.empty() && (!rdispls || !rtypes)))
            bad_arg("a displacement or type array is NULL");
        Side snd, rcv;
        for (size_t j = 0; j < h.out.size(); ++j)
            snd.add(h.out, j, check_type(stypes[j], "sendtypes"),
                    static_cast<int64_t>(scounts[j]), static_cast<int64_t>(sdispls[j]));
        for (size_t i = 0; i < h.in.size(); ++i)
            rcv.add(h.in, i, check_type(rtypes[i], "recvtypes"),
                    static_cast<int64_t>(rcounts[i]), static_cast<int64_t>(rdispls[i]));
        return run(c, f, req, h, sbuf, snd, rbuf, rcv);
    });
}

template int coll_neighbor_allgather<int>(const char*, Form, const void*, int, MPI_Datatype, void*, int, MPI_Datatype, MPI_Comm, MPI_Info, MPI_Request*);
template int coll_neighbor_allgather<MPI_Count>(const char*, Form, const void*, MPI_Count, MPI_Datatype, void*, MPI_Count, MPI_Datatype, MPI_Comm, MPI_Info, MPI_Request*);
template int coll_neighbor_allgatherv<int, int>(const char*, Form, const void*, int, MPI_Datatype, void*, const int[], const int[], MPI_Datatype, MPI_Comm, MPI_Info, MPI_Request*);
template int coll_neighbor_allgatherv<MPI_Count, MPI_Aint>(const char*, Form, const void*, MPI_Count, MPI_Datatype, void*, const MPI_Count[], const MPI_Aint[], MPI_Datatype, MPI_Comm, MPI_Info, MPI_Request*);
template int coll_neighbor_alltoall<int>(const char*, Form, const void*, int, MPI_Datatype, void*, int, MPI_Datatype, MPI_Comm, MPI_Info, MPI_Request*);
template int coll_neighbor_alltoall<MPI_Count>(const char*, Form, const void*, MPI_Count, MPI_Datatype, void*, MPI_Count, MPI_Datatype, MPI_Comm, MPI_Info, MPI_Request*);
template int coll_neighbor_alltoallv<int, int>(const char*, Form, const void*, const int[], const int[], MPI_Datatype, void*, const int[], const int[], MPI_Datatype, MPI_Comm, MPI_Info, MPI_Request*);
template int coll_neighbor_alltoallv<MPI_Count, MPI_Aint>(const char*, Form, const void*, const MPI_Count[], const MPI_Aint[], MPI_Datatype, void*, const MPI_Count[], const MPI_Aint[], MPI_Datatype, MPI_Comm, MPI_Info, MPI_Request*);
template int coll_neighbor_alltoallw<int>(const char*, Form, const void*, const int[], const MPI_Aint[], const MPI_Datatype[], void*, const int[], const MPI_Aint[], const MPI_Datatype[], MPI_Comm, MPI_Info, MPI_Request*);
template int coll_neighbor_alltoallw<MPI_Count>(const char*, Form, const void*, const MPI_Count[], const MPI_Aint[], const MPI_Datatype[], void*, const MPI_Count[], const MPI_Aint[], const MPI_Datatype[], MPI_Comm, MPI_Info, MPI_Request*);

}  // namespace efampi::api
