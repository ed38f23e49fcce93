// Cartesian virtual topologies: MPI_Dims_create, Cart_create, Cart_get, Cartdim_get,
// Cart_rank, Cart_coords, Cart_shift, Cart_sub, Cart_map, Topo_test. Ranks are laid out in
// row-major order (the last dimension varies fastest) and never reordered: reorder is allowed
// to be ignored, and the grid's rank r is the old communicator's rank r.
#include <algorithm>
#include <string>
#include <vector>

#include "runtime/api/call.hpp"
#include "runtime/api/check.hpp"
#include "runtime/api/comm_split.hpp"

using namespace efampi;

namespace {

// Product of `dims`, or -1 when a dimension is negative or the product overflows an int.
long long grid_size(int ndims, const int* dims) {
    long long n = 1;
    for (int i = 0; i < ndims; ++i) {
        if (dims[i] < 0) return -1;
        n *= dims[i];
        if (n > 0x7fffffff) return -1;
    }
    return n;
}

void check_dims_args(int ndims, const int* dims, const char* what) {
    if (ndims < 0) throw Error(MPI_ERR_DIMS, "ndims " + std::to_string(ndims) + " is negative");
    if (ndims > 0 && !dims) api::bad_arg(what);
}

const rt::Topology& cart_of(const rt::Comm& c) {
    if (!c.topo || c.topo->kind != MPI_CART)
        throw Error(MPI_ERR_TOPOLOGY, "the communicator has no Cartesian topology");
    return *c.topo;
}

}  // namespace

extern "C" int PMPI_Dims_create(int nnodes, int ndims, int dims[]) {
    return api::call(MPI_COMM_SELF, "MPI_Dims_create", [&] {
        check_dims_args(ndims, dims, "dims is NULL");
        if (nnodes < 0) throw Error(MPI_ERR_ARG, "nnodes " + std::to_string(nnodes) + " is negative");
        long long fixed = 1;
        int free_dims = 0;
        for (int i = 0; i < ndims; ++i) {
            if (dims[i] < 0)
                throw Error(MPI_ERR_DIMS, "dims[" + std::to_string(i) + "] = " +
                                              std::to_string(dims[i]) + " is negative");
            if (dims[i] == 0) ++free_dims;
            else fixed *= dims[i];
        }
        if (fixed == 0 || nnodes % fixed != 0)
            throw Error(MPI_ERR_DIMS, "the fixed dimensions (product " + std::to_string(fixed) +
                                          ") do not divide nnodes " + std::to_string(nnodes));
        long long rest = nnodes / fixed;
        if (free_dims == 0) {
            if (rest != 1)
                throw Error(MPI_ERR_DIMS, "every dimension is fixed and their product is not " +
                                              std::to_string(nnodes));
            return MPI_SUCCESS;
        }
        // Prime factors, largest first, each multiplied into the smallest free dimension so
        // far: as balanced as the factors allow; then non-increasing order.
        std::vector<long long> factors;
        for (long long p = 2; p * p <= rest; ++p)
            while (rest % p == 0) {
                factors.push_back(p);
                rest /= p;
            }
        if (rest > 1) factors.push_back(rest);
        std::sort(factors.rbegin(), factors.rend());
        std::vector<long long> out(static_cast<size_t>(free_dims), 1);
        for (long long f : factors) *std::min_element(out.begin(), out.end()) *= f;
        std::sort(out.rbegin(), out.rend());
        size_t k = 0;
        for (int i = 0; i < ndims; ++i)
            if (dims[i] == 0) dims[i] = static_cast<int>(out[k++]);
        return MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Dims_create)

extern "C" int PMPI_Cart_create(MPI_Comm comm_old, int ndims, const int dims[],
                                const int periods[], int reorder, MPI_Comm* comm_cart) {
    (void)reorder;  // ranks are kept where they are (allowed by the standard)
    return api::call(comm_old, "MPI_Cart_create", [&] {
        rt::Comm* c = api::check_comm(comm_old);
        check_dims_args(ndims, dims, "dims is NULL");
        if (ndims > 0 && !periods) api::bad_arg("periods is NULL");
        if (!comm_cart) api::bad_arg("comm_cart pointer is NULL");
        long long n = grid_size(ndims, dims);
        if (n < 0) throw Error(MPI_ERR_DIMS, "a dimension is negative (or the grid is too large)");
        if (n > c->size)
            throw Error(MPI_ERR_DIMS, "the grid has " + std::to_string(n) +
                                          " ranks but the communicator only " +
                                          std::to_string(c->size));
        api::comm_split(c, c->rank < n ? 0 : MPI_UNDEFINED, c->rank, comm_cart, "colour");
        if (*comm_cart == MPI_COMM_NULL) return MPI_SUCCESS;
        auto t = std::make_unique<rt::Topology>();
        t->kind = MPI_CART;
        t->dims.assign(dims, dims + ndims);
        for (int i = 0; i < ndims; ++i) t->periods.push_back(periods[i] ? 1 : 0);
        rt::to_comm(*comm_cart)->topo = std::move(t);
        return MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Cart_create)

extern "C" int PMPI_Cartdim_get(MPI_Comm comm, int* ndims) {
    return api::call(comm, "MPI_Cartdim_get", [&] {
        const rt::Topology& t = cart_of(*api::check_comm(comm));
        if (!ndims) api::bad_arg("ndims pointer is NULL");
        *ndims = static_cast<int>(t.dims.size());
        return MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Cartdim_get)

extern "C" int PMPI_Cart_get(MPI_Comm comm, int maxdims, int dims[], int periods[],
                             int coords[]) {
    return api::call(comm, "MPI_Cart_get", [&] {
        rt::Comm* c = api::check_comm(comm);
        const rt::Topology& t = cart_of(*c);
        int n = static_cast<int>(t.dims.size());
        if (maxdims < n)
            throw Error(MPI_ERR_ARG, "maxdims " + std::to_string(maxdims) + " is below the " +
                                         std::to_string(n) + " dimensions");
        if (n > 0 && (!dims || !periods || !coords)) api::bad_arg("an output array is NULL");
        std::copy(t.dims.begin(), t.dims.end(), dims);
        std::copy(t.periods.begin(), t.periods.end(), periods);
        t.coords(c->rank, coords);
        return MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Cart_get)

extern "C" int PMPI_Cart_rank(MPI_Comm comm, const int coords[], int* rank) {
    return api::call(comm, "MPI_Cart_rank", [&] {
        const rt::Topology& t = cart_of(*api::check_comm(comm));
        if (!rank || (!t.dims.empty() && !coords)) api::bad_arg("coords or rank pointer is NULL");
        int r = 0;
        for (size_t i = 0; i < t.dims.size(); ++i) {
            int x = coords[i], d = t.dims[i];
            if (x < 0 || x >= d) {
                if (!t.periods[i])
                    throw Error(MPI_ERR_ARG, "coordinate " + std::to_string(x) + " of dimension " +
                                                 std::to_string(i) + " is outside 0.." +
                                                 std::to_string(d - 1) + " (not periodic)");
                x = ((x % d) + d) % d;
            }
            r = r * d + x;
        }
        *rank = r;
        return MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Cart_rank)

extern "C" int PMPI_Cart_coords(MPI_Comm comm, int rank, int maxdims, int coords[]) {
    return api::call(comm, "MPI_Cart_coords", [&] {
        rt::Comm* c = api::check_comm(comm);
        const rt::Topology& t = cart_of(*c);
        if (rank < 0 || rank >= c->size) api::bad_rank(rank, *c, "rank");
        if (maxdims < static_cast<int>(t.dims.size()))
            throw Error(MPI_ERR_ARG, "maxdims " + std::to_string(maxdims) + " is below the " +
                                         std::to_string(t.dims.size()) + " dimensions");
        if (!t.dims.empty() && !coords) api::bad_arg("coords is NULL");
        t.coords(rank, coords);
        return MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Cart_coords)

extern "C" int PMPI_Cart_shift(MPI_Comm comm, int direction, int disp, int* rank_source,
                               int* rank_dest) {
    return api::call(comm, "MPI_Cart_shift", [&] {
        rt::Comm* c = api::check_comm(comm);
        const rt::Topology& t = cart_of(*c);
        if (!rank_source || !rank_dest) api::bad_arg("rank_source or rank_dest pointer is NULL");
        int n = static_cast<int>(t.dims.size());
        if (direction < 0 || direction >= n)
            throw Error(MPI_ERR_ARG, "direction " + std::to_string(direction) +
                                         " is not a dimension (0.." + std::to_string(n - 1) + ")");
        std::vector<int> me(static_cast<size_t>(n));
        t.coords(c->rank, me.data());
        auto neighbour = [&](int delta) {
            std::vector<int> x = me;
            size_t d = static_cast<size_t>(direction);
            long long v = static_cast<long long>(x[d]) + delta;
            int extent = t.dims[d];
            if (v < 0 || v >= extent) {
                if (!t.periods[d]) return MPI_PROC_NULL;
                v = ((v % extent) + extent) % extent;
            }
            x[d] = static_cast<int>(v);
            int r = 0;
            for (size_t i = 0; i < x.size(); ++i) r = r * t.dims[i] + x[i];
            return r;
        };
        *rank_dest = neighbour(disp);
        *rank_source = neighbour(-disp);
        return MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Cart_shift)

extern "C" int PMPI_Cart_sub(MPI_Comm comm, const int remain_dims[], MPI_Comm* newcomm) {
    return api::call(comm, "MPI_Cart_sub", [&] {
        rt::Comm* c = api::check_comm(comm);
        const rt::Topology& t = cart_of(*c);
        if (!newcomm) api::bad_arg("newcomm pointer is NULL");
        int n = static_cast<int>(t.dims.size());
        if (n > 0 && !remain_dims) api::bad_arg("remain_dims is NULL");
        // Same colour: same coordinates in the dropped dimensions; key: the position in the
        // kept ones (row-major), which is then the rank in the sub-grid.
        std::vector<int> me(static_cast<size_t>(n));
        t.coords(c->rank, me.data());
        int color = 0, key = 0;
        auto kept = std::make_unique<rt::Topology>();
        kept->kind = MPI_CART;
        for (int i = 0; i < n; ++i) {
            size_t k = static_cast<size_t>(i);
            if (remain_dims[i]) {
                key = key * t.dims[k] + me[k];
                kept->dims.push_back(t.dims[k]);
                kept->periods.push_back(t.periods[k]);
            } else {
                color = color * t.dims[k] + me[k];
            }
        }
        api::comm_split(c, color, key, newcomm, "colour");
        rt::to_comm(*newcomm)->topo = std::move(kept);
        return MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Cart_sub)

extern "C" int PMPI_Cart_map(MPI_Comm comm, int ndims, const int dims[], const int periods[],
                             int* newrank) {
    (void)periods;
    return api::call(comm, "MPI_Cart_map", [&] {
        rt::Comm* c = api::check_comm(comm);
        check_dims_args(ndims, dims, "dims is NULL");
        if (!newrank) api::bad_arg("newrank pointer is NULL");
        long long n = grid_size(ndims, dims);
        if (n < 0 || n > c->size)
            throw Error(MPI_ERR_DIMS, "the grid does not fit the communicator's " +
                                          std::to_string(c->size) + " ranks");
        *newrank = c->rank < n ? c->rank : MPI_UNDEFINED;
        return MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Cart_map)

extern "C" int PMPI_Topo_test(MPI_Comm comm, int* status) {
    return api::call(comm, "MPI_Topo_test", [&] {
        rt::Comm* c = api::check_comm(comm);
        if (!status) api::bad_arg("status pointer is NULL");
        *status = c->topo ? c->topo->kind : MPI_UNDEFINED;
        return MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Topo_test)
