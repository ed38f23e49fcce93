#pragma once
// MPI_Init's and MPI_Finalize's work over every layer. The process state they move
// (rt::state(): phase, thread level, bootstrap) is in runtime/objects/process.hpp, so the MPI
// objects can read it without including this layer.
#include "runtime/objects/process.hpp"

namespace efampi::rt {

// MPI_Init's work; `required` is the thread level asked for; returns the level provided.
int initialize(int required);
void finalize();
[[noreturn]] void abort_job(int code, const char* msg);

}  // namespace efampi::rt
