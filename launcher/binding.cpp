// Placement and binding of this host's ranks (see binding.hpp and launcher/README.md,
// "Placement and binding"). hwloc is used only to read the host; the plan is plain data.
#include "launcher/binding.hpp"

#include <hwloc.h>
#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <cstring>
#include <map>

#include "launcher/error.hpp"

namespace efampi::launcher {

std::optional<bind_policy> parse_bind_policy(const std::string& text) {
    if (text == "none") return bind_policy::none;
    if (text == "core") return bind_policy::core;
    if (text == "numa") return bind_policy::numa;
    if (text == "socket" || text == "package") return bind_policy::socket;
    return std::nullopt;
}

std::optional<map_policy> parse_map_policy(const std::string& text) {
    if (text == "core") return map_policy::core;
    if (text == "numa") return map_policy::numa;
    if (text == "socket" || text == "package") return map_policy::socket;
    return std::nullopt;
}

const char* policy_name(bind_policy p) {
    switch (p) {
        case bind_policy::automatic: return "automatic";
        case bind_policy::none: return "none";
        case bind_policy::core: return "core";
        case bind_policy::numa: return "numa";
        case bind_policy::socket: return "socket";
    }
    return "?";
}

topo_summary read_topology() {
    topo_summary s;
    hwloc_topology_t t = nullptr;
    if (hwloc_topology_init(&t) != 0) return s;
    if (hwloc_topology_load(t) != 0) {
        hwloc_topology_destroy(t);
        return s;
    }
    // The CPUs mpirun may use: its own binding (taskset, a Slurm cgroup), else all allowed.
    hwloc_bitmap_t allowed = hwloc_bitmap_alloc();
    if (!allowed || hwloc_get_cpubind(t, allowed, HWLOC_CPUBIND_PROCESS) != 0 ||
        hwloc_bitmap_iszero(allowed)) {
        if (allowed) hwloc_bitmap_copy(allowed, hwloc_topology_get_allowed_cpuset(t));
    }
    if (allowed) {
        hwloc_bitmap_and(allowed, allowed, hwloc_topology_get_allowed_cpuset(t));
        for (hwloc_obj_t c = hwloc_get_next_obj_by_type(t, HWLOC_OBJ_CORE, nullptr); c;
             c = hwloc_get_next_obj_by_type(t, HWLOC_OBJ_CORE, c)) {
            if (!c->cpuset) continue;
            topo_core core;
            unsigned cpu;
            hwloc_bitmap_foreach_begin(cpu, c->cpuset) {
                if (hwloc_bitmap_isset(allowed, cpu)) core.cpus.push_back(static_cast<int>(cpu));
            }
            hwloc_bitmap_foreach_end();
            if (core.cpus.empty()) continue;
            // The first NUMA node whose CPUs hold this core's (memory children have CPU sets).
            core.numa = 0;
            for (hwloc_obj_t n = hwloc_get_next_obj_by_type(t, HWLOC_OBJ_NUMANODE, nullptr); n;
                 n = hwloc_get_next_obj_by_type(t, HWLOC_OBJ_NUMANODE, n)) {
                if (n->cpuset && hwloc_bitmap_isincluded(c->cpuset, n->cpuset)) {
                    core.numa = static_cast<int>(n->logical_index);
                    break;
                }
            }
            hwloc_obj_t pkg = hwloc_get_ancestor_obj_by_type(t, HWLOC_OBJ_PACKAGE, c);
            core.package = pkg ? static_cast<int>(pkg->logical_index) : 0;
            s.cores.push_back(std::move(core));
        }
        hwloc_bitmap_free(allowed);
    }
    hwloc_topology_destroy(t);
    return s;
}

namespace {

// Indexes of the cores of each group (NUMA node or package), groups in ascending id order.
std::vector<std::vector<std::size_t>> groups_of(const topo_summary& topo, bool by_numa) {
    std::map<int, std::vector<std::size_t>> g;
    for (std::size_t i = 0; i < topo.cores.size(); ++i)
        g[by_numa ? topo.cores[i].numa : topo.cores[i].package].push_back(i);
    std::vector<std::vector<std::size_t>> out;
    for (auto& [id, cores] : g) out.push_back(std::move(cores));
    return out;
}

// The core local rank `i` is placed on (an index into topo.cores).
std::size_t core_for(const topo_summary& topo, std::uint32_t i, map_policy map) {
    std::size_t n = topo.cores.size();
    if (map == map_policy::core) return i % n;
    auto groups = groups_of(topo, map == map_policy::numa);
    // Round-robin over the groups; the k-th visit to a group takes its k-th core. Past the
    // core count the placement wraps, as for map-by core.
    std::size_t wrapped = i % n;
    std::vector<std::size_t> taken(groups.size(), 0);
    std::size_t g = 0;
    for (std::size_t r = 0;; g = (g + 1) % groups.size()) {
        if (taken[g] >= groups[g].size()) continue;  // this group is full: next one
        std::size_t core = groups[g][taken[g]++];
        if (r++ == wrapped) return core;
    }
}

std::vector<int> cpus_where(const topo_summary& topo, bool by_numa, int id) {
    std::vector<int> cpus;
    for (const topo_core& c : topo.cores)
        if ((by_numa ? c.numa : c.package) == id) cpus.insert(cpus.end(), c.cpus.begin(), c.cpus.end());
    std::sort(cpus.begin(), cpus.end());
    return cpus;
}

std::string cpu_list(const std::vector<int>& cpus) {
    std::string s;
    for (std::size_t i = 0; i < cpus.size();) {
        std::size_t j = i;
        while (j + 1 < cpus.size() && cpus[j + 1] == cpus[j] + 1) ++j;
        if (!s.empty()) s += ',';
        s += std::to_string(cpus[i]);
        if (j > i) s += '-' + std::to_string(cpus[j]);
        i = j + 1;
    }
    return s;
}

}  // namespace

binding_plan plan_binding(const topo_summary& topo, std::uint32_t local_ranks, bind_policy bind,
                          map_policy map) {
    binding_plan plan;
    plan.ranks.resize(local_ranks);
    std::size_t ncores = topo.cores.size();
    if (bind == bind_policy::none) {
        plan.why_unbound = "--bind-to none";
        return plan;
    }
    if (ncores == 0) {
        if (bind != bind_policy::automatic)
            throw launch_error(exit_launch_failed, std::string("--bind-to ") + policy_name(bind) +
                                                       ": cannot read this host's topology (hwloc)");
        plan.why_unbound = "host topology unknown";
        return plan;
    }
    if (bind == bind_policy::automatic) {
        if (local_ranks > ncores) {
            plan.why_unbound = "oversubscribed: " + std::to_string(local_ranks) + " ranks on " +
                               std::to_string(ncores) + (ncores == 1 ? " core" : " cores");
            return plan;
        }
        bind = bind_policy::core;
    }
    plan.applied = bind;
    for (std::uint32_t i = 0; i < local_ranks; ++i) {
        const topo_core& c = topo.cores[core_for(topo, i, map)];
        rank_binding& b = plan.ranks[i];
        switch (bind) {
            case bind_policy::core: {
                std::size_t index = static_cast<std::size_t>(&c - topo.cores.data());
                b.cpus = c.cpus;
                b.object = "core " + std::to_string(index);
                break;
            }
            case bind_policy::numa:
                b.cpus = cpus_where(topo, true, c.numa);
                b.object = "NUMA " + std::to_string(c.numa);
                break;
            default:
                b.cpus = cpus_where(topo, false, c.package);
                b.object = "package " + std::to_string(c.package);
                break;
        }
    }
    return plan;
}

std::string binding_report(const topo_summary& topo, const binding_plan& plan, std::uint32_t rank,
                           std::uint32_t local_rank, const std::string& host, long pid) {
    std::string head = "[" + host + ":" + std::to_string(pid) + "] rank " + std::to_string(rank);
    const rank_binding& b = plan.ranks.at(local_rank);
    if (b.cpus.empty()) return head + " not bound (" + plan.why_unbound + ")";
    std::string map;
    for (std::size_t i = 0; i < topo.cores.size(); ++i) {
        const topo_core& c = topo.cores[i];
        bool new_pkg = i == 0 || c.package != topo.cores[i - 1].package;
        if (new_pkg) map += (i == 0 ? "[" : "][");
        else map += '/';
        for (int cpu : c.cpus)
            map += std::binary_search(b.cpus.begin(), b.cpus.end(), cpu) ? 'B' : '.';
    }
    if (!map.empty()) map += ']';
    return head + " bound to " + b.object + " (cpus " + cpu_list(b.cpus) + "): " + map;
}

void bind_calling_thread(const std::vector<int>& cpus, std::vector<int>* saved) {
    cpu_set_t set;
    if (saved) {
        CPU_ZERO(&set);
        saved->clear();
        if (pthread_getaffinity_np(pthread_self(), sizeof set, &set) == 0)
            for (int c = 0; c < CPU_SETSIZE; ++c)
                if (CPU_ISSET(c, &set)) saved->push_back(c);
    }
    CPU_ZERO(&set);
    for (int c : cpus)
        if (c >= 0 && c < CPU_SETSIZE) CPU_SET(c, &set);
    int rc = pthread_setaffinity_np(pthread_self(), sizeof set, &set);
    if (rc != 0)
        throw launch_error(exit_launch_failed, "sched_setaffinity(" + cpu_list(cpus) + "): " +
                                                   std::strerror(rc));
}

}  // namespace efampi::launcher
