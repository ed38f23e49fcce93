#include "launcher/rank_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <unistd.h>

#include <cerrno>

#include "launcher/binding.hpp"
#include "launcher/environment.hpp"
#include "launcher/error.hpp"

namespace efampi::launcher {
namespace {

// Closes the fds it holds unless released; keeps spawn_rank's error paths leak-free.
struct fd_pair {
    int fd[2] = {-1, -1};
    ~fd_pair() {
        for (int f : fd)
            if (f >= 0) close(f);
    }
    int release(int i) {
        int f = fd[i];
        fd[i] = -1;
        return f;
    }
};

[[noreturn]] void fail(const char* what, int err) {
    throw launch_error(exit_launch_failed, std::string(what) + ": " + strerror(err));
}

void make_pipe(fd_pair& p) {
    // O_CLOEXEC: the child keeps only what posix_spawn dup2()s onto 0/1/2.
    if (pipe2(p.fd, O_CLOEXEC) != 0) fail("pipe", errno);
}

void set_nonblocking(int fd) { fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); }

// posix_spawn's attribute and file-action objects, destroyed on every path.
struct spawn_setup {
    posix_spawnattr_t attr;
    posix_spawn_file_actions_t actions;
    spawn_setup() {
        posix_spawnattr_init(&attr);
        posix_spawn_file_actions_init(&actions);
    }
    ~spawn_setup() {
        posix_spawn_file_actions_destroy(&actions);
        posix_spawnattr_destroy(&attr);
    }
};

}  // namespace

rank_process spawn_rank(const spawn_request& req) {
    fd_pair in, out, err;
    if (req.with_stdin) make_pipe(in);
    make_pipe(out);
    make_pipe(err);

    spawn_setup s;
    // mpirun blocks SIGCHLD/SIGINT/SIGTERM/... for its signalfd and ignores SIGPIPE; a rank
    // must start with an empty mask and default SIGPIPE, or it would silently ignore them.
    sigset_t none, defaults;
    sigemptyset(&none);
    sigemptyset(&defaults);
    for (int sig : {SIGPIPE, SIGCHLD, SIGINT, SIGTERM, SIGHUP, SIGQUIT}) sigaddset(&defaults, sig);
    posix_spawnattr_setsigmask(&s.attr, &none);
    posix_spawnattr_setsigdefault(&s.attr, &defaults);
    posix_spawnattr_setpgroup(&s.attr, 0);  // its own group, led by itself
    posix_spawnattr_setflags(&s.attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);

    if (req.with_stdin)
        posix_spawn_file_actions_adddup2(&s.actions, in.fd[0], STDIN_FILENO);
    else
        posix_spawn_file_actions_addopen(&s.actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&s.actions, out.fd[1], STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&s.actions, err.fd[1], STDERR_FILENO);

    c_string_array argv(req.argv), envp(req.env);
    pid_t pid = -1;
    // The child starts with this thread's CPU mask (posix_spawn has no hook in the child):
    // bind the thread to the rank's CPUs for the spawn, then give it its own mask back.
    std::vector<int> own_mask;
    if (!req.cpus.empty()) bind_calling_thread(req.cpus, &own_mask);
    // glibc's posix_spawn reports exec failures (ENOENT, EACCES, ...) as its return value.
    int rc = posix_spawn(&pid, req.path.c_str(), &s.actions, &s.attr, argv.data(), envp.data());
    if (!req.cpus.empty() && !own_mask.empty()) bind_calling_thread(own_mask, nullptr);
    if (rc != 0) throw launch_error(rc == ENOENT ? exit_not_found : exit_launch_failed,
                                    "cannot start '" + req.path + "': " + strerror(rc));

    rank_process p;
    p.pid = pid;
    if (req.with_stdin) {
        p.stdin_fd = in.release(1);
        set_nonblocking(p.stdin_fd);
    }
    p.stdout_fd = out.release(0);
    p.stderr_fd = err.release(0);
    set_nonblocking(p.stdout_fd);
    set_nonblocking(p.stderr_fd);
    return p;  // the child's ends close with the fd_pairs
}

void signal_rank(pid_t pid, int sig) {
    if (pid <= 0) return;
    if (kill(-pid, sig) != 0) kill(pid, sig);
}

std::string signal_name(int sig) {
    if (const char* abbrev = sigabbrev_np(sig)) return std::string("SIG") + abbrev;
    return "signal " + std::to_string(sig);
}

}  // namespace efampi::launcher
