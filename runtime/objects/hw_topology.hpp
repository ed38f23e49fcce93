#pragma once
// The host's hardware topology (hwloc), for MPI_Comm_split_type(MPI_COMM_TYPE_HW_GUIDED):
// which object of a given type holds this process's CPU binding.
#include <string>

namespace efampi::rt {

// The logical index of the object of type `type` (an hwloc type name such as "NUMANode",
// "Package", "L3Cache", "Core") whose CPUs include every CPU this process may run on; -1 when
// the process may run on CPUs of several such objects (unbound, or bound across them); -2 when
// `type` names no hwloc object type or the topology cannot be read.
int hw_object_index(const std::string& type);

}  // namespace efampi::rt
