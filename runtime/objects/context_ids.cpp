#include "runtime/objects/context_ids.hpp"

#include <mpi.h>

#include <string>
#include <vector>

#include "collectives/allgather.hpp"
#include "base/error.hpp"

namespace efampi::rt {

ContextIds& context_ids() {
    static ContextIds ids;
    return ids;
}

uint32_t ContextIds::agree(const coll::CommView& parent, int tag) {
    Blocking hold(*this);
    std::vector<Mask> all(static_cast<size_t>(parent.size));
    int err = coll::allgather_bytes(parent, &free_, sizeof(Mask), all.data(), tag);
    if (err) throw Error(err, "exchanging context-id masks failed");
    return pick(all.data(), all.size());
}

uint32_t ContextIds::pick(const Mask* masks, size_t n) const {
    for (size_t w = 0; w < free_.size(); ++w) {
        uint64_t common = ~uint64_t{0};
        for (size_t i = 0; i < n; ++i) common &= masks[i][w];
        if (common)
            return first + 2 * static_cast<uint32_t>(w * 64 + static_cast<size_t>(__builtin_ctzll(common)));
    }
    throw Error(MPI_ERR_INTERN, "out of context ids: " + std::to_string(slots) +
                                    " communicators are alive on some rank of this communicator "
                                    "(free some with MPI_Comm_free)");
}

void ContextIds::take(uint32_t ctx) {
    uint32_t slot = (ctx - first) / 2;
    free_[slot / 64] &= ~(uint64_t{1} << (slot % 64));
}

bool ContextIds::is_free(uint32_t ctx) const {
    uint32_t slot = (ctx - first) / 2;
    return ctx >= first && (free_[slot / 64] >> (slot % 64) & 1);
}

void ContextIds::release(uint32_t ctx) {
    if (ctx < first) return;
    uint32_t slot = (ctx - first) / 2;
    free_[slot / 64] |= uint64_t{1} << (slot % 64);
}

int ContextIds::in_use() const {
    int n = 0;
    for (uint64_t w : free_) n += __builtin_popcountll(~w);
    return n;
}

}  // namespace efampi::rt
