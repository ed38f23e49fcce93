// Derived datatypes: every constructor (runtime/api/type_create.cpp) reduces its arguments to
// a list of blocks - n copies of a type at a byte displacement - and type_from_blocks flattens
// them into the primitive runs and byte segments of one element (datatype.hpp), computing the
// bounds by the standard's rules (MPI 4.1 §5.1).
#include <algorithm>
#include <deque>
#include <limits>
#include <memory>
#include <string>

#include "runtime/base/error.hpp"
#include "runtime/objects/datatype.hpp"

namespace efampi::rt {

namespace {

// A type past this many primitive runs is refused (a nested vector of vectors of millions of
// blocks each): the flattened form would not fit sensibly in memory.
constexpr size_t max_runs = size_t(1) << 26;

// Freed types: parked (a stale handle reads a dead magic); past `quarantine` the oldest goes.
constexpr size_t quarantine = 1024;
std::deque<Datatype*> g_parked;

int64_t prim_size(MPI_Datatype t) { return to_type(t)->size; }

void add_prim(std::vector<Prim>& out, int64_t off, MPI_Datatype t, int64_t n) {
    if (n == 0) return;
    if (!out.empty()) {
        Prim& last = out.back();
        if (last.type == t && last.off + last.n * prim_size(t) == off) {
            last.n += n;
            return;
        }
    }
    if (out.size() >= max_runs)
        throw Error(MPI_ERR_NO_MEM, "the datatype has more than " + std::to_string(max_runs) +
                                        " separate pieces; describe it with fewer, larger blocks");
    out.push_back({off, t, n});
}

void add_seg(std::vector<Segment>& out, int64_t off, int64_t len) {
    if (len == 0) return;
    if (!out.empty() && out.back().off + out.back().len == off) {
        out.back().len += len;
        return;
    }
    out.push_back({off, len});
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
    for (const Block& b : blocks) {
        if (b.n == 0) continue;
        const Datatype& c = *to_type(b.type);
        int64_t ext = c.extent;
        int64_t first = b.disp, last = b.disp + (b.n - 1) * ext;  // origins of the copies
        lo = std::min({lo, first + c.lb, last + c.lb});
        hi = std::max({hi, first + c.lb + ext, last + c.lb + ext});
        if (c.size > 0) {
            tlo = std::min({tlo, first + c.true_lb, last + c.true_lb});
            thi = std::max({thi, first + c.true_lb + c.true_extent, last + c.true_lb + c.true_extent});
        }
        size += b.n * c.size;
        for (const Prim& p : c.prims) align = std::max(align, align_of(p.type));
        // The copies' runs and segments. A child that is one run filling its extent makes one
        // run of n * its length at once (contiguous(2^30, MPI_BYTE) is one step, not 2^30).
        bool solid = c.prims.size() == 1 && c.segs.size() == 1 && c.segs[0].off == 0 &&
                     c.segs[0].len == ext && ext > 0;
        if (solid) {
            add_prim(d->prims, b.disp + c.prims[0].off, c.prims[0].type, c.prims[0].n * b.n);
            add_seg(d->segs, b.disp, ext * b.n);
            continue;
        }
        for (int64_t k = 0; k < b.n; ++k) {
            int64_t at = b.disp + k * ext;
            for (const Prim& p : c.prims) add_prim(d->prims, at + p.off, p.type, p.n);
            for (const Segment& s : c.segs) add_seg(d->segs, at + s.off, s.len);
        }
    }
    if (lo > hi) lo = hi = 0;  // no data: an empty typemap
    if (tlo > thi) tlo = thi = 0;
    bool explicit_bounds = lb || ub;
    int64_t new_lb = lb ? *lb : lo, new_ub = ub ? *ub : hi;
    if (!explicit_bounds && args.combiner == MPI_COMBINER_STRUCT) {
        // The standard's epsilon: the extent rounds up to the strictest alignment inside.
        int64_t ext = new_ub - new_lb;
        if (ext % align) new_ub += align - ext % align;
    }
    d->size = size;
    d->lb = new_lb;
    d->extent = new_ub - new_lb;
    d->true_lb = tlo;
    d->true_extent = thi - tlo;
    d->dense = d->segs.size() == 1 && d->segs[0].off == 0 && d->segs[0].len == d->extent &&
               d->lb == 0;
    if (d->segs.empty() && d->extent == 0) d->dense = true;  // nothing to move
    d->seg_pos.resize(d->segs.size());
    int64_t pos = 0;
    for (size_t i = 0; i < d->segs.size(); ++i) {
        d->seg_pos[i] = pos;
        pos += d->segs[i].len;
    }
    if (d->segs.size() >= 2) {
        int64_t len = d->segs[0].len, stride = d->segs[1].off - d->segs[0].off;
        bool uni = stride >= len;  // no overlap, increasing: a plain vector
        for (size_t i = 1; i < d->segs.size() && uni; ++i)
            uni = d->segs[i].len == len && d->segs[i].off - d->segs[i - 1].off == stride;
        if (uni) {
            d->uni_len = len;
            d->uni_stride = stride;
        }
    }
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
        n += p.n;
    }
    *per_element = n;
    return t;
}

}  // namespace efampi::rt
