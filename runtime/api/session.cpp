// The sessions model (MPI 4.1 §11.3): MPI_Session_init / finalize, the two process sets every
// MPI defines (mpi://WORLD, mpi://SELF), groups from them, communicators from groups, and the
// session error handlers.
//
// The library starts at the first MPI_Init or MPI_Session_init and ends at the last of
// MPI_Finalize and MPI_Session_finalize (rt::State: world_init / world_finalized / sessions);
// it cannot start again after it ended (an error, not an abort, for MPI_Session_init then).
// While a session is open, calls on world objects after MPI_Finalize are not refused.
// Errors of a session call go to the session's handler (given to MPI_Session_init); those of
// calls without a valid session to the handler of calls of no object.
// Not yet: MPI_Session_attach_buffer and friends, MPI_Intercomm_create_from_groups.
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include <strings.h>

#include "runtime/api/call.hpp"
#include "runtime/api/check.hpp"
#include "runtime/objects/errhandler.hpp"
#include "runtime/objects/group.hpp"
#include "runtime/objects/info.hpp"
#include "runtime/state.hpp"

using namespace efampi;

namespace {

struct Session {
    rt::Magic magic = rt::Magic::session;
    rt::Errhandler* errh = nullptr;  // retained
    int thread_level = MPI_THREAD_SINGLE;
};

Session* to_session(MPI_Session h) {
    uintptr_t v = rt::handle_value(h);
    if (v <= rt::predefined_limit || v % alignof(Session) != 0) return nullptr;
    auto* s = reinterpret_cast<Session*>(v);
    return s->magic == rt::Magic::session ? s : nullptr;
}

Session* check_session(MPI_Session h) {
    Session* s = to_session(h);
    if (!s)
        throw Error(MPI_ERR_SESSION, h == MPI_SESSION_NULL ? "session is MPI_SESSION_NULL"
                                                           : "session is not a live session");
    return s;
}

// Raises `cls` on the session's handler (MPI 4.1 §9.3).
int session_raise(Session* s, MPI_Session h, const char* fn, int cls, const char* msg) {
    rt::Errhandler* e = s->errh ? s->errh : rt::errhandler_fatal();
    if (e->kind == rt::ErrKind::ret) return cls;
    if (e->kind == rt::ErrKind::user) {
        // A session handler has the comm handler's shape with an MPI_Session* first.
        auto* fnp = reinterpret_cast<MPI_Session_errhandler_function*>(e->fn);
        int code = cls;
        fnp(&h, &code);
        return code;
    }
    char name[64], line[1024];
    std::snprintf(line, sizeof line, "efampi: %s: %s (%s)", fn, msg,
                  api::class_name_of(cls, name, sizeof name));
    std::fprintf(stderr, "%s\n", line);
    std::fflush(stderr);
    rt::abort_job(cls, line);
}

// A session call: the body runs like api::call; its errors go to the session's handler when
// the session is valid, else to the handler of calls of no object.
template <class F>
int session_call(MPI_Session h, const char* fn, F&& body) noexcept {
    api::require_initialized(fn);
    try {
        return body();
    } catch (const Error& e) {
        if (Session* s = to_session(h)) return session_raise(s, h, fn, e.cls, e.msg.c_str());
        return api::raise(api::no_object, fn, e.cls, e.msg.c_str());
    } catch (...) {
        return api::call_slow(api::no_object, fn);
    }
}

int thread_level_of(MPI_Info info) {
    if (info == MPI_INFO_NULL) return MPI_THREAD_SINGLE;
    const rt::Info* in = rt::to_info(info);
    if (!in) throw Error(MPI_ERR_INFO, "info is not a valid info object");
    const std::string* v = in->find("thread_level");
    if (!v || *v == "MPI_THREAD_SINGLE") return MPI_THREAD_SINGLE;
    if (*v == "MPI_THREAD_FUNNELED") return MPI_THREAD_FUNNELED;
    if (*v == "MPI_THREAD_SERIALIZED") return MPI_THREAD_SERIALIZED;
    if (*v == "MPI_THREAD_MULTIPLE") return MPI_THREAD_MULTIPLE;
    throw Error(MPI_ERR_ARG, "info key thread_level = \"" + *v + "\" is not a thread level");
}

const char* const psets[] = {"mpi://WORLD", "mpi://SELF"};
constexpr int n_psets = 2;

// The job ranks of process set `name` (names are case-insensitive: MPI 4.1 §11.3.2).
std::vector<int> pset_members(const char* name) {
    if (!name) api::bad_arg("pset_name is NULL");
    if (strcasecmp(name, psets[0]) == 0) {
        std::vector<int> all(static_cast<size_t>(rt::comm_world()->size));
        for (size_t i = 0; i < all.size(); ++i) all[i] = static_cast<int>(i);
        return all;
    }
    if (strcasecmp(name, psets[1]) == 0) return {rt::comm_world()->rank};
    throw Error(MPI_ERR_ARG, std::string("process set \"") + name +
                                 "\" does not exist (efampi has mpi://WORLD and mpi://SELF)");
}

}  // namespace

extern "C" int PMPI_Session_init(MPI_Info info, MPI_Errhandler errhandler, MPI_Session* session) {
    const char* fn = "MPI_Session_init";
    rt::State& st = rt::state();
    // Callable before MPI_Init: no handler can take an error until the session exists, so
    // errors are returned (as api::call_anytime does).
    try {
        if (!session) api::bad_arg("session pointer is NULL");
        rt::Errhandler* e = rt::to_errhandler(errhandler);
        if (!e) throw Error(MPI_ERR_ERRHANDLER, "errhandler is not a valid error handler");
        int level = thread_level_of(info);
        if (st.phase == rt::Phase::finalized)
            throw Error(MPI_ERR_OTHER, "efampi cannot start again after it ended (the last "
                                       "MPI_Finalize / MPI_Session_finalize was called)");
        if (st.phase == rt::Phase::before_init) rt::initialize(level);
        auto* s = new Session;
        rt::errhandler_retain(e);
        s->errh = e;
        s->thread_level = st.thread_level;
        ++st.sessions;
        *session = reinterpret_cast<MPI_Session>(s);
        return MPI_SUCCESS;
    } catch (...) {
        if (st.phase == rt::Phase::running) return api::call_slow(api::no_object, fn);
        return api::returned_error(fn);
    }
}
EFAMPI_ALIAS(Session_init)

extern "C" int PMPI_Session_finalize(MPI_Session* session) {
    return session_call(session ? *session : MPI_SESSION_NULL, "MPI_Session_finalize", [&] {
        if (!session) api::bad_arg("session pointer is NULL");
        Session* s = check_session(*session);
        rt::State& st = rt::state();
        s->magic = rt::Magic::dead;  // parked: a stale handle reads a dead magic
        rt::errhandler_release(s->errh);
        *session = MPI_SESSION_NULL;
        if (--st.sessions == 0 && (!st.world_init || st.world_finalized)) rt::finalize();
        return MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Session_finalize)

extern "C" int PMPI_Session_get_num_psets(MPI_Session session, MPI_Info, int* npset_names) {
    return session_call(session, "MPI_Session_get_num_psets", [&] {
        check_session(session);
        if (!npset_names) api::bad_arg("npset_names pointer is NULL");
        *npset_names = n_psets;
        return MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Session_get_num_psets)

// pset_len 0 asks for the length (with the terminating null); otherwise the name is copied,
// truncated to pset_len - 1 characters, and pset_len says the full length.
extern "C" int PMPI_Session_get_nth_pset(MPI_Session session, MPI_Info, int n, int* pset_len,
                                         char* pset_name) {
    return session_call(session, "MPI_Session_get_nth_pset", [&] {
        check_session(session);
        if (!pset_len) api::bad_arg("pset_len pointer is NULL");
        if (n < 0 || n >= n_psets)
            throw Error(MPI_ERR_ARG, "n = " + std::to_string(n) + " is not in [0, " +
                                         std::to_string(n_psets) + ")");
        int full = static_cast<int>(std::strlen(psets[n])) + 1;
        if (*pset_len > 0) {
            if (!pset_name) api::bad_arg("pset_name is NULL");
            int k = *pset_len < full ? *pset_len - 1 : full - 1;
            std::memcpy(pset_name, psets[n], static_cast<size_t>(k));
            pset_name[k] = '\0';
        }
        *pset_len = full;
        return MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Session_get_nth_pset)

extern "C" int PMPI_Session_get_pset_info(MPI_Session session, const char* pset_name,
                                          MPI_Info* info) {
    return session_call(session, "MPI_Session_get_pset_info", [&] {
        check_session(session);
        if (!info) api::bad_arg("info pointer is NULL");
        size_t n = pset_members(pset_name).size();
        rt::Info* i = rt::info_create();
        i->set("mpi_size", std::to_string(n));
        *info = i->handle();
        return MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Session_get_pset_info)

extern "C" int PMPI_Session_get_info(MPI_Session session, MPI_Info* info_used) {
    return session_call(session, "MPI_Session_get_info", [&] {
        Session* s = check_session(session);
        if (!info_used) api::bad_arg("info_used pointer is NULL");
        static const char* const names[] = {"MPI_THREAD_SINGLE", "MPI_THREAD_FUNNELED",
                                            "MPI_THREAD_SERIALIZED", "MPI_THREAD_MULTIPLE"};
        rt::Info* i = rt::info_create();
        i->set("thread_level", names[s->thread_level]);
        *info_used = i->handle();
        return MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Session_get_info)

extern "C" int PMPI_Group_from_session_pset(MPI_Session session, const char* pset_name,
                                            MPI_Group* newgroup) {
    return session_call(session, "MPI_Group_from_session_pset", [&] {
        check_session(session);
        if (!newgroup) api::bad_arg("newgroup pointer is NULL");
        *newgroup = rt::group_make(pset_members(pset_name))->handle();
        return MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Group_from_session_pset)

// A communicator of the group's members, made by them alone (MPI_Comm_create_group over the
// library's world, with a tag from the string tag: members must pass the same string).
extern "C" int PMPI_Comm_create_from_group(MPI_Group group, const char* stringtag, MPI_Info info,
                                           MPI_Errhandler errhandler, MPI_Comm* newcomm) {
    const char* fn = "MPI_Comm_create_from_group";
    return api::call(api::no_object, fn, [&] {
        if (!stringtag) api::bad_arg("stringtag is NULL");
        if (!newcomm) api::bad_arg("newcomm pointer is NULL");
        if (info != MPI_INFO_NULL && !rt::to_info(info))
            throw Error(MPI_ERR_INFO, "info is not a valid info object");
        rt::Errhandler* e = rt::to_errhandler(errhandler);
        if (!e) throw Error(MPI_ERR_ERRHANDLER, "errhandler is not a valid error handler");
        int tag = static_cast<int>(std::hash<std::string>{}(stringtag) & 0x3fffffff);
        int rc = PMPI_Comm_create_group(MPI_COMM_WORLD, group, tag, newcomm);
        if (rc != MPI_SUCCESS) return rc;
        return PMPI_Comm_set_errhandler(*newcomm, errhandler);
    });
}
EFAMPI_ALIAS(Comm_create_from_group)

// ---------------------------------------------------------------- session error handlers

// Callable at any time (MPI 4.1 §11.4.1); the handler object is the communicators' kind.
extern "C" int PMPI_Session_create_errhandler(MPI_Session_errhandler_function* session_errhandler_fn,
                                              MPI_Errhandler* errhandler) {
    return api::call_anytime(api::no_object, "MPI_Session_create_errhandler", [&] {
        if (!session_errhandler_fn) api::bad_arg("error handler function is NULL");
        if (!errhandler) api::bad_arg("errhandler pointer is NULL");
        *errhandler = rt::errhandler_create(
                          reinterpret_cast<MPI_Comm_errhandler_function*>(session_errhandler_fn))
                          ->handle;
        return MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Session_create_errhandler)

extern "C" int PMPI_Session_set_errhandler(MPI_Session session, MPI_Errhandler errhandler) {
    return session_call(session, "MPI_Session_set_errhandler", [&] {
        Session* s = check_session(session);
        rt::Errhandler* e = rt::to_errhandler(errhandler);
        if (!e) throw Error(MPI_ERR_ERRHANDLER, "errhandler is not a valid error handler");
        rt::errhandler_retain(e);
        rt::errhandler_release(s->errh);
        s->errh = e;
        return MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Session_set_errhandler)

extern "C" int PMPI_Session_get_errhandler(MPI_Session session, MPI_Errhandler* errhandler) {
    return session_call(session, "MPI_Session_get_errhandler", [&] {
        Session* s = check_session(session);
        if (!errhandler) api::bad_arg("errhandler pointer is NULL");
        rt::errhandler_retain(s->errh);  // the caller frees it with MPI_Errhandler_free
        *errhandler = s->errh->handle;
        return MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Session_get_errhandler)

extern "C" int PMPI_Session_call_errhandler(MPI_Session session, int errorcode) {
    return session_call(session, "MPI_Session_call_errhandler", [&] {
        Session* s = check_session(session);
        std::string msg = "error code " + std::to_string(errorcode) + " raised by the application";
        session_raise(s, session, "MPI_Session_call_errhandler", errorcode, msg.c_str());
        return MPI_SUCCESS;  // as MPI_Comm_call_errhandler: the handler returned
    });
}
EFAMPI_ALIAS(Session_call_errhandler)
