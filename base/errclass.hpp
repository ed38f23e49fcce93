#pragma once
// The MPI error classes that layers below the runtime raise (they do not include mpi.h), by
// name, with their values in the MPI standard ABI. runtime/api/errors.cpp checks each against
// include/mpi.h at compile time.
namespace efampi::errc {

constexpr int success = 0;
constexpr int arg = 13;
constexpr int truncate = 15;
constexpr int other = 16;
constexpr int intern = 17;
constexpr int no_mem = 39;
constexpr int unsupported_operation = 55;

}  // namespace efampi::errc
