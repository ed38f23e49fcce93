#pragma once
// Groups: an ordered list of distinct job ranks ("world ranks"); a process's rank in a group is
// its index in that list. Immutable once made. MPI_GROUP_EMPTY is the one predefined group;
// operations whose result is empty return a fresh (freeable) empty group, which compares
// MPI_IDENT with MPI_GROUP_EMPTY. Groups carry a reference count so that a communicator made
// from a group (Comm_create, Comm_create_group) may keep it while the user frees its handle.
#include <mpi.h>

#include <cstddef>
#include <vector>

#include "runtime/objects/handle.hpp"

namespace efampi::rt {

class Group {
public:
    Magic magic = Magic::group;

    // The members in group-rank order: ranks()[r] is the job rank of group rank r.
    const std::vector<int>& ranks() const { return ranks_; }
    int size() const { return static_cast<int>(ranks_.size()); }
    int world_rank(int group_rank) const { return ranks_[static_cast<size_t>(group_rank)]; }
    // The group rank of job rank `world`, or MPI_UNDEFINED when it is not a member. O(size).
    int rank_of(int world) const;
    // The calling process's rank in this group, or MPI_UNDEFINED.
    int my_rank() const;
    bool predefined() const { return predefined_; }
    MPI_Group handle() const { return handle_; }

private:
    friend Group* group_make(std::vector<int> world_ranks);
    friend Group* group_empty();
    friend void group_retain(Group* g);
    friend void group_release(Group* g);
    friend void groups_finalize();
    std::vector<int> ranks_;
    int refs_ = 1;
    bool predefined_ = false;
    MPI_Group handle_ = nullptr;
};

// The object behind `h`, or null when `h` names no live group (MPI_GROUP_NULL, freed, garbage).
Group* to_group(MPI_Group h);
// The predefined MPI_GROUP_EMPTY.
Group* group_empty();
// A new group of the job ranks `world_ranks`, in that order, owned by the caller (one
// reference). Throws efampi::Error (MPI_ERR_RANK) if a rank is negative or repeated.
Group* group_make(std::vector<int> world_ranks);
// The group of a communicator's members: comm rank r -> `world[r]` (identity when empty).
Group* group_of_comm(const std::vector<int>& world, int size);
void group_retain(Group* g);
// Drops one reference; the last one poisons the object and parks it (see group.cpp).
void group_release(Group* g);
// At MPI_Finalize: frees the parked groups.
void groups_finalize();

// The set operations of the standard on member lists (job ranks), pure functions:
// union: all of a, then the members of b not in a, in b's order;
// intersection: the members of a also in b, in a's order;
// difference: the members of a not in b, in a's order.
std::vector<int> ranks_union(const std::vector<int>& a, const std::vector<int>& b);
std::vector<int> ranks_intersection(const std::vector<int>& a, const std::vector<int>& b);
std::vector<int> ranks_difference(const std::vector<int>& a, const std::vector<int>& b);
// MPI_IDENT (same members, same order), MPI_SIMILAR (same members) or MPI_UNEQUAL.
int ranks_compare(const std::vector<int>& a, const std::vector<int>& b);

}  // namespace efampi::rt
