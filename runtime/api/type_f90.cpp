// MPI_Type_create_f90_real / _complex / _integer (MPI 4.1 §19.1.9): the datatype of a Fortran
// REAL, COMPLEX or INTEGER variable of KIND selected_real_kind(p, r) / selected_int_kind(r),
// with the kinds of gfortran on this platform. The result is a predefined type (it cannot be
// freed or renamed) laid out like the sized type it stands for (MPI_REAL8, ...), whose
// envelope says MPI_COMBINER_F90_* and whose contents are (p, r) or (r). One handle per
// distinct (combiner, p, r), kept for the life of the process, as the standard allows callers
// to compare them.
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "runtime/api/call.hpp"
#include "runtime/api/check.hpp"

using namespace efampi;

namespace {

// A Fortran kind: its decimal precision and exponent range (gfortran's PRECISION/RANGE).
struct Kind {
    int precision, range;
    MPI_Datatype real, complex;
};
// REAL(10) (x87 extended) has no sized MPI type; selected_real_kind picks it before REAL(16)
// for 16 <= p <= 18, so those requests come out as MPI_REAL16 here (the next that fits).
const Kind kReals[] = {{6, 37, MPI_REAL4, MPI_COMPLEX8},
                           {15, 307, MPI_REAL8, MPI_COMPLEX16},
                           {33, 4931, MPI_REAL16, MPI_COMPLEX32}};
struct IntKind {
    int range;
    MPI_Datatype type;
};
const IntKind kInts[] = {{2, MPI_INTEGER1}, {4, MPI_INTEGER2}, {9, MPI_INTEGER4},
                             {18, MPI_INTEGER8}, {38, MPI_INTEGER16}};

std::map<std::tuple<int, int, int>, std::unique_ptr<rt::Datatype>> g_made;

MPI_Datatype f90_type(int combiner, MPI_Datatype base, std::vector<int> ints) {
    int p = ints[0], r = ints.size() > 1 ? ints[1] : 0;
    std::unique_ptr<rt::Datatype>& d = g_made[{combiner, p, r}];
    if (!d) {
        d = std::make_unique<rt::Datatype>(*rt::to_type(base));  // the sized type's layout, name
        d->attrs = {};
        d->combiner = combiner;
        d->ints = std::move(ints);
        d->handle = reinterpret_cast<MPI_Datatype>(d.get());
    }
    return d->handle;
}

void check_arg(int v, const char* what) {
    if (v != MPI_UNDEFINED && v < 0)
        throw Error(MPI_ERR_ARG, std::string(what) + " " + std::to_string(v) +
                                     " is negative (pass MPI_UNDEFINED for no requirement)");
}

int create_real(const char* fn, int p, int r, bool cplx, MPI_Datatype* nt) {
    return api::call(api::no_object, fn, [&] {
        if (!nt) api::bad_arg("newtype pointer is NULL");
        check_arg(p, "p");
        check_arg(r, "r");
        if (p == MPI_UNDEFINED && r == MPI_UNDEFINED)
            throw Error(MPI_ERR_ARG, "p and r are both MPI_UNDEFINED: give at least one");
        for (const Kind& k : kReals) {
            if ((p == MPI_UNDEFINED || p <= k.precision) && (r == MPI_UNDEFINED || r <= k.range)) {
                *nt = f90_type(cplx ? MPI_COMBINER_F90_COMPLEX : MPI_COMBINER_F90_REAL,
                               cplx ? k.complex : k.real, {p, r});
                return MPI_SUCCESS;
            }
        }
        throw Error(MPI_ERR_ARG, std::string("no Fortran ") + (cplx ? "COMPLEX" : "REAL") +
                                     " kind has precision " + std::to_string(p) + " and range " +
                                     std::to_string(r) + " (the largest: precision 33, range 4931)");
    });
}

}  // namespace

extern "C" int PMPI_Type_create_f90_real(int p, int r, MPI_Datatype* nt) {
    return create_real("MPI_Type_create_f90_real", p, r, false, nt);
}
EFAMPI_ALIAS(Type_create_f90_real)

extern "C" int PMPI_Type_create_f90_complex(int p, int r, MPI_Datatype* nt) {
    return create_real("MPI_Type_create_f90_complex", p, r, true, nt);
}
EFAMPI_ALIAS(Type_create_f90_complex)

extern "C" int PMPI_Type_create_f90_integer(int r, MPI_Datatype* nt) {
    return api::call(api::no_object, "MPI_Type_create_f90_integer", [&] {
        if (!nt) api::bad_arg("newtype pointer is NULL");
        if (r < 0)
            throw Error(MPI_ERR_ARG, "r " + std::to_string(r) + " is negative");
        for (const IntKind& k : kInts) {
            if (r <= k.range) {
                *nt = f90_type(MPI_COMBINER_F90_INTEGER, k.type, {r});
                return MPI_SUCCESS;
            }
        }
        throw Error(MPI_ERR_ARG, "no Fortran INTEGER kind has range " + std::to_string(r) +
                                     " (the largest: 38)");
    });
}
EFAMPI_ALIAS(Type_create_f90_integer)
