#include "runtime/objects/comm.hpp"

namespace efampi::rt {

// Neighbourhood of `rank` in the standard's order: Cartesian, for each dimension the rank at
// -1 then at +1 (MPI_PROC_NULL off a non-periodic edge); graph, the edges of the node; dist
// graph, its sources and destinations as given.
void Topology::neighbours(int rank, std::vector<int>& in, std::vector<int>& out) const {
    in.clear();
    out.clear();
    if (kind == MPI_CART) {
        std::vector<int> me(dims.size());
        coords(rank, me.data());
        for (size_t d = 0; d < dims.size(); ++d) {
            for (int delta : {-1, 1}) {
                long long v = static_cast<long long>(me[d]) + delta;
                int r = MPI_PROC_NULL;
                if (v >= 0 && v < dims[d]) r = 0;
                else if (periods[d]) v = ((v % dims[d]) + dims[d]) % dims[d], r = 0;
                if (r == 0) {
                    std::vector<int> x = me;
                    x[d] = static_cast<int>(v);
                    for (size_t i = 0; i < x.size(); ++i) r = r * dims[i] + x[i];
                }
                in.push_back(r);
            }
        }
        out = in;
    } else if (kind == MPI_GRAPH) {
        size_t b = rank ? static_cast<size_t>(index[static_cast<size_t>(rank) - 1]) : 0;
        size_t e = static_cast<size_t>(index[static_cast<size_t>(rank)]);
        in.assign(edges.begin() + static_cast<long>(b), edges.begin() + static_cast<long>(e));
        out = in;
    } else if (kind == MPI_DIST_GRAPH) {
        in = sources;
        out = dests;
    }
}

}  // namespace efampi::rt
