// Receiving: posted receives, arrivals in per-peer sequence order, matching, probes,
// cancellation, persistent starts and compound (sendrecv) parts.
#include <algorithm>
#include <cstring>
#include <new>

#include "base/copy.hpp"
#include "pml/engine.hpp"
#include "pml/wire.hpp"

namespace efampi::pml {

namespace {
inline Request* cookie_request(uint64_t c) { return reinterpret_cast<Request*>(c); }
}  // namespace

Request* Engine::irecv(void* buf, uint64_t capacity, int src_rank, int tag, uint32_t ctx,
                       const Layout* lay) {
    Request* r = new_request();
    r->lay = lay;
    post_recv(*r, buf, capacity, src_rank, tag, ctx);
    return r;
}

Request& Engine::begin_blocking_recv() {
    Request& r = blocking_recv_;
    r.live = true;
    r.done = false;
    r.err = 0;
    r.st_bytes = 0;
    r.lay = nullptr;
    r.seg_left = 0;
    r.peer = -1;
    r.aborted = false;
    return r;
}

const Request& Engine::recv(void* buf, uint64_t capacity, int src_rank, int tag, uint32_t ctx) {
    // Blocking receives never nest (one thread at a time, nothing waits inside a wait), so one
    // request serves them all; only what a match does not set is reset.
    Request& r = begin_blocking_recv();
    post_recv(r, buf, capacity, src_rank, tag, ctx);
    wait(&r);
    r.live = false;
    return r;
}

Request* Engine::recv_init(void* buf, uint64_t capacity, int src_rank, int tag, uint32_t ctx,
                           const Layout* lay) {
    Request* r = new_request();
    r->lay = lay;
    r->type = ReqType::recv;
    r->persistent = true;
    r->done = true;
    r->buf = buf;
    r->bytes = capacity;
    r->src = src_rank;
    r->tag = tag;
    r->ctx = ctx;
    return r;
}

void Engine::start(Request* r) {
    r->done = false;
    r->err = 0;
    r->cancelled = false;
    r->aborted = false;
    r->st_source = 0;
    r->st_tag = 0;
    r->st_bytes = 0;
    r->active = true;
    if (r->type == ReqType::recv) {
        r->peer = -1;
        post_recv(*r, r->buf, r->bytes, r->src, r->tag, r->ctx);
        return;
    }
    start_send(r->buf, r->bytes, r->dst, r->src, r->tag, r->ctx, r->sync, r);
}

void Engine::recv_part(Request* parent, void* buf, uint64_t capacity, int src_rank, int tag,
                       uint32_t ctx, const Layout* lay) {
    Request* r = new_request();
    r->parent = parent;
    r->lay = lay;
    post_recv(*r, buf, capacity, src_rank, tag, ctx);
}

void Engine::part_done(Request* part) {
    Request* p = part->parent;
    if (part->type == ReqType::recv) {
        p->st_source = part->st_source;
        p->st_tag = part->st_tag;
        p->st_bytes = part->st_bytes;
        p->bytes = part->bytes;
    }
    if (part->err && !p->err) {
        p->err = part->err;
        p->peer = part->peer;  // so that failure_of(parent) names the part's peer
    }
    release(part);
    if (--p->pending == 0) complete(p);
}

void Engine::cancel_recv(Request* r) {
    if (mq_.remove_posted(r)) release(r);
}

bool Engine::cancel(Request* r) {
    if (r->type != ReqType::recv || r->done || !mq_.remove_posted(r)) return false;
    r->cancelled = true;
    r->st_bytes = 0;
    complete(r);
    return true;
}

Incoming* Engine::improbe(uint32_t ctx, int src_rank, int tag) {
    progress();
    Incoming* m = mq_.take_unexpected(ctx, src_rank, tag);
    if (m) m->probed = true;
    return m;
}

Request* Engine::imrecv(Incoming* m, void* buf, uint64_t capacity, const Layout* lay) {
    Request* r = new_request();
    r->lay = lay;
    r->type = ReqType::recv;
    r->buf = buf;
    r->bytes = capacity;
    r->ctx = m->ctx;
    match(r, *m);
    drop(m);
    return r;
}

const Request& Engine::mrecv(Incoming* m, void* buf, uint64_t capacity) {
    Request& r = begin_blocking_recv();
    r.type = ReqType::recv;
    r.buf = buf;
    r.bytes = capacity;
    r.ctx = m->ctx;
    match(&r, *m);
    drop(m);
    wait(&r);
    r.live = false;
    return r;
}

bool Engine::iprobe(uint32_t ctx, int src_rank, int tag, ProbeInfo& out) {
    progress();
    const Incoming* m = mq_.peek_unexpected(ctx, src_rank, tag);
    if (!m) return false;
    out.source = m->src;
    out.tag = m->tag;
    out.bytes = m->size;
    return true;
}

void Engine::post_recv(Request& r, void* buf, uint64_t capacity, int src_rank, int tag,
                       uint32_t ctx) {
    try {
        post_recv_once(r, buf, capacity, src_rank, tag, ctx);
    } catch (const std::bad_alloc&) {
        // Some reads may already be posted against r: unwinding would leave them behind.
        fatal("out of memory while matching a receive");
    }
}

void Engine::post_recv_once(Request& r, void* buf, uint64_t capacity, int src_rank, int tag,
                            uint32_t ctx) {
    r.type = ReqType::recv;
    r.buf = buf;
    r.bytes = capacity;
    r.ctx = ctx;
    r.src = src_rank;
    r.tag = tag;
    if (mq_.unexpected_count() != 0) {
        if (Incoming* m = mq_.take_unexpected(r)) {
            match(&r, *m);
            drop(m);
            return;
        }
    }
    mq_.post(&r);
}

// Every message a transport delivers comes here, in place (ring record, receive buffer,
// loopback inbox), and is handled before the call returns.
void Engine::on_recv(const uint8_t* data, size_t len) {
    if (len < sizeof(Header)) fatal("runt message of " + std::to_string(len) + " bytes");
    Header hdr;  // copied: inside a multi-receive buffer a message may sit at any offset
    std::memcpy(&hdr, data, sizeof hdr);
    const Header* h = &hdr;
    if (h->src_world < 0 || h->src_world >= size_)
        fatal("message from rank " + std::to_string(h->src_world) + " of a job of " +
              std::to_string(size_));
    // From a peer whose transport failed, answers naming our requests (ack, fin, the stream
    // messages) are dropped: those requests completed with the failure and may be gone. Its
    // messages still arrive and match, so that a receive from it can still complete.
    if (__builtin_expect(peers_[static_cast<size_t>(h->src_world)].failed, 0) &&
        !is_matchable(h->kind) && h->kind != Kind::credit)
        return;
    const uint8_t* payload = data + sizeof(Header);
    size_t plen = len - sizeof(Header);
    switch (h->kind) {
        case Kind::ack:
            done_waiting(cookie_request(h->cookie));
            break;
        case Kind::fin:
            on_fin(*h);
            break;
        case Kind::credit:
            peers_[static_cast<size_t>(h->src_world)].credit += static_cast<int64_t>(h->cookie);
            break;
        case Kind::seg_go:
            on_seg_go(*h, payload, plen);
            break;
        case Kind::seg_data:
            on_seg_data(*h, payload, plen);
            break;
        case Kind::seg_ready:
            on_seg_ready(*h, payload, plen);
            break;
        case Kind::seg_ack:
            on_seg_ack(*h, payload, plen);
            break;
        case Kind::nack:
            on_nack(*h);
            break;
        case Kind::eager:
        case Kind::rts:
            arrive(*h, payload, plen);
            break;
        default:
            fatal("message of unknown kind " + std::to_string(static_cast<int>(h->kind)));
    }
}

// A matchable message from the wire: deliver it if it is the peer's next in sequence, else
// keep it until the gap closes (completions may come in any order, e.g. on EFA).
void Engine::arrive(const Header& h, const uint8_t* payload, size_t plen) {
    if (h.kind == Kind::eager && deliver_eager_fast(h, payload, plen)) return;
    Incoming m{};
    m.ctx = h.ctx;
    m.src = h.src;
    m.tag = h.tag;
    m.peer = h.src_world;
    m.seq = h.seq;
    m.kind = static_cast<uint8_t>(h.kind);
    m.flags = h.flags;
    m.cookie = h.cookie;
    if (h.kind == Kind::rts) {
        if (plen < sizeof(RtsExt)) fatal("short rts message");
        RtsExt ext;
        std::memcpy(&ext, payload, sizeof ext);
        m.size = ext.size;
        m.addr = ext.addr;
        m.key = ext.key;
    } else {
        m.size = plen;
        m.data = const_cast<uint8_t*>(payload);
    }
    Peer& p = peers_[static_cast<size_t>(h.src_world)];
    if (h.seq != p.recv_seq) {
        // A sequence number already delivered, or already waiting: the provider delivered a
        // message twice. Acks and fins carry no sequence number and could not be checked, so
        // going on would risk completing the wrong request: stop loudly.
        bool seen = static_cast<int32_t>(h.seq - p.recv_seq) < 0;
        for (Incoming* x = p.ooo.front(); x && !seen; x = x->next) seen = x->seq == h.seq;
        if (seen)
            fatal("the transport delivered message " + std::to_string(h.seq) + " from rank " +
                  std::to_string(h.src_world) + " twice (" + p.t.name() + ")");
        Incoming* u = keep(m);  // the payload must outlive the receive buffer
        // Sorted insertion, from the tail: arrivals are mostly in order.
        p.ooo.insert_sorted(u, [](const Incoming* a, const Incoming* b) {
            return static_cast<int32_t>(a->seq - b->seq) < 0;
        });
        return;
    }
    deliver(m);
    ++p.recv_seq;
    while (!p.ooo.empty() && p.ooo.front()->seq == p.recv_seq) {
        Incoming* u = p.ooo.pop_front();
        if (Request* r = mq_.take_posted(u->ctx, u->src, u->tag)) {
            match(r, *u);
            drop(u);
        } else {
            mq_.push_unexpected(u);
        }
        ++p.recv_seq;
    }
}

// The common case, without building an Incoming: the peer's next eager message, standard
// mode, and a posted receive waiting for it.
bool Engine::deliver_eager_fast(const Header& h, const uint8_t* payload, size_t plen) {
    Peer& p = peers_[static_cast<size_t>(h.src_world)];
    if (h.seq != p.recv_seq || (h.flags & flag_sync) || !p.ooo.empty()) return false;
    Request* r = mq_.take_posted(h.ctx, h.src, h.tag);
    if (!r) return false;
    ++p.recv_seq;
    r->st_source = h.src;
    r->st_tag = h.tag;
    uint64_t n = plen < r->bytes ? plen : r->bytes;
    r->st_bytes = n;
    r->err = plen > r->bytes ? err_truncate : 0;
    if (__builtin_expect(r->lay != nullptr, 0)) {
        if (n) r->lay->unpack(r->lay, 0, n, payload);
    } else if (n) {
        copy_bytes(r->buf, payload, n);
    }
    complete(r);
    consumed(h.src_world, plen);
    return true;
}

void Engine::deliver(Incoming& m) {
    if (Request* r = mq_.take_posted(m.ctx, m.src, m.tag)) {
        match(r, m);
        if (m.kind == static_cast<uint8_t>(Kind::eager)) consumed(m.peer, m.size);
        return;
    }
    mq_.push_unexpected(keep(m));
}

Incoming* Engine::keep(const Incoming& m) {
    Incoming* u = incoming_.get();
    *u = m;
    u->data = nullptr;
    if (m.kind == static_cast<uint8_t>(Kind::eager) && m.size) {
        u->data = static_cast<uint8_t*>(blocks_.get(m.size));
        copy_bytes(u->data, m.data, m.size);
    }
    return u;
}

// Frees what keep() allocated (the payload block; never a self-send's user buffer) and gives
// a remote eager message's credit back.
void Engine::drop(Incoming* m) {
    if (m->data && !m->self_send) blocks_.put(m->data, m->size);
    if (m->kind == static_cast<uint8_t>(Kind::eager) && m->peer != rank_) consumed(m->peer, m->size);
    incoming_.put(m);
}

// Receive `r` meets message `m`: fill the buffer (or start reading it), set the status.
void Engine::match(Request* r, Incoming& m) {
    r->st_source = m.src;
    r->st_tag = m.tag;
    uint64_t n = std::min<uint64_t>(m.size, r->bytes);
    r->st_bytes = n;
    r->err = m.size > r->bytes ? err_truncate : 0;
    if (m.kind == static_cast<uint8_t>(Kind::rts)) {
        // Non-contiguous data on either side is streamed through messages (stream.cpp).
        if (__builtin_expect((m.flags & flag_seg) || r->lay, 0)) start_seg_recv(r, m);
        else start_read(r, m);
        return;
    }
    fill(r, m, n);
    if (m.self_send) {
        complete(m.self_send);
    } else if (m.flags & flag_sync) {
        send_ctrl(m.peer, static_cast<uint8_t>(Kind::ack), m.cookie);
    }
    complete(r);
}

// Copies the first `n` bytes of eager or self-sent message `m` into r's buffer; either side
// may be non-contiguous (a self-send's layout is its request's).
void Engine::fill(Request* r, const Incoming& m, uint64_t n) {
    if (n == 0) return;
    const Request* s = m.self_send;
    if (__builtin_expect(s && s->lay, 0)) {
        if (!r->lay) {
            s->lay->pack(s->lay, 0, n, r->buf);
            return;
        }
        // Both sides have holes: through a bounded scratch buffer.
        constexpr uint64_t scratch = 64 * 1024;
        if (!self_scratch_) self_scratch_.reset(new uint8_t[scratch]);
        for (uint64_t off = 0; off < n; off += scratch) {
            uint64_t len = std::min(scratch, n - off);
            s->lay->pack(s->lay, off, len, self_scratch_.get());
            r->lay->unpack(r->lay, off, len, self_scratch_.get());
        }
        return;
    }
    if (r->lay) r->lay->unpack(r->lay, 0, n, m.data);
    else copy_bytes(r->buf, m.data, n);
}

}  // namespace efampi::pml
