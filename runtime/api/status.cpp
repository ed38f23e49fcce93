// MPI_Status accessors (MPI 4.1): reading and setting source, tag, error, cancelled and the
// element count, for users and for generalized requests. The byte count lives in
// MPI_internal[0..1] and the cancelled flag in MPI_internal[2] (api/check.hpp set_status).
#include "runtime/api/call.hpp"
#include "runtime/api/check.hpp"

using namespace efampi;

namespace {

template <class T, class F>
int status_field(const char* fn, T* status, F body) {
    return api::call(api::no_object, fn, [&] {
        if (!status) api::bad_arg("status pointer is NULL");
        body(*status);
        return MPI_SUCCESS;
    });
}

template <class Count>
int set_elements(const char* fn, MPI_Status* status, MPI_Datatype dt, Count count) {
    return api::call(api::no_object, fn, [&] {
        if (!status) api::bad_arg("status pointer is NULL");
        const rt::Datatype* d = api::check_type(dt);
        if (count < 0) api::bad_count(count, "count");
        // The packed bytes of `count` primitive elements (of a dense type too: the same).
        uint64_t bytes = rt::bytes_of_elements(*d, static_cast<uint64_t>(count));
        status->MPI_internal[0] = static_cast<int>(bytes & 0xffffffffu);
        status->MPI_internal[1] = static_cast<int>(bytes >> 32);
        return MPI_SUCCESS;
    });
}

}  // namespace

extern "C" int PMPI_Status_get_source(const MPI_Status* status, int* source) {
    return status_field("MPI_Status_get_source", status, [&](const MPI_Status& s) {
        if (!source) api::bad_arg("source pointer is NULL");
        *source = s.MPI_SOURCE;
    });
}
EFAMPI_ALIAS(Status_get_source)

extern "C" int PMPI_Status_get_tag(const MPI_Status* status, int* tag) {
    return status_field("MPI_Status_get_tag", status, [&](const MPI_Status& s) {
        if (!tag) api::bad_arg("tag pointer is NULL");
        *tag = s.MPI_TAG;
    });
}
EFAMPI_ALIAS(Status_get_tag)

extern "C" int PMPI_Status_get_error(const MPI_Status* status, int* error) {
    return status_field("MPI_Status_get_error", status, [&](const MPI_Status& s) {
        if (!error) api::bad_arg("error pointer is NULL");
        *error = s.MPI_ERROR;
    });
}
EFAMPI_ALIAS(Status_get_error)

extern "C" int PMPI_Status_set_source(MPI_Status* status, int source) {
    return status_field("MPI_Status_set_source", status,
                        [&](MPI_Status& s) { s.MPI_SOURCE = source; });
}
EFAMPI_ALIAS(Status_set_source)

extern "C" int PMPI_Status_set_tag(MPI_Status* status, int tag) {
    return status_field("MPI_Status_set_tag", status, [&](MPI_Status& s) { s.MPI_TAG = tag; });
}
EFAMPI_ALIAS(Status_set_tag)

extern "C" int PMPI_Status_set_error(MPI_Status* status, int error) {
    return status_field("MPI_Status_set_error", status,
                        [&](MPI_Status& s) { s.MPI_ERROR = error; });
}
EFAMPI_ALIAS(Status_set_error)

extern "C" int PMPI_Status_set_cancelled(MPI_Status* status, int flag) {
    return status_field("MPI_Status_set_cancelled", status,
                        [&](MPI_Status& s) { s.MPI_internal[2] = flag ? 1 : 0; });
}
EFAMPI_ALIAS(Status_set_cancelled)

extern "C" int PMPI_Status_set_elements(MPI_Status* status, MPI_Datatype dt, int count) {
    return set_elements("MPI_Status_set_elements", status, dt, count);
}
EFAMPI_ALIAS(Status_set_elements)

extern "C" int PMPI_Status_set_elements_c(MPI_Status* status, MPI_Datatype dt, MPI_Count count) {
    return set_elements("MPI_Status_set_elements_c", status, dt, count);
}
EFAMPI_ALIAS(Status_set_elements_c)

extern "C" int PMPI_Status_set_elements_x(MPI_Status* status, MPI_Datatype dt, MPI_Count count) {
    return set_elements("MPI_Status_set_elements_x", status, dt, count);
}
EFAMPI_ALIAS(Status_set_elements_x)
