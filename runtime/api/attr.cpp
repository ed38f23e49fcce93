// Attribute caching on communicators: MPI_Comm_create_keyval, Comm_free_keyval,
// Comm_set_attr, Comm_get_attr, Comm_delete_attr and the deprecated MPI_Keyval_create,
// Keyval_free, Attr_put, Attr_get, Attr_delete (the same, with the same callback types).
// The logic lives in runtime/objects/attributes.
#include <cstring>

#include "runtime/api/call.hpp"
#include "runtime/api/check.hpp"
#include "runtime/objects/attributes.hpp"

using namespace efampi;

namespace {

int create_keyval(const char* fn, MPI_Comm_copy_attr_function* copy,
                  MPI_Comm_delete_attr_function* del, int* keyval, void* extra) {
    return api::call(MPI_COMM_SELF, fn, [&] {
        if (!keyval) api::bad_arg("keyval pointer is NULL");
        *keyval = rt::keyval_create(copy, del, extra);
        return MPI_SUCCESS;
    });
}

int free_keyval(const char* fn, int* keyval) {
    return api::call(MPI_COMM_SELF, fn, [&] {
        if (!keyval) api::bad_arg("keyval pointer is NULL");
        rt::keyval_free(*keyval);
        *keyval = MPI_KEYVAL_INVALID;
        return MPI_SUCCESS;
    });
}

int set_attr(const char* fn, MPI_Comm comm, int keyval, void* value) {
    return api::call(comm, fn, [&] {
        rt::attr_set(*api::check_comm(comm), keyval, value);
        return MPI_SUCCESS;
    });
}

int get_attr(const char* fn, MPI_Comm comm, int keyval, void* value, int* flag) {
    return api::call(comm, fn, [&] {
        rt::Comm* c = api::check_comm(comm);
        if (!value || !flag) api::bad_arg("attribute_val or flag pointer is NULL");
        void* v = nullptr;
        *flag = rt::attr_get(*c, keyval, &v) ? 1 : 0;
        if (*flag) std::memcpy(value, &v, sizeof v);  // attribute_val is really a void**
        return MPI_SUCCESS;
    });
}

int delete_attr(const char* fn, MPI_Comm comm, int keyval) {
    return api::call(comm, fn, [&] {
        rt::attr_delete(*api::check_comm(comm), keyval);
        return MPI_SUCCESS;
    });
}

}  // namespace

extern "C" int PMPI_Comm_create_keyval(MPI_Comm_copy_attr_function* copy,
                                       MPI_Comm_delete_attr_function* del, int* keyval,
                                       void* extra_state) {
    return create_keyval("MPI_Comm_create_keyval", copy, del, keyval, extra_state);
}
EFAMPI_ALIAS(Comm_create_keyval)

extern "C" int PMPI_Keyval_create(MPI_Copy_function* copy, MPI_Delete_function* del, int* keyval,
                                  void* extra_state) {
    return create_keyval("MPI_Keyval_create", copy, del, keyval, extra_state);
}
EFAMPI_ALIAS(Keyval_create)

extern "C" int PMPI_Comm_free_keyval(int* keyval) {
    return free_keyval("MPI_Comm_free_keyval", keyval);
}
EFAMPI_ALIAS(Comm_free_keyval)

extern "C" int PMPI_Keyval_free(int* keyval) { return free_keyval("MPI_Keyval_free", keyval); }
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
