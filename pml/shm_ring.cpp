#include "pml/shm_ring.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <ctime>
#include <cstring>
#include <new>

#include "base/copy.hpp"
#include "base/errclass.hpp"
#include "base/error.hpp"

namespace efampi::pml {

namespace {

[[noreturn]] void fail(const std::string& what, const std::string& name, int err) {
    throw Error(errc::other, what + " " + name + ": " + std::strerror(err) +
                                   " (set EFAMPI_SHM_RING=0 to go through libfabric's shm)");
}
}  // namespace

std::string shm_region_name(const char* what) {
    static unsigned n = 0;
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    char buf[96];
    std::snprintf(buf, sizeof buf, "efampi.%ld.%s.%u.%lx%lx", static_cast<long>(getpid()), what,
                  n++, static_cast<unsigned long>(ts.tv_sec), static_cast<unsigned long>(ts.tv_nsec));
    return buf;
}

uint8_t* OutRing::reserve(size_t len) {
    size_t rec = RingShape::record(len);
    size_t pos = static_cast<size_t>(tail_ & (shape_.bytes - 1));
    size_t pad = pos + rec > shape_.bytes ? shape_.bytes - pos : 0;  // wrap to offset 0
    if (tail_ + pad + rec - head_seen_ > shape_.bytes) {
        head_seen_ = ctl_->head.load(std::memory_order_acquire);
        if (tail_ + pad + rec - head_seen_ > shape_.bytes) return nullptr;
    }
    if (pad) {
        std::memcpy(data_ + pos, &ring_wrap, sizeof ring_wrap);
        tail_ += pad;
        pos = 0;
    }
    uint8_t* rec_at = data_ + pos;
    uint64_t len64 = len;
    std::memcpy(rec_at, &len64, sizeof len64);
    return rec_at + 8;
}

bool OutRing::push(const void* a, size_t alen, const void* b, size_t blen) {
    size_t len = alen + blen;
    uint8_t* at = reserve(len);
    if (!at) return false;
    copy_bytes(at, a, alen);
    if (blen) copy_bytes(at + alen, b, blen);
    commit(len);
    return true;
}

ShmSegment::~ShmSegment() {
    if (base_) munmap(base_, bytes_);
    if (owner_ && linked_) shm_unlink(name_.c_str());
}

void ShmSegment::create(const std::string& name, size_t bytes) {
    name_ = name;
    int fd = shm_open(name.c_str(), O_CREAT | O_EXCL | O_RDWR, 0600);
    if (fd < 0) fail("cannot create shared memory segment", name, errno);
    owner_ = linked_ = true;
    if (ftruncate(fd, static_cast<off_t>(bytes)) != 0) {
        int e = errno;
        close(fd);
        fail("cannot size shared memory segment", name, e);
    }
    void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    int e = errno;
    close(fd);
    if (p == MAP_FAILED) fail("cannot map shared memory segment", name, e);
    base_ = static_cast<uint8_t*>(p);
    bytes_ = bytes;
    // Fresh pages are zero: every ring starts with head == tail == 0. Touch them now (the
    // owner's NUMA node, no faults on the first messages).
    std::memset(base_, 0, bytes);
}

void ShmSegment::attach(const std::string& name, size_t bytes) {
    name_ = name;
    int fd = shm_open(name.c_str(), O_RDWR, 0);
    if (fd < 0) fail("cannot open shared memory segment", name, errno);
    void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    int e = errno;
    close(fd);
    if (p == MAP_FAILED) fail("cannot map shared memory segment", name, e);
    base_ = static_cast<uint8_t*>(p);
    bytes_ = bytes;
}

void ShmSegment::unlink() {
    if (owner_ && linked_) shm_unlink(name_.c_str());
    linked_ = false;
}

}  // namespace efampi::pml
