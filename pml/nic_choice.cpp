// Nearest-device choice (see nic_choice.hpp and pml/README.md, "Transports").
#include "pml/nic_choice.hpp"

#include <hwloc.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>

namespace efampi::pml {

std::size_t choose_nearest(const std::vector<std::optional<std::vector<int>>>& locality,
                           const std::vector<int>& mine) {
    if (mine.empty() || locality.empty()) return 0;
    auto score = [&](const std::optional<std::vector<int>>& near) {
        if (!near) return 3;
        if (std::includes(near->begin(), near->end(), mine.begin(), mine.end())) return 0;
        for (int c : mine)
            if (std::binary_search(near->begin(), near->end(), c)) return 1;
        return 2;
    };
    std::size_t best = 0;
    int best_score = score(locality[0]);
    for (std::size_t i = 1; i < locality.size(); ++i) {
        int s = score(locality[i]);
        if (s < best_score) {
            best = i;
            best_score = s;
        }
    }
    return best;
}

namespace {

std::vector<int> to_list(hwloc_const_bitmap_t set) {
    std::vector<int> out;
    unsigned cpu;
    hwloc_bitmap_foreach_begin(cpu, set) { out.push_back(static_cast<int>(cpu)); }
    hwloc_bitmap_foreach_end();
    return out;
}

}  // namespace

std::vector<std::optional<std::vector<int>>> pci_locality(const std::vector<PciAddress>& devices) {
    std::vector<std::optional<std::vector<int>>> out(devices.size());
    hwloc_topology_t t = nullptr;
    if (hwloc_topology_init(&t) != 0) return out;
    // Only the PCI devices are needed, not the OS devices below them or the bridges' details.
    hwloc_topology_set_io_types_filter(t, HWLOC_TYPE_FILTER_KEEP_IMPORTANT);
    // Read them from Linux's sysfs (hwloc's linux component) rather than through the pci
    // plugin: that one loads libpciaccess, slower, and its allocations outlive the topology.
    hwloc_topology_set_components(t, HWLOC_TOPOLOGY_COMPONENTS_FLAG_BLACKLIST, "pci");
    if (hwloc_topology_load(t) == 0) {
        for (std::size_t i = 0; i < devices.size(); ++i) {
            const PciAddress& d = devices[i];
            hwloc_obj_t pci = hwloc_get_pcidev_by_busid(t, d.domain, d.bus, d.device, d.function);
            if (!pci) continue;
            hwloc_obj_t near = hwloc_get_non_io_ancestor_obj(t, pci);
            if (near && near->cpuset) out[i] = to_list(near->cpuset);
        }
    }
    hwloc_topology_destroy(t);
    return out;
}

std::vector<int> bound_cpus() {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) != 0) return {};
    std::vector<int> mine;
    for (int c = 0; c < CPU_SETSIZE; ++c)
        if (CPU_ISSET(c, &set)) mine.push_back(c);
    // Unbound: the mask holds every online CPU. Then there is nothing to prefer.
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    if (online > 0 && static_cast<long>(mine.size()) >= online) return {};
    return mine;
}

}  // namespace efampi::pml
