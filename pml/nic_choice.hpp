#pragma once
// Which of several devices of the chosen provider a rank uses: the one nearest to the CPUs the
// rank is bound to (issue 8: "the transport's device choice uses the same topology" as the
// launcher's binding and MPI_Comm_split_type). choose_nearest() is pure and unit-tested;
// pci_locality() and bound_cpus() read the host through hwloc. CPU numbers are the kernel's.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace efampi::pml {

struct PciAddress {
    uint16_t domain = 0;
    uint8_t bus = 0, device = 0, function = 0;
};

// The index of the candidate whose local CPUs (`locality[i]`, ascending; nullopt: unknown)
// best hold `mine` (ascending): first a device whose CPUs contain all of mine, then one that
// shares some, then one that shares none, then unknown; ties go to the lower index (libfabric's
// own order, best first). 0 when `mine` is empty (unbound: nothing to prefer) or no candidate.
std::size_t choose_nearest(const std::vector<std::optional<std::vector<int>>>& locality,
                           const std::vector<int>& mine);

// The CPUs near each PCI device (those of its first non-I/O ancestor in hwloc's tree); nullopt
// for a device hwloc does not list. Loads the topology with its PCI devices (once per call:
// only called when a provider offers several devices).
std::vector<std::optional<std::vector<int>>> pci_locality(const std::vector<PciAddress>& devices);

// The CPUs this process is bound to; empty when it may run on every CPU of the host.
std::vector<int> bound_cpus();

}  // namespace efampi::pml
