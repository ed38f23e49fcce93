#pragma once
// A collective operation as data (DESIGN.md §6): rounds of point-to-point steps and local
// steps, built once by an algorithm (algorithms.hpp) and run by the executor (executor.hpp)
// for the blocking, nonblocking and persistent forms alike, or by the simulator in the tests.
//
// Round semantics: every send and receive of a round is posted together; when they have all
// completed, the round's local steps (copy, reduce) run in the order they were added. A step
// that must happen before a round's messages goes in an earlier round (a round may have no
// messages). Within one schedule, messages between an ordered pair of ranks are sent and
// received in the same order, so a single tag per collective instance suffices.
//
// Buffers are raw pointers into the user's buffers or the schedule's scratch, which is
// allocated once (scratch()) before any pointer into it is taken.
//
// Convert steps are local steps whose function the runtime supplies (packing a derived
// datatype with holes into a block() before the algorithm's first round, unpacking it after
// its last): this layer never sees a datatype.
#include <cstdint>
#include <memory>
#include <new>
#include <vector>

#include "collectives/comm_view.hpp"

namespace efampi::coll {

// How to combine elements: inout[i] = in[i] op inout[i] for `count` elements of `extent`
// bytes. Supplied by the runtime (a predefined kernel or a user function).
struct Reduction {
    void (*fn)(const void* ctx, const void* ctx2, const void* in, void* inout,
               uint64_t count) = nullptr;
    const void* ctx = nullptr;   // the runtime's: a kernel, or a user op and its datatype
    const void* ctx2 = nullptr;
    uint64_t extent = 1;
    bool commutative = true;
    void apply(const void* in, void* inout, uint64_t count) const {
        fn(ctx, ctx2, in, inout, count);
    }
};

enum class StepKind : uint8_t { send, recv, copy, reduce, convert };

// A convert step's function: `fn(ctx, src, dst, n)` (n in the runtime's units, e.g. elements
// of a datatype). It runs inside the progress hook: it must not block or throw.
struct Convert {
    void (*fn)(const void* ctx, const void* src, void* dst, uint64_t n);
    const void* ctx;
};

struct Step {
    StepKind kind;
    int peer;             // send, recv: communicator rank (remote group's when `remote`);
                          // convert: index of its Convert
    const void* src;      // send: data; copy, convert: source; reduce: `in`
    void* dst;            // recv: buffer; copy, convert: destination; reduce: `inout`
    uint64_t n;           // send, recv, copy: bytes; reduce: elements; convert: fn's units
    bool remote = false;  // intercommunicators: a message with the remote group
};

// The tag of an intercommunicator collective's messages between the groups: the instance's tag
// with this bit set (instance tags stay below it), so they never match the groups' own.
constexpr int remote_tag_bit = 0x40000000;

class Schedule {
public:
    // Starts building: clears the steps, keeps the storage (a reused schedule allocates
    // nothing once warm).
    void reset(const CommView& view, int tag);

    // Scratch space of `bytes`, taken once per build before any step points into it.
    uint8_t* scratch(uint64_t bytes);
    // A second scratch block, for a composition of algorithms (intercommunicator collectives)
    // whose own buffers must not be the block the algorithms it calls take. Same rules.
    uint8_t* aux(uint64_t bytes);

    void send(int peer, const void* buf, uint64_t bytes) {
        steps_.push_back({StepKind::send, peer, buf, nullptr, bytes});
    }
    void recv(int peer, void* buf, uint64_t bytes) {
        steps_.push_back({StepKind::recv, peer, nullptr, buf, bytes});
    }
    // Intercommunicators: messages with rank `peer` of the remote group.
    void send_remote(int peer, const void* buf, uint64_t bytes) {
        steps_.push_back({StepKind::send, peer, buf, nullptr, bytes, true});
    }
    void recv_remote(int peer, void* buf, uint64_t bytes) {
        steps_.push_back({StepKind::recv, peer, nullptr, buf, bytes, true});
    }
    void copy(const void* from, void* to, uint64_t bytes) {
        if (bytes && from != to) steps_.push_back({StepKind::copy, -1, from, to, bytes});
    }
    void reduce(const void* in, void* inout, uint64_t count) {
        if (count) steps_.push_back({StepKind::reduce, -1, in, inout, count});
    }
    // A local step running `fn(ctx, src, dst, n)` (see Convert).
    void convert(Convert c, const void* src, void* dst, uint64_t n) {
        if (!n) return;
        steps_.push_back({StepKind::convert, static_cast<int>(converts_.size()), src, dst, n});
        converts_.push_back(c);
    }
    // Closes the current round (no-op when it is empty).
    void end_round() {
        if (steps_.size() > (round_end_.empty() ? 0 : round_end_.back()))
            round_end_.push_back(static_cast<uint32_t>(steps_.size()));
    }

    Reduction reduction;
    const CommView& view() const { return view_; }
    int tag() const { return tag_; }
    size_t rounds() const { return round_end_.size(); }
    // Buffers of the caller's own (packed data of the runtime's convert steps, their
    // contexts): any number per build, each at least 16-byte aligned, distinct from scratch()
    // and aux(); kept across reset() and reused in order, so a rebuilt schedule of the same
    // shape allocates nothing.
    uint8_t* block(uint64_t bytes);
    // Something the schedule keeps alive while it may run (a datatype of a pending
    // nonblocking or persistent collective): `release(obj)` is called by release_held(),
    // which reset(), the executor (an execution going back to its pool) and the blocking
    // path (after the run) call.
    void hold(void (*release)(void*), void* obj) { held_.push_back({release, obj}); }
    void release_held() {
        if (!held_.empty()) release_held_slow();
    }
    const Convert& convert_of(const Step& st) const {
        return converts_[static_cast<size_t>(st.peer)];
    }

    // Steps of round k: [begin(k), end(k)).
    const Step* begin(size_t k) const { return steps_.data() + (k ? round_end_[k - 1] : 0); }
    const Step* end(size_t k) const { return steps_.data() + round_end_[k]; }
    // Runs the local steps of round k (after its messages completed).
    void run_local(size_t k) const;

    // Totals, for tests and the simulation: messages and bytes this rank sends.
    uint64_t messages() const;
    uint64_t bytes_sent() const;
    // For the simulation's checks: the scratch block, and how many times this build took it
    // (at most once: a second, larger call reallocates and leaves earlier steps dangling).
    const uint8_t* scratch_data() const { return scratch_.data(); }
    uint64_t scratch_size() const { return scratch_.bytes; }
    int scratch_takes() const { return scratch_takes_; }

private:
    void release_held_slow();

    CommView view_{};
    int tag_ = 0;
    std::vector<Step> steps_;
    std::vector<uint32_t> round_end_;
    // A buffer kept between builds (a huge one is not kept for a small collective),
    // page-aligned: the peers read these with process_vm_readv, whose copy is slow at some
    // relative page offsets that user buffers often have against an unaligned one, and fast
    // against a page-aligned one (docs/performance.md, "Copies and page offsets").
    struct Kept {
        struct Free {
            void operator()(uint8_t* p) const { ::operator delete[](p, std::align_val_t(4096)); }
        };
        std::unique_ptr<uint8_t[], Free> p;
        uint64_t bytes = 0;
        uint8_t* take(uint64_t n);
        uint8_t* data() const { return p.get(); }
    };
    Kept scratch_;
    int scratch_takes_ = 0;
    std::vector<int> world_;  // a copy of the rank map: the communicator may be freed first
    std::vector<int> remote_;  // same, of an intercommunicator's remote group
    Kept aux_;
    std::vector<Convert> converts_;
    std::vector<Kept> blocks_;
    size_t blocks_used_ = 0;
    struct Held {
        void (*release)(void*);
        void* obj;
    };
    std::vector<Held> held_;
};

}  // namespace efampi::coll
