// Packing of derived datatypes with holes inside collective schedules (coll_pack.hpp).
#include "runtime/api/coll_pack.hpp"

#include <algorithm>
#include <new>
#include <string>

#include "runtime/objects/op.hpp"

namespace efampi::api {

namespace {

void pack_fn(const void* ctx, const void* src, void* dst, uint64_t n) {
    rt::pack(*static_cast<const rt::Datatype*>(ctx), src, n, dst);
}
void unpack_fn(const void* ctx, const void* src, void* dst, uint64_t n) {
    rt::unpack(*static_cast<const rt::Datatype*>(ctx), src, n, dst);
}
void release_type(void* d) { rt::type_release(static_cast<rt::Datatype*>(d)); }

uint8_t* at(const void* p, int64_t off) {
    return static_cast<uint8_t*>(const_cast<void*>(p)) + off;
}

// A user op on packed elements: temporaries in the type's layout for `cap` elements.
struct UserOnPacked {
    const rt::Op* op;
    MPI_Datatype type;  // the user's handle, given to the function
    const rt::Datatype* d;
    uint8_t* in;     // element 0 of each temporary (may be before its block when true_lb > 0)
    uint8_t* inout;
    uint64_t cap;
};

}  // namespace

uint64_t wire_bytes_slow(const rt::Datatype* d, int64_t count) {
    auto size = static_cast<uint64_t>(d->size);
    if (size > 1 && static_cast<uint64_t>(count) > (UINT64_C(1) << 62) / size)
        bad_size(count, d);
    return static_cast<uint64_t>(count) * size;
}

void Packer::keep(const rt::Datatype* d) {
    auto* t = const_cast<rt::Datatype*>(d);
    rt::type_retain(t);
    s_.hold(release_type, t);
}

void Packer::pack(const rt::Datatype* d, const void* user, void* packed, uint64_t count) {
    keep(d);
    s_.convert({pack_fn, d}, user, packed, count);
}

void* Packer::whole_slow(const rt::Datatype* d, const void* buf, uint64_t count, bool load,
                         uint64_t store) {
    uint8_t* p = s_.block(count * static_cast<uint64_t>(d->size));
    if (load) pack(d, buf, p, count);
    if (store) stores_.push_back({d, p, const_cast<void*>(buf), std::min(store, count)});
    return p;
}

void* Packer::blocks(const void* buf, const UserBlock* b, size_t n, bool load, bool store,
                     uint64_t* bytes, uint64_t* displs, long only) {
    bool holes = false;
    for (size_t i = 0; i < n; ++i) holes = holes || (b[i].count && has_holes(b[i].d));
    if (!holes) {
        // MPI_BOTTOM (NULL) with absolute displacements: the algorithms read a null buffer as
        // "in place", so such a side is given as its lowest block with data plus displacements
        // from there (the blocks were checked not to touch address 0: coll.cpp check_block).
        int64_t base = 0;
        if (!buf) {
            bool any = false;
            for (size_t i = 0; i < n; ++i)
                if (b[i].count) {
                    base = any && base < b[i].off ? base : b[i].off;
                    any = true;
                }
        }
        for (size_t i = 0; i < n; ++i) {
            bytes[i] = b[i].count * static_cast<uint64_t>(b[i].d->extent);
            displs[i] = static_cast<uint64_t>(b[i].off - base);
        }
        return buf ? const_cast<void*>(buf) : reinterpret_cast<void*>(base);
    }
    uint64_t total = 0;
    for (size_t i = 0; i < n; ++i) {
        bytes[i] = wire_bytes(b[i].d, static_cast<int64_t>(b[i].count));
        displs[i] = total;
        total += bytes[i];
    }
    uint8_t* p = s_.block(total);
    for (size_t i = 0; i < n; ++i) {
        if (!b[i].count) continue;
        uint8_t* user = at(buf, b[i].off);
        bool hole = has_holes(b[i].d);
        if (load && (only < 0 || static_cast<size_t>(only) == i)) {
            if (hole) pack(b[i].d, user, p + displs[i], b[i].count);
            else s_.copy(user, p + displs[i], bytes[i]);
        }
        if (store) stores_.push_back({hole ? b[i].d : nullptr, p + displs[i], user,
                                      hole ? b[i].count : bytes[i]});
    }
    return p;
}

void Packer::end_slow() {
    s_.end_round();
    for (const Store& st : stores_) {
        if (!st.d) {
            s_.copy(st.src, st.dst, st.n);
            continue;
        }
        keep(st.d);
        s_.convert({unpack_fn, st.d}, st.src, st.dst, st.n);
    }
    s_.end_round();
}

void Packer::bind_user_op(const rt::Datatype* d, MPI_Datatype handle, uint64_t max_count) {
    const coll::Reduction& red = s_.reduction;
    // Temporaries of at most ~1 MiB each (the wrapper goes in chunks), at least one element.
    auto ext = static_cast<int64_t>(d->extent);
    uint64_t cap = std::max<uint64_t>(1, std::min<uint64_t>(
                                             max_count ? max_count : 1,
                                             (uint64_t(1) << 20) /
                                                 static_cast<uint64_t>(std::max<int64_t>(ext, 1))));
    // Whole elements, bounds and data both: the function may read an element's padding (a C
    // struct copied whole).
    int64_t last = static_cast<int64_t>(cap - 1) * ext;
    int64_t lo = std::min<int64_t>(0, last) + std::min(d->lb, d->true_lb);
    int64_t hi = std::max<int64_t>(0, last) +
                 std::max(d->lb + d->extent, d->true_lb + d->true_extent);
    auto span = static_cast<uint64_t>(hi - lo);
    uint8_t* in = s_.block(span) - lo;
    uint8_t* inout = s_.block(span) - lo;
    auto* u = new (s_.block(sizeof(UserOnPacked)))
        UserOnPacked{static_cast<const rt::Op*>(red.ctx), handle, d, in, inout, cap};
    keep(d);
    s_.reduction.ctx2 = u;
}

void user_op_on_packed(const void*, const void* ctx2, const void* in, void* inout, uint64_t n) {
    const auto* u = static_cast<const UserOnPacked*>(ctx2);
    rt::Reducer r;
    r.op = u->op;
    r.type = u->type;
    auto size = static_cast<int64_t>(u->d->size);
    for (uint64_t done = 0; done < n;) {
        uint64_t k = std::min(n - done, u->cap);
        const uint8_t* a = at(in, static_cast<int64_t>(done) * size);
        uint8_t* b = at(inout, static_cast<int64_t>(done) * size);
        rt::unpack(*u->d, a, k, u->in);
        rt::unpack(*u->d, b, k, u->inout);
        rt::reduce(r, u->in, u->inout, k);
        rt::pack(*u->d, u->inout, k, b);
        done += k;
    }
}

}  // namespace efampi::api
