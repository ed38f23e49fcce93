// Datatype constructors (MPI 4.1 §5.1.2-5.1.7, and their _c variants): each checks its
// arguments, reduces them to blocks (n copies of a type at a byte displacement, repeated at a
// stride for vectors and array dimensions) and records
// the arguments for MPI_Type_get_contents; rt::type_from_blocks does the rest.
#include <algorithm>
#include <string>
#include <vector>

#include "runtime/api/call.hpp"
#include "runtime/api/check.hpp"

using namespace efampi;

namespace {

using rt::Block;
using rt::TypeArgs;

// Old types may be uncommitted (only communication needs a commit).
const rt::Datatype* old_type(MPI_Datatype h, const char* what = "oldtype") {
    const rt::Datatype* d = rt::to_type(h);
    if (!d) api::bad_type(h, what);
    return d;
}

template <class I>
void nonneg(I v, const char* what) {
    if (v < 0)
        throw Error(MPI_ERR_COUNT, std::string(what) + " " +
                                       std::to_string(static_cast<long long>(v)) + " is negative");
}

template <class I>
void check_array(const I* a, int64_t n, const char* what) {
    if (n > 0 && !a) throw Error(MPI_ERR_ARG, std::string(what) + " is NULL");
}

// A byte offset or size from counts and extents: past 2^63 bytes is refused, not wrapped.
int64_t checked_mul(int64_t a, int64_t b) {
    int64_t r;
    if (__builtin_mul_overflow(a, b, &r))
        throw Error(MPI_ERR_COUNT, "the datatype would span more than 2^63 bytes (a count or "
                                   "displacement times an extent overflows)");
    return r;
}

int finish(MPI_Datatype* newtype, const std::vector<Block>& blocks, TypeArgs args,
           const int64_t* lb = nullptr, const int64_t* ub = nullptr) {
    if (!newtype) api::bad_arg("newtype pointer is NULL");
    *newtype = rt::type_from_blocks(blocks, std::move(args), lb, ub)->handle;
    return MPI_SUCCESS;
}

// Integer arguments go to `ints` (int variants) or `counts` (_c variants), as the standard's
// MPI_Type_get_contents layout says.
template <class I>
void put(TypeArgs& a, I v) {
    if constexpr (sizeof(I) == sizeof(int)) a.ints.push_back(static_cast<int>(v));
    else a.counts.push_back(static_cast<MPI_Count>(v));
}
template <class I>
TypeArgs args_of(int combiner) {
    TypeArgs a;
    a.combiner = combiner;
    a.large = sizeof(I) != sizeof(int);
    return a;
}

template <class I>
int contiguous(const char* fn, I count, MPI_Datatype old, MPI_Datatype* nt) {
    return api::call(api::no_object, fn, [&] {
        nonneg(count, "count");
        const rt::Datatype* o = old_type(old);
        TypeArgs a = args_of<I>(MPI_COMBINER_CONTIGUOUS);
        put(a, count);
        a.kids = {old};
        (void)o;
        return finish(nt, {Block{0, static_cast<int64_t>(count), old}}, std::move(a));
    });
}

// vector / hvector: `stride_bytes` false counts the stride in extents of old.
template <class I, class S>
int vector(const char* fn, I count, I blocklen, S stride, bool stride_bytes, MPI_Datatype old,
           MPI_Datatype* nt) {
    return api::call(api::no_object, fn, [&] {
        nonneg(count, "count");
        nonneg(blocklen, "blocklength");
        const rt::Datatype* o = old_type(old);
        int64_t step = stride_bytes ? static_cast<int64_t>(stride)
                                    : checked_mul(static_cast<int64_t>(stride), o->extent);
        TypeArgs a = args_of<I>(stride_bytes ? MPI_COMBINER_HVECTOR : MPI_COMBINER_VECTOR);
        put(a, count);
        put(a, blocklen);
        if (!stride_bytes || a.large) put(a, static_cast<I>(stride));
        else a.aints.push_back(static_cast<MPI_Aint>(stride));
        a.kids = {old};
        return finish(nt, {Block{0, static_cast<int64_t>(blocklen), old, static_cast<int64_t>(count), step}},
                      std::move(a));
    });
}

// indexed family: blocklens per block (or one for all), displacements in extents or bytes.
template <class I, class D>
int indexed(const char* fn, int combiner, I count, const I* blens, I one_blen, const D* displs,
            bool bytes, MPI_Datatype old, MPI_Datatype* nt) {
    return api::call(api::no_object, fn, [&] {
        nonneg(count, "count");
        int64_t n = static_cast<int64_t>(count);
        bool per_block = combiner == MPI_COMBINER_INDEXED || combiner == MPI_COMBINER_HINDEXED;
        if (per_block) check_array(blens, n, "array_of_blocklengths");
        else nonneg(one_blen, "blocklength");
        check_array(displs, n, "array_of_displacements");
        const rt::Datatype* o = old_type(old);
        TypeArgs a = args_of<I>(combiner);
        put(a, count);
        if (per_block) for (int64_t i = 0; i < n; ++i) put(a, blens[i]);
        else put(a, one_blen);
        for (int64_t i = 0; i < n; ++i) {
            if (bytes && !a.large) a.aints.push_back(static_cast<MPI_Aint>(displs[i]));
            else put(a, static_cast<I>(displs[i]));
        }
        a.kids = {old};
        std::vector<Block> b;
        b.reserve(static_cast<size_t>(n));
        for (int64_t i = 0; i < n; ++i) {
            int64_t bl = per_block ? static_cast<int64_t>(blens[i]) : static_cast<int64_t>(one_blen);
            if (bl < 0)
                throw Error(MPI_ERR_ARG, "array_of_blocklengths[" + std::to_string(i) + "] = " +
                                             std::to_string(bl) + " is negative");
            int64_t disp = bytes ? static_cast<int64_t>(displs[i])
                                 : checked_mul(static_cast<int64_t>(displs[i]), o->extent);
            b.push_back({disp, bl, old});
        }
        return finish(nt, b, std::move(a));
    });
}

template <class I, class D>
int create_struct(const char* fn, I count, const I* blens, const D* displs,
                  const MPI_Datatype* types, MPI_Datatype* nt) {
    return api::call(api::no_object, fn, [&] {
        nonneg(count, "count");
        int64_t n = static_cast<int64_t>(count);
        check_array(blens, n, "array_of_blocklengths");
        check_array(displs, n, "array_of_displacements");
        check_array(types, n, "array_of_types");
        TypeArgs a = args_of<I>(MPI_COMBINER_STRUCT);
        put(a, count);
        std::vector<Block> b;
        // MPI-1's bound markers (MPI_LB / MPI_UB, include/mpi_legacy.h): the lowest MPI_LB
        // displacement is the lower bound, the highest MPI_UB one the upper bound (no alignment
        // padding then); they carry no data, so they are no block.
        bool has_lb = false, has_ub = false;
        int64_t lb = 0, ub = 0;
        for (int64_t i = 0; i < n; ++i) {
            if (blens[i] < 0)
                throw Error(MPI_ERR_ARG, "array_of_blocklengths[" + std::to_string(i) + "] is negative");
            old_type(types[i], "array_of_types entry");
            put(a, blens[i]);
            int64_t disp = static_cast<int64_t>(displs[i]);
            if (types[i] == MPI_LB || types[i] == MPI_UB) {
                if (blens[i] == 0) continue;
                bool low = types[i] == MPI_LB;
                bool& has = low ? has_lb : has_ub;
                int64_t& at = low ? lb : ub;
                at = !has ? disp : low ? std::min(at, disp) : std::max(at, disp);
                has = true;
                continue;
            }
            b.push_back({disp, static_cast<int64_t>(blens[i]), types[i]});
        }
        for (int64_t i = 0; i < n; ++i) {
            if (a.large) put(a, static_cast<I>(displs[i]));
            else a.aints.push_back(static_cast<MPI_Aint>(displs[i]));
        }
        a.kids.assign(types, types + n);
        return finish(nt, b, std::move(a), has_lb ? &lb : nullptr, has_ub ? &ub : nullptr);
    });
}

// The type of an n-dimensional array of `sizes` whose selected indices per dimension are
// `runs` (start, length), in C (last index fastest) or Fortran order: lb 0, extent the whole
// array (subarray and darray both).
using Runs = std::vector<std::pair<int64_t, int64_t>>;
std::vector<Block> grid_blocks(const std::vector<int64_t>& sizes, const std::vector<Runs>& runs,
                               int order, MPI_Datatype old, std::vector<rt::Datatype*>& temps) {
    size_t nd = sizes.size();
    std::vector<size_t> dims(nd);  // slowest first
    for (size_t i = 0; i < nd; ++i) dims[i] = order == MPI_ORDER_C ? i : nd - 1 - i;
    int64_t ext = rt::to_type(old)->extent;
    std::vector<int64_t> stride(nd);
    int64_t s = ext;
    for (size_t k = nd; k-- > 0;) {
        stride[dims[k]] = s;
        s = checked_mul(s, sizes[dims[k]]);
    }
    MPI_Datatype inner = old;
    std::vector<Block> blocks;
    for (size_t k = nd; k-- > 0;) {
        size_t d = dims[k];
        blocks.clear();
        bool fastest = k == nd - 1;
        for (auto [start, len] : runs[d]) {
            if (fastest) {
                blocks.push_back({checked_mul(start, stride[d]), len, inner});
            } else {
                blocks.push_back({checked_mul(start, stride[d]), 1, inner, len, stride[d]});
            }
        }
        if (k > 0) {
            TypeArgs inner_args;
            inner_args.combiner = MPI_COMBINER_HINDEXED;
            rt::Datatype* t = rt::type_from_blocks(blocks, std::move(inner_args));
            temps.push_back(t);
            inner = t->handle;
        }
    }
    return blocks;
}

int finish_grid(MPI_Datatype* nt, const std::vector<int64_t>& sizes, const std::vector<Runs>& runs,
                int order, MPI_Datatype old, TypeArgs a) {
    std::vector<rt::Datatype*> temps;
    std::vector<Block> blocks = grid_blocks(sizes, runs, order, old, temps);
    int64_t total = rt::to_type(old)->extent;
    for (int64_t x : sizes) total = checked_mul(total, x);
    int64_t lb = 0;
    int rc = finish(nt, blocks, std::move(a), &lb, &total);
    for (rt::Datatype* t : temps) rt::type_release(t);  // the new type holds its own references
    return rc;
}

void check_order(int order) {
    if (order != MPI_ORDER_C && order != MPI_ORDER_FORTRAN)
        throw Error(MPI_ERR_ARG, "order " + std::to_string(order) +
                                     " is neither MPI_ORDER_C nor MPI_ORDER_FORTRAN");
}

template <class I>
int subarray(const char* fn, int ndims, const I* sizes, const I* subsizes, const I* starts,
             int order, MPI_Datatype old, MPI_Datatype* nt) {
    return api::call(api::no_object, fn, [&] {
        if (ndims <= 0) throw Error(MPI_ERR_ARG, "ndims " + std::to_string(ndims) + " is not positive");
        check_array(sizes, ndims, "array_of_sizes");
        check_array(subsizes, ndims, "array_of_subsizes");
        check_array(starts, ndims, "array_of_starts");
        check_order(order);
        old_type(old);
        std::vector<int64_t> sz(static_cast<size_t>(ndims));
        std::vector<Runs> runs(static_cast<size_t>(ndims));
        for (int i = 0; i < ndims; ++i) {
            int64_t n = static_cast<int64_t>(sizes[i]), sub = static_cast<int64_t>(subsizes[i]),
                    st = static_cast<int64_t>(starts[i]);
            std::string dim = "dimension " + std::to_string(i) + ": ";
            if (n <= 0) throw Error(MPI_ERR_ARG, dim + "size " + std::to_string(n) + " is not positive");
            if (sub <= 0 || sub > n)
                throw Error(MPI_ERR_ARG, dim + "subsize " + std::to_string(sub) + " is not in 1.." + std::to_string(n));
            if (st < 0 || st + sub > n)
                throw Error(MPI_ERR_ARG, dim + "start " + std::to_string(st) + " + subsize " +
                                             std::to_string(sub) + " runs past size " + std::to_string(n));
            sz[static_cast<size_t>(i)] = n;
            runs[static_cast<size_t>(i)] = {{st, sub}};
        }
        TypeArgs a = args_of<I>(MPI_COMBINER_SUBARRAY);
        a.ints.push_back(ndims);
        for (const I* arr : {sizes, subsizes, starts})
            for (int i = 0; i < ndims; ++i) put(a, arr[i]);
        a.ints.push_back(order);
        a.kids = {old};
        return finish_grid(nt, sz, runs, order, old, std::move(a));
    });
}

template <class I>
int darray(const char* fn, int size, int rank, int ndims, const I* gsizes, const int* distribs,
           const int* dargs, const int* psizes, int order, MPI_Datatype old, MPI_Datatype* nt) {
    return api::call(api::no_object, fn, [&] {
        if (size <= 0) throw Error(MPI_ERR_ARG, "size " + std::to_string(size) + " is not positive");
        if (rank < 0 || rank >= size)
            throw Error(MPI_ERR_ARG, "rank " + std::to_string(rank) + " is not in 0.." + std::to_string(size - 1));
        if (ndims <= 0) throw Error(MPI_ERR_ARG, "ndims " + std::to_string(ndims) + " is not positive");
        check_array(gsizes, ndims, "array_of_gsizes");
        check_array(distribs, ndims, "array_of_distribs");
        check_array(dargs, ndims, "array_of_dargs");
        check_array(psizes, ndims, "array_of_psizes");
        check_order(order);
        old_type(old);
        int64_t procs = 1;
        for (int i = 0; i < ndims; ++i) {
            if (psizes[i] <= 0) throw Error(MPI_ERR_ARG, "array_of_psizes[" + std::to_string(i) + "] is not positive");
            procs *= psizes[i];
        }
        if (procs != size)
            throw Error(MPI_ERR_ARG, "the process grid has " + std::to_string(procs) +
                                         " processes but size is " + std::to_string(size));
        // This process's coordinates: the grid is row-major whatever the array order.
        std::vector<int> coord(static_cast<size_t>(ndims));
        for (int i = ndims - 1, r = rank; i >= 0; --i) {
            coord[static_cast<size_t>(i)] = r % psizes[i];
            r /= psizes[i];
        }
        std::vector<int64_t> sz(static_cast<size_t>(ndims));
        std::vector<Runs> runs(static_cast<size_t>(ndims));
        for (int i = 0; i < ndims; ++i) {
            int64_t g = static_cast<int64_t>(gsizes[i]);
            int p = psizes[i], c = coord[static_cast<size_t>(i)];
            std::string dim = "dimension " + std::to_string(i) + ": ";
            if (g <= 0) throw Error(MPI_ERR_ARG, dim + "gsize is not positive");
            sz[static_cast<size_t>(i)] = g;
            Runs& r = runs[static_cast<size_t>(i)];
            if (distribs[i] == MPI_DISTRIBUTE_NONE) {
                if (p != 1) throw Error(MPI_ERR_ARG, dim + "MPI_DISTRIBUTE_NONE needs psize 1");
                r.push_back({0, g});
            } else if (distribs[i] == MPI_DISTRIBUTE_BLOCK) {
                int64_t b = dargs[i] == MPI_DISTRIBUTE_DFLT_DARG ? (g + p - 1) / p : dargs[i];
                if (b <= 0 || b * p < g)
                    throw Error(MPI_ERR_ARG, dim + "block size " + std::to_string(b) + " x " +
                                                 std::to_string(p) + " processes does not cover " +
                                                 std::to_string(g));
                int64_t lo = c * b, hi = std::min(g, lo + b);
                if (hi > lo) r.push_back({lo, hi - lo});
            } else if (distribs[i] == MPI_DISTRIBUTE_CYCLIC) {
                int64_t b = dargs[i] == MPI_DISTRIBUTE_DFLT_DARG ? 1 : dargs[i];
                if (b <= 0) throw Error(MPI_ERR_ARG, dim + "cyclic block size is not positive");
                for (int64_t lo = c * b; lo < g; lo += b * p) r.push_back({lo, std::min(b, g - lo)});
            } else {
                throw Error(MPI_ERR_ARG, dim + "distribution " + std::to_string(distribs[i]) + " is unknown");
            }
        }
        TypeArgs a = args_of<I>(MPI_COMBINER_DARRAY);
        a.ints = {size, rank, ndims};
        for (int i = 0; i < ndims; ++i) put(a, gsizes[i]);
        for (const int* arr : {distribs, dargs, psizes}) a.ints.insert(a.ints.end(), arr, arr + ndims);
        a.ints.push_back(order);
        a.kids = {old};
        return finish_grid(nt, sz, runs, order, old, std::move(a));
    });
}

template <class I>
int resized(const char* fn, MPI_Datatype old, I lb, I extent, MPI_Datatype* nt) {
    return api::call(api::no_object, fn, [&] {
        old_type(old);
        TypeArgs a = args_of<I>(MPI_COMBINER_RESIZED);
        if (a.large) a.counts = {static_cast<MPI_Count>(lb), static_cast<MPI_Count>(extent)};
        else a.aints = {static_cast<MPI_Aint>(lb), static_cast<MPI_Aint>(extent)};
        a.kids = {old};
        int64_t l = static_cast<int64_t>(lb), u = 0;
        if (__builtin_add_overflow(l, static_cast<int64_t>(extent), &u))
            throw Error(MPI_ERR_ARG, "lb + extent overflows 2^63 bytes");
        return finish(nt, {Block{0, 1, old}}, std::move(a), &l, &u);
    });
}

}  // namespace

// --- entry points ---

extern "C" int PMPI_Type_contiguous(int count, MPI_Datatype old, MPI_Datatype* nt) {
    return contiguous("MPI_Type_contiguous", count, old, nt);
}
EFAMPI_ALIAS(Type_contiguous)
extern "C" int PMPI_Type_contiguous_c(MPI_Count count, MPI_Datatype old, MPI_Datatype* nt) {
    return contiguous("MPI_Type_contiguous_c", count, old, nt);
}
EFAMPI_ALIAS(Type_contiguous_c)

extern "C" int PMPI_Type_vector(int count, int bl, int stride, MPI_Datatype old, MPI_Datatype* nt) {
    return vector("MPI_Type_vector", count, bl, stride, false, old, nt);
}
EFAMPI_ALIAS(Type_vector)
extern "C" int PMPI_Type_vector_c(MPI_Count count, MPI_Count bl, MPI_Count stride, MPI_Datatype old,
                                  MPI_Datatype* nt) {
    return vector("MPI_Type_vector_c", count, bl, stride, false, old, nt);
}
EFAMPI_ALIAS(Type_vector_c)
extern "C" int PMPI_Type_create_hvector(int count, int bl, MPI_Aint stride, MPI_Datatype old,
                                        MPI_Datatype* nt) {
    return vector("MPI_Type_create_hvector", count, bl, stride, true, old, nt);
}
EFAMPI_ALIAS(Type_create_hvector)
extern "C" int PMPI_Type_create_hvector_c(MPI_Count count, MPI_Count bl, MPI_Count stride,
                                          MPI_Datatype old, MPI_Datatype* nt) {
    return vector("MPI_Type_create_hvector_c", count, bl, stride, true, old, nt);
}
EFAMPI_ALIAS(Type_create_hvector_c)

extern "C" int PMPI_Type_indexed(int count, const int bl[], const int displs[], MPI_Datatype old,
                                 MPI_Datatype* nt) {
    return indexed("MPI_Type_indexed", MPI_COMBINER_INDEXED, count, bl, 0, displs, false, old, nt);
}
EFAMPI_ALIAS(Type_indexed)
extern "C" int PMPI_Type_indexed_c(MPI_Count count, const MPI_Count bl[], const MPI_Count displs[],
                                   MPI_Datatype old, MPI_Datatype* nt) {
    return indexed("MPI_Type_indexed_c", MPI_COMBINER_INDEXED, count, bl, MPI_Count(0), displs, false, old, nt);
}
EFAMPI_ALIAS(Type_indexed_c)
extern "C" int PMPI_Type_create_hindexed(int count, const int bl[], const MPI_Aint displs[],
                                         MPI_Datatype old, MPI_Datatype* nt) {
    return indexed("MPI_Type_create_hindexed", MPI_COMBINER_HINDEXED, count, bl, 0, displs, true, old, nt);
}
EFAMPI_ALIAS(Type_create_hindexed)
extern "C" int PMPI_Type_create_hindexed_c(MPI_Count count, const MPI_Count bl[],
                                           const MPI_Count displs[], MPI_Datatype old,
                                           MPI_Datatype* nt) {
    return indexed("MPI_Type_create_hindexed_c", MPI_COMBINER_HINDEXED, count, bl, MPI_Count(0), displs, true, old, nt);
}
EFAMPI_ALIAS(Type_create_hindexed_c)
extern "C" int PMPI_Type_create_indexed_block(int count, int bl, const int displs[],
                                              MPI_Datatype old, MPI_Datatype* nt) {
    return indexed("MPI_Type_create_indexed_block", MPI_COMBINER_INDEXED_BLOCK, count,
                   static_cast<const int*>(nullptr), bl, displs, false, old, nt);
}
EFAMPI_ALIAS(Type_create_indexed_block)
extern "C" int PMPI_Type_create_indexed_block_c(MPI_Count count, MPI_Count bl,
                                                const MPI_Count displs[], MPI_Datatype old,
                                                MPI_Datatype* nt) {
    return indexed("MPI_Type_create_indexed_block_c", MPI_COMBINER_INDEXED_BLOCK, count,
                   static_cast<const MPI_Count*>(nullptr), bl, displs, false, old, nt);
}
EFAMPI_ALIAS(Type_create_indexed_block_c)
extern "C" int PMPI_Type_create_hindexed_block(int count, int bl, const MPI_Aint displs[],
                                               MPI_Datatype old, MPI_Datatype* nt) {
    return indexed("MPI_Type_create_hindexed_block", MPI_COMBINER_HINDEXED_BLOCK, count,
                   static_cast<const int*>(nullptr), bl, displs, true, old, nt);
}
EFAMPI_ALIAS(Type_create_hindexed_block)
extern "C" int PMPI_Type_create_hindexed_block_c(MPI_Count count, MPI_Count bl,
                                                 const MPI_Count displs[], MPI_Datatype old,
                                                 MPI_Datatype* nt) {
    return indexed("MPI_Type_create_hindexed_block_c", MPI_COMBINER_HINDEXED_BLOCK, count,
                   static_cast<const MPI_Count*>(nullptr), bl, displs, true, old, nt);
}
EFAMPI_ALIAS(Type_create_hindexed_block_c)

extern "C" int PMPI_Type_create_struct(int count, const int bl[], const MPI_Aint displs[],
                                       const MPI_Datatype types[], MPI_Datatype* nt) {
    return create_struct("MPI_Type_create_struct", count, bl, displs, types, nt);
}
EFAMPI_ALIAS(Type_create_struct)
extern "C" int PMPI_Type_create_struct_c(MPI_Count count, const MPI_Count bl[],
                                         const MPI_Count displs[], const MPI_Datatype types[],
                                         MPI_Datatype* nt) {
    return create_struct("MPI_Type_create_struct_c", count, bl, displs, types, nt);
}
EFAMPI_ALIAS(Type_create_struct_c)

extern "C" int PMPI_Type_create_subarray(int ndims, const int sizes[], const int subsizes[],
                                         const int starts[], int order, MPI_Datatype old,
                                         MPI_Datatype* nt) {
    return subarray("MPI_Type_create_subarray", ndims, sizes, subsizes, starts, order, old, nt);
}
EFAMPI_ALIAS(Type_create_subarray)
extern "C" int PMPI_Type_create_subarray_c(int ndims, const MPI_Count sizes[],
                                           const MPI_Count subsizes[], const MPI_Count starts[],
                                           int order, MPI_Datatype old, MPI_Datatype* nt) {
    return subarray("MPI_Type_create_subarray_c", ndims, sizes, subsizes, starts, order, old, nt);
}
EFAMPI_ALIAS(Type_create_subarray_c)

extern "C" int PMPI_Type_create_darray(int size, int rank, int ndims, const int gsizes[],
                                       const int distribs[], const int dargs[],
                                       const int psizes[], int order, MPI_Datatype old,
                                       MPI_Datatype* nt) {
    return darray("MPI_Type_create_darray", size, rank, ndims, gsizes, distribs, dargs, psizes,
                  order, old, nt);
}
EFAMPI_ALIAS(Type_create_darray)
extern "C" int PMPI_Type_create_darray_c(int size, int rank, int ndims, const MPI_Count gsizes[],
                                         const int distribs[], const int dargs[],
                                         const int psizes[], int order, MPI_Datatype old,
                                         MPI_Datatype* nt) {
    return darray("MPI_Type_create_darray_c", size, rank, ndims, gsizes, distribs, dargs, psizes,
                  order, old, nt);
}
EFAMPI_ALIAS(Type_create_darray_c)

extern "C" int PMPI_Type_create_resized(MPI_Datatype old, MPI_Aint lb, MPI_Aint extent,
                                        MPI_Datatype* nt) {
    return resized("MPI_Type_create_resized", old, lb, extent, nt);
}
EFAMPI_ALIAS(Type_create_resized)
extern "C" int PMPI_Type_create_resized_c(MPI_Datatype old, MPI_Count lb, MPI_Count extent,
                                          MPI_Datatype* nt) {
    return resized("MPI_Type_create_resized_c", old, lb, extent, nt);
}
EFAMPI_ALIAS(Type_create_resized_c)
