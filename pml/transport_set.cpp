// Opening, polling and closing the transports of one process (transport_set.hpp): libfabric
// endpoints, shared-memory rings, cross-memory attach, loopback for tests; address exchange
// and receive buffers.
#include "pml/transport_set.hpp"

#include <rdma/fi_errno.h>
#include <sched.h>
#include <dlfcn.h>
#include <signal.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>

#include "pml/fabric.hpp"
#include "pml/wire.hpp"
#include "base/bootstrap.hpp"
#include "base/error.hpp"
#include "base/tunable.hpp"

namespace efampi::pml {

namespace {
const std::string key_local = "efampi.ep.local";
const std::string key_net = "efampi.ep.net";
const std::string key_ring = "efampi.shm.ring";
const std::string key_cma_probe = "efampi.cma.probe";  // pid and the address of cma_canary
const std::string key_cma_ok = "efampi.cma.ok";        // 1: this rank read every local peer
// Read by the peers with process_vm_readv to learn whether cross-memory attach works here
// (ptrace rules, seccomp, sandboxes may forbid it).
constexpr uint64_t cma_magic = 0x65666d70692d636dULL;
volatile uint64_t cma_canary = cma_magic;
}  // namespace

namespace {
// libfabric links libpsm2 and libinfinipath, whose load-time constructors install handlers for
// fatal signals that print a backtrace and exit(1): a rank killed by SIGSEGV would look to the
// launcher like a plain exit. Handlers that live in those libraries are reset to the default;
// an application's own handlers are left alone.
void drop_foreign_fatal_handlers() {
    for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT}) {
        struct sigaction sa;
        if (sigaction(sig, nullptr, &sa) != 0) continue;
        void* fn = (sa.sa_flags & SA_SIGINFO) ? reinterpret_cast<void*>(sa.sa_sigaction)
                                               : reinterpret_cast<void*>(sa.sa_handler);
        if (fn == reinterpret_cast<void*>(SIG_DFL) || fn == reinterpret_cast<void*>(SIG_IGN))
            continue;
        Dl_info info;
        if (dladdr(fn, &info) == 0 || !info.dli_fname) continue;
        if (std::strstr(info.dli_fname, "libpsm") || std::strstr(info.dli_fname, "infinipath"))
            signal(sig, SIG_DFL);
    }
}
}  // namespace

void TransportSet::open(Bootstrap& boot, const Limits& lim) {
    boot_ = &boot;
    rank_ = boot.rank();
    size_ = boot.size();
    lim_ = lim;
    links_.assign(static_cast<size_t>(size_), Link{});
    if (size_ == 1) return;
    drop_foreign_fatal_handlers();
    open_all(boot);
    drop_foreign_fatal_handlers();  // in case a provider loaded more of them
}

void TransportSet::open_all(Bootstrap& boot) {
    setup_.assign(static_cast<size_t>(size_), PeerSetup{});
    bool any_local = false, any_remote = false;
    for (int i = 0; i < size_; ++i) {
        if (i == rank_) continue;
        (boot.is_local(i) ? any_local : any_remote) = true;
    }
    // Native shared memory for local peers, over the libfabric shm endpoint (which still does
    // the rendezvous reads) or, for a job entirely on this host, over cross-memory attach.
    // auto: on unless FI_PROVIDER names the provider to use.
    std::string ring = tunable_str("EFAMPI_SHM_RING");
    bool ring_wanted = any_local && tunable_int("EFAMPI_NO_SHM") == 0 &&
                       (ring == "1" || (ring == "auto" && !std::getenv("FI_PROVIDER")));
    bool try_cma = ring_wanted && !any_remote && tunable_str("EFAMPI_SHM_CMA") != "0";
    if (!try_cma) open_endpoints(boot, any_local, any_remote);
    rings_ = ring_wanted && (try_cma || local_);
    if (rings_) {
        for (int i = 0; i < size_; ++i)
            if (i == rank_ || boot.is_local(i)) local_ranks_.push_back(i);
        // Each ring holds at least two of the largest records.
        size_t largest = RingShape::record(sizeof(Header) + lim_.ring_eager_limit);
        uint64_t want = static_cast<uint64_t>(tunable_int("EFAMPI_SHM_RING_BYTES"));
        uint32_t b = 4096;
        while ((b < want || b < 2 * largest) && b < (1u << 30)) b <<= 1;
        ring_shape_.bytes = b;
        // Streamed fragments: at most a quarter of the ring, so the sender packs the next
        // while the receiver unpacks the previous ones.
        uint64_t frag = static_cast<uint64_t>(tunable_int("EFAMPI_STREAM_FRAGMENT"));
        uint64_t quarter = b / 4 - 128;
        ring_frag_ = frag < 64 ? 64 : frag > quarter ? quarter : frag;
        own_seg_ = std::make_unique<ShmSegment>();
        std::string name = "/" + shm_region_name("ring");
        own_seg_->create(name, local_ranks_.size() * ring_shape_.ring_bytes());
        // The shape travels with the name: ranks started with different ring sizes or eager
        // limits would otherwise misread each other's rings.
        std::string value = name + " " + std::to_string(ring_shape_.bytes) + " " +
                            std::to_string(lim_.ring_eager_limit);
        boot.put(key_ring, std::vector<uint8_t>(value.begin(), value.end()));
        if (try_cma) {
            uint64_t probe[2] = {static_cast<uint64_t>(getpid()),
                                 reinterpret_cast<uint64_t>(&cma_canary)};
            const auto* bytes = reinterpret_cast<const uint8_t*>(probe);
            boot.put(key_cma_probe, std::vector<uint8_t>(bytes, bytes + sizeof probe));
        }
    }
    boot.fence();
    if (!try_cma) insert_peers(boot);
    if (rings_) open_rings(boot, try_cma);
    if (try_cma && !cma_) {
        // Cross-memory attach is refused somewhere: the rendezvous reads go through
        // libfabric's shm after all (the rings still carry every message).
        open_endpoints(boot, any_local, any_remote);
        boot.fence();
        insert_peers(boot);
    }
    if (cma_) names_ = "shm-ring,cma";
    make_links();
    if (tunable_int("EFAMPI_VERBOSE") > 0) {
        std::string s;
        for (int i = 0; i < size_; ++i) {
            s += " " + std::to_string(i) + ":" + links_[static_cast<size_t>(i)].t.name();
        }
        Endpoint* ep = local_ ? local_.get() : net_.get();
        std::fprintf(stderr, "efampi: rank %d: transports %s (inject %zu, multi-recv %d); peers%s\n",
                     rank_, names_.c_str(), ep ? ep->inject_size() : size_t{0},
                     ep && ep->multi_recv() ? 1 : 0, s.c_str());
    }
}

void TransportSet::open_endpoints(Bootstrap& boot, bool any_local, bool any_remote) {
    // A job on one host talks over loopback: tell the socket providers so, unless told
    // otherwise. (Not FI_SOCKETS_IFACE: with it, sockets 1.17 refuses fi_av_open, EINVAL.)
    if (!any_remote) {
        setenv("FI_TCP_IFACE", "lo", 0);
        setenv("FI_UDP_IFACE", "lo", 0);
    }
    std::string tried;
    std::string multi = tunable_str("EFAMPI_MULTI_RECV");
    if (any_local && tunable_int("EFAMPI_NO_SHM") == 0)
        local_ = Endpoint::open(Scope::local, "", multi == "1", tried);
    if (any_remote || (any_local && !local_))
        net_ = Endpoint::open(Scope::network, tunable_str("EFAMPI_NET_PROVIDER"),
                              multi == "1" || multi == "auto", tried, any_remote,
                              any_remote ? tunable_str("EFAMPI_NET_IFACE") : std::string());
    drop_foreign_fatal_handlers();  // in case a provider loaded more of them
    // Multi-receive buffers are only safe when every message lands in one piece, so that the
    // completion flagged "released" is the last one to touch the buffer. rxd (udp) splits
    // messages into packets and flags the release early: it delivered into a reposted buffer
    // under load. auto: only the ofi_rxm providers (measured faster on tcp) with messages no
    // larger than rxm's default eager buffer (16 KiB).
    if (net_ && net_->multi_recv()) {
        const std::string& prov = net_->provider();
        bool rxd = prov.find("rxd") != std::string::npos;
        bool fits = lim_.buf_bytes <= 16384;
        if (rxd || (multi == "auto" && (prov.find("rxm") == std::string::npos || !fits)))
            net_->disable_multi_recv();
    }
    if ((any_remote || !local_) && !net_)
        throw Error(errc::other, "no usable libfabric provider; tried " + tried);
    for (Endpoint* ep : {local_.get(), net_.get()}) {
        if (!ep) continue;
        if (!ep->has_rma())
            throw Error(errc::other, "provider " + ep->provider() + " offers no FI_RMA");
        ep->enable(lim_.buf_bytes);
    }
    if (local_) boot.put(key_local, local_->name());
    if (net_) boot.put(key_net, net_->name());
}

void TransportSet::insert_peers(Bootstrap& boot) {
    // Insert every peer an endpoint serves, in rank order (FI_AV_TABLE indices follow it).
    for (Endpoint* ep : {local_.get(), net_.get()}) {
        if (!ep) continue;
        std::vector<int> ranks;
        std::vector<std::vector<uint8_t>> addrs;
        for (int i = 0; i < size_; ++i) {
            if (i == rank_) continue;
            bool local_peer = boot.is_local(i) && local_;
            if ((ep == local_.get()) != local_peer) continue;
            ranks.push_back(i);
            addrs.push_back(boot.get(i, ep == local_.get() ? key_local : key_net));
        }
        std::vector<uint64_t> fa = ep->insert(addrs);
        for (size_t k = 0; k < ranks.size(); ++k) {
            setup_[static_cast<size_t>(ranks[k])].ep = ep;
            setup_[static_cast<size_t>(ranks[k])].addr = fa[k];
        }
        post_recv_buffers(ep);
        eps_[neps_++] = ep;
        names_ += (names_.empty() ? "" : ",") + ep->provider();
    }
}

// Maps every local peer's segment and points the peer at our ring in it; our own rings are
// read by progress(). A peer that published no segment (EFAMPI_SHM_RING differs between the
// ranks) keeps the libfabric path both ways. Once everyone has mapped, the names go.
void TransportSet::open_rings(Bootstrap& boot, bool probe_cma) {
    auto index = [this](int r) {
        for (size_t k = 0; k < local_ranks_.size(); ++k)
            if (local_ranks_[k] == r) return k;
        return size_t{0};
    };
    size_t ring_bytes = ring_shape_.ring_bytes();
    size_t seg_bytes = local_ranks_.size() * ring_bytes;
    out_rings_.resize(static_cast<size_t>(size_));
    size_t me = index(rank_);
    // Every local peer mapped and read through process_vm_readv. "refuse" (for tests) acts as
    // a host that forbids it, to exercise the fallback.
    bool cma_ok = probe_cma && tunable_str("EFAMPI_SHM_CMA") != "refuse";
    if (probe_cma) peer_pids_.assign(static_cast<size_t>(size_), 0);
    for (int r : local_ranks_) {
        if (r == rank_) continue;
        std::vector<uint8_t> name;
        try {
            name = boot.get(r, key_ring);
        } catch (const Error&) {
            cma_ok = false;
            continue;
        }
        std::string value(name.begin(), name.end());
        std::string mine = " " + std::to_string(ring_shape_.bytes) + " " +
                           std::to_string(lim_.ring_eager_limit);
        size_t cut = value.find(' ');
        if (cut == std::string::npos || value.substr(cut) != mine)
            throw Error(errc::other,
                        "rank " + std::to_string(r) + " sized its shared-memory rings differently "
                        "(ring bytes and eager limit: " + (cut == std::string::npos ? "?" : value.substr(cut + 1)) +
                        ", here:" + mine + "); EFAMPI_SHM_RING_BYTES, EFAMPI_SHM_EAGER_LIMIT and "
                        "EFAMPI_EAGER_LIMIT must be the same on every rank");
        auto seg = std::make_unique<ShmSegment>();
        seg->attach(value.substr(0, cut), seg_bytes);
        OutRing& out = out_rings_[static_cast<size_t>(r)];
        out.attach(seg->base() + me * ring_bytes, ring_shape_);
        setup_[static_cast<size_t>(r)].ring = &out;
        links_[static_cast<size_t>(r)].ring = true;
        in_rings_.emplace_back();
        in_rings_.back().attach(own_seg_->base() + index(r) * ring_bytes, ring_shape_);
        peer_segs_.push_back(std::move(seg));
        if (cma_ok) {
            uint64_t probe[2] = {0, 0};
            try {
                std::vector<uint8_t> v = boot.get(r, key_cma_probe);
                if (v.size() == sizeof probe) std::memcpy(probe, v.data(), sizeof probe);
            } catch (const Error&) {
            }
            uint64_t seen = 0;
            iovec here{&seen, sizeof seen};
            iovec there{reinterpret_cast<void*>(probe[1]), sizeof seen};
            pid_t pid = static_cast<pid_t>(probe[0]);
            cma_ok = pid > 0 && process_vm_readv(pid, &here, 1, &there, 1, 0) ==
                                    static_cast<ssize_t>(sizeof seen) && seen == cma_magic;
            peer_pids_[static_cast<size_t>(r)] = pid;
        }
    }
    if (probe_cma) boot.put(key_cma_ok, {static_cast<uint8_t>(cma_ok ? 1 : 0)});
    // Only this host's ranks open rings; a rank alone on its host has none and must not be
    // waited for (the job-wide fence here hung jobs with one rank on some host). The CMA
    // verdicts read below are all this host's (CMA is probed only when the job is).
    boot.fence_local();
    own_seg_->unlink();
    if (probe_cma) {
        // Everyone reads every rank's verdict (all are on this host), so all decide alike.
        bool all = cma_ok;
        for (int r : local_ranks_) {
            if (r == rank_ || !all) continue;
            try {
                std::vector<uint8_t> v = boot.get(r, key_cma_ok);
                all = v.size() == 1 && v[0] == 1;
            } catch (const Error&) {
                all = false;
            }
        }
        cma_ = all;
        if (!cma_) peer_pids_.clear();
        else cma_bounce_.reset(new uint8_t[cma_bounce_bytes + 2 * 4096]);
    }
    if (!in_rings_.empty()) names_ = "shm-ring" + (names_.empty() ? "" : "," + names_);
}

// Each peer's transport, from what the endpoints and rings set up: our ring with reads by
// cross-memory attach or through the shm endpoint, else the endpoint that serves the peer.
void TransportSet::make_links() {
    for (int i = 0; i < size_; ++i) {
        const PeerSetup& s = setup_[static_cast<size_t>(i)];
        Transport& t = links_[static_cast<size_t>(i)].t;
        if (i == rank_) t = Transport::self();
        else if (s.ring && cma_)
            t = Transport::ring(s.ring, nullptr, 0, static_cast<pid_t>(peer_pids_[static_cast<size_t>(i)]),
                                cma_bounce_.get());
        else if (s.ring) t = Transport::ring(s.ring, s.ep, s.addr, 0, nullptr);
        else if (s.ep) t = Transport::fabric(s.ep, s.addr);
        else throw Error(errc::intern, "no transport to rank " + std::to_string(i));
    }
    setup_.clear();
    // Testing: "R:P:N", a fault on our transport to P after N messages when we are R.
    std::string fault = tunable_str("EFAMPI_FAULT_SEND");
    int r = -1, p = -1, n = -1;
    if (!fault.empty() && (std::sscanf(fault.c_str(), "%d:%d:%d", &r, &p, &n) != 3 || p < 0 ||
                           p >= size_ || n < 0))
        throw Error(errc::arg, "EFAMPI_FAULT_SEND=" + fault + " is not RANK:PEER:MESSAGES");
    if (r == rank_ && p != rank_) links_[static_cast<size_t>(p)].t.inject_fault(n);
}

// With FI_MULTI_RECV: a few large buffers, each taking many messages (no repost per message).
// Without: lim_.rx_buffers buffers of one message each.
void TransportSet::post_recv_buffers(Endpoint* ep) {
    constexpr size_t multi_buffers = 4;
    constexpr size_t messages_per_multi = 64;
    bool multi = ep->multi_recv();
    size_t count = multi ? multi_buffers : static_cast<size_t>(lim_.rx_buffers);
    size_t bytes = multi ? lim_.buf_bytes * messages_per_multi : lim_.buf_bytes;
    auto set = std::make_unique<RecvBuf[]>(count);
    auto slab = std::make_unique<uint8_t[]>(bytes * count);
    for (size_t i = 0; i < count; ++i) {
        RecvBuf* rb = &set[i];
        rb->op.type = OpType::recv_buf;
        rb->ep = ep;
        rb->data = slab.get() + bytes * i;
        rb->size = bytes;
        rb->multi = multi;
        if (!repost(rb)) pending_recvs_.push_back(rb);
    }
    pending_recvs_.reserve(pending_recvs_.size() + count);
    recvbuf_sets_.push_back(std::move(set));
    slabs_.push_back(std::move(slab));
}

bool TransportSet::repost(RecvBuf* rb) {
    ssize_t rc = rb->multi ? rb->ep->recv_multi(rb->data, rb->size, &rb->op)
                           : rb->ep->recv(rb->data, rb->size, nullptr, &rb->op);
    if (rc == -FI_EAGAIN) return false;
    if (rc) fatal_error(boot_, rank_, "fi_recv on " + rb->ep->provider() + ": " + fi_error(static_cast<int>(rc)));
    return true;
}

void TransportSet::repost_pending() {
    size_t keep = 0;
    for (RecvBuf* rb : pending_recvs_)
        if (!repost(rb)) pending_recvs_[keep++] = rb;  // -FI_EAGAIN: next round
    pending_recvs_.resize(keep);
}

// The completion queue itself failed: nothing on this endpoint can complete again.
void TransportSet::cq_failed(Endpoint* ep, int rc) {
    fatal_error(boot_, rank_, "fi_cq_read on " + ep->provider() + ": " + fi_error(rc));
}

// A receive buffer serves every peer of its endpoint and its failure names none (the sender is
// only known from the header): nothing can be failed selectively.
void TransportSet::receive_failed(const RecvBuf* rb, int err) {
    fatal_error(boot_, rank_, "receive on " + rb->ep->provider() + " failed: " + fi_error(err) +
                                  (err == FI_ETRUNC ? " (is EFAMPI_EAGER_LIMIT the same on every rank?)"
                                                    : ""));
}

bool TransportSet::cancelled(int err) { return err == FI_ECANCELED; }

void TransportSet::open_loopback(int rank, Loopback* inbox, const std::vector<LoopLink*>& links) {
    rank_ = rank;
    size_ = static_cast<int>(links.size());
    loop_inbox_ = inbox;
    uint64_t frag = static_cast<uint64_t>(tunable_int("EFAMPI_STREAM_FRAGMENT"));
    ring_frag_ = frag < 64 ? 64 : frag;
    links_.assign(links.size(), Link{});
    for (size_t i = 0; i < links.size(); ++i)
        if (static_cast<int>(i) != rank) links_[i].t = Transport::loopback(links[i]);
    names_ = "loopback";
}

void TransportSet::close() {
    in_rings_.clear();
    peer_segs_.clear();
    own_seg_.reset();
    neps_ = 0;
    local_.reset();
    net_.reset();
    recvbuf_sets_.clear();
    slabs_.clear();
    pending_recvs_.clear();
    loop_inbox_ = nullptr;
    for (Link& l : links_) l = Link{};
}

void fatal_error(Bootstrap* boot, int rank, const std::string& msg) {
    std::fprintf(stderr, "efampi: rank %d: %s\n", rank, msg.c_str());
    std::fflush(stderr);
    if (boot) boot->abort(1, msg);
    std::_Exit(1);
}

TransportSet::TransportSet() = default;
TransportSet::~TransportSet() = default;

}  // namespace efampi::pml
