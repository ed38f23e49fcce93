// Non-contiguous data (a request with a Layout, i.e. a derived datatype with holes) without a
// copy of the whole message anywhere.
//
// Small messages (up to the peer's eager limit) are packed into a pooled block and go eager;
// a receive unpacks an eager payload straight from the receive buffer (recv.cpp).
//
// Larger ones use the streamed rendezvous: the sender announces the message with an rts
// flagged `flag_seg` (no registration); once the receive matches, the receiver answers
// `seg_go` (its request, the bytes it takes) and the sender pushes the packed stream as
// `seg_data` fragments (offset + bytes), each packed straight into the transport's memory:
//   - over the shared-memory rings, into the ring record itself (EFAMPI_STREAM_FRAGMENT bytes,
//     at most a quarter of the ring), so the data is copied twice in all, once by each side,
//     and the two copies overlap: the receiver unpacks fragment k while the sender packs k+1;
// The receiver unpacks each fragment in the ring and completes when the last byte arrived; the
// sender completes when every fragment was handed over.
//   - over libfabric (a fragment per small message was measured 12-20x slower than a read
//     over tcp;ofi_rxm), the sender packs the first EFAMPI_STREAM_SLOTS segments of
//     EFAMPI_STREAM_SEGMENT bytes into registered slots and announces each (`seg_ready`); the
//     receiver fi_reads a segment straight into its buffer (contiguous receive) or into its
//     own slot of the same number (receive with holes, unpacked once read) and answers
//     `seg_ack`, upon which the sender packs the next segment into the freed slot. The sender
//     completes on the last ack, the receiver when the last segment is read.
// A plain rts (contiguous sender) matched by a receive with a layout is streamed through the
// ring from the sender's buffer (ring peers), or read by the receiver alone segment by
// segment into its slots, then fin (libfabric peers). So scratch memory is bounded by the
// slots (or the ring), whatever the message size; segments and fragments carry their offset,
// so their order on the wire does not matter.
//
// Why not fi_read with iovs: a 1 KiB-block vector needs one iov entry per block and the
// providers allow a few per operation (shm 4, EFA 1-2: fi_info tx_attr->rma_iov_limit), so a
// read per few KiB; and a contiguous receive of a non-contiguous send would still need the
// sender to pack. Streaming costs each side one pass over its data.
#include <algorithm>
#include <cstring>

#include "pml/engine.hpp"
#include "pml/wire.hpp"
#include "base/copy.hpp"

namespace efampi::pml {

namespace {
inline Request* cookie_request(uint64_t c) { return reinterpret_cast<Request*>(c); }
inline uint64_t request_cookie(Request* r) { return reinterpret_cast<uint64_t>(r); }

// Packed bytes [off, off + len) of a send, from its layout or its contiguous buffer.
inline void copy_out(const Request* r, uint64_t off, uint64_t len, void* out) {
    if (r->lay) r->lay->pack(r->lay, off, len, out);
    else copy_bytes(out, static_cast<const uint8_t*>(r->buf) + off, len);
}

inline void frag_header(uint8_t* at, const Request* r, int self, uint64_t off) {
    Header h{};
    h.kind = Kind::seg_data;
    h.src_world = self;
    h.cookie = r->remote_cookie;
    std::memcpy(at, &h, sizeof h);
    std::memcpy(at + sizeof h, &off, sizeof off);
}
}  // namespace

// An eager-sized send with a layout: packed into a pooled block, then sent like any eager
// message, or (Protocol::spill) copied and offered by rendezvous. `h` has ctx, src, tag and
// src_world set.
void Engine::send_small_layout(Peer& p, Header& h, Request* r, Protocol proto) {
    uint64_t bytes = r->bytes;
    uint8_t* tmp = bytes ? static_cast<uint8_t*>(blocks_.get(bytes)) : nullptr;
    if (bytes) r->lay->pack(r->lay, 0, bytes, tmp);
    if (proto == Protocol::eager) {
        send_eager(p, h, tmp, bytes, r);  // copies
    } else {
        int err = send_spilled(tmp, bytes, p, h.src, h.tag, h.ctx);
        if (err) fail_now(r, r->peer);
        else complete(r);
    }
    if (tmp) blocks_.put(tmp, bytes);
}

void Engine::start_seg_send(Peer& p, Header& h, Request* r) {
    h.seq = p.send_seq++;
    h.kind = Kind::rts;
    h.flags = flag_seg;
    h.cookie = request_cookie(r);
    await_peer(r, r->peer);
    RtsExt ext{r->bytes, 0, 0};
    post_packet(p, &h, sizeof h, &ext, sizeof ext);  // failure: r failed with its peer
}

// Receive r matched rts m and takes r->st_bytes of it. A plain rts (contiguous sender) from a
// libfabric peer is read by the receiver alone, segment by segment; otherwise ask the sender
// to stream.
void Engine::start_seg_recv(Request* r, Incoming& m) {
    r->remote_cookie = m.cookie;
    await_peer(r, m.peer);
    uint64_t n = r->st_bytes;
    r->seg_left = n;
    Peer& p = peers_[static_cast<size_t>(m.peer)];
    if (!(m.flags & flag_seg) && !p.t.records_in_place()) return start_plain_pull(r, m);
    SegGo go{request_cookie(r), n};
    Header h{};
    h.kind = Kind::seg_go;
    h.src_world = rank_;
    h.cookie = m.cookie;
    if (!post_packet(p, &h, sizeof h, &go, sizeof go)) return;  // failed with its peer
    if (n == 0) done_waiting(r);  // truncated to nothing (or an empty message): nothing comes
}

void Engine::on_seg_go(const Header& h, const uint8_t* payload, size_t plen) {
    if (plen < sizeof(SegGo)) fatal("short seg_go message");
    SegGo go;
    std::memcpy(&go, payload, sizeof go);
    Request* r = cookie_request(h.cookie);
    r->remote_cookie = go.cookie;
    r->peer = h.src_world;
    r->seg_off = 0;
    r->seg_left = std::min<uint64_t>(go.bytes, r->bytes);  // the end of what we push
    if (!peers_[static_cast<size_t>(h.src_world)].t.records_in_place()) return start_net_stream(r);
    if (!pump_stream(r)) streams_.push_back(r);
}

void Engine::on_seg_data(const Header& h, const uint8_t* payload, size_t plen) {
    uint64_t off;
    if (plen < sizeof off) fatal("short seg_data message");
    std::memcpy(&off, payload, sizeof off);
    const uint8_t* data = payload + sizeof off;
    uint64_t len = plen - sizeof off;
    Request* r = cookie_request(h.cookie);
    if (len > r->seg_left || off + len > r->st_bytes)
        fatal("seg_data out of range (offset " + std::to_string(off) + ", " + std::to_string(len) +
              " bytes, message " + std::to_string(r->st_bytes) + ")");
    if (r->lay) r->lay->unpack(r->lay, off, len, data);
    else copy_bytes(static_cast<uint8_t*>(r->buf) + off, data, len);
    r->seg_left -= len;
    if (r->seg_left == 0) done_waiting(r);
}

// Ring peers: pushes what fits of stream r; true when it is finished (and r completed).
bool Engine::pump_stream(Request* r) {
    Peer& p = peers_[static_cast<size_t>(r->peer)];
    uint64_t end = r->seg_left;
    while (r->seg_off < end) {
        uint64_t off = r->seg_off;
        uint64_t len = std::min(set_.ring_frag(), end - off);
        uint8_t* at = p.t.reserve(seg_data_bytes + len);
        if (!at) return false;  // full: progress() tries again
        frag_header(at, r, rank_, off);
        copy_out(r, off, len, at + seg_data_bytes);
        p.t.commit(seg_data_bytes + len);
        r->seg_off += len;
    }
    if (r->mr) {  // a plain rts streamed because the receiver has holes
        p.t.unexpose(r->mr);
        r->mr = nullptr;
    }
    done_waiting(r);
    return true;
}

void Engine::pump_streams() {
    size_t keep = 0;
    for (size_t i = 0; i < streams_.size(); ++i) {
        Request* r = streams_[i];
        if (!pump_stream(r)) streams_[keep++] = r;
    }
    streams_.resize(keep);
}

// ------------------------------------------------------------ over libfabric: segments read

SegStage* Engine::stage_for(uint64_t bytes) {
    uint64_t nseg = (bytes + stream_seg_ - 1) / stream_seg_;
    SegStage* st = new_stage(stream_seg_, static_cast<uint32_t>(std::min<uint64_t>(stream_slots_, nseg)));
    st->nseg = nseg;
    return st;
}

SegStage* Engine::new_stage(uint64_t seg, uint32_t slots) {
    SegStage* st = stages_.get();
    st->seg = seg;
    st->slots = slots;
    st->cap = static_cast<size_t>(seg) * slots;
    for (size_t i = 0; i < stage_bufs_.size(); ++i) {
        if (stage_bufs_[i].second == st->cap) {
            st->buf = stage_bufs_[i].first;
            stage_bufs_[i] = stage_bufs_.back();
            stage_bufs_.pop_back();
            return st;
        }
    }
    st->buf = static_cast<uint8_t*>(std::malloc(st->cap));
    if (!st->buf) fatal("out of memory for " + std::to_string(st->cap) + " bytes of stream slots");
    return st;
}

void Engine::free_stage(Request* r) {
    auto* st = static_cast<SegStage*>(r->stage);
    r->stage = nullptr;
    if (st->mem.mr) peers_[static_cast<size_t>(r->peer)].t.unexpose(st->mem);
    if (st->buf) {
        constexpr size_t keep = 4;  // a few slot buffers wait for the next large message
        if (stage_bufs_.size() < keep) stage_bufs_.push_back({st->buf, st->cap});
        else std::free(st->buf);
    }
    stages_.put(st);
}

// The sender, once the receiver said go: packs the first segments into registered slots and
// announces each; every seg_ack frees a slot for the next one.
void Engine::start_net_stream(Request* r) {
    uint64_t end = r->seg_left;
    Peer& p = peers_[static_cast<size_t>(r->peer)];
    if (end == 0) {
        if (r->mr) {
            p.t.unexpose(r->mr);
            r->mr = nullptr;
        }
        done_waiting(r);
        return;
    }
    SegStage* st = stage_for(end);
    r->stage = st;
    if (p.t.expose(st->buf, st->cap, st->mem) != Status::done) {
        // The receiver waits for segments: tell it, and fail both sides' requests.
        note_failure(r->peer, p.t.error_message() + " (exposing " + std::to_string(st->cap) +
                                  " bytes of stream slots)");
        Header h{};
        h.kind = Kind::nack;
        h.src_world = rank_;
        h.cookie = r->remote_cookie;
        post_packet(p, &h, sizeof h, nullptr, 0);
        free_stage(r);
        r->err = err_other;
        if (r->mr) {
            p.t.unexpose(r->mr);
            r->mr = nullptr;
        }
        done_waiting(r);
        return;
    }
    for (uint64_t k = 0; k < st->slots; ++k) announce_segment(r, k);
    st->cursor = st->slots;
}

void Engine::announce_segment(Request* r, uint64_t k) {
    auto* st = static_cast<SegStage*>(r->stage);
    uint64_t off = k * st->seg;
    uint64_t len = std::min(st->seg, r->seg_left - off);
    auto slot = static_cast<uint32_t>(k % st->slots);
    uint8_t* at = st->buf + slot * st->seg;
    copy_out(r, off, len, at);
    Peer& p = peers_[static_cast<size_t>(r->peer)];
    SegReady ready{off, len, st->mem.addr + slot * st->seg, st->mem.key, st->seg, slot, st->slots};
    Header h{};
    h.kind = Kind::seg_ready;
    h.src_world = rank_;
    h.cookie = r->remote_cookie;
    post_packet(p, &h, sizeof h, &ready, sizeof ready);
}

void Engine::on_seg_ack(const Header& h, const uint8_t* payload, size_t plen) {
    uint64_t off;
    if (plen < sizeof off) fatal("short seg_ack message");
    std::memcpy(&off, payload, sizeof off);
    Request* r = cookie_request(h.cookie);
    auto* st = static_cast<SegStage*>(r->stage);
    if (!st) fatal("seg_ack for a request that streams nothing");
    if (st->cursor < st->nseg) announce_segment(r, st->cursor++);  // into the slot just freed
    if (++st->done < st->nseg) return;
    free_stage(r);
    if (r->mr) {  // (a plain rts never gets here: its receiver pulls and answers fin)
        peers_[static_cast<size_t>(r->peer)].t.unexpose(r->mr);
        r->mr = nullptr;
    }
    done_waiting(r);
}

// The receiver: a segment is ready in the sender's slot; read it into place (a contiguous
// receive) or into our slot of the same number (one with holes, unpacked once read).
void Engine::on_seg_ready(const Header& h, const uint8_t* payload, size_t plen) {
    if (plen < sizeof(SegReady)) fatal("short seg_ready message");
    SegReady sr;
    std::memcpy(&sr, payload, sizeof sr);
    Request* r = cookie_request(h.cookie);
    if (sr.len > r->seg_left || sr.off + sr.len > r->st_bytes || sr.slot >= sr.slots ||
        sr.slots > max_stream_slots || sr.len > sr.seg)
        fatal("seg_ready out of range");
    if (!r->stage) {
        SegStage* st = r->lay ? new_stage(sr.seg, sr.slots) : stages_.get();
        st->seg = sr.seg;
        st->slots = sr.slots;
        r->stage = st;
    }
    auto* st = static_cast<SegStage*>(r->stage);
    uint8_t* dst = r->lay ? st->buf + sr.slot * st->seg : static_cast<uint8_t*>(r->buf) + sr.off;
    st->slot_off[sr.slot] = sr.off;
    st->slot_len[sr.slot] = sr.len;
    read_chunks(r, peers_[static_cast<size_t>(r->peer)], dst, sr.len, sr.addr, sr.key, sr.slot);
}

void Engine::on_segment_read(Request* r, uint32_t slot) {
    auto* st = static_cast<SegStage*>(r->stage);
    if (--st->slot_pending[slot] != 0) return;
    uint64_t off = st->slot_off[slot], len = st->slot_len[slot];
    // (A truncated receive has err set from the match and still takes what fits.)
    if (r->lay && r->err != err_other) r->lay->unpack(r->lay, off, len, st->buf + slot * st->seg);
    r->seg_left -= len;
    if (st->pull) {  // pulling a plain rts: read on, fin at the end
        if (st->cursor < st->nseg) pull_segment(r, st->cursor++, slot);
        if (r->seg_left != 0) return;
        free_stage(r);
        send_ctrl(r->peer, static_cast<uint8_t>(Kind::fin), r->remote_cookie);
        done_waiting(r);
        return;
    }
    Header h{};
    h.kind = Kind::seg_ack;
    h.src_world = rank_;
    h.cookie = r->remote_cookie;
    if (!post_packet(peers_[static_cast<size_t>(r->peer)], &h, sizeof h, &off, sizeof off))
        return;  // failed with its peer
    if (r->seg_left != 0) return;
    free_stage(r);
    done_waiting(r);
}

// A plain rts (the sender's contiguous, registered buffer) into a receive with holes, from a
// libfabric peer: read segment by segment into our slots, unpack each, fin at the end.
void Engine::start_plain_pull(Request* r, Incoming& m) {
    uint64_t n = r->st_bytes;
    if (n == 0) {
        send_ctrl(m.peer, static_cast<uint8_t>(Kind::fin), m.cookie);
        done_waiting(r);
        return;
    }
    SegStage* st = stage_for(n);
    st->pull = true;
    st->raddr = m.addr;
    st->key = m.key;
    r->stage = st;
    st->cursor = st->slots;
    for (uint32_t k = 0; k < st->slots && !r->done; ++k) pull_segment(r, k, k);
}

// Pulling a plain rts: segment k of the sender's buffer into our slot `slot`.
void Engine::pull_segment(Request* r, uint64_t k, uint32_t slot) {
    auto* st = static_cast<SegStage*>(r->stage);
    uint64_t o = k * st->seg;
    uint64_t len = std::min(st->seg, r->st_bytes - o);
    st->slot_off[slot] = o;
    st->slot_len[slot] = len;
    read_chunks(r, peers_[static_cast<size_t>(r->peer)], st->buf + slot * st->seg, len,
                st->raddr + o, st->key, slot);
}

// The sender could not stream what it announced: the receive fails (reads it may have
// posted cannot exist yet: segments are announced only after the slots were exposed).
void Engine::on_nack(const Header& h) {
    Request* r = cookie_request(h.cookie);
    note_failure(h.src_world, "rank " + std::to_string(h.src_world) +
                                  " could not send the message it announced");
    r->err = err_other;
    if (r->stage) free_stage(r);
    done_waiting(r);
}

}  // namespace efampi::pml
