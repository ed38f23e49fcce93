// What reaching a peer's transport costs per message (docs/architecture.md, "The transport
// seam"): the closed Transport (one class, a switch inside each call) against a virtual
// interface over the same shared-memory ring, and the ring alone. One process, one ring in
// private memory: an 8-byte message (with the 32-byte header) is pushed, and every 64 pushes
// the consumer side drains them. Prints the median ns per message of each, over alternating
// rounds. Not an MPI program: it measures a pml seam, so it links the pml.
//
//   build/bench/transport_dispatch [rounds] [messages per round]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <vector>

#include "pml/shm_ring.hpp"
#include "pml/transport.hpp"

using namespace efampi::pml;

namespace {

// The alternative design: an abstract transport with one implementation per kind.
struct VirtualTransport {
    virtual ~VirtualTransport() = default;
    virtual Status push(const void* a, size_t alen, const void* b, size_t blen) noexcept = 0;
};
struct VirtualRing final : VirtualTransport {
    OutRing* ring;
    explicit VirtualRing(OutRing* r) : ring(r) {}
    Status push(const void* a, size_t alen, const void* b, size_t blen) noexcept override {
        return ring->push(a, alen, b, blen) ? Status::done : Status::retry;
    }
};
struct VirtualOther final : VirtualTransport {  // a second kind, so the call stays indirect
    Status push(const void*, size_t, const void*, size_t) noexcept override { return Status::retry; }
};

__attribute__((noinline)) VirtualTransport* make_virtual(OutRing* r, bool other) {
    if (other) return new VirtualOther();
    return new VirtualRing(r);
}

template <class Push>
double run(InRing& in, long n, Push push) {
    alignas(64) unsigned char header[32] = {1};
    uint64_t payload = 42;
    auto t0 = std::chrono::steady_clock::now();
    for (long i = 0; i < n; ++i) {
        if (push(header, sizeof header, &payload, sizeof payload) != Status::done) std::abort();
        if ((i & 63) == 63) in.drain([](const uint8_t*, size_t) {}, 64);
    }
    in.drain([](const uint8_t*, size_t) {}, 64);
    std::chrono::duration<double, std::nano> d = std::chrono::steady_clock::now() - t0;
    return d.count() / static_cast<double>(n);
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
    int rounds = argc > 1 ? std::atoi(argv[1]) : 15;
    long n = argc > 2 ? std::atol(argv[2]) : 2000000;
    RingShape shape;
    shape.bytes = 1u << 16;
    std::unique_ptr<uint8_t[]> mem(new (std::align_val_t(64)) uint8_t[shape.ring_bytes()]());
    OutRing out;
    InRing in;
    out.attach(mem.get(), shape);
    in.attach(mem.get(), shape);
    Transport closed = Transport::ring(&out, nullptr, 0, 0, nullptr);
    std::unique_ptr<VirtualTransport> virt(make_virtual(&out, argc > 3));
    std::vector<double> ring_alone, closed_ns, virtual_ns;
    for (int r = 0; r < rounds; ++r) {
        ring_alone.push_back(run(in, n, [&](const void* a, size_t al, const void* b, size_t bl) {
            return out.push(a, al, b, bl) ? Status::done : Status::retry;
        }));
        closed_ns.push_back(run(in, n, [&](const void* a, size_t al, const void* b, size_t bl) {
            return closed.push(a, al, b, bl);
        }));
        virtual_ns.push_back(run(in, n, [&](const void* a, size_t al, const void* b, size_t bl) {
            return virt->push(a, al, b, bl);
        }));
    }
    std::printf("ns per 8-byte message, median of %d rounds of %ld\n", rounds, n);
    std::printf("ring alone        %.2f\n", median(ring_alone));
    std::printf("closed Transport  %.2f\n", median(closed_ns));
    std::printf("virtual interface %.2f\n", median(virtual_ns));
    return 0;
}
