// The MPI-1 functions removed in MPI 3.0 that legacy codes still call (include/mpi_legacy.h,
// declared from abi/legacy_signatures.txt). Each is its MPI-2 replacement under the old name:
// the queries are answered here (so their errors name the old function); the constructors and
// error-handler calls forward to the PMPI_ replacement, whose errors name the replacement.
// MPI_LB/MPI_UB are handled where types are built (objects/datatype.cpp, api/type_create.cpp).
#include "runtime/api/call.hpp"
#include "runtime/api/check.hpp"

using namespace efampi;

namespace {

// Bounds of a type for the removed queries; uncommitted types are fine (queries).
const rt::Datatype* queried(MPI_Datatype h, void* out) {
    const rt::Datatype* d = rt::to_type(h);
    if (!d) api::bad_type(h, "datatype");
    if (!out) api::bad_arg("result pointer is NULL");
    return d;
}

}  // namespace

extern "C" int PMPI_Address(const void* location, MPI_Aint* address) {
    return api::call(api::no_object, "MPI_Address", [&] {
        if (!address) api::bad_arg("address pointer is NULL");
        *address = reinterpret_cast<MPI_Aint>(location);
        return MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Address)

extern "C" int PMPI_Type_extent(MPI_Datatype datatype, MPI_Aint* extent) {
    return api::call(api::no_object, "MPI_Type_extent", [&] {
        *extent = static_cast<MPI_Aint>(queried(datatype, extent)->extent);
        return MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Type_extent)

extern "C" int PMPI_Type_lb(MPI_Datatype datatype, MPI_Aint* displacement) {
    return api::call(api::no_object, "MPI_Type_lb", [&] {
        *displacement = static_cast<MPI_Aint>(queried(datatype, displacement)->lb);
        return MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Type_lb)

extern "C" int PMPI_Type_ub(MPI_Datatype datatype, MPI_Aint* displacement) {
    return api::call(api::no_object, "MPI_Type_ub", [&] {
        const rt::Datatype* d = queried(datatype, displacement);
        *displacement = static_cast<MPI_Aint>(d->lb + d->extent);
        return MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Type_ub)

extern "C" int PMPI_Type_hvector(int count, int blocklength, MPI_Aint stride, MPI_Datatype oldtype,
                                 MPI_Datatype* newtype) {
    api::require_initialized("MPI_Type_hvector");
    return PMPI_Type_create_hvector(count, blocklength, stride, oldtype, newtype);
}
EFAMPI_ALIAS(Type_hvector)

extern "C" int PMPI_Type_hindexed(int count, const int array_of_blocklengths[],
                                  const MPI_Aint array_of_displacements[], MPI_Datatype oldtype,
                                  MPI_Datatype* newtype) {
    api::require_initialized("MPI_Type_hindexed");
    return PMPI_Type_create_hindexed(count, array_of_blocklengths, array_of_displacements,
                                     oldtype, newtype);
}
EFAMPI_ALIAS(Type_hindexed)

// MPI_LB / MPI_UB blocks set the bounds (api/type_create.cpp create_struct).
extern "C" int PMPI_Type_struct(int count, const int array_of_blocklengths[],
                                const MPI_Aint array_of_displacements[],
                                const MPI_Datatype array_of_types[], MPI_Datatype* newtype) {
    api::require_initialized("MPI_Type_struct");
    return PMPI_Type_create_struct(count, array_of_blocklengths, array_of_displacements,
                                   array_of_types, newtype);
}
EFAMPI_ALIAS(Type_struct)

extern "C" int PMPI_Errhandler_create(MPI_Handler_function* function, MPI_Errhandler* errhandler) {
    api::require_initialized("MPI_Errhandler_create");
    return PMPI_Comm_create_errhandler(function, errhandler);
}
EFAMPI_ALIAS(Errhandler_create)

extern "C" int PMPI_Errhandler_set(MPI_Comm comm, MPI_Errhandler errhandler) {
    api::require_initialized("MPI_Errhandler_set");
    return PMPI_Comm_set_errhandler(comm, errhandler);
}
EFAMPI_ALIAS(Errhandler_set)

extern "C" int PMPI_Errhandler_get(MPI_Comm comm, MPI_Errhandler* errhandler) {
    api::require_initialized("MPI_Errhandler_get");
    return PMPI_Comm_get_errhandler(comm, errhandler);
}
EFAMPI_ALIAS(Errhandler_get)
