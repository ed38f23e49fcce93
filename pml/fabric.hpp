#pragma once
// One libfabric RDM endpoint (with its fabric, domain, CQ and AV) of one provider. Setup
// methods throw efampi::Error; the data-path methods return libfabric status codes (0 or a
// negative -FI_E*) and never throw, allocate or block. Only pml/*.cpp include libfabric.
#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

struct fi_info;
struct fid_fabric;
struct fid_domain;
struct fid_ep;
struct fid_cq;
struct fid_av;
struct fid_mr;

namespace efampi::pml {

struct OpCtx;

// What one completion says: the operation's context and, for receives, the bytes received.
struct Completion {
    OpCtx* op;
    size_t len;
    int err;          // 0, or the positive FI_E* error of a failed operation
    void* buf;        // receives: where the message landed (inside a multi-receive buffer)
    bool released;    // receives: the provider is done with this (multi-receive) buffer
};

struct MemReg {
    fid_mr* mr = nullptr;
    void* desc = nullptr;
    uint64_t key = 0;
};

enum class Scope { local, network };  // peers on this host only, or peers anywhere

class Endpoint {
public:
    // Opens the best endpoint for `scope`: for local, the shm provider; for network,
    // `provider` when not empty, else efa when present, else the first RDM provider offered
    // that is not shm. FI_PROVIDER (honoured by libfabric itself) narrows the choice. Returns
    // null when nothing suits; `tried` then says what was asked and refused.
    // For IP-based providers (one fi_info per interface), the network endpoint binds to the
    // interface named by `iface` (EFAMPI_NET_IFACE) when given; else, when `remote_peers`, to
    // the first one that is neither loopback nor IPv6 link-local (what libfabric lists first
    // may be 127.0.0.1, which peers on other hosts cannot reach).
    static std::unique_ptr<Endpoint> open(Scope scope, const std::string& provider,
                                          bool want_multi_recv, std::string& tried,
                                          bool remote_peers = false, const std::string& iface = {});
    ~Endpoint();
    Endpoint(const Endpoint&) = delete;
    Endpoint& operator=(const Endpoint&) = delete;

    std::vector<uint8_t> name() const;
    // Inserts peer addresses in the order given; returns their fi_addr_t values.
    std::vector<uint64_t> insert(const std::vector<std::vector<uint8_t>>& addrs);

    MemReg reg(void* buf, size_t len, uint64_t access);  // throws on failure
    void dereg(MemReg& m) noexcept;

    // Data path.
    ssize_t inject(const void* buf, size_t len, uint64_t dest) noexcept;
    ssize_t send(const void* buf, size_t len, void* desc, uint64_t dest, OpCtx* ctx) noexcept;
    ssize_t recv(void* buf, size_t len, void* desc, OpCtx* ctx) noexcept;
    // A buffer that takes many messages (FI_MULTI_RECV): each arrives as its own completion;
    // the last one is flagged `released` once less than min_multi_recv() bytes are left.
    ssize_t recv_multi(void* buf, size_t len, OpCtx* ctx) noexcept;
    bool multi_recv() const { return multi_recv_; }
    void disable_multi_recv() { multi_recv_ = false; }
    // Enables the endpoint (after open, before anything else). `largest_message` bounds what
    // peers send us: a multi-receive buffer is released when less than that is left.
    void enable(size_t largest_message);
    ssize_t read(void* buf, size_t len, uint64_t src, uint64_t raddr, uint64_t key,
                 OpCtx* ctx) noexcept;
    // Reads up to `max` completions; returns how many (0 when none), or a negative error.
    int poll(Completion* out, int max) noexcept;

    const std::string& provider() const { return prov_; }
    size_t inject_size() const { return inject_size_; }
    size_t max_msg_size() const { return max_msg_; }
    size_t tx_size() const { return tx_size_; }
    // Operations posted with a completion and not yet completed (sends and reads). The engine
    // keeps this below tx_size(): udp;ofi_rxd 1.17 accepts more and then stalls for good.
    size_t inflight = 0;
    bool virt_addr() const { return virt_addr_; }  // remote addresses are virtual addresses
    bool has_rma() const { return has_rma_; }
    // Where a message is assembled for fi_inject (a member, not a 4 KiB stack frame: stack
    // probes); messages larger than this go through a bounce buffer.
    static constexpr size_t inject_scratch_bytes = 4096;
    uint8_t* inject_scratch() { return inject_scratch_; }

private:
    Endpoint() = default;
    void setup(fi_info* info);

    fi_info* info_ = nullptr;
    fid_fabric* fabric_ = nullptr;
    fid_domain* domain_ = nullptr;
    fid_ep* ep_ = nullptr;
    fid_cq* cq_ = nullptr;
    fid_av* av_ = nullptr;
    std::string prov_;
    size_t inject_size_ = 0;
    size_t max_msg_ = 0;
    size_t tx_size_ = 0;
    uint64_t mr_mode_ = 0;
    uint64_t next_key_ = 1;
    bool virt_addr_ = false;
    bool multi_recv_ = false;
    bool has_rma_ = false;
    alignas(64) uint8_t inject_scratch_[inject_scratch_bytes];
};

std::string fi_error(int rc);  // fi_strerror of a (positive or negative) libfabric code

}  // namespace efampi::pml
