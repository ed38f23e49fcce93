#pragma once
// Which protocol a send takes: a pure function of what is known when it starts, separate from
// carrying it out (pml/send.cpp). Called once per send; unit-tested branch by branch
// (tests/unit/test_protocol_choice.cpp).
#include <cstdint>

#include "pml/wire.hpp"

namespace efampi::pml {

enum class Protocol : uint8_t {
    self,    // to this process: matched here, never on a transport
    eager,   // the payload travels with the header (flag_sync: an ack completes the send)
    spill,   // eager-sized but over the credit: copied, offered by rendezvous, done at once
    rndv,    // rts with an exposed buffer; the receiver reads it and answers fin
    stream,  // non-contiguous data beyond eager: streamed rendezvous (pml/stream.cpp)
};

struct SendFacts {
    uint64_t bytes;        // packed message size
    bool sync;             // synchronous mode: completes only once matched
    bool dense;            // one contiguous range (no Layout)
    bool to_self;
    uint64_t eager_limit;  // the transport's largest eager payload to this peer
    int64_t credit;        // eager bytes we may still leave unconsumed at the peer
};

// An eager message costs its payload plus credit_overhead of the sender's credit.
constexpr int64_t eager_charge(uint64_t bytes) {
    return static_cast<int64_t>(bytes + credit_overhead);
}

constexpr Protocol choose_protocol(const SendFacts& f) {
    if (f.to_self) return Protocol::self;
    if (f.bytes <= f.eager_limit) {
        if (f.credit >= eager_charge(f.bytes)) return Protocol::eager;
        // Over the credit: a standard send copies and completes at once; a synchronous one
        // waits for the match anyway, so rendezvous from the user's memory costs nothing more.
        if (!f.sync) return Protocol::spill;
    }
    return f.dense ? Protocol::rndv : Protocol::stream;
}

}  // namespace efampi::pml
