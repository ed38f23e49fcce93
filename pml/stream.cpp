// Non-contiguous data (a request with a Layout, i.e. a derived datatype with holes) without a
// copy of the whole message anywhere.
//
// Small messages (up to the peer's eager limit) are packed into a pooled block and go eager;
// a receive unpacks an eager payload straight from the receive buffer (protocol.cpp).
//
// Larger ones use the streamed rendezvous: the sender announces the message with an rts
// flagged `flag_seg` (no registration); once the receive matches, the receiver answers
// `seg_go` (its request, the bytes it takes) and the sender pushes the packed stream as
// `seg_data` fragments (offset + bytes), each packed straight into the transport's memory:
//   - over the shared-memory rings, into the ring record itself (EFAMPI_STREAM_FRAGMENT bytes,
//     at most a quarter of the ring), so the data is copied twice in all, once by each side,
//     and the two copies overlap: the receiver unpacks fragment k while the sender packs k+1;
//   - over libfabric, into a pooled bounce buffer of one receive buffer's size, with at most
//     EFAMPI_STREAM_WINDOW bytes in flight per message; further fragments go as sends complete.
// The receiver unpacks each fragment where it lands (the ring, or the receive buffer) and
// completes when the last byte arrived; the sender completes when every fragment was handed
// over (ring) or sent (libfabric). A plain rts (contiguous sender) matched by a receive with a
// layout is streamed the same way from the sender's buffer, which it deregisters at the end.
// So scratch memory is bounded by the window, whatever the message size; the wire order of
// fragments does not matter (each carries its offset).
//
// Why not fi_read with iovs: a 1 KiB-block vector needs one iov entry per block and the
// providers allow a few per operation (shm 4, EFA 1-2: fi_info tx_attr->rma_iov_limit), so a
// read per few KiB; and a contiguous receive of a non-contiguous send would still need the
// sender to pack. Streaming costs each side one pass over its data.
#include <rdma/fi_errno.h>

#include <algorithm>
#include <cstring>

#include "pml/engine.hpp"
#include "pml/fabric.hpp"
#include "pml/wire.hpp"

namespace efampi::pml {

namespace {
inline Request* cookie_request(uint64_t c) { return reinterpret_cast<Request*>(c); }
inline uint64_t request_cookie(Request* r) { return reinterpret_cast<uint64_t>(r); }

// Packed bytes [off, off + len) of a send, from its layout or its contiguous buffer.
inline void copy_out(const Request* r, uint64_t off, uint64_t len, void* out) {
    if (r->lay) r->lay->pack(r->lay, off, len, out);
    else std::memcpy(out, static_cast<const uint8_t*>(r->buf) + off, len);
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
// message (or, over the credit, copied and offered by rendezvous: `sync` sends never get here
// without credit). `h` has ctx, src, tag and src_world set.
void Engine::send_small_layout(Peer& p, Header& h, Request* r) {
    uint64_t bytes = r->bytes;
    uint8_t* tmp = bytes ? static_cast<uint8_t*>(blocks_.get(bytes)) : nullptr;
    if (bytes) r->lay->pack(r->lay, 0, bytes, tmp);
    int64_t charge = static_cast<int64_t>(bytes + credit_overhead);
    if (p.credit >= charge) {
        p.credit -= charge;
        h.seq = p.send_seq++;
        h.kind = Kind::eager;
        if (r->sync) {
            h.flags = flag_sync;
            h.cookie = request_cookie(r);
        }
        post_packet(p, &h, sizeof h, tmp, bytes);  // copies
        if (tmp) blocks_.put(tmp, bytes);
        if (!r->sync) complete(r);
        return;
    }
    try {
        send_spilled(tmp, bytes, p, h.src, h.tag, h.ctx);
    } catch (...) {
        if (tmp) blocks_.put(tmp, bytes);
        throw;
    }
    if (tmp) blocks_.put(tmp, bytes);
    complete(r);
}

void Engine::start_seg_send(Peer& p, Header& h, Request* r) {
    h.seq = p.send_seq++;
    h.kind = Kind::rts;
    h.flags = flag_seg;
    h.cookie = request_cookie(r);
    RtsExt ext{r->bytes, 0, 0};
    post_packet(p, &h, sizeof h, &ext, sizeof ext);
}

// Receive r matched rts m and takes r->st_bytes of it: ask the sender to stream.
void Engine::start_seg_recv(Request* r, Incoming& m) {
    r->peer = m.peer;
    r->remote_cookie = m.cookie;
    uint64_t n = r->st_bytes;
    r->seg_left = n;
    SegGo go{request_cookie(r), n};
    Header h{};
    h.kind = Kind::seg_go;
    h.src_world = rank_;
    h.cookie = m.cookie;
    post_packet(peers_[static_cast<size_t>(m.peer)], &h, sizeof h, &go, sizeof go);
    if (n == 0) complete(r);  // truncated to nothing (or an empty message): nothing comes
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
    r->seg_inflight = 0;
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
    else std::memcpy(static_cast<uint8_t*>(r->buf) + off, data, len);
    r->seg_left -= len;
    if (r->seg_left == 0) complete(r);
}

// Pushes what fits of stream r; true when it is finished (and r completed).
bool Engine::pump_stream(Request* r) {
    Peer& p = peers_[static_cast<size_t>(r->peer)];
    uint64_t end = r->seg_left;
    while (r->seg_off < end) {
        uint64_t off = r->seg_off;
        if (p.ring) {
            uint64_t len = std::min(ring_frag_, end - off);
            uint8_t* at = p.ring->reserve(seg_data_bytes + len);
            if (!at) break;  // full: progress() tries again
            frag_header(at, r, rank_, off);
            copy_out(r, off, len, at + seg_data_bytes);
            p.ring->commit(seg_data_bytes + len);
            r->seg_off += len;
            continue;
        }
        if (uint64_t{r->seg_inflight} * net_frag_ >= stream_window_ && r->seg_inflight) break;
        uint64_t len = std::min(net_frag_, end - off);
        size_t total = seg_data_bytes + len;
        SendBuf* sb = sendbufs_.get();
        sb->op.type = OpType::send_buf;
        sb->ep = p.ep;
        sb->ring = nullptr;
        sb->dest = p.addr;
        sb->len = total;
        sb->data = static_cast<uint8_t*>(blocks_.get(total));
        sb->stream = r;
        frag_header(sb->data, r, rank_, off);
        copy_out(r, off, len, sb->data + seg_data_bytes);
        ++r->seg_inflight;
        ++sends_in_flight_;
        r->seg_off += len;
        if (!pending_sends_.empty() || !post_send(sb)) pending_sends_.push_back(sb);
    }
    if (r->seg_off < end || r->seg_inflight) return false;
    if (r->mr) {  // a plain rts streamed because the receiver has holes
        MemReg m{static_cast<fid_mr*>(r->mr), nullptr, 0};
        p.ep->dereg(m);
        r->mr = nullptr;
    }
    complete(r);
    return true;
}

void Engine::stream_sent(Request* r) { --r->seg_inflight; }

void Engine::pump_streams() {
    size_t keep = 0;
    for (size_t i = 0; i < streams_.size(); ++i) {
        Request* r = streams_[i];
        if (!pump_stream(r)) streams_[keep++] = r;
    }
    streams_.resize(keep);
}

}  // namespace efampi::pml
