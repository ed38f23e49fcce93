#pragma once
// Process state every launcher process (mpirun, its daemons) settles before starting anything.
#include <string>

namespace efampi::launcher {

// A closed stdin/stdout/stderr would let pipe() hand out fd 0-2, and the dup2 onto the same
// number in the child would then keep its close-on-exec flag. Fills the gaps with /dev/null.
void ensure_standard_fds();

// Blocks SIGCHLD, SIGINT, SIGTERM, SIGHUP, SIGQUIT for the whole process (call it before
// PMIx_server_init starts libpmix's thread, which inherits the mask) and returns a signalfd
// reading them. Throws launch_error.
int make_signal_fd();

// gethostname(), or "localhost".
std::string host_name();

// Reading a terminal from a background process group would stop mpirun (SIGTTIN); then rank 0
// gets /dev/null as the other ranks do.
bool stdin_usable();

}  // namespace efampi::launcher
