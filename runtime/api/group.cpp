// Group entry points (MPI 4.1 chapter 7.3) and MPI_Comm_group. Errors of group calls belong to
// no communicator (api::no_object); MPI_Comm_group's go to the comm's handler.
#include <string>
#include <unordered_map>
#include <vector>

#include "runtime/api/call.hpp"
#include "runtime/api/check.hpp"
#include "runtime/objects/group.hpp"

using namespace efampi;

namespace {

rt::Group* check_group(MPI_Group h, const char* what = "group") {
    rt::Group* g = rt::to_group(h);
    if (!g)
        throw Error(MPI_ERR_GROUP, std::string(what) +
                                       (h == MPI_GROUP_NULL ? " is MPI_GROUP_NULL"
                                                            : " is not a valid group"));
    return g;
}

void check_out(void* p, const char* what) {
    if (!p) api::bad_arg((std::string(what) + " pointer is NULL").c_str());
}

// `n` entries of `ranks` for a group of `size`: n in [0, size], the array present when n > 0.
void check_rank_list(int n, const void* ranks, int size) {
    if (n < 0) throw Error(MPI_ERR_ARG, "n = " + std::to_string(n) + " is negative");
    if (n > size)
        throw Error(MPI_ERR_ARG, "n = " + std::to_string(n) + " exceeds the group size " +
                                     std::to_string(size));
    if (n > 0 && !ranks) api::bad_arg("ranks array is NULL");
}

// Marks group rank r of a group of `seen.size()` as chosen; out of range or repeated: an error.
void mark(std::vector<char>& seen, int r, const char* what) {
    int size = static_cast<int>(seen.size());
    if (r < 0 || r >= size)
        throw Error(MPI_ERR_RANK, std::string(what) + " " + std::to_string(r) +
                                      " is out of range for a group of size " +
                                      std::to_string(size));
    if (seen[static_cast<size_t>(r)])
        throw Error(MPI_ERR_RANK,
                    std::string(what) + " " + std::to_string(r) + " is listed twice");
    seen[static_cast<size_t>(r)] = 1;
}

// The group ranks of `n` (first, last, stride) triplets, in order, each checked.
std::vector<int> expand_ranges(int n, const int (*ranges)[3], int size) {
    if (n < 0) throw Error(MPI_ERR_ARG, "n = " + std::to_string(n) + " is negative");
    if (n > 0 && !ranges) api::bad_arg("ranges array is NULL");
    std::vector<char> seen(static_cast<size_t>(size), 0);
    std::vector<int> out;
    for (int i = 0; i < n; ++i) {
        int first = ranges[i][0], last = ranges[i][1], stride = ranges[i][2];
        std::string which = "ranges[" + std::to_string(i) + "]";
        if (stride == 0) throw Error(MPI_ERR_ARG, which + " has stride 0");
        if ((stride > 0 && first > last) || (stride < 0 && first < last))
            throw Error(MPI_ERR_ARG, which + " = (" + std::to_string(first) + ", " +
                                         std::to_string(last) + ", " + std::to_string(stride) +
                                         "): the stride points away from last");
        // Both ends are checked, so every rank in between is in range; 64-bit steps cannot
        // overflow.
        mark(seen, first, (which + ": rank").c_str());
        if (last < 0 || last >= size)
            throw Error(MPI_ERR_RANK, which + ": last rank " + std::to_string(last) +
                                          " is out of range for a group of size " +
                                          std::to_string(size));
        out.push_back(first);
        for (int64_t r = int64_t{first} + stride; stride > 0 ? r <= last : r >= last; r += stride) {
            mark(seen, static_cast<int>(r), (which + ": rank").c_str());
            out.push_back(static_cast<int>(r));
        }
    }
    return out;
}

// A new group of `members`; an empty result is MPI_GROUP_EMPTY itself (MPI 4.1 §7.3.2: codes
// compare the handle with MPI_GROUP_EMPTY), which MPI_Group_free accepts.
MPI_Group group_handle(std::vector<int> members) {
    if (members.empty()) return MPI_GROUP_EMPTY;
    return rt::group_make(std::move(members))->handle();
}

// The members of `g` at the group ranks `picked`, as a new group.
MPI_Group make_from(const rt::Group& g, const std::vector<int>& picked) {
    std::vector<int> members;
    members.reserve(picked.size());
    for (int r : picked) members.push_back(g.world_rank(r));
    return group_handle(std::move(members));
}

// The members of `g` except the group ranks marked in `drop`, as a new group.
MPI_Group make_without(const rt::Group& g, const std::vector<char>& drop) {
    std::vector<int> members;
    for (int r = 0; r < g.size(); ++r)
        if (!drop[static_cast<size_t>(r)]) members.push_back(g.world_rank(r));
    return group_handle(std::move(members));
}

}  // namespace

extern "C" int PMPI_Group_size(MPI_Group group, int* size) {
    return api::call(api::no_object, "MPI_Group_size", [&] {
        rt::Group* g = check_group(group);
        check_out(size, "size");
        *size = g->size();
        return MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Group_size)

extern "C" int PMPI_Group_rank(MPI_Group group, int* rank) {
    return api::call(api::no_object, "MPI_Group_rank", [&] {
        rt::Group* g = check_group(group);
        check_out(rank, "rank");
        *rank = g->my_rank();
        return MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Group_rank)

extern "C" int PMPI_Group_translate_ranks(MPI_Group group1, int n, const int ranks1[],
                                          MPI_Group group2, int ranks2[]) {
    return api::call(api::no_object, "MPI_Group_translate_ranks", [&] {
        rt::Group* a = check_group(group1, "group1");
        rt::Group* b = check_group(group2, "group2");
        if (n < 0) throw Error(MPI_ERR_ARG, "n = " + std::to_string(n) + " is negative");
        if (n > 0 && (!ranks1 || !ranks2)) api::bad_arg("ranks1 or ranks2 array is NULL");
        for (int i = 0; i < n; ++i) {
            int r = ranks1[i];
            if (r != MPI_PROC_NULL && (r < 0 || r >= a->size()))
                throw Error(MPI_ERR_RANK, "ranks1[" + std::to_string(i) + "] = " +
                                              std::to_string(r) +
                                              " is out of range for group1 of size " +
                                              std::to_string(a->size()));
        }
        std::unordered_map<int, int> in_b;  // job rank -> rank in group2
        in_b.reserve(static_cast<size_t>(b->size()));
        for (int r = 0; r < b->size(); ++r) in_b.emplace(b->world_rank(r), r);
        for (int i = 0; i < n; ++i) {
            int r = ranks1[i];
            if (r == MPI_PROC_NULL) {
                ranks2[i] = MPI_PROC_NULL;
                continue;
            }
            auto it = in_b.find(a->world_rank(r));
            ranks2[i] = it == in_b.end() ? MPI_UNDEFINED : it->second;
        }
        return MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Group_translate_ranks)

extern "C" int PMPI_Group_compare(MPI_Group group1, MPI_Group group2, int* result) {
    return api::call(api::no_object, "MPI_Group_compare", [&] {
        rt::Group* a = check_group(group1, "group1");
        rt::Group* b = check_group(group2, "group2");
        check_out(result, "result");
        *result = rt::ranks_compare(a->ranks(), b->ranks());
        return MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Group_compare)

namespace {
template <class Op>
int set_operation(const char* fn, MPI_Group group1, MPI_Group group2, MPI_Group* newgroup,
                  Op op) {
    return api::call(api::no_object, fn, [&] {
        rt::Group* a = check_group(group1, "group1");
        rt::Group* b = check_group(group2, "group2");
        check_out(newgroup, "newgroup");
        *newgroup = group_handle(op(a->ranks(), b->ranks()));
        return MPI_SUCCESS;
    });
}
}  // namespace

extern "C" int PMPI_Group_union(MPI_Group group1, MPI_Group group2, MPI_Group* newgroup) {
    return set_operation("MPI_Group_union", group1, group2, newgroup, rt::ranks_union);
}
EFAMPI_ALIAS(Group_union)

extern "C" int PMPI_Group_intersection(MPI_Group group1, MPI_Group group2,
                                       MPI_Group* newgroup) {
    return set_operation("MPI_Group_intersection", group1, group2, newgroup,
                         rt::ranks_intersection);
}
EFAMPI_ALIAS(Group_intersection)

extern "C" int PMPI_Group_difference(MPI_Group group1, MPI_Group group2, MPI_Group* newgroup) {
    return set_operation("MPI_Group_difference", group1, group2, newgroup,
                         rt::ranks_difference);
}
EFAMPI_ALIAS(Group_difference)

extern "C" int PMPI_Group_incl(MPI_Group group, int n, const int ranks[], MPI_Group* newgroup) {
    return api::call(api::no_object, "MPI_Group_incl", [&] {
        rt::Group* g = check_group(group);
        check_rank_list(n, ranks, g->size());
        check_out(newgroup, "newgroup");
        std::vector<char> seen(static_cast<size_t>(g->size()), 0);
        std::vector<int> picked;
        for (int i = 0; i < n; ++i) {
            mark(seen, ranks[i], ("ranks[" + std::to_string(i) + "] =").c_str());
            picked.push_back(ranks[i]);
        }
        *newgroup = make_from(*g, picked);
        return MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Group_incl)

extern "C" int PMPI_Group_excl(MPI_Group group, int n, const int ranks[], MPI_Group* newgroup) {
    return api::call(api::no_object, "MPI_Group_excl", [&] {
        rt::Group* g = check_group(group);
        check_rank_list(n, ranks, g->size());
        check_out(newgroup, "newgroup");
        std::vector<char> drop(static_cast<size_t>(g->size()), 0);
        for (int i = 0; i < n; ++i)
            mark(drop, ranks[i], ("ranks[" + std::to_string(i) + "] =").c_str());
        *newgroup = make_without(*g, drop);
        return MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Group_excl)

extern "C" int PMPI_Group_range_incl(MPI_Group group, int n, int ranges[][3],
                                     MPI_Group* newgroup) {
    return api::call(api::no_object, "MPI_Group_range_incl", [&] {
        rt::Group* g = check_group(group);
        check_out(newgroup, "newgroup");
        *newgroup = make_from(*g, expand_ranges(n, ranges, g->size()));
        return MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Group_range_incl)

extern "C" int PMPI_Group_range_excl(MPI_Group group, int n, int ranges[][3],
                                     MPI_Group* newgroup) {
    return api::call(api::no_object, "MPI_Group_range_excl", [&] {
        rt::Group* g = check_group(group);
        check_out(newgroup, "newgroup");
        std::vector<char> drop(static_cast<size_t>(g->size()), 0);
        for (int r : expand_ranges(n, ranges, g->size())) drop[static_cast<size_t>(r)] = 1;
        *newgroup = make_without(*g, drop);
        return MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Group_range_excl)

extern "C" int PMPI_Group_free(MPI_Group* group) {
    return api::call(api::no_object, "MPI_Group_free", [&] {
        check_out(group, "group");
        rt::Group* g = check_group(*group);
        // MPI_GROUP_EMPTY is what constructors return for an empty result, and codes free
        // every group they made: freeing it sets the handle to MPI_GROUP_NULL and nothing else
        // (as MPICH and Open MPI do).
        rt::group_release(g);  // no-op on the predefined group
        *group = MPI_GROUP_NULL;
        return MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Group_free)

extern "C" int PMPI_Comm_group(MPI_Comm comm, MPI_Group* group) {
    return api::call(comm, "MPI_Comm_group", [&] {
        rt::Comm* c = api::check_comm(comm);
        check_out(group, "group");
        *group = rt::group_of_comm(c->world, c->size)->handle();
        return MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Comm_group)
