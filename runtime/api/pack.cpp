// MPI_Pack / MPI_Unpack / MPI_Pack_size (native: the typemap's bytes in order) and the
// external32 forms (big-endian, the standard's sizes), with their _c variants.
#include <cstring>
#include <string>

#include "runtime/api/call.hpp"
#include "runtime/api/check.hpp"

using namespace efampi;

namespace {

const rt::Datatype* committed(MPI_Datatype dt) { return api::check_type(dt); }

void check_datarep(const char* rep) {
    if (!rep || std::strcmp(rep, "external32") != 0)
        throw Error(MPI_ERR_ARG, std::string("datarep \"") + (rep ? rep : "(null)") +
                                     "\" is not supported (only \"external32\")");
}

template <class I, class P>
int pack(const char* fn, const void* in, I incount, MPI_Datatype dt, void* out, P outsize,
         P* position, MPI_Comm comm, const char* rep) {
    return api::call(comm, fn, [&] {
        if (comm != MPI_COMM_NULL || !rep) api::check_comm(comm);
        if (rep) check_datarep(rep);
        const rt::Datatype* d = committed(dt);
        api::check_data(in, static_cast<int64_t>(incount), d, "incount");
        if (!position) api::bad_arg("position pointer is NULL");
        int64_t per = rep ? rt::external32_size(*d) : d->size;
        int64_t need = static_cast<int64_t>(incount) * per;
        if (*position < 0 || static_cast<int64_t>(*position) + need > static_cast<int64_t>(outsize))
            throw Error(MPI_ERR_TRUNCATE, "packing " + std::to_string(need) + " bytes at position " +
                                              std::to_string(static_cast<long long>(*position)) +
                                              " overflows outsize " +
                                              std::to_string(static_cast<long long>(outsize)));
        if (need > 0 && !out) api::bad_arg("outbuf is NULL");
        auto* o = static_cast<uint8_t*>(out) + *position;
        if (rep) rt::pack_external(*d, in, static_cast<uint64_t>(incount), o);
        else rt::pack(*d, in, static_cast<uint64_t>(incount), o);
        *position += static_cast<P>(need);
        return MPI_SUCCESS;
    });
}

template <class I, class P>
int unpack(const char* fn, const void* in, P insize, P* position, void* out, I outcount,
           MPI_Datatype dt, MPI_Comm comm, const char* rep) {
    return api::call(comm, fn, [&] {
        if (!rep) api::check_comm(comm);
        if (rep) check_datarep(rep);
        const rt::Datatype* d = committed(dt);
        api::check_data(out, static_cast<int64_t>(outcount), d, "outcount");
        if (!position) api::bad_arg("position pointer is NULL");
        int64_t per = rep ? rt::external32_size(*d) : d->size;
        int64_t need = static_cast<int64_t>(outcount) * per;
        if (*position < 0 || static_cast<int64_t>(*position) + need > static_cast<int64_t>(insize))
            throw Error(MPI_ERR_TRUNCATE, "unpacking " + std::to_string(need) +
                                              " bytes at position " +
                                              std::to_string(static_cast<long long>(*position)) +
                                              " runs past insize " +
                                              std::to_string(static_cast<long long>(insize)));
        if (need > 0 && !in) api::bad_arg("inbuf is NULL");
        const auto* i = static_cast<const uint8_t*>(in) + *position;
        if (rep) rt::unpack_external(*d, i, static_cast<uint64_t>(outcount), out);
        else rt::unpack(*d, i, static_cast<uint64_t>(outcount), out);
        *position += static_cast<P>(need);
        return MPI_SUCCESS;
    });
}

template <class I, class S>
int pack_size(const char* fn, I incount, MPI_Datatype dt, MPI_Comm comm, S* size, const char* rep) {
    return api::call(comm, fn, [&] {
        if (!rep) api::check_comm(comm);
        if (rep) check_datarep(rep);
        const rt::Datatype* d = committed(dt);
        if (incount < 0) api::bad_count(static_cast<int64_t>(incount), "incount");
        if (!size) api::bad_arg("size pointer is NULL");
        *size = static_cast<S>(static_cast<int64_t>(incount) * (rep ? rt::external32_size(*d) : d->size));
        return MPI_SUCCESS;
    });
}

}  // namespace

extern "C" int PMPI_Pack(const void* in, int incount, MPI_Datatype dt, void* out, int outsize,
                         int* position, MPI_Comm comm) {
    return pack("MPI_Pack", in, incount, dt, out, outsize, position, comm, nullptr);
}
EFAMPI_ALIAS(Pack)
extern "C" int PMPI_Pack_c(const void* in, MPI_Count incount, MPI_Datatype dt, void* out,
                           MPI_Count outsize, MPI_Count* position, MPI_Comm comm) {
    return pack("MPI_Pack_c", in, incount, dt, out, outsize, position, comm, nullptr);
}
EFAMPI_ALIAS(Pack_c)
extern "C" int PMPI_Unpack(const void* in, int insize, int* position, void* out, int outcount,
                           MPI_Datatype dt, MPI_Comm comm) {
    return unpack("MPI_Unpack", in, insize, position, out, outcount, dt, comm, nullptr);
}
EFAMPI_ALIAS(Unpack)
extern "C" int PMPI_Unpack_c(const void* in, MPI_Count insize, MPI_Count* position, void* out,
                             MPI_Count outcount, MPI_Datatype dt, MPI_Comm comm) {
    return unpack("MPI_Unpack_c", in, insize, position, out, outcount, dt, comm, nullptr);
}
EFAMPI_ALIAS(Unpack_c)
extern "C" int PMPI_Pack_size(int incount, MPI_Datatype dt, MPI_Comm comm, int* size) {
    return pack_size("MPI_Pack_size", incount, dt, comm, size, nullptr);
}
EFAMPI_ALIAS(Pack_size)
extern "C" int PMPI_Pack_size_c(MPI_Count incount, MPI_Datatype dt, MPI_Comm comm, MPI_Count* size) {
    return pack_size("MPI_Pack_size_c", incount, dt, comm, size, nullptr);
}
EFAMPI_ALIAS(Pack_size_c)

extern "C" int PMPI_Pack_external(const char rep[], const void* in, int incount, MPI_Datatype dt,
                                  void* out, MPI_Aint outsize, MPI_Aint* position) {
    return pack("MPI_Pack_external", in, incount, dt, out, outsize, position, MPI_COMM_SELF, rep);
}
EFAMPI_ALIAS(Pack_external)
extern "C" int PMPI_Pack_external_c(const char rep[], const void* in, MPI_Count incount,
                                    MPI_Datatype dt, void* out, MPI_Count outsize,
                                    MPI_Count* position) {
    return pack("MPI_Pack_external_c", in, incount, dt, out, outsize, position, MPI_COMM_SELF, rep);
}
EFAMPI_ALIAS(Pack_external_c)
extern "C" int PMPI_Unpack_external(const char rep[], const void* in, MPI_Aint insize,
                                    MPI_Aint* position, void* out, int outcount,
                                    MPI_Datatype dt) {
    return unpack("MPI_Unpack_external", in, insize, position, out, outcount, dt, MPI_COMM_SELF, rep);
}
EFAMPI_ALIAS(Unpack_external)
extern "C" int PMPI_Unpack_external_c(const char rep[], const void* in, MPI_Count insize,
                                      MPI_Count* position, void* out, MPI_Count outcount,
                                      MPI_Datatype dt) {
    return unpack("MPI_Unpack_external_c", in, insize, position, out, outcount, dt, MPI_COMM_SELF, rep);
}
EFAMPI_ALIAS(Unpack_external_c)
extern "C" int PMPI_Pack_external_size(const char rep[], int incount, MPI_Datatype dt,
                                       MPI_Aint* size) {
    return pack_size("MPI_Pack_external_size", incount, dt, MPI_COMM_SELF, size, rep);
}
EFAMPI_ALIAS(Pack_external_size)
extern "C" int PMPI_Pack_external_size_c(const char rep[], MPI_Count incount, MPI_Datatype dt,
                                         MPI_Count* size) {
    return pack_size("MPI_Pack_external_size_c", incount, dt, MPI_COMM_SELF, size, rep);
}
EFAMPI_ALIAS(Pack_external_size_c)
