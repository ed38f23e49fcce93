#include "pml/fabric.hpp"
#include "pml/nic_choice.hpp"
#include "pml/shm_ring.hpp"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <rdma/fabric.h>
#include <rdma/fi_cm.h>
#include <rdma/fi_domain.h>
#include <rdma/fi_endpoint.h>
#include <rdma/fi_errno.h>
#include <rdma/fi_rma.h>

#include <cstdlib>
#include <cstring>

#include "pml/request.hpp"
#include "base/error.hpp"
#include "base/tunable.hpp"

namespace efampi::pml {

static_assert(sizeof(fi_context2) == sizeof(OpCtx::fi_space), "OpCtx must hold an fi_context2");
static_assert(offsetof(OpCtx, fi_space) == 0, "fi_context2 must come first");

namespace {

fi_info* make_hints(Scope scope, const std::string& prov, bool multi_recv) {
    fi_info* h = fi_allocinfo();
    if (!h) throw Error(err_other, "fi_allocinfo failed");
    h->ep_attr->type = FI_EP_RDM;
    h->caps = FI_MSG | FI_RMA;
    // shm in libfabric 1.17 refuses FI_REMOTE_COMM and, despite serving only local peers,
    // also refuses an explicit FI_LOCAL_COMM (-FI_ENODATA): ask it for neither. The network
    // provider is asked for both so that EFA also serves this host's peers when it must.
    if (scope == Scope::network) h->caps |= FI_LOCAL_COMM | FI_REMOTE_COMM;
    if (multi_recv) h->caps |= FI_MULTI_RECV;
    h->mode = FI_CONTEXT | FI_CONTEXT2;
    h->domain_attr->av_type = FI_AV_TABLE;
    h->domain_attr->resource_mgmt = FI_RM_ENABLED;
    h->domain_attr->threading = FI_THREAD_DOMAIN;
    h->domain_attr->mr_mode = FI_MR_VIRT_ADDR | FI_MR_ALLOCATED | FI_MR_PROV_KEY | FI_MR_ENDPOINT;
    if (!prov.empty()) h->fabric_attr->prov_name = strdup(prov.c_str());
    return h;
}

// fi_getinfo at the version we were compiled against; a runtime older than the headers
// answers -FI_ENOSYS, and then we ask at the runtime's own version.
int getinfo(fi_info* hints, fi_info** out) {
    int rc = fi_getinfo(FI_VERSION(FI_MAJOR_VERSION, FI_MINOR_VERSION), nullptr, nullptr, 0,
                        hints, out);
    if (rc == -FI_ENOSYS) rc = fi_getinfo(fi_version(), nullptr, nullptr, 0, hints, out);
    return rc;
}

// Where an IP provider's entry would bind, if it is an IP address at all.
const sockaddr* ip_src(const fi_info* i) {
    if (!i->src_addr) return nullptr;
    if (i->addr_format != FI_SOCKADDR_IN && i->addr_format != FI_SOCKADDR_IN6 && i->addr_format != FI_SOCKADDR)
        return nullptr;
    auto* sa = static_cast<const sockaddr*>(i->src_addr);
    return sa->sa_family == AF_INET || sa->sa_family == AF_INET6 ? sa : nullptr;
}

bool same_ip(const sockaddr* a, const sockaddr* b) {
    if (a->sa_family != b->sa_family) return false;
    if (a->sa_family == AF_INET)
        return reinterpret_cast<const sockaddr_in*>(a)->sin_addr.s_addr ==
               reinterpret_cast<const sockaddr_in*>(b)->sin_addr.s_addr;
    return std::memcmp(&reinterpret_cast<const sockaddr_in6*>(a)->sin6_addr,
                       &reinterpret_cast<const sockaddr_in6*>(b)->sin6_addr, sizeof(in6_addr)) == 0;
}

// Loopback, or IPv6 link-local (needs a scope id that the published address does not carry).
bool host_only(const sockaddr* sa) {
    if (sa->sa_family == AF_INET)
        return (ntohl(reinterpret_cast<const sockaddr_in*>(sa)->sin_addr.s_addr) >> 24) == 127;
    const in6_addr& a = reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr;
    return IN6_IS_ADDR_LOOPBACK(&a) || IN6_IS_ADDR_LINKLOCAL(&a);
}

// Whether the address belongs to the interface called `name`.
bool on_interface(const sockaddr* sa, const std::string& name) {
    ifaddrs* head = nullptr;
    if (getifaddrs(&head) != 0) return false;
    bool found = false;
    for (ifaddrs* i = head; i && !found; i = i->ifa_next)
        found = i->ifa_addr && name == i->ifa_name && same_ip(i->ifa_addr, sa);
    freeifaddrs(head);
    return found;
}

bool is_shm(const char* name) { return name && std::strcmp(name, "shm") == 0; }

bool pci_of(const fi_info* i, PciAddress& out) {
    if (!i->nic || !i->nic->bus_attr || i->nic->bus_attr->bus_type != FI_BUS_PCI) return false;
    const fi_pci_attr& p = i->nic->bus_attr->attr.pci;
    out = {p.domain_id, p.bus_id, p.device_id, p.function_id};
    return true;
}

// Several devices of the picked provider (hosts with more than one EFA or NIC): take the one
// nearest to the CPUs this rank is bound to. Only entries with a PCI address compete, and only
// when libfabric's own pick has one, so providers without device information (tcp over lo,
// shm) keep libfabric's order; hwloc is loaded only in that case (a few ms at init).
fi_info* nearest_device(fi_info* list, fi_info* pick) {
    PciAddress a;
    if (!pci_of(pick, a)) return pick;
    std::vector<fi_info*> same{pick};  // libfabric's pick first, so that ties keep it
    std::vector<PciAddress> addrs{a};
    for (fi_info* i = list; i; i = i->next) {
        if (i == pick || std::strcmp(i->fabric_attr->prov_name, pick->fabric_attr->prov_name) != 0)
            continue;
        if (!pci_of(i, a)) continue;
        same.push_back(i);
        addrs.push_back(a);
    }
    if (same.size() < 2) return pick;
    std::vector<int> mine = bound_cpus();
    if (mine.empty()) return pick;  // unbound: every device is as near as any other
    return same[choose_nearest(pci_locality(addrs), mine)];
}

void check(int rc, const char* what) {
    if (rc) throw Error(err_other, std::string(what) + ": " + fi_error(rc));
}
}  // namespace

std::string fi_error(int rc) { return fi_strerror(rc < 0 ? -rc : rc); }

std::unique_ptr<Endpoint> Endpoint::open(Scope scope, const std::string& provider,
                                         bool want_multi_recv, std::string& tried, bool remote_peers,
                                         const std::string& iface) {
    std::string want = scope == Scope::local ? "shm" : provider;
    // Multi-receive buffers save a repost per message; providers without them get one
    // buffer per message.
    fi_info* list = nullptr;
    int rc = -FI_ENODATA;
    for (bool multi : {true, false}) {
        if (multi && !want_multi_recv) continue;
        fi_info* hints = make_hints(scope, want, multi);
        rc = getinfo(hints, &list);
        fi_freeinfo(hints);
        if (rc == 0 && list) break;
    }
    const char* env = std::getenv("FI_PROVIDER");
    std::string asked = (want.empty() ? std::string("any RDM provider") : want) +
                        (scope == Scope::local ? " (local peers)" : " (FI_LOCAL_COMM|FI_REMOTE_COMM)") +
                        (env ? std::string(" with FI_PROVIDER=") + env : std::string());
    if (rc != 0 || !list) {
        tried += (tried.empty() ? "" : "; ") + asked + ": " + fi_error(rc ? rc : FI_ENODATA);
        return nullptr;
    }
    // Preference for the network: efa, then the order libfabric gives (best first), never shm.
    fi_info* pick = nullptr;
    for (fi_info* i = list; i && !pick; i = i->next)
        if (std::strcmp(i->fabric_attr->prov_name, "efa") == 0) pick = i;
    // IP providers list one entry per interface and address: bind where peers can reach us.
    if (!pick && scope == Scope::network && !iface.empty()) {
        for (fi_info* i = list; i && !pick; i = i->next)
            if (!is_shm(i->fabric_attr->prov_name) && ip_src(i) && on_interface(ip_src(i), iface)) pick = i;
        if (!pick) {
            tried += (tried.empty() ? "" : "; ") + asked + ": no entry on interface " + iface +
                     " (EFAMPI_NET_IFACE)";
            fi_freeinfo(list);
            return nullptr;
        }
    }
    if (!pick && scope == Scope::network && remote_peers)
        for (fi_info* i = list; i && !pick; i = i->next)
            if (!is_shm(i->fabric_attr->prov_name) && (!ip_src(i) || !host_only(ip_src(i)))) pick = i;
    for (fi_info* i = list; i && !pick; i = i->next)
        if (scope == Scope::local || !is_shm(i->fabric_attr->prov_name)) pick = i;
    if (!pick) {
        tried += (tried.empty() ? "" : "; ") + asked + ": only shm offered";
        fi_freeinfo(list);
        return nullptr;
    }
    if (scope == Scope::network) pick = nearest_device(list, pick);
    std::unique_ptr<Endpoint> ep(new Endpoint());
    fi_info* mine = fi_dupinfo(pick);
    fi_freeinfo(list);
    ep->setup(mine);
    ep->multi_recv_ = ep->multi_recv_ && want_multi_recv;  // providers may offer it unasked
    return ep;
}

void Endpoint::setup(fi_info* info) {
    info_ = info;
    prov_ = info->fabric_attr->prov_name;
    inject_size_ = info->tx_attr->inject_size;
    tx_size_ = info->tx_attr->size ? info->tx_attr->size : 64;
    if (int64_t d = tunable_int("EFAMPI_TX_DEPTH"); d > 0) tx_size_ = static_cast<size_t>(d);
    max_msg_ = info->ep_attr->max_msg_size;
    mr_mode_ = info->domain_attr->mr_mode;
    virt_addr_ = (mr_mode_ & (FI_MR_VIRT_ADDR | FI_MR_BASIC)) != 0;
    has_rma_ = (info->caps & FI_RMA) != 0;
    multi_recv_ = (info->caps & FI_MULTI_RECV) != 0;

    check(fi_fabric(info->fabric_attr, &fabric_, nullptr), "fi_fabric");
    check(fi_domain(fabric_, info, &domain_, nullptr), "fi_domain");
    fi_cq_attr cq_attr{};
    cq_attr.format = FI_CQ_FORMAT_DATA;  // carries buf: where a multi-receive message landed
    cq_attr.size = info->tx_attr->size + info->rx_attr->size;
    cq_attr.wait_obj = FI_WAIT_NONE;
    check(fi_cq_open(domain_, &cq_attr, &cq_, nullptr), "fi_cq_open");
    fi_av_attr av_attr{};
    av_attr.type = FI_AV_TABLE;
    av_attr.count = 64;  // a hint; the table grows (sockets refuses 0)
    check(fi_av_open(domain_, &av_attr, &av_, nullptr), "fi_av_open");
    check(fi_endpoint(domain_, info, &ep_, nullptr), "fi_endpoint");
    if (is_shm(info->fabric_attr->prov_name)) {
        // shm names its region after the pid by default: a region left in /dev/shm by a
        // killed process whose pid comes back makes fi_enable fail (EBUSY). A name of our own,
        // unique and starting with "efampi.<pid>.", which our mpirun removes when a rank exits.
        std::string name = shm_region_name("ep");
        check(fi_setname(&ep_->fid, name.data(), name.size() + 1), "fi_setname");
    }
    check(fi_ep_bind(ep_, &cq_->fid, FI_TRANSMIT | FI_RECV), "fi_ep_bind(cq)");
    check(fi_ep_bind(ep_, &av_->fid, 0), "fi_ep_bind(av)");
}

void Endpoint::enable(size_t bytes) {
    check(fi_enable(ep_), "fi_enable");
    // After fi_enable: shm 1.17 crashes when this option is set on an endpoint not yet enabled.
    if (multi_recv_ &&
        fi_setopt(&ep_->fid, FI_OPT_ENDPOINT, FI_OPT_MIN_MULTI_RECV, &bytes, sizeof bytes) != 0)
        multi_recv_ = false;  // cannot bound the tail: use one buffer per message instead
}

Endpoint::~Endpoint() {
    if (ep_) fi_close(&ep_->fid);
    if (av_) fi_close(&av_->fid);
    if (cq_) fi_close(&cq_->fid);
    if (domain_) fi_close(&domain_->fid);
    if (fabric_) fi_close(&fabric_->fid);
    if (info_) fi_freeinfo(info_);
}

std::vector<uint8_t> Endpoint::name() const {
    std::vector<uint8_t> addr(256);
    size_t len = addr.size();
    int rc = fi_getname(&ep_->fid, addr.data(), &len);
    if (rc == -FI_ETOOSMALL) {
        addr.resize(len);
        rc = fi_getname(&ep_->fid, addr.data(), &len);
    }
    check(rc, "fi_getname");
    addr.resize(len);
    return addr;
}

std::vector<uint64_t> Endpoint::insert(const std::vector<std::vector<uint8_t>>& addrs) {
    std::vector<uint64_t> out(addrs.size(), FI_ADDR_NOTAVAIL);
    for (size_t i = 0; i < addrs.size(); ++i) {
        fi_addr_t a = FI_ADDR_NOTAVAIL;
        int n = fi_av_insert(av_, addrs[i].data(), 1, &a, 0, nullptr);
        if (n != 1)
            throw Error(err_other, "fi_av_insert of peer " + std::to_string(i) + " on " + prov_ +
                                       ": " + fi_error(n < 0 ? n : FI_EINVAL));
        out[i] = a;
    }
    return out;
}

MemReg Endpoint::reg(void* buf, size_t len, uint64_t access) {
    MemReg m;
    uint64_t key = (mr_mode_ & FI_MR_PROV_KEY) ? 0 : next_key_++;
    int rc = fi_mr_reg(domain_, buf, len, access, 0, key, 0, &m.mr, nullptr);
    if (rc)
        throw Error(err_other, "fi_mr_reg of " + std::to_string(len) + " bytes on " + prov_ +
                                   ": " + fi_error(rc) +
                                   (rc == -FI_ENOMEM ? " (check `ulimit -l`)" : ""));
    if (mr_mode_ & FI_MR_ENDPOINT) {
        rc = fi_mr_bind(m.mr, &ep_->fid, 0);
        if (!rc) rc = fi_mr_enable(m.mr);
        if (rc) {
            fi_close(&m.mr->fid);
            throw Error(err_other, "fi_mr_bind/enable on " + prov_ + ": " + fi_error(rc));
        }
    }
    m.desc = fi_mr_desc(m.mr);
    m.key = fi_mr_key(m.mr);
    return m;
}

void Endpoint::dereg(MemReg& m) noexcept {
    if (m.mr) fi_close(&m.mr->fid);
    m = MemReg{};
}

ssize_t Endpoint::inject(const void* buf, size_t len, uint64_t dest) noexcept {
    return fi_inject(ep_, buf, len, dest);
}

ssize_t Endpoint::send(const void* buf, size_t len, void* desc, uint64_t dest,
                       OpCtx* ctx) noexcept {
    return fi_send(ep_, buf, len, desc, dest, ctx);
}

ssize_t Endpoint::recv(void* buf, size_t len, void* desc, OpCtx* ctx) noexcept {
    return fi_recv(ep_, buf, len, desc, FI_ADDR_UNSPEC, ctx);
}

ssize_t Endpoint::recv_multi(void* buf, size_t len, OpCtx* ctx) noexcept {
    iovec iov{buf, len};
    fi_msg msg{};
    msg.msg_iov = &iov;
    msg.iov_count = 1;
    msg.addr = FI_ADDR_UNSPEC;
    msg.context = ctx;
    return fi_recvmsg(ep_, &msg, FI_MULTI_RECV);
}

ssize_t Endpoint::read(void* buf, size_t len, uint64_t src, uint64_t raddr, uint64_t key,
                       OpCtx* ctx) noexcept {
    return fi_read(ep_, buf, len, nullptr, src, raddr, key, ctx);
}

int Endpoint::poll(Completion* out, int max) noexcept {
    fi_cq_data_entry e[16];
    if (max > 16) max = 16;
    ssize_t n = fi_cq_read(cq_, e, static_cast<size_t>(max));
    if (n > 0) {
        for (ssize_t i = 0; i < n; ++i)
            out[i] = Completion{static_cast<OpCtx*>(e[i].op_context), e[i].len, 0, e[i].buf,
                                (e[i].flags & FI_MULTI_RECV) != 0};
        return static_cast<int>(n);
    }
    if (n == -FI_EAGAIN) return 0;
    if (n == -FI_EAVAIL) {
        fi_cq_err_entry err{};
        if (fi_cq_readerr(cq_, &err, 0) != 1) return 0;
        // shm 1.17 reports some errors with the wrong sign: compare magnitudes.
        int code = err.err < 0 ? -err.err : err.err;
        out[0] = Completion{static_cast<OpCtx*>(err.op_context), err.len, code ? code : FI_EIO,
                            err.buf, (err.flags & FI_MULTI_RECV) != 0};
        return 1;
    }
    return static_cast<int>(n);
}

}  // namespace efampi::pml
