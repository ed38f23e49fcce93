// The MPI tool information interface (MPI 4.1 chapter 15), with nothing to expose yet: no
// control or performance variables, categories, events or event sources. That is a complete
// interface by the standard (every count may be 0); tools that probe it (PAPI, TAU, Score-P,
// mpi4py's tests) get consistent answers instead of an abort. The calls work at any time,
// also before MPI_Init and after MPI_Finalize (MPI 4.1 §11.4.1), need MPI_T_init_thread
// first (nested, counted), report errors by return code only (no handler is ever called, as
// the chapter says) and are never fatal. Performance-variable sessions are real objects.
//
// When efampi exports variables (tunables as control variables, pml counters as performance
// variables), the tables behind the *_get_num / *_get_info calls grow; the contracts stay.
#include <mpi.h>

#include <cstdint>
#include <mutex>
#include <new>
#include <unordered_set>

#include "runtime/api/call.hpp"

namespace {

std::mutex g_lock;  // MPI_T may be used by a tool thread
int g_inits = 0;    // MPI_T_init_thread calls not yet matched by MPI_T_finalize
std::unordered_set<MPI_T_pvar_session> g_sessions;

struct PvarSession {  // no handles can be allocated in one yet (no variables)
    int unused = 0;
};

bool initialized() {
    std::lock_guard<std::mutex> l(g_lock);
    return g_inits > 0;
}

bool live_session(MPI_T_pvar_session s) {
    std::lock_guard<std::mutex> l(g_lock);
    return g_sessions.count(s) != 0;
}

// A count query: 0 of everything.
int none(int* num) {
    if (!initialized()) return MPI_T_ERR_NOT_INITIALIZED;  // every call but init
    if (!num) return MPI_T_ERR_INVALID;
    *num = 0;
    return MPI_SUCCESS;
}

// Queries by index: no index is valid while there is nothing to index.
int no_index() {
    if (!initialized()) return MPI_T_ERR_NOT_INITIALIZED;  // every call but init
    return MPI_T_ERR_INVALID_INDEX;
}

// Lookups by name: no name is known.
int no_name(const void* name, const void* out) {
    if (!initialized()) return MPI_T_ERR_NOT_INITIALIZED;  // every call but init
    if (!name || !out) return MPI_T_ERR_INVALID;
    return MPI_T_ERR_INVALID_NAME;
}

// Calls on a handle (cvar, pvar, enum, event registration or instance): none can exist.
int no_handle() {
    if (!initialized()) return MPI_T_ERR_NOT_INITIALIZED;  // every call but init
    return MPI_T_ERR_INVALID_HANDLE;
}

// Calls on a pvar handle within a session: the session must be live; MPI_T_PVAR_ALL_HANDLES
// (start, stop, reset) applies to the session's handles, of which there are none.
int pvar_call(MPI_T_pvar_session s, MPI_T_pvar_handle h, bool all_allowed) {
    if (!initialized()) return MPI_T_ERR_NOT_INITIALIZED;  // every call but init
    if (!live_session(s)) return MPI_T_ERR_INVALID_SESSION;
    if (all_allowed && h == MPI_T_PVAR_ALL_HANDLES) return MPI_SUCCESS;
    return MPI_T_ERR_INVALID_HANDLE;
}

}  // namespace

extern "C" int PMPI_T_init_thread(int required, int* provided) {
    if (!provided) return MPI_T_ERR_INVALID;
    if (required < MPI_THREAD_SINGLE || required > MPI_THREAD_MULTIPLE) return MPI_T_ERR_INVALID;
    std::lock_guard<std::mutex> l(g_lock);
    ++g_inits;
    // The library itself grants MPI_THREAD_SERIALIZED at most.
    *provided = required < MPI_THREAD_SERIALIZED ? required : MPI_THREAD_SERIALIZED;
    return MPI_SUCCESS;
}
EFAMPI_ALIAS(T_init_thread)

extern "C" int PMPI_T_finalize(void) {
    std::lock_guard<std::mutex> l(g_lock);
    if (g_inits == 0) return MPI_T_ERR_NOT_INITIALIZED;
    if (--g_inits == 0) {  // the last finalize frees what the tool left
        for (MPI_T_pvar_session s : g_sessions) delete reinterpret_cast<PvarSession*>(s);
        g_sessions.clear();
    }
    return MPI_SUCCESS;
}
EFAMPI_ALIAS(T_finalize)

// ---------------------------------------------------------------- control variables
extern "C" int PMPI_T_cvar_get_num(int* num_cvar) { return none(num_cvar); }
EFAMPI_ALIAS(T_cvar_get_num)
extern "C" int PMPI_T_cvar_get_info(int, char*, int*, int*, MPI_Datatype*, MPI_T_enum*, char*,
                                    int*, int*, int*) {
    return no_index();
}
EFAMPI_ALIAS(T_cvar_get_info)
extern "C" int PMPI_T_cvar_get_index(const char* name, int* cvar_index) {
    return no_name(name, cvar_index);
}
EFAMPI_ALIAS(T_cvar_get_index)
extern "C" int PMPI_T_cvar_handle_alloc(int, void*, MPI_T_cvar_handle*, int*) { return no_index(); }
EFAMPI_ALIAS(T_cvar_handle_alloc)
extern "C" int PMPI_T_cvar_handle_free(MPI_T_cvar_handle*) { return no_handle(); }
EFAMPI_ALIAS(T_cvar_handle_free)
extern "C" int PMPI_T_cvar_read(MPI_T_cvar_handle, void*) { return no_handle(); }
EFAMPI_ALIAS(T_cvar_read)
extern "C" int PMPI_T_cvar_write(MPI_T_cvar_handle, const void*) { return no_handle(); }
EFAMPI_ALIAS(T_cvar_write)

// ---------------------------------------------------------------- enumerations
extern "C" int PMPI_T_enum_get_info(MPI_T_enum, int*, char*, int*) { return no_handle(); }
EFAMPI_ALIAS(T_enum_get_info)
extern "C" int PMPI_T_enum_get_item(MPI_T_enum, int, int*, char*, int*) { return no_handle(); }
EFAMPI_ALIAS(T_enum_get_item)

// ---------------------------------------------------------------- performance variables
extern "C" int PMPI_T_pvar_get_num(int* num_pvar) { return none(num_pvar); }
EFAMPI_ALIAS(T_pvar_get_num)
extern "C" int PMPI_T_pvar_get_info(int, char*, int*, int*, int*, MPI_Datatype*, MPI_T_enum*,
                                    char*, int*, int*, int*, int*, int*) {
    return no_index();
}
EFAMPI_ALIAS(T_pvar_get_info)
extern "C" int PMPI_T_pvar_get_index(const char* name, int, int* pvar_index) {
    return no_name(name, pvar_index);
}
EFAMPI_ALIAS(T_pvar_get_index)

extern "C" int PMPI_T_pvar_session_create(MPI_T_pvar_session* session) {
    if (!initialized()) return MPI_T_ERR_NOT_INITIALIZED;  // every call but init
    if (!session) return MPI_T_ERR_INVALID;
    auto* s = new (std::nothrow) PvarSession;
    if (!s) return MPI_T_ERR_MEMORY;
    auto h = reinterpret_cast<MPI_T_pvar_session>(s);
    std::lock_guard<std::mutex> l(g_lock);
    g_sessions.insert(h);
    *session = h;
    return MPI_SUCCESS;
}
EFAMPI_ALIAS(T_pvar_session_create)

extern "C" int PMPI_T_pvar_session_free(MPI_T_pvar_session* session) {
    if (!initialized()) return MPI_T_ERR_NOT_INITIALIZED;  // every call but init
    if (!session) return MPI_T_ERR_INVALID;
    std::lock_guard<std::mutex> l(g_lock);
    if (!g_sessions.erase(*session)) return MPI_T_ERR_INVALID_SESSION;
    delete reinterpret_cast<PvarSession*>(*session);
    *session = MPI_T_PVAR_SESSION_NULL;
    return MPI_SUCCESS;
}
EFAMPI_ALIAS(T_pvar_session_free)

extern "C" int PMPI_T_pvar_handle_alloc(MPI_T_pvar_session session, int, void*,
                                        MPI_T_pvar_handle*, int*) {
    if (!initialized()) return MPI_T_ERR_NOT_INITIALIZED;  // every call but init
    if (!live_session(session)) return MPI_T_ERR_INVALID_SESSION;
    return MPI_T_ERR_INVALID_INDEX;
}
EFAMPI_ALIAS(T_pvar_handle_alloc)
extern "C" int PMPI_T_pvar_handle_free(MPI_T_pvar_session session, MPI_T_pvar_handle* handle) {
    return pvar_call(session, handle ? *handle : MPI_T_PVAR_HANDLE_NULL, false);
}
EFAMPI_ALIAS(T_pvar_handle_free)
extern "C" int PMPI_T_pvar_start(MPI_T_pvar_session s, MPI_T_pvar_handle h) {
    return pvar_call(s, h, true);
}
EFAMPI_ALIAS(T_pvar_start)
extern "C" int PMPI_T_pvar_stop(MPI_T_pvar_session s, MPI_T_pvar_handle h) {
    return pvar_call(s, h, true);
}
EFAMPI_ALIAS(T_pvar_stop)
extern "C" int PMPI_T_pvar_reset(MPI_T_pvar_session s, MPI_T_pvar_handle h) {
    return pvar_call(s, h, true);
}
EFAMPI_ALIAS(T_pvar_reset)
extern "C" int PMPI_T_pvar_read(MPI_T_pvar_session s, MPI_T_pvar_handle h, void*) {
    return pvar_call(s, h, false);
}
EFAMPI_ALIAS(T_pvar_read)
extern "C" int PMPI_T_pvar_readreset(MPI_T_pvar_session s, MPI_T_pvar_handle h, void*) {
    return pvar_call(s, h, false);
}
EFAMPI_ALIAS(T_pvar_readreset)
extern "C" int PMPI_T_pvar_write(MPI_T_pvar_session s, MPI_T_pvar_handle h, const void*) {
    return pvar_call(s, h, false);
}
EFAMPI_ALIAS(T_pvar_write)

// ---------------------------------------------------------------- categories
extern "C" int PMPI_T_category_get_num(int* num_cat) { return none(num_cat); }
EFAMPI_ALIAS(T_category_get_num)
extern "C" int PMPI_T_category_changed(int* update_number) { return none(update_number); }
EFAMPI_ALIAS(T_category_changed)
extern "C" int PMPI_T_category_get_index(const char* name, int* cat_index) {
    return no_name(name, cat_index);
}
EFAMPI_ALIAS(T_category_get_index)
extern "C" int PMPI_T_category_get_info(int, char*, int*, char*, int*, int*, int*, int*) {
    return no_index();
}
EFAMPI_ALIAS(T_category_get_info)
extern "C" int PMPI_T_category_get_num_events(int, int*) { return no_index(); }
EFAMPI_ALIAS(T_category_get_num_events)
extern "C" int PMPI_T_category_get_categories(int, int, int[]) { return no_index(); }
EFAMPI_ALIAS(T_category_get_categories)
extern "C" int PMPI_T_category_get_cvars(int, int, int[]) { return no_index(); }
EFAMPI_ALIAS(T_category_get_cvars)
extern "C" int PMPI_T_category_get_pvars(int, int, int[]) { return no_index(); }
EFAMPI_ALIAS(T_category_get_pvars)
extern "C" int PMPI_T_category_get_events(int, int, int[]) { return no_index(); }
EFAMPI_ALIAS(T_category_get_events)

// ---------------------------------------------------------------- events and their sources
extern "C" int PMPI_T_event_get_num(int* num_events) { return none(num_events); }
EFAMPI_ALIAS(T_event_get_num)
extern "C" int PMPI_T_event_get_index(const char* name, int* event_index) {
    return no_name(name, event_index);
}
EFAMPI_ALIAS(T_event_get_index)
extern "C" int PMPI_T_event_get_info(int, char*, int*, int*, MPI_Datatype[], MPI_Aint[], int*,
                                     MPI_T_enum*, MPI_Info*, char*, int*, int*) {
    return no_index();
}
EFAMPI_ALIAS(T_event_get_info)
extern "C" int PMPI_T_event_handle_alloc(int, void*, MPI_Info, MPI_T_event_registration*) {
    return no_index();
}
EFAMPI_ALIAS(T_event_handle_alloc)
extern "C" int PMPI_T_event_handle_free(MPI_T_event_registration, void*,
                                        MPI_T_event_free_cb_function) {
    return no_handle();
}
EFAMPI_ALIAS(T_event_handle_free)
extern "C" int PMPI_T_event_handle_get_info(MPI_T_event_registration, MPI_Info*) {
    return no_handle();
}
EFAMPI_ALIAS(T_event_handle_get_info)
extern "C" int PMPI_T_event_handle_set_info(MPI_T_event_registration, MPI_Info) {
    return no_handle();
}
EFAMPI_ALIAS(T_event_handle_set_info)
extern "C" int PMPI_T_event_register_callback(MPI_T_event_registration, MPI_T_cb_safety, MPI_Info,
                                              void*, MPI_T_event_cb_function) {
    return no_handle();
}
EFAMPI_ALIAS(T_event_register_callback)
extern "C" int PMPI_T_event_callback_get_info(MPI_T_event_registration, MPI_T_cb_safety,
                                              MPI_Info*) {
    return no_handle();
}
EFAMPI_ALIAS(T_event_callback_get_info)
extern "C" int PMPI_T_event_callback_set_info(MPI_T_event_registration, MPI_T_cb_safety,
                                              MPI_Info) {
    return no_handle();
}
EFAMPI_ALIAS(T_event_callback_set_info)
extern "C" int PMPI_T_event_set_dropped_handler(MPI_T_event_registration,
                                                MPI_T_event_dropped_cb_function) {
    return no_handle();
}
EFAMPI_ALIAS(T_event_set_dropped_handler)
extern "C" int PMPI_T_event_read(MPI_T_event_instance, int, void*) { return no_handle(); }
EFAMPI_ALIAS(T_event_read)
extern "C" int PMPI_T_event_copy(MPI_T_event_instance, void*) { return no_handle(); }
EFAMPI_ALIAS(T_event_copy)
extern "C" int PMPI_T_event_get_timestamp(MPI_T_event_instance, MPI_Count*) { return no_handle(); }
EFAMPI_ALIAS(T_event_get_timestamp)
extern "C" int PMPI_T_event_get_source(MPI_T_event_instance, int*) { return no_handle(); }
EFAMPI_ALIAS(T_event_get_source)
extern "C" int PMPI_T_source_get_num(int* num_sources) { return none(num_sources); }
EFAMPI_ALIAS(T_source_get_num)
extern "C" int PMPI_T_source_get_info(int, char*, int*, char*, int*, MPI_T_source_order*,
                                      MPI_Count*, MPI_Count*, MPI_Info*) {
    return no_index();
}
EFAMPI_ALIAS(T_source_get_info)
extern "C" int PMPI_T_source_get_timestamp(int, MPI_Count*) { return no_index(); }
EFAMPI_ALIAS(T_source_get_timestamp)
