#pragma once
// The process as the MPI objects see it: where the library is in its life, the thread level
// granted, and the bootstrap. One instance; touched on setup paths and by the phase checks.
// It lives here, not with MPI_Init's work (runtime/state.hpp), because objects read it
// (MPI_INFO_ENV's maxprocs and thread_level) and may not include the layer above them.
#include <pthread.h>

#include <memory>

#include "base/bootstrap.hpp"

namespace efampi::rt {

enum class Phase { before_init, running, finalized };

struct State {
    // `phase` is the library's: running from the first MPI_Init or MPI_Session_init to the
    // end of the last of MPI_Finalize and MPI_Session_finalize. The world model's own steps
    // are the two flags (MPI_Initialized / MPI_Finalized); `sessions` counts live sessions.
    Phase phase = Phase::before_init;
    bool world_init = false;
    bool world_finalized = false;
    int sessions = 0;
    int thread_level = 0;
    pthread_t main_thread{};
    std::unique_ptr<Bootstrap> boot;
};

extern State g_state;  // one per process; a plain global so the phase check costs one load
inline State& state() { return g_state; }

}  // namespace efampi::rt
