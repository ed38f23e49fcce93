// MPI_Comm_idup, MPI_Comm_idup_with_info: a duplicate whose context id is agreed by a
// nonblocking collective, so other communicators may be created (blocking or not) on the same
// processes while it is pending, in any order the standard allows.
//
// The agreement must never hand out an id that another creation took in the meantime. Each
// round is an allreduce (bitwise AND) over the parent of {ok, free-id mask}:
//   round 0: the masks; everyone picks the lowest id free everywhere (the same on every
//            member) and takes it at once if it is still free here (ok) - an id taken here by
//            another creation since this process contributed its mask is not (not ok);
//   round k: the ok flags and the current masks. All ok: the id is ours on every member, done.
//            Otherwise every member gives its tentative id back and picks again from the new
//            masks (which exclude the id just tried wherever it was taken).
// A blocking creation that runs meanwhile sees tentatively taken ids as used; while one is
// between its exchange and its take, an idup round takes nothing (ok = 0, so everyone retries).
// A retry excludes at least the id tried before wherever it was taken, so this ends once the
// blocking creations stop. The new handle is returned at once but
// refused by every call (MPI_ERR_COMM) until the request completes. On an intercommunicator
// each round is the AND over each group, then the leaders swap and broadcast the other
// group's, so both groups decide on the same masks.
#include <cstdint>
#include <memory>
#include <vector>

#include "collectives/algorithms.hpp"
#include "collectives/executor.hpp"
#include "runtime/api/call.hpp"
#include "runtime/api/check.hpp"
#include "runtime/api/comm_split.hpp"
#include "runtime/api/request_handle.hpp"
#include "runtime/objects/context_ids.hpp"
#include "runtime/objects/info.hpp"

using namespace efampi;

namespace {

struct Entry {
    uint64_t ok;
    rt::ContextIds::Mask mask;
};
constexpr uint64_t entry_words = sizeof(Entry) / sizeof(uint64_t);

void band(const void*, const void*, const void* in, void* inout, uint64_t n) {
    const auto* a = static_cast<const uint64_t*>(in);
    auto* b = static_cast<uint64_t*>(inout);
    for (uint64_t i = 0; i < n; ++i) b[i] &= a[i];
}

struct Idup {
    rt::Comm* comm = nullptr;  // the new communicator, pending until the agreement ends
    std::vector<int> world;    // the parent's rank maps (the parent may be freed meanwhile)
    std::vector<int> remote;   // intercommunicator: the remote group's
    coll::CommView view{};
    int tag = 0;
    int round = 0;
    uint32_t taken = 0;  // the id tried this round, when it was free here (0: none)
    Entry mine{}, all{};
    Entry theirs{};      // intercommunicator: the other group's `all`
};

// One round: the AND over the group; on an intercommunicator the leaders then swap their
// groups' results and broadcast the other's, and next_round combines the two.
void build(Idup& d, coll::Schedule& s) {
    s.reset(d.view, d.tag);
    s.reduction = coll::Reduction{band, nullptr, nullptr, sizeof(uint64_t), true};
    coll::build_allreduce(s, coll::AllreduceAlg::recursive_doubling, &d.mine, &d.all, entry_words);
    if (d.remote.empty()) return;
    if (d.view.rank == 0) {
        s.recv_remote(0, &d.theirs, sizeof d.theirs);
        s.send_remote(0, &d.all, sizeof d.all);
        s.end_round();
    }
    coll::build_bcast(s, coll::BcastAlg::binomial, &d.theirs, sizeof d.theirs, 0);
}

void fail(Idup* d) {
    if (d->taken) rt::context_ids().release(d->taken);
    rt::comm_free(d->comm);  // its handle now reads as freed
    delete d;
}

// The executor's continuation after each allreduce (see the top of the file).
bool next_round(void* arg, coll::Schedule& s, int& err) {
    auto* d = static_cast<Idup*>(arg);
    if (err) {
        fail(d);
        return false;
    }
    if (!d->remote.empty()) {  // both groups' answer
        d->all.ok &= d->theirs.ok;
        for (size_t w = 0; w < d->all.mask.size(); ++w) d->all.mask[w] &= d->theirs.mask[w];
    }
    rt::ContextIds& ids = rt::context_ids();
    if (d->round > 0) {
        if (d->all.ok == ~uint64_t{0}) {
            rt::comm_activate(d->comm, d->taken);
            delete d;
            return false;
        }
        if (d->taken) ids.release(d->taken);
        d->taken = 0;
    }
    uint32_t ctx = 0;
    try {
        ctx = ids.pick(&d->all.mask, 1);  // the same answer on every member
    } catch (...) {
        err = MPI_ERR_INTERN;  // out of ids on some member: every member sees it alike
        fail(d);
        return false;
    }
    d->mine.ok = 0;
    // Not while a blocking agreement of this process is between its exchange and its take
    // (it may be picking this very id): that is a retry too.
    if (ids.is_free(ctx) && !ids.blocking_in_progress()) {
        ids.take(ctx);
        d->taken = ctx;
        d->mine.ok = ~uint64_t{0};
    }
    d->mine.mask = ids.mask();
    ++d->round;
    build(*d, s);
    return true;
}

int idup(const char* fn, MPI_Comm comm, MPI_Info info, MPI_Comm* newcomm, MPI_Request* request) {
    return api::call(comm, fn, [&] {
        rt::Comm* c = api::check_comm(comm);
        if (info != MPI_INFO_NULL && !rt::to_info(info))
            throw Error(MPI_ERR_INFO, "info is not a valid info object (freed or never created)");
        if (!newcomm) api::bad_arg("newcomm pointer is NULL");
        if (!request) api::bad_arg("request pointer is NULL");
        auto d = std::make_unique<Idup>();
        d->comm = rt::comm_new_pending(rt::comm_members(*c), c->rank, c->errh);
        api::dup_contents(c, d->comm);  // frees d->comm when a copy callback fails
        coll::CommView v = c->coll_view();
        d->world = rt::comm_members(*c);
        d->remote = c->remote;  // empty unless an intercommunicator (both groups agree)
        d->view = coll::CommView{v.ctx, v.rank, v.size, d->world.data(),
                                 d->remote.empty() ? nullptr : d->remote.data(),
                                 static_cast<int>(d->remote.size())};
        d->tag = c->next_coll_tag();
        d->mine.ok = ~uint64_t{0};
        d->mine.mask = rt::context_ids().mask();
        coll::Exec* x = coll::exec_acquire();
        build(*d, coll::exec_schedule(x));
        coll::exec_then(x, next_round, d.get());
        Idup* agreement = d.release();  // the continuation owns it from here
        *newcomm = agreement->comm->handle;  // before the start: a one-rank agreement ends inside it
        *request = api::to_handle(coll::start_nonblocking(x, c));
        return MPI_SUCCESS;
    });
}

}  // namespace

extern "C" int PMPI_Comm_idup(MPI_Comm comm, MPI_Comm* newcomm, MPI_Request* request) {
    return idup("MPI_Comm_idup", comm, MPI_INFO_NULL, newcomm, request);
}
EFAMPI_ALIAS(Comm_idup)

extern "C" int PMPI_Comm_idup_with_info(MPI_Comm comm, MPI_Info info, MPI_Comm* newcomm,
                                        MPI_Request* request) {
    return idup("MPI_Comm_idup_with_info", comm, info, newcomm, request);
}
EFAMPI_ALIAS(Comm_idup_with_info)
