// Life cycle and environment entry points: init, finalize, thread queries, abort, versions,
// processor name, timers.
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <ctime>
#include <string>

#include "pml/engine.hpp"
#include "runtime/api/call.hpp"
#include "runtime/api/check.hpp"
#include "runtime/objects/attributes.hpp"
#include "runtime/objects/comm.hpp"
#include "runtime/state.hpp"

using namespace efampi;

namespace {

int init_common(const char* fn, int required, int* provided) {
    rt::State& s = rt::state();
    if (s.world_init || s.phase == rt::Phase::finalized) {
        std::fprintf(stderr, "efampi: %s called %s; aborting\n", fn,
                     s.world_finalized || s.phase == rt::Phase::finalized ? "after MPI_Finalize"
                                                                         : "twice");
        std::_Exit(1);
    }
    if (s.phase == rt::Phase::running) {  // a session started the library already
        s.world_init = true;
        if (provided) *provided = s.thread_level;
        return MPI_SUCCESS;
    }
    try {
        int level = rt::initialize(required);
        s.world_init = true;
        if (provided) *provided = level;
        return MPI_SUCCESS;
    } catch (const Error& e) {
        std::fprintf(stderr, "efampi: %s failed: %s\n", fn, e.msg.c_str());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "efampi: %s failed: %s\n", fn, e.what());
    } catch (...) {
        std::fprintf(stderr, "efampi: %s failed: unknown internal failure\n", fn);
    }
    // Errors during initialisation are fatal (MPI_ERRORS_ARE_FATAL is the default handler).
    std::fflush(stderr);
    if (s.boot) s.boot->abort(1, std::string(fn) + " failed");
    std::_Exit(1);
}

void copy_string(const std::string& s, char* out, int* len, size_t max) {
    size_t n = s.size() < max - 1 ? s.size() : max - 1;
    std::memcpy(out, s.data(), n);
    out[n] = '\0';
    *len = static_cast<int>(n);
}

}  // namespace

extern "C" int PMPI_Init(int* argc, char*** argv) {
    (void)argc;
    (void)argv;
    return init_common("MPI_Init", MPI_THREAD_SINGLE, nullptr);
}
EFAMPI_ALIAS(Init)

extern "C" int PMPI_Init_thread(int* argc, char*** argv, int required, int* provided) {
    (void)argc;
    (void)argv;
    return init_common("MPI_Init_thread", required, provided);
}
EFAMPI_ALIAS(Init_thread)

extern "C" int PMPI_Finalize(void) {
    return api::call(MPI_COMM_WORLD, "MPI_Finalize", [] {
        rt::State& s = rt::state();
        if (!s.world_init) throw Error(MPI_ERR_OTHER, "MPI_Init was not called (only sessions)");
        if (s.world_finalized) throw Error(MPI_ERR_OTHER, "MPI_Finalize was called already");
        s.world_finalized = true;
        // Sessions still open keep the library running (the last MPI_Session_finalize ends
        // it); the world model's part ends here: MPI_COMM_SELF's attributes are deleted.
        if (s.sessions > 0) rt::attr_delete_all(*rt::comm_self());
        else rt::finalize();
        return MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Finalize)

extern "C" int PMPI_Initialized(int* flag) {
    if (!flag) return MPI_ERR_ARG;
    *flag = rt::state().world_init;  // MPI_Init was called (sessions do not count)
    return MPI_SUCCESS;
}
EFAMPI_ALIAS(Initialized)

extern "C" int PMPI_Finalized(int* flag) {
    if (!flag) return MPI_ERR_ARG;
    *flag = rt::state().world_finalized;
    return MPI_SUCCESS;
}
EFAMPI_ALIAS(Finalized)

extern "C" int PMPI_Query_thread(int* provided) {
    return api::call(api::no_object, "MPI_Query_thread", [&] {
        if (!provided) api::bad_arg("provided pointer is NULL");
        *provided = rt::state().thread_level;
        return MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Query_thread)

extern "C" int PMPI_Is_thread_main(int* flag) {
    return api::call(api::no_object, "MPI_Is_thread_main", [&] {
        if (!flag) api::bad_arg("flag pointer is NULL");
        *flag = pthread_equal(pthread_self(), rt::state().main_thread) != 0;
        return MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Is_thread_main)

extern "C" int PMPI_Abort(MPI_Comm comm, int errorcode) {
    rt::State& s = rt::state();
    int rank = s.phase == rt::Phase::running ? rt::comm_world()->rank : -1;
    (void)comm;  // every communicator aborts the whole job for now
    std::fflush(stdout);
    if (s.phase != rt::Phase::running) {
        std::fprintf(stderr, "efampi: MPI_Abort called by rank %d with error code %d\n", rank,
                     errorcode);
        std::_Exit(errorcode ? errorcode : 1);
    }
    // The launcher reports the rank and the code; there is nothing to add.
    rt::abort_job(errorcode, "");
}
EFAMPI_ALIAS(Abort)

extern "C" int PMPI_Get_version(int* version, int* subversion) {
    if (!version || !subversion) return MPI_ERR_ARG;
    *version = MPI_VERSION;
    *subversion = MPI_SUBVERSION;
    return MPI_SUCCESS;
}
EFAMPI_ALIAS(Get_version)

extern "C" int PMPI_Abi_get_version(int* abi_major, int* abi_minor) {
    if (!abi_major || !abi_minor) return MPI_ERR_ARG;
    *abi_major = MPI_ABI_VERSION;
    *abi_minor = MPI_ABI_SUBVERSION;
    return MPI_SUCCESS;
}
EFAMPI_ALIAS(Abi_get_version)

extern "C" int PMPI_Get_library_version(char* version, int* resultlen) {
    if (!version || !resultlen) return MPI_ERR_ARG;
    char s[MPI_MAX_LIBRARY_VERSION_STRING];
    int n = std::snprintf(s, sizeof s,
                          "efampi %s (MPI %d.%d functions on the MPI 5.0 standard ABI %d.%d; "
                          "point-to-point over libfabric %s; see docs/implemented.md for what "
                          "is implemented)",
                          EFAMPI_VERSION, MPI_VERSION, MPI_SUBVERSION, MPI_ABI_VERSION,
                          MPI_ABI_SUBVERSION, EFAMPI_FABRIC_VERSION);
    std::memcpy(version, s, sizeof s);
    *resultlen = n < static_cast<int>(sizeof s) ? n : static_cast<int>(sizeof s) - 1;
    return MPI_SUCCESS;
}
EFAMPI_ALIAS(Get_library_version)

extern "C" int PMPI_Get_processor_name(char* name, int* resultlen) {
    return api::call(api::no_object, "MPI_Get_processor_name", [&] {
        if (!name || !resultlen) api::bad_arg("name or resultlen pointer is NULL");
        char host[MPI_MAX_PROCESSOR_NAME] = {};
        if (gethostname(host, sizeof host - 1) != 0) std::strcpy(host, "unknown");
        copy_string(host, name, resultlen, MPI_MAX_PROCESSOR_NAME);
        return MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Get_processor_name)

extern "C" double PMPI_Wtime(void) {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}
EFAMPI_ALIAS(Wtime)

extern "C" double PMPI_Wtick(void) {
    timespec ts;
    clock_getres(CLOCK_MONOTONIC, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}
EFAMPI_ALIAS(Wtick)
