// Virtual topologies: graphs and distributed graphs (below), and Cartesian: MPI_Dims_create, Cart_create, Cart_get, Cartdim_get,
// Cart_rank, Cart_coords, Cart_shift, Cart_sub, Cart_map, Topo_test. Ranks are laid out in
// row-major order (the last dimension varies fastest) and never reordered: reorder is allowed
// to be ignored, and the grid's rank r is the old communicator's rank r.
#include <algorithm>
#include <string>
#include <vector>

#include "runtime/api/call.hpp"
#include "runtime/api/check.hpp"
#include "collectives/allgather.hpp"
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

// The best of the factorizations of `n` into `k` non-increasing factors: the smallest
// spread (largest - smallest factor); among equal spreads, the smallest largest factor, then
// the smallest second largest, and so on (MPI 4.1 §8.5.2: "as close to each other as
// possible", non-increasing). A greedy split of the prime factors misses it (72 in 2: 12 x 6
// instead of 9 x 8), so this searches, with a bound that keeps it fast.
class DimsSearch {
public:
    DimsSearch(long long n, int k) : k_(k), cur_(static_cast<size_t>(k)) {
        for (long long d = 1; d * d <= n; ++d)
            if (n % d == 0) {
                divs_.push_back(d);
                if (d != n / d) divs_.push_back(n / d);
            }
        std::sort(divs_.begin(), divs_.end());
        place(0, n, n);
    }
    std::vector<long long> best() const { return best_; }

private:
    // Chooses factor i (at most `cap`, so the sequence does not increase) of what is left.
    void place(int i, long long left, long long cap) {
        if (i == k_ - 1) {
            if (left > cap) return;
            cur_[static_cast<size_t>(i)] = left;
            consider();
            return;
        }
        int rest = k_ - i;  // factors still to place, this one included
        // The largest of `rest` factors of `left` is at least its rest-th root: start there.
        long long lo = iroot_ceil(left, rest);
        for (long long d : divs_) {
            if (d < lo || left % d != 0) continue;
            if (d > cap) break;
            // The smallest factor after d is at most the (rest-1)-th root of left / d, so the
            // spread is at least d minus that; it only grows with d: stop once past the best.
            long long first = i == 0 ? d : cur_[0];
            long long spread_floor = first - iroot_floor(left / d, rest - 1);
            if (!best_.empty() && spread_floor > best_spread_) break;
            cur_[static_cast<size_t>(i)] = d;
            place(i + 1, left / d, d);
        }
    }
    void consider() {
        long long spread = cur_.front() - cur_.back();
        if (best_.empty() || spread < best_spread_ || (spread == best_spread_ && cur_ < best_)) {
            best_ = cur_;
            best_spread_ = spread;
        }
    }
    static long long ipow(long long b, int e, long long limit) {  // b^e, capped above limit
        long long r = 1;
        for (int j = 0; j < e; ++j) {
            if (r > limit / b) return limit + 1;
            r *= b;
        }
        return r;
    }
    static long long iroot_floor(long long x, int e) {  // largest r with r^e <= x
        if (e <= 1) return x;
        long long lo = 1, hi = x;
        while (lo < hi) {
            long long mid = lo + (hi - lo + 1) / 2;
            if (ipow(mid, e, x) <= x) lo = mid;
            else hi = mid - 1;
        }
        return lo;
    }
    static long long iroot_ceil(long long x, int e) {
        long long r = iroot_floor(x, e);
        return ipow(r, e, x) == x ? r : r + 1;
    }

    int k_;
    std::vector<long long> divs_, cur_, best_;
    long long best_spread_ = 0;
};

std::vector<long long> balanced_factors(long long n, int k) {
    if (n <= 1) return std::vector<long long>(static_cast<size_t>(k), 1);
    return DimsSearch(n, k).best();
}

}  // namespace

extern "C" int PMPI_Dims_create(int nnodes, int ndims, int dims[]) {
    return api::call(api::no_object, "MPI_Dims_create", [&] {
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
        std::vector<long long> out = balanced_factors(rest, free_dims);
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
        rt::Comm* c = api::check_intra(comm_old, "MPI_Cart_create");
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
        rt::Comm* c = api::check_intra(comm, "MPI_Cart_map");
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

// ---------------------------------------------------------------- graphs

namespace {

const rt::Topology& topo_of(const rt::Comm& c, int kind, const char* what) {
    if (!c.topo || c.topo->kind != kind)
        throw Error(MPI_ERR_TOPOLOGY, std::string("the communicator has no ") + what + " topology");
    return *c.topo;
}

// The standard's graph description: index[i] is the number of edges of nodes 0..i, edges
// their neighbours, each a node below nnodes.
void check_graph(int nnodes, const int* index, const int* edges) {
    if (nnodes < 0) throw Error(MPI_ERR_ARG, "nnodes " + std::to_string(nnodes) + " is negative");
    if (nnodes > 0 && !index) api::bad_arg("index is NULL");
    int prev = 0;
    for (int i = 0; i < nnodes; ++i) {
        if (index[i] < prev)
            throw Error(MPI_ERR_ARG, "index[" + std::to_string(i) + "] = " +
                                         std::to_string(index[i]) + " is below index[" +
                                         std::to_string(i - 1) + "] (the degrees are cumulative)");
        prev = index[i];
    }
    if (prev > 0 && !edges) api::bad_arg("edges is NULL");
    for (int e = 0; e < prev; ++e)
        if (edges[e] < 0 || edges[e] >= nnodes)
            throw Error(MPI_ERR_ARG, "edges[" + std::to_string(e) + "] = " +
                                         std::to_string(edges[e]) + " is not a node (0.." +
                                         std::to_string(nnodes - 1) + ")");
}

void check_neighbours(const rt::Comm& c, int n, const int* ranks, const char* what) {
    if (n < 0) throw Error(MPI_ERR_ARG, std::string(what) + " degree is negative");
    if (n > 0 && !ranks) api::bad_arg(what);
    for (int i = 0; i < n; ++i)
        if (ranks[i] < 0 || ranks[i] >= c.size) api::bad_rank(ranks[i], c, what);
}

std::vector<int> weights_of(int n, const int* w) {
    if (w == MPI_UNWEIGHTED || w == MPI_WEIGHTS_EMPTY || n == 0) return std::vector<int>(static_cast<size_t>(n), 1);
    return std::vector<int>(w, w + n);
}

// A dist-graph communicator: a duplicate of `c` (same ranks) carrying `t`.
void make_dist_graph(rt::Comm* c, std::unique_ptr<rt::Topology> t, MPI_Comm* out) {
    api::comm_split(c, 0, c->rank, out, "colour");
    rt::to_comm(*out)->topo = std::move(t);
}

}  // namespace

extern "C" int PMPI_Graph_create(MPI_Comm comm_old, int nnodes, const int indx[],
                                 const int edges[], int reorder, MPI_Comm* comm_graph) {
    (void)reorder;
    return api::call(comm_old, "MPI_Graph_create", [&] {
        rt::Comm* c = api::check_intra(comm_old, "MPI_Graph_create");
        if (!comm_graph) api::bad_arg("comm_graph pointer is NULL");
        check_graph(nnodes, indx, edges);
        if (nnodes > c->size)
            throw Error(MPI_ERR_ARG, "the graph has " + std::to_string(nnodes) +
                                         " nodes but the communicator only " +
                                         std::to_string(c->size) + " ranks");
        api::comm_split(c, c->rank < nnodes ? 0 : MPI_UNDEFINED, c->rank, comm_graph, "colour");
        if (*comm_graph == MPI_COMM_NULL) return MPI_SUCCESS;
        auto t = std::make_unique<rt::Topology>();
        t->kind = MPI_GRAPH;
        t->index.assign(indx, indx + nnodes);
        int ne = nnodes ? indx[nnodes - 1] : 0;
        t->edges.assign(edges, edges + ne);
        rt::to_comm(*comm_graph)->topo = std::move(t);
        return MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Graph_create)

extern "C" int PMPI_Graphdims_get(MPI_Comm comm, int* nnodes, int* nedges) {
    return api::call(comm, "MPI_Graphdims_get", [&] {
        const rt::Topology& t = topo_of(*api::check_comm(comm), MPI_GRAPH, "graph");
        if (!nnodes || !nedges) api::bad_arg("nnodes or nedges pointer is NULL");
        *nnodes = static_cast<int>(t.index.size());
        *nedges = static_cast<int>(t.edges.size());
        return MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Graphdims_get)

extern "C" int PMPI_Graph_get(MPI_Comm comm, int maxindex, int maxedges, int indx[],
                              int edges[]) {
    return api::call(comm, "MPI_Graph_get", [&] {
        const rt::Topology& t = topo_of(*api::check_comm(comm), MPI_GRAPH, "graph");
        if (maxindex < 0 || maxedges < 0) throw Error(MPI_ERR_ARG, "maxindex or maxedges is negative");
        if ((maxindex > 0 && !indx) || (maxedges > 0 && !edges)) api::bad_arg("an output array is NULL");
        std::copy_n(t.index.begin(), std::min<size_t>(t.index.size(), static_cast<size_t>(maxindex)), indx);
        std::copy_n(t.edges.begin(), std::min<size_t>(t.edges.size(), static_cast<size_t>(maxedges)), edges);
        return MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Graph_get)

namespace {
// Node `rank`'s neighbours in a graph topology.
std::pair<int, int> graph_span(const rt::Comm& c, const rt::Topology& t, int rank) {
    if (rank < 0 || rank >= static_cast<int>(t.index.size())) api::bad_rank(rank, c, "rank");
    size_t r = static_cast<size_t>(rank);
    int begin = r == 0 ? 0 : t.index[r - 1];
    return {begin, t.index[r]};
}
}  // namespace

extern "C" int PMPI_Graph_neighbors_count(MPI_Comm comm, int rank, int* nneighbors) {
    return api::call(comm, "MPI_Graph_neighbors_count", [&] {
        rt::Comm* c = api::check_comm(comm);
        const rt::Topology& t = topo_of(*c, MPI_GRAPH, "graph");
        if (!nneighbors) api::bad_arg("nneighbors pointer is NULL");
        auto [b, e] = graph_span(*c, t, rank);
        *nneighbors = e - b;
        return MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Graph_neighbors_count)

extern "C" int PMPI_Graph_neighbors(MPI_Comm comm, int rank, int maxneighbors, int neighbors[]) {
    return api::call(comm, "MPI_Graph_neighbors", [&] {
        rt::Comm* c = api::check_comm(comm);
        const rt::Topology& t = topo_of(*c, MPI_GRAPH, "graph");
        auto [b, e] = graph_span(*c, t, rank);
        if (maxneighbors < 0) throw Error(MPI_ERR_ARG, "maxneighbors is negative");
        int n = std::min(e - b, maxneighbors);
        if (n > 0 && !neighbors) api::bad_arg("neighbors is NULL");
        std::copy_n(t.edges.begin() + b, n, neighbors);
        return MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Graph_neighbors)

extern "C" int PMPI_Graph_map(MPI_Comm comm, int nnodes, const int indx[], const int edges[],
                              int* newrank) {
    return api::call(comm, "MPI_Graph_map", [&] {
        rt::Comm* c = api::check_intra(comm, "MPI_Graph_map");
        check_graph(nnodes, indx, edges);
        if (!newrank) api::bad_arg("newrank pointer is NULL");
        if (nnodes > c->size)
            throw Error(MPI_ERR_ARG, "the graph has more nodes than the communicator has ranks");
        *newrank = c->rank < nnodes ? c->rank : MPI_UNDEFINED;
        return MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Graph_map)

extern "C" int PMPI_Dist_graph_create_adjacent(MPI_Comm comm_old, int indegree,
                                               const int sources[], const int sourceweights[],
                                               int outdegree, const int destinations[],
                                               const int destweights[], MPI_Info info,
                                               int reorder, MPI_Comm* comm_dist_graph) {
    (void)info;
    (void)reorder;
    return api::call(comm_old, "MPI_Dist_graph_create_adjacent", [&] {
        rt::Comm* c = api::check_intra(comm_old, "MPI_Dist_graph_create_adjacent");
        if (!comm_dist_graph) api::bad_arg("comm_dist_graph pointer is NULL");
        check_neighbours(*c, indegree, sources, "sources");
        check_neighbours(*c, outdegree, destinations, "destinations");
        auto t = std::make_unique<rt::Topology>();
        t->kind = MPI_DIST_GRAPH;
        t->sources.assign(sources, sources + indegree);
        t->dests.assign(destinations, destinations + outdegree);
        t->weighted = sourceweights != MPI_UNWEIGHTED;
        t->source_weights = weights_of(indegree, sourceweights);
        t->dest_weights = weights_of(outdegree, destweights);
        make_dist_graph(c, std::move(t), comm_dist_graph);
        return MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Dist_graph_create_adjacent)

extern "C" int PMPI_Dist_graph_create(MPI_Comm comm_old, int n, const int sources[],
                                      const int degrees[], const int destinations[],
                                      const int weights[], MPI_Info info, int reorder,
                                      MPI_Comm* comm_dist_graph) {
    (void)info;
    (void)reorder;
    return api::call(comm_old, "MPI_Dist_graph_create", [&] {
        rt::Comm* c = api::check_intra(comm_old, "MPI_Dist_graph_create");
        if (!comm_dist_graph) api::bad_arg("comm_dist_graph pointer is NULL");
        if (n < 0) throw Error(MPI_ERR_ARG, "n " + std::to_string(n) + " is negative");
        check_neighbours(*c, n, sources, "sources");
        if (n > 0 && !degrees) api::bad_arg("degrees is NULL");
        // This rank's edges (source, destination, weight), whoever they belong to.
        std::vector<int> mine;
        int k = 0;
        for (int i = 0; i < n; ++i) {
            if (degrees[i] < 0) throw Error(MPI_ERR_ARG, "a degree is negative");
            check_neighbours(*c, degrees[i], destinations + k, "destinations");
            for (int j = 0; j < degrees[i]; ++j, ++k) {
                bool w = weights != MPI_UNWEIGHTED && weights != MPI_WEIGHTS_EMPTY;
                mine.insert(mine.end(), {sources[i], destinations[k], w ? weights[k] : 1});
            }
        }
        // Everyone learns every edge: the counts first, then blocks padded to the largest.
        int count = static_cast<int>(mine.size() / 3);
        std::vector<int> counts(static_cast<size_t>(c->size));
        int err = coll::allgather_bytes(c->coll_view(), &count, sizeof count, counts.data());
        if (err) throw Error(err, "exchanging the graph's edge counts failed");
        size_t most = static_cast<size_t>(*std::max_element(counts.begin(), counts.end()));
        mine.resize(3 * most, -1);
        std::vector<int> all(3 * most * static_cast<size_t>(c->size));
        if (most) {
            err = coll::allgather_bytes(c->coll_view(), mine.data(), 3 * most * sizeof(int), all.data());
            if (err) throw Error(err, "exchanging the graph's edges failed");
        }
        auto t = std::make_unique<rt::Topology>();
        t->kind = MPI_DIST_GRAPH;
        t->weighted = weights != MPI_UNWEIGHTED;
        for (int r = 0; r < c->size; ++r)
            for (int e = 0; e < counts[static_cast<size_t>(r)]; ++e) {
                const int* x = &all[3 * (most * static_cast<size_t>(r) + static_cast<size_t>(e))];
                if (x[0] == c->rank) {
                    t->dests.push_back(x[1]);
                    t->dest_weights.push_back(x[2]);
                }
                if (x[1] == c->rank) {
                    t->sources.push_back(x[0]);
                    t->source_weights.push_back(x[2]);
                }
            }
        make_dist_graph(c, std::move(t), comm_dist_graph);
        return MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Dist_graph_create)

extern "C" int PMPI_Dist_graph_neighbors_count(MPI_Comm comm, int* indegree, int* outdegree,
                                               int* weighted) {
    return api::call(comm, "MPI_Dist_graph_neighbors_count", [&] {
        const rt::Topology& t = topo_of(*api::check_comm(comm), MPI_DIST_GRAPH, "distributed graph");
        if (!indegree || !outdegree || !weighted) api::bad_arg("an output pointer is NULL");
        *indegree = static_cast<int>(t.sources.size());
        *outdegree = static_cast<int>(t.dests.size());
        *weighted = t.weighted ? 1 : 0;
        return MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Dist_graph_neighbors_count)

extern "C" int PMPI_Dist_graph_neighbors(MPI_Comm comm, int maxindegree, int sources[],
                                         int sourceweights[], int maxoutdegree,
                                         int destinations[], int destweights[]) {
    return api::call(comm, "MPI_Dist_graph_neighbors", [&] {
        const rt::Topology& t = topo_of(*api::check_comm(comm), MPI_DIST_GRAPH, "distributed graph");
        if (maxindegree < 0 || maxoutdegree < 0) throw Error(MPI_ERR_ARG, "a maximum degree is negative");
        size_t in = std::min(t.sources.size(), static_cast<size_t>(maxindegree));
        size_t out = std::min(t.dests.size(), static_cast<size_t>(maxoutdegree));
        if ((in && !sources) || (out && !destinations)) api::bad_arg("an output array is NULL");
        std::copy_n(t.sources.begin(), in, sources);
        std::copy_n(t.dests.begin(), out, destinations);
        if (t.weighted) {
            if (sourceweights != MPI_UNWEIGHTED && sourceweights)
                std::copy_n(t.source_weights.begin(), in, sourceweights);
            if (destweights != MPI_UNWEIGHTED && destweights)
                std::copy_n(t.dest_weights.begin(), out, destweights);
        }
        return MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Dist_graph_neighbors)
