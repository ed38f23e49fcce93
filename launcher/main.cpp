// mpirun / mpiexec: starts one MPI job. Several hosts (--host, --hostfile, or a Slurm allocation
// spanning other hosts) go to the coordinator (coordinator.hpp) and its daemons. On one host the
// steps, in order: parse the command line, settle the process state (signals, fds, environment),
// start the PMIx server, register the job, place and bind, start each rank, then hand over to
// the supervisor's loop until the job is over.
// Every fatal error becomes one `mpirun: ...` line and a documented exit status.
#include <fcntl.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <limits.h>
#include <string>
#include <vector>

#include "launcher/binding.hpp"
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
#include "launcher/slurm_alloc.hpp"
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

    std::string host = host_name();
    // Inside a Slurm allocation (salloc, sbatch) without --host/--hostfile: the allocation's
    // hosts. When it is this host alone, a one-host job (without -n: one rank per slot, as
    // Open MPI's mpirun does); when it spans other hosts, a multi-host job over all of them
    // (daemons through the launch agent, ssh by default).
    std::vector<HostSpec> alloc_hosts;
    if (!opts.multi_host()) {
        std::vector<SlurmHost> alloc;
        try {
            alloc = slurm_allocation([](const char* name) { return std::getenv(name); });
        } catch (const std::invalid_argument& e) {
            throw launch_error(exit_usage, std::string("cannot read the Slurm allocation: ") + e.what());
        }
        bool elsewhere = false;
        for (const SlurmHost& h : alloc) {
            alloc_hosts.push_back(HostSpec{h.name, h.slots});
            if (h.name != host) elsewhere = true;
        }
        if (!elsewhere) alloc_hosts.clear();
        int slots = slots_of(alloc, host);
        if (!opts.nprocs_given && alloc_hosts.empty() && slots > 0)
            opts.nprocs = static_cast<std::uint32_t>(std::min<int>(slots, max_local_ranks));
    }

    ensure_standard_fds();
    signal(SIGPIPE, SIG_IGN);  // a rank closing its stdin, or our reader going away, is no crash
    std::string program = resolve_program(opts.program.front());
    auto timeout = read_timeout();
    bool debug = debug_enabled();
    int signal_fd = make_signal_fd();

    std::vector<std::string> base_env = clean_environment();  // before PMIx_server_init reads it
    if (opts.multi_host() || !alloc_hosts.empty()) {
        coordinator_config cc;
        cc.hosts = opts.multi_host() ? hosts_of(opts) : alloc_hosts;
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

    job j = make_job(make_nspace(host, getpid()), {host}, {opts.nprocs});
    constexpr std::uint32_t local_node = 0;  // single-host mode: this process is node 0

    private_dir tmpdir;
    event_queue queue;
    pmix_server server(queue, debug);
    server.start({tmpdir.path(), host, j.nspace + ".mpirun", 0});
    server.register_job(j, local_node);

    // Placement and binding of this host's ranks (binding.hpp): decided before anything starts.
    const auto& local_ranks = j.nodes[local_node].ranks;
    topo_summary topo = read_topology();
    binding_plan binding = plan_binding(topo, static_cast<std::uint32_t>(local_ranks.size()),
                                        opts.bind, opts.map);

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
            std::uint32_t local_rank = j.procs[rank].local_rank;
            req.cpus = binding.ranks[local_rank].cpus;
            rank_process p = spawn_rank(req);
            if (opts.report_bindings)
                std::cerr << binding_report(topo, binding, rank, local_rank, host, p.pid) + "\n";
            sup.add_rank(rank, p);
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
