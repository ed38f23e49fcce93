#pragma once
// The embedded PMIx server (Debian libpmix 4.2.2): start/stop, job and client registration,
// and the module callbacks. Callbacks arrive on libpmix's progress thread; they translate the
// request into a server_event on the event_queue and return. Only one server per process
// (libpmix is a process-wide singleton).
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "launcher/event_queue.hpp"
#include "launcher/job.hpp"

namespace efampi::launcher {

struct server_config {
    std::string tmpdir;         // private, short (socket paths live there)
    std::string hostname;       // must equal this node's name in the job's node map
    std::string server_nspace;  // the server's own identity
    std::uint32_t server_rank = 0;
};

class pmix_server {
public:
    pmix_server(event_queue& queue, bool debug);
    ~pmix_server();  // stop()
    pmix_server(const pmix_server&) = delete;
    pmix_server& operator=(const pmix_server&) = delete;

    // All of these run on the main thread and throw launch_error on failure. The registration
    // calls wait for libpmix's completion callback (bounded), because a client forked before
    // its registration completes can be refused.
    void start(const server_config& config);
    void register_job(const job& j, std::uint32_t local_node);
    void register_client(const job& j, std::uint32_t rank, uid_t uid, gid_t gid);
    // Adds the variables a client needs to reach this server (PMIX_NAMESPACE, PMIX_RANK, the
    // server URI, ...) to env.
    void setup_fork(const job& j, std::uint32_t rank, std::vector<std::string>& env);
    // Multi-host: asks libpmix for the data of local rank `rank` that another host's client
    // wants (PMIx_server_dmodex_request). `done` runs later on the main thread, through the
    // event queue, exactly once (not at all after freeze()).
    void dmodex_request(const job& j, std::uint32_t rank, std::function<void(bool ok, std::string data)> done);
    // Parks libpmix's progress thread inside a callback of ours for the rest of the process's
    // life, so libpmix reacts to nothing more. Called before a failing job's ranks are killed:
    // libpmix 4.2.2 can free a fence tracker twice (and crash mpirun) when several clients
    // waiting in a fence lose their connection at once, and can deadlock in
    // PMIx_server_finalize afterwards. After freeze() no PMIx function may be called, not even
    // stop(): the process must leave with _exit().
    void freeze();
    bool frozen() const { return frozen_; }
    // PMIx_server_finalize, bounded: if libpmix does not return within `limit` the caller
    // gets false and must leave with _exit().
    bool stop(std::chrono::milliseconds limit = std::chrono::milliseconds(5000));

private:
    event_queue& queue_;
    bool started_ = false;
    bool frozen_ = false;
    std::string nspace_;  // the registered job's
};

}  // namespace efampi::launcher
