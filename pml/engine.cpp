// The engine's progress loop, completion dispatch, peer failures and teardown. Setup is in
// pml/setup.cpp, the protocols in send.cpp, recv.cpp, rndv.cpp and stream.cpp.
#include "pml/engine.hpp"

#include <rdma/fi_errno.h>
#include <sched.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <new>

#include "base/bootstrap.hpp"
#include "pml/fabric.hpp"
#include "pml/wire.hpp"

namespace efampi::pml {

Engine g_engine;

Engine::Engine() = default;
Engine::~Engine() = default;

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
    // Receive buffers consumed by the previous round go back first. Reposting here rather than
    // right after a message is handled keeps fi_recv off the critical path: a rank that just
    // got its message returns to the application at once, and reposts while it next waits.
    if (!pending_recvs_.empty()) {
        size_t keep = 0;
        for (RecvBuf* rb : pending_recvs_)
            if (!repost(rb)) pending_recvs_[keep++] = rb;  // -FI_EAGAIN: next round
        pending_recvs_.resize(keep);
    }
    for (InRing& ring : in_rings_)
        ring.drain([this](const uint8_t* data, size_t len) { on_recv(data, len); }, 64);
    if (loop_inbox_) {
        for (int n = 0; n < 64 && !loop_inbox_->inbox.empty(); ++n) {
            std::vector<uint8_t> m = std::move(loop_inbox_->inbox.front());
            loop_inbox_->inbox.pop_front();
            on_recv(m.data(), m.size());
        }
    }
    Completion c[16];
    for (int i = 0; i < neps_; ++i) {
        Endpoint* ep = eps_[i];
        int n = ep->poll(c, 16);
        // The completion queue itself failed: nothing on this endpoint can complete again.
        if (n < 0) fatal("fi_cq_read on " + ep->provider() + ": " + fi_error(n));
        for (int k = 0; k < n; ++k) dispatch(c[k]);
    }
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
        case OpType::recv_buf: {
            RecvBuf* rb = reinterpret_cast<RecvBuf*>(c.op);
            if (c.err == FI_ECANCELED) return;  // endpoint closing
            // A receive buffer serves every peer of its endpoint and its failure names none
            // (the sender is only known from the header): nothing can be failed selectively.
            if (c.err)
                fatal("receive on " + rb->ep->provider() + " failed: " + fi_error(c.err) +
                      (c.err == FI_ETRUNC ? " (is EFAMPI_EAGER_LIMIT the same on every rank?)"
                                          : ""));
            if (!rb->multi) {
                on_recv(rb->data, c.len);
                pending_recvs_.push_back(rb);  // reposted at the start of the next progress
                return;
            }
            if (c.len) on_recv(static_cast<const uint8_t*>(c.buf), c.len);
            if (c.released) pending_recvs_.push_back(rb);
            return;
        }
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

void Engine::fatal(const std::string& msg) {
    std::fprintf(stderr, "efampi: rank %d: %s\n", rank_, msg.c_str());
    std::fflush(stderr);
    if (boot_) boot_->abort(1, msg);
    std::_Exit(1);
}

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
    if (!boot_) {
        loop_inbox_ = nullptr;
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
    in_rings_.clear();
    for (Peer& p : peers_) {
        p.t = Transport::self();
        p.eager_limit = eager_limit_;
    }
    peer_segs_.clear();
    own_seg_.reset();
    neps_ = 0;
    local_.reset();
    net_.reset();
    recvbuf_sets_.clear();
    slabs_.clear();
    for (auto& b : stage_bufs_) std::free(b.first);
    stage_bufs_.clear();
    boot_ = nullptr;
}

}  // namespace efampi::pml
