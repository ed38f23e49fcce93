#pragma once
// The C boundary. Every PMPI_ entry point validates its arguments, calls into the library and
// translates the outcome through api::call, which is noexcept: no C++ exception ever crosses
// extern "C". MPI_X is a weak alias of PMPI_X so that profilers can interpose (EFAMPI_ALIAS).
#include <mpi.h>

#include "base/error.hpp"
#include "runtime/state.hpp"

namespace efampi::api {

// Raise error class `cls` with message `msg` from function `fn` on the error handler of `comm`
// (MPI_COMM_SELF's when the error belongs to no object). Returns what the C call must return:
// the error code for MPI_ERRORS_RETURN / a returning user handler; never returns for fatal ones.
int raise(MPI_Comm comm, const char* fn, int cls, const char* msg) noexcept;

// The standard body of a function not implemented yet: MPI_ERR_UNSUPPORTED_OPERATION through
// the error handler, with a message naming the function.
int unsupported(const char* fn) noexcept;
int unsupported_on(MPI_Comm comm, const char* fn) noexcept;

// Calls before MPI_Init or after MPI_Finalize: print a clear message and abort the process.
[[noreturn]] void not_initialized(const char* fn) noexcept;
inline void require_initialized(const char* fn) noexcept {
    if (__builtin_expect(rt::state().phase != rt::Phase::running, 0)) not_initialized(fn);
}

int call_slow(MPI_Comm comm, const char* fn) noexcept;  // maps the in-flight exception

// Runs `body` (returning an MPI error class, MPI_SUCCESS normally) for function `fn` whose errors
// go to `comm`'s handler. Exceptions are mapped: efampi::Error to its class, std::bad_alloc to
// MPI_ERR_NO_MEM, anything else to MPI_ERR_INTERN.
template <class F>
inline int call(MPI_Comm comm, const char* fn, F&& body) noexcept {
    require_initialized(fn);
    try {
        return body();
    } catch (...) {
        return call_slow(comm, fn);
    }
}

}  // namespace efampi::api

#define EFAMPI_ALIAS(name) \
    extern "C" decltype(PMPI_##name) MPI_##name __attribute__((weak, alias("PMPI_" #name)));
