#pragma once
// mpirun's command line. Parsing is a pure function of argv so it can be unit-tested; it throws
// launch_error(exit_usage, ...) for anything it does not understand.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "launcher/binding.hpp"

namespace efampi::launcher {

struct options {
    std::uint32_t nprocs = 1;
    bool nprocs_given = false;  // -n was on the command line (else an allocation may decide)
    bind_policy bind = bind_policy::automatic;  // --bind-to
    map_policy map = map_policy::core;          // --map-by
    bool report_bindings = false;               // --report-bindings
    // `-x VAR` (export mpirun's own value) or `-x VAR=value`, in command-line order.
    std::vector<std::string> exports;
    // The program and its arguments; empty only when help or version was asked for.
    std::vector<std::string> program;
    bool help = false;
    bool version = false;
};

// Largest job on one host: each rank costs three pipes and a process, and the tests run
// oversubscribed, so this only guards against typos such as `-n 40000`.
inline constexpr std::uint32_t max_local_ranks = 4096;

// args excludes argv[0].
options parse_options(std::span<const std::string> args);

std::string usage_text();

}  // namespace efampi::launcher
