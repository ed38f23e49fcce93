#pragma once
// Work handed from libpmix's progress thread to mpirun's main loop. PMIx server callbacks run
// on libpmix's own thread and must return quickly, so they only push one of these events and
// wake the loop through an eventfd; everything else (printing, killing, replying to fences)
// happens on the main thread. The events carry plain data and completion functions, so the
// main loop never sees a PMIx type.
#include <sys/types.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <variant>
#include <vector>

namespace efampi::launcher {

// A rank's PMIx_Init reached the server.
struct client_connected {
    std::uint32_t rank;
};

// A rank called PMIx_Finalize. Pushed before the client is released, so it is always in the
// queue before that rank's exit can be seen.
struct client_finalized {
    std::uint32_t rank;
};

// A rank called PMIx_Abort (MPI_Abort). `release` unblocks the caller; call it exactly once.
struct abort_request {
    std::uint32_t rank;
    int code;
    std::string message;
    std::function<void()> release;
};

// The server's contribution to a fence: all its local participants entered. `complete` must be
// called exactly once with the concatenation of every server's blob (order does not matter).
struct fence_request {
    std::vector<std::uint32_t> ranks;  // participants; empty means the whole job
    bool collect;                      // PMIX_COLLECT_DATA was asked for
    std::string blob;
    std::function<void(bool ok, std::string all)> complete;
};

// A client wants data of a rank this server does not host. `complete` exactly once.
struct modex_request {
    std::uint32_t rank;
    std::function<void(bool ok, std::string data)> complete;
};

// Work a libpmix callback wants done on the main thread (e.g. sending a direct-modex answer
// to mpirun over the control connection, which only the main thread writes).
struct main_thread_call {
    std::function<void()> run;
};

using server_event = std::variant<client_connected, client_finalized, abort_request, fence_request,
                                  modex_request, main_thread_call>;

class event_queue {
public:
    event_queue();  // throws launch_error if no eventfd can be made
    ~event_queue();
    event_queue(const event_queue&) = delete;
    event_queue& operator=(const event_queue&) = delete;

    // Any thread. Never blocks for long: a mutex held only for a push or a swap.
    void push(server_event ev);

    // Main thread: the fd to poll for POLLIN, and taking everything queued so far.
    int fd() const { return fd_; }
    std::deque<server_event> take();

private:
    int fd_;
    std::mutex mutex_;
    std::deque<server_event> events_;
};

}  // namespace efampi::launcher
