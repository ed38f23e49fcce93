#include "tests/unit/coll_sim.hpp"

#include <algorithm>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <deque>

namespace efampi::coll::sim {

namespace {

constexpr uint32_t none = UINT32_MAX;

const char* kind_name(StepKind k) {
    switch (k) {
    case StepKind::send:
        return "send";
    case StepKind::recv:
        return "recv";
    case StepKind::copy:
        return "copy";
    case StepKind::reduce:
        return "reduce";
    case StepKind::convert:
        return "convert";
    }
    return "?";
}

__attribute__((format(printf, 1, 2))) std::string fmt(const char* f, ...) {
    char buf[512];
    va_list ap;
    va_start(ap, f);
    std::vsnprintf(buf, sizeof buf, f, ap);
    va_end(ap);
    return buf;
}

bool inside(const void* base, uint64_t size, const void* p, uint64_t n) {
    auto b = reinterpret_cast<uintptr_t>(base), q = reinterpret_cast<uintptr_t>(p);
    return base && q >= b && q - b <= size && n <= size - (q - b);
}

// Null if [p, p + n) lies in one region (a writable one if `write`), else the problem.
const char* where(const Schedule& s, const std::vector<Region>& regions, const void* p, uint64_t n,
                  bool write) {
    if (n == 0) return nullptr;
    if (inside(s.scratch_data(), s.scratch_size(), p, n)) return nullptr;
    for (const Region& r : regions) {
        if (!inside(r.base, r.bytes, p, n)) continue;
        if (write && !r.writable) return "writes into a read-only buffer (the user's input)";
        return nullptr;
    }
    if (!p) return "uses a null buffer";
    return "is outside every buffer of the rank (past an end, or into a scratch block that a "
           "second scratch() call replaced)";
}

// A message in flight. Slots are reused once received (and keep their payload's capacity), so
// memory follows the messages in flight, not all messages ever sent.
struct Msg {
    std::vector<uint8_t> data;
    uint64_t n;
    uint64_t time;  // the sender's clock when posted
    int src;
    int tag;
    uint32_t next = none;  // the next message on the same channel
};

// FIFO of messages from one rank to another, linked through Msg::next.
struct Chan {
    uint32_t head = none, tail = none;
};

struct Rank {
    size_t round = 0;
    bool posted = false;
    bool done = false;
    bool queued = false;
    std::vector<const Step*> waiting;  // the round's receives not yet matched, posting order
    uint64_t unacked = 0;              // rendezvous: the round's sends not yet taken
    uint64_t clock = 0, round_end = 0;
    uint64_t sent = 0, sent_bytes = 0;
};

class Engine {
public:
    Engine(std::vector<Schedule>& s, const Options& o)
        : s_(s),
          o_(o),
          p_(static_cast<int>(s.size())),
          ranks_(s.size()),
          chans_(s.size() * s.size()),
          words_((s.size() + 63) / 64) {
        if (o_.track_heard) {
            heard_.assign(s.size() * words_, 0);
            for (int r = 0; r < p_; ++r) set_heard(r, r);
        }
    }

    Outcome go() {
        Outcome out;
        for (int r = 0; r < p_; ++r) {
            const CommView& v = s_[static_cast<size_t>(r)].view();
            if (v.rank != r || v.size != p_) {
                out.error = fmt("schedule %d was built for rank %d of %d", r, v.rank, v.size);
                return out;
            }
            enqueue(r);
        }
        while (!work_.empty() && error_.empty()) {
            int r = work_.front();
            work_.pop_front();
            rank(r).queued = false;
            advance(r);
        }
        if (error_.empty()) check_end();
        out.error = error_;
        for (int r = 0; r < p_; ++r) {
            const Rank& k = rank(r);
            out.messages += k.sent;
            out.bytes += k.sent_bytes;
            out.max_rank_messages = std::max(out.max_rank_messages, k.sent);
            out.max_rank_bytes = std::max(out.max_rank_bytes, k.sent_bytes);
            out.max_rounds = std::max(out.max_rounds, s_[static_cast<size_t>(r)].rounds());
            out.depth = std::max(out.depth, k.clock);
        }
        if (o_.track_heard) {
            out.heard.resize(static_cast<size_t>(p_) * static_cast<size_t>(p_));
            for (int r = 0; r < p_; ++r)
                for (int q = 0; q < p_; ++q)
                    out.heard[static_cast<size_t>(r) * static_cast<size_t>(p_) +
                              static_cast<size_t>(q)] = has_heard(r, q);
        }
        return out;
    }

private:
    Rank& rank(int r) { return ranks_[static_cast<size_t>(r)]; }
    // A rank's incoming channels are adjacent: its receives scan them again and again.
    Chan& chan(int src, int dst) {
        return chans_[static_cast<size_t>(dst) * static_cast<size_t>(p_) +
                      static_cast<size_t>(src)];
    }
    void enqueue(int r) {
        Rank& k = rank(r);
        if (k.queued || k.done) return;
        k.queued = true;
        work_.push_back(r);
    }
    uint64_t* heard_of(int r) { return heard_.data() + static_cast<size_t>(r) * words_; }
    void set_heard(int r, int q) { heard_of(r)[q / 64] |= uint64_t(1) << (q % 64); }
    bool has_heard(int r, int q) { return (heard_of(r)[q / 64] >> (q % 64)) & 1; }

    void fail(std::string e) {
        if (error_.empty()) error_ = std::move(e);
    }

    void post(int r) {
        Rank& k = rank(r);
        const Schedule& s = s_[static_cast<size_t>(r)];
        k.round_end = k.clock;
        for (const Step* st = s.begin(k.round); st != s.end(k.round); ++st) {
            if (st->kind != StepKind::send && st->kind != StepKind::recv) continue;
            if (st->peer < 0 || st->peer >= p_) {
                fail(fmt("rank %d round %zu: %s with peer %d, outside 0..%d", r, k.round,
                         kind_name(st->kind), st->peer, p_ - 1));
                return;
            }
            if (st->kind == StepKind::recv) {
                k.waiting.push_back(st);
                continue;
            }
            uint32_t idx;
            if (free_.empty()) {
                idx = static_cast<uint32_t>(msgs_.size());
                msgs_.emplace_back();
                if (o_.track_heard) snapshots_.resize(snapshots_.size() + words_);
            } else {
                idx = free_.back();
                free_.pop_back();
            }
            Msg& m = msgs_[idx];
            m.n = st->n;
            m.time = k.clock;
            m.src = r;
            m.tag = s.tag();
            m.next = none;
            const auto* b = static_cast<const uint8_t*>(st->src);
            m.data.assign(b, b + st->n);
            if (o_.track_heard)
                std::memcpy(snapshots_.data() + idx * words_, heard_of(r),
                            words_ * sizeof(uint64_t));
            Chan& c = chan(r, st->peer);
            if (c.tail == none)
                c.head = idx;
            else
                msgs_[c.tail].next = idx;
            c.tail = idx;
            ++in_flight_;
            ++k.sent;
            k.sent_bytes += st->n;
            if (o_.model == Model::rendezvous) ++k.unacked;
            enqueue(st->peer);
        }
        k.posted = true;
    }

    // Takes the oldest message from `src` to `dst` with `tag`, or none.
    uint32_t take(int src, int dst, int tag) {
        Chan& c = chan(src, dst);
        uint32_t prev = none;
        for (uint32_t i = c.head; i != none; prev = i, i = msgs_[i].next) {
            if (msgs_[i].tag != tag) continue;
            if (prev == none)
                c.head = msgs_[i].next;
            else
                msgs_[prev].next = msgs_[i].next;
            if (c.tail == i) c.tail = prev;
            --in_flight_;
            return i;
        }
        return none;
    }

    // Completes what it can of rank r's receives; false on an error.
    bool match(int r) {
        Rank& k = rank(r);
        const Schedule& s = s_[static_cast<size_t>(r)];
        size_t keep = 0;
        for (size_t i = 0; i < k.waiting.size(); ++i) {
            const Step* st = k.waiting[i];
            uint32_t m = take(st->peer, r, s.tag());
            if (m == none) {
                k.waiting[keep++] = st;
                continue;
            }
            const Msg& msg = msgs_[m];
            if (msg.n != st->n) {
                fail(
                    fmt("rank %d round %zu: a receive of %llu bytes from rank %d got a "
                        "message of %llu bytes",
                        r, k.round, static_cast<unsigned long long>(st->n), st->peer,
                        static_cast<unsigned long long>(msg.n)));
                return false;
            }
            if (msg.n) std::memcpy(st->dst, msg.data.data(), msg.n);
            k.round_end = std::max(k.round_end, msg.time + 1);
            free_.push_back(m);
            if (o_.track_heard) {
                const uint64_t* h = snapshots_.data() + m * words_;
                uint64_t* mine = heard_of(r);
                for (size_t w = 0; w < words_; ++w) mine[w] |= h[w];
            }
            if (o_.model == Model::rendezvous && --rank(msg.src).unacked == 0) enqueue(msg.src);
        }
        k.waiting.resize(keep);
        return true;
    }

    void advance(int r) {
        Rank& k = rank(r);
        const Schedule& s = s_[static_cast<size_t>(r)];
        for (;;) {
            if (!k.posted) {
                if (k.round >= s.rounds()) {
                    k.done = true;
                    return;
                }
                post(r);
                if (!error_.empty()) return;
            }
            if (!match(r)) return;
            if (!k.waiting.empty() || k.unacked) return;
            s.run_local(k.round);
            k.clock = k.round_end;
            ++k.round;
            k.posted = false;
        }
    }

    void check_end() {
        std::string stuck;
        int n_stuck = 0;
        for (int r = 0; r < p_; ++r) {
            const Rank& k = rank(r);
            if (k.done) continue;
            if (++n_stuck > 8) continue;
            const Schedule& s = s_[static_cast<size_t>(r)];
            stuck += fmt("\n  rank %d in round %zu of %zu:", r, k.round, s.rounds());
            for (const Step* st : k.waiting)
                stuck += fmt(" waits for %llu bytes from %d;",
                             static_cast<unsigned long long>(st->n), st->peer);
            if (k.unacked)
                stuck += fmt(" %llu sends not yet received;",
                             static_cast<unsigned long long>(k.unacked));
        }
        if (n_stuck) {
            fail(fmt("deadlock: %d of %d ranks cannot finish", n_stuck, p_) + stuck +
                 (n_stuck > 8 ? "\n  ..." : ""));
            return;
        }
        if (!in_flight_) return;
        std::string stray = fmt("%llu stray messages (sent, never received):",
                                static_cast<unsigned long long>(in_flight_));
        int shown = 0;
        for (int a = 0; a < p_ && shown < 8; ++a)
            for (int b = 0; b < p_ && shown < 8; ++b)
                for (uint32_t i = chan(a, b).head; i != none && shown < 8;
                     i = msgs_[i].next, ++shown)
                    stray += fmt("\n  %llu bytes from %d to %d (tag %d)",
                                 static_cast<unsigned long long>(msgs_[i].n), a, b, msgs_[i].tag);
        fail(stray);
    }

    std::vector<Schedule>& s_;
    Options o_;
    int p_;
    std::vector<Rank> ranks_;
    std::vector<Chan> chans_;
    std::vector<Msg> msgs_;
    std::vector<uint32_t> free_;  // slots of msgs_ to reuse
    size_t words_;
    std::vector<uint64_t> heard_;      // p sets of p bits
    std::vector<uint64_t> snapshots_;  // the sender's heard set, per slot of msgs_
    std::deque<int> work_;
    uint64_t in_flight_ = 0;
    std::string error_;
};

}  // namespace

std::string check_schedule(const Schedule& s, const std::vector<Region>& regions) {
    if (s.scratch_takes() > 1)
        return fmt(
            "scratch() taken %d times in one build (a later call may reallocate and "
            "leave earlier steps pointing at freed memory)",
            s.scratch_takes());
    const int p = s.view().size;
    struct Span {
        uintptr_t b, e;
        bool recv;
    };
    std::vector<Span> spans;
    for (size_t k = 0; k < s.rounds(); ++k) {
        spans.clear();
        for (const Step* st = s.begin(k); st != s.end(k); ++st) {
            const char* bad = nullptr;
            switch (st->kind) {
            case StepKind::send:
            case StepKind::recv:
                if (st->peer < 0 || st->peer >= p)
                    bad = "has a peer outside the communicator";
                else if (st->kind == StepKind::send)
                    bad = where(s, regions, st->src, st->n, false);
                else
                    bad = where(s, regions, st->dst, st->n, true);
                if (st->n) {
                    const void* b = st->kind == StepKind::send ? st->src : st->dst;
                    auto a = reinterpret_cast<uintptr_t>(b);
                    spans.push_back({a, a + st->n, st->kind == StepKind::recv});
                }
                break;
            case StepKind::copy:
                bad = where(s, regions, st->src, st->n, false);
                if (!bad) bad = where(s, regions, st->dst, st->n, true);
                break;
            case StepKind::reduce: {
                uint64_t bytes = st->n * s.reduction.extent;
                bad = where(s, regions, st->src, bytes, false);
                if (!bad) bad = where(s, regions, st->dst, bytes, true);
                break;
            }
            case StepKind::convert:  // the runtime's (datatypes): no algorithm builds one
                bad = "is a convert step, which no algorithm adds";
                break;
            }
            if (bad) {
                bool msg = st->kind == StepKind::send || st->kind == StepKind::recv;
                return fmt("round %zu: a %s of %llu %s", k, kind_name(st->kind),
                           static_cast<unsigned long long>(st->n),
                           st->kind == StepKind::reduce ? "elements" : "bytes") +
                       (msg ? fmt(" (peer %d) ", st->peer) : std::string(" ")) + bad;
            }
        }
        // A receive may be written while the round's other messages are in flight: it must
        // not overlap any of them. Sorted by start, an earlier span overlaps iff it ends late.
        if (spans.size() < 2) continue;
        std::sort(spans.begin(), spans.end(),
                  [](const Span& a, const Span& b) { return a.b < b.b; });
        uintptr_t send_end = 0, recv_end = 0;
        for (const Span& sp : spans) {
            if (sp.b < recv_end || (sp.recv && sp.b < send_end))
                return fmt(
                    "round %zu: a receive buffer overlaps another message buffer of the "
                    "same round",
                    k);
            (sp.recv ? recv_end : send_end) = std::max(sp.recv ? recv_end : send_end, sp.e);
        }
    }
    return "";
}

Outcome run(std::vector<Schedule>& ranks, const Options& opt) { return Engine(ranks, opt).go(); }

}  // namespace efampi::coll::sim
