#pragma once
// Placing and binding this host's ranks on its cores (--map-by, --bind-to, --report-bindings).
// Three layers: read_topology() summarises the host through hwloc (the only part that touches
// the machine), plan_binding() decides every local rank's CPU set from that summary (a pure
// function, unit-tested), and bind_calling_thread()/the report apply and show the decision.
// The CPU numbers everywhere are the kernel's (hwloc os_index, as sched_setaffinity takes them).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace efampi::launcher {

// What --bind-to asks. `automatic` (no option): core when the local ranks fit the cores,
// none when oversubscribed.
enum class bind_policy { automatic, none, core, numa, socket };
// Which core local rank i is placed on (--map-by): core: the i-th core; numa/socket: round-robin
// over the NUMA nodes/packages, the (i / count)-th core inside the chosen one.
enum class map_policy { core, numa, socket };

// "none", "core", "numa", "socket" ("package" is an alias of socket); nullopt for anything else.
std::optional<bind_policy> parse_bind_policy(const std::string& text);
std::optional<map_policy> parse_map_policy(const std::string& text);
const char* policy_name(bind_policy p);

// The host as the plan needs it: the cores this process may use, in hwloc's logical order,
// each with its CPUs (hardware threads) and the logical index of its NUMA node and package.
struct topo_core {
    std::vector<int> cpus;  // ascending kernel CPU numbers, never empty
    int numa = 0;
    int package = 0;
};
struct topo_summary {
    std::vector<topo_core> cores;
};

// Reads this host through hwloc, restricted to the CPUs mpirun itself may run on (taskset, a
// Slurm allocation's cgroup). An empty summary when hwloc cannot load the topology.
topo_summary read_topology();

struct rank_binding {
    std::vector<int> cpus;  // empty: not bound (inherits mpirun's own affinity)
    std::string object;     // "core 3", "NUMA 0", "package 1"; empty when not bound
};
struct binding_plan {
    bind_policy applied = bind_policy::none;  // never `automatic`
    std::string why_unbound;                  // set when applied is none: the reason
    std::vector<rank_binding> ranks;          // one per local rank
};

// Decides the CPUs of local ranks 0 .. local_ranks-1. An explicit core/numa/socket binding with
// more ranks than cores wraps around (ranks share cores, in order). Throws launch_error
// (exit_launch_failed) for an explicit binding on a host whose topology could not be read.
binding_plan plan_binding(const topo_summary& topo, std::uint32_t local_ranks, bind_policy bind,
                          map_policy map);

// One --report-bindings line (without newline), e.g.
//   "[vm:4242] rank 0 bound to core 0 (cpus 0): [B/.]"
//   "[vm:4243] rank 2 not bound (oversubscribed: 4 ranks on 2 cores)"
// The map shows every core of the summary: packages in brackets, cores separated by '/', one
// character per CPU of the core: 'B' bound there, '.' not.
std::string binding_report(const topo_summary& topo, const binding_plan& plan, std::uint32_t rank,
                           std::uint32_t local_rank, const std::string& host, long pid);

// Restricts the calling thread to `cpus` and returns its previous mask through `saved` (as
// CPU numbers). posix_spawn() has no hook in the child, but a new process starts with the mask
// of the thread that created it: mpirun binds its own thread around each spawn, then restores.
// Throws launch_error naming sched_setaffinity's error.
void bind_calling_thread(const std::vector<int>& cpus, std::vector<int>* saved);

}  // namespace efampi::launcher
