// Communicator management: MPI_Comm_dup, Comm_split, Comm_split_type, Comm_create(_group), Comm_free,
// Comm_compare, Comm_set_name (intercommunicators' own calls: intercomm.cpp). New communicators take a
// context-id pair agreed over the parent (runtime/objects/context_ids.hpp); the exchanges use
// the parent's collective context, so they never meet user traffic.
#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "base/undo.hpp"
#include "collectives/allgather.hpp"
#include "runtime/api/call.hpp"
#include "runtime/api/check.hpp"
#include "runtime/api/comm_split.hpp"
#include "runtime/api/intercomm.hpp"
#include "runtime/objects/attributes.hpp"
#include "runtime/objects/context_ids.hpp"
#include "runtime/objects/group.hpp"
#include "runtime/objects/hw_topology.hpp"
#include "runtime/objects/info.hpp"

using namespace efampi;

namespace {

// The output argument of a communicator constructor: MPI_COMM_NULL until the new communicator
// exists, so a call that fails (an attribute copy callback's error, say) leaves no stale
// handle. The input handle is read before this (the caller may pass the same variable).
void new_comm_out(MPI_Comm* newcomm) {
    if (!newcomm) api::bad_arg("newcomm pointer is NULL");
    *newcomm = MPI_COMM_NULL;
}

// What each member of the parent tells the others when splitting: its colour and key, and its
// free context ids (one exchange for both).
struct SplitEntry {
    int color;
    int key;
    rt::ContextIds::Mask mask;
};

}  // namespace

namespace efampi::api {

// Every member calls this with its colour and key (colour MPI_UNDEFINED: no new communicator).
// Bad colours are reported on every rank alike, after the exchange, so nobody waits forever.
void comm_split(rt::Comm* parent, int color, int key, MPI_Comm* newcomm, const char* what) {
    if (parent->inter)  // callers take intercommunicators elsewhere (api::inter_split)
        throw Error(MPI_ERR_INTERN, "comm_split called on an intercommunicator");
    std::vector<SplitEntry> all(static_cast<size_t>(parent->size));
    rt::ContextIds::Blocking hold(rt::context_ids());  // until the id is taken, below
    SplitEntry mine{color, key, rt::context_ids().mask()};
    int err = coll::allgather_bytes(parent->coll_view(), &mine, sizeof mine, all.data());
    if (err) throw Error(err, "exchanging colours and keys failed");
    for (int r = 0; r < parent->size; ++r) {
        int c = all[static_cast<size_t>(r)].color;
        if (c < 0 && c != MPI_UNDEFINED)
            throw Error(MPI_ERR_ARG, std::string(what) + " " + std::to_string(c) + " of rank " +
                                         std::to_string(r) +
                                         " is negative (only MPI_UNDEFINED may be)");
    }
    std::vector<rt::ContextIds::Mask> masks;
    masks.reserve(all.size());
    for (const SplitEntry& e : all) masks.push_back(e.mask);
    uint32_t ctx = rt::context_ids().pick(masks.data(), masks.size());
    if (color == MPI_UNDEFINED) {
        *newcomm = MPI_COMM_NULL;
        return;
    }
    std::vector<int> order;  // parent ranks of my colour, by key then parent rank
    for (int r = 0; r < parent->size; ++r)
        if (all[static_cast<size_t>(r)].color == color) order.push_back(r);
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
        return all[static_cast<size_t>(a)].key < all[static_cast<size_t>(b)].key;
    });
    std::vector<int> members;
    int my_rank = 0;
    for (size_t i = 0; i < order.size(); ++i) {
        if (order[i] == parent->rank) my_rank = static_cast<int>(i);
        members.push_back(parent->to_world(order[i]));
    }
    *newcomm = rt::comm_new(ctx, std::move(members), my_rank, parent->errh)->handle;
}

void dup_contents(rt::Comm* c, rt::Comm* d) {
    d->inter = c->inter;
    d->remote = c->remote;
    if (c->topo) d->topo = std::make_unique<rt::Topology>(*c->topo);
    Undo drop([&] {  // a copy callback failed: what was copied goes, and the new communicator
        try {
            rt::attr_delete_all(*d);
        } catch (...) {  // a failing delete callback cannot replace the copy's error
        }
        rt::comm_free(d);
    });
    rt::attr_copy_all(*c, *d);
    drop.keep();
}

}  // namespace efampi::api

namespace {

// The context id of a duplicate of `c`: agreed over its group, or over both groups of an
// intercommunicator.
uint32_t dup_ctx(rt::Comm* c) {
    if (!c->inter) return rt::context_ids().agree(c->coll_view());
    return api::inter_agree(c->coll_view(), 0, api::leaders_link(*c), rt::comm_members(*c), 0).ctx;
}

// The new communicator of MPI_Comm_dup(_with_info), with the parent's attributes (copied by
// their callbacks) and topology; a failing callback frees it again and fails the call.
MPI_Comm dup_of(rt::Comm* c, uint32_t ctx) {
    rt::Comm* d = rt::comm_new(ctx, rt::comm_members(*c), c->rank, c->errh);
    api::dup_contents(c, d);
    return d->handle;
}

}  // namespace

extern "C" int PMPI_Comm_dup(MPI_Comm comm, MPI_Comm* newcomm) {
    return api::call(comm, "MPI_Comm_dup", [&] {
        rt::Comm* c = api::check_comm(comm);
        new_comm_out(newcomm);
        *newcomm = dup_of(c, dup_ctx(c));
        return MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Comm_dup)

extern "C" int PMPI_Comm_split(MPI_Comm comm, int color, int key, MPI_Comm* newcomm) {
    return api::call(comm, "MPI_Comm_split", [&] {
        rt::Comm* c = api::check_comm(comm);
        new_comm_out(newcomm);
        if (c->inter) api::inter_split(c, color, key, newcomm);
        else api::comm_split(c, color, key, newcomm, "colour");
        return MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Comm_split)

namespace {
// The value of `key` in `info` (MPI_INFO_NULL: none); a handle that is no info is MPI_ERR_INFO.
const std::string* info_value(MPI_Info info, const char* key) {
    if (info == MPI_INFO_NULL) return nullptr;
    const rt::Info* in = rt::to_info(info);
    if (!in) throw Error(MPI_ERR_INFO, "info is not a valid info object");
    return in->find(key);
}
}  // namespace

extern "C" int PMPI_Comm_split_type(MPI_Comm comm, int split_type, int key, MPI_Info info,
                                    MPI_Comm* newcomm) {
    return api::call(comm, "MPI_Comm_split_type", [&] {
        rt::Comm* c = api::check_comm(comm);
        if (c->inter)
            throw Error(MPI_ERR_UNSUPPORTED_OPERATION,
                        "MPI_Comm_split_type on an intercommunicator is not implemented yet in "
                        "efampi (MPI_Comm_split is)");
        new_comm_out(newcomm);
        // One colour per host: the lowest job rank running there.
        auto host_colour = [] {
            Bootstrap& boot = *rt::state().boot;
            int me = boot.rank();
            for (int r = 0; r < me; ++r)
                if (boot.is_local(r)) return r;
            return me;
        };
        int color = MPI_UNDEFINED;
        if (split_type == MPI_COMM_TYPE_SHARED) {
            color = host_colour();
        } else if (split_type == MPI_COMM_TYPE_HW_GUIDED) {
            // The info key names the kind of hardware resource; ranks bound inside the same
            // one (and on the same host) share a communicator; a rank that may run across
            // several such resources, asks for a type this host does not know, or gives no
            // type at all, gets MPI_COMM_NULL (MPI 4.1 §7.4.2: not an error).
            const std::string* type = info_value(info, "mpi_hw_resource_type");
            if (!type) {
                color = MPI_UNDEFINED;
            } else if (*type == "mpi_shared_memory") {
                color = host_colour();
            } else {
                int idx = rt::hw_object_index(*type);
                if (idx >= 0 && idx < 4096) color = host_colour() * 4096 + idx;
            }
        } else if (split_type == MPI_COMM_TYPE_RESOURCE_GUIDED) {
            // The info key mpi_pset_name names a process set: the two every MPI defines are
            // known (mpi://WORLD: everyone together; mpi://SELF: each rank alone); no name or
            // another name gives MPI_COMM_NULL, as for a hardware type that is not there.
            const std::string* pset = info_value(info, "mpi_pset_name");
            if (pset && *pset == "mpi://WORLD") color = 0;
            else if (pset && *pset == "mpi://SELF") color = c->rank;
        } else if (split_type != MPI_UNDEFINED) {
            // The type is the same on every rank (the standard requires it), so every rank
            // refuses alike and nobody is left waiting in the exchange.
            if (split_type == MPI_COMM_TYPE_HW_UNGUIDED)
                throw Error(MPI_ERR_UNSUPPORTED_OPERATION,
                            "MPI_Comm_split_type: MPI_COMM_TYPE_HW_UNGUIDED is not implemented "
                            "yet in efampi");
            throw Error(MPI_ERR_ARG, "split_type " + std::to_string(split_type) +
                                         " is not a split type");
        }
        api::comm_split(c, color, key, newcomm, "colour");
        return MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Comm_split_type)

extern "C" int PMPI_Comm_free(MPI_Comm* comm) {
    return api::call(comm ? *comm : api::no_object, "MPI_Comm_free", [&] {
        if (!comm) api::bad_arg("comm pointer is NULL");
        rt::Comm* c = api::check_comm(*comm);
        if (c == rt::comm_world() || c == rt::comm_self())
            throw Error(MPI_ERR_COMM, c->name + " is predefined and cannot be freed");
        rt::attr_delete_all(*c);  // delete callbacks first; one failing fails the free
        rt::comm_free(c);
        *comm = MPI_COMM_NULL;
        return MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Comm_free)

extern "C" int PMPI_Comm_compare(MPI_Comm comm1, MPI_Comm comm2, int* result) {
    return api::call(comm1, "MPI_Comm_compare", [&] {
        rt::Comm* a = api::check_comm(comm1);
        rt::Comm* b = api::check_comm(comm2);
        if (!result) api::bad_arg("result pointer is NULL");
        if (a == b) {
            *result = MPI_IDENT;
            return MPI_SUCCESS;
        }
        if (a->inter != b->inter) {
            *result = MPI_UNEQUAL;
            return MPI_SUCCESS;
        }
        // Intercommunicators compare both groups: congruent when both are the same in order,
        // similar when they hold the same ranks.
        std::vector<int> ma = rt::comm_members(*a), mb = rt::comm_members(*b);
        ma.insert(ma.end(), a->remote.begin(), a->remote.end());
        mb.insert(mb.end(), b->remote.begin(), b->remote.end());
        if (ma == mb) {
            *result = MPI_CONGRUENT;
            return MPI_SUCCESS;
        }
        auto same_set = [](std::vector<int> x, std::vector<int> y) {
            std::sort(x.begin(), x.end());
            std::sort(y.begin(), y.end());
            return x == y;
        };
        bool similar = same_set(rt::comm_members(*a), rt::comm_members(*b)) &&
                       same_set(a->remote, b->remote);
        *result = similar ? MPI_SIMILAR : MPI_UNEQUAL;
        return MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Comm_compare)

extern "C" int PMPI_Comm_set_name(MPI_Comm comm, const char* name) {
    return api::call(comm, "MPI_Comm_set_name", [&] {
        rt::Comm* c = api::check_comm(comm);
        if (!name) api::bad_arg("name is NULL");
        c->name.assign(name, strnlen(name, MPI_MAX_OBJECT_NAME - 1));
        return MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Comm_set_name)


// ---------------------------------------------------------------- from groups

namespace {

// Every member of `g` must belong to `c`.
void check_subset(const rt::Comm& c, const rt::Group& g) {
    std::vector<int> members = rt::comm_members(c);
    for (int w : g.ranks())
        if (std::find(members.begin(), members.end(), w) == members.end())
            throw Error(MPI_ERR_GROUP, "the group holds job rank " + std::to_string(w) +
                                           ", which is not a member of the communicator");
}

rt::Group* check_group_arg(MPI_Group h) {
    rt::Group* g = rt::to_group(h);
    if (!g) throw Error(MPI_ERR_GROUP, "group is not a valid group (MPI_GROUP_NULL or freed)");
    return g;
}

}  // namespace

extern "C" int PMPI_Comm_create(MPI_Comm comm, MPI_Group group, MPI_Comm* newcomm) {
    return api::call(comm, "MPI_Comm_create", [&] {
        rt::Comm* c = api::check_comm(comm);
        rt::Group* g = check_group_arg(group);
        new_comm_out(newcomm);
        check_subset(*c, *g);  // on an intercommunicator: a subgroup of the local group
        if (c->inter) {
            // The members of `group` on each side face each other, in group order; a side
            // whose group is empty leaves everyone with MPI_COMM_NULL.
            int me = g->my_rank();
            api::inter_split(c, me == MPI_UNDEFINED ? MPI_UNDEFINED : 0, me, newcomm);
            return MPI_SUCCESS;
        }
        // Collective over the whole communicator: everyone agrees on the id, members use it.
        uint32_t ctx = rt::context_ids().agree(c->coll_view());
        int me = g->my_rank();
        *newcomm = me == MPI_UNDEFINED ? MPI_COMM_NULL
                                       : rt::comm_new(ctx, g->ranks(), me, c->errh)->handle;
        return MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Comm_create)

extern "C" int PMPI_Comm_create_group(MPI_Comm comm, MPI_Group group, int tag,
                                      MPI_Comm* newcomm) {
    return api::call(comm, "MPI_Comm_create_group", [&] {
        rt::Comm* c = api::check_intra(comm, "MPI_Comm_create_group");
        rt::Group* g = check_group_arg(group);
        new_comm_out(newcomm);
        api::check_send_tag(tag);
        check_subset(*c, *g);
        int me = g->my_rank();
        if (me == MPI_UNDEFINED)
            throw Error(MPI_ERR_GROUP, "the calling process is not in the group (only the "
                                       "group's members call MPI_Comm_create_group)");
        // Collective over the group only: the exchange runs among its members, numbered by
        // group rank, in the communicator's collective context with a tag of its own
        // (0x40000000 | tag) that no whole-communicator operation uses.
        coll::CommView view{c->ctx + 1, me, g->size(), g->ranks().data()};
        uint32_t ctx = rt::context_ids().agree(view, 0x40000000 | tag);
        *newcomm = rt::comm_new(ctx, g->ranks(), me, c->errh)->handle;
        return MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Comm_create_group)

// ---------------------------------------------------------------- info hints

namespace {

// MPI_INFO_NULL or a live info object; no communicator hint is understood yet, so the hints
// given are accepted and have no effect (the standard lets an implementation ignore them).
void check_info_arg(MPI_Info info) {
    if (info != MPI_INFO_NULL && !rt::to_info(info))
        throw Error(MPI_ERR_INFO, "info is not a valid info object (freed or never created)");
}

}  // namespace

extern "C" int PMPI_Comm_dup_with_info(MPI_Comm comm, MPI_Info info, MPI_Comm* newcomm) {
    return api::call(comm, "MPI_Comm_dup_with_info", [&] {
        rt::Comm* c = api::check_comm(comm);
        check_info_arg(info);
        new_comm_out(newcomm);
        *newcomm = dup_of(c, dup_ctx(c));
        return MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Comm_dup_with_info)

extern "C" int PMPI_Comm_set_info(MPI_Comm comm, MPI_Info info) {
    return api::call(comm, "MPI_Comm_set_info", [&] {
        api::check_comm(comm);
        check_info_arg(info);
        return MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Comm_set_info)

extern "C" int PMPI_Comm_get_info(MPI_Comm comm, MPI_Info* info_used) {
    return api::call(comm, "MPI_Comm_get_info", [&] {
        api::check_comm(comm);
        if (!info_used) api::bad_arg("info_used pointer is NULL");
        // The hints in effect: none is understood yet, so a new, empty info object.
        *info_used = rt::info_create()->handle();
        return MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Comm_get_info)
