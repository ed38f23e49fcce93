#include "launcher/daemon.hpp"

#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <map>
#include <sstream>

#include "launcher/binding.hpp"
#include "launcher/control.hpp"
#include "launcher/environment.hpp"
#include "launcher/error.hpp"
#include "launcher/event_queue.hpp"
#include "launcher/job.hpp"
#include "launcher/net.hpp"
#include "launcher/pmix_server.hpp"
#include "launcher/private_dir.hpp"
#include "launcher/process_setup.hpp"
#include "launcher/rank_process.hpp"
#include "launcher/supervisor.hpp"

namespace efampi::launcher {
namespace {

// How long the daemon tries each of mpirun's addresses, and waits for the job after hello.
constexpr int connect_each_ms = 3000;
constexpr std::chrono::seconds job_wait{30};

struct daemon_args {
    std::vector<std::string> addrs;
    std::uint16_t port = 0;
    std::string token;
    std::uint32_t node = 0;
};

[[noreturn]] void bad_args(const std::string& what) {
    throw launch_error(exit_usage, "daemon: " + what + " (this mode is for mpirun's own use)");
}

template <typename T>
T number(const std::string& opt, const std::string& text) {
    T v{};
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc{} || end != text.data() + text.size()) bad_args(opt + " '" + text + "' is not a number");
    return v;
}

daemon_args parse_daemon_args(const std::vector<std::string>& args) {
    daemon_args d;
    for (std::size_t i = 0; i < args.size(); i += 2) {
        if (i + 1 >= args.size()) bad_args(args[i] + " needs a value");
        const std::string &k = args[i], &v = args[i + 1];
        if (k == "--connect") {
            std::stringstream ss(v);
            std::string a;
            while (std::getline(ss, a, ',')) d.addrs.push_back(a);
        } else if (k == "--port") {
            d.port = number<std::uint16_t>(k, v);
        } else if (k == "--token") {
            d.token = v;
        } else if (k == "--node") {
            d.node = number<std::uint32_t>(k, v);
        } else {
            bad_args("unknown argument '" + k + "'");
        }
    }
    if (d.addrs.empty() || d.port == 0 || d.token.empty()) bad_args("--connect, --port and --token are required");
    return d;
}

// What mpirun sends in its job frame.
struct job_message {
    std::string nspace;
    std::uint32_t node = 0;
    std::vector<std::string> hosts;
    std::vector<std::uint32_t> node_of;
    std::string program;
    std::vector<std::string> argv, env;
    bool debug = false;
    std::string net_iface;
    bool forward_stdin = false;  // rank 0 (if here) reads what mpirun forwards, else /dev/null
    bind_policy bind = bind_policy::automatic;  // --bind-to, --map-by (within the host),
    map_policy map = map_policy::core;          // --report-bindings: as on one host
    bool report_bindings = false;
};

job_message read_job(frame_reader& f) {
    job_message m;
    m.nspace = f.str();
    m.node = f.u32();
    m.hosts = f.strs();
    m.node_of = f.u32s();
    m.program = f.str();
    m.argv = f.strs();
    m.env = f.strs();
    m.debug = f.u8() != 0;
    m.net_iface = f.str();
    m.forward_stdin = f.u8() != 0;
    std::uint8_t bind = f.u8(), map = f.u8();
    if (bind > static_cast<std::uint8_t>(bind_policy::socket) ||
        map > static_cast<std::uint8_t>(map_policy::socket))
        throw protocol_error("job frame: unknown binding policy");
    m.bind = static_cast<bind_policy>(bind);
    m.map = static_cast<map_policy>(map);
    m.report_bindings = f.u8() != 0;
    return m;
}

// The daemon's side of the control connection, as the supervisor sees it.
class daemon_link final : public supervisor_link {
public:
    daemon_link(control_channel& ch, pmix_server& server, const job& j, bool debug)
        : ch_(ch), server_(server), job_(j), debug_(debug) {}

    void fence(fence_request& f) override {
        // Every daemon sees the same fences over the same participants in the same order, so
        // "participants#count" names one fence across hosts.
        std::string key = rank_list(f.ranks);
        std::string id = key + "#" + std::to_string(fence_count_[key]++);
        frame_writer w(msg_type::fence);
        w.str(id).u32s(f.ranks).u8(f.collect ? 1 : 0).str(f.blob);
        fences_.emplace(id, std::move(f.complete));
        send(w);
    }

    void modex(modex_request& m) override {
        std::uint64_t id = next_modex_++;
        modexes_.emplace(id, std::move(m.complete));
        frame_writer w(msg_type::modex_req);
        w.u64(id).u32(m.rank);
        send(w);
    }

    void failure(int exit_code, const std::string& message) override {
        frame_writer w(msg_type::failure);
        w.i32(exit_code).str(message);
        send(w);
    }

    output_sink output(std::uint32_t rank, int stream) override {
        return [this, rank, stream](const char* data, std::size_t n) {
            frame_writer w(msg_type::output);
            w.u32(rank).u8(static_cast<std::uint8_t>(stream)).str(std::string(data, n));
            send(w);
            return true;  // mpirun's own stdout being gone is mpirun's business
        };
    }

    void set_rank0_stdin(int fd) override { stdin_fd_ = fd; }

    // Frames that arrived with the job frame, before the supervisor polls the socket.
    void process_buffered(supervisor& s) { parse_frames(s, !ch_.closed()); }

    void add_poll_fds(std::vector<pollfd>& fds) override {
        fds.push_back({ch_.fd(), POLLIN, 0});
        // rank 0's stdin pipe, while something waits to go in
        fds.push_back({stdin_fd_ >= 0 && !stdin_pending_.empty() ? stdin_fd_ : -1, POLLOUT, 0});
    }

    void on_poll(const pollfd* fds, std::size_t, supervisor& s) override {
        if (fds[1].revents) write_stdin();
        if (fds[0].revents) on_control(s);
    }

    ~daemon_link() override {
        if (stdin_fd_ >= 0) close(stdin_fd_);
    }

private:
    // Feeds rank 0's stdin pipe and tells mpirun how much went in (its window moves on).
    void write_stdin() {
        while (stdin_fd_ >= 0 && !stdin_pending_.empty()) {
            ssize_t w = write(stdin_fd_, stdin_pending_.data(), stdin_pending_.size());
            if (w < 0) {
                if (errno == EINTR) continue;
                if (errno == EAGAIN) return;
                close_stdin(true);  // EPIPE: rank 0 closed its stdin or exited
                return;
            }
            stdin_pending_.erase(0, static_cast<std::size_t>(w));
            frame_writer t(msg_type::stdin_taken);
            t.u32(static_cast<std::uint32_t>(w));
            send(t);
        }
        if (stdin_fd_ >= 0 && stdin_pending_.empty() && stdin_eof_) close_stdin(false);
    }

    void close_stdin(bool tell) {
        if (stdin_fd_ >= 0) close(stdin_fd_);
        stdin_fd_ = -1;
        stdin_pending_.clear();
        if (tell) {
            frame_writer t(msg_type::stdin_taken);
            t.u32(stdin_gone);
            send(t);
        }
    }


    void on_control(supervisor& s) { parse_frames(s, ch_.on_readable()); }

    void parse_frames(supervisor& s, bool open) {
        try {
            frame_reader f(msg_type::hello, {});
            while (ch_.next(f)) handle(f, s);
        } catch (const protocol_error& e) {
            std::cerr << "mpirun daemon: " << e.what() << "\n";
            ch_.close_now();
            open = false;
        }
        if (!open) {
            // mpirun is gone (killed, or its host unreachable): nobody is left to report to.
            if (debug_) std::cerr << "mpirun daemon: lost the connection to mpirun, ending the local ranks\n";
            s.teardown(SIGTERM);
        }
    }

    void send(frame_writer& w) {
        if (!ch_.closed()) ch_.send_blocking(w);
    }

    void handle(frame_reader& f, supervisor& s) {
        switch (f.type()) {
            case msg_type::fence_done: {
                std::string id = f.str();
                bool ok = f.u8() != 0;
                std::string all = f.str();
                if (auto it = fences_.find(id); it != fences_.end()) {
                    auto complete = std::move(it->second);
                    fences_.erase(it);
                    complete(ok, std::move(all));
                }
                break;
            }
            case msg_type::modex_req: {  // another host wants one of our ranks' data
                std::uint64_t id = f.u64();
                std::uint32_t rank = f.u32();
                server_.dmodex_request(job_, rank, [this, id](bool ok, std::string data) {
                    frame_writer w(msg_type::modex_resp);
                    w.u64(id).u8(ok ? 1 : 0).str(data);
                    send(w);
                });
                break;
            }
            case msg_type::modex_resp: {
                std::uint64_t id = f.u64();
                bool ok = f.u8() != 0;
                std::string data = f.str();
                if (auto it = modexes_.find(id); it != modexes_.end()) {
                    auto complete = std::move(it->second);
                    modexes_.erase(it);
                    complete(ok, std::move(data));
                }
                break;
            }
            case msg_type::kill:
                s.teardown(f.i32());
                break;
            case msg_type::stdin_data: {
                std::string data = f.str();
                if (stdin_fd_ < 0) {
                    if (!stdin_eof_ && !data.empty()) {  // no rank 0 here (or its stdin is gone)
                        frame_writer t(msg_type::stdin_taken);
                        t.u32(stdin_gone);
                        send(t);
                    }
                    stdin_eof_ = stdin_eof_ || data.empty();
                    break;
                }
                if (data.empty()) stdin_eof_ = true;
                stdin_pending_ += data;
                write_stdin();
                break;
            }
            default:
                throw protocol_error("unexpected control frame type " + std::to_string(static_cast<int>(f.type())));
        }
    }

    control_channel& ch_;
    pmix_server& server_;
    const job& job_;
    bool debug_;
    std::map<std::string, std::uint32_t> fence_count_;
    std::map<std::string, std::function<void(bool, std::string)>> fences_;
    std::map<std::uint64_t, std::function<void(bool, std::string)>> modexes_;
    std::uint64_t next_modex_ = 0;
    int stdin_fd_ = -1;
    std::string stdin_pending_;  // at most stdin_window bytes: mpirun waits for stdin_taken
    bool stdin_eof_ = false;
};

// Waits (bounded) for the next frame on a channel that nothing else reads yet.
bool wait_frame(control_channel& ch, frame_reader& f, std::chrono::steady_clock::time_point until) {
    for (;;) {
        if (ch.next(f)) return true;
        if (ch.closed()) return false;
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
        if (left.count() <= 0) return false;
        pollfd p{ch.fd(), POLLIN, 0};
        poll(&p, 1, static_cast<int>(left.count()));
        ch.on_readable();
    }
}

}  // namespace

int daemon_main(const std::vector<std::string>& args) {
    daemon_args a = parse_daemon_args(args);
    ensure_standard_fds();
    signal(SIGPIPE, SIG_IGN);
    int signal_fd = make_signal_fd();

    std::string errors;
    int fd = connect_first(a.addrs, a.port, connect_each_ms, errors);
    if (fd < 0)
        throw launch_error(exit_launch_failed, "cannot reach mpirun on port " + std::to_string(a.port) +
                                                   " at any of its addresses: " + errors);
    control_channel ch(fd);
    {
        frame_writer hello(msg_type::hello);
        hello.str(a.token).u32(a.node);
        if (!ch.send_blocking(hello)) throw launch_error(exit_launch_failed, "mpirun closed the connection");
    }
    frame_reader f(msg_type::hello, {});
    if (!wait_frame(ch, f, std::chrono::steady_clock::now() + job_wait))
        throw launch_error(exit_launch_failed, "no job from mpirun");  // a wrong token ends here too
    if (f.type() == msg_type::kill) return exit_launch_failed;  // the job failed before we came
    if (f.type() != msg_type::job) throw launch_error(exit_launch_failed, "no job from mpirun");
    job_message m = read_job(f);
    job j = make_job_placed(m.nspace, m.hosts, m.node_of);
    if (m.node >= j.nodes.size()) throw launch_error(exit_launch_failed, "bad node index from mpirun");
    const std::string& host = j.nodes[m.node].hostname;

    std::vector<std::string> base_env = clean_environment();
    for (const auto& kv : m.env) {
        auto eq = kv.find('=');
        if (eq == std::string::npos) continue;
        set_var(base_env, kv.substr(0, eq), kv.substr(eq + 1));
        // libpmix settings for this daemon's server too, as mpirun's own server would read them.
        if (kv.rfind("PMIX_MCA_", 0) == 0) setenv(kv.substr(0, eq).c_str(), kv.substr(eq + 1).c_str(), 1);
    }
    set_var(base_env, "EFAMPI_LAUNCHER", "mpirun");
    set_var(base_env, "EFAMPI_SIZE", std::to_string(j.size));
    set_var(base_env, "EFAMPI_LOCAL_SIZE", std::to_string(j.nodes[m.node].ranks.size()));
    // The ranks' network interface for other hosts: the one this connection to mpirun left
    // through, unless the user chose (--net-iface, or FI_TCP_IFACE / EFAMPI_NET_IFACE set).
    auto has_var = [&](const std::string& name) {
        for (const auto& kv : base_env)
            if (kv.rfind(name + "=", 0) == 0) return true;
        return false;
    };
    std::string iface = !m.net_iface.empty() ? m.net_iface : interface_of_socket(ch.fd());
    if (!iface.empty() && (!m.net_iface.empty() || (!has_var("EFAMPI_NET_IFACE") && !has_var("FI_TCP_IFACE"))))
        set_var(base_env, "EFAMPI_NET_IFACE", iface);

    private_dir tmpdir;
    event_queue queue;
    pmix_server server(queue, m.debug);
    daemon_link link(ch, server, j, m.debug);
    int status = 0;
    {
        supervisor sup(j, queue,
                       {signal_fd, std::nullopt, std::chrono::milliseconds(2000), m.debug,
                        [&server] { server.freeze(); }, false, &link, " on host " + host});
        try {
            server.start({tmpdir.path(), host, j.nspace + ".daemon" + std::to_string(m.node), m.node});
            server.register_job(j, m.node);
            std::string program = resolve_program(m.program);
            // This host's ranks are placed and bound as mpirun does on one host (binding.hpp).
            topo_summary topo = read_topology();
            binding_plan binding = plan_binding(
                topo, static_cast<std::uint32_t>(j.nodes[m.node].ranks.size()), m.bind, m.map);
            for (std::uint32_t rank : j.nodes[m.node].ranks) {
                spawn_request req;
                req.path = program;
                req.argv = m.argv;
                req.env = base_env;
                req.die_with_parent = true;
                req.with_stdin = rank == 0 && m.forward_stdin;
                set_var(req.env, "EFAMPI_RANK", std::to_string(rank));
                set_var(req.env, "EFAMPI_LOCAL_RANK", std::to_string(j.procs[rank].local_rank));
                server.register_client(j, rank, geteuid(), getegid());
                server.setup_fork(j, rank, req.env);
                std::uint32_t local_rank = j.procs[rank].local_rank;
                req.cpus = binding.ranks[local_rank].cpus;
                rank_process p = spawn_rank(req);
                if (m.report_bindings)  // the daemon's stderr reaches mpirun's, line by line
                    std::cerr << binding_report(topo, binding, rank, local_rank, host, p.pid) + "\n";
                sup.add_rank(rank, p);
            }
            frame_writer started(msg_type::started);
            ch.send_blocking(started);
            link.process_buffered(sup);
        } catch (const launch_error& e) {
            sup.fail_launch(e.exit_code, std::string(e.what()) + " (on host " + host + ")");
        }
        status = sup.run();
    }
    frame_writer done(msg_type::done);
    done.i32(status);
    ch.send_blocking(done);
    close(signal_fd);
    if (server.frozen() || !server.stop()) {
        tmpdir.remove();
        ch.close_now();
        std::cerr.flush();
        _exit(status);
    }
    return status;
}

}  // namespace efampi::launcher
