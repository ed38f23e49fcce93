#pragma once
// The main loop of a launcher process: watches the local ranks, relays their stdio, serves the
// events queued by the PMIx callbacks, handles mpirun's signals and MPIEXEC_TIMEOUT, and turns
// all of that into one exit status (launcher/README.md, "Exit status").
//
// Policy: the first failure decides the exit status and starts the teardown (the on_teardown
// hook, then SIGTERM to every live rank's process group, SIGKILL after kill_grace); anything
// that happens after that is only reaped, never reported.
//
// "First" means first to die, which is not the order waitpid() returns exits in: a rank that
// exits can close its PMIx socket (and so release its peers from a fence with an error) before
// it becomes a zombie, and a released peer can become a zombie first. The order in which the
// ranks' stdout/stderr pipes reached EOF follows the order their fd tables were released, so
// exits are judged in that order, holding a failure back briefly while a rank whose pipes
// closed earlier is not reaped yet.
#include <poll.h>
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "launcher/event_queue.hpp"
#include "launcher/job.hpp"
#include "launcher/rank_process.hpp"
#include "launcher/stdio_relay.hpp"

namespace efampi::launcher {

class supervisor;

// Multi-host: a daemon's connection to mpirun (launcher/daemon.*). The supervisor hands it
// what a single-host mpirun decides by itself: fences and direct-modex requests (relayed
// across hosts), failures (mpirun reports the job's first one and tears down every host), and
// the ranks' output (forwarded to mpirun). Its control socket joins the supervisor's poll.
class supervisor_link {
public:
    virtual ~supervisor_link() = default;
    virtual void fence(fence_request& f) = 0;
    virtual void modex(modex_request& m) = 0;
    virtual void failure(int exit_code, const std::string& message) = 0;
    virtual output_sink output(std::uint32_t rank, int stream) = 0;
    // Appends the fds it wants polled (its control socket, rank 0's stdin pipe).
    virtual void add_poll_fds(std::vector<pollfd>& fds) = 0;
    // Called with the entries add_poll_fds() added, after the poll; may call s.teardown().
    virtual void on_poll(const pollfd* fds, std::size_t n, supervisor& s) = 0;
    // Rank 0 runs here with a stdin pipe (write end, non-blocking), which the link feeds with
    // what mpirun forwards. Called at most once, from add_rank().
    virtual void set_rank0_stdin(int fd) = 0;
};

struct supervisor_config {
    int signal_fd = -1;                    // signalfd for SIGCHLD and the forwarded signals
    std::optional<unsigned> timeout_secs;  // MPIEXEC_TIMEOUT
    std::chrono::milliseconds kill_grace{2000};
    bool debug = false;
    // Called once, when the teardown starts and before any rank is signalled (the launcher
    // freezes its PMIx server there). No PMIx completion is delivered after it.
    std::function<void()> on_teardown;
    bool tag_output = false;           // --tag-output (one host; a daemon's link tags nothing)
    supervisor_link* link = nullptr;   // daemon mode
    std::string where;                 // " on host h1" after the rank in reports (daemon mode)
};

class supervisor {
public:
    supervisor(const job& j, event_queue& queue, supervisor_config config);

    // A rank was started; from now on its exit and output are tracked.
    void add_rank(std::uint32_t rank, rank_process p);
    // Starting the job failed part-way: report it, fix the exit status, tear down what runs.
    void fail_launch(int exit_code, const std::string& message);
    // Ends the job from outside (mpirun told a daemon to): the first call signals every live
    // rank with sig (SIGKILL after the grace); once the teardown runs, only SIGKILL does more
    // (every live rank at once). No report.
    void teardown(int sig);
    // Runs until every started rank is reaped and its output drained; returns the exit status.
    int run();

private:
    using clock = std::chrono::steady_clock;

    struct rank_state {
        pid_t pid = -1;
        bool running = false;
        bool connected = false;
        bool finalized = false;
        std::uint64_t eof_turn = 0;  // loop turn its stdout and stderr both reached EOF (0: not yet)
        std::optional<output_relay> out, err;
    };
    struct exit_record {
        std::uint32_t rank;
        int status;  // from waitpid
    };

    void handle_signals();
    void reap();
    void handle_event(server_event& ev);
    void judge_exits();
    std::optional<std::pair<int, std::string>> failure_of(const exit_record& e) const;
    void handle_timers();
    void fail(int exit_code, const std::string& message);
    void begin_teardown(int sig);
    void note_eofs();
    bool outputs_open() const;
    int poll_timeout_ms() const;
    void report(const std::string& message) const;
    void trace(const std::string& message) const;

    const job& job_;
    event_queue& queue_;
    supervisor_config config_;
    std::vector<rank_state> ranks_;
    std::optional<stdin_relay> stdin_;
    std::uint32_t live_ = 0;
    std::uint64_t turn_ = 0;
    std::vector<exit_record> exits_;  // reaped, not yet judged

    std::optional<int> exit_code_;
    bool tearing_down_ = false;
    std::optional<clock::time_point> timeout_at_, kill_at_, give_up_at_, drain_until_, hold_until_;
};

}  // namespace efampi::launcher
