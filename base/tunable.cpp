#include "base/tunable.hpp"

#include <cstdlib>
#include <cstring>

#include "base/errclass.hpp"
#include "base/error.hpp"

namespace efampi {

namespace {
// MPI_ERR_ARG (base/errclass.hpp: the lower layers do not include mpi.h).
constexpr int err_arg = errc::arg;

const TunableInfo* find(const char* name) {
    for (const auto& t : tunables())
        if (std::strcmp(t.name, name) == 0) return &t;
    return nullptr;
}
}  // namespace

const std::vector<TunableInfo>& tunables() {
    static const std::vector<TunableInfo> table = {
        {"EFAMPI_EAGER_LIMIT", "8192",
         "Largest message (bytes) sent eagerly; larger ones use rendezvous with fi_read."},
        {"EFAMPI_RX_BUFFERS", "256", "Receive buffers posted per endpoint."},
        {"EFAMPI_UNEXPECTED_LIMIT", "256M",
         "Eager bytes (payload + 256 per message) a rank may hold unconsumed from all its peers "
         "together, split evenly between them (at least 64 eager messages each). A sender over "
         "its share sends by rendezvous from a private copy until the receiver catches up."},
        {"EFAMPI_SPIN_COUNT", "-1",
         "Polls of the completion queues in a blocking wait before each sched_yield; -1 (auto): "
         "2000 while this host's ranks do not outnumber its cores, 20 when they do."},
        {"EFAMPI_NET_PROVIDER", "",
         "libfabric provider for peers on other hosts (default: efa, else the best RDM one). "
         "FI_PROVIDER, when set, restricts every endpoint."},
        {"EFAMPI_NET_IFACE", "",
         "Network interface (e.g. eth0) the network endpoint of an IP provider binds to when peers "
         "are on other hosts; default: the first interface that is neither loopback nor IPv6 "
         "link-local. mpirun's daemons set it to the interface that reaches mpirun. "
         "FI_TCP_IFACE, honoured by libfabric, narrows the choice first."},
        {"EFAMPI_MULTI_RECV", "auto",
         "Multi-receive buffers (FI_MULTI_RECV) for the network endpoint: 1 on, 0 off, auto: on "
         "for ofi_rxm providers while eager messages fit 16 KiB (measured faster on tcp). "
         "Never on udp;ofi_rxd (unsafe there); shm uses them only with 1 (slower)."},
        {"EFAMPI_NO_SHM", "0", "1: peers on this host use the network provider, not shm."},
        {"EFAMPI_SHM_RING", "auto",
         "Native shared-memory rings for messages between ranks of one host (large payloads are "
         "read through libfabric's shm, or see EFAMPI_SHM_CMA): 1 on, 0 off, auto: on unless "
         "FI_PROVIDER is set."},
        {"EFAMPI_SHM_CMA", "auto",
         "Rendezvous reads between ring peers with process_vm_readv: auto: when every rank of the "
         "job is on this host, the rings are on and every rank can read its peers (checked at "
         "MPI_Init); libfabric is then not initialised at all. 0: always libfabric's shm. refuse "
         "(for tests): probe as if every read were refused, i.e. the fallback to libfabric."},
        {"EFAMPI_SHM_RING_BYTES", "256K",
         "Bytes of each shared-memory ring (one per sender and receiver on a host); rounded up to "
         "a power of two holding at least two of the largest eager messages."},
        {"EFAMPI_SHM_EAGER_LIMIT", "32768",
         "Largest message (bytes) sent eagerly through the shared-memory rings (at least "
         "EFAMPI_EAGER_LIMIT); larger ones use rendezvous (fi_read through libfabric shm, or process_vm_readv)."},
        {"EFAMPI_TX_DEPTH", "0",
         "Most sends and reads in flight per endpoint; 0 means the provider's tx queue size."},
        {"EFAMPI_VERBOSE", "0", "1: each rank prints its transports and peers at MPI_Init."},
        {"EFAMPI_FAULT_SEND", "",
         "Testing: R:P:N makes rank R's transport to rank P fail after N more messages, as a "
         "broken provider would (tests/programs: what the error handlers then do)."},
        {"EFAMPI_RNDV_CHUNK", "0",
         "Largest single fi_read (bytes); 0 means the provider's max_msg_size."},
        {"EFAMPI_STREAM_FRAGMENT", "64K",
         "Non-contiguous rendezvous over the shared-memory rings: data bytes per fragment, packed "
         "straight into the ring (at most a quarter of the ring)."},
        {"EFAMPI_STREAM_SEGMENT", "256K",
         "Non-contiguous rendezvous over libfabric: bytes per segment (packed into a slot by the "
         "sender, read by the receiver)."},
        {"EFAMPI_STREAM_SLOTS", "4",
         "Non-contiguous rendezvous over libfabric: segments staged at once per message (1-16); "
         "slots x segment bounds each side's scratch memory."},
        // The algorithms' names are in the collectives' tables (collectives/select.hpp), which
        // efampi_info prints under these; a forced one that does not apply gives way to the
        // collective's general algorithm.
        {"EFAMPI_COLL_BCAST", "auto", "MPI_Bcast / Ibcast / Bcast_init algorithm."},
        {"EFAMPI_COLL_REDUCE", "auto", "MPI_Reduce / Ireduce / Reduce_init algorithm."},
        {"EFAMPI_COLL_ALLREDUCE", "auto", "MPI_Allreduce / Iallreduce / Allreduce_init algorithm."},
        {"EFAMPI_COLL_ALLGATHER", "auto", "MPI_Allgather / Iallgather / Allgather_init algorithm."},
        {"EFAMPI_COLL_ALLTOALL", "auto", "MPI_Alltoall / Ialltoall / Alltoall_init algorithm."},
        {"EFAMPI_COLL_ALPHA_NS", "1000",
         "Collective cost model: latency of one round (ns)."},
        {"EFAMPI_COLL_ALPHA_OVERSUB_NS", "100000",
         "Collective cost model: latency of one round when this host has more ranks than cores "
         "(ns); a round then waits for the peer to be scheduled."},
        {"EFAMPI_COLL_MSG_NS", "200",
         "Collective cost model: overhead of posting one message (ns)."},
        {"EFAMPI_COLL_BW_MBS", "8000",
         "Collective cost model: bandwidth of one transfer (MB/s)."},
        {"EFAMPI_COLL_REDUCE_MBS", "8000",
         "Collective cost model: rate of a local reduction (MB/s)."},
    };
    return table;
}

std::string tunable_str(const char* name) {
    const TunableInfo* t = find(name);
    if (!t) throw Error(err_arg, std::string("unknown tunable ") + name);
    const char* v = std::getenv(name);
    return v ? std::string(v) : std::string(t->def);
}

int64_t tunable_int(const char* name) {
    std::string s = tunable_str(name);
    if (s.empty()) return 0;
    char* end = nullptr;
    long long v = std::strtoll(s.c_str(), &end, 0);
    int64_t mult = 1;
    if (end && *end) {
        switch (*end) {
            case 'k': case 'K': mult = 1ll << 10; break;
            case 'm': case 'M': mult = 1ll << 20; break;
            case 'g': case 'G': mult = 1ll << 30; break;
            default: mult = 0;
        }
        if (mult == 0 || end[1] != '\0' || end == s.c_str())
            throw Error(err_arg, std::string(name) + "=" + s + " is not a number");
    }
    if (end == s.c_str()) throw Error(err_arg, std::string(name) + "=" + s + " is not a number");
    return v * mult;
}

}  // namespace efampi
