#pragma once
// The launcher's one exception type. Setup code throws it; main() prints `mpirun: <what>` once
// and exits with `exit_code`, so every fatal path produces one clear line and a defined status.
#include <stdexcept>
#include <string>

namespace efampi::launcher {

// Exit codes that are part of mpirun's contract (launcher/README.md, "Exit status").
inline constexpr int exit_usage = 2;          // bad command line or environment value
inline constexpr int exit_launch_failed = 1;  // could not set up the job (PMIx, fork, ...)
inline constexpr int exit_not_executable = 126;
inline constexpr int exit_not_found = 127;
inline constexpr int exit_timeout = 124;      // MPIEXEC_TIMEOUT, as timeout(1) does

struct launch_error : std::runtime_error {
    int exit_code;
    launch_error(int code, const std::string& what) : std::runtime_error(what), exit_code(code) {}
};

}  // namespace efampi::launcher
