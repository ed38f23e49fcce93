// Persistent point-to-point requests: MPI_Send_init, Ssend_init, Rsend_init, Bsend_init,
// Recv_init (and their _c forms), MPI_Start, MPI_Startall. The request records the arguments
// (pml::Engine::send_init / recv_init); each start runs one operation with them, and waits and
// tests leave the completed request inactive instead of freeing it (runtime/api/request.cpp).
#include <string>

#include "base/undo.hpp"
#include "collectives/executor.hpp"
#include "runtime/api/call.hpp"
#include "runtime/api/check.hpp"
#include "runtime/api/request_handle.hpp"
#include "runtime/api/staging.hpp"

using namespace efampi;

namespace {

enum class Mode { standard, sync, ready, buffered };

template <class Count>
int send_init_impl(const char* fn, const void* buf, Count count, MPI_Datatype dt, int dest,
                   int tag, MPI_Comm comm, MPI_Request* request, Mode mode) {
    return api::call(comm, fn, [&] {
        const rt::Datatype* d;
        rt::Comm* c = api::check_send_typed(comm, buf, count, dt, dest, tag, &d);
        if (!request) api::bad_arg("request pointer is NULL");
        bool null_peer = dest == MPI_PROC_NULL;
        // A derived type with holes goes through its layout (the pml packs what it moves); a
        // buffered one is packed into the request's own buffer at every start, which the
        // buffered send then copies.
        api::Staging* st = nullptr;
        const void* from = buf;
        const pml::Layout* lay = nullptr;
        uint64_t bytes;
        if (d->direct() || null_peer) {
            bytes = d->direct() ? api::message_bytes(d, count) : 0;
        } else if (mode == Mode::buffered) {
            st = api::stage_persistent_send(*d, buf, static_cast<uint64_t>(count));
            from = api::staging_data(st);
            bytes = api::staging_bytes(st);
        } else {
            st = api::stage_layout(*d, buf, static_cast<uint64_t>(count));
            from = nullptr;
            lay = api::staging_layout(st);
            bytes = api::staging_bytes(st);
        }
        Undo drop([&] {
            if (st) api::drop_staging(st);
        });
        pml::Request* r = pml::engine().send_init(from, bytes, null_peer ? -1 : c->peer_world(dest),
                                                  c->rank, tag, c->ctx, mode == Mode::sync, lay);
        drop.keep();
        if (st) api::attach_staging(r, st);
        r->proc_null = null_peer;
        r->buffered = mode == Mode::buffered;
        r->owner = c;
        *request = api::to_handle(r);
        return MPI_SUCCESS;
    });
}

template <class Count>
int recv_init_impl(const char* fn, void* buf, Count count, MPI_Datatype dt, int source, int tag,
                   MPI_Comm comm, MPI_Request* request) {
    return api::call(comm, fn, [&] {
        const rt::Datatype* d;
        rt::Comm* c = api::check_recv_typed(comm, buf, count, dt, source, tag, &d);
        if (!request) api::bad_arg("request pointer is NULL");
        api::Staging* st = nullptr;
        void* into = buf;
        const pml::Layout* lay = nullptr;
        uint64_t capacity;
        if (d->direct() || source == MPI_PROC_NULL) {
            capacity = d->direct() ? api::message_bytes(d, count) : 0;
        } else {  // unpacked piece by piece by the pml through the type's layout
            st = api::stage_layout(*d, buf, static_cast<uint64_t>(count));
            into = nullptr;
            lay = api::staging_layout(st);
            capacity = api::staging_bytes(st);
        }
        Undo drop([&] {
            if (st) api::drop_staging(st);
        });
        pml::Request* r = pml::engine().recv_init(into, capacity, source, tag, c->ctx, lay);
        drop.keep();
        if (st) api::attach_staging(r, st);
        r->proc_null = source == MPI_PROC_NULL;
        r->owner = c;
        *request = api::to_handle(r);
        return MPI_SUCCESS;
    });
}

// The persistent request behind handle `h`, inactive and ready to start; `what` names it.
pml::Request* startable(MPI_Request h, const std::string& what) {
    pml::Request* r = api::to_request(h);
    if (!r) throw Error(MPI_ERR_REQUEST, what + " is MPI_REQUEST_NULL");
    if (!r->persistent)
        throw Error(MPI_ERR_REQUEST,
                    what + " is not a persistent request (only MPI_*_init requests can start)");
    if (r->active) throw Error(MPI_ERR_REQUEST, what + " is already active: wait for it first");
    return r;
}

void start_one(pml::Request* r) {
    pml::Engine& e = pml::engine();
    if (r->coll) return coll::start_persistent(r);  // a persistent collective (*_init)
    if (r->ext) api::restart_staging(r);  // buffered derived types: pack this start's data
    if (r->proc_null) {
        e.start_completed(r);
        r->st_source = MPI_PROC_NULL;
        r->st_tag = MPI_ANY_TAG;
        return;
    }
    if (r->buffered) {
        auto* c = static_cast<rt::Comm*>(r->owner);
        c->bsend_buffer().send(r->buf, r->bytes, r->dst, r->src, r->tag, r->ctx);
        e.start_completed(r);
        return;
    }
    e.start(r);
}

}  // namespace

extern "C" int PMPI_Start(MPI_Request* request) {
    return api::call(api::no_object, "MPI_Start", [&] {
        if (!request) api::bad_arg("request pointer is NULL");
        start_one(startable(*request, "request"));
        return MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Start)

extern "C" int PMPI_Startall(int count, MPI_Request reqs[]) {
    return api::call(api::no_object, "MPI_Startall", [&] {
        if (count < 0) api::bad_count(count, "count");
        if (count > 0 && !reqs) api::bad_arg("array of requests is NULL");
        // Every handle is checked before anything starts, so a bad one starts nothing.
        for (int i = 0; i < count; ++i) startable(reqs[i], "request " + std::to_string(i));
        for (int i = 0; i < count; ++i) start_one(api::to_request(reqs[i]));
        return MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Startall)

extern "C" int PMPI_Send_init(const void* buf, int count, MPI_Datatype dt, int dest, int tag,
                              MPI_Comm comm, MPI_Request* request) {
    return send_init_impl("MPI_Send_init", buf, count, dt, dest, tag, comm, request, Mode::standard);
}
EFAMPI_ALIAS(Send_init)

extern "C" int PMPI_Send_init_c(const void* buf, MPI_Count count, MPI_Datatype dt, int dest,
                                int tag, MPI_Comm comm, MPI_Request* request) {
    return send_init_impl("MPI_Send_init_c", buf, count, dt, dest, tag, comm, request,
                          Mode::standard);
}
EFAMPI_ALIAS(Send_init_c)

extern "C" int PMPI_Ssend_init(const void* buf, int count, MPI_Datatype dt, int dest, int tag,
                              MPI_Comm comm, MPI_Request* request) {
    return send_init_impl("MPI_Ssend_init", buf, count, dt, dest, tag, comm, request, Mode::sync);
}
EFAMPI_ALIAS(Ssend_init)

extern "C" int PMPI_Ssend_init_c(const void* buf, MPI_Count count, MPI_Datatype dt, int dest,
                                int tag, MPI_Comm comm, MPI_Request* request) {
    return send_init_impl("MPI_Ssend_init_c", buf, count, dt, dest, tag, comm, request,
                          Mode::sync);
}
EFAMPI_ALIAS(Ssend_init_c)

extern "C" int PMPI_Rsend_init(const void* buf, int count, MPI_Datatype dt, int dest, int tag,
                              MPI_Comm comm, MPI_Request* request) {
    return send_init_impl("MPI_Rsend_init", buf, count, dt, dest, tag, comm, request, Mode::ready);
}
EFAMPI_ALIAS(Rsend_init)

extern "C" int PMPI_Rsend_init_c(const void* buf, MPI_Count count, MPI_Datatype dt, int dest,
                                int tag, MPI_Comm comm, MPI_Request* request) {
    return send_init_impl("MPI_Rsend_init_c", buf, count, dt, dest, tag, comm, request,
                          Mode::ready);
}
EFAMPI_ALIAS(Rsend_init_c)

extern "C" int PMPI_Bsend_init(const void* buf, int count, MPI_Datatype dt, int dest, int tag,
                              MPI_Comm comm, MPI_Request* request) {
    return send_init_impl("MPI_Bsend_init", buf, count, dt, dest, tag, comm, request, Mode::buffered);
}
EFAMPI_ALIAS(Bsend_init)

extern "C" int PMPI_Bsend_init_c(const void* buf, MPI_Count count, MPI_Datatype dt, int dest,
                                int tag, MPI_Comm comm, MPI_Request* request) {
    return send_init_impl("MPI_Bsend_init_c", buf, count, dt, dest, tag, comm, request,
                          Mode::buffered);
}
EFAMPI_ALIAS(Bsend_init_c)


extern "C" int PMPI_Recv_init(void* buf, int count, MPI_Datatype dt, int source, int tag,
                              MPI_Comm comm, MPI_Request* request) {
    return recv_init_impl("MPI_Recv_init", buf, count, dt, source, tag, comm, request);
}
EFAMPI_ALIAS(Recv_init)

extern "C" int PMPI_Recv_init_c(void* buf, MPI_Count count, MPI_Datatype dt, int source, int tag,
                                MPI_Comm comm, MPI_Request* request) {
    return recv_init_impl("MPI_Recv_init_c", buf, count, dt, source, tag, comm, request);
}
EFAMPI_ALIAS(Recv_init_c)
