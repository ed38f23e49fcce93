// Attribute caching: MPI_Comm_create_keyval, Comm_free_keyval, Comm_set_attr, Comm_get_attr,
// Comm_delete_attr, the deprecated MPI_Keyval_create, Keyval_free, Attr_put, Attr_get,
// Attr_delete (the same, with the same callback types), and the datatype and window forms
// (MPI_Type_*_keyval/attr, MPI_Win_*_keyval/attr). The logic lives in
// runtime/objects/attributes; a keyval belongs to the kind of object it was made for.
// efampi has no windows yet: a window keyval can be made and freed, and every window
// argument is MPI_ERR_WIN.
#include <cstring>

#include "runtime/api/call.hpp"
#include "runtime/api/check.hpp"
#include "runtime/objects/attributes.hpp"
#include "runtime/objects/datatype.hpp"

using namespace efampi;

namespace {

int create_keyval(const char* fn, rt::AttrKind kind, const rt::KeyvalFns& fns, int* keyval,
                  void* extra) {
    return api::call(api::no_object, fn, [&] {
        if (!keyval) api::bad_arg("keyval pointer is NULL");
        *keyval = rt::keyval_create(kind, fns, extra);
        return MPI_SUCCESS;
    });
}

int free_keyval(const char* fn, rt::AttrKind kind, int* keyval) {
    return api::call(api::no_object, fn, [&] {
        if (!keyval) api::bad_arg("keyval pointer is NULL");
        rt::keyval_free(kind, *keyval);
        *keyval = MPI_KEYVAL_INVALID;
        return MPI_SUCCESS;
    });
}

// The attribute host behind a handle, checked (communicator: MPI_ERR_COMM, datatype:
// MPI_ERR_TYPE, window: MPI_ERR_WIN).
rt::AttrHost host_of(MPI_Comm comm) { return rt::attr_host(*api::check_comm(comm)); }

rt::AttrHost host_of(MPI_Datatype type) {
    const rt::Datatype* d = rt::to_type(type);
    if (!d) throw Error(MPI_ERR_TYPE, "datatype is not a valid datatype (MPI_DATATYPE_NULL or freed)");
    auto* m = const_cast<rt::Datatype*>(d);
    return rt::AttrHost{rt::AttrKind::type, type, &m->attrs};
}

[[noreturn]] rt::AttrHost host_of(MPI_Win) {
    throw Error(MPI_ERR_WIN, "win is not a valid window (efampi has no one-sided windows yet: "
                             "MPI_Win_create and friends are not implemented)");
}

// api::no_object for the error handler of calls that have no communicator.
MPI_Comm errh_comm(MPI_Comm c) { return c; }
MPI_Comm errh_comm(MPI_Datatype) { return api::no_object; }
MPI_Comm errh_comm(MPI_Win) { return api::no_object; }

template <class H>
int set_attr(const char* fn, H obj, int keyval, void* value) {
    return api::call(errh_comm(obj), fn, [&] {
        rt::attr_set(host_of(obj), keyval, value);
        return MPI_SUCCESS;
    });
}

template <class H>
int get_attr(const char* fn, H obj, int keyval, void* value, int* flag) {
    return api::call(errh_comm(obj), fn, [&] {
        rt::AttrHost h = host_of(obj);
        if (!value || !flag) api::bad_arg("attribute_val or flag pointer is NULL");
        void* v = nullptr;
        *flag = rt::attr_get(h, keyval, &v) ? 1 : 0;
        if (*flag) std::memcpy(value, &v, sizeof v);  // attribute_val is really a void**
        return MPI_SUCCESS;
    });
}

template <class H>
int delete_attr(const char* fn, H obj, int keyval) {
    return api::call(errh_comm(obj), fn, [&] {
        rt::attr_delete(host_of(obj), keyval);
        return MPI_SUCCESS;
    });
}

}  // namespace

// ---------------------------------------------------------------- communicators

extern "C" int PMPI_Comm_create_keyval(MPI_Comm_copy_attr_function* copy,
                                       MPI_Comm_delete_attr_function* del, int* keyval,
                                       void* extra_state) {
    rt::KeyvalFns f;
    f.comm_copy = copy;
    f.comm_del = del;
    return create_keyval("MPI_Comm_create_keyval", rt::AttrKind::comm, f, keyval, extra_state);
}
EFAMPI_ALIAS(Comm_create_keyval)

extern "C" int PMPI_Keyval_create(MPI_Copy_function* copy, MPI_Delete_function* del, int* keyval,
                                  void* extra_state) {
    rt::KeyvalFns f;
    f.comm_copy = copy;
    f.comm_del = del;
    return create_keyval("MPI_Keyval_create", rt::AttrKind::comm, f, keyval, extra_state);
}
EFAMPI_ALIAS(Keyval_create)

extern "C" int PMPI_Comm_free_keyval(int* keyval) {
    return free_keyval("MPI_Comm_free_keyval", rt::AttrKind::comm, keyval);
}
EFAMPI_ALIAS(Comm_free_keyval)

extern "C" int PMPI_Keyval_free(int* keyval) {
    return free_keyval("MPI_Keyval_free", rt::AttrKind::comm, keyval);
}
EFAMPI_ALIAS(Keyval_free)

extern "C" int PMPI_Comm_set_attr(MPI_Comm comm, int keyval, void* value) {
    return set_attr("MPI_Comm_set_attr", comm, keyval, value);
}
EFAMPI_ALIAS(Comm_set_attr)

extern "C" int PMPI_Attr_put(MPI_Comm comm, int keyval, void* value) {
    return set_attr("MPI_Attr_put", comm, keyval, value);
}
EFAMPI_ALIAS(Attr_put)

extern "C" int PMPI_Comm_get_attr(MPI_Comm comm, int keyval, void* value, int* flag) {
    return get_attr("MPI_Comm_get_attr", comm, keyval, value, flag);
}
EFAMPI_ALIAS(Comm_get_attr)

extern "C" int PMPI_Attr_get(MPI_Comm comm, int keyval, void* value, int* flag) {
    return get_attr("MPI_Attr_get", comm, keyval, value, flag);
}
EFAMPI_ALIAS(Attr_get)

extern "C" int PMPI_Comm_delete_attr(MPI_Comm comm, int keyval) {
    return delete_attr("MPI_Comm_delete_attr", comm, keyval);
}
EFAMPI_ALIAS(Comm_delete_attr)

extern "C" int PMPI_Attr_delete(MPI_Comm comm, int keyval) {
    return delete_attr("MPI_Attr_delete", comm, keyval);
}
EFAMPI_ALIAS(Attr_delete)

// ---------------------------------------------------------------- datatypes

extern "C" int PMPI_Type_create_keyval(MPI_Type_copy_attr_function* copy,
                                       MPI_Type_delete_attr_function* del, int* keyval,
                                       void* extra_state) {
    rt::KeyvalFns f;
    f.type_copy = copy;
    f.type_del = del;
    return create_keyval("MPI_Type_create_keyval", rt::AttrKind::type, f, keyval, extra_state);
}
EFAMPI_ALIAS(Type_create_keyval)

extern "C" int PMPI_Type_free_keyval(int* keyval) {
    return free_keyval("MPI_Type_free_keyval", rt::AttrKind::type, keyval);
}
EFAMPI_ALIAS(Type_free_keyval)

extern "C" int PMPI_Type_set_attr(MPI_Datatype type, int keyval, void* value) {
    return set_attr("MPI_Type_set_attr", type, keyval, value);
}
EFAMPI_ALIAS(Type_set_attr)

extern "C" int PMPI_Type_get_attr(MPI_Datatype type, int keyval, void* value, int* flag) {
    return get_attr("MPI_Type_get_attr", type, keyval, value, flag);
}
EFAMPI_ALIAS(Type_get_attr)

extern "C" int PMPI_Type_delete_attr(MPI_Datatype type, int keyval) {
    return delete_attr("MPI_Type_delete_attr", type, keyval);
}
EFAMPI_ALIAS(Type_delete_attr)

// ---------------------------------------------------------------- windows

extern "C" int PMPI_Win_create_keyval(MPI_Win_copy_attr_function* copy,
                                      MPI_Win_delete_attr_function* del, int* keyval,
                                      void* extra_state) {
    rt::KeyvalFns f;
    f.win_copy = copy;
    f.win_del = del;
    return create_keyval("MPI_Win_create_keyval", rt::AttrKind::win, f, keyval, extra_state);
}
EFAMPI_ALIAS(Win_create_keyval)

extern "C" int PMPI_Win_free_keyval(int* keyval) {
    return free_keyval("MPI_Win_free_keyval", rt::AttrKind::win, keyval);
}
EFAMPI_ALIAS(Win_free_keyval)

extern "C" int PMPI_Win_set_attr(MPI_Win win, int keyval, void* value) {
    return set_attr("MPI_Win_set_attr", win, keyval, value);
}
EFAMPI_ALIAS(Win_set_attr)

extern "C" int PMPI_Win_get_attr(MPI_Win win, int keyval, void* value, int* flag) {
    return get_attr("MPI_Win_get_attr", win, keyval, value, flag);
}
EFAMPI_ALIAS(Win_get_attr)

extern "C" int PMPI_Win_delete_attr(MPI_Win win, int keyval) {
    return delete_attr("MPI_Win_delete_attr", win, keyval);
}
EFAMPI_ALIAS(Win_delete_attr)
