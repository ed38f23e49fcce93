#include "runtime/objects/hw_topology.hpp"

#include <hwloc.h>

namespace efampi::rt {

namespace {

// Loaded once, on first use (a few milliseconds), kept for the life of the process.
hwloc_topology_t topology() {
    static hwloc_topology_t topo = [] {
        hwloc_topology_t t = nullptr;
        if (hwloc_topology_init(&t) != 0) return static_cast<hwloc_topology_t>(nullptr);
        if (hwloc_topology_load(t) != 0) {
            hwloc_topology_destroy(t);
            return static_cast<hwloc_topology_t>(nullptr);
        }
        return t;
    }();
    return topo;
}

}  // namespace

int hw_object_index(const std::string& type) {
    hwloc_topology_t t = topology();
    if (!t) return -2;
    hwloc_obj_type_t ot;
    if (hwloc_type_sscanf(type.c_str(), &ot, nullptr, 0) != 0) return -2;
    hwloc_bitmap_t bound = hwloc_bitmap_alloc();
    if (!bound) return -2;
    if (hwloc_get_cpubind(t, bound, HWLOC_CPUBIND_PROCESS) != 0)
        hwloc_bitmap_copy(bound, hwloc_topology_get_allowed_cpuset(t));
    int found = -1;
    for (hwloc_obj_t o = hwloc_get_next_obj_by_type(t, ot, nullptr); o;
         o = hwloc_get_next_obj_by_type(t, ot, o)) {
        if (o->cpuset && !hwloc_bitmap_iszero(o->cpuset) && hwloc_bitmap_isincluded(bound, o->cpuset)) {
            found = static_cast<int>(o->logical_index);
            break;
        }
    }
    hwloc_bitmap_free(bound);
    return found;
}

}  // namespace efampi::rt
