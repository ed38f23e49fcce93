// Derived datatypes: every constructor (runtime/api/type_create.cpp) reduces its arguments to
// a list of blocks - n copies of a type at a byte displacement - and type_from_blocks flattens
// them into the primitive runs and byte segments of one element (datatype.hpp), computing the
// bounds by the standard's rules (MPI 4.1 §5.1).
#include <algorithm>
#include <deque>
#include <limits>
#include <memory>
#include <string>

#include "base/error.hpp"
#include "runtime/objects/datatype.hpp"

namespace efampi::rt {

namespace {

// A type past this many runs is refused (an indexed type of tens of millions of irregular
// blocks, or a vector of such): its flattened form would not fit sensibly in memory. Regular
// types stay small whatever their size: a vector is one run, a 3-d subarray one per plane.
constexpr size_t max_runs = size_t(1) << 22;

// Freed types: parked (a stale handle reads a dead magic); past `quarantine` the oldest goes.
constexpr size_t quarantine = 1024;
std::deque<Datatype*> g_parked;

int64_t prim_size(MPI_Datatype t) { return to_type(t)->size; }

[[noreturn]] void too_many_runs() {
    throw Error(MPI_ERR_NO_MEM, "the datatype has more than " + std::to_string(max_runs) +
                                    " separate irregular pieces; describe it with fewer, larger "
                                    "or regularly spaced blocks");
}

// Byte arithmetic of a type's layout, checked: a count times a stride past 2^63 is refused
// instead of wrapping into a nonsense extent.
[[noreturn]] void too_large() {
    throw Error(MPI_ERR_COUNT, "the datatype would span more than 2^63 bytes (its counts times "
                               "its strides or extents overflow)");
}
int64_t mul(int64_t a, int64_t b) {
    int64_t r;
    if (__builtin_mul_overflow(a, b, &r)) too_large();
    return r;
}
int64_t add(int64_t a, int64_t b) {
    int64_t r;
    if (__builtin_add_overflow(a, b, &r)) too_large();
    return r;
}
int64_t sub(int64_t a, int64_t b) {
    int64_t r;
    if (__builtin_sub_overflow(a, b, &r)) too_large();
    return r;
}

// Appends a run to a list, merging it into the last run when it continues it: contiguous
// (one longer piece) or the next pieces at the same stride (a longer run).
void add_run(std::vector<Segment>& out, Segment s) {
    if (s.len == 0 || s.count == 0) return;
    if (s.count == 1) s.stride = 0;
    else if (s.stride == s.len) s = {s.off, s.len * s.count, 1, 0};
    if (!out.empty()) {
        Segment& l = out.back();
        if (l.count == 1 && s.count == 1 && l.off + l.len == s.off) {
            l.len += s.len;
            return;
        }
        if (l.len == s.len) {
            int64_t st = l.count > 1 ? l.stride : s.off - l.off;
            if ((s.count == 1 || s.stride == st) && st != l.len && s.off == l.off + l.count * st) {
                l.count += s.count;
                l.stride = st;
                return;
            }
        }
    }
    if (out.size() >= max_runs) too_many_runs();
    out.push_back(s);
}

void add_run(std::vector<Prim>& out, Prim p) {
    if (p.n == 0 || p.count == 0) return;
    int64_t sz = prim_size(p.type);
    if (p.count == 1) p.stride = 0;
    else if (p.stride == p.n * sz) p = {p.off, p.type, p.n * p.count, 1, 0};
    if (!out.empty() && out.back().type == p.type) {
        Prim& l = out.back();
        if (l.count == 1 && p.count == 1 && l.off + l.n * sz == p.off) {
            l.n += p.n;
            return;
        }
        if (l.n == p.n) {
            int64_t st = l.count > 1 ? l.stride : p.off - l.off;
            if ((p.count == 1 || p.stride == st) && st != l.n * sz && p.off == l.off + l.count * st) {
                l.count += p.count;
                l.stride = st;
                return;
            }
        }
    }
    if (out.size() >= max_runs) too_many_runs();
    out.push_back(p);
}

// Appends `times` copies of the runs `in`, the k-th shifted by base + k * step. One run
// repeated regularly stays one run; otherwise the copies are listed (and merged where they
// continue each other).
template <class Run>
void repeat(const std::vector<Run>& in, int64_t base, int64_t times, int64_t step,
            std::vector<Run>& out) {
    if (times <= 0 || in.empty()) return;
    if (in.size() == 1) {
        Run r = in[0];
        r.off += base;
        if (r.count == 1) {
            r.count = times;
            r.stride = step;
            add_run(out, r);
            return;
        }
        if (mul(r.stride, r.count) == step) {
            r.count = mul(r.count, times);
            add_run(out, r);
            return;
        }
    }
    // Listing: each copy adds at least one run unless it merges; a bound on the work keeps a
    // pathological type (billions of copies that all merge) from running for minutes.
    uint64_t work = 0;
    for (int64_t k = 0; k < times; ++k) {
        for (Run r : in) {
            r.off += base + k * step;
            add_run(out, r);
        }
        if ((work += in.size()) > 4 * max_runs) too_many_runs();
    }
}

// The boundary requirement of a primitive (its natural alignment, at most 16).
int64_t align_of(MPI_Datatype t) {
    int64_t s = prim_size(t);
    if (t == MPI_C_FLOAT_COMPLEX || t == MPI_CXX_FLOAT_COMPLEX || t == MPI_COMPLEX || t == MPI_COMPLEX8)
        s = 4;
    else if (t == MPI_C_DOUBLE_COMPLEX || t == MPI_CXX_DOUBLE_COMPLEX || t == MPI_DOUBLE_COMPLEX ||
             t == MPI_COMPLEX16)
        s = 8;
    int64_t a = 1;
    while (a < s && a < 16) a *= 2;
    return a;
}

}  // namespace

void type_retain(Datatype* d) {
    if (!d->predefined) ++d->refs;
}

void type_release(Datatype* d) {
    if (d->predefined || --d->refs > 0) return;
    for (MPI_Datatype k : d->kids) {
        const Datatype* kd = to_type(k);
        if (kd) type_release(const_cast<Datatype*>(kd));
    }
    d->magic = Magic::dead;
    std::vector<Prim>().swap(d->prims);
    std::vector<Segment>().swap(d->segs);
    std::vector<int64_t>().swap(d->seg_pos);
    g_parked.push_back(d);
    if (g_parked.size() > quarantine) {
        delete g_parked.front();
        g_parked.pop_front();
    }
}

void types_finalize() {
    for (Datatype* d : g_parked) delete d;
    g_parked.clear();
}

Datatype* type_from_blocks(const std::vector<Block>& blocks, TypeArgs args, const int64_t* lb,
                           const int64_t* ub) {
    auto d = std::make_unique<Datatype>();
    int64_t lo = std::numeric_limits<int64_t>::max(), hi = std::numeric_limits<int64_t>::min();
    int64_t tlo = lo, thi = hi;
    int64_t size = 0, align = 1;
    std::vector<Segment> segs1;  // one block's n copies of its type
    std::vector<Prim> prims1;
    for (const Block& b : blocks) {
        if (b.n == 0 || b.reps == 0) continue;
        const Datatype& c = *to_type(b.type);
        int64_t ext = c.extent;
        // The origins of the extreme copies: over the reps and over the n copies of each.
        int64_t step_last = mul(b.reps - 1, b.rstride), copy_last = mul(b.n - 1, ext);
        for (int64_t o : {b.disp, add(b.disp, copy_last), add(b.disp, step_last),
                          add(add(b.disp, step_last), copy_last)}) {
            lo = std::min(lo, add(o, c.lb));
            hi = std::max(hi, add(add(o, c.lb), ext));
            if (c.size > 0) {
                tlo = std::min(tlo, add(o, c.true_lb));
                thi = std::max(thi, add(add(o, c.true_lb), c.true_extent));
            }
        }
        size = add(size, mul(mul(b.reps, b.n), c.size));
        for (const Prim& p : c.prims) align = std::max(align, align_of(p.type));
        segs1.clear();
        prims1.clear();
        repeat(c.segs, 0, b.n, ext, segs1);
        repeat(c.prims, 0, b.n, ext, prims1);
        repeat(segs1, b.disp, b.reps, b.rstride, d->segs);
        repeat(prims1, b.disp, b.reps, b.rstride, d->prims);
    }
    if (lo > hi) lo = hi = 0;  // no data: an empty typemap
    if (tlo > thi) tlo = thi = 0;
    bool explicit_bounds = lb || ub;
    int64_t new_lb = lb ? *lb : lo, new_ub = ub ? *ub : hi;
    if (!explicit_bounds && args.combiner == MPI_COMBINER_STRUCT) {
        // The standard's epsilon: the extent rounds up to the strictest alignment inside.
        int64_t ext = new_ub - new_lb;
        if (ext % align) new_ub = add(new_ub, align - ext % align);
    }
    d->size = size;
    d->lb = new_lb;
    d->extent = sub(new_ub, new_lb);
    d->true_lb = tlo;
    d->true_extent = sub(thi, tlo);
    d->dense = d->segs.size() == 1 && d->segs[0].count == 1 && d->segs[0].off == 0 &&
               d->segs[0].len == d->extent && d->lb == 0;
    if (d->segs.empty() && d->extent == 0) d->dense = true;  // nothing to move
    d->segs.shrink_to_fit();
    d->prims.shrink_to_fit();
    index_segments(*d);
    d->predefined = false;
    d->committed = false;
    d->combiner = args.combiner;
    d->large = args.large;
    d->ints = std::move(args.ints);
    d->aints = std::move(args.aints);
    d->counts = std::move(args.counts);
    d->kids = std::move(args.kids);
    d->name = "";
    for (MPI_Datatype k : d->kids) type_retain(const_cast<Datatype*>(to_type(k)));
    Datatype* out = d.release();
    out->handle = reinterpret_cast<MPI_Datatype>(out);
    return out;
}

MPI_Datatype uniform_base(const Datatype& d, int64_t* per_element) {
    if (d.prims.empty()) return MPI_DATATYPE_NULL;
    MPI_Datatype t = d.prims[0].type;
    int64_t n = 0;
    for (const Prim& p : d.prims) {
        if (p.type != t) return MPI_DATATYPE_NULL;
        n += p.n * p.count;
    }
    *per_element = n;
    return t;
}

}  // namespace efampi::rt
