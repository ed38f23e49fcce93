// Point-to-point entry points: the blocking, nonblocking and synchronous sends, receives and
// sendrecv, in their int and MPI_Count forms. Predefined and dense derived types go straight
// from the user's buffer; derived types with holes are staged (staging.hpp).
#include <cstdlib>
#include <cstring>
#include <new>
#include <vector>

#include "base/undo.hpp"
#include "pml/engine.hpp"
#include "runtime/api/call.hpp"
#include "runtime/api/check.hpp"
#include "runtime/api/request_handle.hpp"
#include "runtime/api/staging.hpp"
#include "base/copy.hpp"

using namespace efampi;

namespace {

// A send or receive of `count` elements of a derived type with holes: the pml moves the data
// through the type's layout (staging.hpp), which the request holds until it is released.
pml::Request* isend_layout(const rt::Datatype& d, const void* buf, uint64_t count, rt::Comm* c,
                           int dest, int tag, bool sync) {
    api::Staging* st = api::stage_layout(d, buf, count);
    Undo drop([&] { api::drop_staging(st); });
    pml::Request* r = pml::engine().isend(nullptr, api::staging_bytes(st), c->peer_world(dest),
                                          c->rank, tag, c->ctx, sync, api::staging_layout(st));
    drop.keep();
    api::attach_staging(r, st);
    return r;
}

pml::Request* irecv_layout(const rt::Datatype& d, void* buf, uint64_t count, rt::Comm* c,
                           int source, int tag) {
    api::Staging* st = api::stage_layout(d, buf, count);
    Undo drop([&] { api::drop_staging(st); });
    pml::Request* r = pml::engine().irecv(nullptr, api::staging_bytes(st), source, tag, c->ctx,
                                          api::staging_layout(st));
    drop.keep();
    api::attach_staging(r, st);
    return r;
}

template <class Count>
int send_impl(const char* fn, const void* buf, Count count, MPI_Datatype dt, int dest, int tag,
              MPI_Comm comm, bool sync) {
    return api::call(comm, fn, [&] {
        const rt::Datatype* d;
        rt::Comm* c = api::check_send_typed(comm, buf, count, dt, dest, tag, &d);
        if (dest == MPI_PROC_NULL) return MPI_SUCCESS;
        pml::Engine& e = pml::engine();
        int err;
        if (__builtin_expect(d->direct(), 1)) {
            err = e.send(buf, api::message_bytes(d, count), c->peer_world(dest), c->rank, tag,
                         c->ctx, sync);
        } else {  // holes: the pml packs the pieces it moves
            pml::Request* r = isend_layout(*d, buf, static_cast<uint64_t>(count), c, dest, tag,
                                           sync);
            e.wait(r);
            err = r->err;
            e.release(r);
        }
        return err ? api::raise(comm, fn, err, api::failure_text("send failed")) : MPI_SUCCESS;
    });
}

template <class Count>
int isend_impl(const char* fn, const void* buf, Count count, MPI_Datatype dt, int dest, int tag,
               MPI_Comm comm, MPI_Request* request, bool sync) {
    return api::call(comm, fn, [&] {
        const rt::Datatype* d;
        rt::Comm* c = api::check_send_typed(comm, buf, count, dt, dest, tag, &d);
        if (!request) api::bad_arg("request pointer is NULL");
        pml::Request* r;
        pml::Engine& e = pml::engine();
        if (dest == MPI_PROC_NULL) {
            r = api::proc_null_request();
        } else if (__builtin_expect(d->direct(), 1)) {
            r = e.isend(buf, api::message_bytes(d, count), c->peer_world(dest), c->rank, tag, c->ctx,
                        sync);
        } else {
            r = isend_layout(*d, buf, static_cast<uint64_t>(count), c, dest, tag, sync);
        }
        r->owner = c;
        *request = api::to_handle(r);
        return MPI_SUCCESS;
    });
}

template <class Count>
int recv_impl(const char* fn, void* buf, Count count, MPI_Datatype dt, int source, int tag,
              MPI_Comm comm, MPI_Status* status) {
    return api::call(comm, fn, [&] {
        const rt::Datatype* d;
        rt::Comm* c = api::check_recv_typed(comm, buf, count, dt, source, tag, &d);
        if (source == MPI_PROC_NULL) {
            api::set_status_proc_null(status);
            return MPI_SUCCESS;
        }
        pml::Engine& e = pml::engine();
        if (__builtin_expect(d->direct(), 1)) {
            uint64_t capacity = api::message_bytes(d, count);
            const pml::Request& r = e.recv(buf, capacity, source, tag, c->ctx);
            api::set_status(status, &r);
            if (r.err) return api::raise_request_error(comm, fn, r.err, r.st_bytes, capacity);
            return MPI_SUCCESS;
        }
        pml::Request* r = irecv_layout(*d, buf, static_cast<uint64_t>(count), c, source, tag);
        e.wait(r);
        api::set_status(status, r);
        int err = r->err;
        uint64_t got = r->st_bytes, capacity = r->bytes;
        e.release(r);
        if (err) return api::raise_request_error(comm, fn, err, got, capacity);
        return MPI_SUCCESS;
    });
}

template <class Count>
int irecv_impl(const char* fn, void* buf, Count count, MPI_Datatype dt, int source, int tag,
               MPI_Comm comm, MPI_Request* request) {
    return api::call(comm, fn, [&] {
        const rt::Datatype* d;
        rt::Comm* c = api::check_recv_typed(comm, buf, count, dt, source, tag, &d);
        if (!request) api::bad_arg("request pointer is NULL");
        pml::Engine& e = pml::engine();
        pml::Request* r;
        if (source == MPI_PROC_NULL) {
            r = api::proc_null_request();
        } else if (__builtin_expect(d->direct(), 1)) {
            r = e.irecv(buf, api::message_bytes(d, count), source, tag, c->ctx);
        } else {
            r = irecv_layout(*d, buf, static_cast<uint64_t>(count), c, source, tag);
        }
        r->owner = c;
        *request = api::to_handle(r);
        return MPI_SUCCESS;
    });
}

template <class Count>
int sendrecv_impl(const char* fn, const void* sbuf, Count scount, MPI_Datatype stype, int dest,
                  int stag, void* rbuf, Count rcount, MPI_Datatype rtype, int source, int rtag,
                  MPI_Comm comm, MPI_Status* status) {
    return api::call(comm, fn, [&] {
        rt::Comm* c = api::check_comm(comm);
        const rt::Datatype* sd = api::check_type_moving(stype, scount, dest, "send datatype");
        const rt::Datatype* rd = api::check_type_moving(rtype, rcount, source, "receive datatype");
        api::check_data(sbuf, scount, sd, "send count");
        api::check_data(rbuf, rcount, rd, "receive count");
        api::check_dest(*c, dest);
        api::check_source(*c, source);
        api::check_send_tag(stag, "send tag");
        api::check_recv_tag(rtag, "receive tag");
        pml::Engine& e = pml::engine();
        pml::Request* rr = nullptr;
        uint64_t rcap = 0;
        if (source != MPI_PROC_NULL) {
            if (rd->direct()) {
                rcap = api::message_bytes(rd, rcount);
                rr = e.irecv(rbuf, rcap, source, rtag, c->ctx);
            } else {  // a derived type with holes: unpacked piece by piece by the pml
                rr = irecv_layout(*rd, rbuf, static_cast<uint64_t>(rcount), c, source, rtag);
                rcap = rr->bytes;
            }
        }
        int serr = 0;
        if (dest != MPI_PROC_NULL) {
            Undo take_back([&] {  // never leave a receive into the caller's buffer
                if (rr) e.cancel_recv(rr);
            });
            pml::Request* sr =
                sd->direct() ? e.isend(sbuf, api::message_bytes(sd, scount), c->peer_world(dest),
                                       c->rank, stag, c->ctx, false)
                             : isend_layout(*sd, sbuf, static_cast<uint64_t>(scount), c, dest,
                                            stag, false);
            take_back.keep();
            e.wait(sr);
            serr = sr->err;
            e.release(sr);
        }
        if (!rr) {
            api::set_status_proc_null(status);
            return serr ? api::raise(comm, fn, serr, api::failure_text("send failed")) : MPI_SUCCESS;
        }
        e.wait(rr);
        api::set_status(status, rr);
        int err = rr->err;
        uint64_t got = rr->st_bytes;
        e.release(rr);
        if (err) return api::raise_request_error(comm, fn, err, got, rcap);
        return serr ? api::raise(comm, fn, serr, api::failure_text("send failed")) : MPI_SUCCESS;
    });
}

}  // namespace

extern "C" int PMPI_Send(const void* buf, int count, MPI_Datatype dt, int dest, int tag,
                         MPI_Comm comm) {
    return send_impl("MPI_Send", buf, count, dt, dest, tag, comm, false);
}
EFAMPI_ALIAS(Send)

extern "C" int PMPI_Send_c(const void* buf, MPI_Count count, MPI_Datatype dt, int dest, int tag,
                           MPI_Comm comm) {
    return send_impl("MPI_Send_c", buf, count, dt, dest, tag, comm, false);
}
EFAMPI_ALIAS(Send_c)

extern "C" int PMPI_Ssend(const void* buf, int count, MPI_Datatype dt, int dest, int tag,
                          MPI_Comm comm) {
    return send_impl("MPI_Ssend", buf, count, dt, dest, tag, comm, true);
}
EFAMPI_ALIAS(Ssend)

extern "C" int PMPI_Ssend_c(const void* buf, MPI_Count count, MPI_Datatype dt, int dest, int tag,
                            MPI_Comm comm) {
    return send_impl("MPI_Ssend_c", buf, count, dt, dest, tag, comm, true);
}
EFAMPI_ALIAS(Ssend_c)

extern "C" int PMPI_Isend(const void* buf, int count, MPI_Datatype dt, int dest, int tag,
                          MPI_Comm comm, MPI_Request* request) {
    return isend_impl("MPI_Isend", buf, count, dt, dest, tag, comm, request, false);
}
EFAMPI_ALIAS(Isend)

extern "C" int PMPI_Isend_c(const void* buf, MPI_Count count, MPI_Datatype dt, int dest, int tag,
                            MPI_Comm comm, MPI_Request* request) {
    return isend_impl("MPI_Isend_c", buf, count, dt, dest, tag, comm, request, false);
}
EFAMPI_ALIAS(Isend_c)

extern "C" int PMPI_Issend(const void* buf, int count, MPI_Datatype dt, int dest, int tag,
                           MPI_Comm comm, MPI_Request* request) {
    return isend_impl("MPI_Issend", buf, count, dt, dest, tag, comm, request, true);
}
EFAMPI_ALIAS(Issend)

extern "C" int PMPI_Issend_c(const void* buf, MPI_Count count, MPI_Datatype dt, int dest,
                             int tag, MPI_Comm comm, MPI_Request* request) {
    return isend_impl("MPI_Issend_c", buf, count, dt, dest, tag, comm, request, true);
}
EFAMPI_ALIAS(Issend_c)

extern "C" int PMPI_Recv(void* buf, int count, MPI_Datatype dt, int source, int tag,
                         MPI_Comm comm, MPI_Status* status) {
    return recv_impl("MPI_Recv", buf, count, dt, source, tag, comm, status);
}
EFAMPI_ALIAS(Recv)

extern "C" int PMPI_Recv_c(void* buf, MPI_Count count, MPI_Datatype dt, int source, int tag,
                           MPI_Comm comm, MPI_Status* status) {
    return recv_impl("MPI_Recv_c", buf, count, dt, source, tag, comm, status);
}
EFAMPI_ALIAS(Recv_c)

extern "C" int PMPI_Irecv(void* buf, int count, MPI_Datatype dt, int source, int tag,
                          MPI_Comm comm, MPI_Request* request) {
    return irecv_impl("MPI_Irecv", buf, count, dt, source, tag, comm, request);
}
EFAMPI_ALIAS(Irecv)

extern "C" int PMPI_Irecv_c(void* buf, MPI_Count count, MPI_Datatype dt, int source, int tag,
                            MPI_Comm comm, MPI_Request* request) {
    return irecv_impl("MPI_Irecv_c", buf, count, dt, source, tag, comm, request);
}
EFAMPI_ALIAS(Irecv_c)

extern "C" int PMPI_Sendrecv(const void* sbuf, int scount, MPI_Datatype stype, int dest,
                             int stag, void* rbuf, int rcount, MPI_Datatype rtype, int source,
                             int rtag, MPI_Comm comm, MPI_Status* status) {
    return sendrecv_impl("MPI_Sendrecv", sbuf, scount, stype, dest, stag, rbuf, rcount, rtype,
                         source, rtag, comm, status);
}
EFAMPI_ALIAS(Sendrecv)

extern "C" int PMPI_Sendrecv_c(const void* sbuf, MPI_Count scount, MPI_Datatype stype, int dest,
                               int stag, void* rbuf, MPI_Count rcount, MPI_Datatype rtype,
                               int source, int rtag, MPI_Comm comm, MPI_Status* status) {
    return sendrecv_impl("MPI_Sendrecv_c", sbuf, scount, stype, dest, stag, rbuf, rcount, rtype,
                         source, rtag, comm, status);
}
EFAMPI_ALIAS(Sendrecv_c)

// Ready mode: the standard lets a ready send behave as a standard one (the receive is posted
// by contract), so it takes the same path.
extern "C" int PMPI_Rsend(const void* buf, int count, MPI_Datatype dt, int dest, int tag,
                          MPI_Comm comm) {
    return send_impl("MPI_Rsend", buf, count, dt, dest, tag, comm, false);
}
EFAMPI_ALIAS(Rsend)

extern "C" int PMPI_Rsend_c(const void* buf, MPI_Count count, MPI_Datatype dt, int dest, int tag,
                            MPI_Comm comm) {
    return send_impl("MPI_Rsend_c", buf, count, dt, dest, tag, comm, false);
}
EFAMPI_ALIAS(Rsend_c)

extern "C" int PMPI_Irsend(const void* buf, int count, MPI_Datatype dt, int dest, int tag,
                           MPI_Comm comm, MPI_Request* request) {
    return isend_impl("MPI_Irsend", buf, count, dt, dest, tag, comm, request, false);
}
EFAMPI_ALIAS(Irsend)

extern "C" int PMPI_Irsend_c(const void* buf, MPI_Count count, MPI_Datatype dt, int dest,
                             int tag, MPI_Comm comm, MPI_Request* request) {
    return isend_impl("MPI_Irsend_c", buf, count, dt, dest, tag, comm, request, false);
}
EFAMPI_ALIAS(Irsend_c)

namespace {

// Status of a probed message: source, tag and its byte count, as a receive would report.
void set_probe_status(MPI_Status* st, const pml::Engine::ProbeInfo& p) {
    if (st == MPI_STATUS_IGNORE) return;
    pml::Request r;
    r.st_source = p.source;
    r.st_tag = p.tag;
    r.st_bytes = p.bytes;
    api::set_status(st, &r);
}

int probe_impl(const char* fn, int source, int tag, MPI_Comm comm, int* flag, MPI_Status* status,
               bool block) {
    return api::call(comm, fn, [&] {
        rt::Comm* c = api::check_comm(comm);
        api::check_source(*c, source);
        api::check_recv_tag(tag);
        if (!block && !flag) api::bad_arg("flag pointer is NULL");
        if (source == MPI_PROC_NULL) {
            if (flag) *flag = 1;
            api::set_status_proc_null(status);
            return MPI_SUCCESS;
        }
        pml::Engine& e = pml::engine();
        pml::Engine::ProbeInfo info{};
        bool found = false;
        auto look = [&] { return found = e.iprobe(c->ctx, source, tag, info); };
        if (block) e.wait_until(look);
        else look();
        if (flag) *flag = found ? 1 : 0;
        if (found) set_probe_status(status, info);
        return MPI_SUCCESS;
    });
}

}  // namespace

extern "C" int PMPI_Iprobe(int source, int tag, MPI_Comm comm, int* flag, MPI_Status* status) {
    return probe_impl("MPI_Iprobe", source, tag, comm, flag, status, false);
}
EFAMPI_ALIAS(Iprobe)

extern "C" int PMPI_Probe(int source, int tag, MPI_Comm comm, MPI_Status* status) {
    return probe_impl("MPI_Probe", source, tag, comm, nullptr, status, true);
}
EFAMPI_ALIAS(Probe)

// ---------------------------------------------------------------- matched probe

namespace {

// The message behind a handle from MPI_Mprobe/Improbe; null for MPI_MESSAGE_NO_PROC.
pml::Incoming* to_message(MPI_Message h, const char* what) {
    if (h == MPI_MESSAGE_NO_PROC) return nullptr;
    uintptr_t v = rt::handle_value(h);
    auto* m = reinterpret_cast<pml::Incoming*>(v);
    if (h == MPI_MESSAGE_NULL || v <= rt::predefined_limit || v % alignof(pml::Incoming) != 0 ||
        !m->probed)
        throw Error(MPI_ERR_REQUEST, std::string(what) +
                                         " is not a message from MPI_Mprobe/MPI_Improbe, or it "
                                         "was already received");
    return m;
}

int mprobe_impl(const char* fn, int source, int tag, MPI_Comm comm, int* flag,
                MPI_Message* message, MPI_Status* status, bool block) {
    return api::call(comm, fn, [&] {
        rt::Comm* c = api::check_comm(comm);
        api::check_source(*c, source);
        api::check_recv_tag(tag);
        if ((!block && !flag) || !message) api::bad_arg("flag or message pointer is NULL");
        if (source == MPI_PROC_NULL) {
            if (flag) *flag = 1;
            *message = MPI_MESSAGE_NO_PROC;
            api::set_status_proc_null(status);
            return MPI_SUCCESS;
        }
        pml::Engine& e = pml::engine();
        pml::Incoming* m = nullptr;
        auto take = [&] { return (m = e.improbe(c->ctx, source, tag)) != nullptr; };
        if (block) e.wait_until(take);
        else take();
        if (flag) *flag = m ? 1 : 0;
        if (!m) return MPI_SUCCESS;
        m->owner = c;
        *message = reinterpret_cast<MPI_Message>(m);
        set_probe_status(status, pml::Engine::ProbeInfo{m->src, m->tag, m->size});
        return MPI_SUCCESS;
    });
}

template <class Count>
int mrecv_impl(const char* fn, void* buf, Count count, MPI_Datatype dt, MPI_Message* message,
               MPI_Status* status, MPI_Request* request, bool nonblocking = false) {
    return api::call(api::no_object, fn, [&] {
        if (nonblocking && !request) api::bad_arg("request pointer is NULL");
        const rt::Datatype* d = api::check_type(dt);
        api::check_data(buf, count, d);
        if (!message) api::bad_arg("message pointer is NULL");
        pml::Incoming* m = to_message(*message, "message");
        pml::Engine& e = pml::engine();
        if (m && !d->direct()) {  // a derived type with holes: received packed, then unpacked
            auto* c = static_cast<rt::Comm*>(m->owner);
            api::Staging* st = api::stage_layout(*d, buf, static_cast<uint64_t>(count));
            *message = MPI_MESSAGE_NULL;
            Undo drop([&] { api::drop_staging(st); });
            pml::Request* r = e.imrecv(m, nullptr, api::staging_bytes(st), api::staging_layout(st));
            drop.keep();
            api::attach_staging(r, st);
            r->owner = c;
            if (request) {
                *request = api::to_handle(r);
                return MPI_SUCCESS;
            }
            e.wait(r);
            api::set_status(status, r);
            int err = r->err;
            uint64_t got = r->st_bytes, cap = r->bytes;
            e.release(r);
            if (err) return api::raise_request_error(c->handle, fn, err, got, cap);
            return MPI_SUCCESS;
        }
        uint64_t capacity = m ? api::message_bytes(d, count) : 0;
        if (!m) {  // MPI_MESSAGE_NO_PROC: a receive from MPI_PROC_NULL
            *message = MPI_MESSAGE_NULL;
            if (request) {
                *request = api::to_handle(api::proc_null_request());
            } else {
                api::set_status_proc_null(status);
            }
            return MPI_SUCCESS;
        }
        auto* c = static_cast<rt::Comm*>(m->owner);
        *message = MPI_MESSAGE_NULL;
        if (request) {
            pml::Request* r = e.imrecv(m, buf, capacity);
            r->owner = c;
            *request = api::to_handle(r);
            return MPI_SUCCESS;
        }
        const pml::Request& r = e.mrecv(m, buf, capacity);
        api::set_status(status, &r);
        if (r.err) return api::raise_request_error(c->handle, fn, r.err, r.st_bytes, capacity);
        return MPI_SUCCESS;
    });
}

}  // namespace

extern "C" int PMPI_Mprobe(int source, int tag, MPI_Comm comm, MPI_Message* message,
                           MPI_Status* status) {
    return mprobe_impl("MPI_Mprobe", source, tag, comm, nullptr, message, status, true);
}
EFAMPI_ALIAS(Mprobe)

extern "C" int PMPI_Improbe(int source, int tag, MPI_Comm comm, int* flag,
                            MPI_Message* message, MPI_Status* status) {
    return mprobe_impl("MPI_Improbe", source, tag, comm, flag, message, status, false);
}
EFAMPI_ALIAS(Improbe)

extern "C" int PMPI_Mrecv(void* buf, int count, MPI_Datatype dt, MPI_Message* message,
                          MPI_Status* status) {
    return mrecv_impl("MPI_Mrecv", buf, count, dt, message, status, nullptr, false);
}
EFAMPI_ALIAS(Mrecv)

extern "C" int PMPI_Mrecv_c(void* buf, MPI_Count count, MPI_Datatype dt, MPI_Message* message,
                            MPI_Status* status) {
    return mrecv_impl("MPI_Mrecv_c", buf, count, dt, message, status, nullptr, false);
}
EFAMPI_ALIAS(Mrecv_c)

extern "C" int PMPI_Imrecv(void* buf, int count, MPI_Datatype dt, MPI_Message* message,
                           MPI_Request* request) {
    return mrecv_impl("MPI_Imrecv", buf, count, dt, message, MPI_STATUS_IGNORE, request, true);
}
EFAMPI_ALIAS(Imrecv)

extern "C" int PMPI_Imrecv_c(void* buf, MPI_Count count, MPI_Datatype dt, MPI_Message* message,
                             MPI_Request* request) {
    return mrecv_impl("MPI_Imrecv_c", buf, count, dt, message, MPI_STATUS_IGNORE, request, true);
}
EFAMPI_ALIAS(Imrecv_c)

// ---------------------------------------------------------------- sendrecv_replace

namespace {

// The outgoing data is staged in a temporary copy so that the receive can land in the user's
// buffer while the send is still reading (a rendezvous send reads it remotely).
template <class Count>
int sendrecv_replace_impl(const char* fn, void* buf, Count count, MPI_Datatype dt, int dest,
                          int stag, int source, int rtag, MPI_Comm comm, MPI_Status* status) {
    return api::call(comm, fn, [&] {
        rt::Comm* c = api::check_comm(comm);
        // One type for both sides: MPI_DATATYPE_NULL only when both are MPI_PROC_NULL.
        const rt::Datatype* d = api::check_type_moving(
            dt, count, dest == MPI_PROC_NULL ? source : dest);
        api::check_data(buf, count, d);
        api::check_dest(*c, dest);
        api::check_source(*c, source);
        api::check_send_tag(stag, "send tag");
        api::check_recv_tag(rtag, "receive tag");
        if (!d->direct()) {
            // A derived type with holes: the outgoing data packed (bytes), the incoming received
            // and unpacked into the same buffer by sendrecv_impl's staging.
            uint64_t packed = dest == MPI_PROC_NULL ? 0 : static_cast<uint64_t>(count) * static_cast<uint64_t>(d->size);
            std::vector<unsigned char> out(packed);
            if (packed) rt::pack(*d, buf, static_cast<uint64_t>(count), out.data());
            return sendrecv_impl<MPI_Count>(fn, out.empty() ? nullptr : out.data(),
                                            static_cast<MPI_Count>(packed), MPI_BYTE, dest, stag,
                                            buf, static_cast<MPI_Count>(count), dt, source, rtag,
                                            comm, status);
        }
        uint64_t bytes = api::message_bytes(d, count);
        std::vector<unsigned char> staged;
        if (dest != MPI_PROC_NULL && bytes)
            staged.assign(static_cast<unsigned char*>(buf), static_cast<unsigned char*>(buf) + bytes);
        return sendrecv_impl<Count>(fn, staged.empty() ? nullptr : staged.data(),
                                    dest == MPI_PROC_NULL ? 0 : count, dt, dest, stag, buf, count,
                                    dt, source, rtag, comm, status);
    });
}

}  // namespace

extern "C" int PMPI_Sendrecv_replace(void* buf, int count, MPI_Datatype dt, int dest, int stag,
                                     int source, int rtag, MPI_Comm comm, MPI_Status* status) {
    return sendrecv_replace_impl("MPI_Sendrecv_replace", buf, count, dt, dest, stag, source,
                                 rtag, comm, status);
}
EFAMPI_ALIAS(Sendrecv_replace)

extern "C" int PMPI_Sendrecv_replace_c(void* buf, MPI_Count count, MPI_Datatype dt, int dest,
                                       int stag, int source, int rtag, MPI_Comm comm,
                                       MPI_Status* status) {
    return sendrecv_replace_impl("MPI_Sendrecv_replace_c", buf, count, dt, dest, stag, source,
                                 rtag, comm, status);
}
EFAMPI_ALIAS(Sendrecv_replace_c)

// ---------------------------------------------------------------- nonblocking sendrecv

namespace {

// One request completing when both the send and the receive have (pml compound request); its
// status is the receive's. The replace form sends from a private copy of the buffer, which the
// send part frees when done, so the receive may land in the buffer at any time.
template <class Count>
int isendrecv_impl(const char* fn, const void* sbuf, Count scount, MPI_Datatype stype, int dest,
                   int stag, void* rbuf, Count rcount, MPI_Datatype rtype, int source, int rtag,
                   MPI_Comm comm, MPI_Request* request, bool replace) {
    return api::call(comm, fn, [&] {
        rt::Comm* c = api::check_comm(comm);
        const rt::Datatype* sd = api::check_type_moving(stype, scount, dest, "send datatype");
        const rt::Datatype* rd = api::check_type_moving(rtype, rcount, source, "receive datatype");
        api::check_data(sbuf, scount, sd, "send count");
        api::check_data(rbuf, rcount, rd, "receive count");
        api::check_dest(*c, dest);
        api::check_source(*c, source);
        api::check_send_tag(stag, "send tag");
        api::check_recv_tag(rtag, "receive tag");
        if (!request) api::bad_arg("request pointer is NULL");
        pml::Engine& e = pml::engine();
        bool do_send = dest != MPI_PROC_NULL, do_recv = source != MPI_PROC_NULL;
        // Derived types with holes go through layouts (the pml packs and unpacks the pieces
        // it moves), held by the compound request; the replace form packs a private copy.
        bool spack = !sd->direct(), rstage = !rd->direct() && do_recv;
        uint64_t sbytes = spack ? static_cast<uint64_t>(scount) * static_cast<uint64_t>(sd->size)
                                : api::message_bytes(sd, scount);
        uint64_t rbytes = rstage ? 0 : api::message_bytes(rd, rcount);
        void* copy = nullptr;
        if (do_send && replace) {
            copy = std::malloc(sbytes ? sbytes : 1);
            if (!copy) throw std::bad_alloc();
            if (spack) rt::pack(*sd, sbuf, static_cast<uint64_t>(scount), copy);
            else if (sbytes) copy_bytes(copy, sbuf, sbytes);
        }
        // The layouts live in stagings attached to the compound request, which outlives its
        // parts.
        api::Staging* sst = nullptr;
        api::Staging* rst = nullptr;
        pml::Request* r = nullptr;
        Undo drop([&] {  // until the request owns them: the copy, then the stagings
            std::free(copy);
            if (r) {
                e.release(r);  // frees the stagings attached to it
                return;
            }
            if (sst) api::drop_staging(sst);
            if (rst) api::drop_staging(rst);
        });
        if (do_send && spack && !copy)
            sst = api::stage_layout(*sd, sbuf, static_cast<uint64_t>(scount));
        if (rstage) {
            rst = api::stage_layout(*rd, rbuf, static_cast<uint64_t>(rcount));
            rbytes = api::staging_bytes(rst);
        }
        r = e.compound(static_cast<uint32_t>(do_send) + do_recv);
        if (sst) api::attach_staging(r, sst);
        if (rst) api::attach_staging(r, rst);
        r->owner = c;
        if (!do_recv) {
            r->st_source = MPI_PROC_NULL;
            r->st_tag = MPI_ANY_TAG;
        }
        if (do_send)  // the part owns the copy from here (it completes, failed or not)
            e.send_part(r, copy ? copy : sbuf, sbytes, c->peer_world(dest), c->rank, stag,
                        c->ctx, copy != nullptr, sst ? api::staging_layout(sst) : nullptr);
        drop.keep();
        if (do_recv)
            e.recv_part(r, rbuf, rbytes, source, rtag, c->ctx,
                        rst ? api::staging_layout(rst) : nullptr);
        *request = api::to_handle(r);
        return MPI_SUCCESS;
    });
}

}  // namespace

extern "C" int PMPI_Isendrecv(const void* sbuf, int scount, MPI_Datatype stype, int dest,
                              int stag, void* rbuf, int rcount, MPI_Datatype rtype, int source,
                              int rtag, MPI_Comm comm, MPI_Request* request) {
    return isendrecv_impl("MPI_Isendrecv", sbuf, scount, stype, dest, stag, rbuf, rcount, rtype,
                          source, rtag, comm, request, false);
}
EFAMPI_ALIAS(Isendrecv)

extern "C" int PMPI_Isendrecv_c(const void* sbuf, MPI_Count scount, MPI_Datatype stype,
                                int dest, int stag, void* rbuf, MPI_Count rcount,
                                MPI_Datatype rtype, int source, int rtag, MPI_Comm comm,
                                MPI_Request* request) {
    return isendrecv_impl("MPI_Isendrecv_c", sbuf, scount, stype, dest, stag, rbuf, rcount,
                          rtype, source, rtag, comm, request, false);
}
EFAMPI_ALIAS(Isendrecv_c)

extern "C" int PMPI_Isendrecv_replace(void* buf, int count, MPI_Datatype dt, int dest, int stag,
                                      int source, int rtag, MPI_Comm comm,
                                      MPI_Request* request) {
    return isendrecv_impl("MPI_Isendrecv_replace", buf, count, dt, dest, stag, buf, count, dt,
                          source, rtag, comm, request, true);
}
EFAMPI_ALIAS(Isendrecv_replace)

extern "C" int PMPI_Isendrecv_replace_c(void* buf, MPI_Count count, MPI_Datatype dt, int dest,
                                        int stag, int source, int rtag, MPI_Comm comm,
                                        MPI_Request* request) {
    return isendrecv_impl("MPI_Isendrecv_replace_c", buf, count, dt, dest, stag, buf, count, dt,
                          source, rtag, comm, request, true);
}
EFAMPI_ALIAS(Isendrecv_replace_c)
