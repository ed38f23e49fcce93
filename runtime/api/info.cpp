// Info entry points (MPI 4.1 chapter 10). An info object belongs to no communicator: errors go
// to the handler of calls of no object (api::no_object). Every info call works at any time,
// also before MPI_Init and after MPI_Finalize (MPI 4.1 §11.4.1; api::call_anytime).
#include <cstring>
#include <new>
#include <string>

#include "base/undo.hpp"
#include "runtime/api/call.hpp"
#include "runtime/api/check.hpp"
#include "runtime/objects/info.hpp"

using namespace efampi;

namespace {

rt::Info* check_info(MPI_Info h) {
    rt::Info* i = rt::to_info(h);
    if (!i)
        throw Error(MPI_ERR_INFO, h == MPI_INFO_NULL ? "info is MPI_INFO_NULL"
                                                     : "info is not a valid info object");
    return i;
}

rt::Info* check_writable(MPI_Info h) {
    rt::Info* i = check_info(h);
    if (i->predefined()) throw Error(MPI_ERR_INFO, "MPI_INFO_ENV is read-only");
    return i;
}

std::string check_key(const char* key) {
    if (!key) throw Error(MPI_ERR_INFO_KEY, "key is NULL");
    size_t n = strnlen(key, MPI_MAX_INFO_KEY);
    if (n == 0) throw Error(MPI_ERR_INFO_KEY, "key is empty");
    if (n >= MPI_MAX_INFO_KEY)
        throw Error(MPI_ERR_INFO_KEY, "key is longer than MPI_MAX_INFO_KEY - 1 = " +
                                          std::to_string(MPI_MAX_INFO_KEY - 1) + " characters");
    return std::string(key, n);
}

std::string check_value(const char* value) {
    if (!value) throw Error(MPI_ERR_INFO_VALUE, "value is NULL");
    size_t n = strnlen(value, MPI_MAX_INFO_VAL);
    if (n >= MPI_MAX_INFO_VAL)
        throw Error(MPI_ERR_INFO_VALUE, "value is longer than MPI_MAX_INFO_VAL - 1 = " +
                                            std::to_string(MPI_MAX_INFO_VAL - 1) + " characters");
    return std::string(value, n);
}

void check_out(const void* p, const char* what) {
    if (!p) api::bad_arg((std::string(what) + " pointer is NULL").c_str());
}

// Copies at most `room` - 1 characters of `s` and a NUL into `out` (room > 0).
void copy_out(const std::string& s, char* out, size_t room) {
    size_t n = s.size() < room - 1 ? s.size() : room - 1;
    std::memcpy(out, s.data(), n);
    out[n] = '\0';
}

}  // namespace

extern "C" int PMPI_Info_create(MPI_Info* info) {
    return api::call_anytime(api::no_object, "MPI_Info_create", [&] {
        check_out(info, "info");
        *info = rt::info_create()->handle();
        return MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Info_create)

extern "C" int PMPI_Info_set(MPI_Info info, const char* key, const char* value) {
    return api::call_anytime(api::no_object, "MPI_Info_set", [&] {
        rt::Info* i = check_writable(info);
        std::string k = check_key(key);
        i->set(k, check_value(value));
        return MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Info_set)

extern "C" int PMPI_Info_delete(MPI_Info info, const char* key) {
    return api::call_anytime(api::no_object, "MPI_Info_delete", [&] {
        rt::Info* i = check_writable(info);
        std::string k = check_key(key);
        if (!i->erase(k)) throw Error(MPI_ERR_INFO_NOKEY, "key \"" + k + "\" is not set");
        return MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Info_delete)

extern "C" int PMPI_Info_get(MPI_Info info, const char* key, int valuelen, char* value,
                             int* flag) {
    return api::call_anytime(api::no_object, "MPI_Info_get", [&] {
        rt::Info* i = check_info(info);
        std::string k = check_key(key);
        if (valuelen < 0)
            throw Error(MPI_ERR_ARG, "valuelen = " + std::to_string(valuelen) + " is negative");
        check_out(value, "value");
        check_out(flag, "flag");
        const std::string* v = i->find(k);
        *flag = v != nullptr;
        // valuelen counts characters; the buffer holds valuelen + 1 with the NUL.
        if (v) copy_out(*v, value, static_cast<size_t>(valuelen) + 1);
        return MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Info_get)

extern "C" int PMPI_Info_get_string(MPI_Info info, const char* key, int* buflen, char* value,
                                    int* flag) {
    return api::call_anytime(api::no_object, "MPI_Info_get_string", [&] {
        rt::Info* i = check_info(info);
        std::string k = check_key(key);
        check_out(buflen, "buflen");
        check_out(flag, "flag");
        if (*buflen < 0)
            throw Error(MPI_ERR_ARG, "*buflen = " + std::to_string(*buflen) + " is negative");
        if (*buflen > 0) check_out(value, "value");
        const std::string* v = i->find(k);
        *flag = v != nullptr;
        if (!v) return MPI_SUCCESS;  // buflen unchanged
        if (*buflen > 0) copy_out(*v, value, static_cast<size_t>(*buflen));
        *buflen = static_cast<int>(v->size()) + 1;  // the room the whole value needs
        return MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Info_get_string)

extern "C" int PMPI_Info_get_valuelen(MPI_Info info, const char* key, int* valuelen, int* flag) {
    return api::call_anytime(api::no_object, "MPI_Info_get_valuelen", [&] {
        rt::Info* i = check_info(info);
        std::string k = check_key(key);
        check_out(valuelen, "valuelen");
        check_out(flag, "flag");
        const std::string* v = i->find(k);
        *flag = v != nullptr;
        if (v) *valuelen = static_cast<int>(v->size());
        return MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Info_get_valuelen)

extern "C" int PMPI_Info_get_nkeys(MPI_Info info, int* nkeys) {
    return api::call_anytime(api::no_object, "MPI_Info_get_nkeys", [&] {
        rt::Info* i = check_info(info);
        check_out(nkeys, "nkeys");
        *nkeys = i->nkeys();
        return MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Info_get_nkeys)

extern "C" int PMPI_Info_get_nthkey(MPI_Info info, int n, char* key) {
    return api::call_anytime(api::no_object, "MPI_Info_get_nthkey", [&] {
        rt::Info* i = check_info(info);
        if (n < 0 || n >= i->nkeys())
            throw Error(MPI_ERR_ARG, "n = " + std::to_string(n) + " is out of range for " +
                                         std::to_string(i->nkeys()) + " keys");
        check_out(key, "key");
        copy_out(i->nth_key(n), key, MPI_MAX_INFO_KEY);
        return MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Info_get_nthkey)

extern "C" int PMPI_Info_dup(MPI_Info info, MPI_Info* newinfo) {
    return api::call_anytime(api::no_object, "MPI_Info_dup", [&] {
        rt::Info* i = check_info(info);
        check_out(newinfo, "newinfo");
        rt::Info* d = rt::info_create();
        Undo drop([&] { rt::info_free(d); });
        for (const auto& e : i->entries()) d->set(e.first, e.second);
        drop.keep();
        *newinfo = d->handle();
        return MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Info_dup)

extern "C" int PMPI_Info_free(MPI_Info* info) {
    return api::call_anytime(api::no_object, "MPI_Info_free", [&] {
        check_out(info, "info");
        rt::Info* i = check_info(*info);
        if (i->predefined())
            throw Error(MPI_ERR_INFO, "MPI_INFO_ENV is predefined and cannot be freed");
        rt::info_free(i);
        *info = MPI_INFO_NULL;
        return MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Info_free)

extern "C" int PMPI_Info_create_env(int argc, char* argv[], MPI_Info* info) {
    auto body = [&] {
        check_out(info, "info");
        if (argc < 0) throw Error(MPI_ERR_ARG, "argc = " + std::to_string(argc) + " is negative");
        rt::Info* i = rt::info_create();
        Undo drop([&] { rt::info_free(i); });
        rt::fill_env(*i, argc, argv);
        drop.keep();
        *info = i->handle();
        return MPI_SUCCESS;
    };
    return api::call_anytime(api::no_object, "MPI_Info_create_env", body);
}
EFAMPI_ALIAS(Info_create_env)

// MPI 5.0: facts of the ABI the library was built for, as a new info object.
extern "C" int PMPI_Abi_get_info(MPI_Info* info) {
    return api::call_anytime(api::no_object, "MPI_Abi_get_info", [&] {
        check_out(info, "info");
        rt::Info* i = rt::info_create();
        Undo drop([&] { rt::info_free(i); });
        i->set("mpi_aint_size", std::to_string(sizeof(MPI_Aint)));
        i->set("mpi_count_size", std::to_string(sizeof(MPI_Count)));
        i->set("mpi_offset_size", std::to_string(sizeof(MPI_Offset)));
        drop.keep();
        *info = i->handle();
        return MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Abi_get_info)
