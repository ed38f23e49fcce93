// Completion entry points: MPI_Wait, MPI_Waitall, MPI_Test, MPI_Testall.
#include <string>

#include "collectives/executor.hpp"
#include "runtime/api/call.hpp"
#include "runtime/api/check.hpp"
#include "runtime/api/request_handle.hpp"
#include "runtime/api/staging.hpp"

using namespace efampi;

namespace efampi::api {

pml::Request* to_request(MPI_Request h) {
    if (h == MPI_REQUEST_NULL) return nullptr;
    uintptr_t v = rt::handle_value(h);
    auto* r = reinterpret_cast<pml::Request*>(v);
    if (v <= rt::predefined_limit || v % alignof(pml::Request) != 0 || !r->live)
        throw Error(MPI_ERR_REQUEST, "request handle " + std::to_string(v) +
                                         " is not an active request (freed or never created)");
    return r;
}

pml::Request* proc_null_request() {
    pml::Request* r = pml::engine().completed_request();
    r->st_source = MPI_PROC_NULL;
    r->st_tag = MPI_ANY_TAG;
    return r;
}

int raise_request_error(MPI_Comm comm, const char* fn, int err, uint64_t got, uint64_t capacity) {
    if (err == MPI_ERR_TRUNCATE) {
        std::string m = "message truncated: the receive buffer holds " +
                        std::to_string(capacity) + " bytes, the message is larger (" +
                        std::to_string(got) + " bytes delivered)";
        return raise(comm, fn, err, m.c_str());
    }
    return raise(comm, fn, err, failure_text("communication failed"));
}

const char* failure_text(const char* fallback) {
    const std::string& why = pml::engine().last_failure();
    return why.empty() ? fallback : why.c_str();
}

}  // namespace efampi::api

namespace {

MPI_Comm owner_comm(const pml::Request* r) {
    auto* c = static_cast<const rt::Comm*>(r->owner);
    return c ? c->handle : api::no_object;
}

// Finishes a complete request: status, release, handle set to MPI_REQUEST_NULL; a persistent
// request becomes inactive instead and keeps its handle. Returns the error class it carried.
int finish(MPI_Request* h, pml::Request* r, MPI_Status* st, uint64_t* capacity = nullptr) {
    api::set_status(st, r);
    int err = r->err;
    if (capacity) *capacity = r->bytes;
    if (r->persistent) {
        r->active = false;
        return err;
    }
    pml::engine().release(r);
    *h = MPI_REQUEST_NULL;
    return err;
}

}  // namespace

extern "C" int PMPI_Wait(MPI_Request* request, MPI_Status* status) {
    const char* fn = "MPI_Wait";
    return api::call(api::no_object, fn, [&] {
        if (!request) api::bad_arg("request pointer is NULL");
        pml::Request* r = api::to_active(*request);
        if (!r) {
            api::set_status_empty(status);
            return MPI_SUCCESS;
        }
        pml::engine().wait(r);
        MPI_Comm comm = owner_comm(r);
        uint64_t got = r->st_bytes, cap = 0;
        int err = finish(request, r, status, &cap);
        return err ? api::raise_request_error(comm, fn, err, got, cap) : MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Wait)

extern "C" int PMPI_Test(MPI_Request* request, int* flag, MPI_Status* status) {
    const char* fn = "MPI_Test";
    return api::call(api::no_object, fn, [&] {
        if (!request || !flag) api::bad_arg("request or flag pointer is NULL");
        pml::Request* r = api::to_active(*request);
        if (!r) {
            *flag = 1;
            api::set_status_empty(status);
            return MPI_SUCCESS;
        }
        if (!pml::engine().test(r)) {
            *flag = 0;
            return MPI_SUCCESS;
        }
        *flag = 1;
        MPI_Comm comm = owner_comm(r);
        uint64_t got = r->st_bytes, cap = 0;
        int err = finish(request, r, status, &cap);
        return err ? api::raise_request_error(comm, fn, err, got, cap) : MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Test)

namespace {

// Completes every request of the array (all are complete); per-request errors go to the
// statuses and the call returns MPI_ERR_IN_STATUS, as the standard asks of multi-request
// calls. MPI_ERROR is written only then, in every status (MPI_SUCCESS for the requests that
// did not fail); a call that succeeds leaves it alone.
int complete_all(const char* fn, int count, MPI_Request* reqs, MPI_Status* statuses) {
    MPI_Comm comm = api::no_object;
    bool any_err = false;
    for (int i = 0; i < count && !any_err; ++i) {
        pml::Request* r = api::to_active(reqs[i]);
        if (r && r->err) {
            any_err = true;
            comm = owner_comm(r);
        }
    }
    for (int i = 0; i < count; ++i) {
        MPI_Status* st = statuses == MPI_STATUSES_IGNORE ? MPI_STATUS_IGNORE : &statuses[i];
        pml::Request* r = api::to_active(reqs[i]);
        if (!r) {
            api::set_status_empty(st);
            continue;
        }
        int err = finish(&reqs[i], r, st);
        if (any_err && st != MPI_STATUS_IGNORE) st->MPI_ERROR = err;
    }
    if (!any_err) return MPI_SUCCESS;
    return api::raise(comm, fn, MPI_ERR_IN_STATUS,
                      "one or more requests failed; see the MPI_ERROR field of each status");
}

void check_array(int count, const MPI_Request* reqs) {
    if (count < 0) api::bad_count(count, "count");
    if (count > 0 && !reqs) api::bad_arg("array of requests is NULL");
    for (int i = 0; i < count; ++i) api::to_request(reqs[i]);  // throws on a bad handle
}

}  // namespace

extern "C" int PMPI_Waitall(int count, MPI_Request reqs[], MPI_Status statuses[]) {
    const char* fn = "MPI_Waitall";
    return api::call(api::no_object, fn, [&] {
        check_array(count, reqs);
        pml::Engine& e = pml::engine();
        for (int i = 0; i < count; ++i)
            if (pml::Request* r = api::to_active(reqs[i])) e.wait(r);
        return complete_all(fn, count, reqs, statuses);
    });
}
EFAMPI_ALIAS(Waitall)

extern "C" int PMPI_Testall(int count, MPI_Request reqs[], int* flag, MPI_Status statuses[]) {
    const char* fn = "MPI_Testall";
    return api::call(api::no_object, fn, [&] {
        check_array(count, reqs);
        if (!flag) api::bad_arg("flag pointer is NULL");
        pml::Engine& e = pml::engine();
        e.progress();
        for (int i = 0; i < count; ++i) {
            pml::Request* r = api::to_active(reqs[i]);
            if (r && !r->done) {
                *flag = 0;
                return MPI_SUCCESS;
            }
        }
        *flag = 1;
        return complete_all(fn, count, reqs, statuses);
    });
}
EFAMPI_ALIAS(Testall)

extern "C" int PMPI_Cancel(MPI_Request* request) {
    return api::call(api::no_object, "MPI_Cancel", [&] {
        if (!request) api::bad_arg("request pointer is NULL");
        pml::Request* r = api::to_request(*request);
        if (!r) throw Error(MPI_ERR_REQUEST, "request is MPI_REQUEST_NULL");
        if (r->persistent && !r->active)
            throw Error(MPI_ERR_REQUEST, "request is an inactive persistent request");
        pml::engine().cancel(r);  // a send, or a receive already matched, completes normally
        return MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Cancel)

extern "C" int PMPI_Test_cancelled(const MPI_Status* status, int* flag) {
    return api::call(api::no_object, "MPI_Test_cancelled", [&] {
        if (!status || !flag) api::bad_arg("status or flag pointer is NULL");
        *flag = status->MPI_internal[2] != 0;
        return MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Test_cancelled)

extern "C" int PMPI_Request_free(MPI_Request* request) {
    return api::call(api::no_object, "MPI_Request_free", [&] {
        if (!request) api::bad_arg("request pointer is NULL");
        pml::Request* r = api::to_request(*request);
        if (!r) throw Error(MPI_ERR_REQUEST, "request is MPI_REQUEST_NULL");
        if (r->coll && r->persistent) coll::free_persistent(r);
        pml::engine().free_request(r);  // the operation still completes
        *request = MPI_REQUEST_NULL;
        return MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Request_free)

extern "C" int PMPI_Request_get_status(MPI_Request request, int* flag, MPI_Status* status) {
    return api::call(api::no_object, "MPI_Request_get_status", [&] {
        if (!flag) api::bad_arg("flag pointer is NULL");
        pml::Request* r = api::to_active(request);
        if (!r) {
            *flag = 1;
            api::set_status_empty(status);
            return MPI_SUCCESS;
        }
        *flag = pml::engine().test(r) ? 1 : 0;  // does not free the request
        if (*flag) api::set_status(status, r);
        return MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Request_get_status)

namespace {

// One round over the array: finishes the first complete active request (index in *indx), or
// says there is none yet. All null or inactive: *indx = MPI_UNDEFINED and empty status.
int any_round(const char* fn, int count, MPI_Request* reqs, int* indx, MPI_Status* status,
              bool* done) {
    bool any_active = false;
    for (int i = 0; i < count; ++i) {
        pml::Request* r = api::to_active(reqs[i]);
        if (!r) continue;
        any_active = true;
        if (!r->done) continue;
        MPI_Comm comm = owner_comm(r);
        uint64_t got = r->st_bytes, cap = 0;
        int err = finish(&reqs[i], r, status, &cap);
        *indx = i;
        *done = true;
        return err ? api::raise_request_error(comm, fn, err, got, cap) : MPI_SUCCESS;
    }
    if (!any_active) {
        *indx = MPI_UNDEFINED;
        api::set_status_empty(status);
        *done = true;
    }
    return MPI_SUCCESS;
}

// Finishes every complete active request; *outcount = how many (MPI_UNDEFINED when none is
// active). Per-request errors: MPI_ERR_IN_STATUS, with MPI_ERROR written in each of the
// *outcount statuses (and only then, as in complete_all).
int some_round(const char* fn, int count, MPI_Request* reqs, int* outcount, int* indices,
               MPI_Status* statuses) {
    bool any_active = false, any_err = false;
    MPI_Comm comm = api::no_object;
    for (int i = 0; i < count && !any_err; ++i) {
        pml::Request* r = api::to_active(reqs[i]);
        if (r && r->done && r->err) {
            any_err = true;
            comm = owner_comm(r);
        }
    }
    int n = 0;
    for (int i = 0; i < count; ++i) {
        pml::Request* r = api::to_active(reqs[i]);
        if (!r) continue;
        any_active = true;
        if (!r->done) continue;
        MPI_Status* st = statuses == MPI_STATUSES_IGNORE ? MPI_STATUS_IGNORE : &statuses[n];
        int err = finish(&reqs[i], r, st);
        if (any_err && st != MPI_STATUS_IGNORE) st->MPI_ERROR = err;
        indices[n++] = i;
    }
    *outcount = any_active ? n : MPI_UNDEFINED;
    if (!any_err) return MPI_SUCCESS;
    return api::raise(comm, fn, MPI_ERR_IN_STATUS,
                      "one or more requests failed; see the MPI_ERROR field of each status");
}

void check_some_args(int count, const MPI_Request* reqs, const void* out, const void* more) {
    check_array(count, reqs);
    if (!out || (count > 0 && !more)) api::bad_arg("output pointer is NULL");
}

}  // namespace

extern "C" int PMPI_Waitany(int count, MPI_Request reqs[], int* indx, MPI_Status* status) {
    const char* fn = "MPI_Waitany";
    return api::call(api::no_object, fn, [&] {
        check_some_args(count, reqs, indx, indx);
        int rc = MPI_SUCCESS;
        pml::engine().wait_until([&] {
            bool done = false;
            rc = any_round(fn, count, reqs, indx, status, &done);
            return done;
        });
        return rc;
    });
}
EFAMPI_ALIAS(Waitany)

extern "C" int PMPI_Testany(int count, MPI_Request reqs[], int* indx, int* flag,
                            MPI_Status* status) {
    const char* fn = "MPI_Testany";
    return api::call(api::no_object, fn, [&] {
        check_some_args(count, reqs, indx, flag);
        if (!flag) api::bad_arg("flag pointer is NULL");
        pml::engine().progress();
        bool done = false;
        int rc = any_round(fn, count, reqs, indx, status, &done);
        *flag = done ? 1 : 0;
        if (!done) *indx = MPI_UNDEFINED;
        return rc;
    });
}
EFAMPI_ALIAS(Testany)

extern "C" int PMPI_Waitsome(int count, MPI_Request reqs[], int* outcount, int indices[],
                             MPI_Status statuses[]) {
    const char* fn = "MPI_Waitsome";
    return api::call(api::no_object, fn, [&] {
        check_some_args(count, reqs, outcount, indices);
        int rc = MPI_SUCCESS;
        pml::engine().wait_until([&] {
            rc = some_round(fn, count, reqs, outcount, indices, statuses);
            return *outcount != 0;
        });
        return rc;
    });
}
EFAMPI_ALIAS(Waitsome)

extern "C" int PMPI_Testsome(int count, MPI_Request reqs[], int* outcount, int indices[],
                             MPI_Status statuses[]) {
    const char* fn = "MPI_Testsome";
    return api::call(api::no_object, fn, [&] {
        check_some_args(count, reqs, outcount, indices);
        pml::engine().progress();
        return some_round(fn, count, reqs, outcount, indices, statuses);
    });
}
EFAMPI_ALIAS(Testsome)

// ---------------------------------------------------------------- MPI 4.1 status queries
// Like the Test family, but no request is freed or made inactive.

extern "C" int PMPI_Request_get_status_any(int count, const MPI_Request reqs[], int* indx,
                                           int* flag, MPI_Status* status) {
    return api::call(api::no_object, "MPI_Request_get_status_any", [&] {
        check_some_args(count, reqs, indx, flag);
        if (!flag) api::bad_arg("flag pointer is NULL");
        pml::engine().progress();
        bool any_active = false;
        for (int i = 0; i < count; ++i) {
            pml::Request* r = api::to_active(reqs[i]);
            if (!r) continue;
            any_active = true;
            if (!r->done) continue;
            *indx = i;
            *flag = 1;
            api::set_status(status, r);
            return MPI_SUCCESS;
        }
        *indx = MPI_UNDEFINED;
        *flag = any_active ? 0 : 1;
        if (!any_active) api::set_status_empty(status);
        return MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Request_get_status_any)

extern "C" int PMPI_Request_get_status_all(int count, const MPI_Request reqs[], int* flag,
                                           MPI_Status statuses[]) {
    return api::call(api::no_object, "MPI_Request_get_status_all", [&] {
        check_array(count, reqs);
        if (!flag) api::bad_arg("flag pointer is NULL");
        pml::engine().progress();
        for (int i = 0; i < count; ++i) {
            pml::Request* r = api::to_active(reqs[i]);
            if (r && !r->done) {
                *flag = 0;
                return MPI_SUCCESS;
            }
        }
        *flag = 1;
        if (statuses == MPI_STATUSES_IGNORE) return MPI_SUCCESS;
        for (int i = 0; i < count; ++i) {
            pml::Request* r = api::to_active(reqs[i]);
            if (r) api::set_status(&statuses[i], r);
            else api::set_status_empty(&statuses[i]);
        }
        return MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Request_get_status_all)

extern "C" int PMPI_Request_get_status_some(int count, const MPI_Request reqs[], int* outcount,
                                            int indices[], MPI_Status statuses[]) {
    return api::call(api::no_object, "MPI_Request_get_status_some", [&] {
        check_some_args(count, reqs, outcount, indices);
        pml::engine().progress();
        bool any_active = false;
        int n = 0;
        for (int i = 0; i < count; ++i) {
            pml::Request* r = api::to_active(reqs[i]);
            if (!r) continue;
            any_active = true;
            if (!r->done) continue;
            if (statuses != MPI_STATUSES_IGNORE) api::set_status(&statuses[n], r);
            indices[n++] = i;
        }
        *outcount = any_active ? n : MPI_UNDEFINED;
        return MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Request_get_status_some)
