// Buffered mode: MPI_Bsend/Ibsend and the buffers they copy into (process-wide with
// MPI_Buffer_attach, per communicator with MPI_Comm_attach_buffer). The buffer logic lives in
// runtime/objects/bsend_buffer.
#include <climits>
#include <string>

#include "base/undo.hpp"
#include "runtime/api/call.hpp"
#include "runtime/api/check.hpp"
#include "runtime/api/staging.hpp"
#include "runtime/api/request_handle.hpp"

using namespace efampi;

namespace {

template <class Count>
int bsend_impl(const char* fn, const void* buf, Count count, MPI_Datatype dt, int dest, int tag,
               MPI_Comm comm, MPI_Request* request, bool nonblocking) {
    return api::call(comm, fn, [&] {
        const rt::Datatype* d;
        rt::Comm* c = api::check_send_typed(comm, buf, count, dt, dest, tag, &d);
        if (nonblocking && !request) api::bad_arg("request pointer is NULL");
        if (dest != MPI_PROC_NULL) {
            if (d->direct()) {
                c->bsend_buffer().send(buf, api::message_bytes(d, count), c->peer_world(dest),
                                       c->rank, tag, c->ctx);
            } else {  // packed first; the attached buffer then takes the packed bytes
                uint64_t bytes;
                uint8_t* p = api::pack_staged(*d, buf, static_cast<uint64_t>(count), &bytes);
                Undo free_packed([&] { api::free_staged_bytes(p); });  // copied or not: freed
                c->bsend_buffer().send(p, bytes, c->peer_world(dest), c->rank, tag, c->ctx);
            }
        }
        if (nonblocking) {  // the data is copied: the request is complete
            pml::Request* r = pml::engine().completed_request();
            r->owner = c;
            *request = api::to_handle(r);
        }
        return MPI_SUCCESS;
    });
}

template <class Count>
int attach_impl(const char* fn, MPI_Comm comm, rt::BsendBuffer* (*which)(rt::Comm*), void* buf,
                Count size) {
    return api::call(comm, fn, [&] {
        rt::Comm* c = api::check_comm(comm);
        bool automatic = buf == MPI_BUFFER_AUTOMATIC;
        if (!automatic) {
            if (size < 0) api::bad_count(size, "size");
            if (!buf && size > 0) api::bad_buffer(size, "size");
        }
        which(c)->attach(buf, static_cast<uint64_t>(automatic ? 0 : size), automatic);
        return MPI_SUCCESS;
    });
}

template <class Count>
int detach_impl(const char* fn, MPI_Comm comm, rt::BsendBuffer* (*which)(rt::Comm*), void* addr,
                Count* size) {
    return api::call(comm, fn, [&] {
        rt::Comm* c = api::check_comm(comm);
        if (!addr || !size) api::bad_arg("buffer address or size pointer is NULL");
        rt::BsendBuffer* b = which(c);
        if (!b->attached()) throw Error(MPI_ERR_BUFFER, "no buffer is attached");
        if (sizeof(Count) < sizeof(uint64_t) && b->size() > static_cast<uint64_t>(INT_MAX))
            throw Error(MPI_ERR_COUNT, "the attached buffer's size (" +
                                           std::to_string(b->size()) +
                                           " bytes) does not fit an int; use the _c variant");
        void* out = nullptr;
        uint64_t n = 0;
        b->detach(&out, &n);
        *static_cast<void**>(addr) = out;
        *size = static_cast<Count>(n);
        return MPI_SUCCESS;
    });
}

rt::BsendBuffer* process_buffer(rt::Comm*) { return &rt::process_bsend_buffer(); }
rt::BsendBuffer* comm_buffer(rt::Comm* c) {
    if (!c->bsend) c->bsend = std::make_unique<rt::BsendBuffer>();
    return c->bsend.get();
}

}  // namespace

extern "C" int PMPI_Bsend(const void* buf, int count, MPI_Datatype dt, int dest, int tag,
                          MPI_Comm comm) {
    return bsend_impl("MPI_Bsend", buf, count, dt, dest, tag, comm, nullptr, false);
}
EFAMPI_ALIAS(Bsend)

extern "C" int PMPI_Bsend_c(const void* buf, MPI_Count count, MPI_Datatype dt, int dest, int tag,
                            MPI_Comm comm) {
    return bsend_impl("MPI_Bsend_c", buf, count, dt, dest, tag, comm, nullptr, false);
}
EFAMPI_ALIAS(Bsend_c)

extern "C" int PMPI_Ibsend(const void* buf, int count, MPI_Datatype dt, int dest, int tag,
                           MPI_Comm comm, MPI_Request* request) {
    return bsend_impl("MPI_Ibsend", buf, count, dt, dest, tag, comm, request, true);
}
EFAMPI_ALIAS(Ibsend)

extern "C" int PMPI_Ibsend_c(const void* buf, MPI_Count count, MPI_Datatype dt, int dest,
                             int tag, MPI_Comm comm, MPI_Request* request) {
    return bsend_impl("MPI_Ibsend_c", buf, count, dt, dest, tag, comm, request, true);
}
EFAMPI_ALIAS(Ibsend_c)

extern "C" int PMPI_Buffer_attach(void* buffer, int size) {
    return attach_impl("MPI_Buffer_attach", MPI_COMM_SELF, process_buffer, buffer, size);
}
EFAMPI_ALIAS(Buffer_attach)

extern "C" int PMPI_Buffer_attach_c(void* buffer, MPI_Count size) {
    return attach_impl("MPI_Buffer_attach_c", MPI_COMM_SELF, process_buffer, buffer, size);
}
EFAMPI_ALIAS(Buffer_attach_c)

extern "C" int PMPI_Buffer_detach(void* buffer_addr, int* size) {
    return detach_impl("MPI_Buffer_detach", MPI_COMM_SELF, process_buffer, buffer_addr, size);
}
EFAMPI_ALIAS(Buffer_detach)

extern "C" int PMPI_Buffer_detach_c(void* buffer_addr, MPI_Count* size) {
    return detach_impl("MPI_Buffer_detach_c", MPI_COMM_SELF, process_buffer, buffer_addr, size);
}
EFAMPI_ALIAS(Buffer_detach_c)

extern "C" int PMPI_Buffer_flush(void) {
    return api::call(api::no_object, "MPI_Buffer_flush", [] {
        rt::BsendBuffer& b = rt::process_bsend_buffer();
        if (b.attached()) b.flush();
        return MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Buffer_flush)

extern "C" int PMPI_Comm_attach_buffer(MPI_Comm comm, void* buffer, int size) {
    return attach_impl("MPI_Comm_attach_buffer", comm, comm_buffer, buffer, size);
}
EFAMPI_ALIAS(Comm_attach_buffer)

extern "C" int PMPI_Comm_attach_buffer_c(MPI_Comm comm, void* buffer, MPI_Count size) {
    return attach_impl("MPI_Comm_attach_buffer_c", comm, comm_buffer, buffer, size);
}
EFAMPI_ALIAS(Comm_attach_buffer_c)

extern "C" int PMPI_Comm_detach_buffer(MPI_Comm comm, void* buffer_addr, int* size) {
    return detach_impl("MPI_Comm_detach_buffer", comm, comm_buffer, buffer_addr, size);
}
EFAMPI_ALIAS(Comm_detach_buffer)

extern "C" int PMPI_Comm_detach_buffer_c(MPI_Comm comm, void* buffer_addr, MPI_Count* size) {
    return detach_impl("MPI_Comm_detach_buffer_c", comm, comm_buffer, buffer_addr, size);
}
EFAMPI_ALIAS(Comm_detach_buffer_c)

extern "C" int PMPI_Comm_flush_buffer(MPI_Comm comm) {
    return api::call(comm, "MPI_Comm_flush_buffer", [&] {
        rt::Comm* c = api::check_comm(comm);
        if (c->bsend && c->bsend->attached()) c->bsend->flush();
        return MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Comm_flush_buffer)
