// The engine's setup from the tunables, its progress loop, completion dispatch, peer failures
// and teardown. The transports are opened and polled by pml/transport_set.cpp, the protocols
// run in send.cpp, recv.cpp, rndv.cpp and stream.cpp.
#include "pml/engine.hpp"

#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <new>

#include "base/bootstrap.hpp"
#include "base/tunable.hpp"
#include "pml/fabric.hpp"
#include "pml/wire.hpp"

namespace efampi::pml {

Engine g_engine;

Engine::Engine() = default;
Engine::~Engine() {
    for (auto& b : stage_bufs_) std::free(b.first);  // (finalize empties it when it runs)
}

void Engine::init(Bootstrap& boot) {
    boot_ = &boot;
    read_tunables(boot.rank(), boot.size());
    {
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        long here = 1;
        for (int i = 0; i < size_; ++i)
            if (i != rank_ && boot.is_local(i)) ++here;
        oversubscribed_ = cores > 0 && here > cores;
        if (oversubscribed_) oversubscription_ = static_cast<double>(here) / static_cast<double>(cores);
    }
    // auto: spin while every rank of this host has a core of its own; oversubscribed, yield
    // almost at once, or a waiting rank burns the time slice its partner needs.
    if (spin_count_ < 0) spin_count_ = oversubscribed_ ? 20 : 2000;
    set_.open(boot, TransportSet::Limits{ring_eager_limit_, buf_bytes_, rx_buffers_});
    adopt_links();
}

void Engine::init_loopback(int rank, int size, Loopback* inbox, const std::vector<LoopLink*>& links) {
    read_tunables(rank, size);
    if (spin_count_ < 0) spin_count_ = 20;
    set_.open_loopback(rank, inbox, links);
    adopt_links();
}

// Every peer's transport from the set (a ring peer takes the rings' larger eager limit).
void Engine::adopt_links() {
    const std::vector<TransportSet::Link>& links = set_.links();
    for (size_t i = 0; i < links.size(); ++i) {
        peers_[i].t = links[i].t;
        if (links[i].ring) peers_[i].eager_limit = ring_eager_limit_;
    }
}

// Everything the engine reads from the tunables, and the state that follows from them.
void Engine::read_tunables(int rank, int size) {
    rank_ = rank;
    size_ = size;
    eager_limit_ = static_cast<uint64_t>(tunable_int("EFAMPI_EAGER_LIMIT"));
    rx_buffers_ = static_cast<int>(tunable_int("EFAMPI_RX_BUFFERS"));
    spin_count_ = static_cast<int>(tunable_int("EFAMPI_SPIN_COUNT"));
    chunk_limit_ = static_cast<uint64_t>(tunable_int("EFAMPI_RNDV_CHUNK"));
    stream_seg_ = static_cast<uint64_t>(std::max<int64_t>(tunable_int("EFAMPI_STREAM_SEGMENT"), 4096));
    stream_slots_ = static_cast<uint32_t>(
        std::clamp<int64_t>(tunable_int("EFAMPI_STREAM_SLOTS"), 1, max_stream_slots));
    if (rx_buffers_ < 1) rx_buffers_ = 1;
    buf_bytes_ = sizeof(Header) + std::max<uint64_t>(eager_limit_, sizeof(SegReady));
    buf_bytes_ = (buf_bytes_ + 63) & ~size_t{63};  // blocks and buffers stay cache-line aligned
    ring_eager_limit_ = static_cast<uint64_t>(tunable_int("EFAMPI_SHM_EAGER_LIMIT"));
    if (ring_eager_limit_ < eager_limit_) ring_eager_limit_ = eager_limit_;
    // Payload copies and bounce buffers come in size classes up to the largest eager message.
    blocks_.init(std::max<size_t>(buf_bytes_, sizeof(Header) + ring_eager_limit_));
    // Eager flow control: what one receiver may hold of unconsumed eager messages is split
    // between its peers, with a floor of 64 full eager messages each.
    int64_t limit = tunable_int("EFAMPI_UNEXPECTED_LIMIT");
    int64_t floor = 64 * static_cast<int64_t>(eager_limit_ + credit_overhead);
    credit_ = size_ > 1 ? limit / (size_ - 1) : limit;
    if (credit_ < floor) credit_ = floor;
    credit_return_ = static_cast<uint64_t>(credit_ / 4);
    peers_.assign(static_cast<size_t>(size_), Peer{});
    for (Peer& p : peers_) {
        p.credit = credit_;
        p.eager_limit = eager_limit_;
    }
}

void Engine::progress() {
    try {
        progress_once();
    } catch (const std::bad_alloc&) {
        fatal("out of memory in the progress engine");  // state would be inconsistent
    } catch (const std::exception& e) {
        fatal(std::string("progress engine: ") + e.what());
    }
}

void Engine::progress_once() {
    set_.poll([this](const uint8_t* data, size_t len) { on_recv(data, len); },
              [this](const Completion& c) { dispatch(c); });
    // Oldest first; stop at the first refusal (the rest would be refused too). An operation
    // leaves the list before it is posted: a failing read is recycled at once.
    while (SendBuf* sb = pending_sends_.pop_front()) {
        if (!post_send(sb)) {
            pending_sends_.push_front(sb);
            break;
        }
    }
    while (ReadOp* op = pending_reads_.pop_front()) {
        if (!post_read(op)) {
            pending_reads_.push_front(op);
            break;
        }
    }
    if (!streams_.empty()) pump_streams();
    if (hook_) hook_();
}

void Engine::dispatch(const Completion& c) {
    if (!c.op) fatal("completion without context" + (c.err ? ": " + fi_error(c.err) : ""));
    switch (c.op->type) {
        case OpType::recv_buf:  // (the transport set handles its receive buffers itself)
            break;
        case OpType::send_buf: {
            SendBuf* sb = reinterpret_cast<SendBuf*>(c.op);
            sb->t->sent();
            int peer = sb->peer;
            blocks_.put(sb->data, sb->len);
            sendbufs_.put(sb);
            --sends_in_flight_;
            if (c.err)
                fail_peer(peer, "send on " + peers_[static_cast<size_t>(peer)].t.name() +
                                    " failed: " + fi_error(c.err));
            return;
        }
        case OpType::read: {
            ReadOp* op = reinterpret_cast<ReadOp*>(c.op);
            op->t->read_done();
            --op->req->reads_posted;
            if (c.err)
                note_failure(op->req->peer, "read on " + op->t->name() + " failed: " + fi_error(c.err));
            on_read(op, c.err);
            return;
        }
    }
}

void Engine::fatal(const std::string& msg) { fatal_error(boot_, rank_, msg); }

void Engine::fail_peer(int peer, const std::string& why) {
    Peer& p = peers_[static_cast<size_t>(peer)];
    if (p.failed) return;
    p.failed = true;
    p.failure = "communication with rank " + std::to_string(peer) + " failed: " + why;
    last_failure_ = p.failure;
    // Its backlog goes: messages that can no longer be sent, reads that will not be posted.
    for (SendBuf* sb = pending_sends_.front(); sb;) {
        SendBuf* next = sb->next;
        if (sb->peer == peer) {
            pending_sends_.erase(sb);
            blocks_.put(sb->data, sb->len);
            sendbufs_.put(sb);
            --sends_in_flight_;
        }
        sb = next;
    }
    for (ReadOp* op = pending_reads_.front(); op;) {
        ReadOp* next = op->next;
        if (op->t == &p.t) {
            pending_reads_.erase(op);
            reads_.put(op);
        }
        op = next;
    }
    // Streamed sends to it stop being pumped.
    size_t keep = 0;
    for (Request* r : streams_)
        if (r->peer != peer) streams_[keep++] = r;
    streams_.resize(keep);
    // Every request waiting on it fails; one with reads still posted finishes when the last
    // comes back (its buffer is the provider's until then).
    while (Request* r = p.waiting.pop_front()) {
        r->waits = false;
        r->err = err_other;
        if (r->mr) {
            p.t.unexpose(r->mr);
            r->mr = nullptr;
        }
        if (r->reads_posted > 0) {
            r->aborted = true;
            continue;
        }
        if (r->stage) free_stage(r);
        complete(r);
    }
}

void Engine::finalize() {
    if (!boot_) {  // never initialised, or loopback (tests): nothing to wait for
        set_.close();
        for (auto& b : stage_bufs_) std::free(b.first);
        stage_bufs_.clear();
        return;
    }
    // Our own sends must leave before the transports close; peers may still need our acks and
    // fins, so keep progressing through the closing fence as well.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (sends_in_flight_ > 0 || !pending_sends_.empty() || !pending_reads_.empty()) {
        progress();
        sched_yield();
        if (std::chrono::steady_clock::now() > deadline) {
            std::fprintf(stderr, "efampi: rank %d: MPI_Finalize: %zu sends still in flight "
                         "after 60 s; closing anyway\n", rank_, sends_in_flight_);
            break;
        }
    }
    if (size_ > 1) boot_->fence([this] { progress(); });
    for (Peer& p : peers_) {
        p.t = Transport::self();
        p.eager_limit = eager_limit_;
    }
    set_.close();
    for (auto& b : stage_bufs_) std::free(b.first);
    stage_bufs_.clear();
    boot_ = nullptr;
}

}  // namespace efampi::pml
