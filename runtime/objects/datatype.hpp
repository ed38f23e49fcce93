#pragma once
// Datatypes. The foundation knows the predefined types (a table indexed by handle value);
// derived types come with the datatype engine (issue 4). A predefined type is a contiguous
// block of `extent` bytes of which `size` carry data (pair types such as MPI_DOUBLE_INT have
// padding); messages of count elements move count * extent bytes.
#include <mpi.h>

#include <cstdint>

#include "runtime/objects/handle.hpp"

namespace efampi::rt {

struct Datatype {
    Magic magic = Magic::datatype;
    int64_t size = 0;     // bytes of data in one element
    int64_t extent = 0;   // span of one element
    int64_t lb = 0;
    const char* name = "";
    bool predefined = false;
    bool committed = true;
};

// Predefined types, indexed by handle value - predefined_first (holes have a dead magic).
constexpr uintptr_t predefined_first = 0x200, predefined_last = 0x2ff;
extern Datatype g_predefined_types[predefined_last - predefined_first + 1];  // filled at load

const Datatype* to_type_slow(MPI_Datatype h);
// The type behind `h`, or null when `h` names no datatype (MPI_DATATYPE_NULL included).
inline const Datatype* to_type(MPI_Datatype h) {
    uintptr_t v = handle_value(h);
    if (v - predefined_first <= predefined_last - predefined_first) {
        const Datatype* d = &g_predefined_types[v - predefined_first];
        return d->magic == Magic::datatype ? d : nullptr;
    }
    return to_type_slow(h);
}

}  // namespace efampi::rt
