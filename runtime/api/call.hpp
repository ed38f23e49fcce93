#pragma once
// The C boundary. Every PMPI_ entry point validates its arguments, calls into the library and
// translates the outcome through api::call, which is noexcept: no C++ exception ever crosses
// extern "C". MPI_X is a weak alias of PMPI_X so that profilers can interpose (EFAMPI_ALIAS).
#include <mpi.h>

#include <cstdint>

#include "base/error.hpp"
#include "runtime/state.hpp"

namespace efampi::api {

// The `comm` of calls tied to no communicator, window, file or session (datatypes, groups,
// info, ops, keyvals, request completion without an owner, ...). Their errors go to
// MPI_COMM_SELF's handler (MPI 4.0's rule), unless that is still MPI_ERRORS_ARE_FATAL and
// MPI_COMM_WORLD's is not: then to WORLD's (older codes set MPI_ERRORS_RETURN on WORLD and
// expect it to apply; other MPIs honour that). So do the errors of calls given an invalid
// communicator handle. A value no communicator has.
inline const MPI_Comm no_object = reinterpret_cast<MPI_Comm>(static_cast<uintptr_t>(0xfff));

// Raise error class `cls` with message `msg` from function `fn` on the error handler of `comm`
// (see no_object for errors that belong to no object). Returns what the C call must return:
// the error code for MPI_ERRORS_RETURN / a returning user handler; never returns for fatal ones.
int raise(MPI_Comm comm, const char* fn, int cls, const char* msg) noexcept;

// The standard body of a function not implemented yet: MPI_ERR_UNSUPPORTED_OPERATION through
// the error handler, with a message naming the function.
int unsupported(const char* fn) noexcept;
int unsupported_on(MPI_Comm comm, const char* fn) noexcept;
// The same for a function allowed at any time (the session calls): outside the running phase
// MPI_ERR_UNSUPPORTED_OPERATION is returned (no handler can take it), not a phase abort.
int unsupported_anytime(const char* fn) noexcept;

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

// The name of error class `cls` for messages ("MPI_ERR_TAG"; `buf` holds the text for a class
// the program added).
const char* class_name_of(int cls, char* buf, size_t n);

// The in-flight exception as the error class a call returns, without an error handler (for
// calls outside the running phase); the detail is kept for MPI_Error_string.
int returned_error(const char* fn) noexcept;

// Like call, for the functions the standard allows before MPI_Init and after MPI_Finalize
// (MPI 4.1 §11.4.1: the info calls, MPI_Errhandler_free, ...). While MPI runs they are
// ordinary calls; outside, there is no communicator whose handler could take an error, so
// the error class is returned (as MPI_Info_create_env always did).
template <class F>
inline int call_anytime(MPI_Comm comm, const char* fn, F&& body) noexcept {
    if (__builtin_expect(rt::state().phase == rt::Phase::running, 1))
        return call(comm, fn, static_cast<F&&>(body));
    try {
        return body();
    } catch (...) {
        return returned_error(fn);
    }
}

}  // namespace efampi::api

#define EFAMPI_ALIAS(name) \
    extern "C" decltype(PMPI_##name) MPI_##name __attribute__((weak, alias("PMPI_" #name)));
