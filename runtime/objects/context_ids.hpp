#pragma once
// Context ids of communicators. Each communicator takes a pair (ctx for point-to-point, ctx + 1
// for its collectives); WORLD has 0/1, SELF 2/3, and the others come from a pool of `slots`
// pairs starting at 4. Allocation is collective over the parent communicator: every member
// contributes its mask of free slots, all take the lowest slot free everywhere (the same answer
// on every rank, with no coordinator). A slot is marked used only by the members of the new
// communicator; a later communicator sharing any member cannot get it, one with no common member
// may (their traffic can never meet). Freed slots return to the mask at MPI_Comm_free.
#include <array>
#include <cstddef>
#include <cstdint>

#include "collectives/comm_view.hpp"

namespace efampi::rt {

class ContextIds {
public:
    static constexpr int slots = 4096;
    static constexpr uint32_t first = 4;
    using Mask = std::array<uint64_t, slots / 64>;

    ContextIds() { free_.fill(~uint64_t{0}); }
    // Collective over `parent`: the lowest slot free on every member, as a context id (not
    // yet marked used). Throws efampi::Error (on every member alike) when none is left.
    uint32_t agree(const coll::CommView& parent, int tag = 2);
    // The same choice from masks the caller gathered itself (with other data, in one exchange).
    uint32_t pick(const Mask* masks, size_t n) const;
    const Mask& mask() const { return free_; }
    void take(uint32_t ctx);     // a member of the new communicator marks it used
    bool is_free(uint32_t ctx) const;
    void release(uint32_t ctx);  // at MPI_Comm_free
    int in_use() const;

    // A blocking agreement runs from the moment this process contributes its mask until it
    // takes the id it picked; meanwhile the progress engine may run a pending MPI_Comm_idup's
    // rounds, which must not take an id then (the blocking one may pick it). Hold a Blocking
    // for that span (agree() does).
    struct Blocking {
        explicit Blocking(ContextIds& ids) : ids_(ids) { ++ids_.blocking_; }
        ~Blocking() { --ids_.blocking_; }
        Blocking(const Blocking&) = delete;
        Blocking& operator=(const Blocking&) = delete;
        ContextIds& ids_;
    };
    bool blocking_in_progress() const { return blocking_ > 0; }

private:
    int blocking_ = 0;
    Mask free_;
};

ContextIds& context_ids();

}  // namespace efampi::rt
