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
#include "pml/ops.hpp"
#include "pml/protocol_choice.hpp"
#include "pml/shm_ring.hpp"
#include "pml/transport.hpp"
#include "pml/transport_set.hpp"

namespace efampi {
class Bootstrap;
}

namespace efampi::pml {

class Endpoint;
struct Header;

// Streamed rendezvous over libfabric (pml/stream.cpp): `slots` slots of `seg` bytes. Sender:
// the packed segments the receiver reads (exposed). Receiver: where segments land to be
// unpacked (receives with holes), and per slot the segment being read.
constexpr uint32_t max_stream_slots = 16;
struct SegStage {
    uint8_t* buf = nullptr;
    size_t cap = 0;
    uint64_t seg = 0;
    uint32_t slots = 0;
    Exposed mem;            // sender: buf exposed to the receiver's reads
    uint64_t key = 0;       // receiver of a plain rts: the sender's key
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

// What the engine knows of one peer (a job rank), ourselves included.
struct Peer {
    Transport t;               // how to reach it (Transport::self() for ourselves)
    bool failed = false;       // its transport failed: `failure` says how
    uint64_t eager_limit = 0;  // largest eager payload to this peer (rings take larger ones)
    uint32_t send_seq = 0;
    uint32_t recv_seq = 0;
    IntrusiveList<Incoming> ooo;  // arrived ahead of recv_seq, sorted by seq
    int64_t credit = 0;     // sending: eager bytes we may still have unconsumed at this peer
    uint64_t returned = 0;  // receiving: eager bytes consumed, not yet given back as credit
    // Requests that can only complete through this peer (a sync send's ack, a rendezvous
    // fin, reads of its memory, a stream): failed together if the peer's transport fails.
    IntrusiveList<Request> waiting;
    std::string failure;  // what failed: names the peer, the operation and the provider's error
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
    uint64_t local_eager_limit() const { return set_.rings() ? ring_eager_limit_ : eager_limit_; }
    int size() const { return size_; }
    const std::string& transports() const { return set_.names(); }

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

    // What failed on the way to `peer` (empty while nothing has): the text the runtime gives
    // its error handler for a request that failed there.
    const std::string& failure(int peer) const { return peers_[static_cast<size_t>(peer)].failure; }
    // The failure behind a request's error class, or null (truncation, or no peer failed).
    const char* failure_of(const Request* r) const {
        if (r->peer < 0 || r->peer >= size_) return nullptr;
        const Peer& p = peers_[static_cast<size_t>(r->peer)];
        return p.failure.empty() ? nullptr : p.failure.c_str();
    }

    // The most recent failure noted with any peer (empty while none): what the runtime says
    // when an operation failed and it no longer has the request (a blocking send).
    const std::string& last_failure() const { return last_failure_; }

    // Testing: the transport to `peer` fails after `after` more messages (EFAMPI_FAULT_SEND).
    void inject_fault(int peer, int after) { peers_[static_cast<size_t>(peer)].t.inject_fault(after); }

    // Tests: an engine connected to the other engines of this process by loopback transports
    // (links[k]: towards rank k, null for ourselves); `inbox` is what they push to us. No
    // bootstrap, no fabric; progress() drains the inbox.
    void init_loopback(int rank, int size, Loopback* inbox, const std::vector<LoopLink*>& links);

private:
    // Setup (pml/engine.cpp).
    void read_tunables(int rank, int size);
    void adopt_links();

    // Sending (pml/send.cpp).
    Protocol protocol_for(const Peer& p, int dst, uint64_t bytes, bool sync, const Layout* lay) const {
        return choose_protocol({bytes, sync, lay == nullptr, dst == rank_, p.eager_limit, p.credit});
    }
    void start_send(const void* buf, uint64_t bytes, int dst, int src_rank, int tag,
                    uint32_t ctx, bool sync, Request* r);
    void start_send_with(Protocol proto, Peer& p, const void* buf, uint64_t bytes, int dst,
                         int src_rank, int tag, uint32_t ctx, bool sync, Request* r);
    int send_eager_fast(const void* buf, uint64_t bytes, Peer& p, int src_rank, int tag,
                        uint32_t ctx);
    void send_eager(Peer& p, Header& h, const void* payload, uint64_t bytes, Request* r);
    void start_rndv(Peer& p, Header& h, const void* buf, uint64_t bytes, Request* r);
    // A copy of an eager-sized send over its credit; returns an error class (0 when sent).
    int send_spilled(const void* buf, uint64_t bytes, Peer& p, int src_rank, int tag,
                     uint32_t ctx);
    void consumed(int peer, uint64_t bytes);  // an eager message's credit goes back
    void send_to_self(const void* buf, uint64_t bytes, int src_rank, int tag, uint32_t ctx,
                      bool sync, Request* r);
    // One message to a peer: handed to its transport, else bounced into the backlog. False
    // when the peer has failed (the message is dropped; the failure is recorded).
    bool post_packet(Peer& p, const void* a, size_t alen, const void* b, size_t blen);
    bool queue_packet(Peer& p, const void* a, size_t alen, const void* b, size_t blen);
    bool post_send(SendBuf* sb);  // false: keep it in the backlog (retry)
    void send_ctrl(int peer, uint8_t kind, uint64_t cookie);

    // Receiving, sequencing, matching (pml/recv.cpp).
    Request& begin_blocking_recv();  // blocking_recv_, reset for one more blocking receive
    void post_recv(Request& r, void* buf, uint64_t capacity, int src_rank, int tag,
                   uint32_t ctx);
    void post_recv_once(Request& r, void* buf, uint64_t capacity, int src_rank, int tag,
                        uint32_t ctx);
    void on_recv(const uint8_t* data, size_t len);
    void arrive(const Header& h, const uint8_t* payload, size_t plen);
    void deliver(Incoming& m);
    bool deliver_eager_fast(const Header& h, const uint8_t* payload, size_t plen);
    void match(Request* r, Incoming& m);
    Incoming* keep(const Incoming& m);  // copies the payload into a pooled block
    void drop(Incoming* m);
    void fill(Request* r, const Incoming& m, uint64_t n);  // eager or self: data into r

    // Rendezvous reads and their completion (pml/rndv.cpp).
    void start_read(Request* r, Incoming& m);
    // Posts the reads of [0, len) at raddr into dst in the transport's chunks.
    void read_chunks(Request* r, Peer& p, uint8_t* dst, uint64_t len, uint64_t raddr,
                     uint64_t key, uint32_t slot);
    bool post_read(ReadOp* op);  // false: keep it in the backlog
    void on_read(ReadOp* op, int err);
    void on_fin(const Header& h);

    // Streamed rendezvous (pml/stream.cpp).
    void send_small_layout(Peer& p, Header& h, Request* r, Protocol proto);
    void start_seg_send(Peer& p, Header& h, Request* r);
    void start_seg_recv(Request* r, Incoming& m);
    void on_seg_go(const Header& h, const uint8_t* payload, size_t plen);
    void on_seg_data(const Header& h, const uint8_t* payload, size_t plen);
    void pump_streams();
    bool pump_stream(Request* r);  // true when the stream is finished
    // Over libfabric: segments packed into exposed slots and read by the receiver.
    void start_net_stream(Request* r);
    void announce_segment(Request* r, uint64_t k);
    void on_seg_ready(const Header& h, const uint8_t* payload, size_t plen);
    void on_seg_ack(const Header& h, const uint8_t* payload, size_t plen);
    void on_nack(const Header& h);
    void start_plain_pull(Request* r, Incoming& m);  // a plain rts into a receive with holes
    void pull_segment(Request* r, uint64_t k, uint32_t slot);
    void on_segment_read(Request* r, uint32_t slot);
    SegStage* new_stage(uint64_t seg, uint32_t slots);
    // Slots for streaming `bytes` in the engine's segment size (at most its slot count).
    SegStage* stage_for(uint64_t bytes);
    void free_stage(Request* r);

    // Progress, completion, failures (pml/engine.cpp).
    void progress_once();
    void dispatch(const struct Completion& c);
    // A broken internal invariant, or an endpoint that can no longer receive: ends the job.
    [[noreturn]] void fatal(const std::string& msg);
    // The transport to `peer` failed: every request waiting on it fails with err_other, its
    // backlog is dropped, and later operations with it fail at once. `why` names the operation
    // and the provider's error; the runtime's error handler decides what happens next.
    void fail_peer(int peer, const std::string& why);
    // Records what failed with `peer` for failure_of() without cutting the peer off (a
    // registration or a read that failed one request only).
    void note_failure(int peer, const std::string& why) {
        Peer& p = peers_[static_cast<size_t>(peer)];
        if (p.failed) return;
        p.failure = "communication with rank " + std::to_string(peer) + " failed: " + why;
        last_failure_ = p.failure;
    }
    // r waits for something from `peer` (ack, fin, reads, stream); until done_waiting().
    void await_peer(Request* r, int peer) {
        r->peer = peer;
        r->waits = true;
        peers_[static_cast<size_t>(peer)].waiting.push_back(r);
    }
    void done_waiting(Request* r) {
        if (r->waits) {
            peers_[static_cast<size_t>(r->peer)].waiting.erase(r);
            r->waits = false;
        }
        complete(r);
    }
    // A request that could not start because its peer failed: complete, with the error.
    void fail_now(Request* r, int peer) {
        r->peer = peer;
        r->err = err_other;
        complete(r);
    }
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
    uint64_t stream_seg_ = 0;     // over libfabric: bytes per segment
    uint32_t stream_slots_ = 0;   // and segments staged at once
    Pool<SegStage> stages_;
    std::vector<std::pair<uint8_t*, size_t>> stage_bufs_;  // freed slot buffers, kept for reuse
    std::vector<Request*> streams_;  // streamed sends under way (pumped by progress)
    std::unique_ptr<uint8_t[]> self_scratch_;  // self-sends between two layouts
    TransportSet set_;
    std::vector<Peer> peers_;
    MatchQueue mq_;

    Pool<Request> requests_;
    Pool<Incoming> incoming_;
    Pool<SendBuf> sendbufs_;
    Pool<ReadOp> reads_;
    SizedBlocks blocks_;        // bounce buffers and payload copies of unexpected messages
    int64_t credit_ = 0;        // eager credit per peer (EFAMPI_UNEXPECTED_LIMIT / peers)
    uint64_t credit_return_ = 0;  // consumed bytes that trigger a credit message
    IntrusiveList<SendBuf> pending_sends_;  // retry: posted again by progress(), in order
    IntrusiveList<ReadOp> pending_reads_;
    size_t sends_in_flight_ = 0;
    Request blocking_recv_;
    std::string last_failure_;
    Hook hook_ = nullptr;
    ReleaseHook release_hook_ = nullptr;
};

// The process's engine (a plain global: no guard on the hot path).
extern Engine g_engine;
inline Engine& engine() { return g_engine; }

}  // namespace efampi::pml
