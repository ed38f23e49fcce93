#include "launcher/coordinator.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <sstream>

#include "launcher/control.hpp"
#include "launcher/daemon.hpp"
#include "launcher/environment.hpp"
#include "launcher/error.hpp"
#include "launcher/job.hpp"
#include "launcher/mapping.hpp"
#include "launcher/net.hpp"
#include "launcher/process_setup.hpp"
#include "launcher/rank_process.hpp"
#include "launcher/stdio_relay.hpp"

namespace efampi::launcher {
namespace {

using clock = std::chrono::steady_clock;

// A daemon must connect back within this (ssh may ask DNS, start slowly, ...).
constexpr std::chrono::seconds connect_limit{60};
// After the teardown starts: daemons get this long to end their ranks (they SIGKILL them after
// 2 s) and report; then their agents are SIGKILLed, and after give_up mpirun stops waiting.
constexpr std::chrono::seconds teardown_limit{10};
constexpr std::chrono::seconds give_up_limit{15};
// After every daemon said done: how long their agents (ssh) may take to exit.
constexpr std::chrono::seconds agent_exit_limit{5};

const char* default_agent = "ssh -o BatchMode=yes";

std::string self_exe() {
    char buf[4096];
    ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n <= 0) throw launch_error(exit_launch_failed, "cannot find mpirun's own path (/proc/self/exe)");
    return std::string(buf, static_cast<std::size_t>(n));
}

std::string random_token() {
    std::random_device rd;
    std::uint64_t v = (std::uint64_t{rd()} << 32) ^ rd();
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
    return buf;
}

std::string join(const std::vector<std::string>& v, const char* sep) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : sep) + x;
    return s;
}

std::string wait_status_text(int status) {
    if (WIFSIGNALED(status))
        return "was killed by signal " + std::to_string(WTERMSIG(status)) + " (" + signal_name(WTERMSIG(status)) + ")";
    return "exited with status " + std::to_string(WEXITSTATUS(status));
}

class coordinator {
public:
    coordinator(const options& opts, const coordinator_config& config, job j)
        : opts_(opts), config_(config), job_(std::move(j)), nodes_(job_.nodes.size()) {}

    int run();

private:
    struct node_state {
        pid_t agent = -1;
        bool agent_running = false;
        std::optional<output_relay> agent_out, agent_err;
        std::unique_ptr<control_channel> ch;
        bool connected = false;  // hello accepted
        bool done = false;
        bool finished = false;   // nothing more expected from it
    };
    struct fence_state {
        std::set<std::uint32_t> needed;
        std::map<std::uint32_t, std::string> blobs;
    };

    void start_daemons();
    void accept_connections();
    void on_hello(std::unique_ptr<control_channel> ch, frame_reader& f);
    void on_frame(std::uint32_t node, frame_reader& f);
    void on_fence(std::uint32_t node, frame_reader& f);
    void read_stdin();
    bool stdin_wanted() const;
    void node_lost(std::uint32_t node);
    void reap();
    void handle_signals();
    void handle_timers();
    void fail(int code, const std::string& message);
    void teardown(int sig);
    void report(const std::string& message) const;
    void trace(const std::string& message) const;
    bool all_finished() const;
    std::string ranks_of(std::uint32_t node) const;

    const options& opts_;
    const coordinator_config& config_;
    job job_;
    std::vector<node_state> nodes_;
    int listen_fd_ = -1;
    std::uint16_t port_ = 0;
    std::string token_;
    std::vector<std::unique_ptr<control_channel>> pending_;  // accepted, no hello yet
    std::map<std::string, fence_state> fences_;
    std::map<std::uint64_t, std::pair<std::uint32_t, std::uint64_t>> modex_routes_;
    std::uint64_t next_modex_ = 0;
    // mpirun's stdin goes to rank 0's daemon, at most stdin_window bytes ahead of what it took.
    bool forward_stdin_ = stdin_usable();
    bool stdin_done_ = !forward_stdin_;
    std::uint32_t stdin_in_flight_ = 0;

    std::optional<int> exit_code_;
    bool tearing_down_ = false;
    std::optional<clock::time_point> timeout_at_, connect_by_, kill_agents_at_, give_up_at_, agents_by_;
};

void coordinator::report(const std::string& message) const {
    std::string line = "mpirun: " + message + "\n";
    (void)!write(STDERR_FILENO, line.data(), line.size());
}

void coordinator::trace(const std::string& message) const {
    if (config_.debug) report("debug: " + message);
}

std::string coordinator::ranks_of(std::uint32_t node) const {
    const auto& r = job_.nodes[node].ranks;
    if (r.size() > 8) return rank_list({r.begin(), r.begin() + 8}) + ",...";
    return rank_list(r);
}

void coordinator::start_daemons() {
    std::vector<std::string> agent = split_words(opts_.launch_agent.empty() ? default_agent : opts_.launch_agent);
    std::string exe = self_exe();
    std::string addrs = join(local_addresses(), ",");
    for (std::uint32_t n = 0; n < nodes_.size(); ++n) {
        const std::string& host = job_.nodes[n].hostname;
        std::vector<std::string> daemon_cmd = {exe, daemon_flag, "--connect", addrs, "--port", std::to_string(port_),
                                               "--token", token_, "--node", std::to_string(n)};
        spawn_request req;
        if (is_this_host(host)) {
            req.argv = daemon_cmd;  // this host: no agent needed
        } else {
            req.argv = agent;
            req.argv.push_back(host);
            req.argv.insert(req.argv.end(), daemon_cmd.begin(), daemon_cmd.end());
        }
        try {
            req.path = resolve_program(req.argv[0]);
        } catch (const launch_error& e) {
            throw launch_error(e.exit_code, "launch agent: " + std::string(e.what()));
        }
        req.env = clean_environment();
        req.die_with_parent = true;  // the agent (ssh) goes when mpirun goes; then its daemon does too
        trace("starting the daemon of host " + host + ": " + join(req.argv, " "));
        rank_process p = spawn_rank(req);
        auto& s = nodes_[n];
        s.agent = p.pid;
        s.agent_running = true;
        // The agent's and the daemon's own messages (ssh errors, "cannot reach mpirun") go to
        // our stderr, whole lines.
        s.agent_out.emplace(p.stdout_fd, STDERR_FILENO);
        s.agent_err.emplace(p.stderr_fd, STDERR_FILENO);
    }
}

void coordinator::accept_connections() {
    for (;;) {
        int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) return;  // EAGAIN; other errors: a daemon that failed to connect times out
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        pending_.push_back(std::make_unique<control_channel>(fd));
    }
}

void coordinator::on_hello(std::unique_ptr<control_channel> ch, frame_reader& f) {
    std::string token = f.str();
    std::uint32_t node = f.u32();
    if (token != token_ || node >= nodes_.size() || nodes_[node].connected) {
        trace("refused a control connection (bad token, node or duplicate)");
        return;  // closes it
    }
    auto& s = nodes_[node];
    s.ch = std::move(ch);
    s.connected = true;
    trace("daemon of host " + job_.nodes[node].hostname + " connected");
    if (tearing_down_) {  // too late: it leaves without starting anything
        frame_writer w(msg_type::kill);
        w.i32(SIGKILL);
        s.ch->send(w);
        return;
    }
    frame_writer w(msg_type::job);
    std::vector<std::string> hosts;
    std::vector<std::uint32_t> node_of;
    for (const auto& n : job_.nodes) hosts.push_back(n.hostname);
    for (const auto& p : job_.procs) node_of.push_back(p.node);
    w.str(job_.nspace).u32(node).strs(hosts).u32s(node_of).str(config_.program).strs(opts_.program)
        .strs(config_.rank_env).u8(config_.debug ? 1 : 0).str(opts_.net_iface).u8(forward_stdin_ ? 1 : 0)
        .u8(static_cast<std::uint8_t>(opts_.bind)).u8(static_cast<std::uint8_t>(opts_.map))
        .u8(opts_.report_bindings ? 1 : 0);
    s.ch->send(w);
}

void coordinator::on_fence(std::uint32_t node, frame_reader& f) {
    std::string id = f.str();
    std::vector<std::uint32_t> ranks = f.u32s();
    f.u8();  // collect: every contribution is passed on either way
    std::string blob = f.str();
    auto& fs = fences_[id];
    if (fs.needed.empty()) {
        if (ranks.empty())
            for (std::uint32_t n = 0; n < nodes_.size(); ++n) fs.needed.insert(n);
        for (auto r : ranks)
            if (r < job_.size) fs.needed.insert(job_.procs[r].node);
    }
    fs.blobs[node] = std::move(blob);
    trace("fence " + id + ": " + std::to_string(fs.blobs.size()) + " of " + std::to_string(fs.needed.size()) + " hosts");
    for (auto n : fs.needed)
        if (!fs.blobs.count(n)) return;
    std::string all;
    for (const auto& [n, b] : fs.blobs) all += b;
    for (const auto& [n, b] : fs.blobs) {
        frame_writer w(msg_type::fence_done);
        w.str(id).u8(1).str(all);
        if (nodes_[n].ch) nodes_[n].ch->send(w);
    }
    fences_.erase(id);
}

void coordinator::on_frame(std::uint32_t node, frame_reader& f) {
    switch (f.type()) {
        case msg_type::started:
            trace("host " + job_.nodes[node].hostname + " started its ranks");
            break;
        case msg_type::output: {
            std::uint32_t rank = f.u32();
            int stream = f.u8() == 2 ? 2 : 1;
            std::string data = f.str();
            int fd = stream == 2 ? STDERR_FILENO : STDOUT_FILENO;
            if (opts_.tag_output) data = tag_lines(output_tag(rank, stream), data.data(), data.size());
            write_all(fd, data.data(), data.size());
            break;
        }
        case msg_type::fence:
            on_fence(node, f);
            break;
        case msg_type::modex_req: {
            std::uint64_t id = f.u64();
            std::uint32_t rank = f.u32();
            std::uint32_t owner = rank < job_.size ? job_.procs[rank].node : node;
            if (rank >= job_.size || !nodes_[owner].ch || owner == node) {
                frame_writer w(msg_type::modex_resp);
                w.u64(id).u8(0).str("");
                nodes_[node].ch->send(w);
                break;
            }
            std::uint64_t mid = next_modex_++;
            modex_routes_[mid] = {node, id};
            frame_writer w(msg_type::modex_req);
            w.u64(mid).u32(rank);
            nodes_[owner].ch->send(w);
            break;
        }
        case msg_type::modex_resp: {
            std::uint64_t mid = f.u64();
            bool ok = f.u8() != 0;
            std::string data = f.str();
            auto it = modex_routes_.find(mid);
            if (it == modex_routes_.end()) break;
            auto [asker, id] = it->second;
            modex_routes_.erase(it);
            frame_writer w(msg_type::modex_resp);
            w.u64(id).u8(ok ? 1 : 0).str(data);
            if (nodes_[asker].ch) nodes_[asker].ch->send(w);
            break;
        }
        case msg_type::stdin_taken: {
            std::uint32_t n = f.u32();
            if (n == stdin_gone) stdin_done_ = true;
            else stdin_in_flight_ -= std::min(n, stdin_in_flight_);
            break;
        }
        case msg_type::failure: {
            int code = f.i32();
            fail(code, f.str());
            break;
        }
        case msg_type::done: {
            int status = f.i32();
            nodes_[node].done = true;
            nodes_[node].finished = true;
            trace("host " + job_.nodes[node].hostname + " is done, status " + std::to_string(status));
            if (status != 0 && !tearing_down_)
                fail(status, "the daemon on host " + job_.nodes[node].hostname + " ended with status " +
                                 std::to_string(status));
            break;
        }
        default:
            throw protocol_error("unexpected frame type " + std::to_string(static_cast<int>(f.type())));
    }
}

bool coordinator::stdin_wanted() const {
    const auto& s = nodes_[job_.procs[0].node];
    return !stdin_done_ && !tearing_down_ && s.ch && !s.ch->closed() && stdin_in_flight_ < stdin_window;
}

void coordinator::read_stdin() {
    char buf[16 * 1024];
    ssize_t r = read(STDIN_FILENO, buf, std::min<std::size_t>(sizeof buf, stdin_window - stdin_in_flight_));
    if (r < 0 && (errno == EINTR || errno == EAGAIN)) return;
    frame_writer w(msg_type::stdin_data);
    if (r <= 0) {  // EOF (or unreadable): rank 0 sees EOF too
        stdin_done_ = true;
        w.str("");
    } else {
        stdin_in_flight_ += static_cast<std::uint32_t>(r);
        w.str(std::string(buf, static_cast<std::size_t>(r)));
    }
    nodes_[job_.procs[0].node].ch->send(w);
}

void coordinator::node_lost(std::uint32_t node) {
    auto& s = nodes_[node];
    s.finished = true;
    if (s.done || tearing_down_) return;
    fail(exit_launch_failed, "lost the daemon on host " + job_.nodes[node].hostname + " (ranks " + ranks_of(node) +
                                 "): its connection closed before the job ended; killing the job");
}

void coordinator::reap() {
    for (;;) {
        int status = 0;
        pid_t pid = waitpid(-1, &status, WNOHANG);
        if (pid < 0 && errno == EINTR) continue;
        if (pid <= 0) return;
        for (std::uint32_t n = 0; n < nodes_.size(); ++n) {
            auto& s = nodes_[n];
            if (s.agent != pid || !s.agent_running) continue;
            s.agent_running = false;
            trace("agent of host " + job_.nodes[n].hostname + " " + wait_status_text(status));
            if (!s.connected) {
                // Its last words (ssh: Could not resolve hostname, the daemon's own message)
                // come out before our report.
                for (auto* o : {&s.agent_out, &s.agent_err})
                    if (*o) {
                        (*o)->on_readable();
                        (*o)->close_source();
                    }
                s.finished = true;
                if (!tearing_down_)
                    fail(exit_launch_failed, "could not start the daemon on host " + job_.nodes[n].hostname +
                                                 ": the launch agent " + wait_status_text(status) +
                                                 " before the daemon connected back");
            }
        }
    }
}

void coordinator::fail(int code, const std::string& message) {
    if (tearing_down_) return;
    report(message);
    exit_code_ = code;
    teardown(SIGTERM);
}

void coordinator::teardown(int sig) {
    bool again = tearing_down_;
    tearing_down_ = true;
    for (auto& s : nodes_) {
        if (s.ch && !s.ch->closed() && !s.finished) {
            frame_writer w(msg_type::kill);
            w.i32(again ? SIGKILL : sig);
            s.ch->send(w);
        } else if (s.agent_running && !s.connected) {
            signal_rank(s.agent, again ? SIGKILL : SIGTERM);
        }
    }
    if (!again) {
        kill_agents_at_ = clock::now() + teardown_limit;
        give_up_at_ = clock::now() + give_up_limit;
    }
}

void coordinator::handle_signals() {
    signalfd_siginfo si[16];
    for (;;) {
        ssize_t n = read(config_.signal_fd, si, sizeof si);
        if (n <= 0) return;
        for (ssize_t i = 0; i < n / static_cast<ssize_t>(sizeof si[0]); ++i) {
            int sig = static_cast<int>(si[i].ssi_signo);
            if (sig == SIGCHLD) continue;
            if (!tearing_down_) {
                report("caught " + signal_name(sig) + ", killing the job");
                exit_code_ = 128 + sig;
                teardown(sig);
            } else {
                teardown(SIGKILL);
            }
        }
    }
}

void coordinator::handle_timers() {
    auto now = clock::now();
    if (timeout_at_ && now >= *timeout_at_) {
        timeout_at_.reset();
        fail(exit_timeout, "job exceeded MPIEXEC_TIMEOUT=" + std::to_string(*config_.timeout_secs) + " s, killing it");
    }
    if (connect_by_ && now >= *connect_by_) {
        connect_by_.reset();
        for (std::uint32_t n = 0; n < nodes_.size(); ++n)
            if (!nodes_[n].connected && !nodes_[n].finished) {
                fail(exit_launch_failed, "the daemon on host " + job_.nodes[n].hostname + " did not connect back within " +
                                             std::to_string(connect_limit.count()) + " s");
                break;
            }
    }
    if (kill_agents_at_ && now >= *kill_agents_at_) {
        kill_agents_at_.reset();
        for (auto& s : nodes_)
            if (s.agent_running) signal_rank(s.agent, SIGKILL);
    }
    if (all_finished() && !agents_by_) agents_by_ = now + agent_exit_limit;
}

bool coordinator::all_finished() const {
    return std::all_of(nodes_.begin(), nodes_.end(), [](const node_state& s) { return s.finished; });
}

int coordinator::run() {
    listen_fd_ = listen_any(port_);
    token_ = random_token();
    if (config_.timeout_secs) timeout_at_ = clock::now() + std::chrono::seconds(*config_.timeout_secs);
    connect_by_ = clock::now() + connect_limit;
    try {
        start_daemons();
    } catch (const launch_error& e) {
        for (auto& s : nodes_)
            if (s.agent < 0) s.finished = true;  // never started: nothing to wait for
        fail(e.exit_code, e.what());
    }

    std::vector<pollfd> fds;
    for (;;) {
        reap();
        handle_timers();
        bool agents_gone = std::none_of(nodes_.begin(), nodes_.end(), [](const node_state& s) {
            return s.agent_running || (s.agent_out && s.agent_out->open()) || (s.agent_err && s.agent_err->open());
        });
        if (all_finished() && agents_gone) break;
        auto now = clock::now();
        if (agents_by_ && now >= *agents_by_) {
            for (auto& s : nodes_)
                if (s.agent_running) signal_rank(s.agent, SIGKILL);
            if (now >= *agents_by_ + std::chrono::seconds(2)) break;
        }
        if (give_up_at_ && now >= *give_up_at_) {
            report("giving up on the daemons that did not end within " + std::to_string(give_up_limit.count()) + " s");
            break;
        }

        // poll: signals, the listener, pending connections, daemons, agents' output
        fds.clear();
        fds.push_back({config_.signal_fd, POLLIN, 0});
        fds.push_back({listen_fd_, POLLIN, 0});
        std::size_t stdin_slot = fds.size();
        fds.push_back({stdin_wanted() ? STDIN_FILENO : -1, POLLIN, 0});
        std::size_t first_pending = fds.size();
        for (auto& p : pending_) fds.push_back({p->fd(), POLLIN, 0});
        std::size_t first_node = fds.size();
        for (auto& s : nodes_) fds.push_back({s.ch && !s.ch->closed() ? s.ch->fd() : -1, s.ch ? s.ch->poll_events() : short(0), 0});
        std::size_t first_agent = fds.size();
        for (auto& s : nodes_) {
            fds.push_back({s.agent_out && s.agent_out->open() ? s.agent_out->fd() : -1, POLLIN, 0});
            fds.push_back({s.agent_err && s.agent_err->open() ? s.agent_err->fd() : -1, POLLIN, 0});
        }
        std::optional<clock::time_point> next;
        for (const auto& t : {timeout_at_, connect_by_, kill_agents_at_, give_up_at_, agents_by_})
            if (t && (!next || *t < *next)) next = t;
        int wait_ms = -1;
        if (next)
            wait_ms = static_cast<int>(std::clamp<long long>(
                std::chrono::duration_cast<std::chrono::milliseconds>(*next - clock::now()).count() + 1, 0, 60'000));
        if (agents_by_) wait_ms = std::min(wait_ms < 0 ? 100 : wait_ms, 100);
        int rc = poll(fds.data(), fds.size(), wait_ms);
        if (rc < 0) {
            if (errno == EINTR) continue;
            throw launch_error(exit_launch_failed, std::string("poll: ") + std::strerror(errno));
        }
        // Daemons first: their output comes out before any report of ours.
        for (std::uint32_t n = 0; n < nodes_.size(); ++n) {
            auto& s = nodes_[n];
            short re = fds[first_node + n].revents;
            if (!re || !s.ch) continue;
            if (re & POLLOUT) s.ch->on_writable();
            bool open = true;
            if (re & (POLLIN | POLLHUP | POLLERR)) open = s.ch->on_readable();
            try {
                frame_reader f(msg_type::hello, {});
                while (s.ch->next(f)) on_frame(n, f);
            } catch (const protocol_error& e) {
                report("host " + job_.nodes[n].hostname + ": " + e.what());
                s.ch->close_now();
                open = false;
            }
            if (!open || s.ch->closed()) {
                s.ch.reset();
                node_lost(n);
            }
        }
        for (std::uint32_t n = 0; n < nodes_.size(); ++n) {
            auto& s = nodes_[n];
            if (fds[first_agent + 2 * n].revents && s.agent_out) s.agent_out->on_readable();
            if (fds[first_agent + 2 * n + 1].revents && s.agent_err) s.agent_err->on_readable();
        }
        std::vector<std::unique_ptr<control_channel>> still;
        for (std::size_t i = 0; i < pending_.size(); ++i) {
            auto& p = pending_[i];
            if (fds[first_pending + i].revents) {
                bool open = p->on_readable();
                frame_reader f(msg_type::hello, {});
                bool got = false;
                try {
                    got = p->next(f) && f.type() == msg_type::hello;
                    if (got) on_hello(std::move(p), f);
                } catch (const protocol_error&) {
                    got = true;  // dropped
                }
                if (got || !open) continue;
            }
            still.push_back(std::move(p));
        }
        pending_ = std::move(still);
        if (fds[stdin_slot].revents && stdin_wanted()) read_stdin();
        if (fds[1].revents) accept_connections();
        if (fds[0].revents) handle_signals();
    }
    close(listen_fd_);
    return exit_code_.value_or(0);
}

}  // namespace

std::vector<std::string> split_words(const std::string& text) {
    std::stringstream ss(text);
    std::vector<std::string> out;
    std::string w;
    while (ss >> w) out.push_back(w);
    return out;
}

std::vector<HostSpec> hosts_of(const options& opts) {
    std::vector<HostSpec> hosts;
    for (const auto& h : opts.host_lists) merge_hosts(hosts, parse_host_list(h));
    if (!opts.hostfile.empty()) merge_hosts(hosts, parse_hostfile(opts.hostfile));
    return hosts;
}

int run_coordinator(const options& opts, const coordinator_config& config) {
    mapping_options m;
    m.nprocs = opts.nprocs_given ? opts.nprocs : 0;
    m.npernode = opts.npernode;
    m.oversubscribe = opts.oversubscribe;
    if (!opts.map_by.empty()) m.map_by = parse_host_policy("--map-by", opts.map_by);
    m.rank_by = opts.rank_by.empty() ? m.map_by : parse_host_policy("--rank-by", opts.rank_by);
    placement p = map_ranks(config.hosts, m);
    job j = make_job_placed(make_nspace(host_name(), getpid()), p.hosts, p.node_of);
    coordinator c(opts, config, std::move(j));
    return c.run();
}

}  // namespace efampi::launcher
