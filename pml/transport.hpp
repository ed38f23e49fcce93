#pragma once
// The transport seam: the one interface through which the engine reaches a peer. The engine
// keeps one Transport per peer and never asks which kind it is; what differs between kinds is
// here, behind the same calls (docs/architecture.md, "The transport seam").
//
// Kinds:
//   - ring:     native shared memory (shm_ring.hpp). Messages are records in our ring in the
//               peer's segment; reads are process_vm_readv from the peer's address space
//               (cross-memory attach) or fi_read on the libfabric shm endpoint.
//   - fabric:   a libfabric RDM endpoint (shm or a network provider) and the peer's address.
//   - loopback: another engine of this process (tests): messages are copied into its inbox,
//               reads are memcpy; failures can be injected (LoopLink).
//   - self:     no transport (the engine delivers messages to itself without one).
//
// Contract (every kind):
//   - push(a, b): a message of the bytes `a` then `b`. `done`: the bytes were copied out and
//     will arrive in order after every earlier message; `retry`: nothing was taken (full, or the
//     provider said EAGAIN), the caller keeps the message in its backlog and posts it later
//     with post(); `error`: the transport failed (error_message() says how).
//   - post(sb): a bounce buffer. `done`: copied out, the caller recycles sb at once; `posted`:
//     the transport holds sb until its completion comes back through the engine's progress
//     (OpType::send_buf; then sent()); `retry` / `error` as for push.
//   - reserve/commit: an in-place record (streamed fragments are packed straight into it);
//     reserve() is null when full or when the kind has no in-place records
//     (records_in_place()).
//   - expose(buf, len) makes local memory readable by the peer (`addr` + offset, `key` go in
//     an rts or seg_ready); unexpose() ends that. read(op) copies remote memory into op->buf:
//     `done` when it happened at once (no completion follows), `posted` when a completion will
//     come (OpType::read), `retry`, or `error`.
//   - Data-path calls never throw, allocate (loopback aside) or block.
#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "pml/shm_ring.hpp"

namespace efampi::pml {

class Endpoint;
struct ReadOp;
struct SendBuf;

enum class Status : uint8_t { done, posted, retry, error };

// Reads by process_vm_readv whose offsets make the kernel's copy slow go through a bounce
// block (cma_bounce_bytes + two pages, owned by the engine) in pieces of this size.
constexpr uint64_t cma_bounce_bytes = 64 * 1024;

// Local memory exposed to a peer's reads.
struct Exposed {
    void* mr = nullptr;  // struct fid_mr* when registered with libfabric
    uint64_t addr = 0;   // what the peer reads at (+ offset): a virtual address or 0 (offsets)
    uint64_t key = 0;
};

// An engine's inbox for loopback messages (tests): what other engines of this process pushed.
struct Loopback {
    std::deque<std::vector<uint8_t>> inbox;
};

// One direction between two loopback engines, with the failures a test injects.
struct LoopLink {
    Loopback* to = nullptr;
    bool fail_reads = false;   // every read fails
    bool fail_expose = false;  // every registration fails
    // In-place records, as the rings have (streams push fragments); false: as libfabric
    // (streams expose slots that the receiver reads).
    bool in_place = true;
    std::vector<uint8_t> record;  // the in-place record being written (reserve/commit)
};

class Transport {
public:
    static Transport self() { return Transport{}; }
    // `reads`: the libfabric shm endpoint for rendezvous reads (null with cross-memory attach,
    // then `pid` and `bounce` are used).
    static Transport ring(OutRing* out, Endpoint* reads, uint64_t read_addr, pid_t pid,
                          uint8_t* bounce);
    static Transport fabric(Endpoint* ep, uint64_t addr);
    static Transport loopback(LoopLink* link);

    // The ring's case is inline: it is the one a message between ranks of a host takes.
    Status push(const void* a, size_t alen, const void* b, size_t blen) noexcept {
        if (__builtin_expect(kind_ == Kind::ring && fault_after_ < 0, 1))
            return ring_->push(a, alen, b, blen) ? Status::done : Status::retry;
        return push_other(a, alen, b, blen);
    }
    Status post(SendBuf* sb) noexcept;
    void sent() noexcept;  // a posted bounce buffer's completion came back
    bool records_in_place() const {
        return kind_ == Kind::ring || (kind_ == Kind::loopback && link_->in_place);
    }
    uint8_t* reserve(size_t len) noexcept;
    void commit(size_t len) noexcept;

    Status expose(void* buf, size_t len, Exposed& out) noexcept;
    void unexpose(Exposed& m) noexcept;
    void unexpose(void* mr) noexcept {
        Exposed m{mr, 0, 0};
        unexpose(m);
    }
    // Largest single read (0: unlimited).
    uint64_t max_read() const;
    Status read(ReadOp* op) noexcept;
    void read_done() noexcept;  // a posted read's completion came back

    // Testing (EFAMPI_FAULT_SEND, Engine::inject_fault): after `after` more messages, every
    // push and post fails as a broken provider's would.
    void inject_fault(int after) { fault_after_ = after; }

    // What the last `error` was: the operation, the transport and the provider's words.
    std::string error_message() const;
    std::string name() const;  // "shm-ring", "loopback", or the provider's name

private:
    enum class Kind : uint8_t { self, ring, fabric, loopback };
    Status fail(const char* what, int code) noexcept {
        err_what_ = what;
        err_code_ = code;
        return Status::error;
    }
    Status push_other(const void* a, size_t alen, const void* b, size_t blen) noexcept;
    Status cma_read(ReadOp* op) noexcept;
    bool faulty() noexcept {  // an injected fault: counts down, then fails everything
        if (fault_after_ == 0) return true;
        --fault_after_;
        return false;
    }

    Kind kind_ = Kind::self;
    OutRing* ring_ = nullptr;
    Endpoint* ep_ = nullptr;  // fabric: the endpoint; ring: the one for reads (or null)
    uint64_t addr_ = 0;       // fi_addr_t of the peer on ep_
    pid_t pid_ = 0;           // ring with cross-memory attach: the peer's process
    uint8_t* bounce_ = nullptr;
    LoopLink* link_ = nullptr;
    const char* err_what_ = nullptr;
    int err_code_ = 0;        // positive FI_E* (fabric), errno (cma), or -1 (injected)
    int fault_after_ = -1;    // < 0: no fault injected
};

}  // namespace efampi::pml
