#pragma once
// The collective algorithms: each fills a Schedule (schedule.hpp) for the calling rank; it
// posts nothing itself. Data-movement collectives count bytes; reductions count elements of
// Schedule::reduction.extent bytes and combine with Schedule::reduction, keeping rank order for
// non-commutative operations (the lower ranks' operand is always `in`).
//
// In-place conventions (the runtime maps MPI_IN_PLACE to these): a null `send` means the
// calling rank's contribution is already where the result goes (the root's block of recv for
// gather, its block of recv for allgather(v), the whole input in recv for reductions and
// reduce_scatter, recv itself for alltoall). Buffers of ranks that the standard says are not
// significant may be null.
#include <cstddef>
#include <cstdint>

#include "collectives/schedule.hpp"

namespace efampi::coll {

// Dissemination: ceil(log2 p) rounds, rank r sends to r + 2^k and hears from r - 2^k.
void build_barrier(Schedule& s);

enum class BcastAlg : uint8_t { binomial, scatter_allgather };
void build_bcast(Schedule& s, BcastAlg alg, void* buf, uint64_t bytes, int root);

enum class ReduceAlg : uint8_t { binomial, rabenseifner };
void build_reduce(Schedule& s, ReduceAlg alg, const void* send, void* recv, uint64_t count,
                  int root);

enum class AllreduceAlg : uint8_t { recursive_doubling, ring, rabenseifner };
void build_allreduce(Schedule& s, AllreduceAlg alg, const void* send, void* recv,
                     uint64_t count);

// `bytes`: one rank's block.
enum class AllgatherAlg : uint8_t { recursive_doubling, bruck, ring };
void build_allgather(Schedule& s, AllgatherAlg alg, const void* send, void* recv,
                     uint64_t bytes);
// Ring; block r is bytes[r] at displs[r] (bytes) of recv.
void build_allgatherv(Schedule& s, const void* send, void* recv, const uint64_t* bytes,
                      const uint64_t* displs);

// `bytes`: the block for one rank.
enum class AlltoallAlg : uint8_t { pairwise, bruck, linear };
void build_alltoall(Schedule& s, AlltoallAlg alg, const void* send, void* recv,
                    uint64_t bytes);
// Linear (every message in one round); byte counts and displacements per rank.
void build_alltoallv(Schedule& s, const void* send, const uint64_t* sbytes,
                     const uint64_t* sdispls, void* recv, const uint64_t* rbytes,
                     const uint64_t* rdispls);

// Binomial trees over ranks relative to the root.
void build_gather(Schedule& s, const void* send, void* recv, uint64_t bytes, int root);
void build_scatter(Schedule& s, const void* send, void* recv, uint64_t bytes, int root);
// Linear: the root posts every message in one round.
void build_gatherv(Schedule& s, const void* send, uint64_t sbytes, void* recv,
                   const uint64_t* rbytes, const uint64_t* rdispls, int root);
void build_scatterv(Schedule& s, const void* send, const uint64_t* sbytes,
                    const uint64_t* sdispls, void* recv, uint64_t rbytes, int root);

// Recursive doubling; `exclusive` for MPI_Exscan (rank 0's recv is left alone).
void build_scan(Schedule& s, const void* send, void* recv, uint64_t count, bool exclusive);

// Rank r gets counts[r] elements of the reduction. Commutative: ring; otherwise an ordered
// binomial reduce to rank 0 and a scatter.
void build_reduce_scatter(Schedule& s, const void* send, void* recv, const uint64_t* counts);

// Neighbourhood collectives: receives and sends posted together in the order given.
struct Transfer {
    int peer;
    const void* buf;
    uint64_t bytes;
};
void build_neighbor(Schedule& s, const Transfer* recvs, size_t nr, const Transfer* sends,
                    size_t ns);

// Intercommunicator collectives (CommView::remote set; inter.cpp). Rooted ones take the
// caller's role: the root (MPI_ROOT), another member of the root's group (MPI_PROC_NULL: does
// nothing), or a member of the other group, which names the root by its remote rank. Results
// follow the standard: each group gets what the other group contributed, in its rank order.
enum class InterRole : uint8_t { root, idle, member };
void build_inter_barrier(Schedule& s);
void build_inter_bcast(Schedule& s, InterRole role, void* buf, uint64_t bytes, int root);
void build_inter_reduce(Schedule& s, InterRole role, const void* send, void* recv,
                        uint64_t count, int root);
void build_inter_allreduce(Schedule& s, const void* send, void* recv, uint64_t count);
// `bytes`: one rank's block.
void build_inter_gather(Schedule& s, InterRole role, const void* send, void* recv,
                        uint64_t bytes, int root);
void build_inter_scatter(Schedule& s, InterRole role, const void* send, void* recv,
                         uint64_t bytes, int root);
// Blocks of `sbytes` go to the other group, blocks of `rbytes` come from it.
void build_inter_allgather(Schedule& s, const void* send, uint64_t sbytes, void* recv,
                           uint64_t rbytes);
void build_inter_alltoall(Schedule& s, const void* send, uint64_t sbytes, void* recv,
                          uint64_t rbytes);
// Rank r of each group gets counts[r] elements of the other group's reduction.
void build_inter_reduce_scatter(Schedule& s, const void* send, void* recv,
                                const uint64_t* counts);
// v/w forms (linear): byte counts and displacements per remote rank.
void build_inter_gatherv(Schedule& s, InterRole role, const void* send, uint64_t sbytes,
                         void* recv, const uint64_t* rbytes, const uint64_t* rdispls, int root);
void build_inter_scatterv(Schedule& s, InterRole role, const void* send, const uint64_t* sbytes,
                          const uint64_t* sdispls, void* recv, uint64_t rbytes, int root);
void build_inter_allgatherv(Schedule& s, const void* send, uint64_t sbytes, void* recv,
                            const uint64_t* rbytes, const uint64_t* rdispls);
void build_inter_alltoallv(Schedule& s, const void* send, const uint64_t* sbytes,
                           const uint64_t* sdispls, void* recv, const uint64_t* rbytes,
                           const uint64_t* rdispls);

}  // namespace efampi::coll
