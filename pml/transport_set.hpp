#pragma once
// The transports of one process: it opens what the job needs (the native shared-memory rings,
// the libfabric endpoints, cross-memory attach, or loopback for tests), gives every peer its
// Transport (transport.hpp), polls everything that can deliver (rings, inbox, completion
// queues, reposting receive buffers) and closes it all at finalize. The engine sends through
// the per-peer Transports and receives through poll(); it never sees which kinds exist.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "pml/fabric.hpp"
#include "pml/ops.hpp"
#include "pml/shm_ring.hpp"
#include "pml/transport.hpp"

namespace efampi {
class Bootstrap;
}

namespace efampi::pml {

// Ends the job from inside the pml (a broken invariant, an endpoint that can no longer
// receive): prints the message naming the rank and asks the launcher to kill the job.
[[noreturn]] void fatal_error(Bootstrap* boot, int rank, const std::string& msg);

class TransportSet {
public:
    struct Limits {
        uint64_t ring_eager_limit = 0;  // largest eager payload through a ring
        size_t buf_bytes = 0;           // the largest message over libfabric (receive buffers)
        int rx_buffers = 1;             // receive buffers per endpoint without multi-receive
    };
    // What a peer got: its transport, and whether it is a ring peer (the rings' eager limit).
    struct Link {
        Transport t;
        bool ring = false;
    };

    TransportSet();
    ~TransportSet();

    // Opens the transports a job of `boot`'s ranks needs and exchanges their addresses (throws
    // efampi::Error); links()[i] is then rank i's (ourselves: Transport::self()).
    void open(Bootstrap& boot, const Limits& lim);
    // Tests: every other engine of this process through `links[k]` (null for ourselves);
    // `inbox` is where they push.
    void open_loopback(int rank, Loopback* inbox, const std::vector<LoopLink*>& links);
    const std::vector<Link>& links() const { return links_; }
    // Closes every endpoint and ring (after the final fence).
    void close();

    // Everything that arrived: each message, in place, to on_msg(data, len) before poll
    // returns; each completion of a posted send or read to on_done(completion).
    template <class OnMsg, class OnDone>
    void poll(OnMsg&& on_msg, OnDone&& on_done) {
        // Receive buffers consumed by the previous round go back first. Reposting here rather
        // than right after a message is handled keeps fi_recv off the critical path: a rank
        // that just got its message returns to the application at once, and reposts while it
        // next waits.
        if (!pending_recvs_.empty()) repost_pending();
        for (InRing& ring : in_rings_) ring.drain(on_msg, 64);
        if (loop_inbox_) drain_inbox(on_msg);
        Completion c[16];
        for (int i = 0; i < neps_; ++i) {
            int n = eps_[i]->poll(c, 16);
            if (n < 0) cq_failed(eps_[i], n);
            for (int k = 0; k < n; ++k) {
                if (c[k].op && c[k].op->type == OpType::recv_buf) received(c[k], on_msg);
                else on_done(c[k]);
            }
        }
    }

    bool rings() const { return rings_; }
    // Data bytes per streamed fragment written in place into a ring record.
    uint64_t ring_frag() const { return ring_frag_; }
    // What this process uses, e.g. "shm-ring,cma" or "shm-ring,shm,tcp;ofi_rxm".
    const std::string& names() const { return names_; }

private:
    void open_all(Bootstrap& boot);
    // libfabric: opens the endpoints this job needs and publishes their names (before a fence).
    void open_endpoints(Bootstrap& boot, bool any_local, bool any_remote);
    // After that fence: every peer into its endpoint's address vector, receive buffers posted.
    void insert_peers(Bootstrap& boot);
    // After the rings' fence: map the peers' segments; with `probe_cma`, also agree on cma_.
    void open_rings(Bootstrap& boot, bool probe_cma);
    // Once every endpoint and ring is open: each peer's Transport.
    void make_links();
    void post_recv_buffers(Endpoint* ep);
    bool repost(RecvBuf* rb);  // false: -FI_EAGAIN, try again later
    void repost_pending();
    [[noreturn]] void cq_failed(Endpoint* ep, int rc);
    [[noreturn]] void receive_failed(const RecvBuf* rb, int err);
    static bool cancelled(int err);

    template <class OnMsg>
    void drain_inbox(OnMsg& on_msg) {
        for (int n = 0; n < 64 && !loop_inbox_->inbox.empty(); ++n) {
            std::vector<uint8_t> m = std::move(loop_inbox_->inbox.front());
            loop_inbox_->inbox.pop_front();
            on_msg(m.data(), m.size());
        }
    }
    template <class OnMsg>
    void received(const Completion& c, OnMsg& on_msg) {
        RecvBuf* rb = reinterpret_cast<RecvBuf*>(c.op);
        if (__builtin_expect(c.err != 0, 0)) {
            if (cancelled(c.err)) return;  // the endpoint is closing
            receive_failed(rb, c.err);
        }
        if (!rb->multi) {
            on_msg(rb->data, c.len);
            pending_recvs_.push_back(rb);  // reposted at the start of the next poll
            return;
        }
        if (c.len) on_msg(static_cast<const uint8_t*>(c.buf), c.len);
        if (c.released) pending_recvs_.push_back(rb);
    }

    Bootstrap* boot_ = nullptr;
    int rank_ = 0;
    int size_ = 1;
    Limits lim_;
    std::vector<Link> links_;
    std::string names_;
    uint64_t ring_frag_ = 0;

    // libfabric: the endpoints for peers on this host (shm) and elsewhere (the network).
    std::unique_ptr<Endpoint> local_;
    std::unique_ptr<Endpoint> net_;
    Endpoint* eps_[2] = {nullptr, nullptr};  // the open ones, polled
    int neps_ = 0;
    std::vector<std::unique_ptr<RecvBuf[]>> recvbuf_sets_;
    std::vector<std::unique_ptr<uint8_t[]>> slabs_;
    std::vector<RecvBuf*> pending_recvs_;  // consumed or refused: reposted by poll()

    // Native shared memory (shm_ring.hpp): our segment (a ring per local sender), the peers'.
    bool rings_ = false;
    // Rendezvous reads between ring peers with process_vm_readv (cross-memory attach) instead
    // of libfabric's shm: a job whose ranks all share this host then never initialises
    // libfabric (whose first fi_getinfo costs ~0.15 s of CPU per process, docs/performance.md).
    bool cma_ = false;
    std::vector<int> peer_pids_;  // by job rank, when cma_
    // A block (cma_bounce_bytes + two pages) for reads at slow page offsets (transport.cpp).
    std::unique_ptr<uint8_t[]> cma_bounce_;
    RingShape ring_shape_;
    std::vector<int> local_ranks_;  // every rank of this host, ours included, in rank order
    std::unique_ptr<ShmSegment> own_seg_;
    std::vector<std::unique_ptr<ShmSegment>> peer_segs_;
    std::vector<OutRing> out_rings_;
    std::vector<InRing> in_rings_;

    Loopback* loop_inbox_ = nullptr;  // tests: messages from loopback peers

    // While opening: what each peer will be reached through.
    struct PeerSetup {
        Endpoint* ep = nullptr;
        uint64_t addr = 0;
        OutRing* ring = nullptr;
    };
    std::vector<PeerSetup> setup_;
};

}  // namespace efampi::pml
