#pragma once
// mpirun inside a Slurm allocation (salloc, sbatch): the allocation's hosts and slots, read from
// the environment Slurm gives the job. The parsers are pure and unit-tested; slurm_allocation()
// takes the environment as a lookup function so that tests can feed it.
//   SLURM_JOB_NODELIST    "node[01-03,07],gpu5"   (hostlist syntax; SLURM_NODELIST is older)
//   SLURM_TASKS_PER_NODE  "2(x3),1"               (else SLURM_JOB_CPUS_PER_NODE, same syntax)
#include <functional>
#include <string>
#include <vector>

namespace efampi::launcher {

// One host of the allocation and how many ranks it takes. Same fields as the multi-host
// launcher's HostSpec (launcher/hosts.hpp), kept apart until the two are merged.
struct SlurmHost {
    std::string name;
    int slots = 0;
};

// "node[01-03,07],gpu5" -> node01 node02 node03 node07 gpu5. Ranges keep the zero padding of
// their lower bound; several bracket groups in one name expand as a product, in order
// ("r[1-2]n[1-2]" -> r1n1 r1n2 r2n1 r2n2). Throws std::invalid_argument naming the problem for
// unbalanced brackets, empty names, bad or reversed ranges, or more than 65536 names.
std::vector<std::string> expand_hostlist(const std::string& list);

// "2(x3),1" -> 2 2 2 1. Throws std::invalid_argument for anything else (empty items, counts
// that are not positive, a repeat that is not "(xN)").
std::vector<int> expand_counts(const std::string& list);

// The allocation this process runs in: one entry per host, in Slurm's order. Empty when there
// is none (no SLURM_JOB_NODELIST/SLURM_NODELIST). Throws std::invalid_argument when the
// variables are malformed or their lengths disagree.
std::vector<SlurmHost> slurm_allocation(const std::function<const char*(const char*)>& getenv);

// The slots of `host` in `hosts` (names compared up to the first '.'); 0 when it is absent.
int slots_of(const std::vector<SlurmHost>& hosts, const std::string& host);

}  // namespace efampi::launcher
