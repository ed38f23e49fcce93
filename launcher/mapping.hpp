#pragma once
// Placement of ranks on hosts (pure, unit-tested): how many ranks each host gets (--map-by,
// -N, --oversubscribe) and which rank numbers they are (--rank-by). Binding inside a host is
// not decided here.
#include <cstdint>
#include <string>
#include <vector>

#include "launcher/hosts.hpp"

namespace efampi::launcher {

enum class host_policy { slot, node };

struct mapping_options {
    std::uint32_t nprocs = 0;     // 0: not given (then the total slots, or N per host with -N)
    std::uint32_t npernode = 0;   // -N: exactly this many on each host (the last ones may get fewer)
    host_policy map_by = host_policy::slot;
    host_policy rank_by = host_policy::slot;
    bool oversubscribe = false;
};

struct placement {
    std::vector<std::string> hosts;      // hosts that hold at least one rank, in host-list order
    std::vector<std::uint32_t> node_of;  // node_of[rank]: index into hosts
};

// map-by slot: fill each host's slots in list order; map-by node: one rank per host in turn
// among hosts with free slots. Past the total slots (allowed only with oversubscribe) the rest
// goes one per host in turn. rank-by slot numbers a host's ranks consecutively, rank-by node
// deals numbers round-robin across hosts. Throws launch_error(exit_usage) when the ranks do not
// fit without oversubscribe, or when nothing is to be placed.
placement map_ranks(const std::vector<HostSpec>& hosts, const mapping_options& opts);

// "slot", "node", and Open MPI's "core", "socket", "numa", "hwthread" (placed like slot within a
// host; binding is a separate choice). Optional ":modifier" suffixes (e.g. ":PE=2") are refused.
host_policy parse_host_policy(const std::string& option, const std::string& text);

}  // namespace efampi::launcher
