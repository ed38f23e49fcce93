#pragma once
// The node/job model: which rank runs on which node, with its local and node ranks. It is plain
// data, built once before anything starts, and shared by the PMIx registration (every server
// registers the whole job) and the process manager (each host starts its own ranks). A later
// multi-host mode builds the same structure from a host list; nothing else changes.
#include <cstdint>
#include <string>
#include <vector>

namespace efampi::launcher {

struct proc_slot {
    std::uint32_t rank;
    std::uint32_t node;        // index into job::nodes
    std::uint16_t local_rank;  // rank among this job's procs on its node
    std::uint16_t node_rank;   // rank among all jobs' procs on its node (one job: = local_rank)
};

struct node_slot {
    std::string hostname;             // the name PMIx knows this node by (PMIX_HOSTNAME)
    std::vector<std::uint32_t> ranks;  // ascending
};

struct job {
    std::string nspace;
    std::uint32_t size = 0;
    std::vector<node_slot> nodes;
    std::vector<proc_slot> procs;  // indexed by rank

    const node_slot& node_of(std::uint32_t rank) const { return nodes[procs[rank].node]; }
};

// Block mapping: the first ranks_per_node[0] ranks on hosts[0], the next on hosts[1], ...
// Throws std::invalid_argument on mismatched sizes, an empty node or a rank count past 65535
// per node (local ranks are 16-bit in PMIx).
job make_job(std::string nspace, const std::vector<std::string>& hosts,
             const std::vector<std::uint32_t>& ranks_per_node);

// Any mapping: node_of[rank] is the index into hosts of the rank's node. Local ranks count the
// node's ranks in rank order. Throws std::invalid_argument on an index out of range, a host
// without ranks or more than 65535 ranks on one node.
job make_job_placed(std::string nspace, const std::vector<std::string>& hosts,
                    const std::vector<std::uint32_t>& node_of);

// "0,1,2": the PMIX_LOCAL_PEERS format.
std::string rank_list(const std::vector<std::uint32_t>& ranks);

// A namespace name unique on this host and across hosts: "efampi.<host>.<pid>", within PMIx's
// 255-character limit.
std::string make_nspace(const std::string& hostname, long pid);

}  // namespace efampi::launcher
