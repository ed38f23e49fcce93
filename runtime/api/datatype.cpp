// Queries of predefined datatypes and of statuses.
#include <cstring>
#include <limits>

#include "runtime/api/call.hpp"
#include "runtime/api/check.hpp"

using namespace efampi;

namespace {

template <class Out>
int type_size(const char* fn, MPI_Datatype dt, Out* size) {
    return api::call(api::no_object, fn, [&] {
        const rt::Datatype* d = rt::to_type(dt);
        if (!d) api::bad_type(dt, "datatype");  // uncommitted types may be queried
        if (!size) api::bad_arg("size pointer is NULL");
        if (d->size > std::numeric_limits<Out>::max()) {
            *size = static_cast<Out>(MPI_UNDEFINED);
            return MPI_SUCCESS;
        }
        *size = static_cast<Out>(d->size);
        return MPI_SUCCESS;
    });
}

template <class Out>
int type_extent(const char* fn, MPI_Datatype dt, Out* lb, Out* extent) {
    return api::call(api::no_object, fn, [&] {
        const rt::Datatype* d = rt::to_type(dt);
        if (!d) api::bad_type(dt, "datatype");  // uncommitted types may be queried
        if (!lb || !extent) api::bad_arg("lb or extent pointer is NULL");
        *lb = static_cast<Out>(d->lb);
        *extent = static_cast<Out>(d->extent);
        return MPI_SUCCESS;
    });
}

// Elements of `dt` in the bytes a status reports; MPI_UNDEFINED when they are not a whole
// number of elements or do not fit the output type.
template <class Out>
int get_count(const char* fn, const MPI_Status* st, MPI_Datatype dt, Out* count) {
    return api::call(api::no_object, fn, [&] {
        const rt::Datatype* d = api::check_type(dt);
        if (!st || !count) api::bad_arg("status or count pointer is NULL");
        uint64_t bytes = api::status_bytes(st);
        // Messages carry count * extent bytes for dense types, packed data otherwise.
        uint64_t ext = static_cast<uint64_t>(d->direct() ? d->extent : d->size);
        if (ext == 0) {
            *count = 0;
        } else if (bytes % ext != 0 ||
                   bytes / ext > static_cast<uint64_t>(std::numeric_limits<Out>::max())) {
            *count = static_cast<Out>(MPI_UNDEFINED);
        } else {
            *count = static_cast<Out>(bytes / ext);
        }
        return MPI_SUCCESS;
    });
}

}  // namespace

extern "C" int PMPI_Type_size(MPI_Datatype dt, int* size) {
    return type_size("MPI_Type_size", dt, size);
}
EFAMPI_ALIAS(Type_size)

extern "C" int PMPI_Type_size_c(MPI_Datatype dt, MPI_Count* size) {
    return type_size("MPI_Type_size_c", dt, size);
}
EFAMPI_ALIAS(Type_size_c)

extern "C" int PMPI_Type_size_x(MPI_Datatype dt, MPI_Count* size) {
    return type_size("MPI_Type_size_x", dt, size);
}
EFAMPI_ALIAS(Type_size_x)

extern "C" int PMPI_Type_get_extent(MPI_Datatype dt, MPI_Aint* lb, MPI_Aint* extent) {
    return type_extent("MPI_Type_get_extent", dt, lb, extent);
}
EFAMPI_ALIAS(Type_get_extent)

extern "C" int PMPI_Type_get_extent_c(MPI_Datatype dt, MPI_Count* lb, MPI_Count* extent) {
    return type_extent("MPI_Type_get_extent_c", dt, lb, extent);
}
EFAMPI_ALIAS(Type_get_extent_c)

extern "C" int PMPI_Type_get_extent_x(MPI_Datatype dt, MPI_Count* lb, MPI_Count* extent) {
    return type_extent("MPI_Type_get_extent_x", dt, lb, extent);
}
EFAMPI_ALIAS(Type_get_extent_x)

extern "C" int PMPI_Type_get_name(MPI_Datatype dt, char* name, int* resultlen) {
    return api::call(api::no_object, "MPI_Type_get_name", [&] {
        const rt::Datatype* d = rt::to_type(dt);
        if (!d) api::bad_type(dt, "datatype");
        if (!name || !resultlen) api::bad_arg("name or resultlen pointer is NULL");
        const char* src = d->named ? d->user_name.c_str() : d->name;
        size_t n = std::strlen(src);
        if (n > MPI_MAX_OBJECT_NAME - 1) n = MPI_MAX_OBJECT_NAME - 1;
        std::memcpy(name, src, n);
        name[n] = '\0';
        *resultlen = static_cast<int>(n);
        return MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Type_get_name)

extern "C" int PMPI_Get_count(const MPI_Status* st, MPI_Datatype dt, int* count) {
    return get_count("MPI_Get_count", st, dt, count);
}
EFAMPI_ALIAS(Get_count)

extern "C" int PMPI_Get_count_c(const MPI_Status* st, MPI_Datatype dt, MPI_Count* count) {
    return get_count("MPI_Get_count_c", st, dt, count);
}
EFAMPI_ALIAS(Get_count_c)

extern "C" int PMPI_Alloc_mem(MPI_Aint size, MPI_Info info, void* baseptr) {
    (void)info;  // no info keys are understood yet; the standard lets us ignore them
    return api::call(api::no_object, "MPI_Alloc_mem", [&] {
        if (size < 0) throw Error(MPI_ERR_SIZE, "size " + std::to_string(size) + " is negative");
        if (!baseptr) api::bad_arg("baseptr is NULL");
        void* p = nullptr;
        if (posix_memalign(&p, 64, size ? static_cast<size_t>(size) : 1) != 0)
            throw Error(MPI_ERR_NO_MEM, "cannot allocate " + std::to_string(size) + " bytes");
        std::memcpy(baseptr, &p, sizeof p);
        return MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Alloc_mem)

extern "C" int PMPI_Free_mem(void* base) {
    return api::call(api::no_object, "MPI_Free_mem", [&] {
        std::free(base);
        return MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Free_mem)
