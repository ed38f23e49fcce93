// mpirun / mpiexec: starts one MPI job on this host. The steps, in order: parse the command
// line, settle the process state (signals, fds, environment), start the PMIx server, register
// the job, start each rank, then hand over to the supervisor's loop until the job is over.
// Every fatal error becomes one `mpirun: ...` line and a documented exit status.
#include <fcntl.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <limits.h>
#include <string>
#include <vector>

#include "launcher/coordinator.hpp"
#include "launcher/daemon.hpp"
#include "launcher/environment.hpp"
#include "launcher/error.hpp"
#include "launcher/event_queue.hpp"
#include "launcher/job.hpp"
#include "launcher/options.hpp"
#include "launcher/pmix_server.hpp"
#include "launcher/private_dir.hpp"
#include "launcher/process_setup.hpp"
#include "launcher/rank_process.hpp"
#include "launcher/supervisor.hpp"

#ifndef EFAMPI_VERSION
#define EFAMPI_VERSION "unknown"
#endif

namespace efampi::launcher {
namespace {

int run(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    options opts = parse_options(args);
    if (!opts.multi_host() && !opts.nprocs_given && opts.npernode) opts.nprocs = opts.npernode;  // -N on this host
    if (opts.help) {
        std::cout << usage_text();
        return 0;
    }
    if (opts.version) {
        std::cout << "mpirun (efampi) " EFAMPI_VERSION "\n";
        return 0;
    }

    ensure_standard_fds();
    signal(SIGPIPE, SIG_IGN);  // a rank closing its stdin, or our reader going away, is no crash
    std::string program = resolve_program(opts.program.front());
    auto timeout = read_timeout();
    bool debug = debug_enabled();
    int signal_fd = make_signal_fd();

    std::vector<std::string> base_env = clean_environment();  // before PMIx_server_init reads it
    if (opts.multi_host()) {
        coordinator_config cc;
        cc.hosts = hosts_of(opts);
        cc.program = program;
        // What every remote rank gets beyond its daemon's own environment: the -x variables
        // (with this mpirun's values) and the PMIx tuning ones.
        std::vector<std::string> exported;
        apply_exports(exported, opts.exports);
        for (const auto& kv : base_env)
            if (kv.rfind("PMIX_MCA_", 0) == 0) cc.rank_env.push_back(kv);
        cc.rank_env.insert(cc.rank_env.end(), exported.begin(), exported.end());
        cc.timeout_secs = timeout;
        cc.debug = debug;
        cc.signal_fd = signal_fd;
        int status = run_coordinator(opts, cc);
        close(signal_fd);
        return status;
    }
    apply_exports(base_env, opts.exports);
    if (!opts.net_iface.empty()) set_var(base_env, "EFAMPI_NET_IFACE", opts.net_iface);
    set_var(base_env, "EFAMPI_LAUNCHER", "mpirun");
    set_var(base_env, "EFAMPI_SIZE", std::to_string(opts.nprocs));
    set_var(base_env, "EFAMPI_LOCAL_SIZE", std::to_string(opts.nprocs));

    std::string host = host_name();
    job j = make_job(make_nspace(host, getpid()), {host}, {opts.nprocs});
    constexpr std::uint32_t local_node = 0;  // single-host mode: this process is node 0

    private_dir tmpdir;
    event_queue queue;
    pmix_server server(queue, debug);
    server.start({tmpdir.path(), host, j.nspace + ".mpirun", 0});
    server.register_job(j, local_node);

    supervisor sup(j, queue, {signal_fd, timeout, std::chrono::milliseconds(2000), debug,
                              [&server] { server.freeze(); }, opts.tag_output, nullptr, ""});
    bool rank0_stdin = stdin_usable();
    try {
        for (std::uint32_t rank : j.nodes[local_node].ranks) {
            spawn_request req;
            req.path = program;
            req.argv = opts.program;
            req.env = base_env;
            set_var(req.env, "EFAMPI_RANK", std::to_string(rank));
            set_var(req.env, "EFAMPI_LOCAL_RANK", std::to_string(j.procs[rank].local_rank));
            // uid/gid as the kernel will report them for the child's socket (SO_PEERCRED gives
            // the effective ids); a mismatch makes libpmix refuse the connection silently.
            server.register_client(j, rank, geteuid(), getegid());
            server.setup_fork(j, rank, req.env);
            req.with_stdin = rank == 0 && rank0_stdin;
            sup.add_rank(rank, spawn_rank(req));
        }
    } catch (const launch_error& e) {
        sup.fail_launch(e.exit_code, e.what());
    }
    int status = sup.run();
    close(signal_fd);
    if (server.frozen() || !server.stop()) {
        // libpmix is parked or stuck: destructors and atexit handlers could wait for it
        // forever, so clean up by hand and leave at once.
        if (!server.frozen() && debug) std::cerr << "mpirun: debug: PMIx_server_finalize hung\n";
        tmpdir.remove();
        std::cout.flush();
        std::cerr.flush();
        _exit(status);
    }
    return status;
}

}  // namespace
}  // namespace efampi::launcher

int main(int argc, char** argv) {
    using namespace efampi::launcher;
    if (argc > 1 && std::string(argv[1]) == daemon_flag) {
        try {
            return daemon_main(std::vector<std::string>(argv + 2, argv + argc));
        } catch (const std::exception& e) {
            std::cerr << "mpirun daemon: " << e.what() << "\n";
            return exit_launch_failed;
        }
    }
    try {
        return run(argc, argv);
    } catch (const launch_error& e) {
        std::cerr << "mpirun: " << e.what() << "\n";
        return e.exit_code;
    } catch (const std::exception& e) {
        std::cerr << "mpirun: internal error: " << e.what() << "\n";
        return exit_launch_failed;
    }
}
