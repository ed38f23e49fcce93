// Sending: the protocol is chosen once per send (protocol_choice.hpp) and carried out here:
// eager (synchronous eager waits for an ack), spill (a copy offered by rendezvous), rendezvous
// (the receiver reads the exposed buffer and answers fin), self delivery; eager flow control
// (credits); and the backlog of messages a transport could not take at once.
#include <cstring>

#include "base/copy.hpp"
#include "pml/engine.hpp"
#include "pml/wire.hpp"

namespace efampi::pml {

namespace {
inline uint64_t request_cookie(Request* r) { return reinterpret_cast<uint64_t>(r); }

inline Header header_for(uint32_t ctx, int src_rank, int tag, int self) {
    Header h{};
    h.ctx = ctx;
    h.src = src_rank;
    h.tag = tag;
    h.src_world = self;
    return h;
}
}  // namespace

int Engine::send(const void* buf, uint64_t bytes, int dst, int src_rank, int tag, uint32_t ctx,
                 bool sync) {
    Peer& p = peers_[static_cast<size_t>(dst)];
    Protocol proto = protocol_for(p, dst, bytes, sync, nullptr);
    // Fast path: an eager standard send completes as soon as its bytes are handed over; no
    // request is needed.
    if (__builtin_expect(proto == Protocol::eager && !sync, 1))
        return send_eager_fast(buf, bytes, p, src_rank, tag, ctx);
    if (proto == Protocol::spill) return send_spilled(buf, bytes, p, src_rank, tag, ctx);
    Request* r = new_request();
    r->lay = nullptr;
    start_send_with(proto, p, buf, bytes, dst, src_rank, tag, ctx, sync, r);
    wait(r);
    int err = r->err;
    release(r);
    return err;
}

Request* Engine::isend(const void* buf, uint64_t bytes, int dst, int src_rank, int tag,
                       uint32_t ctx, bool sync, const Layout* lay) {
    Request* r = new_request();
    r->lay = lay;
    start_send(buf, bytes, dst, src_rank, tag, ctx, sync, r);
    return r;
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

void Engine::send_part(Request* parent, const void* buf, uint64_t bytes, int dst, int src_rank,
                       int tag, uint32_t ctx, bool own_copy, const Layout* lay) {
    Request* r = new_request();
    r->parent = parent;
    r->lay = lay;
    r->spill = own_copy;
    start_send(buf, bytes, dst, src_rank, tag, ctx, false, r);
}

void Engine::start_send(const void* buf, uint64_t bytes, int dst, int src_rank, int tag,
                        uint32_t ctx, bool sync, Request* r) {
    Peer& p = peers_[static_cast<size_t>(dst)];
    start_send_with(protocol_for(p, dst, bytes, sync, r->lay), p, buf, bytes, dst, src_rank,
                    tag, ctx, sync, r);
}

// Carries out the chosen protocol. A send to a failed peer completes at once with its error.
void Engine::start_send_with(Protocol proto, Peer& p, const void* buf, uint64_t bytes, int dst,
                             int src_rank, int tag, uint32_t ctx, bool sync, Request* r) {
    r->type = ReqType::send;
    r->sync = sync;
    r->buf = const_cast<void*>(buf);
    r->bytes = bytes;
    r->seg_off = 0;
    r->seg_left = 0;
    r->peer = dst;
    if (__builtin_expect(p.failed, 0)) return fail_now(r, dst);
    Header h = header_for(ctx, src_rank, tag, rank_);
    switch (proto) {
        case Protocol::self:
            return send_to_self(buf, bytes, src_rank, tag, ctx, sync, r);
        case Protocol::eager:
            if (__builtin_expect(r->lay != nullptr, 0)) return send_small_layout(p, h, r, proto);
            return send_eager(p, h, buf, bytes, r);
        case Protocol::spill: {
            if (__builtin_expect(r->lay != nullptr, 0)) return send_small_layout(p, h, r, proto);
            int err = send_spilled(buf, bytes, p, src_rank, tag, ctx);
            if (err) return fail_now(r, dst);
            return complete(r);
        }
        case Protocol::rndv:
            return start_rndv(p, h, buf, bytes, r);
        case Protocol::stream:
            return start_seg_send(p, h, r);
    }
}

// An eager message from the user's (or a packed) buffer; `h` has ctx, src, tag, src_world.
void Engine::send_eager(Peer& p, Header& h, const void* payload, uint64_t bytes, Request* r) {
    p.credit -= eager_charge(bytes);
    h.seq = p.send_seq++;
    h.kind = Kind::eager;
    if (r->sync) {
        h.flags = flag_sync;
        h.cookie = request_cookie(r);
        await_peer(r, r->peer);
    }
    if (!post_packet(p, &h, sizeof h, payload, bytes)) {
        if (r->sync) return;  // failed with its peer
        return fail_now(r, r->peer);
    }
    if (!r->sync) complete(r);  // the payload was copied: the buffer is free again
}

int Engine::send_eager_fast(const void* buf, uint64_t bytes, Peer& p, int src_rank, int tag,
                            uint32_t ctx) {
    if (__builtin_expect(p.failed, 0)) return err_other;
    p.credit -= eager_charge(bytes);
    Header h = header_for(ctx, src_rank, tag, rank_);
    h.kind = Kind::eager;
    h.seq = p.send_seq++;
    if (__builtin_expect(pending_sends_.empty(), 1)) {
        Status s = p.t.push(&h, sizeof h, buf, bytes);
        if (__builtin_expect(s == Status::done, 1)) return 0;
        if (s == Status::error) {
            fail_peer(static_cast<int>(&p - peers_.data()), p.t.error_message());
            return err_other;
        }
    }
    return queue_packet(p, &h, sizeof h, buf, bytes) ? 0 : err_other;  // full: no second try
}

void Engine::start_rndv(Peer& p, Header& h, const void* buf, uint64_t bytes, Request* r) {
    // Rendezvous: expose the buffer for the receiver's read; complete on its fin. Exposing
    // may fail (ulimit -l, read-only memory on EFA): do it before the sequence number is
    // taken, or the peer would wait for the missing number forever.
    Exposed m;
    if (p.t.expose(const_cast<void*>(buf), bytes, m) != Status::done) {
        note_failure(r->peer, p.t.error_message() + " (exposing " + std::to_string(bytes) +
                                  " bytes for a rendezvous send)");
        return fail_now(r, r->peer);
    }
    r->mr = m.mr;
    h.seq = p.send_seq++;
    h.kind = Kind::rts;
    h.flags = 0;
    h.cookie = request_cookie(r);
    await_peer(r, r->peer);
    RtsExt ext{bytes, m.addr, m.key};
    post_packet(p, &h, sizeof h, &ext, sizeof ext);  // failure: r failed with its peer
}

// An eager standard send beyond the peer's credit: the payload is copied here and offered by
// rendezvous, so the sender completes at once and the receiver holds no payload it did not ask
// for. The internal request frees the copy on the receiver's fin. Returns an error class.
int Engine::send_spilled(const void* buf, uint64_t bytes, Peer& p, int src_rank, int tag,
                         uint32_t ctx) {
    void* copy = std::malloc(bytes ? bytes : 1);
    if (!copy) return errc::no_mem;
    if (bytes) copy_bytes(copy, buf, bytes);
    Request* r = new_request();
    r->type = ReqType::send;
    r->buf = copy;
    r->bytes = bytes;
    r->spill = true;
    r->freed = true;  // nobody waits for it: released (and the copy freed) on completion
    r->peer = static_cast<int>(&p - peers_.data());
    Header h = header_for(ctx, src_rank, tag, rank_);
    start_rndv(p, h, copy, bytes, r);
    return p.failed ? err_other : 0;
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

// Hands `a` then `b` to the peer's transport as one message; what it cannot take now is
// bounced into the backlog (behind anything already waiting, so the peer's order holds).
bool Engine::post_packet(Peer& p, const void* a, size_t alen, const void* b, size_t blen) {
    if (__builtin_expect(p.failed, 0)) return false;
    if (pending_sends_.empty()) {
        Status s = p.t.push(a, alen, b, blen);
        if (__builtin_expect(s == Status::done, 1)) return true;
        if (s == Status::error) {
            fail_peer(static_cast<int>(&p - peers_.data()), p.t.error_message());
            return false;
        }
    }
    return queue_packet(p, a, alen, b, blen);
}

bool Engine::queue_packet(Peer& p, const void* a, size_t alen, const void* b, size_t blen) {
    size_t len = alen + blen;
    SendBuf* sb = sendbufs_.get();
    sb->op.type = OpType::send_buf;
    sb->t = &p.t;
    sb->peer = static_cast<int>(&p - peers_.data());
    sb->len = len;
    sb->data = static_cast<uint8_t*>(blocks_.get(len));
    copy_bytes(sb->data, a, alen);
    if (blen) copy_bytes(sb->data + alen, b, blen);
    ++sends_in_flight_;
    if (!pending_sends_.empty() || !post_send(sb)) pending_sends_.push_back(sb);
    return !p.failed;
}

// Posts `sb`, or returns false when the transport refuses for now; the caller then keeps it
// at its place in the backlog. A failed transport fails its peer and recycles sb.
bool Engine::post_send(SendBuf* sb) {
    Status s = sb->t->post(sb);
    if (s == Status::posted) return true;
    if (s == Status::retry) return false;
    int peer = sb->peer;
    std::string why = s == Status::error ? sb->t->error_message() : std::string();
    blocks_.put(sb->data, sb->len);
    sendbufs_.put(sb);
    --sends_in_flight_;
    if (!why.empty()) fail_peer(peer, why);
    return true;
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

}  // namespace efampi::pml
