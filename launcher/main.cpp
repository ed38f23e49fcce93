// mpirun / mpiexec: starts one MPI job on this host. The steps, in order: parse the command
// line, settle the process state (signals, fds, environment), start the PMIx server, register
// the job, start each rank, then hand over to the supervisor's loop until the job is over.
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
#include "launcher/environment.hpp"
#include "launcher/error.hpp"
#include "launcher/event_queue.hpp"
#include "launcher/job.hpp"
#include "launcher/options.hpp"
#include "launcher/pmix_server.hpp"
#include "launcher/private_dir.hpp"
#include "launcher/rank_process.hpp"
#include "launcher/slurm_alloc.hpp"
#include "launcher/supervisor.hpp"

#ifndef EFAMPI_VERSION
#define EFAMPI_VERSION "unknown"
#endif

namespace efampi::launcher {
namespace {

// A closed stdin/stdout/stderr would let pipe() hand out fd 0-2, and the dup2 onto the same
// number in the child would then keep its close-on-exec flag. Fill the gaps with /dev/null.
void ensure_standard_fds() {
    for (int fd = 0; fd <= 2; ++fd) {
        if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF) continue;
        int null_fd = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
        if (null_fd >= 0 && null_fd != fd) {
            dup2(null_fd, fd);
            close(null_fd);
        }
    }
}

// Signals the supervisor handles, blocked for the whole process (before PMIx_server_init
// starts libpmix's thread, which inherits the mask) and read from a signalfd instead.
int make_signal_fd() {
    sigset_t set;
    sigemptyset(&set);
    for (int sig : {SIGCHLD, SIGINT, SIGTERM, SIGHUP, SIGQUIT}) sigaddset(&set, sig);
    sigprocmask(SIG_BLOCK, &set, nullptr);
    int fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    if (fd < 0) throw launch_error(exit_launch_failed, std::string("signalfd: ") + strerror(errno));
    return fd;
}

std::string host_name() {
    char buf[HOST_NAME_MAX + 1] = {};
    if (gethostname(buf, sizeof buf - 1) != 0 || !buf[0]) return "localhost";
    return buf;
}

// Reading a terminal from a background process group would stop mpirun (SIGTTIN); in that
// case rank 0 gets /dev/null, as the other ranks do.
bool stdin_usable() {
    if (!isatty(STDIN_FILENO)) return true;
    return tcgetpgrp(STDIN_FILENO) == getpgrp();
}

int run(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    options opts = parse_options(args);
    if (opts.help) {
        std::cout << usage_text();
        return 0;
    }
    if (opts.version) {
        std::cout << "mpirun (efampi) " EFAMPI_VERSION "\n";
        return 0;
    }

    std::string host = host_name();
    if (!opts.nprocs_given) {
        // Inside a Slurm allocation (salloc, sbatch) without -n: one rank per slot of this
        // host, as Open MPI's mpirun does.
        std::vector<SlurmHost> alloc;
        try {
            alloc = slurm_allocation([](const char* name) { return std::getenv(name); });
        } catch (const std::invalid_argument& e) {
            throw launch_error(exit_usage, std::string("cannot read the Slurm allocation: ") + e.what());
        }
        int slots = slots_of(alloc, host);
        if (slots > 0) opts.nprocs = static_cast<std::uint32_t>(std::min<int>(slots, max_local_ranks));
    }

    ensure_standard_fds();
    signal(SIGPIPE, SIG_IGN);  // a rank closing its stdin, or our reader going away, is no crash
    std::string program = resolve_program(opts.program.front());
    auto timeout = read_timeout();
    bool debug = debug_enabled();
    int signal_fd = make_signal_fd();

    std::vector<std::string> base_env = clean_environment();  // before PMIx_server_init reads it
    apply_exports(base_env, opts.exports);
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
                              [&server] { server.freeze(); }});
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
