#include "launcher/pmix_server.hpp"

#include <pmix.h>
#include <pmix_server.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <thread>

#include "launcher/error.hpp"
#include "launcher/job_info.hpp"

namespace efampi::launcher {
namespace {

// libpmix's module has no user pointer, so the callbacks reach the queue through these.
// Written once by start() before PMIx_server_init spawns the progress thread, cleared after
// PMIx_server_finalize joined it; read only by callbacks in between.
event_queue* g_queue = nullptr;
bool g_debug = false;

// One line to stderr in a single write, so it never splits a rank's forwarded line.
void debug_line(const std::string& text) {
    if (!g_debug) return;
    std::string line = "mpirun: debug: " + text + "\n";
    (void)!write(STDERR_FILENO, line.data(), line.size());
}

std::string pmix_error(const char* what, pmix_status_t rc) {
    return std::string(what) + ": " + PMIx_Error_string(rc);
}

// Completion of an asynchronous server call, waited for on the main thread. Heap-allocated and
// shared with the callback, so a timed-out wait leaves the late callback a live object.
struct op_wait {
    std::mutex mutex;
    std::condition_variable cv;
    bool done = false;
    pmix_status_t status = PMIX_SUCCESS;

    static void callback(pmix_status_t status, void* cbdata) {
        auto* self = static_cast<std::shared_ptr<op_wait>*>(cbdata);
        {
            std::lock_guard lock((*self)->mutex);
            (*self)->done = true;
            (*self)->status = status;
        }
        (*self)->cv.notify_all();
        delete self;
    }
};

// Runs `start(cb, cbdata)` and waits for its callback. `start` returns what the PMIx call
// returned: PMIX_SUCCESS means the callback will come, PMIX_OPERATION_SUCCEEDED that it is
// already done and will not.
template <typename Start>
void call_and_wait(const char* what, Start start) {
    auto state = std::make_shared<op_wait>();
    auto* handle = new std::shared_ptr<op_wait>(state);
    pmix_status_t rc = start(&op_wait::callback, handle);
    if (rc == PMIX_OPERATION_SUCCEEDED) {
        delete handle;
        return;
    }
    if (rc != PMIX_SUCCESS) {
        delete handle;
        throw launch_error(exit_launch_failed, pmix_error(what, rc));
    }
    std::unique_lock lock(state->mutex);
    if (!state->cv.wait_for(lock, std::chrono::seconds(60), [&] { return state->done; }))
        throw launch_error(exit_launch_failed, std::string(what) + ": no answer from the PMIx server in 60 s");
    if (state->status != PMIX_SUCCESS) throw launch_error(exit_launch_failed, pmix_error(what, state->status));
}

// Where freeze() parks libpmix's progress thread: its callback waits here forever.
struct parking_lot {
    std::mutex mutex;
    std::condition_variable cv;
    bool parked = false;

    static void park_here(pmix_status_t, void* cbdata) {
        auto* self = static_cast<parking_lot*>(cbdata);
        std::unique_lock lock(self->mutex);
        self->parked = true;
        self->cv.notify_all();
        self->cv.wait(lock, [] { return false; });
    }
};

pmix_rank_t rank_of(const pmix_proc_t* proc) { return proc ? proc->rank : PMIX_RANK_UNDEF; }

// ---- module callbacks (libpmix's thread) ----

pmix_status_t on_connected(const pmix_proc_t* proc, void*, pmix_op_cbfunc_t cbfunc, void* cbdata) {
    debug_line("rank " + std::to_string(rank_of(proc)) + " connected");
    g_queue->push(client_connected{rank_of(proc)});
    if (!cbfunc) return PMIX_OPERATION_SUCCEEDED;  // 4.2.2 may pass none and expect this
    cbfunc(PMIX_SUCCESS, cbdata);
    return PMIX_SUCCESS;
}

pmix_status_t on_finalized(const pmix_proc_t* proc, void*, pmix_op_cbfunc_t cbfunc, void* cbdata) {
    debug_line("rank " + std::to_string(rank_of(proc)) + " finalized");
    // Queued before the client is released: the loop sees it before the rank's exit.
    g_queue->push(client_finalized{rank_of(proc)});
    if (!cbfunc) return PMIX_OPERATION_SUCCEEDED;
    cbfunc(PMIX_SUCCESS, cbdata);
    return PMIX_SUCCESS;
}

pmix_status_t on_abort(const pmix_proc_t* proc, void*, int status, const char msg[], pmix_proc_t[],
                       size_t, pmix_op_cbfunc_t cbfunc, void* cbdata) {
    debug_line("rank " + std::to_string(rank_of(proc)) + " aborts with " + std::to_string(status));
    // Whatever subset the caller named, the whole job goes down (MPI allows it; simpler).
    abort_request req{rank_of(proc), status, msg ? msg : "", [cbfunc, cbdata] {
                          if (cbfunc) cbfunc(PMIX_SUCCESS, cbdata);
                      }};
    g_queue->push(std::move(req));
    return PMIX_SUCCESS;
}

void free_buffer(void* buf) { std::free(buf); }

// Hands `data` to a PMIx modex callback in a malloc'd buffer that PMIx releases when done
// (the callback may thread-shift, so the buffer must outlive the call).
void deliver(pmix_modex_cbfunc_t cbfunc, void* cbdata, pmix_status_t status, const std::string& data) {
    char* buf = nullptr;
    if (!data.empty()) {
        buf = static_cast<char*>(std::malloc(data.size()));
        if (!buf) {
            cbfunc(PMIX_ERR_NOMEM, nullptr, 0, cbdata, nullptr, nullptr);
            return;
        }
        std::memcpy(buf, data.data(), data.size());
    }
    cbfunc(status, buf, data.size(), cbdata, buf ? free_buffer : nullptr, buf);
}

pmix_status_t on_fence(const pmix_proc_t procs[], size_t nprocs, const pmix_info_t info[], size_t ninfo,
                       char* data, size_t ndata, pmix_modex_cbfunc_t cbfunc, void* cbdata) {
    fence_request req;
    req.collect = false;
    for (size_t i = 0; i < ninfo; ++i)
        if (PMIX_CHECK_KEY(&info[i], PMIX_COLLECT_DATA)) req.collect = PMIX_INFO_TRUE(&info[i]);
    bool whole_job = false;
    for (size_t i = 0; i < nprocs; ++i) {
        if (procs[i].rank == PMIX_RANK_WILDCARD) whole_job = true;
        else req.ranks.push_back(procs[i].rank);
    }
    if (whole_job) req.ranks.clear();
    // libpmix 4.2.2 hands ownership of the contribution to the host: copy it, then free it.
    if (data && ndata) req.blob.assign(data, ndata);
    std::free(data);
    debug_line("fence_nb: " + std::to_string(nprocs) + " proc entries, " + std::to_string(ndata) +
               " bytes" + (req.collect ? ", collect" : ""));
    req.complete = [cbfunc, cbdata](bool ok, std::string all) {
        deliver(cbfunc, cbdata, ok ? PMIX_SUCCESS : PMIX_ERROR, ok ? all : std::string());
    };
    g_queue->push(std::move(req));
    return PMIX_SUCCESS;
}

pmix_status_t on_direct_modex(const pmix_proc_t* proc, const pmix_info_t[], size_t, pmix_modex_cbfunc_t cbfunc,
                              void* cbdata) {
    debug_line("direct_modex for rank " + std::to_string(rank_of(proc)));
    if (!cbfunc) return PMIX_ERR_BAD_PARAM;
    modex_request req{rank_of(proc), [cbfunc, cbdata](bool ok, std::string data) {
                          deliver(cbfunc, cbdata, ok ? PMIX_SUCCESS : PMIX_ERR_NOT_FOUND, ok ? data : std::string());
                      }};
    g_queue->push(std::move(req));
    return PMIX_SUCCESS;
}

pmix_server_module_t make_module() {
    pmix_server_module_t m{};
    m.client_connected = on_connected;
    m.client_finalized = on_finalized;
    m.abort = on_abort;
    m.fence_nb = on_fence;
    m.direct_modex = on_direct_modex;
    // Everything else (publish, spawn, connect, ...) stays NULL: libpmix answers
    // PMIX_ERR_NOT_SUPPORTED to clients that ask.
    return m;
}

pmix_server_module_t g_module = make_module();

// PMIx_server_setup_fork edits a malloc'd argv-style array (it may realloc it), so the
// environment goes through one.
char** to_malloc_argv(const std::vector<std::string>& v) {
    auto** out = static_cast<char**>(std::calloc(v.size() + 1, sizeof(char*)));
    if (!out) throw std::bad_alloc();
    for (size_t i = 0; i < v.size(); ++i) out[i] = strdup(v[i].c_str());
    return out;
}

void free_malloc_argv(char** argv) {
    if (!argv) return;
    for (char** p = argv; *p; ++p) std::free(*p);
    std::free(argv);
}

}  // namespace

pmix_server::pmix_server(event_queue& queue, bool debug) : queue_(queue) { g_debug = debug; }

pmix_server::~pmix_server() { stop(); }  // no-op when frozen or stopped

void pmix_server::start(const server_config& config) {
    g_queue = &queue_;
    info_array info(5);
    pmix_rank_t server_rank = config.server_rank;
    PMIx_Info_load(&info.data()[0], PMIX_SERVER_TMPDIR, config.tmpdir.c_str(), PMIX_STRING);
    PMIx_Info_load(&info.data()[1], PMIX_SYSTEM_TMPDIR, config.tmpdir.c_str(), PMIX_STRING);
    PMIx_Info_load(&info.data()[2], PMIX_HOSTNAME, config.hostname.c_str(), PMIX_STRING);
    PMIx_Info_load(&info.data()[3], PMIX_SERVER_NSPACE, config.server_nspace.c_str(), PMIX_STRING);
    PMIx_Info_load(&info.data()[4], PMIX_SERVER_RANK, &server_rank, PMIX_PROC_RANK);
    pmix_status_t rc = PMIx_server_init(&g_module, info.data(), info.size());
    if (rc != PMIX_SUCCESS) throw launch_error(exit_launch_failed, pmix_error("PMIx_server_init", rc));
    started_ = true;
}

void pmix_server::register_job(const job& j, std::uint32_t local_node) {
    nspace_ = j.nspace;
    info_array info;
    build_job_info(j, local_node, info);
    pmix_nspace_t ns;
    PMIX_LOAD_NSPACE(ns, j.nspace.c_str());
    int nlocal = static_cast<int>(j.nodes.at(local_node).ranks.size());
    call_and_wait("PMIx_server_register_nspace", [&](pmix_op_cbfunc_t cb, void* cbdata) {
        return PMIx_server_register_nspace(ns, nlocal, info.data(), info.size(), cb, cbdata);
    });
}

void pmix_server::register_client(const job& j, std::uint32_t rank, uid_t uid, gid_t gid) {
    pmix_proc_t proc;
    PMIX_LOAD_PROCID(&proc, j.nspace.c_str(), rank);
    call_and_wait("PMIx_server_register_client", [&](pmix_op_cbfunc_t cb, void* cbdata) {
        return PMIx_server_register_client(&proc, uid, gid, nullptr, cb, cbdata);
    });
}

void pmix_server::setup_fork(const job& j, std::uint32_t rank, std::vector<std::string>& env) {
    pmix_proc_t proc;
    PMIX_LOAD_PROCID(&proc, j.nspace.c_str(), rank);
    char** argv = to_malloc_argv(env);
    pmix_status_t rc = PMIx_server_setup_fork(&proc, &argv);
    if (rc != PMIX_SUCCESS) {
        free_malloc_argv(argv);
        throw launch_error(exit_launch_failed, pmix_error("PMIx_server_setup_fork", rc));
    }
    env.clear();
    for (char** p = argv; *p; ++p) env.emplace_back(*p);
    free_malloc_argv(argv);
}

namespace {
struct dmodex_wait {
    event_queue* queue;
    std::function<void(bool, std::string)> done;
    static void callback(pmix_status_t status, char* data, size_t ndata, void* cbdata) {
        auto* self = static_cast<dmodex_wait*>(cbdata);
        std::string copy = data && ndata ? std::string(data, ndata) : std::string();  // valid only here
        bool ok = status == PMIX_SUCCESS;
        self->queue->push(main_thread_call{[done = std::move(self->done), ok, copy = std::move(copy)]() mutable {
            done(ok, std::move(copy));
        }});
        delete self;
    }
};
}  // namespace

void pmix_server::dmodex_request(const job& j, std::uint32_t rank, std::function<void(bool, std::string)> done) {
    pmix_proc_t proc;
    PMIX_LOAD_PROCID(&proc, j.nspace.c_str(), rank);
    auto* w = new dmodex_wait{&queue_, std::move(done)};
    pmix_status_t rc = PMIx_server_dmodex_request(&proc, &dmodex_wait::callback, w);
    if (rc != PMIX_SUCCESS) {
        debug_line(pmix_error("PMIx_server_dmodex_request", rc));
        auto fail = std::move(w->done);
        delete w;
        fail(false, {});
    }
}

bool pmix_server::stop(std::chrono::milliseconds limit) {
    if (!started_ || frozen_) return !frozen_;
    started_ = false;
    // In a helper thread, so a libpmix that never returns cannot hold mpirun hostage.
    auto state = std::make_shared<op_wait>();
    std::thread([state] {
        PMIx_server_finalize();
        std::lock_guard lock(state->mutex);
        state->done = true;
        state->cv.notify_all();
    }).detach();
    std::unique_lock lock(state->mutex);
    if (!state->cv.wait_for(lock, limit, [&] { return state->done; })) return false;
    g_queue = nullptr;
    return true;
}

void pmix_server::freeze() {
    if (!started_ || frozen_) return;
    frozen_ = true;
    // Any request whose completion callback libpmix runs on its progress thread will do;
    // setup_local_support has no side effect for a job already registered.
    static auto* park = new parking_lot;  // never destroyed: the parked thread waits on it
    pmix_nspace_t ns;
    PMIX_LOAD_NSPACE(ns, nspace_.c_str());
    pmix_status_t rc = PMIx_server_setup_local_support(ns, nullptr, 0, &parking_lot::park_here, park);
    if (rc != PMIX_SUCCESS) {
        debug_line(pmix_error("cannot park the PMIx thread: PMIx_server_setup_local_support", rc));
        return;
    }
    std::unique_lock lock(park->mutex);
    if (!park->cv.wait_for(lock, std::chrono::seconds(2), [&] { return park->parked; }))
        debug_line("the PMIx thread did not park within 2 s");
}

}  // namespace efampi::launcher
