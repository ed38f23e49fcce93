#pragma once
// The point-to-point engine: software matching over libfabric RDM endpoints (DESIGN.md §3).
// One per process. Ranks here are job ranks ("peers"); communicators reach the engine only as
// a context id plus the sender's rank inside the communicator, which travels in the header.
//
// Completion model: a Request is complete when `done` is set; the caller owns it from isend /
// irecv until it calls release(). Eager sends complete at once (the payload is copied); sync
// sends on the receiver's ack; rendezvous sends on the receiver's fin; receives when the data
// is in the user buffer. Nothing completes without progress(), which every wait calls.
#include <sched.h>

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "pml/match_queue.hpp"
#include "pml/pool.hpp"
#include "pml/request.hpp"
#include "pml/shm_ring.hpp"

namespace efampi {
class Bootstrap;
}

namespace efampi::pml {

class Endpoint;
struct Header;

struct RecvBuf {
    OpCtx op;
    Endpoint* ep = nullptr;
    uint8_t* data = nullptr;
    size_t size = 0;
    bool multi = false;  // a multi-receive buffer (many messages, released by the provider)
    RecvBuf* next = nullptr;
};

struct SendBuf {
    OpCtx op;
    Endpoint* ep = nullptr;
    OutRing* ring = nullptr;  // native shared memory: copied into this ring instead
    uint64_t dest = 0;
    size_t len = 0;
    uint8_t* data = nullptr;  // points into a slab owned by the engine
    SendBuf* next = nullptr;
    SendBuf* prev = nullptr;
};

struct ReadOp {
    OpCtx op;
    Request* req = nullptr;
    Endpoint* ep = nullptr;
    uint64_t src = 0;
    uint8_t* buf = nullptr;
    size_t len = 0;
    uint64_t raddr = 0;
    uint64_t key = 0;
    uint32_t slot = 0;  // a streamed segment's read: the slot it belongs to
    ReadOp* next = nullptr;
    ReadOp* prev = nullptr;
};

// Rendezvous reads by process_vm_readv whose offsets make the kernel's copy slow go through a
// bounce block in pieces of this size (Engine::cma_read).
constexpr uint64_t cma_bounce_bytes = 64 * 1024;

// Streamed rendezvous over libfabric (pml/stream.cpp): `slots` slots of `seg` bytes. Sender:
// the packed segments the receiver reads (registered). Receiver: where segments land to be
// unpacked (receives with holes), and per slot the segment being read.
constexpr uint32_t max_stream_slots = 16;
struct SegStage {
    uint8_t* buf = nullptr;
    size_t cap = 0;
    uint64_t seg = 0;
    uint32_t slots = 0;
    void* mr = nullptr;     // sender: struct fid_mr* of buf
    uint64_t key = 0;       // sender: its key; receiver of a plain rts: the sender's key
    uint64_t raddr = 0;     // receiver of a plain rts: the sender's buffer
    uint64_t cursor = 0;    // next segment to pack (sender) or read (plain rts receiver)
    uint64_t nseg = 0;
    uint64_t done = 0;      // segments acknowledged (sender)
    bool pull = false;      // receiver of a plain rts: reads on by itself, fin at the end
    uint64_t slot_off[max_stream_slots] = {};
    uint64_t slot_len[max_stream_slots] = {};
    uint32_t slot_pending[max_stream_slots] = {};
    SegStage* next = nullptr;
};

struct Peer {
    Endpoint* ep = nullptr;   // null for self
    OutRing* ring = nullptr;  // same host, native shared memory: messages go here (ep: reads)
    uint64_t eager_limit = 0;  // largest eager payload to this peer (rings take larger ones)
    uint64_t addr = 0;        // fi_addr_t on ep
    uint32_t send_seq = 0;
    uint32_t recv_seq = 0;
    IntrusiveList<Incoming> ooo;  // arrived ahead of recv_seq, sorted by seq
    int64_t credit = 0;     // sending: eager bytes we may still have unconsumed at this peer
    uint64_t returned = 0;  // receiving: eager bytes consumed, not yet given back as credit
};

class Engine {
public:
    Engine();
    ~Engine();

    // Opens the transports and exchanges addresses through `boot` (throws efampi::Error).
    void init(Bootstrap& boot);
    // Completes this process's outstanding sends, fences with every rank while still
    // progressing, closes the transports.
    void finalize();

    int rank() const { return rank_; }
    // More ranks on this host than online cores: a wait costs a scheduler time slice.
    bool oversubscribed() const { return oversubscribed_; }
    // Ranks on this host per online core (1 when they fit): the share of a core each rank gets.
    double oversubscription() const { return oversubscription_; }
    // Largest message sent eagerly to a peer on this host (larger ones go by rendezvous).
    uint64_t local_eager_limit() const { return rings_ ? ring_eager_limit_ : eager_limit_; }
    int size() const { return size_; }
    const std::string& transports() const { return transports_; }

    // Blocking standard/synchronous send; returns 0 or an MPI error class.
    int send(const void* buf, uint64_t bytes, int dst, int src_rank, int tag, uint32_t ctx,
             bool sync);
    // `lay`: non-contiguous data (buf unused, bytes = packed size); it must stay valid until
    // the request is released. See Layout and pml/stream.cpp.
    Request* isend(const void* buf, uint64_t bytes, int dst, int src_rank, int tag, uint32_t ctx,
                   bool sync, const Layout* lay = nullptr);
    Request* irecv(void* buf, uint64_t capacity, int src_rank, int tag, uint32_t ctx,
                   const Layout* lay = nullptr);
    // Blocking receive (no pool): returns the completed request, valid until the next call.
    const Request& recv(void* buf, uint64_t capacity, int src_rank, int tag, uint32_t ctx);

    void progress();
    void wait(Request* r) {
        wait_until([r] { return r->done; });
    }
    // The one blocking loop: `done` is checked, then the engine progresses; past
    // EFAMPI_SPIN_COUNT rounds every round yields the core (8 ranks on 2 cores move).
    // `done` may itself progress (probes do) or complete operations (Waitany does).
    template <class Done>
    void wait_until(Done done) {
        for (int spins = 0; !done(); ) {
            progress();
            if (done()) return;
            if (++spins >= spin_count_) sched_yield();
        }
    }
    // Takes back a posted receive that was never matched (error paths); no-op if matched.
    void cancel_recv(Request* r);
    // MPI_Cancel: a receive not yet matched completes as cancelled (true); anything else goes on
    // and completes normally (false): a send is never taken back once handed to the transport.
    bool cancel(Request* r);
    // MPI_Request_free: released now if complete, else as soon as it completes.
    void free_request(Request* r) {
        if (r->done) release(r);
        else r->freed = true;
    }
    // MPI_Iprobe: progresses once and looks for a matching message that has arrived.
    struct ProbeInfo {
        int source;
        int tag;
        uint64_t bytes;
    };
    bool iprobe(uint32_t ctx, int src_rank, int tag, ProbeInfo& out);
    // MPI_Improbe: progresses once and takes a matching arrived message out of the matching
    // queues (no other receive can get it); null when there is none.
    Incoming* improbe(uint32_t ctx, int src_rank, int tag);
    // MPI_Imrecv / MPI_Mrecv: receives a message taken by improbe (which it consumes).
    Request* imrecv(Incoming* m, void* buf, uint64_t capacity, const Layout* lay = nullptr);
    const Request& mrecv(Incoming* m, void* buf, uint64_t capacity);
    bool test(Request* r) {
        if (!r->done) progress();
        return r->done;
    }
    void release(Request* r) {
        r->live = false;
        if (__builtin_expect(r->spill, 0)) std::free(r->buf);
        if (__builtin_expect(r->ext != nullptr, 0)) release_hook_(r);
        requests_.put(r);
    }
    // Called when a request with `ext` set is released (the runtime frees its staging buffer,
    // unpacking first if nobody did).
    using ReleaseHook = void (*)(Request*);
    void set_release_hook(ReleaseHook h) { release_hook_ = h; }
    // A request from the pool, every field at its default.
    Request* new_request() {
        Request* r = requests_.get();
        r->live = true;
        return r;
    }
    // An already complete request (operations with MPI_PROC_NULL).
    Request* completed_request() {
        Request* r = new_request();
        r->done = true;
        return r;
    }
    // Persistent requests: the *_init calls record the arguments in an inactive request;
    // start() begins one more operation with them (the request must be inactive).
    Request* send_init(const void* buf, uint64_t bytes, int dst, int src_rank, int tag,
                       uint32_t ctx, bool sync, const Layout* lay = nullptr);
    Request* recv_init(void* buf, uint64_t capacity, int src_rank, int tag, uint32_t ctx,
                       const Layout* lay = nullptr);
    void start(Request* r);
    // Compound requests (MPI_Isendrecv): a request that completes when its `parts` parts have;
    // its status is the receive part's, its error the first part error. Start the send part
    // first: it may throw (registration), the receive part never does.
    Request* compound(uint32_t parts) {
        Request* r = new_request();
        r->type = ReqType::recv;
        r->pending = parts;
        r->done = parts == 0;
        return r;
    }
    // `own_copy`: buf is a malloc'd copy the part frees when done (Isendrecv_replace).
    void send_part(Request* parent, const void* buf, uint64_t bytes, int dst, int src_rank,
                   int tag, uint32_t ctx, bool own_copy, const Layout* lay = nullptr);
    void recv_part(Request* parent, void* buf, uint64_t capacity, int src_rank, int tag,
                   uint32_t ctx, const Layout* lay = nullptr);
    // Marks active and complete a request whose operation the caller carried out itself (a
    // persistent buffered send once its data is copied, a persistent send to MPI_PROC_NULL).
    void start_completed(Request* r) {
        r->active = true;
        r->err = 0;
        r->cancelled = false;
        r->st_bytes = 0;
        complete(r);
    }

    // Completes a request whose operation runs outside the pml (a nonblocking collective):
    // `err` is its error class; a request freed by MPI_Request_free is released.
    void finish(Request* r, int err) {
        r->err = err;
        complete(r);
    }
    // Run at the end of every progress round (the collectives' schedules); null for none.
    // The hook must not throw.
    using Hook = void (*)();
    void set_progress_hook(Hook h) { hook_ = h; }

    // Statistics for tests.
    size_t unexpected_count() const { return mq_.unexpected_count(); }
    size_t posted_count() const { return mq_.posted_count(); }
    int64_t credit_per_peer() const { return credit_; }
    size_t active_streams() const { return streams_.size(); }

private:
    void open_transports(Bootstrap& boot);
    // libfabric: opens the endpoints this job needs and publishes their names (before a fence).
    void open_endpoints(Bootstrap& boot, bool any_local, bool any_remote);
    // After that fence: every peer into its endpoint's address vector, receive buffers posted.
    void insert_peers(Bootstrap& boot);
    // After the rings' fence: map the peers' segments; with `probe_cma`, also agree on cma_.
    void open_rings(Bootstrap& boot, bool probe_cma);
    void post_recv_buffers(Endpoint* ep);
    bool repost(RecvBuf* rb);  // false: -FI_EAGAIN, try again later

    Request& begin_blocking_recv();  // blocking_recv_, reset for one more blocking receive
    void post_recv(Request& r, void* buf, uint64_t capacity, int src_rank, int tag,
                   uint32_t ctx);
    void post_recv_once(Request& r, void* buf, uint64_t capacity, int src_rank, int tag,
                        uint32_t ctx);

    // Sending.
    Request* start_send(const void* buf, uint64_t bytes, int dst, int src_rank, int tag,
                        uint32_t ctx, bool sync, Request* r);
    int send_eager_fast(const void* buf, uint64_t bytes, Peer& p, int src_rank, int tag,
                        uint32_t ctx);
    void start_rndv(Peer& p, Header& h, const void* buf, uint64_t bytes, Request* r);
    void send_spilled(const void* buf, uint64_t bytes, Peer& p, int src_rank, int tag,
                      uint32_t ctx);
    void consumed(int peer, uint64_t bytes);  // an eager message's credit goes back
    void send_to_self(const void* buf, uint64_t bytes, int src_rank, int tag, uint32_t ctx,
                      bool sync, Request* r);
    void post_packet(Peer& p, const void* a, size_t alen, const void* b, size_t blen);
    void queue_packet(Peer& p, const void* a, size_t alen, const void* b, size_t blen);
    bool post_send(SendBuf* sb);  // false: queued on the backlog
    void send_ctrl(int peer, uint8_t kind, uint64_t cookie);

    // Receiving.
    void on_recv(const uint8_t* data, size_t len);
    void arrive(const Header& h, const uint8_t* payload, size_t plen);
    void deliver(Incoming& m);
    bool deliver_eager_fast(const Header& h, const uint8_t* payload, size_t plen);
    void match(Request* r, Incoming& m);
    Incoming* keep(const Incoming& m);  // copies the payload into a pooled block
    void drop(Incoming* m);
    void start_read(Request* r, Incoming& m);
    void cma_read(Request* r, const Incoming& m);  // rendezvous read with process_vm_readv
    void fill(Request* r, const Incoming& m, uint64_t n);  // eager or self: data into r

    // Streamed rendezvous (pml/stream.cpp).
    void send_small_layout(Peer& p, Header& h, Request* r);
    void start_seg_send(Peer& p, Header& h, Request* r);
    void start_seg_recv(Request* r, Incoming& m);
    void on_seg_go(const Header& h, const uint8_t* payload, size_t plen);
    void on_seg_data(const Header& h, const uint8_t* payload, size_t plen);
    void pump_streams();
    bool pump_stream(Request* r);  // true when the stream is finished
    // Over libfabric: segments packed into registered slots and read by the receiver.
    void start_net_stream(Request* r);
    void announce_segment(Request* r, uint64_t k);
    void on_seg_ready(const Header& h, const uint8_t* payload, size_t plen);
    void on_seg_ack(const Header& h, const uint8_t* payload, size_t plen);
    void start_plain_pull(Request* r, Incoming& m);  // a plain rts into a receive with holes
    void read_segment(Request* r, uint64_t off, uint64_t len, uint64_t raddr, uint64_t key,
                      uint32_t slot);
    void on_segment_read(Request* r, uint32_t slot);
    SegStage* new_stage(uint64_t seg, uint32_t slots);
    // Slots for streaming `bytes` in the engine's segment size (at most its slot count).
    SegStage* stage_for(uint64_t bytes);
    void free_stage(Request* r);
    bool post_read(ReadOp* op);
    void on_read(ReadOp* op, int err);

    void progress_once();
    void dispatch(const struct Completion& c);
    [[noreturn]] void fatal(const std::string& msg);
    void complete(Request* r) {
        r->done = true;
        if (__builtin_expect(r->parent != nullptr, 0)) return part_done(r);
        if (__builtin_expect(r->freed, 0)) release(r);
    }
    void part_done(Request* part);

    Bootstrap* boot_ = nullptr;
    int rank_ = 0;
    int size_ = 1;
    uint64_t eager_limit_ = 8192;       // over libfabric (sizes the receive buffers)
    uint64_t ring_eager_limit_ = 32768;  // over the shared-memory rings
    size_t buf_bytes_ = 0;       // header + eager payload
    int rx_buffers_ = 256;
    int spin_count_ = 2000;
    bool oversubscribed_ = false;
    double oversubscription_ = 1.0;
    uint64_t chunk_limit_ = 0;
    uint64_t ring_frag_ = 0;      // streamed rendezvous: data bytes per fragment over a ring
    uint64_t stream_seg_ = 0;     // over libfabric: bytes per segment
    uint32_t stream_slots_ = 0;   // and segments staged at once
    Pool<SegStage> stages_;
    std::vector<std::pair<uint8_t*, size_t>> stage_bufs_;  // freed slot buffers, kept for reuse
    std::vector<Request*> streams_;  // streamed sends under way (pumped by progress)
    std::unique_ptr<uint8_t[]> self_scratch_;  // self-sends between two layouts
    std::string transports_;

    std::unique_ptr<Endpoint> local_;
    std::unique_ptr<Endpoint> net_;
    std::vector<Peer> peers_;
    MatchQueue mq_;

    Pool<Request> requests_;
    Pool<Incoming> incoming_;
    Pool<SendBuf> sendbufs_;
    Pool<ReadOp> reads_;
    SizedBlocks blocks_;        // bounce buffers and payload copies of unexpected messages
    int64_t credit_ = 0;        // eager credit per peer (EFAMPI_UNEXPECTED_LIMIT / peers)
    uint64_t credit_return_ = 0;  // consumed bytes that trigger a credit message
    std::vector<std::unique_ptr<RecvBuf[]>> recvbuf_sets_;
    std::vector<std::unique_ptr<uint8_t[]>> slabs_;
    IntrusiveList<SendBuf> pending_sends_;  // -FI_EAGAIN: retried by progress()
    IntrusiveList<ReadOp> pending_reads_;
    std::vector<RecvBuf*> pending_recvs_;  // consumed or refused: reposted by progress()
    size_t sends_in_flight_ = 0;
    Request blocking_recv_;
    Endpoint* eps_[2] = {nullptr, nullptr};  // the open endpoints, polled by progress()
    // Native shared memory (shm_ring.hpp): our segment (a ring per local sender), the peers'.
    bool rings_ = false;
    // Rendezvous reads between ring peers with process_vm_readv (cross-memory attach) instead of
    // libfabric's shm: a job whose ranks all share this host then never initialises libfabric
    // (whose first fi_getinfo costs ~0.15 s of CPU per process, docs/performance.md).
    bool cma_ = false;
    std::vector<int> peer_pids_;  // by job rank, when cma_
    // A page-aligned block (cma_bounce_bytes + one page) for reads whose destination sits 1-31
    // bytes past the source modulo a page: the kernel's copy runs 4-6x slower there
    // (cma_read), so such reads go through this block placed half a page from both.
    std::unique_ptr<uint8_t[]> cma_bounce_;
    RingShape ring_shape_;
    std::vector<int> local_ranks_;  // every rank of this host, ours included, in rank order
    std::unique_ptr<ShmSegment> own_seg_;
    std::vector<std::unique_ptr<ShmSegment>> peer_segs_;
    std::vector<OutRing> out_rings_;
    std::vector<InRing> in_rings_;
    int neps_ = 0;
    Hook hook_ = nullptr;
    ReleaseHook release_hook_ = nullptr;
    static constexpr size_t inject_scratch_bytes = 4096;
    alignas(64) uint8_t inject_scratch_[inject_scratch_bytes];
};

// The process's engine (a plain global: no guard on the hot path).
extern Engine g_engine;
inline Engine& engine() { return g_engine; }

}  // namespace efampi::pml
