// Datatype lifecycle and queries beyond size and extent: commit, free, dup, names, true
// extent, envelope and contents, Get_elements, addresses, Type_match_size,
// Type_get_value_index.
#include <cstring>
#include <limits>
#include <string>

#include "base/undo.hpp"
#include "runtime/api/call.hpp"
#include "runtime/api/check.hpp"

using namespace efampi;

namespace {

rt::Datatype* any_type(MPI_Datatype h, const char* what = "datatype") {
    const rt::Datatype* d = rt::to_type(h);
    if (!d) api::bad_type(h, what);
    return const_cast<rt::Datatype*>(d);
}

template <class Out>
int true_extent(const char* fn, MPI_Datatype dt, Out* lb, Out* extent) {
    return api::call(api::no_object, fn, [&] {
        rt::Datatype* d = any_type(dt);
        if (!lb || !extent) api::bad_arg("true_lb or true_extent pointer is NULL");
        *lb = static_cast<Out>(d->true_lb);
        *extent = static_cast<Out>(d->true_extent);
        return MPI_SUCCESS;
    });
}

template <class Out>
int envelope(const char* fn, MPI_Datatype dt, Out* ni, Out* na, Out* nc, Out* nd, int* combiner,
             bool large) {
    return api::call(api::no_object, fn, [&] {
        rt::Datatype* d = any_type(dt);
        if (!ni || !na || !nd || !combiner || (large && !nc)) api::bad_arg("an output pointer is NULL");
        *ni = static_cast<Out>(d->ints.size());
        *na = static_cast<Out>(d->aints.size());
        if (nc) *nc = static_cast<Out>(d->counts.size());
        *nd = static_cast<Out>(d->kids.size());
        *combiner = d->combiner;
        if (!nc && !d->counts.empty())
            throw Error(MPI_ERR_TYPE, "the type was made by a large-count (_c) constructor: use "
                                      "MPI_Type_get_envelope_c");
        return MPI_SUCCESS;
    });
}

template <class In>
int contents(const char* fn, MPI_Datatype dt, In mi, In ma, In mc, In md, int* ints,
             MPI_Aint* aints, MPI_Count* counts, MPI_Datatype* types, bool large) {
    return api::call(api::no_object, fn, [&] {
        rt::Datatype* d = any_type(dt);
        if (d->combiner == MPI_COMBINER_NAMED)
            throw Error(MPI_ERR_TYPE, std::string(d->name) + " is predefined: it has no contents");
        if (!large && !d->counts.empty())
            throw Error(MPI_ERR_TYPE, "the type was made by a large-count (_c) constructor: use "
                                      "MPI_Type_get_contents_c");
        auto fits = [](size_t have, In room, const char* what) {
            if (static_cast<int64_t>(have) > static_cast<int64_t>(room))
                throw Error(MPI_ERR_ARG, std::string(what) + " has room for " +
                                             std::to_string(static_cast<long long>(room)) +
                                             ", the type has " + std::to_string(have));
        };
        fits(d->ints.size(), mi, "max_integers");
        fits(d->aints.size(), ma, "max_addresses");
        if (large) fits(d->counts.size(), mc, "max_large_counts");
        fits(d->kids.size(), md, "max_datatypes");
        if (!d->ints.empty()) std::memcpy(ints, d->ints.data(), d->ints.size() * sizeof(int));
        if (!d->aints.empty()) std::memcpy(aints, d->aints.data(), d->aints.size() * sizeof(MPI_Aint));
        if (large && !d->counts.empty())
            std::memcpy(counts, d->counts.data(), d->counts.size() * sizeof(MPI_Count));
        for (size_t i = 0; i < d->kids.size(); ++i) {
            // Derived types come back as handles the caller must free: one more reference.
            rt::Datatype* k = any_type(d->kids[i]);
            rt::type_retain(k);
            types[i] = d->kids[i];
        }
        return MPI_SUCCESS;
    });
}

template <class Out>
int get_elements(const char* fn, const MPI_Status* st, MPI_Datatype dt, Out* count) {
    return api::call(api::no_object, fn, [&] {
        const rt::Datatype* d = api::check_type(dt);
        if (!st || !count) api::bad_arg("status or count pointer is NULL");
        uint64_t bytes = api::status_bytes(st);  // packed data (or a dense type's bytes)
        int64_t n = rt::elements_in(*d, bytes);
        *count = n < 0 || n > static_cast<int64_t>(std::numeric_limits<Out>::max())
                     ? static_cast<Out>(MPI_UNDEFINED)
                     : static_cast<Out>(n);
        return MPI_SUCCESS;
    });
}

}  // namespace

extern "C" int PMPI_Type_commit(MPI_Datatype* dt) {
    return api::call(api::no_object, "MPI_Type_commit", [&] {
        if (!dt) api::bad_arg("datatype pointer is NULL");
        rt::Datatype* d = any_type(*dt);
        if (!d->predefined) d->committed = true;
        return MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Type_commit)

extern "C" int PMPI_Type_free(MPI_Datatype* dt) {
    return api::call(api::no_object, "MPI_Type_free", [&] {
        if (!dt) api::bad_arg("datatype pointer is NULL");
        rt::Datatype* d = any_type(*dt);
        if (d->predefined)
            throw Error(MPI_ERR_TYPE, std::string("cannot free the predefined datatype ") + d->name);
        // Attributes go with the handle (delete callbacks first; one failing fails the free).
        rt::attr_delete_all(rt::AttrHost{rt::AttrKind::type, *dt, &d->attrs});
        rt::type_release(d);  // types built on it and pending operations keep it alive
        *dt = MPI_DATATYPE_NULL;
        return MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Type_free)

extern "C" int PMPI_Type_dup(MPI_Datatype old, MPI_Datatype* nt) {
    return api::call(api::no_object, "MPI_Type_dup", [&] {
        rt::Datatype* o = any_type(old, "oldtype");
        if (!nt) api::bad_arg("newtype pointer is NULL");
        rt::TypeArgs a;
        a.combiner = MPI_COMBINER_DUP;
        a.kids = {old};
        int64_t lb = o->lb, ub = o->lb + o->extent;
        rt::Datatype* d = rt::type_from_blocks({rt::Block{0, 1, old}}, std::move(a), &lb, &ub);
        d->committed = o->committed;
        Undo drop([&] {  // a failing copy callback fails the dup, which leaves no new type
            try {
                rt::attr_delete_all(rt::AttrHost{rt::AttrKind::type, d->handle, &d->attrs});
            } catch (...) {  // a failing delete callback cannot replace the copy's error
            }
            rt::type_release(d);
        });
        rt::attr_copy_all(rt::AttrHost{rt::AttrKind::type, old, &o->attrs},
                          rt::AttrHost{rt::AttrKind::type, d->handle, &d->attrs});
        drop.keep();
        *nt = d->handle;
        return MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Type_dup)

extern "C" int PMPI_Type_set_name(MPI_Datatype dt, const char* name) {
    return api::call(api::no_object, "MPI_Type_set_name", [&] {
        rt::Datatype* d = any_type(dt);
        if (!name) api::bad_arg("name is NULL");
        if (d->predefined)
            throw Error(MPI_ERR_TYPE, std::string("cannot rename the predefined datatype ") + d->name);
        d->user_name.assign(name, strnlen(name, MPI_MAX_OBJECT_NAME - 1));
        d->named = true;
        return MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Type_set_name)

extern "C" int PMPI_Type_get_true_extent(MPI_Datatype dt, MPI_Aint* lb, MPI_Aint* extent) {
    return true_extent("MPI_Type_get_true_extent", dt, lb, extent);
}
EFAMPI_ALIAS(Type_get_true_extent)
extern "C" int PMPI_Type_get_true_extent_c(MPI_Datatype dt, MPI_Count* lb, MPI_Count* extent) {
    return true_extent("MPI_Type_get_true_extent_c", dt, lb, extent);
}
EFAMPI_ALIAS(Type_get_true_extent_c)
extern "C" int PMPI_Type_get_true_extent_x(MPI_Datatype dt, MPI_Count* lb, MPI_Count* extent) {
    return true_extent("MPI_Type_get_true_extent_x", dt, lb, extent);
}
EFAMPI_ALIAS(Type_get_true_extent_x)

extern "C" int PMPI_Type_get_envelope(MPI_Datatype dt, int* ni, int* na, int* nd, int* combiner) {
    return envelope<int>("MPI_Type_get_envelope", dt, ni, na, nullptr, nd, combiner, false);
}
EFAMPI_ALIAS(Type_get_envelope)
extern "C" int PMPI_Type_get_envelope_c(MPI_Datatype dt, MPI_Count* ni, MPI_Count* na,
                                        MPI_Count* nc, MPI_Count* nd, int* combiner) {
    return envelope<MPI_Count>("MPI_Type_get_envelope_c", dt, ni, na, nc, nd, combiner, true);
}
EFAMPI_ALIAS(Type_get_envelope_c)

extern "C" int PMPI_Type_get_contents(MPI_Datatype dt, int mi, int ma, int md, int ints[],
                                      MPI_Aint aints[], MPI_Datatype types[]) {
    return contents<int>("MPI_Type_get_contents", dt, mi, ma, 0, md, ints, aints, nullptr, types,
                         false);
}
EFAMPI_ALIAS(Type_get_contents)
extern "C" int PMPI_Type_get_contents_c(MPI_Datatype dt, MPI_Count mi, MPI_Count ma,
                                        MPI_Count mc, MPI_Count md, int ints[], MPI_Aint aints[],
                                        MPI_Count counts[], MPI_Datatype types[]) {
    return contents<MPI_Count>("MPI_Type_get_contents_c", dt, mi, ma, mc, md, ints, aints, counts,
                               types, true);
}
EFAMPI_ALIAS(Type_get_contents_c)

extern "C" int PMPI_Get_elements(const MPI_Status* st, MPI_Datatype dt, int* count) {
    return get_elements("MPI_Get_elements", st, dt, count);
}
EFAMPI_ALIAS(Get_elements)
extern "C" int PMPI_Get_elements_c(const MPI_Status* st, MPI_Datatype dt, MPI_Count* count) {
    return get_elements("MPI_Get_elements_c", st, dt, count);
}
EFAMPI_ALIAS(Get_elements_c)
extern "C" int PMPI_Get_elements_x(const MPI_Status* st, MPI_Datatype dt, MPI_Count* count) {
    return get_elements("MPI_Get_elements_x", st, dt, count);
}
EFAMPI_ALIAS(Get_elements_x)

extern "C" int PMPI_Get_address(const void* location, MPI_Aint* address) {
    return api::call(api::no_object, "MPI_Get_address", [&] {
        if (!address) api::bad_arg("address pointer is NULL");
        *address = reinterpret_cast<MPI_Aint>(location);
        return MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Get_address)

// Plain arithmetic on addresses (no error handling: the standard gives these no error code).
extern "C" MPI_Aint PMPI_Aint_add(MPI_Aint base, MPI_Aint disp) {
    return static_cast<MPI_Aint>(static_cast<uintptr_t>(base) + static_cast<uintptr_t>(disp));
}
EFAMPI_ALIAS(Aint_add)
extern "C" MPI_Aint PMPI_Aint_diff(MPI_Aint a, MPI_Aint b) {
    return static_cast<MPI_Aint>(static_cast<uintptr_t>(a) - static_cast<uintptr_t>(b));
}
EFAMPI_ALIAS(Aint_diff)

extern "C" int PMPI_Type_match_size(int typeclass, int size, MPI_Datatype* dt) {
    return api::call(api::no_object, "MPI_Type_match_size", [&] {
        if (!dt) api::bad_arg("datatype pointer is NULL");
        MPI_Datatype r = MPI_DATATYPE_NULL;
        if (typeclass == MPI_TYPECLASS_INTEGER) {
            r = size == 1 ? MPI_INTEGER1 : size == 2 ? MPI_INTEGER2 : size == 4 ? MPI_INTEGER4
              : size == 8 ? MPI_INTEGER8 : size == 16 ? MPI_INTEGER16 : MPI_DATATYPE_NULL;
        } else if (typeclass == MPI_TYPECLASS_REAL) {
            r = size == 2 ? MPI_REAL2 : size == 4 ? MPI_REAL4 : size == 8 ? MPI_REAL8
              : size == 16 ? MPI_REAL16 : MPI_DATATYPE_NULL;
        } else if (typeclass == MPI_TYPECLASS_COMPLEX) {
            r = size == 4 ? MPI_COMPLEX4 : size == 8 ? MPI_COMPLEX8 : size == 16 ? MPI_COMPLEX16
              : size == 32 ? MPI_COMPLEX32 : MPI_DATATYPE_NULL;
        } else {
            throw Error(MPI_ERR_ARG, "typeclass " + std::to_string(typeclass) +
                                         " is not MPI_TYPECLASS_INTEGER, _REAL or _COMPLEX");
        }
        if (r == MPI_DATATYPE_NULL)
            throw Error(MPI_ERR_ARG, "no type of this class has size " + std::to_string(size));
        *dt = r;
        return MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Type_match_size)

extern "C" int PMPI_Type_get_value_index(MPI_Datatype value, MPI_Datatype index,
                                         MPI_Datatype* pair) {
    return api::call(api::no_object, "MPI_Type_get_value_index", [&] {
        any_type(value, "value_type");
        any_type(index, "index_type");
        if (!pair) api::bad_arg("pair_type pointer is NULL");
        struct P { MPI_Datatype v, i, p; };
        const P table[] = {{MPI_FLOAT, MPI_INT, MPI_FLOAT_INT}, {MPI_DOUBLE, MPI_INT, MPI_DOUBLE_INT},
                           {MPI_LONG, MPI_INT, MPI_LONG_INT}, {MPI_INT, MPI_INT, MPI_2INT},
                           {MPI_SHORT, MPI_INT, MPI_SHORT_INT}, {MPI_LONG_DOUBLE, MPI_INT, MPI_LONG_DOUBLE_INT},
                           {MPI_REAL, MPI_REAL, MPI_2REAL}, {MPI_DOUBLE_PRECISION, MPI_DOUBLE_PRECISION, MPI_2DOUBLE_PRECISION},
                           {MPI_INTEGER, MPI_INTEGER, MPI_2INTEGER}};
        *pair = MPI_DATATYPE_NULL;
        for (const P& e : table)
            if (e.v == value && e.i == index) *pair = e.p;
        return MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Type_get_value_index)
