// The transport kinds behind the seam (transport.hpp): shared-memory rings, libfabric
// endpoints, loopback. Everything that depends on which kind a peer has is in this file.
#include "pml/transport.hpp"

#include <rdma/fi_domain.h>
#include <rdma/fi_errno.h>
#include <sys/uio.h>

#include <cerrno>
#include <cstring>

#include "base/copy.hpp"
#include "pml/fabric.hpp"
#include "pml/ops.hpp"
#include "pml/shm_ring.hpp"

namespace efampi::pml {

Transport Transport::ring(OutRing* out, Endpoint* reads, uint64_t read_addr, pid_t pid,
                          uint8_t* bounce) {
    Transport t;
    t.kind_ = Kind::ring;
    t.ring_ = out;
    t.ep_ = reads;
    t.addr_ = read_addr;
    t.pid_ = pid;
    t.bounce_ = bounce;
    return t;
}

Transport Transport::fabric(Endpoint* ep, uint64_t addr) {
    Transport t;
    t.kind_ = Kind::fabric;
    t.ep_ = ep;
    t.addr_ = addr;
    return t;
}

Transport Transport::loopback(LoopLink* link) {
    Transport t;
    t.kind_ = Kind::loopback;
    t.link_ = link;
    return t;
}

namespace {
void loop_deliver(LoopLink* l, const void* a, size_t alen, const void* b, size_t blen) {
    std::vector<uint8_t> m(alen + blen);
    if (alen) std::memcpy(m.data(), a, alen);
    if (blen) std::memcpy(m.data() + alen, b, blen);
    l->to->inbox.push_back(std::move(m));
}
}  // namespace

Status Transport::push_other(const void* a, size_t alen, const void* b, size_t blen) noexcept {
    if (__builtin_expect(fault_after_ >= 0, 0) && faulty()) return fail("send", -1);
    switch (kind_) {
        case Kind::ring:
            return ring_->push(a, alen, b, blen) ? Status::done : Status::retry;
        case Kind::fabric: {
            size_t len = alen + blen;
            if (len > ep_->inject_size() || len > Endpoint::inject_scratch_bytes)
                return Status::retry;  // through a bounce buffer
            uint8_t* tmp = ep_->inject_scratch();
            copy_bytes(tmp, a, alen);
            if (blen) copy_bytes(tmp + alen, b, blen);
            ssize_t rc = ep_->inject(tmp, len, addr_);
            if (__builtin_expect(rc == 0, 1)) return Status::done;
            if (rc == -FI_EAGAIN) return Status::retry;
            return fail("fi_inject", static_cast<int>(-rc));
        }
        case Kind::loopback:
            loop_deliver(link_, a, alen, b, blen);
            return Status::done;
        case Kind::self:
            break;
    }
    return fail("send to self through a transport", -1);
}

Status Transport::post(SendBuf* sb) noexcept {
    if (__builtin_expect(fault_after_ >= 0, 0) && faulty()) return fail("send", -1);
    switch (kind_) {
        case Kind::ring:  // a full ring earlier: copied in now, or still full
            return ring_->push(sb->data, sb->len, nullptr, 0) ? Status::done : Status::retry;
        case Kind::fabric: {
            if (ep_->inflight >= ep_->tx_size()) return Status::retry;
            ssize_t rc = ep_->send(sb->data, sb->len, nullptr, addr_, &sb->op);
            if (rc == 0) {
                ++ep_->inflight;
                return Status::posted;
            }
            if (rc == -FI_EAGAIN) return Status::retry;
            return fail("fi_send", static_cast<int>(-rc));
        }
        case Kind::loopback:
            loop_deliver(link_, sb->data, sb->len, nullptr, 0);
            return Status::done;
        case Kind::self:
            break;
    }
    return fail("send to self through a transport", -1);
}

void Transport::sent() noexcept {
    if (ep_) --ep_->inflight;
}

uint8_t* Transport::reserve(size_t len) noexcept {
    if (kind_ == Kind::ring) return ring_->reserve(len);
    if (kind_ == Kind::loopback && link_->in_place) {
        link_->record.resize(len);
        return link_->record.data();
    }
    return nullptr;
}

void Transport::commit(size_t len) noexcept {
    if (kind_ == Kind::ring) return ring_->commit(len);
    if (kind_ == Kind::loopback) loop_deliver(link_, link_->record.data(), len, nullptr, 0);
}

Status Transport::expose(void* buf, size_t len, Exposed& out) noexcept {
    out = Exposed{};
    if (kind_ == Kind::loopback) {
        if (link_->fail_expose) return fail("loopback registration", -1);
        out.addr = reinterpret_cast<uint64_t>(buf);
        return Status::done;
    }
    if (kind_ == Kind::ring && !ep_) {  // cross-memory attach: the peer reads our address space
        out.addr = reinterpret_cast<uint64_t>(buf);
        return Status::done;
    }
    if (!ep_) return fail("registration without an endpoint", -1);
    try {
        MemReg m = ep_->reg(buf, len ? len : 1, FI_REMOTE_READ);
        out.mr = m.mr;
        out.key = m.key;
        out.addr = ep_->virt_addr() ? reinterpret_cast<uint64_t>(buf) : 0;
        return Status::done;
    } catch (...) {  // (Endpoint::reg is a setup-style call that throws; cold here)
        return fail("fi_mr_reg", FI_EIO);
    }
}

void Transport::unexpose(Exposed& m) noexcept {
    if (m.mr && ep_) {
        MemReg r{static_cast<fid_mr*>(m.mr), nullptr, 0};
        ep_->dereg(r);
    }
    m = Exposed{};
}

uint64_t Transport::max_read() const {
    return (kind_ == Kind::fabric || (kind_ == Kind::ring && ep_)) ? ep_->max_msg_size() : 0;
}

Status Transport::read(ReadOp* op) noexcept {
    switch (kind_) {
        case Kind::loopback:
            if (link_->fail_reads) return fail("loopback read", -1);
            std::memcpy(op->buf, reinterpret_cast<const void*>(op->raddr), op->len);
            return Status::done;
        case Kind::ring:
            if (!ep_) return cma_read(op);
            [[fallthrough]];
        case Kind::fabric: {
            if (ep_->inflight >= ep_->tx_size()) return Status::retry;
            ssize_t rc = ep_->read(op->buf, op->len, addr_, op->raddr, op->key, &op->op);
            if (rc == 0) {
                ++ep_->inflight;
                return Status::posted;
            }
            if (rc == -FI_EAGAIN) return Status::retry;
            return fail("fi_read", static_cast<int>(-rc));
        }
        case Kind::self:
            break;
    }
    return fail("read from self through a transport", -1);
}

void Transport::read_done() noexcept {
    if (ep_) --ep_->inflight;
}

// Reads from a ring peer's address space with process_vm_readv (verified at init): one copy,
// done at once; the kernel may move less than asked, so it loops.
//
// The kernel copies with `rep movsb`, which on the CPUs measured here runs 4-6x slower when
// the destination is 1-31 bytes past the source modulo 4096 (docs/performance.md, "Copies
// and page offsets"). Such reads go through a bounce block half a page away from both, in
// cma_bounce_bytes pieces: a second copy that stays in cache.
namespace {

bool slow_relative_offset(const void* dst, uint64_t src) {
    uint64_t rel = (reinterpret_cast<uintptr_t>(dst) - src) & 4095;
    return rel != 0 && rel < 32;
}

// process_vm_readv of n bytes until done; 0, or the errno of the failure.
int read_all(pid_t pid, uint8_t* dst, uint64_t src, uint64_t n) {
    uint64_t done = 0;
    while (done < n) {
        iovec here{dst + done, n - done};
        iovec there{reinterpret_cast<void*>(src + done), n - done};
        ssize_t got = process_vm_readv(pid, &here, 1, &there, 1, 0);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) return got < 0 ? errno : EIO;
        done += static_cast<uint64_t>(got);
    }
    return 0;
}

}  // namespace

Status Transport::cma_read(ReadOp* op) noexcept {
    uint64_t n = op->len;
    int err;
    if (!slow_relative_offset(op->buf, op->raddr)) {
        err = read_all(pid_, op->buf, op->raddr, n);
    } else {
        // The bounce block at the source's page offset plus half a page.
        uintptr_t base = (reinterpret_cast<uintptr_t>(bounce_) + 4095) & ~uintptr_t(4095);
        auto* bounce = reinterpret_cast<uint8_t*>(base + ((op->raddr + 2048) & 4095));
        err = 0;
        for (uint64_t done = 0; !err && done < n; done += cma_bounce_bytes) {
            uint64_t k = n - done < cma_bounce_bytes ? n - done : cma_bounce_bytes;
            err = read_all(pid_, bounce, op->raddr + done, k);
            if (!err) std::memcpy(op->buf + done, bounce, k);
        }
    }
    return err ? fail("process_vm_readv", err) : Status::done;
}

std::string Transport::name() const {
    switch (kind_) {
        case Kind::ring: return "shm-ring";
        case Kind::fabric: return ep_->provider();
        case Kind::loopback: return "loopback";
        case Kind::self: break;
    }
    return "self";
}

std::string Transport::error_message() const {
    std::string m = std::string(err_what_ ? err_what_ : "operation") + " on " + name();
    if (err_code_ < 0) return m + " failed (an injected fault)";
    if (err_what_ && std::strcmp(err_what_, "process_vm_readv") == 0)
        return m + ": " + std::strerror(err_code_);
    return m + ": " + fi_error(err_code_);
}

}  // namespace efampi::pml
