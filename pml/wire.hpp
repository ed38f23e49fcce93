#pragma once
// The wire format of every message efampi sends. One header for all kinds; a rendezvous
// request appends RtsExt. Layout table: pml/README.md. Little-endian hosts only (x86_64, arm64).
#include <cstddef>
#include <cstdint>

namespace efampi::pml {

enum class Kind : uint8_t {
    eager = 1,  // header + payload; payload length = received length - sizeof(Header)
    rts = 2,    // rendezvous request-to-send: header + RtsExt; receiver fi_reads the payload
    ack = 3,    // synchronous-send acknowledgement: cookie = the sender's request
    fin = 4,    // rendezvous done: the receiver has read the data; cookie = sender's request
    credit = 5, // flow control: the receiver freed `cookie` bytes of eager credit (see README)
    // Streamed rendezvous (non-contiguous data, pml/stream.cpp): the receiver asks the
    // sender to push the payload through its messages instead of reading it.
    seg_go = 6,    // receiver -> sender, once matched: cookie = sender's request; payload:
                   // u64 the receiver's request, u64 the bytes it takes (SegGo)
    seg_data = 7,  // sender -> receiver: cookie = receiver's request; payload: u64 offset in
                   // the packed message, then the bytes
    // Over libfabric the receiver reads the packed segments from the sender's slots instead.
    seg_ready = 8,  // sender -> receiver: a segment is packed in a slot; cookie = receiver's
                    // request; payload SegReady
    seg_ack = 9,    // receiver -> sender: the segment at offset (payload u64) was read, its slot
                    // is free; cookie = sender's request
    nack = 10,      // sender -> receiver: the sender could not stream the message it announced
                    // (exposing its slots failed); cookie = receiver's request, which fails
};

constexpr uint8_t flag_sync = 0x1;  // eager: the sender waits for an ack once matched
constexpr uint8_t flag_seg = 0x2;   // rts: non-contiguous data, streamed (RtsExt addr/key unused)

struct Header {
    Kind kind;
    uint8_t flags;
    uint16_t reserved;
    uint32_t ctx;     // communicator context id
    int32_t src;      // sender's rank in that communicator
    int32_t tag;
    uint32_t seq;     // per (sender, receiver) sequence number of matchable messages
    int32_t src_world;  // sender's rank in the job (peer index): FI_SOURCE is never trusted
    uint64_t cookie;  // sender's request, echoed in ack/fin (sync eager and rts only)
};
static_assert(sizeof(Header) == 32, "wire header must stay 32 bytes");

struct RtsExt {
    uint64_t size;  // total message bytes
    uint64_t addr;  // remote address for fi_read (virtual address or 0-based offset)
    uint64_t key;   // memory registration key
};
static_assert(sizeof(RtsExt) == 24, "rendezvous extension must stay 24 bytes");

struct SegGo {
    uint64_t cookie;  // the receiver's request, echoed in seg_data
    uint64_t bytes;   // what the receiver takes (the message, or less when truncated)
};
static_assert(sizeof(SegGo) == 16, "seg_go payload must stay 16 bytes");

constexpr size_t rts_bytes = sizeof(Header) + sizeof(RtsExt);
struct SegReady {
    uint64_t off;    // where the segment starts in the packed message
    uint64_t len;
    uint64_t addr;   // where to fi_read it (virtual address or offset in the registration)
    uint64_t key;
    uint64_t seg;    // bytes per segment (the receiver's slots are this large)
    uint32_t slot;   // segment k is in slot k % slots, on both sides
    uint32_t slots;
};
static_assert(sizeof(SegReady) == 48, "seg_ready payload must stay 48 bytes");

// A seg_data message: header, offset, data.
constexpr size_t seg_data_bytes = sizeof(Header) + sizeof(uint64_t);

// Eager flow control: every eager message costs its payload plus this many bytes of the
// sender's credit towards its receiver, which returns the credit once the message is consumed.
constexpr uint64_t credit_overhead = 256;

// Control messages (ack, fin, credit) carry no sequence number: they are never matched.
inline bool is_matchable(Kind k) { return k == Kind::eager || k == Kind::rts; }

}  // namespace efampi::pml
