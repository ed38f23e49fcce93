// The point-to-point protocols: eager (inject when it fits, else a bounce buffer), synchronous
// eager with an ack, rendezvous (RTS carrying a key; the receiver fi_reads into the user buffer
// and answers fin), self delivery, in-order arrival by per-peer sequence numbers, and matching.
#include <rdma/fi_domain.h>
#include <rdma/fi_errno.h>
#include <sys/uio.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <new>

#include "pml/engine.hpp"
#include "pml/fabric.hpp"
#include "pml/wire.hpp"
#include "base/copy.hpp"

namespace efampi::pml {

namespace {
inline Request* cookie_request(uint64_t c) { return reinterpret_cast<Request*>(c); }
inline uint64_t request_cookie(Request* r) { return reinterpret_cast<uint64_t>(r); }
}  // namespace

// ---------------------------------------------------------------- sending

int Engine::send(const void* buf, uint64_t bytes, int dst, int src_rank, int tag, uint32_t ctx,
                 bool sync) {
    // Fast path: an eager standard send completes as soon as its bytes are handed over; no
    // request is needed.
    Peer& p = peers_[static_cast<size_t>(dst)];
    if (!sync && bytes <= p.eager_limit && dst != rank_)
        return send_eager_fast(buf, bytes, p, src_rank, tag, ctx);
    Request* r = isend(buf, bytes, dst, src_rank, tag, ctx, sync);
    wait(r);
    int err = r->err;
    release(r);
    return err;
}

Request* Engine::isend(const void* buf, uint64_t bytes, int dst, int src_rank, int tag,
                       uint32_t ctx, bool sync, const Layout* lay) {
    Request* r = new_request();
    r->lay = lay;
    try {
        return start_send(buf, bytes, dst, src_rank, tag, ctx, sync, r);
    } catch (...) {
        release(r);
        throw;
    }
}

Request* Engine::send_init(const void* buf, uint64_t bytes, int dst, int src_rank, int tag,
                           uint32_t ctx, bool sync, const Layout* lay) {
    Request* r = new_request();
    r->lay = lay;
    r->type = ReqType::send;
    r->persistent = true;
    r->done = true;  // inactive: waits return at once
    r->buf = const_cast<void*>(buf);
    r->bytes = bytes;
    r->dst = dst;
    r->src = src_rank;
    r->tag = tag;
    r->ctx = ctx;
    r->sync = sync;
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
    r->st_source = 0;
    r->st_tag = 0;
    r->st_bytes = 0;
    r->active = true;
    if (r->type == ReqType::recv) {
        post_recv(*r, r->buf, r->bytes, r->src, r->tag, r->ctx);
        return;
    }
    try {
        start_send(r->buf, r->bytes, r->dst, r->src, r->tag, r->ctx, r->sync, r);
    } catch (...) {
        r->active = false;  // nothing was sent: the request stays inactive
        r->done = true;
        throw;
    }
}

void Engine::send_part(Request* parent, const void* buf, uint64_t bytes, int dst, int src_rank,
                       int tag, uint32_t ctx, bool own_copy, const Layout* lay) {
    Request* r = new_request();
    r->parent = parent;
    r->lay = lay;
    r->spill = own_copy;
    try {
        start_send(buf, bytes, dst, src_rank, tag, ctx, false, r);
    } catch (...) {
        r->spill = false;  // the caller still owns its copy
        release(r);
        throw;
    }
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
    if (part->err && !p->err) p->err = part->err;
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

int Engine::send_eager_fast(const void* buf, uint64_t bytes, Peer& p, int src_rank, int tag,
                            uint32_t ctx) {
    int64_t charge = static_cast<int64_t>(bytes + credit_overhead);
    if (__builtin_expect(p.credit < charge, 0)) {
        send_spilled(buf, bytes, p, src_rank, tag, ctx);
        return 0;
    }
    p.credit -= charge;
    Header h;
    h.kind = Kind::eager;
    h.flags = 0;
    h.reserved = 0;
    h.ctx = ctx;
    h.src = src_rank;
    h.tag = tag;
    h.seq = p.send_seq++;
    h.src_world = rank_;
    h.cookie = 0;
    if (p.ring) {
        if (__builtin_expect(pending_sends_.empty() && p.ring->push(&h, sizeof h, buf, bytes), 1))
            return 0;
        queue_packet(p, &h, sizeof h, buf, bytes);  // full ring: no second try here
        return 0;
    }
    size_t len = sizeof h + bytes;
    if (len <= p.ep->inject_size() && len <= inject_scratch_bytes && pending_sends_.empty()) {
        std::memcpy(inject_scratch_, &h, sizeof h);
        if (bytes) copy_bytes(inject_scratch_ + sizeof h, buf, bytes);
        ssize_t rc = p.ep->inject(inject_scratch_, len, p.addr);
        if (__builtin_expect(rc == 0, 1)) return 0;
    }
    post_packet(p, &h, sizeof h, buf, bytes);  // retries the inject, or bounces
    return 0;
}

Request* Engine::start_send(const void* buf, uint64_t bytes, int dst, int src_rank, int tag,
                            uint32_t ctx, bool sync, Request* r) {
    r->type = ReqType::send;
    r->sync = sync;
    r->buf = const_cast<void*>(buf);
    r->bytes = bytes;
    r->seg_off = 0;
    r->seg_left = 0;
    if (dst == rank_) {
        send_to_self(buf, bytes, src_rank, tag, ctx, sync, r);
        return r;
    }
    Peer& p = peers_[static_cast<size_t>(dst)];
    Header h{};
    h.ctx = ctx;
    h.src = src_rank;
    h.tag = tag;
    h.src_world = rank_;
    int64_t charge = static_cast<int64_t>(bytes + credit_overhead);
    if (__builtin_expect(r->lay != nullptr, 0)) {  // non-contiguous data (pml/stream.cpp)
        if (bytes <= p.eager_limit && (p.credit >= charge || !sync)) send_small_layout(p, h, r);
        else start_seg_send(p, h, r);
        return r;
    }
    if (bytes <= p.eager_limit && p.credit >= charge) {
        p.credit -= charge;
        h.seq = p.send_seq++;
        h.kind = Kind::eager;
        if (sync) {
            h.flags = flag_sync;
            h.cookie = request_cookie(r);
        }
        post_packet(p, &h, sizeof h, buf, bytes);
        if (!sync) complete(r);  // the payload was copied: the buffer is free again
        return r;
    }
    if (bytes <= p.eager_limit && !sync) {  // over the credit: the copy goes by rendezvous
        send_spilled(buf, bytes, p, src_rank, tag, ctx);
        complete(r);
        return r;
    }
    // A synchronous send over its credit waits for the match anyway: rendezvous from the
    // user's buffer costs nothing more.
    start_rndv(p, h, buf, bytes, r);
    return r;
}

void Engine::start_rndv(Peer& p, Header& h, const void* buf, uint64_t bytes, Request* r) {
    // Rendezvous: expose the buffer for the receiver's fi_read; complete on its fin.
    // Registration may fail (ulimit -l, read-only memory on EFA): do it before the sequence
    // number is taken, or the peer would wait for the missing number forever.
    // With cross-memory attach (cma_, ring peers) the peer reads our address space directly:
    // nothing to register, the address is the buffer's own.
    bool cma = cma_ && p.ring;
    MemReg m{};
    if (!cma) m = p.ep->reg(const_cast<void*>(buf), bytes ? bytes : 1, FI_REMOTE_READ);
    r->mr = m.mr;
    h.seq = p.send_seq++;
    h.kind = Kind::rts;
    h.flags = 0;
    h.cookie = request_cookie(r);
    RtsExt ext{bytes, cma || p.ep->virt_addr() ? reinterpret_cast<uint64_t>(buf) : 0, m.key};
    post_packet(p, &h, sizeof h, &ext, sizeof ext);
}

// An eager standard send beyond the peer's credit: the payload is copied here and offered by
// rendezvous, so the sender completes at once and the receiver holds no payload it did not ask
// for. The internal request frees the copy on the receiver's fin.
void Engine::send_spilled(const void* buf, uint64_t bytes, Peer& p, int src_rank, int tag,
                          uint32_t ctx) {
    void* copy = std::malloc(bytes ? bytes : 1);
    if (!copy) fatal("out of memory copying a " + std::to_string(bytes) + "-byte send");
    if (bytes) copy_bytes(copy, buf, bytes);
    Request* r = new_request();
    r->type = ReqType::send;
    r->buf = copy;
    r->bytes = bytes;
    r->spill = true;
    r->freed = true;  // nobody waits for it: released (and the copy freed) on completion
    Header h{};
    h.ctx = ctx;
    h.src = src_rank;
    h.tag = tag;
    h.src_world = rank_;
    try {
        start_rndv(p, h, copy, bytes, r);
    } catch (...) {
        release(r);
        throw;
    }
}

void Engine::consumed(int peer, uint64_t bytes) {
    Peer& p = peers_[static_cast<size_t>(peer)];
    p.returned += bytes + credit_overhead;
    if (__builtin_expect(p.returned >= credit_return_, 0)) {
        uint64_t n = p.returned;
        p.returned = 0;
        send_ctrl(peer, static_cast<uint8_t>(Kind::credit), n);
    }
}

// Hands `a` then `b` to the peer's endpoint as one message: injected when it fits the
// provider's inject size, else copied into a bounce buffer; -FI_EAGAIN goes to the backlog.
void Engine::post_packet(Peer& p, const void* a, size_t alen, const void* b, size_t blen) {
    size_t len = alen + blen;
    if (p.ring) {
        if (pending_sends_.empty() && p.ring->push(a, alen, b, blen)) return;
    } else if (len <= p.ep->inject_size() && len <= inject_scratch_bytes && pending_sends_.empty()) {
        uint8_t* tmp = inject_scratch_;  // a member, not a 4 KiB stack frame (stack probes)
        copy_bytes(tmp, a, alen);
        if (blen) copy_bytes(tmp + alen, b, blen);
        ssize_t rc = p.ep->inject(tmp, len, p.addr);
        if (rc == 0) return;
        if (rc != -FI_EAGAIN)
            fatal("fi_inject on " + p.ep->provider() + ": " + fi_error(static_cast<int>(rc)));
    }
    queue_packet(p, a, alen, b, blen);
}

// Copies `a` then `b` into a bounce buffer and posts it, or keeps it at the end of the
// backlog (behind anything already waiting, so the peer's order holds).
void Engine::queue_packet(Peer& p, const void* a, size_t alen, const void* b, size_t blen) {
    size_t len = alen + blen;
    SendBuf* sb = sendbufs_.get();
    sb->op.type = OpType::send_buf;
    sb->ep = p.ep;
    sb->ring = p.ring;
    sb->dest = p.addr;
    sb->len = len;
    sb->data = static_cast<uint8_t*>(blocks_.get(len));
    copy_bytes(sb->data, a, alen);
    if (blen) copy_bytes(sb->data + alen, b, blen);
    ++sends_in_flight_;
    if (!pending_sends_.empty() || !post_send(sb)) pending_sends_.push_back(sb);
}

// Posts `sb`, or returns false when the provider (or our in-flight cap) refuses for now; the
// caller then keeps it at its place in the backlog.
bool Engine::post_send(SendBuf* sb) {
    if (sb->ring) {  // a full ring earlier: copied in now, or still full
        if (!sb->ring->push(sb->data, sb->len, nullptr, 0)) return false;
        blocks_.put(sb->data, sb->len);
        sendbufs_.put(sb);
        --sends_in_flight_;
        return true;
    }
    Endpoint* ep = sb->ep;
    if (ep->inflight >= ep->tx_size()) return false;
    ssize_t rc = ep->send(sb->data, sb->len, nullptr, sb->dest, &sb->op);
    if (rc == 0) {
        ++ep->inflight;
        return true;
    }
    if (rc != -FI_EAGAIN)
        fatal("fi_send on " + ep->provider() + ": " + fi_error(static_cast<int>(rc)));
    return false;
}

void Engine::send_ctrl(int peer, uint8_t kind, uint64_t cookie) {
    Header h{};
    h.kind = static_cast<Kind>(kind);
    h.src_world = rank_;
    h.cookie = cookie;
    post_packet(peers_[static_cast<size_t>(peer)], &h, sizeof h, nullptr, 0);
}

void Engine::send_to_self(const void* buf, uint64_t bytes, int src_rank, int tag, uint32_t ctx,
                          bool sync, Request* r) {
    Incoming m{};
    m.ctx = ctx;
    m.src = src_rank;
    m.tag = tag;
    m.peer = rank_;
    m.kind = static_cast<uint8_t>(Kind::eager);
    m.size = bytes;
    m.data = static_cast<uint8_t*>(const_cast<void*>(buf));
    m.self_send = r;
    if (Request* q = mq_.take_posted(ctx, src_rank, tag)) {
        match(q, m);  // copies from the sender's buffer and completes the send too
        return;
    }
    if (bytes <= eager_limit_ && !sync) {  // copied (packed): the send is done
        Incoming* u = incoming_.get();
        *u = m;
        u->self_send = nullptr;
        u->data = nullptr;
        if (bytes) {
            u->data = static_cast<uint8_t*>(blocks_.get(bytes));
            if (r->lay) r->lay->pack(r->lay, 0, bytes, u->data);
            else copy_bytes(u->data, buf, bytes);
        }
        mq_.push_unexpected(u);
        complete(r);
        return;
    }
    // Large or synchronous: the receive copies straight from the sender's buffer later.
    Incoming* u = incoming_.get();
    *u = m;
    mq_.push_unexpected(u);
}

// ---------------------------------------------------------------- receiving

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

void Engine::on_recv(const uint8_t* data, size_t len) {
    if (len < sizeof(Header)) fatal("runt message of " + std::to_string(len) + " bytes");
    Header hdr;  // copied: inside a multi-receive buffer a message may sit at any offset
    std::memcpy(&hdr, data, sizeof hdr);
    const Header* h = &hdr;
    switch (h->kind) {
        case Kind::ack:
            complete(cookie_request(h->cookie));
            break;
        case Kind::fin: {
            Request* r = cookie_request(h->cookie);
            if (r->mr) {  // null under cross-memory attach: nothing was registered
                MemReg m{static_cast<fid_mr*>(r->mr), nullptr, 0};
                peers_[static_cast<size_t>(h->src_world)].ep->dereg(m);
                r->mr = nullptr;
            }
            complete(r);
            break;
        }
        case Kind::credit:
            peers_[static_cast<size_t>(h->src_world)].credit += static_cast<int64_t>(h->cookie);
            break;
        case Kind::seg_go:
            on_seg_go(*h, data + sizeof(Header), len - sizeof(Header));
            break;
        case Kind::seg_data:
            on_seg_data(*h, data + sizeof(Header), len - sizeof(Header));
            break;
        case Kind::seg_ready:
            on_seg_ready(*h, data + sizeof(Header), len - sizeof(Header));
            break;
        case Kind::seg_ack:
            on_seg_ack(*h, data + sizeof(Header), len - sizeof(Header));
            break;
        case Kind::eager:
        case Kind::rts:
            arrive(*h, data + sizeof(Header), len - sizeof(Header));
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
                  std::to_string(h.src_world) + " twice (provider " +
                  (p.ep ? p.ep->provider() : std::string("shm-ring")) + ")");
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

void Engine::start_read(Request* r, Incoming& m) {
    r->peer = m.peer;
    r->remote_cookie = m.cookie;
    Peer& p = peers_[static_cast<size_t>(m.peer)];
    if (cma_ && p.ring) {
        cma_read(r, m);
        return;
    }
    uint64_t n = r->st_bytes;
    uint64_t chunk = p.ep->max_msg_size();
    if (chunk_limit_ && chunk_limit_ < chunk) chunk = chunk_limit_;
    if (chunk == 0) chunk = n ? n : 1;
    if (n == 0) {  // truncated to nothing: nothing to read
        send_ctrl(m.peer, static_cast<uint8_t>(Kind::fin), m.cookie);
        complete(r);
        return;
    }
    r->pending = static_cast<uint32_t>(n / chunk + (n % chunk != 0));  // chunk may be 2^64-1
    for (uint64_t off = 0; off < n; off += chunk) {
        ReadOp* op = reads_.get();
        op->op.type = OpType::read;
        op->req = r;
        op->ep = p.ep;
        op->src = p.addr;
        op->buf = static_cast<uint8_t*>(r->buf) + off;
        op->len = std::min(chunk, n - off);
        op->raddr = m.addr + off;
        op->key = m.key;
        if (!pending_reads_.empty() || !post_read(op)) pending_reads_.push_back(op);
    }
}

bool Engine::post_read(ReadOp* op) {
    Endpoint* ep = op->ep;
    if (ep->inflight >= ep->tx_size()) return false;
    ssize_t rc = ep->read(op->buf, op->len, op->src, op->raddr, op->key, &op->op);
    if (rc == 0) {
        ++ep->inflight;
        return true;
    }
    if (rc == -FI_EAGAIN) return false;
    ++ep->inflight;  // on_read gives it back
    on_read(op, static_cast<int>(-rc));
    return true;
}

void Engine::on_read(ReadOp* op, int err) {
    Request* r = op->req;
    uint32_t slot = op->slot;
    --op->ep->inflight;
    reads_.put(op);
    if (err && !r->err) r->err = err_other;
    if (r->stage) return on_segment_read(r, slot);
    if (--r->pending == 0) {
        send_ctrl(r->peer, static_cast<uint8_t>(Kind::fin), r->remote_cookie);
        complete(r);
    }
}

// The rendezvous read from a ring peer's address space (process_vm_readv, verified at init):
// one copy, done at once; the kernel may move less than asked, so it loops. A failed read (the
// peer gone, its buffer unmapped) fails the receive, and the fin still releases the sender.
//
// The kernel copies with `rep movsb`, which on the CPUs measured here runs 4-6x slower when the
// destination is 1-31 bytes past the source modulo 4096 (a receive buffer from malloc, at
// page + 16, reading a page-aligned send buffer: 512 KiB in 300 us instead of 50-60 us; any
// other offset is fast). Such reads go through a bounce block half a page away from both, in
// cma_bounce_bytes pieces: a second copy that stays in cache, 85 us for the same 512 KiB.
namespace {

bool slow_relative_offset(const void* dst, uint64_t src) {
    uint64_t rel = (reinterpret_cast<uintptr_t>(dst) - src) & 4095;
    return rel != 0 && rel < 32;
}

// process_vm_readv of n bytes until done; false when the peer's memory cannot be read.
bool read_all(pid_t pid, uint8_t* dst, uint64_t src, uint64_t n) {
    uint64_t done = 0;
    while (done < n) {
        iovec here{dst + done, n - done};
        iovec there{reinterpret_cast<void*>(src + done), n - done};
        ssize_t got = process_vm_readv(pid, &here, 1, &there, 1, 0);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) return false;
        done += static_cast<uint64_t>(got);
    }
    return true;
}

}  // namespace

void Engine::cma_read(Request* r, const Incoming& m) {
    uint64_t n = r->st_bytes;
    pid_t pid = static_cast<pid_t>(peer_pids_[static_cast<size_t>(m.peer)]);
    auto* dst = static_cast<uint8_t*>(r->buf);
    bool ok;
    if (!slow_relative_offset(dst, m.addr)) {
        ok = read_all(pid, dst, m.addr, n);
    } else {
        // The bounce block at the source's page offset plus half a page.
        uintptr_t base = (reinterpret_cast<uintptr_t>(cma_bounce_.get()) + 4095) & ~uintptr_t(4095);
        auto* bounce = reinterpret_cast<uint8_t*>(base + ((m.addr + 2048) & 4095));
        ok = true;
        for (uint64_t done = 0; ok && done < n; done += cma_bounce_bytes) {
            uint64_t k = n - done < cma_bounce_bytes ? n - done : cma_bounce_bytes;
            ok = read_all(pid, bounce, m.addr + done, k);
            if (ok) std::memcpy(dst + done, bounce, k);
        }
    }
    if (!ok && !r->err) r->err = err_other;
    send_ctrl(m.peer, static_cast<uint8_t>(Kind::fin), m.cookie);
    complete(r);
}

}  // namespace efampi::pml
