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

// The type behind `h`, or null when `h` names no datatype (MPI_DATATYPE_NULL included).
const Datatype* to_type(MPI_Datatype h);

}  // namespace efampi::rt
