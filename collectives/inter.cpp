// Intercommunicator collectives: compositions of the intracommunicator algorithms within each
// group with a few messages between the groups' leaders (rank 0 of each group) or, for
// alltoall, between every pair. Steps with the other group are `remote` (the executor maps them
// to the remote group and gives them their own tag). Buffers of the composition live in the
// schedule's aux block, so the algorithms called keep their scratch.
#include "collectives/algorithms.hpp"
#include "collectives/select.hpp"

#include <vector>

namespace efampi::coll {

void build_inter_barrier(Schedule& s) {
    // Everyone here arrived (local barrier), the leaders tell each other so, and each leader
    // lets its group go: nobody leaves before every member of both groups arrived.
    build_barrier(s);
    if (s.view().rank == 0) {
        s.recv_remote(0, nullptr, 0);
        s.send_remote(0, nullptr, 0);
    }
    s.end_round();
    build_bcast(s, BcastAlg::binomial, nullptr, 0, 0);
}

void build_inter_bcast(Schedule& s, InterRole role, void* buf, uint64_t bytes, int root) {
    if (role == InterRole::idle) return;
    if (role == InterRole::root) {
        s.send_remote(0, buf, bytes);
        s.end_round();
        return;
    }
    if (s.view().rank == 0) {
        s.recv_remote(root, buf, bytes);
        s.end_round();
    }
    build_bcast(s, select_bcast(s.view().size, bytes), buf, bytes, 0);
}

void build_inter_reduce(Schedule& s, InterRole role, const void* send, void* recv,
                        uint64_t count, int root) {
    if (role == InterRole::idle) return;
    uint64_t bytes = count * s.reduction.extent;
    if (role == InterRole::root) {
        s.recv_remote(0, recv, bytes);
        s.end_round();
        return;
    }
    // The group's reduction at its leader, which hands it to the root.
    uint8_t* acc = s.view().rank == 0 ? s.aux(bytes) : nullptr;
    build_reduce(s, select_reduce(s.view().size, bytes, s.reduction.commutative), send, acc,
                 count, 0);
    if (s.view().rank == 0) {
        s.send_remote(root, acc, bytes);
        s.end_round();
    }
}

void build_inter_allreduce(Schedule& s, const void* send, void* recv, uint64_t count) {
    // Each group reduces at its leader; the leaders swap; each group gets the other's result.
    uint64_t bytes = count * s.reduction.extent;
    uint8_t* acc = s.view().rank == 0 ? s.aux(bytes) : nullptr;
    build_reduce(s, select_reduce(s.view().size, bytes, s.reduction.commutative), send, acc,
                 count, 0);
    if (s.view().rank == 0) {
        s.recv_remote(0, recv, bytes);
        s.send_remote(0, acc, bytes);
        s.end_round();
    }
    build_bcast(s, select_bcast(s.view().size, bytes), recv, bytes, 0);
}

void build_inter_gather(Schedule& s, InterRole role, const void* send, void* recv,
                        uint64_t bytes, int root) {
    if (role == InterRole::idle) return;
    int p = s.view().size;
    if (role == InterRole::root) {
        s.recv_remote(0, recv, static_cast<uint64_t>(s.view().remote_size) * bytes);
        s.end_round();
        return;
    }
    uint64_t all = static_cast<uint64_t>(p) * bytes;
    uint8_t* blocks = s.view().rank == 0 ? s.aux(all) : nullptr;
    build_gather(s, send, blocks, bytes, 0);
    if (s.view().rank == 0) {
        s.send_remote(root, blocks, all);
        s.end_round();
    }
}

void build_inter_scatter(Schedule& s, InterRole role, const void* send, void* recv,
                         uint64_t bytes, int root) {
    if (role == InterRole::idle) return;
    int p = s.view().size;
    if (role == InterRole::root) {
        s.send_remote(0, send, static_cast<uint64_t>(s.view().remote_size) * bytes);
        s.end_round();
        return;
    }
    uint64_t all = static_cast<uint64_t>(p) * bytes;
    uint8_t* blocks = s.view().rank == 0 ? s.aux(all) : nullptr;
    if (s.view().rank == 0) {
        s.recv_remote(root, blocks, all);
        s.end_round();
    }
    build_scatter(s, blocks, recv, bytes, 0);
}

void build_inter_allgather(Schedule& s, const void* send, uint64_t sbytes, void* recv,
                           uint64_t rbytes) {
    // Each group gathers at its leader; the leaders swap; each group broadcasts the other's.
    const CommView& v = s.view();
    uint64_t mine = static_cast<uint64_t>(v.size) * sbytes;
    uint64_t theirs = static_cast<uint64_t>(v.remote_size) * rbytes;
    uint8_t* blocks = v.rank == 0 ? s.aux(mine) : nullptr;
    build_gather(s, send, blocks, sbytes, 0);
    if (v.rank == 0) {
        s.recv_remote(0, recv, theirs);
        s.send_remote(0, blocks, mine);
        s.end_round();
    }
    build_bcast(s, select_bcast(v.size, theirs), recv, theirs, 0);
}

void build_inter_alltoall(Schedule& s, const void* send, uint64_t sbytes, void* recv,
                          uint64_t rbytes) {
    // Block j goes to remote rank j; block j of recv comes from remote rank j.
    int q = s.view().remote_size;
    for (int j = 0; j < q; ++j)
        s.recv_remote(j, static_cast<uint8_t*>(recv) + static_cast<uint64_t>(j) * rbytes, rbytes);
    for (int j = 0; j < q; ++j)
        s.send_remote(j, static_cast<const uint8_t*>(send) + static_cast<uint64_t>(j) * sbytes,
                      sbytes);
    s.end_round();
}

void build_inter_reduce_scatter(Schedule& s, const void* send, void* recv,
                                const uint64_t* counts) {
    // Each group reduces its vectors (sum of this group's counts elements; the standard makes
    // the two groups' totals equal) at its leader; the leaders swap; each leader scatters the
    // other group's result by this group's counts.
    const CommView& v = s.view();
    uint64_t ext = s.reduction.extent, total = 0;
    std::vector<uint64_t> bytes(static_cast<size_t>(v.size)), displs(static_cast<size_t>(v.size));
    for (int i = 0; i < v.size; ++i) {
        displs[static_cast<size_t>(i)] = total * ext;
        bytes[static_cast<size_t>(i)] = counts[i] * ext;
        total += counts[i];
    }
    uint8_t* acc = v.rank == 0 ? s.aux(2 * total * ext) : nullptr;
    uint8_t* theirs = acc ? acc + total * ext : nullptr;
    build_reduce(s, select_reduce(v.size, total * ext, s.reduction.commutative), send, acc,
                 total, 0);
    if (v.rank == 0) {
        s.recv_remote(0, theirs, total * ext);
        s.send_remote(0, acc, total * ext);
        s.end_round();
    }
    build_scatterv(s, theirs, bytes.data(), displs.data(), recv, bytes[static_cast<size_t>(v.rank)], 0);
}

// The v/w forms: direct messages, one round.
void build_inter_gatherv(Schedule& s, InterRole role, const void* send, uint64_t sbytes,
                         void* recv, const uint64_t* rbytes, const uint64_t* rdispls, int root) {
    if (role == InterRole::root)
        for (int j = 0; j < s.view().remote_size; ++j)
            s.recv_remote(j, static_cast<uint8_t*>(recv) + rdispls[j], rbytes[j]);
    else if (role == InterRole::member)
        s.send_remote(root, send, sbytes);
    s.end_round();
}

void build_inter_scatterv(Schedule& s, InterRole role, const void* send, const uint64_t* sbytes,
                          const uint64_t* sdispls, void* recv, uint64_t rbytes, int root) {
    if (role == InterRole::root)
        for (int j = 0; j < s.view().remote_size; ++j)
            s.send_remote(j, static_cast<const uint8_t*>(send) + sdispls[j], sbytes[j]);
    else if (role == InterRole::member)
        s.recv_remote(root, recv, rbytes);
    s.end_round();
}

void build_inter_allgatherv(Schedule& s, const void* send, uint64_t sbytes, void* recv,
                            const uint64_t* rbytes, const uint64_t* rdispls) {
    int q = s.view().remote_size;
    for (int j = 0; j < q; ++j) s.recv_remote(j, static_cast<uint8_t*>(recv) + rdispls[j], rbytes[j]);
    for (int j = 0; j < q; ++j) s.send_remote(j, send, sbytes);
    s.end_round();
}

void build_inter_alltoallv(Schedule& s, const void* send, const uint64_t* sbytes,
                           const uint64_t* sdispls, void* recv, const uint64_t* rbytes,
                           const uint64_t* rdispls) {
    int q = s.view().remote_size;
    for (int j = 0; j < q; ++j) s.recv_remote(j, static_cast<uint8_t*>(recv) + rdispls[j], rbytes[j]);
    for (int j = 0; j < q; ++j)
        s.send_remote(j, static_cast<const uint8_t*>(send) + sdispls[j], sbytes[j]);
    s.end_round();
}

}  // namespace efampi::coll
