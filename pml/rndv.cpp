// The receiver's side of the rendezvous: once a receive matches an rts it reads the sender's
// exposed buffer through the peer's transport (fi_read chunks of at most the transport's
// largest read, or process_vm_readv at once) and answers fin; the sender's fin handler is
// here too. Streamed segments reuse read_chunks (pml/stream.cpp).
#include <algorithm>

#include "pml/engine.hpp"
#include "pml/wire.hpp"

namespace efampi::pml {

namespace {
inline Request* cookie_request(uint64_t c) { return reinterpret_cast<Request*>(c); }
}  // namespace

void Engine::start_read(Request* r, Incoming& m) {
    r->remote_cookie = m.cookie;
    await_peer(r, m.peer);
    uint64_t n = r->st_bytes;
    if (n == 0) {  // truncated to nothing: nothing to read
        send_ctrl(m.peer, static_cast<uint8_t>(Kind::fin), m.cookie);
        done_waiting(r);
        return;
    }
    read_chunks(r, peers_[static_cast<size_t>(m.peer)], static_cast<uint8_t*>(r->buf), n,
                m.addr, m.key, 0);
}

void Engine::read_chunks(Request* r, Peer& p, uint8_t* dst, uint64_t len, uint64_t raddr,
                         uint64_t key, uint32_t slot) {
    uint64_t chunk = p.t.max_read();
    if (chunk == 0 || (chunk_limit_ && chunk_limit_ < chunk)) chunk = chunk_limit_;
    if (chunk == 0) chunk = len ? len : 1;
    // Counted before any is posted: a read that completes at once must not finish r early.
    uint32_t n = static_cast<uint32_t>(len / chunk + (len % chunk != 0));  // chunk may be 2^64-1
    auto* st = static_cast<SegStage*>(r->stage);
    if (st) st->slot_pending[slot] = n;
    else r->pending = n;
    for (uint64_t off = 0; off < len; off += chunk) {
        ReadOp* op = reads_.get();
        op->op.type = OpType::read;
        op->req = r;
        op->t = &p.t;
        op->buf = dst + off;
        op->len = std::min(chunk, len - off);
        op->raddr = raddr + off;
        op->key = key;
        op->slot = slot;
        if (!pending_reads_.empty() || !post_read(op)) pending_reads_.push_back(op);
    }
}

// Hands a read to its transport; false when it refuses for now (the caller keeps it in the
// backlog). A read done at once, or failed, is finished here.
bool Engine::post_read(ReadOp* op) {
    Status s = op->t->read(op);
    if (s == Status::retry) return false;
    if (s == Status::posted) {
        ++op->req->reads_posted;
        return true;
    }
    // Done at once, or failed: a failed read fails its receive (the sender still gets its fin:
    // its part is over) and says why through failure_of().
    if (s == Status::error)
        note_failure(op->req->peer, op->t->error_message() + " (rendezvous read of " +
                                        std::to_string(op->len) + " bytes)");
    on_read(op, s == Status::error);
    return true;
}

// One read finished (`err`: it failed). The last read of a rendezvous answers fin and
// completes the receive; a segment's goes to on_segment_read.
void Engine::on_read(ReadOp* op, int err) {
    Request* r = op->req;
    uint32_t slot = op->slot;
    reads_.put(op);
    if (err && r->err != err_other) r->err = err_other;
    if (__builtin_expect(r->aborted, 0)) {  // its peer failed: finish once the last read is back
        if (r->reads_posted == 0) {
            if (r->stage) free_stage(r);
            complete(r);
        }
        return;
    }
    if (r->stage) return on_segment_read(r, slot);
    if (--r->pending == 0) {
        send_ctrl(r->peer, static_cast<uint8_t>(Kind::fin), r->remote_cookie);
        done_waiting(r);
    }
}

void Engine::on_fin(const Header& h) {
    Request* r = cookie_request(h.cookie);
    if (r->mr) {  // null when nothing was registered (cross-memory attach, loopback)
        peers_[static_cast<size_t>(h.src_world)].t.unexpose(r->mr);
        r->mr = nullptr;
    }
    done_waiting(r);
}

}  // namespace efampi::pml
