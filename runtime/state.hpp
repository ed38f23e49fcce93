#pragma once
// The process-wide state of the library: where it is in its life, the thread level granted,
// and the bootstrap. One instance; touched on setup paths and by the phase checks.
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

// MPI_Init's work; `required` is the thread level asked for; returns the level provided.
int initialize(int required);
void finalize();
[[noreturn]] void abort_job(int code, const char* msg);

}  // namespace efampi::rt
