// Gather and scatter: binomial trees over virtual ranks v = rank - root (mod p), where the
// subtree of v is the contiguous range [v, v + lowbit(v)); gatherv/scatterv are linear.
#include "collectives/algo_util.hpp"
#include "collectives/algorithms.hpp"

namespace efampi::coll {

using namespace detail;

namespace {
int lowbit(int v) { return v & -v; }
int subtree_end(int v, int p) {
    int top = v ? lowbit(v) : 2 * pow2_floor(p);
    return v + top < p ? v + top : p;
}
}  // namespace

void build_gather(Schedule& s, const void* send, void* recv, uint64_t bytes, int root) {
    const CommView& c = s.view();
    int p = c.size, v = (c.rank - root + p) % p;
    int end = subtree_end(v, p);
    if (c.rank == root && !send) send = at(recv, static_cast<uint64_t>(root) * bytes);
    if (p == 1 || bytes == 0) {
        if (c.rank == root) s.copy(send, at(recv, static_cast<uint64_t>(root) * bytes), bytes);
        s.end_round();
        return;
    }
    // buf: the subtree's blocks in virtual-rank order (a leaf sends its input as it is).
    const uint8_t* buf = static_cast<const uint8_t*>(send);
    uint8_t* tmp = nullptr;
    if (end - v > 1) {
        tmp = s.scratch(static_cast<uint64_t>(end - v) * bytes);
        s.copy(send, tmp, bytes);
        s.end_round();
        buf = tmp;
    }
    for (int mask = 1; mask < p; mask <<= 1) {
        if (v & mask) {
            s.end_round();  // the children's blocks first
            s.send((v - mask + root) % p, buf, static_cast<uint64_t>(end - v) * bytes);
            s.end_round();
            break;
        }
        if (v + mask < end) {
            int cend = subtree_end(v + mask, p);
            s.recv((v + mask + root) % p, tmp + static_cast<uint64_t>(mask) * bytes,
                   static_cast<uint64_t>(cend - v - mask) * bytes);
        }
    }
    s.end_round();  // the root's receives all in one round
    if (c.rank == root) {  // virtual order -> rank order: blocks root.. then 0..root-1
        uint64_t head = static_cast<uint64_t>(p - root) * bytes;
        s.copy(tmp, at(recv, static_cast<uint64_t>(root) * bytes), head);
        s.copy(tmp + head, recv, static_cast<uint64_t>(root) * bytes);
        s.end_round();
    }
}

void build_scatter(Schedule& s, const void* send, void* recv, uint64_t bytes, int root) {
    const CommView& c = s.view();
    int p = c.size, v = (c.rank - root + p) % p;
    int end = subtree_end(v, p);
    bool in_place = c.rank == root && !recv;
    if (p == 1 || bytes == 0) {
        if (!in_place) s.copy(send, recv, bytes);
        s.end_round();
        return;
    }
    const uint8_t* buf = nullptr;  // this rank's subtree's blocks, virtual order
    if (v == 0) {
        if (root == 0) {
            buf = static_cast<const uint8_t*>(send);
        } else {
            uint8_t* tmp = s.scratch(static_cast<uint64_t>(p) * bytes);
            uint64_t head = static_cast<uint64_t>(p - root) * bytes;
            s.copy(at(send, static_cast<uint64_t>(root) * bytes), tmp, head);
            s.copy(send, tmp + head, static_cast<uint64_t>(root) * bytes);
            s.end_round();
            buf = tmp;
        }
    } else if (end - v > 1) {
        uint8_t* tmp = s.scratch(static_cast<uint64_t>(end - v) * bytes);
        s.recv((v - lowbit(v) + root) % p, tmp, static_cast<uint64_t>(end - v) * bytes);
        s.end_round();
        buf = tmp;
    } else {  // a leaf: straight into recv
        s.recv((v - lowbit(v) + root) % p, recv, bytes);
        s.end_round();
        return;
    }
    int top = v ? lowbit(v) : 2 * pow2_floor(p);
    for (int mask = top / 2; mask >= 1; mask >>= 1) {
        if (v + mask >= p) continue;
        int cend = subtree_end(v + mask, p);
        s.send((v + mask + root) % p, buf + static_cast<uint64_t>(mask) * bytes,
               static_cast<uint64_t>(cend - v - mask) * bytes);
    }
    if (!in_place) s.copy(buf, recv, bytes);  // my own block is the first of my subtree
    s.end_round();
}

void build_gatherv(Schedule& s, const void* send, uint64_t sbytes, void* recv,
                   const uint64_t* rbytes, const uint64_t* rdispls, int root) {
    const CommView& c = s.view();
    if (c.rank != root) {
        s.send(root, send, sbytes);
    } else {
        for (int i = 0; i < c.size; ++i)
            if (i != root) s.recv(i, at(recv, rdispls[i]), rbytes[i]);
        if (send) s.copy(send, at(recv, rdispls[root]), sbytes);
    }
    s.end_round();
}

void build_scatterv(Schedule& s, const void* send, const uint64_t* sbytes,
                    const uint64_t* sdispls, void* recv, uint64_t rbytes, int root) {
    const CommView& c = s.view();
    if (c.rank != root) {
        s.recv(root, recv, rbytes);
    } else {
        for (int i = 0; i < c.size; ++i)
            if (i != root) s.send(i, at(send, sdispls[i]), sbytes[i]);
        if (recv) s.copy(at(send, sdispls[root]), recv, sbytes[root]);
    }
    s.end_round();
}

}  // namespace efampi::coll
