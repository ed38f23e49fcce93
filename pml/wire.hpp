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
};

constexpr uint8_t flag_sync = 0x1;  // eager: the sender waits for an ack once matched

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

constexpr size_t rts_bytes = sizeof(Header) + sizeof(RtsExt);

// Eager flow control: every eager message costs its payload plus this many bytes of the
// sender's credit towards its receiver, which returns the credit once the message is consumed.
constexpr uint64_t credit_overhead = 256;

// Control messages (ack, fin, credit) carry no sequence number: they are never matched.
inline bool is_matchable(Kind k) { return k == Kind::eager || k == Kind::rts; }

}  // namespace efampi::pml
