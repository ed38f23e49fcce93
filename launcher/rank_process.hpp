#pragma once
// Starting and signalling one local rank. Each rank runs in its own process group (so a signal
// reaches the helpers it forks too, and a terminal's Ctrl-C reaches mpirun only, which then
// decides), with stdout/stderr on pipes and stdin on a pipe (rank 0) or /dev/null.
#include <sys/types.h>

#include <string>
#include <vector>

namespace efampi::launcher {

struct spawn_request {
    std::string path;               // resolved executable
    std::vector<std::string> argv;  // argv[0] as the user wrote it
    std::vector<std::string> env;
    bool with_stdin = false;        // a pipe for stdin, else /dev/null
    std::vector<int> cpus;          // CPU affinity of the rank (binding.hpp); empty: mpirun's
};

struct rank_process {
    pid_t pid = -1;
    int stdin_fd = -1;   // write end, non-blocking; -1 without stdin
    int stdout_fd = -1;  // read ends, non-blocking
    int stderr_fd = -1;
};

// Throws launch_error naming the failing call (pipe, posix_spawn: its errno).
rank_process spawn_rank(const spawn_request& req);

// Sends sig to the rank's process group (falls back to the pid if the group is gone).
void signal_rank(pid_t pid, int sig);

// "SIGSEGV" for 11; "signal 77" when the number has no name.
std::string signal_name(int sig);

}  // namespace efampi::launcher
