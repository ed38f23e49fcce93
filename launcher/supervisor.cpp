#include "launcher/supervisor.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <type_traits>

#include "launcher/error.hpp"
#include "launcher/shm_cleanup.hpp"

namespace efampi::launcher {
namespace {

// After every rank is reaped, output pipes may still be held open by something a rank left
// behind (a background helper). Wait this long for their EOF, then stop forwarding.
constexpr std::chrono::milliseconds drain_grace{1000};
// After SIGKILL, how long to wait for the kernel to deliver it before giving up on a rank
// (a process stuck in uninterruptible sleep cannot be reaped at all).
constexpr std::chrono::milliseconds kill_wait{5000};

}  // namespace

supervisor::supervisor(const job& j, event_queue& queue, supervisor_config config)
    : job_(j), queue_(queue), config_(config), ranks_(j.size) {
    if (config_.timeout_secs) timeout_at_ = clock::now() + std::chrono::seconds(*config_.timeout_secs);
}

void supervisor::report(const std::string& message) const {
    std::string line = "mpirun: " + message + "\n";
    (void)!write(STDERR_FILENO, line.data(), line.size());
}

void supervisor::trace(const std::string& message) const {
    if (config_.debug) report("debug: " + message);
}

void supervisor::add_rank(std::uint32_t rank, rank_process p) {
    auto& r = ranks_.at(rank);
    r.pid = p.pid;
    r.running = true;
    if (config_.link) {
        r.out.emplace(p.stdout_fd, config_.link->output(rank, 1));
        r.err.emplace(p.stderr_fd, config_.link->output(rank, 2));
    } else {
        r.out.emplace(p.stdout_fd, fd_sink(STDOUT_FILENO, config_.tag_output ? output_tag(rank, 1) : ""));
        r.err.emplace(p.stderr_fd, fd_sink(STDERR_FILENO, config_.tag_output ? output_tag(rank, 2) : ""));
    }
    if (p.stdin_fd >= 0) {
        if (config_.link)
            config_.link->set_rank0_stdin(p.stdin_fd);
        else
            stdin_.emplace(p.stdin_fd);
    }
    ++live_;
    trace("rank " + std::to_string(rank) + " started as pid " + std::to_string(p.pid));
    // Started into a job that is already going down (a signal came in during the launch).
    if (tearing_down_) signal_rank(p.pid, SIGKILL);
}

void supervisor::fail_launch(int exit_code, const std::string& message) { fail(exit_code, message); }

void supervisor::fail(int exit_code, const std::string& message) {
    if (tearing_down_) return;
    if (config_.link)
        config_.link->failure(exit_code, message);
    else
        report(message);
    exit_code_ = exit_code;
    begin_teardown(SIGTERM);
}

void supervisor::teardown(int sig) {
    if (!tearing_down_) {
        begin_teardown(sig);
        return;
    }
    if (sig != SIGKILL) return;  // already going down (maybe on our own failure): keep the grace
    for (auto& r : ranks_)
        if (r.running) signal_rank(r.pid, SIGKILL);
}

void supervisor::begin_teardown(int sig) {
    tearing_down_ = true;
    if (config_.on_teardown) config_.on_teardown();
    for (auto& r : ranks_)
        if (r.running) signal_rank(r.pid, sig);
    kill_at_ = clock::now() + config_.kill_grace;
    if (stdin_) stdin_->stop();
}

bool supervisor::outputs_open() const {
    return std::any_of(ranks_.begin(), ranks_.end(), [](const rank_state& r) {
        return (r.out && r.out->open()) || (r.err && r.err->open());
    });
}

int supervisor::poll_timeout_ms() const {
    std::optional<clock::time_point> next;
    for (const auto& t : {tearing_down_ ? std::nullopt : timeout_at_, kill_at_, give_up_at_, drain_until_, hold_until_})
        if (t && (!next || *t < *next)) next = t;
    if (!next) return -1;
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(*next - clock::now()).count();
    return static_cast<int>(std::clamp<long long>(ms + 1, 0, 60'000));
}

void supervisor::handle_signals() {
    signalfd_siginfo si[16];
    for (;;) {
        ssize_t n = read(config_.signal_fd, si, sizeof si);
        if (n <= 0) return;  // EAGAIN: all taken
        for (ssize_t i = 0; i < n / static_cast<ssize_t>(sizeof si[0]); ++i) {
            int sig = static_cast<int>(si[i].ssi_signo);
            if (sig == SIGCHLD) continue;  // reap() runs every iteration anyway
            if (!tearing_down_) {
                std::string msg = "caught " + signal_name(sig) + config_.where + ", killing the job";
                if (config_.link)
                    config_.link->failure(128 + sig, msg);
                else
                    report(msg);
                exit_code_ = 128 + sig;
                begin_teardown(sig);  // forward the signal itself; SIGKILL follows after the grace
            } else {
                for (auto& r : ranks_)  // a second signal: the user is impatient
                    if (r.running) signal_rank(r.pid, SIGKILL);
            }
        }
    }
}

void supervisor::reap() {
    while (live_ > 0) {
        int status = 0;
        pid_t pid = waitpid(-1, &status, WNOHANG);
        if (pid < 0 && errno == EINTR) continue;
        if (pid <= 0) return;
        for (std::uint32_t rank = 0; rank < ranks_.size(); ++rank) {
            if (ranks_[rank].pid == pid && ranks_[rank].running) {
                ranks_[rank].running = false;
                remove_shm_leftovers(pid);  // a killed rank's shared memory
                --live_;
                exits_.push_back({rank, status});
                break;
            }
        }
    }
}

void supervisor::handle_event(server_event& ev) {
    std::visit(
        [&](auto& e) {
            using T = std::decay_t<decltype(e)>;
            if constexpr (std::is_same_v<T, client_connected>) {
                if (e.rank < ranks_.size()) ranks_[e.rank].connected = true;
            } else if constexpr (std::is_same_v<T, client_finalized>) {
                if (e.rank < ranks_.size()) ranks_[e.rank].finalized = true;
            } else if constexpr (std::is_same_v<T, abort_request>) {
                std::string msg = "rank " + std::to_string(e.rank) + config_.where + " called MPI_Abort with code " +
                                  std::to_string(e.code);
                if (!e.message.empty()) msg += ": " + e.message;
                // The status must say "failed" even when the code's low byte is 0 (e.g. 256);
                // a code of 0 is the caller's explicit choice and is kept.
                int status = e.code & 0xff;
                if (status == 0 && e.code != 0) status = 1;
                if (!tearing_down_) e.release();  // the caller may run on briefly; SIGTERM follows
                fail(status, msg);
            } else if constexpr (std::is_same_v<T, main_thread_call>) {
                if (!tearing_down_) e.run();
            } else if constexpr (std::is_same_v<T, fence_request>) {
                if (config_.link) {
                    if (!tearing_down_) config_.link->fence(e);
                    return;
                }
                // One host: this server's contribution already holds every participant's data.
                // The multi-host mode gathers the blobs of all daemons here before completing.
                if (!tearing_down_) e.complete(true, std::move(e.blob));
            } else if constexpr (std::is_same_v<T, modex_request>) {
                if (config_.link) {
                    if (!tearing_down_) config_.link->modex(e);
                    return;
                }
                // One host: every rank is local, so libpmix never needs another server's data.
                if (!tearing_down_) e.complete(false, {});
            }
        },
        ev);
}

std::optional<std::pair<int, std::string>> supervisor::failure_of(const exit_record& e) const {
    const auto& r = ranks_[e.rank];
    std::string who = "rank " + std::to_string(e.rank) + " (pid " + std::to_string(r.pid) + ")" + config_.where;
    if (WIFSIGNALED(e.status)) {
        int sig = WTERMSIG(e.status);
        return std::pair(128 + sig, who + " was killed by signal " + std::to_string(sig) + " (" +
                                        signal_name(sig) + ")");
    }
    if (WIFEXITED(e.status) && WEXITSTATUS(e.status) != 0)
        return std::pair(WEXITSTATUS(e.status), who + " exited with status " + std::to_string(WEXITSTATUS(e.status)));
    if (r.connected && !r.finalized) {
        // It joined the job (PMIx_Init) and left without PMIx_Finalize: its peers may wait for
        // it forever, and MPI calls the program erroneous.
        return std::pair(1, who + " exited with status 0 without finalizing (MPI_Init without MPI_Finalize)");
    }
    return std::nullopt;
}

void supervisor::judge_exits() {
    if (exits_.empty()) return;
    auto order = [&](const exit_record& e) {
        std::uint64_t turn = ranks_[e.rank].eof_turn;
        // Same turn or no EOF seen (a helper still holds the pipes): signal deaths first, they
        // are the likelier cause of the others' errors, then non-zero exits.
        int kind = WIFSIGNALED(e.status) ? 0 : (WEXITSTATUS(e.status) != 0 ? 1 : 2);
        return std::pair(turn ? turn : UINT64_MAX, kind);
    };
    if (!tearing_down_) {
        // Hold a failure while a still-running rank closed its pipes earlier: that rank is
        // dying and, having gone first, is the one to report.
        bool any_failure = false;
        std::uint64_t earliest = UINT64_MAX;
        for (const auto& e : exits_)
            if (failure_of(e)) {
                any_failure = true;
                earliest = std::min(earliest, order(e).first);
            }
        bool earlier_pending = false;
        for (const auto& r : ranks_)
            if (r.running && r.eof_turn && r.eof_turn <= earliest) earlier_pending = true;
        if (any_failure && earlier_pending) {
            if (!hold_until_) hold_until_ = clock::now() + std::chrono::milliseconds(500);
            if (clock::now() < *hold_until_) return;
        }
    }
    hold_until_.reset();
    std::stable_sort(exits_.begin(), exits_.end(),
                     [&](const exit_record& a, const exit_record& b) { return order(a) < order(b); });
    for (const auto& e : exits_) {
        if (e.rank == 0 && stdin_) stdin_->stop();
        trace("rank " + std::to_string(e.rank) + " exited, wait status " + std::to_string(e.status) +
              ", pipes closed in turn " + std::to_string(ranks_[e.rank].eof_turn) + " of " + std::to_string(turn_));
        if (tearing_down_) continue;  // killed by us, or dying of the same cause: already reported
        if (auto f = failure_of(e)) fail(f->first, f->second);
    }
    exits_.clear();
}

void supervisor::note_eofs() {
    for (auto& r : ranks_)
        if (!r.eof_turn && r.out && !r.out->open() && r.err && !r.err->open()) r.eof_turn = turn_;
}

void supervisor::handle_timers() {
    auto now = clock::now();
    if (timeout_at_ && now >= *timeout_at_) {
        timeout_at_.reset();
        if (!tearing_down_)
            fail(exit_timeout, "job exceeded MPIEXEC_TIMEOUT=" + std::to_string(*config_.timeout_secs) +
                                   " s, killing it");
    }
    if (kill_at_ && now >= *kill_at_) {
        kill_at_.reset();
        for (auto& r : ranks_)
            if (r.running) signal_rank(r.pid, SIGKILL);
        if (live_ > 0) give_up_at_ = now + kill_wait;
    }
    if (give_up_at_ && now >= *give_up_at_ && live_ > 0) {
        report("giving up on " + std::to_string(live_) + " rank(s) that survived SIGKILL");
        give_up_at_.reset();
        live_ = 0;
    }
}

int supervisor::run() {
    std::vector<pollfd> fds;
    std::vector<output_relay*> relays;
    for (;;) {
        ++turn_;
        reap();
        for (auto& ev : queue_.take()) handle_event(ev);  // after reap(): see client_finalized
        judge_exits();
        handle_timers();

        if (live_ == 0 && exits_.empty()) {
            if (!outputs_open()) break;
            if (!drain_until_) drain_until_ = clock::now() + drain_grace;
            if (clock::now() >= *drain_until_) {
                for (auto& r : ranks_) {
                    if (r.out) r.out->close_source();
                    if (r.err) r.err->close_source();
                }
                break;
            }
        }

        fds.clear();
        relays.clear();
        fds.push_back({config_.signal_fd, POLLIN, 0});
        fds.push_back({queue_.fd(), POLLIN, 0});
        std::size_t link_slot = fds.size();
        if (config_.link) config_.link->add_poll_fds(fds);
        std::size_t stdin_slot = fds.size();
        if (stdin_ && stdin_->active()) fds.push_back({stdin_->poll_fd(), stdin_->poll_events(), 0});
        std::size_t first_relay = fds.size();
        for (auto& r : ranks_) {
            for (auto* o : {&r.out, &r.err}) {
                if (*o && (*o)->open()) {
                    fds.push_back({(*o)->fd(), POLLIN, 0});
                    relays.push_back(&**o);
                }
            }
        }
        int n = poll(fds.data(), fds.size(), poll_timeout_ms());
        if (n < 0) {
            if (errno == EINTR) continue;
            throw launch_error(exit_launch_failed, std::string("poll: ") + std::strerror(errno));
        }
        // Output first, so a dying rank's last lines come out before mpirun's report on it.
        for (std::size_t i = 0; i < relays.size(); ++i)
            if (fds[first_relay + i].revents) relays[i]->on_readable();
        note_eofs();
        if (stdin_slot < first_relay && fds[stdin_slot].revents && stdin_) stdin_->on_ready(fds[stdin_slot].revents);
        if (fds[0].revents) handle_signals();
        if (link_slot < stdin_slot) config_.link->on_poll(&fds[link_slot], stdin_slot - link_slot, *this);
    }
    return exit_code_.value_or(0);
}

}  // namespace efampi::launcher
