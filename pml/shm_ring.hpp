#pragma once
// The native shared-memory transport for messages between ranks of one host: one
// single-producer single-consumer ring of bytes per (sender, receiver) pair, living in the
// receiver's segment. A message (header + eager payload, or a control message) is one record:
// the sender copies it in and publishes the tail, the receiver handles it in place and
// publishes the head. Large payloads do not go through the rings: rendezvous reads them with
// process_vm_readv, or with the libfabric shm endpoint (fi_read) where cross-memory attach is
// refused; streamed fragments are written into a record in place. The engine reaches the rings
// through the ring kind of pml/transport.hpp. See README.md, "Native shared memory".
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>

namespace efampi::pml {

// A name for a shared-memory object of this process, unique even when the pid comes back:
// "efampi.<pid>.<what>.<n>.<clock>". Everything efampi puts in /dev/shm starts with
// "efampi.<pid>.", which is how the launcher finds what a killed rank left behind.
std::string shm_region_name(const char* what);

// The shared part of one ring. Head and tail sit on their own cache lines: the producer
// writes only `tail`, the consumer only `head`.
struct alignas(64) RingCtl {
    std::atomic<uint64_t> tail{0};
    char pad0[64 - sizeof(std::atomic<uint64_t>)];
    std::atomic<uint64_t> head{0};
    char pad1[64 - sizeof(std::atomic<uint64_t>)];
};
static_assert(sizeof(RingCtl) == 128, "ring control block is two cache lines");

// Geometry shared by every ring of the job (all ranks compute the same). A ring is a byte
// circle: each message is a record (8-byte length, then the bytes) rounded up to 64 bytes, so
// small messages take little room and large eager messages still fit. A record that would
// cross the end is preceded by a wrap marker (length ~0) and starts again at offset 0.
struct RingShape {
    uint32_t bytes = 0;        // per ring, a power of two, at least twice the largest record
    size_t ring_bytes() const { return sizeof(RingCtl) + bytes; }
    static size_t record(size_t len) { return (8 + len + 63) & ~size_t{63}; }
};
constexpr uint64_t ring_wrap = ~uint64_t{0};

// The producer's side, in this process: where the ring is (in the peer's segment) and what
// it last saw of the consumer's head.
class OutRing {
public:
    void attach(uint8_t* base, RingShape shape) {
        ctl_ = reinterpret_cast<RingCtl*>(base);
        data_ = base + sizeof(RingCtl);
        shape_ = shape;
        tail_ = ctl_->tail.load(std::memory_order_relaxed);
        head_seen_ = ctl_->head.load(std::memory_order_acquire);
    }
    // Copies `a` then `b` into the next record; false when the ring is full (try later).
    bool push(const void* a, size_t alen, const void* b, size_t blen);
    // Room for a record of `len` bytes, written in place (the streamed rendezvous packs
    // straight into the ring): null when the ring is full. commit() publishes it.
    uint8_t* reserve(size_t len);
    void commit(size_t len) {
        tail_ += RingShape::record(len);
        ctl_->tail.store(tail_, std::memory_order_release);
    }

private:
    RingCtl* ctl_ = nullptr;
    uint8_t* data_ = nullptr;
    RingShape shape_;
    uint64_t tail_ = 0;
    uint64_t head_seen_ = 0;
};

// The consumer's side: one of the rings in this process's own segment.
class InRing {
public:
    void attach(uint8_t* base, RingShape shape) {
        ctl_ = reinterpret_cast<RingCtl*>(base);
        data_ = base + sizeof(RingCtl);
        shape_ = shape;
        head_ = ctl_->head.load(std::memory_order_relaxed);
    }
    // Calls handle(data, len) for each published message, oldest first, at most `max`;
    // each cell is given back as soon as its handler returns. Returns how many it handled.
    template <class Handle>
    int drain(Handle&& handle, int max) {
        uint64_t tail = ctl_->tail.load(std::memory_order_acquire);
        int n = 0;
        while (head_ != tail && n < max) {
            size_t pos = static_cast<size_t>(head_ & (shape_.bytes - 1));
            uint64_t len;
            __builtin_memcpy(&len, data_ + pos, sizeof len);
            if (len == ring_wrap) {
                head_ += shape_.bytes - pos;
            } else {
                handle(data_ + pos + 8, static_cast<size_t>(len));
                head_ += RingShape::record(static_cast<size_t>(len));
                ++n;
            }
            ctl_->head.store(head_, std::memory_order_release);
        }
        return n;
    }
    bool empty() const { return ctl_->tail.load(std::memory_order_acquire) == head_; }

private:
    RingCtl* ctl_ = nullptr;
    const uint8_t* data_ = nullptr;
    RingShape shape_;
    uint64_t head_ = 0;
};

// A POSIX shared-memory segment holding `rings` rings: created by its owner (the receiver),
// mapped by the senders. The name is unlinked once everyone has mapped it, so nothing is left
// in /dev/shm whatever happens to the job afterwards.
class ShmSegment {
public:
    ShmSegment() = default;
    ShmSegment(const ShmSegment&) = delete;
    ShmSegment& operator=(const ShmSegment&) = delete;
    ~ShmSegment();

    // Throws efampi::Error (with errno's text) when the segment cannot be made or mapped.
    void create(const std::string& name, size_t bytes);
    void attach(const std::string& name, size_t bytes);
    void unlink();  // owner: removes the name; the mappings stay valid
    uint8_t* base() const { return base_; }
    const std::string& name() const { return name_; }

private:
    std::string name_;
    uint8_t* base_ = nullptr;
    size_t bytes_ = 0;
    bool owner_ = false;
    bool linked_ = false;
};

}  // namespace efampi::pml
