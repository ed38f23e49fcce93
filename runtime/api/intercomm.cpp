// Intercommunicators: MPI_Intercomm_create, Intercomm_merge, Comm_test_inter,
// Comm_remote_size, Comm_remote_group, and the agreement their creation and duplication share
// (intercomm.hpp). Point-to-point over them needs no code of its own (rt::Comm::peer_world);
// collectives over them are not implemented yet (MPI_ERR_UNSUPPORTED_OPERATION).
#include "runtime/api/intercomm.hpp"

#include <algorithm>
#include <cstring>

#include "collectives/algorithms.hpp"
#include "collectives/allgather.hpp"
#include "collectives/executor.hpp"
#include "pml/engine.hpp"
#include "runtime/api/call.hpp"
#include "runtime/api/check.hpp"
#include "runtime/objects/context_ids.hpp"
#include "runtime/objects/group.hpp"

using namespace efampi;

namespace {

// What a leader sends the other leader, then broadcasts to its own group (followed by `n`
// job ranks).
struct Header {
    rt::ContextIds::Mask mask;
    int32_t n;        // job ranks of the group
    int32_t n_extra;  // then this many more ints (the caller's: split colours and keys)
    int32_t flag;
    int32_t err;  // non-zero: the sending leader failed its checks (an MPI error class)
};

constexpr int bcast_tag = 7;  // the group broadcast of what its leader got

void run_bcast(const coll::CommView& v, void* buf, uint64_t bytes, int root) {
    coll::Schedule& s = coll::blocking_schedule();
    s.reset(v, bcast_tag);
    coll::build_bcast(s, coll::BcastAlg::binomial, buf, bytes, root);
    if (int err = coll::run_blocking()) throw Error(err, "broadcasting within the group failed");
}

// The leaders' swap: receive posted before the send, so two rendezvous-sized lists never wait
// on each other.
void swap(const api::InterLink& l, const void* out, uint64_t out_bytes, void* in,
          uint64_t in_bytes) {
    pml::Engine& e = pml::engine();
    pml::Request* r = e.irecv(in, in_bytes, l.their_src, l.tag, l.ctx);
    int err = e.send(out, out_bytes, l.their_world, l.my_src, l.tag, l.ctx, false);
    e.wait(r);
    if (!err) err = r->err;
    if (!err && r->st_bytes != in_bytes) err = MPI_ERR_TRUNCATE;
    e.release(r);
    if (err) throw Error(err, "the exchange between the two groups' leaders failed");
}

}  // namespace

namespace efampi::api {

InterAgreement inter_agree(const coll::CommView& local, int leader, const InterLink& link,
                           const std::vector<int>& members, int flag, int leader_err,
                           const std::string& leader_msg, const std::vector<int>& extra) {
    // The caller takes the id right after: no idup may take one meanwhile.
    rt::ContextIds::Blocking hold(rt::context_ids());
    std::vector<rt::ContextIds::Mask> masks(static_cast<size_t>(local.size));
    const rt::ContextIds::Mask& mine = rt::context_ids().mask();
    if (int err = coll::allgather_bytes(local, &mine, sizeof mine, masks.data()))
        throw Error(err, "exchanging context-id masks failed");
    Header h{};
    for (size_t w = 0; w < h.mask.size(); ++w) {
        uint64_t m = ~uint64_t{0};
        for (const auto& x : masks) m &= x[w];
        h.mask[w] = m;
    }
    Header theirs{};
    std::vector<int> remote;  // the other group's members, then its extra ints
    if (local.rank == leader) {
        if (leader_err) {
            theirs.err = leader_err;
        } else {
            h.n = static_cast<int32_t>(members.size());
            h.n_extra = static_cast<int32_t>(extra.size());
            h.flag = flag;
            swap(link, &h, sizeof h, &theirs, sizeof theirs);
            if (theirs.n < 0 || theirs.n > (1 << 24) || theirs.n_extra < 0 ||
                theirs.n_extra > (1 << 26))
                theirs.err = MPI_ERR_INTERN;
            if (!theirs.err) {
                std::vector<int> out = members;
                out.insert(out.end(), extra.begin(), extra.end());
                remote.resize(static_cast<size_t>(theirs.n) + static_cast<size_t>(theirs.n_extra));
                swap(link, out.data(), out.size() * sizeof(int), remote.data(),
                     remote.size() * sizeof(int));
            }
        }
    }
    run_bcast(local, &theirs, sizeof theirs, leader);
    if (theirs.err) {
        if (local.rank == leader && leader_err) throw Error(leader_err, leader_msg);
        throw Error(theirs.err, local.rank == leader
                                    ? "the other group's leader reported an error"
                                    : "this group's leader failed (see its error)");
    }
    remote.resize(static_cast<size_t>(theirs.n) + static_cast<size_t>(theirs.n_extra));
    if (!remote.empty()) run_bcast(local, remote.data(), remote.size() * sizeof(int), leader);
    std::vector<int> remote_extra(remote.begin() + theirs.n, remote.end());
    remote.resize(static_cast<size_t>(theirs.n));
    for (int r : remote)
        if (std::find(members.begin(), members.end(), r) != members.end())
            throw Error(MPI_ERR_COMM, "job rank " + std::to_string(r) +
                                          " is in both groups: an intercommunicator's groups "
                                          "must be disjoint");
    rt::ContextIds::Mask both[2] = {h.mask, theirs.mask};
    InterAgreement a;
    a.ctx = rt::context_ids().pick(both, 2);
    a.remote = std::move(remote);
    a.remote_flag = theirs.flag;
    a.remote_extra = std::move(remote_extra);
    return a;
}

void inter_split(rt::Comm* c, int color, int key, MPI_Comm* newcomm) {
    coll::CommView v = c->coll_view();
    int pair[2] = {color, key};
    std::vector<int> all(2 * static_cast<size_t>(c->size));
    if (int err = coll::allgather_bytes(v, pair, sizeof pair, all.data()))
        throw Error(err, "exchanging colours and keys failed");
    int bad = -1;  // a local rank whose colour is invalid
    for (int r = 0; r < c->size && bad < 0; ++r)
        if (all[2 * static_cast<size_t>(r)] < 0 && all[2 * static_cast<size_t>(r)] != MPI_UNDEFINED)
            bad = r;
    // The colours cross to the other group with the agreement; a bad one fails both groups
    // after it (the flag), so nobody is left waiting.
    std::vector<int> members = rt::comm_members(*c);
    InterAgreement a = inter_agree(v, 0, leaders_link(*c), members, bad >= 0, 0, {}, all);
    if (bad >= 0)
        throw Error(MPI_ERR_ARG, "colour " + std::to_string(all[2 * static_cast<size_t>(bad)]) +
                                     " of local rank " + std::to_string(bad) +
                                     " is negative (only MPI_UNDEFINED may be)");
    if (a.remote_flag)
        throw Error(MPI_ERR_ARG, "a rank of the other group passed a negative colour");
    *newcomm = MPI_COMM_NULL;
    if (color == MPI_UNDEFINED) return;
    // Ranks of colour `color` in a group's list of (colour, key) pairs, by key then rank.
    auto pick = [&](const std::vector<int>& pairs) {
        std::vector<int> order;
        for (size_t r = 0; r < pairs.size() / 2; ++r)
            if (pairs[2 * r] == color) order.push_back(static_cast<int>(r));
        std::stable_sort(order.begin(), order.end(), [&](int x, int y) {
            return pairs[2 * static_cast<size_t>(x) + 1] < pairs[2 * static_cast<size_t>(y) + 1];
        });
        return order;
    };
    std::vector<int> mine = pick(all), theirs = pick(a.remote_extra);
    if (theirs.empty()) return;  // nobody of this colour on the other side
    std::vector<int> local_members, remote_members;
    int my_rank = 0;
    for (size_t i = 0; i < mine.size(); ++i) {
        if (mine[i] == c->rank) my_rank = static_cast<int>(i);
        local_members.push_back(members[static_cast<size_t>(mine[i])]);
    }
    for (int j : theirs) remote_members.push_back(a.remote[static_cast<size_t>(j)]);
    rt::Comm* n = rt::comm_new(a.ctx, std::move(local_members), my_rank, c->errh);
    n->inter = true;
    n->remote = std::move(remote_members);
    *newcomm = n->handle;
}

}  // namespace efampi::api

extern "C" int PMPI_Intercomm_create(MPI_Comm local_comm, int local_leader, MPI_Comm peer_comm,
                                     int remote_leader, int tag, MPI_Comm* newintercomm) {
    return api::call(local_comm, "MPI_Intercomm_create", [&] {
        rt::Comm* lc = api::check_intra(local_comm, "MPI_Intercomm_create (local_comm)");
        if (!newintercomm) api::bad_arg("newintercomm pointer is NULL");
        if (local_leader < 0 || local_leader >= lc->size)
            api::bad_rank(local_leader, *lc, "local_leader");
        // The peer arguments matter at the local leader only; its failures reach its whole
        // group through the broadcast, so no member is left waiting.
        api::InterLink link{};
        int err = 0;
        std::string msg;
        if (lc->rank == local_leader) {
            try {
                rt::Comm* pc = api::check_comm(peer_comm);
                if (pc->inter) api::not_intra("MPI_Intercomm_create (peer_comm)");
                if (remote_leader < 0 || remote_leader >= pc->size)
                    api::bad_rank(remote_leader, *pc, "remote_leader");
                if (remote_leader == pc->rank)
                    throw Error(MPI_ERR_RANK, "remote_leader is the local leader itself: the "
                                              "two groups must be disjoint");
                api::check_send_tag(tag);
                link = api::InterLink{pc->ctx, pc->rank, remote_leader, pc->to_world(remote_leader), tag};
            } catch (const Error& e) {
                err = e.cls;
                msg = e.msg;
            }
        }
        api::InterAgreement a = api::inter_agree(lc->coll_view(), local_leader, link,
                                                 rt::comm_members(*lc), 0, err, msg);
        rt::Comm* ic = rt::comm_new(a.ctx, rt::comm_members(*lc), lc->rank, lc->errh);
        ic->inter = true;
        ic->remote = std::move(a.remote);
        *newintercomm = ic->handle;
        return MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Intercomm_create)

extern "C" int PMPI_Intercomm_merge(MPI_Comm intercomm, int high, MPI_Comm* newintracomm) {
    return api::call(intercomm, "MPI_Intercomm_merge", [&] {
        rt::Comm* c = api::check_comm(intercomm);
        if (!c->inter)
            throw Error(MPI_ERR_COMM, "MPI_Intercomm_merge needs an intercommunicator");
        if (!newintracomm) api::bad_arg("newintracomm pointer is NULL");
        std::vector<int> mine = rt::comm_members(*c);
        api::InterAgreement a =
            api::inter_agree(c->coll_view(), 0, api::leaders_link(*c), mine, high ? 1 : 0);
        // The group that passed high = false comes first; when both passed the same value, the
        // group whose leader has the lower job rank (a rule both groups compute alike).
        bool me_high = high != 0, them_high = a.remote_flag != 0;
        bool first = me_high != them_high ? !me_high : mine[0] < a.remote[0];
        std::vector<int> all = first ? mine : a.remote;
        const std::vector<int>& second = first ? a.remote : mine;
        all.insert(all.end(), second.begin(), second.end());
        int rank = first ? c->rank : static_cast<int>(a.remote.size()) + c->rank;
        *newintracomm = rt::comm_new(a.ctx, std::move(all), rank, c->errh)->handle;
        return MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Intercomm_merge)

extern "C" int PMPI_Comm_test_inter(MPI_Comm comm, int* flag) {
    return api::call(comm, "MPI_Comm_test_inter", [&] {
        rt::Comm* c = api::check_comm(comm);
        if (!flag) api::bad_arg("flag pointer is NULL");
        *flag = c->inter ? 1 : 0;
        return MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Comm_test_inter)

namespace {

rt::Comm* check_inter(MPI_Comm comm, const char* fn) {
    rt::Comm* c = api::check_comm(comm);
    if (!c->inter)
        throw Error(MPI_ERR_COMM, std::string(fn) + " needs an intercommunicator: only "
                                                    "intercommunicators have a remote group");
    return c;
}

}  // namespace

extern "C" int PMPI_Comm_remote_size(MPI_Comm comm, int* size) {
    return api::call(comm, "MPI_Comm_remote_size", [&] {
        rt::Comm* c = check_inter(comm, "MPI_Comm_remote_size");
        if (!size) api::bad_arg("size pointer is NULL");
        *size = c->peers();
        return MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Comm_remote_size)

extern "C" int PMPI_Comm_remote_group(MPI_Comm comm, MPI_Group* group) {
    return api::call(comm, "MPI_Comm_remote_group", [&] {
        rt::Comm* c = check_inter(comm, "MPI_Comm_remote_group");
        if (!group) api::bad_arg("group pointer is NULL");
        *group = rt::group_of_comm(c->remote, c->peers())->handle();
        return MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Comm_remote_group)
