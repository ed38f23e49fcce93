#pragma once
// What a rank leaves in /dev/shm when it is killed before it can clean up. Everything the
// library puts there is named "efampi.<pid>.<...>" (pml/shm_ring.hpp); when a rank's process
// has been reaped, its names are removed. Normal exits leave nothing: this is for the others.
#include <sys/types.h>

namespace efampi::launcher {

// Removes /dev/shm/efampi.<pid>.* (best effort, errors ignored). Returns how many it removed.
int remove_shm_leftovers(pid_t pid);

}  // namespace efampi::launcher
