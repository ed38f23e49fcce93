// The error path of the C boundary (api::raise and friends) and the error-handling entry
// points: MPI_Error_string/class and the classes, codes and strings added by the program.
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <new>
#include <string>
#include <vector>

#include "runtime/api/call.hpp"
#include "runtime/api/check.hpp"
#include "runtime/objects/comm.hpp"
#include "runtime/objects/errhandler.hpp"
#include "runtime/objects/error_codes.hpp"
#include "runtime/state.hpp"

namespace efampi::api {

namespace {

// Name and text of every predefined error class, indexed by class: messages print the name
// (so a user can grep the standard for it), MPI_Error_string gives the text.
struct ClassInfo {
    const char* name;
    const char* text;
};
const ClassInfo classes[] = {
    {"MPI_SUCCESS", "no error"},
    {"MPI_ERR_BUFFER", "invalid buffer pointer"},
    {"MPI_ERR_COUNT", "invalid count argument"},
    {"MPI_ERR_TYPE", "invalid datatype"},
    {"MPI_ERR_TAG", "invalid tag"},
    {"MPI_ERR_COMM", "invalid communicator"},
    {"MPI_ERR_RANK", "invalid rank"},
    {"MPI_ERR_REQUEST", "invalid request"},
    {"MPI_ERR_ROOT", "invalid root"},
    {"MPI_ERR_GROUP", "invalid group"},
    {"MPI_ERR_OP", "invalid operation"},
    {"MPI_ERR_TOPOLOGY", "invalid topology"},
    {"MPI_ERR_DIMS", "invalid dimension argument"},
    {"MPI_ERR_ARG", "invalid argument"},
    {"MPI_ERR_UNKNOWN", "unknown error"},
    {"MPI_ERR_TRUNCATE", "message truncated"},
    {"MPI_ERR_OTHER", "other error"},
    {"MPI_ERR_INTERN", "internal error"},
    {"MPI_ERR_PENDING", "pending request"},
    {"MPI_ERR_IN_STATUS", "error code in status"},
    {"MPI_ERR_ACCESS", "permission denied"},
    {"MPI_ERR_AMODE", "invalid file access mode"},
    {"MPI_ERR_ASSERT", "invalid assert argument"},
    {"MPI_ERR_BAD_FILE", "invalid file name"},
    {"MPI_ERR_BASE", "invalid base argument"},
    {"MPI_ERR_CONVERSION", "data conversion error"},
    {"MPI_ERR_DISP", "invalid displacement argument"},
    {"MPI_ERR_DUP_DATAREP", "data representation already registered"},
    {"MPI_ERR_FILE_EXISTS", "file exists"},
    {"MPI_ERR_FILE_IN_USE", "file in use"},
    {"MPI_ERR_FILE", "invalid file handle"},
    {"MPI_ERR_INFO_KEY", "invalid info key"},
    {"MPI_ERR_INFO_NOKEY", "info key not found"},
    {"MPI_ERR_INFO_VALUE", "invalid info value"},
    {"MPI_ERR_INFO", "invalid info object"},
    {"MPI_ERR_IO", "I/O error"},
    {"MPI_ERR_KEYVAL", "invalid keyval"},
    {"MPI_ERR_LOCKTYPE", "invalid lock type"},
    {"MPI_ERR_NAME", "name not found"},
    {"MPI_ERR_NO_MEM", "out of memory"},
    {"MPI_ERR_NOT_SAME", "collective argument not identical on all processes"},
    {"MPI_ERR_NO_SPACE", "no space left"},
    {"MPI_ERR_NO_SUCH_FILE", "no such file"},
    {"MPI_ERR_PORT", "invalid port name"},
    {"MPI_ERR_QUOTA", "quota exceeded"},
    {"MPI_ERR_READ_ONLY", "read-only file or file system"},
    {"MPI_ERR_RMA_ATTACH", "invalid window attach"},
    {"MPI_ERR_RMA_CONFLICT", "conflicting RMA accesses"},
    {"MPI_ERR_RMA_RANGE", "RMA target outside the window"},
    {"MPI_ERR_RMA_SHARED", "RMA shared-memory error"},
    {"MPI_ERR_RMA_SYNC", "wrong RMA synchronisation"},
    {"MPI_ERR_SERVICE", "name service error"},
    {"MPI_ERR_SIZE", "invalid size argument"},
    {"MPI_ERR_SPAWN", "spawn failed"},
    {"MPI_ERR_UNSUPPORTED_DATAREP", "unsupported data representation"},
    {"MPI_ERR_UNSUPPORTED_OPERATION", "operation not supported (yet) by efampi"},
    {"MPI_ERR_WIN", "invalid window"},
    {"MPI_ERR_RMA_FLAVOR", "invalid window flavor"},
    {"MPI_ERR_PROC_ABORTED", "process aborted"},
    {"MPI_ERR_VALUE_TOO_LARGE", "value too large"},
    {"MPI_ERR_SESSION", "invalid session"},
    {"MPI_ERR_ERRHANDLER", "invalid error handler"},
};
constexpr int n_classes = static_cast<int>(sizeof classes / sizeof classes[0]);
static_assert(MPI_ERR_ERRHANDLER + 1 == n_classes, "one entry per error class");

// The name of class `cls` for messages, into `buf` when it has none of its own (a class or
// code added by the program). No allocation: the fatal path must not fail.
const char* class_name(int cls, char* buf, size_t n) {
    if (cls >= 0 && cls < n_classes) return classes[cls].name;
    std::snprintf(buf, n, "error code %d, added by the program", cls);
    return buf;
}


// The detail of the most recent error, so that MPI_Error_string on the code a call returned
// under MPI_ERRORS_RETURN says what was wrong, not only the class.
thread_local std::string last_detail;
thread_local int last_class = MPI_SUCCESS;

}  // namespace

int n_classes_public() { return n_classes; }
const char* class_name_of(int cls, char* buf, size_t n) { return class_name(cls, buf, n); }
const char* class_text_of(int cls) { return classes[cls].text; }
std::string last_detail_for(int cls) { return cls == last_class ? last_detail : std::string(); }

int raise(MPI_Comm comm, const char* fn, int cls, const char* msg) noexcept {
    rt::Comm* c = rt::to_comm(comm);
    if (!c) {
        // No object (or an invalid handle): SELF's handler unless it is the default
        // (MPI_ERRORS_ARE_FATAL) and WORLD's is not, then WORLD's (api::no_object).
        rt::Comm* self = rt::comm_self();
        rt::Comm* world = rt::comm_world();
        auto fatal = [](const rt::Comm* x) { return !x->errh || x->errh->kind == rt::ErrKind::fatal; };
        c = fatal(self) && !fatal(world) ? world : self;
    }
    rt::Errhandler* e = c->errh ? c->errh : rt::errhandler_fatal();
    try {
        last_detail = std::string(fn) + ": " + msg;
        last_class = cls;
    } catch (...) {
    }
    switch (e->kind) {
        case rt::ErrKind::ret:
            return cls;
        case rt::ErrKind::user: {
            MPI_Comm h = c->handle;
            int code = cls;
            e->fn(&h, &code);
            return code;
        }
        case rt::ErrKind::fatal:
        case rt::ErrKind::abort:
            break;
    }
    int rank = rt::comm_world()->rank;
    char line[1024];
    char name[64];
    std::snprintf(line, sizeof line, "efampi: rank %d: %s: %s (%s)", rank, fn, msg,
                  class_name(cls, name, sizeof name));
    std::fprintf(stderr, "%s\n", line);
    std::fflush(stderr);
    rt::abort_job(cls, line);
}

int unsupported(const char* fn) noexcept { return unsupported_on(no_object, fn); }

int unsupported_anytime(const char* fn) noexcept {
    if (rt::state().phase == rt::Phase::running) return unsupported(fn);
    try {
        throw Error(MPI_ERR_UNSUPPORTED_OPERATION,
                    "not implemented yet in efampi (see docs/implemented.md)");
    } catch (...) {
        return returned_error(fn);
    }
}

int unsupported_on(MPI_Comm comm, const char* fn) noexcept {
    require_initialized(fn);
    return raise(comm, fn, MPI_ERR_UNSUPPORTED_OPERATION,
                 "not implemented yet in efampi (see docs/implemented.md)");
}

void not_initialized(const char* fn) noexcept {
    rt::Phase p = rt::state().phase;
    std::fprintf(stderr, "efampi: %s called %s; aborting\n", fn,
                 p == rt::Phase::before_init ? "before MPI_Init" : "after MPI_Finalize");
    std::fflush(stderr);
    std::_Exit(1);
}

int returned_error(const char* fn) noexcept {
    int cls = MPI_ERR_INTERN;
    const char* what = "unknown internal failure";
    try {
        throw;
    } catch (const Error& e) {
        cls = e.cls;
        what = e.msg.c_str();
        try {
            last_detail = std::string(fn) + ": " + what;
        } catch (...) {
        }
        last_class = cls;
        return cls;
    } catch (const std::bad_alloc&) {
        cls = MPI_ERR_NO_MEM;
        what = "out of memory";
    } catch (...) {
    }
    try {
        last_detail = std::string(fn) + ": " + what;
    } catch (...) {
    }
    last_class = cls;
    return cls;
}

int call_slow(MPI_Comm comm, const char* fn) noexcept {
    try {
        throw;
    } catch (const Error& e) {
        return raise(comm, fn, e.cls, e.msg.c_str());
    } catch (const std::bad_alloc&) {
        return raise(comm, fn, MPI_ERR_NO_MEM, "out of memory");
    } catch (const std::exception& e) {
        return raise(comm, fn, MPI_ERR_INTERN, e.what());
    } catch (...) {
        return raise(comm, fn, MPI_ERR_INTERN, "unknown internal failure");
    }
}

}  // namespace efampi::api

using namespace efampi;

namespace {
// Error_class and Error_string work at any time, also before MPI_Init (then bad input is
// returned, there is no handler yet to call).
int bad_code(const char* fn, int errorcode) noexcept {
    if (rt::state().phase != rt::Phase::running) return MPI_ERR_ARG;
    char msg[96];
    std::snprintf(msg, sizeof msg, "error code %d is not valid", errorcode);
    return api::raise(api::no_object, fn, MPI_ERR_ARG, msg);
}
}  // namespace

// Error classes and codes added by the program: runtime/objects/error_codes.hpp.
namespace efampi::api {
using rt::add_user_code;
using rt::user_code;
using rt::UserCode;
}  // namespace efampi::api

namespace {
// The class of a predefined or added error code, or -1 when `errorcode` is neither.
int class_of(int errorcode) {
    if (errorcode >= 0 && errorcode < api::n_classes_public()) return errorcode;
    const api::UserCode* u = api::user_code(errorcode);
    return u ? u->cls : -1;
}
}  // namespace

extern "C" int PMPI_Error_class(int errorcode, int* errorclass) {
    int cls = class_of(errorcode);
    if (!errorclass || cls < 0) return bad_code("MPI_Error_class", errorcode);
    *errorclass = cls;
    return MPI_SUCCESS;
}
EFAMPI_ALIAS(Error_class)

extern "C" int PMPI_Error_string(int errorcode, char* string, int* resultlen) {
    if (!string || !resultlen || class_of(errorcode) < 0)
        return bad_code("MPI_Error_string", errorcode);
    if (const api::UserCode* u = api::user_code(errorcode)) {
        // Exactly the string the program set (MPI_MAX_ERROR_STRING - 1 at most), "" if none.
        std::memcpy(string, u->text.c_str(), u->text.size() + 1);
        *resultlen = static_cast<int>(u->text.size());
        return MPI_SUCCESS;
    }
    try {
        std::string s = api::class_text_of(errorcode);
        std::string d = api::last_detail_for(errorcode);
        if (!d.empty()) s += " (" + d + ")";
        if (s.size() > MPI_MAX_ERROR_STRING - 1) s.resize(MPI_MAX_ERROR_STRING - 1);
        std::memcpy(string, s.c_str(), s.size() + 1);
        *resultlen = static_cast<int>(s.size());
    } catch (...) {  // no memory for the detail: the class text alone
        const char* t = api::class_text_of(errorcode);
        size_t n = std::strlen(t);
        std::memcpy(string, t, n + 1);
        *resultlen = static_cast<int>(n);
    }
    return MPI_SUCCESS;
}
EFAMPI_ALIAS(Error_string)

extern "C" int PMPI_Add_error_class(int* errorclass) {
    return api::call(api::no_object, "MPI_Add_error_class", [&] {
        if (!errorclass) api::bad_arg("errorclass pointer is NULL");
        *errorclass = api::add_user_code(-1);
        return MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Add_error_class)

extern "C" int PMPI_Add_error_code(int errorclass, int* errorcode) {
    return api::call(api::no_object, "MPI_Add_error_code", [&] {
        if (!errorcode) api::bad_arg("errorcode pointer is NULL");
        bool is_class = (errorclass > MPI_SUCCESS && errorclass < api::n_classes_public()) ||
                        (api::user_code(errorclass) &&
                         api::user_code(errorclass)->cls == errorclass);
        if (!is_class)
            throw Error(MPI_ERR_ARG, "errorclass " + std::to_string(errorclass) +
                                         " is not an error class (predefined or added)");
        *errorcode = api::add_user_code(errorclass);
        return MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Add_error_code)

extern "C" int PMPI_Add_error_string(int errorcode, const char* string) {
    return api::call(api::no_object, "MPI_Add_error_string", [&] {
        api::UserCode* u = api::user_code(errorcode);
        if (!u)
            throw Error(MPI_ERR_ARG,
                        "error code " + std::to_string(errorcode) +
                            (errorcode >= 0 && errorcode <= MPI_ERR_LASTCODE
                                 ? " is predefined: its string cannot be changed"
                                 : " was not added by MPI_Add_error_class/code"));
        if (!string) api::bad_arg("string is NULL");
        size_t n = strnlen(string, MPI_MAX_ERROR_STRING);
        if (n >= MPI_MAX_ERROR_STRING)
            throw Error(MPI_ERR_ARG, "string is longer than MPI_MAX_ERROR_STRING - 1 = " +
                                         std::to_string(MPI_MAX_ERROR_STRING - 1) +
                                         " characters");
        u->text.assign(string, n);
        return MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Add_error_string)
