#include "tests/unit/coll_sim_cases.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <sstream>
#include <string>

namespace efampi::coll::sim {

namespace {

constexpr uint32_t kCtx = 5;
constexpr int kTag = 77;
constexpr uint64_t kMod = 1000003;
constexpr uint8_t kJunk = 0xA5;  // unwritten output and the guards; never a data byte
constexpr size_t kGuard = 32;

int g_failures = 0;

bool fail(const std::string& label, const std::string& what) {
    ++g_failures;
    ADD_FAILURE() << label << ": " << what;
    return false;
}

uint64_t mix(uint64_t x) {
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}
// Word i of rank r's input to a reduction.
int64_t word(int r, uint64_t i) {
    return static_cast<int64_t>(mix(mix(static_cast<uint64_t>(r)) ^ i) % kMod);
}
// Byte i of what rank `src` contributes for rank `dst` (data movement); never kJunk.
uint8_t byte(int src, int dst, uint64_t i) {
    uint64_t h = mix(mix(static_cast<uint64_t>(src) << 32 | static_cast<uint32_t>(dst)) ^ i);
    return static_cast<uint8_t>(h % kJunk);
}

void sum_fn(const void*, const void*, const void* in, void* inout, uint64_t n) {
    const auto* a = static_cast<const int64_t*>(in);
    auto* b = static_cast<int64_t*>(inout);
    for (uint64_t i = 0; i < n; ++i)
        b[i] = static_cast<int64_t>(static_cast<uint64_t>(a[i]) + static_cast<uint64_t>(b[i]));
}

// inout = in x inout, 2x2 row-major matrices mod kMod.
void matmul_fn(const void*, const void*, const void* in, void* inout, uint64_t n) {
    const auto* a = static_cast<const int64_t*>(in);
    auto* b = static_cast<int64_t*>(inout);
    for (uint64_t e = 0; e < n; ++e, a += 4, b += 4) {
        uint64_t x[4], y[4];
        for (int k = 0; k < 4; ++k) {
            x[k] = static_cast<uint64_t>(a[k]) % kMod;
            y[k] = static_cast<uint64_t>(b[k]) % kMod;
        }
        b[0] = static_cast<int64_t>((x[0] * y[0] + x[1] * y[2]) % kMod);
        b[1] = static_cast<int64_t>((x[0] * y[1] + x[1] * y[3]) % kMod);
        b[2] = static_cast<int64_t>((x[2] * y[0] + x[3] * y[2]) % kMod);
        b[3] = static_cast<int64_t>((x[2] * y[1] + x[3] * y[3]) % kMod);
    }
}

uint64_t lanes(OpKind k) { return k == OpKind::sum ? 1 : 4; }

// A rank's buffer with guard bytes on both sides; starts as kJunk throughout.
class Buf {
public:
    Buf() = default;
    explicit Buf(uint64_t bytes) : mem_(bytes + 2 * kGuard, kJunk), n_(bytes) {}
    uint8_t* data() { return mem_.empty() ? nullptr : mem_.data() + kGuard; }
    int64_t* words() { return reinterpret_cast<int64_t*>(data()); }
    uint64_t size() const { return n_; }
    bool guards_ok() const {
        for (size_t i = 0; i < kGuard; ++i)
            if (mem_[i] != kJunk || mem_[kGuard + n_ + i] != kJunk) return false;
        return true;
    }
    void fill_words(int r) {
        for (uint64_t i = 0; i < n_ / 8; ++i) words()[i] = word(r, i);
    }

private:
    std::vector<uint8_t> mem_;
    uint64_t n_ = 0;
};

std::string describe(const Case& c, const std::string& what) {
    std::ostringstream o;
    o << what << " p=" << c.p << (c.model == Model::rendezvous ? " (rendezvous)" : "");
    return o.str();
}

// The first difference of `got` from `want`, as a failure.
bool same(const std::string& label, int r, const char* what, const void* got, const void* want,
          uint64_t bytes) {
    if (bytes == 0 || std::memcmp(got, want, bytes) == 0) return true;
    uint64_t i = 0;
    while (static_cast<const uint8_t*>(got)[i] == static_cast<const uint8_t*>(want)[i]) ++i;
    std::ostringstream o;
    o << "rank " << r << ": " << what << " differs from the reference at byte " << i << " of "
      << bytes;
    return fail(label, o.str());
}

// The schedules of one collective at p ranks and the buffers they may touch.
class Sim {
public:
    Sim(const Case& c, std::string label)
        : c_(c),
          label_(std::move(label)),
          s_(c.pool ? *c.pool : own_),
          regions_(static_cast<size_t>(c.p)) {
        s_.resize(static_cast<size_t>(c.p));
    }
    const std::string& label() const { return label_; }

    // Declares a buffer of rank r; a read-only one must come out unchanged.
    void buffer(int r, Buf& b, bool writable) {
        regions_[static_cast<size_t>(r)].push_back({b.data(), b.size(), writable});
        Kept k{r, &b, writable, {}};
        if (!writable) k.before.assign(b.data(), b.data() + b.size());
        kept_.push_back(std::move(k));
    }

    template <class F>
    void build(const Reduction* red, F&& f) {
        for (int r = 0; r < c_.p; ++r) {
            Schedule& s = s_[static_cast<size_t>(r)];
            s.reset(CommView{kCtx, r, c_.p, nullptr}, kTag);
            if (red) s.reduction = *red;
            f(s, r);
        }
    }

    bool run(bool track_heard = false) {
        for (int r = 0; r < c_.p; ++r) {
            std::string e =
                check_schedule(s_[static_cast<size_t>(r)], regions_[static_cast<size_t>(r)]);
            if (!e.empty()) return fail(label_, "rank " + std::to_string(r) + ": " + e);
        }
        Options o;
        o.model = c_.model;
        o.track_heard = track_heard;
        out_ = sim::run(s_, o);
        if (c_.out) *c_.out = out_;
        if (!out_.error.empty()) return fail(label_, out_.error);
        uint64_t messages = 0, bytes = 0;
        for (const Schedule& s : s_) {
            messages += s.messages();
            bytes += s.bytes_sent();
        }
        if (messages != out_.messages || bytes != out_.bytes)
            return fail(label_, "Schedule::messages() and bytes_sent() disagree with the run");
        for (Kept& k : kept_) {
            if (!k.buf->guards_ok())
                return fail(label_, "rank " + std::to_string(k.rank) +
                                        ": written outside a buffer (guard bytes changed)");
            if (!k.writable && !same(label_, k.rank, "an input buffer", k.buf->data(),
                                     k.before.data(), k.before.size()))
                return false;
        }
        return true;
    }
    const Outcome& outcome() const { return out_; }

private:
    struct Kept {
        int rank;
        Buf* buf;
        bool writable;
        std::vector<uint8_t> before;
    };
    Case c_;
    std::string label_;
    std::vector<Schedule> own_;
    std::vector<Schedule>& s_;  // own_, or the caller's pool
    std::vector<std::vector<Region>> regions_;
    std::vector<Kept> kept_;
    Outcome out_;
};

// Calls each(r, prefix) for r = 0 .. p-1, prefix being the ordered reduction of the inputs of
// ranks 0..r (count elements), computed with the operation itself, lower ranks as `in`.
template <class F>
void prefixes(OpKind op, int p, uint64_t count, F&& each) {
    Reduction red = reduction(op);
    uint64_t words = count * lanes(op);
    std::vector<int64_t> acc(words), next(words);
    for (int r = 0; r < p; ++r) {
        for (uint64_t i = 0; i < words; ++i) next[i] = word(r, i);
        if (r) red.apply(acc.data(), next.data(), count);
        acc.swap(next);
        each(r, acc.data());
    }
}

std::vector<int64_t> full_reduction(OpKind op, int p, uint64_t count) {
    std::vector<int64_t> out;
    prefixes(op, p, count, [&](int r, const int64_t* v) {
        if (r == p - 1) out.assign(v, v + count * lanes(op));
    });
    return out;
}

// Displacements of `bytes` with gaps of 0..2 bytes, blocks in rank order or reversed; returns
// the total extent.
uint64_t layout(const std::vector<uint64_t>& bytes, bool reversed, std::vector<uint64_t>& displs) {
    size_t p = bytes.size();
    displs.assign(p, 0);
    uint64_t at = 0;
    for (size_t k = 0; k < p; ++k) {
        size_t i = reversed ? p - 1 - k : k;
        at += i % 3;
        displs[i] = at;
        at += bytes[i];
    }
    return at + 1;
}

}  // namespace

int failures() { return g_failures; }
void reset_failures() { g_failures = 0; }

Reduction reduction(OpKind k) {
    Reduction r;
    r.fn = k == OpKind::sum ? sum_fn : matmul_fn;
    r.extent = 8 * lanes(k);
    r.commutative = k == OpKind::sum;
    return r;
}

const char* name(OpKind k) { return k == OpKind::sum ? "sum" : "matmul"; }
// The names are the tables' (collectives/select.hpp), the ones EFAMPI_COLL_* takes.
const char* name(BcastAlg a) { return coll::name(bcast_table(), a); }
const char* name(ReduceAlg a) { return coll::name(reduce_table(), a); }
const char* name(AllreduceAlg a) { return coll::name(allreduce_table(), a); }
const char* name(AllgatherAlg a) { return coll::name(allgather_table(), a); }
const char* name(AlltoallAlg a) { return coll::name(alltoall_table(), a); }

bool check_barrier(const Case& c) {
    Sim sim(c, describe(c, "barrier"));
    sim.build(nullptr, [](Schedule& s, int) { build_barrier(s); });
    if (!sim.run(true)) return false;
    const std::vector<bool>& h = sim.outcome().heard;
    for (int r = 0; r < c.p; ++r)
        for (int q = 0; q < c.p; ++q)
            if (!h[static_cast<size_t>(r) * static_cast<size_t>(c.p) + static_cast<size_t>(q)])
                return fail(sim.label(), "rank " + std::to_string(r) +
                                             " left the barrier without hearing from rank " +
                                             std::to_string(q));
    return true;
}

bool check_bcast(const Case& c, BcastAlg alg, uint64_t bytes, int root) {
    std::ostringstream l;
    l << "bcast " << name(alg) << " bytes=" << bytes << " root=" << root;
    Sim sim(c, describe(c, l.str()));
    std::vector<Buf> buf(static_cast<size_t>(c.p));
    std::vector<uint8_t> want(bytes);
    for (uint64_t i = 0; i < bytes; ++i) want[i] = byte(root, 0, i);
    for (int r = 0; r < c.p; ++r) {
        Buf& b = buf[static_cast<size_t>(r)] = Buf(bytes);
        if (r == root && bytes) std::memcpy(b.data(), want.data(), bytes);
        sim.buffer(r, b, true);
    }
    sim.build(nullptr, [&](Schedule& s, int r) {
        build_bcast(s, alg, buf[static_cast<size_t>(r)].data(), bytes, root);
    });
    if (!sim.run()) return false;
    for (int r = 0; r < c.p; ++r)
        if (!same(sim.label(), r, "buffer", buf[static_cast<size_t>(r)].data(), want.data(), bytes))
            return false;
    return true;
}

bool check_reduce(const Case& c, ReduceAlg alg, OpKind op, uint64_t count, int root,
                  bool in_place) {
    std::ostringstream l;
    l << "reduce " << name(alg) << " op=" << name(op) << " count=" << count << " root=" << root
      << (in_place ? " in_place" : "");
    Sim sim(c, describe(c, l.str()));
    Reduction red = reduction(op);
    uint64_t n = count * red.extent;
    std::vector<Buf> send(static_cast<size_t>(c.p));
    Buf recv(n);
    for (int r = 0; r < c.p; ++r) {
        if (in_place && r == root) continue;
        Buf& b = send[static_cast<size_t>(r)] = Buf(n);
        b.fill_words(r);
        sim.buffer(r, b, false);
    }
    if (in_place) recv.fill_words(root);
    sim.buffer(root, recv, true);
    sim.build(&red, [&](Schedule& s, int r) {
        build_reduce(s, alg, in_place && r == root ? nullptr : send[static_cast<size_t>(r)].data(),
                     r == root ? recv.data() : nullptr, count, root);
    });
    if (!sim.run()) return false;
    std::vector<int64_t> want = full_reduction(op, c.p, count);
    return same(sim.label(), root, "result", recv.data(), want.data(), n);
}

bool check_allreduce(const Case& c, AllreduceAlg alg, OpKind op, uint64_t count, bool in_place) {
    std::ostringstream l;
    l << "allreduce " << name(alg) << " op=" << name(op) << " count=" << count
      << (in_place ? " in_place" : "");
    Sim sim(c, describe(c, l.str()));
    Reduction red = reduction(op);
    uint64_t n = count * red.extent;
    std::vector<Buf> send(static_cast<size_t>(c.p)), recv(static_cast<size_t>(c.p));
    for (int r = 0; r < c.p; ++r) {
        Buf& out = recv[static_cast<size_t>(r)] = Buf(n);
        if (in_place) {
            out.fill_words(r);
        } else {
            Buf& b = send[static_cast<size_t>(r)] = Buf(n);
            b.fill_words(r);
            sim.buffer(r, b, false);
        }
        sim.buffer(r, out, true);
    }
    sim.build(&red, [&](Schedule& s, int r) {
        build_allreduce(s, alg, in_place ? nullptr : send[static_cast<size_t>(r)].data(),
                        recv[static_cast<size_t>(r)].data(), count);
    });
    if (!sim.run()) return false;
    std::vector<int64_t> want = full_reduction(op, c.p, count);
    for (int r = 0; r < c.p; ++r)
        if (!same(sim.label(), r, "result", recv[static_cast<size_t>(r)].data(), want.data(), n))
            return false;
    return true;
}

bool check_scan(const Case& c, OpKind op, uint64_t count, bool exclusive, bool in_place) {
    std::ostringstream l;
    l << (exclusive ? "exscan" : "scan") << " op=" << name(op) << " count=" << count
      << (in_place ? " in_place" : "");
    Sim sim(c, describe(c, l.str()));
    Reduction red = reduction(op);
    uint64_t n = count * red.extent;
    std::vector<Buf> send(static_cast<size_t>(c.p)), recv(static_cast<size_t>(c.p));
    for (int r = 0; r < c.p; ++r) {
        Buf& out = recv[static_cast<size_t>(r)] = Buf(n);
        if (in_place) {
            out.fill_words(r);
        } else {
            Buf& b = send[static_cast<size_t>(r)] = Buf(n);
            b.fill_words(r);
            sim.buffer(r, b, false);
        }
        sim.buffer(r, out, true);
    }
    // Exscan leaves rank 0's recv alone: keep what it held.
    std::vector<uint8_t> rank0(recv[0].data(), recv[0].data() + n);
    sim.build(&red, [&](Schedule& s, int r) {
        build_scan(s, in_place ? nullptr : send[static_cast<size_t>(r)].data(),
                   recv[static_cast<size_t>(r)].data(), count, exclusive);
    });
    if (!sim.run()) return false;
    if (exclusive &&
        !same(sim.label(), 0, "recv (to be left alone)", recv[0].data(), rank0.data(), n))
        return false;
    bool ok = true;
    prefixes(op, c.p, count, [&](int r, const int64_t* v) {
        int owner = exclusive ? r + 1 : r;  // the rank whose result is this prefix
        if (ok && owner < c.p)
            ok = same(sim.label(), owner, "result", recv[static_cast<size_t>(owner)].data(), v, n);
    });
    return ok;
}

bool check_reduce_scatter(const Case& c, OpKind op, const std::vector<uint64_t>& counts,
                          bool in_place) {
    std::ostringstream l;
    uint64_t total = 0;
    for (uint64_t k : counts) total += k;
    l << "reduce_scatter op=" << name(op) << " counts=" << counts[0] << ".. total=" << total
      << (in_place ? " in_place" : "");
    Sim sim(c, describe(c, l.str()));
    Reduction red = reduction(op);
    uint64_t ext = red.extent;
    std::vector<Buf> send(static_cast<size_t>(c.p)), recv(static_cast<size_t>(c.p));
    for (int r = 0; r < c.p; ++r) {
        if (in_place) {
            Buf& out = recv[static_cast<size_t>(r)] = Buf(total * ext);
            out.fill_words(r);
            sim.buffer(r, out, true);
            continue;
        }
        Buf& b = send[static_cast<size_t>(r)] = Buf(total * ext);
        b.fill_words(r);
        sim.buffer(r, b, false);
        sim.buffer(r, recv[static_cast<size_t>(r)] = Buf(counts[static_cast<size_t>(r)] * ext),
                   true);
    }
    sim.build(&red, [&](Schedule& s, int r) {
        build_reduce_scatter(s, in_place ? nullptr : send[static_cast<size_t>(r)].data(),
                             recv[static_cast<size_t>(r)].data(), counts.data());
    });
    if (!sim.run()) return false;
    std::vector<int64_t> want = full_reduction(op, c.p, total);
    uint64_t off = 0;
    for (int r = 0; r < c.p; ++r) {
        uint64_t n = counts[static_cast<size_t>(r)] * ext;
        if (!same(sim.label(), r, "block", recv[static_cast<size_t>(r)].data(),
                  reinterpret_cast<const uint8_t*>(want.data()) + off, n))
            return false;
        off += n;
    }
    return true;
}

bool check_allgather(const Case& c, AllgatherAlg alg, uint64_t bytes, bool in_place) {
    std::ostringstream l;
    l << "allgather " << name(alg) << " bytes=" << bytes << (in_place ? " in_place" : "");
    Sim sim(c, describe(c, l.str()));
    size_t p = static_cast<size_t>(c.p);
    std::vector<uint8_t> want(p * bytes);
    for (size_t q = 0; q < p; ++q)
        for (uint64_t i = 0; i < bytes; ++i) want[q * bytes + i] = byte(static_cast<int>(q), 0, i);
    std::vector<Buf> send(p), recv(p);
    for (int r = 0; r < c.p; ++r) {
        Buf& out = recv[static_cast<size_t>(r)] = Buf(p * bytes);
        uint8_t* mine = in_place ? out.data() + static_cast<size_t>(r) * bytes
                                 : (send[static_cast<size_t>(r)] = Buf(bytes)).data();
        if (bytes) std::memcpy(mine, want.data() + static_cast<size_t>(r) * bytes, bytes);
        if (!in_place) sim.buffer(r, send[static_cast<size_t>(r)], false);
        sim.buffer(r, out, true);
    }
    sim.build(nullptr, [&](Schedule& s, int r) {
        build_allgather(s, alg, in_place ? nullptr : send[static_cast<size_t>(r)].data(),
                        recv[static_cast<size_t>(r)].data(), bytes);
    });
    if (!sim.run()) return false;
    for (int r = 0; r < c.p; ++r)
        if (!same(sim.label(), r, "result", recv[static_cast<size_t>(r)].data(), want.data(),
                  want.size()))
            return false;
    return true;
}

bool check_allgatherv(const Case& c, const std::vector<uint64_t>& bytes, bool reversed,
                      bool in_place) {
    std::ostringstream l;
    l << "allgatherv bytes=" << bytes[0] << ".." << (reversed ? " reversed" : "")
      << (in_place ? " in_place" : "");
    Sim sim(c, describe(c, l.str()));
    size_t p = static_cast<size_t>(c.p);
    std::vector<uint64_t> displs;
    uint64_t extent = layout(bytes, reversed, displs);
    std::vector<uint8_t> want(extent, kJunk);  // gaps stay untouched
    for (size_t q = 0; q < p; ++q)
        for (uint64_t i = 0; i < bytes[q]; ++i)
            want[displs[q] + i] = byte(static_cast<int>(q), 0, i);
    std::vector<Buf> send(p), recv(p);
    for (int r = 0; r < c.p; ++r) {
        size_t me = static_cast<size_t>(r);
        Buf& out = recv[me] = Buf(extent);
        uint8_t* mine = in_place ? out.data() + displs[me] : (send[me] = Buf(bytes[me])).data();
        if (bytes[me]) std::memcpy(mine, want.data() + displs[me], bytes[me]);
        if (!in_place) sim.buffer(r, send[me], false);
        sim.buffer(r, out, true);
    }
    sim.build(nullptr, [&](Schedule& s, int r) {
        build_allgatherv(s, in_place ? nullptr : send[static_cast<size_t>(r)].data(),
                         recv[static_cast<size_t>(r)].data(), bytes.data(), displs.data());
    });
    if (!sim.run()) return false;
    for (int r = 0; r < c.p; ++r)
        if (!same(sim.label(), r, "result", recv[static_cast<size_t>(r)].data(), want.data(),
                  extent))
            return false;
    return true;
}

bool check_alltoall(const Case& c, AlltoallAlg alg, uint64_t bytes, bool in_place) {
    std::ostringstream l;
    l << "alltoall " << name(alg) << " bytes=" << bytes << (in_place ? " in_place" : "");
    Sim sim(c, describe(c, l.str()));
    size_t p = static_cast<size_t>(c.p);
    std::vector<Buf> send(p), recv(p);
    for (int r = 0; r < c.p; ++r) {
        Buf& out = recv[static_cast<size_t>(r)] = Buf(p * bytes);
        Buf& in = in_place ? out : (send[static_cast<size_t>(r)] = Buf(p * bytes));
        for (size_t d = 0; d < p; ++d)
            for (uint64_t i = 0; i < bytes; ++i)
                in.data()[d * bytes + i] = byte(r, static_cast<int>(d), i);
        if (!in_place) sim.buffer(r, in, false);
        sim.buffer(r, out, true);
    }
    sim.build(nullptr, [&](Schedule& s, int r) {
        build_alltoall(s, alg, in_place ? nullptr : send[static_cast<size_t>(r)].data(),
                       recv[static_cast<size_t>(r)].data(), bytes);
    });
    if (!sim.run()) return false;
    std::vector<uint8_t> want(p * bytes);
    for (int r = 0; r < c.p; ++r) {
        for (size_t q = 0; q < p; ++q)
            for (uint64_t i = 0; i < bytes; ++i)
                want[q * bytes + i] = byte(static_cast<int>(q), r, i);
        if (!same(sim.label(), r, "result", recv[static_cast<size_t>(r)].data(), want.data(),
                  want.size()))
            return false;
    }
    return true;
}

bool check_alltoallv(const Case& c, const std::vector<uint64_t>& bytes, bool in_place) {
    std::ostringstream l;
    l << "alltoallv" << (in_place ? " in_place" : "");
    Sim sim(c, describe(c, l.str()));
    size_t p = static_cast<size_t>(c.p);
    // Per rank: what it sends (forward layout) and receives (reversed layout), with gaps.
    std::vector<std::vector<uint64_t>> sb(p, std::vector<uint64_t>(p)), rb = sb, sd(p), rd(p);
    std::vector<uint64_t> s_ext(p), r_ext(p);
    for (size_t r = 0; r < p; ++r) {
        for (size_t q = 0; q < p; ++q) {
            sb[r][q] = bytes[r * p + q];
            rb[r][q] = bytes[q * p + r];
        }
        s_ext[r] = layout(sb[r], false, sd[r]);
        r_ext[r] = layout(rb[r], true, rd[r]);
    }
    std::vector<Buf> send(p), recv(p);
    for (int r = 0; r < c.p; ++r) {
        size_t me = static_cast<size_t>(r);
        Buf& out = recv[me] = Buf(r_ext[me]);
        if (in_place) {  // the input laid out like the output (the counts are symmetric)
            for (size_t d = 0; d < p; ++d)
                for (uint64_t i = 0; i < rb[me][d]; ++i)
                    out.data()[rd[me][d] + i] = byte(r, static_cast<int>(d), i);
        } else {
            Buf& in = send[me] = Buf(s_ext[me]);
            for (size_t d = 0; d < p; ++d)
                for (uint64_t i = 0; i < sb[me][d]; ++i)
                    in.data()[sd[me][d] + i] = byte(r, static_cast<int>(d), i);
            sim.buffer(r, in, false);
        }
        sim.buffer(r, out, true);
    }
    sim.build(nullptr, [&](Schedule& s, int r) {
        size_t me = static_cast<size_t>(r);
        build_alltoallv(s, in_place ? nullptr : send[me].data(), sb[me].data(), sd[me].data(),
                        recv[me].data(), rb[me].data(), rd[me].data());
    });
    if (!sim.run()) return false;
    for (int r = 0; r < c.p; ++r) {
        size_t me = static_cast<size_t>(r);
        std::vector<uint8_t> want(r_ext[me], kJunk);
        for (size_t q = 0; q < p; ++q)
            for (uint64_t i = 0; i < rb[me][q]; ++i)
                want[rd[me][q] + i] = byte(static_cast<int>(q), r, i);
        if (!same(sim.label(), r, "result", recv[me].data(), want.data(), want.size()))
            return false;
    }
    return true;
}

bool check_gather(const Case& c, uint64_t bytes, int root, bool in_place) {
    std::ostringstream l;
    l << "gather bytes=" << bytes << " root=" << root << (in_place ? " in_place" : "");
    Sim sim(c, describe(c, l.str()));
    size_t p = static_cast<size_t>(c.p);
    std::vector<uint8_t> want(p * bytes);
    for (size_t q = 0; q < p; ++q)
        for (uint64_t i = 0; i < bytes; ++i)
            want[q * bytes + i] = byte(static_cast<int>(q), root, i);
    std::vector<Buf> send(p);
    Buf recv(p * bytes);
    for (int r = 0; r < c.p; ++r) {
        size_t me = static_cast<size_t>(r);
        uint8_t* mine =
            in_place && r == root ? recv.data() + me * bytes : (send[me] = Buf(bytes)).data();
        if (bytes) std::memcpy(mine, want.data() + me * bytes, bytes);
        if (!(in_place && r == root)) sim.buffer(r, send[me], false);
    }
    sim.buffer(root, recv, true);
    sim.build(nullptr, [&](Schedule& s, int r) {
        build_gather(s, in_place && r == root ? nullptr : send[static_cast<size_t>(r)].data(),
                     r == root ? recv.data() : nullptr, bytes, root);
    });
    if (!sim.run()) return false;
    return same(sim.label(), root, "result", recv.data(), want.data(), want.size());
}

bool check_scatter(const Case& c, uint64_t bytes, int root, bool in_place) {
    std::ostringstream l;
    l << "scatter bytes=" << bytes << " root=" << root << (in_place ? " in_place" : "");
    Sim sim(c, describe(c, l.str()));
    size_t p = static_cast<size_t>(c.p);
    Buf send(p * bytes);
    for (size_t d = 0; d < p; ++d)
        for (uint64_t i = 0; i < bytes; ++i)
            send.data()[d * bytes + i] = byte(root, static_cast<int>(d), i);
    sim.buffer(root, send, false);
    std::vector<Buf> recv(p);
    for (int r = 0; r < c.p; ++r)
        if (!(in_place && r == root))
            sim.buffer(r, recv[static_cast<size_t>(r)] = Buf(bytes), true);
    sim.build(nullptr, [&](Schedule& s, int r) {
        build_scatter(s, r == root ? send.data() : nullptr,
                      in_place && r == root ? nullptr : recv[static_cast<size_t>(r)].data(), bytes,
                      root);
    });
    if (!sim.run()) return false;
    for (int r = 0; r < c.p; ++r) {
        if (in_place && r == root) continue;
        if (!same(sim.label(), r, "result", recv[static_cast<size_t>(r)].data(),
                  send.data() + static_cast<size_t>(r) * bytes, bytes))
            return false;
    }
    return true;
}

bool check_gatherv(const Case& c, const std::vector<uint64_t>& bytes, int root, bool in_place) {
    std::ostringstream l;
    l << "gatherv bytes=" << bytes[0] << ".. root=" << root << (in_place ? " in_place" : "");
    Sim sim(c, describe(c, l.str()));
    size_t p = static_cast<size_t>(c.p);
    std::vector<uint64_t> displs;
    uint64_t extent = layout(bytes, true, displs);
    std::vector<uint8_t> want(extent, kJunk);
    for (size_t q = 0; q < p; ++q)
        for (uint64_t i = 0; i < bytes[q]; ++i)
            want[displs[q] + i] = byte(static_cast<int>(q), root, i);
    std::vector<Buf> send(p);
    Buf recv(extent);
    for (int r = 0; r < c.p; ++r) {
        size_t me = static_cast<size_t>(r);
        bool ip = in_place && r == root;
        uint8_t* mine = ip ? recv.data() + displs[me] : (send[me] = Buf(bytes[me])).data();
        if (bytes[me]) std::memcpy(mine, want.data() + displs[me], bytes[me]);
        if (!ip) sim.buffer(r, send[me], false);
    }
    sim.buffer(root, recv, true);
    sim.build(nullptr, [&](Schedule& s, int r) {
        size_t me = static_cast<size_t>(r);
        bool ip = in_place && r == root;
        build_gatherv(s, ip ? nullptr : send[me].data(), bytes[me],
                      r == root ? recv.data() : nullptr, r == root ? bytes.data() : nullptr,
                      r == root ? displs.data() : nullptr, root);
    });
    if (!sim.run()) return false;
    return same(sim.label(), root, "result", recv.data(), want.data(), extent);
}

bool check_scatterv(const Case& c, const std::vector<uint64_t>& bytes, int root, bool in_place) {
    std::ostringstream l;
    l << "scatterv bytes=" << bytes[0] << ".. root=" << root << (in_place ? " in_place" : "");
    Sim sim(c, describe(c, l.str()));
    size_t p = static_cast<size_t>(c.p);
    std::vector<uint64_t> displs;
    Buf send(layout(bytes, true, displs));
    for (size_t d = 0; d < p; ++d)
        for (uint64_t i = 0; i < bytes[d]; ++i)
            send.data()[displs[d] + i] = byte(root, static_cast<int>(d), i);
    sim.buffer(root, send, false);
    std::vector<Buf> recv(p);
    for (int r = 0; r < c.p; ++r)
        if (!(in_place && r == root))
            sim.buffer(r, recv[static_cast<size_t>(r)] = Buf(bytes[static_cast<size_t>(r)]), true);
    sim.build(nullptr, [&](Schedule& s, int r) {
        size_t me = static_cast<size_t>(r);
        bool at_root = r == root;
        build_scatterv(s, at_root ? send.data() : nullptr, at_root ? bytes.data() : nullptr,
                       at_root ? displs.data() : nullptr,
                       in_place && at_root ? nullptr : recv[me].data(), bytes[me], root);
    });
    if (!sim.run()) return false;
    for (int r = 0; r < c.p; ++r) {
        size_t me = static_cast<size_t>(r);
        if (in_place && r == root) continue;
        if (!same(sim.label(), r, "result", recv[me].data(), send.data() + displs[me], bytes[me]))
            return false;
    }
    return true;
}

}  // namespace efampi::coll::sim
