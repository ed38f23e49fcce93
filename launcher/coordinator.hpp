#pragma once
// mpirun across several hosts: places the ranks, starts one daemon per host through the launch
// agent, and runs the job from the centre: it answers the daemons' fences (gathering only the
// daemons with participants), routes direct-modex requests to the owning daemon, prints the
// ranks' output, reports the first failure, and tears down every host on a failure, a signal
// or MPIEXEC_TIMEOUT (launcher/README.md, "Several hosts"). It runs no rank and no PMIx server
// itself.
#include <optional>
#include <string>
#include <vector>

#include "launcher/hosts.hpp"
#include "launcher/options.hpp"

namespace efampi::launcher {

struct coordinator_config {
    std::vector<HostSpec> hosts;
    std::string program;                 // as resolved on this host
    std::vector<std::string> rank_env;   // VAR=value set in every rank (exports, PMIX_MCA_*, ...)
    std::optional<unsigned> timeout_secs;
    bool debug = false;
    int signal_fd = -1;
};

// The hosts of a multi-host command line: --host lists then the --hostfile, merged.
std::vector<HostSpec> hosts_of(const options& opts);

// Runs the job; returns mpirun's exit status. Throws launch_error for setup failures before
// any daemon runs.
int run_coordinator(const options& opts, const coordinator_config& config);

// Splits a --launch-agent command on blanks ("ip netns exec" -> 3 words).
std::vector<std::string> split_words(const std::string& text);

}  // namespace efampi::launcher
