#pragma once
// Runs schedules on the pml. Blocking collectives run one to completion in the caller's wait
// loop; nonblocking and persistent ones are "active" executions advanced by a progress hook
// (pml::Engine::set_progress_hook) that every wait, test and probe drives, so they move during
// any MPI call (DESIGN.md §6, style note 6).
//
// An execution posts every message of a round, and when they have all completed runs the
// round's local steps and posts the next round. Its request (a pml::Request whose `coll`
// points back at the execution) completes with the first error any message reported.
#include "collectives/schedule.hpp"
#include "pml/request.hpp"

namespace efampi::coll {

struct Exec;

// A schedule to build for a nonblocking or persistent collective (owned until start or drop).
Exec* exec_acquire();
Schedule& exec_schedule(Exec* x);
// Gives back an execution that was never started (the build failed).
void exec_drop(Exec* x);

// A continuation (nonblocking executions only): when every round of the schedule has run,
// `fn(arg, schedule, err)` is called; it may build the schedule again (reset with the same
// view and tag) and return true to run that too, or return false to end the execution, whose
// request completes with `err` (which fn may set, an MPI error class). It is also called, with
// err set, when the execution fails, and must then release `arg` and return false. It runs
// inside the progress hook: it must not block or throw.
using Then = bool (*)(void* arg, Schedule& s, int& err);
void exec_then(Exec* x, Then fn, void* arg);

// Nonblocking: starts `x` (taking it over) and returns its request; the execution goes back
// to the pool once it completes. Persistent: the request is inactive until start_persistent.
pml::Request* start_nonblocking(Exec* x, void* owner);
pml::Request* make_persistent(Exec* x, void* owner);
// MPI_Start on a persistent collective request (inactive).
void start_persistent(pml::Request* r);
// MPI_Request_free on a persistent collective request: its execution is dropped now when
// inactive, else when the running operation completes.
void free_persistent(pml::Request* r);

// The schedule the blocking collectives build into (reused: nothing allocated once warm), and
// running it to completion. Returns 0 or an MPI error class.
Schedule& blocking_schedule();
int run_blocking();

// At MPI_Finalize: frees the executions kept for reuse.
void executor_finalize();

// Executions in flight (tests).
int active_count();

}  // namespace efampi::coll
