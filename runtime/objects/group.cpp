#include "runtime/objects/group.hpp"

#include <deque>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "base/error.hpp"
#include "runtime/objects/comm.hpp"

namespace efampi::rt {

namespace {

// Freed groups are poisoned and parked so that a stale handle reads a dead magic instead of
// freed memory. Programs that make and free groups in a loop must not grow without bound, so
// past `quarantine` parked objects the oldest is recycled for the next group: a stale handle
// is still caught for the last `quarantine` frees, and memory stays bounded.
constexpr size_t quarantine = 4096;

std::deque<Group*>& graveyard() {
    static std::deque<Group*> g;
    return g;
}

std::unordered_map<int, int> index_of(const std::vector<int>& v) {
    std::unordered_map<int, int> m;
    m.reserve(v.size());
    for (size_t i = 0; i < v.size(); ++i) m.emplace(v[i], static_cast<int>(i));
    return m;
}

}  // namespace

int Group::rank_of(int world) const {
    for (size_t i = 0; i < ranks_.size(); ++i)
        if (ranks_[i] == world) return static_cast<int>(i);
    return MPI_UNDEFINED;
}

int Group::my_rank() const { return rank_of(comm_world()->rank); }

Group* group_empty() {
    static Group g = [] {
        Group e;
        e.predefined_ = true;
        e.handle_ = MPI_GROUP_EMPTY;
        return e;
    }();
    return &g;
}

Group* to_group(MPI_Group h) {
    uintptr_t v = handle_value(h);
    if (v <= predefined_limit) return h == MPI_GROUP_EMPTY ? group_empty() : nullptr;
    if (v % alignof(Group) != 0) return nullptr;
    auto* g = reinterpret_cast<Group*>(v);
    return g->magic == Magic::group ? g : nullptr;
}

Group* group_make(std::vector<int> world_ranks) {
    std::unordered_set<int> seen;
    seen.reserve(world_ranks.size());
    for (int r : world_ranks) {
        if (r < 0) throw Error(MPI_ERR_RANK, "job rank " + std::to_string(r) + " is negative");
        if (!seen.insert(r).second)
            throw Error(MPI_ERR_RANK, "job rank " + std::to_string(r) + " appears twice");
    }
    Group* g;
    auto& dead = graveyard();
    if (dead.size() > quarantine) {
        g = dead.front();
        dead.pop_front();
    } else {
        g = new Group;
    }
    g->magic = Magic::group;
    g->ranks_ = std::move(world_ranks);
    g->refs_ = 1;
    g->predefined_ = false;
    g->handle_ = reinterpret_cast<MPI_Group>(g);
    return g;
}

Group* group_of_comm(const std::vector<int>& world, int size) {
    if (!world.empty()) return group_make(world);
    std::vector<int> v(static_cast<size_t>(size));
    for (int i = 0; i < size; ++i) v[static_cast<size_t>(i)] = i;
    return group_make(std::move(v));
}

void group_retain(Group* g) {
    if (!g->predefined_) ++g->refs_;
}

void group_release(Group* g) {
    if (g->predefined_) return;
    if (--g->refs_ == 0) {
        g->magic = Magic::dead;
        std::vector<int>().swap(g->ranks_);  // parked objects keep no member list
        graveyard().push_back(g);
    }
}

void groups_finalize() {
    for (Group* g : graveyard()) delete g;
    graveyard().clear();
}

std::vector<int> ranks_union(const std::vector<int>& a, const std::vector<int>& b) {
    std::unordered_set<int> in_a(a.begin(), a.end());
    std::vector<int> out(a);
    for (int r : b)
        if (!in_a.count(r)) out.push_back(r);
    return out;
}

std::vector<int> ranks_intersection(const std::vector<int>& a, const std::vector<int>& b) {
    std::unordered_set<int> in_b(b.begin(), b.end());
    std::vector<int> out;
    for (int r : a)
        if (in_b.count(r)) out.push_back(r);
    return out;
}

std::vector<int> ranks_difference(const std::vector<int>& a, const std::vector<int>& b) {
    std::unordered_set<int> in_b(b.begin(), b.end());
    std::vector<int> out;
    for (int r : a)
        if (!in_b.count(r)) out.push_back(r);
    return out;
}

int ranks_compare(const std::vector<int>& a, const std::vector<int>& b) {
    if (a == b) return MPI_IDENT;
    if (a.size() != b.size()) return MPI_UNEQUAL;
    std::unordered_map<int, int> in_a = index_of(a);
    for (int r : b)
        if (!in_a.count(r)) return MPI_UNEQUAL;
    return MPI_SIMILAR;  // same size, members distinct, all of b in a: the same set
}

}  // namespace efampi::rt
