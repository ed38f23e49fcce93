#pragma once
// mpirun's per-host daemon (`mpirun --efampi-daemon ...`, started by mpirun through the launch
// agent): connects back to mpirun, receives the job, runs the PMIx server for this host's
// ranks, starts them, and relays fences, direct-modex requests, output, failures and its exit
// over the control connection (launcher/README.md, "Daemons").
#include <string>
#include <vector>

namespace efampi::launcher {

// The first argument that selects daemon mode.
inline constexpr const char* daemon_flag = "--efampi-daemon";

// args: everything after daemon_flag. Returns the process exit status.
int daemon_main(const std::vector<std::string>& args);

}  // namespace efampi::launcher
