#include "runtime/state.hpp"

#include <mpi.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "base/errclass.hpp"
#include "collectives/executor.hpp"
#include "collectives/select.hpp"
#include "pml/engine.hpp"
#include "runtime/api/staging.hpp"
#include "runtime/bootstrap/bootstrap_factory.hpp"
#include "runtime/objects/attributes.hpp"
#include "runtime/objects/comm.hpp"
#include "runtime/objects/group.hpp"
#include "runtime/objects/info.hpp"
#include "runtime/objects/op.hpp"

// The error classes the lower layers raise by name (base/errclass.hpp) are the ABI's.
static_assert(efampi::errc::success == MPI_SUCCESS && efampi::errc::arg == MPI_ERR_ARG &&
              efampi::errc::truncate == MPI_ERR_TRUNCATE && efampi::errc::other == MPI_ERR_OTHER &&
              efampi::errc::intern == MPI_ERR_INTERN && efampi::errc::no_mem == MPI_ERR_NO_MEM &&
              efampi::errc::unsupported_operation == MPI_ERR_UNSUPPORTED_OPERATION,
              "base/errclass.hpp disagrees with include/mpi.h");

namespace efampi::rt {

int initialize(int required) {
    State& s = state();
    s.boot = make_bootstrap();
    comms_init(s.boot->rank(), s.boot->size());
    pml::engine().init(*s.boot);
    pml::engine().set_release_hook(api::release_staging);  // derived-type staging buffers
    // Collective selection reads no engine: it is told what the pml found of this host.
    const pml::Engine& e = pml::engine();
    coll::set_machine({e.oversubscribed(), e.oversubscription(), e.local_eager_limit()});
    // The library keeps no per-thread state and takes no locks: calls from one thread at a
    // time are safe (SERIALIZED); concurrent calls are not, so MULTIPLE is never granted.
    s.thread_level = required > MPI_THREAD_SERIALIZED ? MPI_THREAD_SERIALIZED : required;
    if (s.thread_level < MPI_THREAD_SINGLE) s.thread_level = MPI_THREAD_SINGLE;
    s.main_thread = pthread_self();
    s.phase = Phase::running;
    return s.thread_level;
}

void finalize() {
    State& s = state();
    // As if MPI_COMM_SELF were freed first: its attributes' delete callbacks run, the last
    // set first, while MPI still works (libraries hang their cleanup there).
    attr_delete_all(*comm_self());
    comms_flush_buffered();
    pml::engine().finalize();
    comms_finalize();
    groups_finalize();
    infos_finalize();
    ops_finalize();
    types_finalize();
    coll::executor_finalize();
    api::staging_finalize();
    s.boot->finalize();
    s.phase = Phase::finalized;
}

void abort_job(int code, const char* msg) {
    State& s = state();
    std::fflush(stdout);
    if (s.boot) s.boot->abort(code, msg ? msg : "");
    _exit(code ? code : 1);
}

}  // namespace efampi::rt
