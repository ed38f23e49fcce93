// Packing: native (the typemap's segments copied in order) and external32 (each primitive
// converted to the standard's big-endian representation), and element counting for
// MPI_Get_elements.
#include <algorithm>
#include <cstring>

#include "base/copy.hpp"
#include "runtime/objects/datatype.hpp"

namespace efampi::rt {

namespace {

template <bool Pack>
inline void copy_piece(uint8_t* m, uint8_t* io, size_t n) {
    if (Pack) copy_bytes(io, m, n);
    else copy_bytes(m, io, n);
}

// `count` pieces of `len` bytes, `stride` apart in memory, back to back in the packed stream:
// one tight loop per run, nothing looked up per piece. Small fixed lengths (a column of
// doubles) get a fixed-size copy the compiler turns into one load and store. (An inline AVX2
// copy of 1 KiB pieces was tried: 5-10% faster than memcpy in a standalone loop, no
// difference in bench/dt_bench, so it is not kept.)
template <bool Pack, size_t L>
inline void copy_fixed(uint8_t* p, uint8_t* io, int64_t stride, size_t count) {
    for (size_t k = 0; k < count; ++k, io += L, p += stride) copy_piece<Pack>(p, io, L);
}
template <bool Pack>
inline void copy_blocks(uint8_t* p, uint8_t* io, uint64_t len, int64_t stride, size_t count) {
    switch (len) {
    case 4: return copy_fixed<Pack, 4>(p, io, stride, count);
    case 8: return copy_fixed<Pack, 8>(p, io, stride, count);
    case 16: return copy_fixed<Pack, 16>(p, io, stride, count);
    default:
        for (size_t k = 0; k < count; ++k, io += len, p += stride) copy_piece<Pack>(p, io, len);
    }
}

// Copies packed bytes [off, off + len) between the packed stream `io` and the memory `mem` of a
// sequence of elements of `d` (Pack: memory -> stream).
template <bool Pack>
void walk(const Datatype& d, uint8_t* mem, uint64_t off, uint64_t len, uint8_t* io) {
    if (len == 0) return;
    if (d.dense) {
        copy_piece<Pack>(mem + off, io, len);
        return;
    }
    const uint64_t size = static_cast<uint64_t>(d.size);
    const size_t nrun = d.segs.size();
    if (nrun == 1 && (d.segs[0].count == 1 || d.segs[0].count * d.segs[0].stride == d.extent)) {
        // One run that the next element continues (a pair type with padding, a resized
        // column, a vector whose extent is its last stride): the elements are one long run of
        // pieces, copied in one tight loop however many elements the range spans.
        const Segment& r = d.segs[0];
        const uint64_t L = static_cast<uint64_t>(r.len);
        const int64_t S = r.count == 1 ? d.extent : r.stride;
        uint64_t j = off / L, within = off % L;
        uint8_t* p = mem + r.off + static_cast<int64_t>(j) * S;
        if (within) {
            uint64_t n = L - within < len ? L - within : len;
            copy_piece<Pack>(p + within, io, n);
            io += n;
            len -= n;
            p += S;
        }
        uint64_t whole = len / L;
        copy_blocks<Pack>(p, io, L, S, static_cast<size_t>(whole));
        io += whole * L;
        len -= whole * L;
        if (len) copy_piece<Pack>(p + static_cast<int64_t>(whole) * S, io, len);
        return;
    }
    uint8_t* e = mem + static_cast<int64_t>(off / size) * d.extent;  // the element holding off
    uint64_t w = off % size;
    // The run holding w: the last one starting at or before it; then the piece within it.
    size_t i = nrun == 1 ? 0
                         : static_cast<size_t>(std::upper_bound(d.seg_pos.begin(), d.seg_pos.end(),
                                                                static_cast<int64_t>(w)) -
                                               d.seg_pos.begin()) - 1;
    const Segment* r = &d.segs[i];
    uint64_t into = w - static_cast<uint64_t>(d.seg_pos[i]);
    uint64_t L = static_cast<uint64_t>(r->len);
    uint64_t j = into / L, within = into % L;
    for (;;) {
        const uint64_t count = static_cast<uint64_t>(r->count);
        uint8_t* p = e + r->off + static_cast<int64_t>(j) * r->stride;
        if (within) {  // the rest of a piece begun by an earlier call
            uint64_t n = L - within < len ? L - within : len;
            copy_piece<Pack>(p + within, io, n);
            io += n;
            len -= n;
            if (!len) return;
            ++j;
            p += r->stride;
            within = 0;
        }
        uint64_t whole = count - j;
        if (len / L < whole) whole = len / L;
        copy_blocks<Pack>(p, io, L, r->stride, static_cast<size_t>(whole));
        io += whole * L;
        len -= whole * L;
        j += whole;
        if (j < count) {  // the range ends inside this piece
            if (len) copy_piece<Pack>(p + static_cast<int64_t>(whole) * r->stride, io, len);
            return;
        }
        if (!len) return;
        if (++i == nrun) {
            i = 0;
            e += d.extent;
        }
        r = &d.segs[i];
        L = static_cast<uint64_t>(r->len);
        j = 0;
    }
}

}  // namespace

void index_segments(Datatype& d) {
    d.seg_pos.resize(d.segs.size());
    int64_t pos = 0;
    for (size_t i = 0; i < d.segs.size(); ++i) {
        d.seg_pos[i] = pos;
        pos += d.segs[i].len * d.segs[i].count;
    }
}

void pack_range(const Datatype& d, const void* buf, uint64_t off, uint64_t len, void* out) {
    walk<true>(d, static_cast<uint8_t*>(const_cast<void*>(buf)), off, len,
               static_cast<uint8_t*>(out));
}

void unpack_range(const Datatype& d, void* buf, uint64_t off, uint64_t len, const void* in) {
    walk<false>(d, static_cast<uint8_t*>(buf), off, len,
                static_cast<uint8_t*>(const_cast<void*>(in)));
}

uint64_t pack(const Datatype& d, const void* buf, uint64_t count, void* out) {
    uint64_t n = count * static_cast<uint64_t>(d.dense ? d.extent : d.size);
    pack_range(d, buf, 0, n, out);
    return n;
}

uint64_t unpack(const Datatype& d, const void* in, uint64_t count, void* buf) {
    uint64_t n = count * static_cast<uint64_t>(d.dense ? d.extent : d.size);
    unpack_range(d, buf, 0, n, in);
    return n;
}

void unpack_bytes(const Datatype& d, const void* in, uint64_t bytes, void* buf) {
    if (d.size == 0) return;
    unpack_range(d, buf, 0, bytes, in);
}

namespace {

enum class Kind : uint8_t { sint, uint, real, ldouble, raw };

// A primitive's external32 form: `parts` components (2 for complex), each `ext` bytes.
struct Ext {
    Kind kind;
    int parts;
    int ext;
};

Ext ext_of(MPI_Datatype t) {
    const Datatype& d = *to_type(t);
    auto is = [&](std::initializer_list<MPI_Datatype> l) {
        for (MPI_Datatype x : l)
            if (x == t) return true;
        return false;
    };
    if (is({MPI_LONG, MPI_UNSIGNED_LONG})) return {t == MPI_LONG ? Kind::sint : Kind::uint, 1, 4};
    if (is({MPI_WCHAR})) return {Kind::uint, 1, 2};
    if (is({MPI_LONG_DOUBLE})) return {Kind::ldouble, 1, 16};
    if (is({MPI_C_LONG_DOUBLE_COMPLEX, MPI_CXX_LONG_DOUBLE_COMPLEX})) return {Kind::ldouble, 2, 16};
    if (is({MPI_FLOAT, MPI_DOUBLE, MPI_REAL, MPI_DOUBLE_PRECISION, MPI_REAL2, MPI_REAL4, MPI_REAL8,
            MPI_REAL16}))
        return {Kind::real, 1, static_cast<int>(d.size)};
    if (is({MPI_C_FLOAT_COMPLEX, MPI_CXX_FLOAT_COMPLEX, MPI_COMPLEX, MPI_C_DOUBLE_COMPLEX,
            MPI_CXX_DOUBLE_COMPLEX, MPI_DOUBLE_COMPLEX, MPI_COMPLEX4, MPI_COMPLEX8, MPI_COMPLEX16,
            MPI_COMPLEX32}))
        return {Kind::real, 2, static_cast<int>(d.size / 2)};
    if (is({MPI_UNSIGNED_CHAR, MPI_UNSIGNED_SHORT, MPI_UNSIGNED, MPI_UNSIGNED_LONG_LONG,
            MPI_UINT8_T, MPI_UINT16_T, MPI_UINT32_T, MPI_UINT64_T}))
        return {Kind::uint, 1, static_cast<int>(d.size)};
    if (is({MPI_BYTE, MPI_PACKED, MPI_CHAR, MPI_CHARACTER, MPI_C_BOOL, MPI_CXX_BOOL}))
        return {Kind::raw, 1, static_cast<int>(d.size)};
    return {Kind::sint, 1, static_cast<int>(d.size)};  // the signed integers and logicals
}

// Native value bytes (little-endian host) -> big-endian external bytes, and back.
void to_ext(const uint8_t* in, int native, const Ext& e, uint8_t* out) {
    if (e.kind == Kind::ldouble) {
        long double v;
        std::memcpy(&v, in, sizeof v);
        __float128 q = static_cast<__float128>(v);
        uint8_t tmp[16];
        std::memcpy(tmp, &q, 16);
        for (int i = 0; i < 16; ++i) out[i] = tmp[15 - i];
        return;
    }
    if (e.kind == Kind::raw) {
        std::memcpy(out, in, static_cast<size_t>(e.ext));
        return;
    }
    // Integers narrow or widen (sign-extending when signed); reals are the same size.
    for (int i = 0; i < e.ext; ++i) {
        int src = e.ext - 1 - i;  // the byte of significance src
        uint8_t fill = (e.kind == Kind::sint && (in[native - 1] & 0x80)) ? 0xFF : 0x00;
        out[i] = src < native ? in[src] : fill;
    }
}

void from_ext(const uint8_t* in, const Ext& e, int native, uint8_t* out) {
    if (e.kind == Kind::ldouble) {
        uint8_t tmp[16];
        for (int i = 0; i < 16; ++i) tmp[i] = in[15 - i];
        __float128 q;
        std::memcpy(&q, tmp, 16);
        long double v = static_cast<long double>(q);
        std::memset(out, 0, static_cast<size_t>(native));
        std::memcpy(out, &v, sizeof v < static_cast<size_t>(native) ? sizeof v : static_cast<size_t>(native));
        return;
    }
    if (e.kind == Kind::raw) {
        std::memcpy(out, in, static_cast<size_t>(e.ext));
        return;
    }
    for (int i = 0; i < native; ++i) {  // byte of significance i
        int src = e.ext - 1 - i;
        uint8_t fill = (e.kind == Kind::sint && (in[0] & 0x80)) ? 0xFF : 0x00;
        out[i] = src >= 0 ? in[src] : fill;
    }
}

}  // namespace

int64_t external32_size(const Datatype& d) {
    int64_t n = 0;
    for (const Prim& p : d.prims) {
        Ext e = ext_of(p.type);
        n += p.n * p.count * e.parts * e.ext;
    }
    return n;
}

void pack_external(const Datatype& d, const void* buf, uint64_t count, void* out) {
    auto* o = static_cast<uint8_t*>(out);
    const auto* b = static_cast<const uint8_t*>(buf);
    for (uint64_t k = 0; k < count; ++k) {
        const uint8_t* e = b + static_cast<int64_t>(k) * d.extent;
        for (const Prim& p : d.prims) {
            Ext x = ext_of(p.type);
            int native = static_cast<int>(to_type(p.type)->size) / x.parts;
            for (int64_t g = 0; g < p.count; ++g) {
                const uint8_t* at = e + p.off + g * p.stride;
                for (int64_t j = 0; j < p.n * x.parts; ++j) {
                    to_ext(at + j * native, native, x, o);
                    o += x.ext;
                }
            }
        }
    }
}

void unpack_external(const Datatype& d, const void* in, uint64_t count, void* buf) {
    const auto* i = static_cast<const uint8_t*>(in);
    auto* b = static_cast<uint8_t*>(buf);
    for (uint64_t k = 0; k < count; ++k) {
        uint8_t* e = b + static_cast<int64_t>(k) * d.extent;
        for (const Prim& p : d.prims) {
            Ext x = ext_of(p.type);
            int native = static_cast<int>(to_type(p.type)->size) / x.parts;
            for (int64_t g = 0; g < p.count; ++g) {
                uint8_t* at = e + p.off + g * p.stride;
                for (int64_t j = 0; j < p.n * x.parts; ++j) {
                    from_ext(i, x, native, at + j * native);
                    i += x.ext;
                }
            }
        }
    }
}

int64_t elements_in(const Datatype& d, uint64_t bytes) {
    // Whole elements first, then primitives of the partial one (a run's groups are
    // consecutive in the packed stream, so a run is n * count primitives back to back).
    int64_t per = 0;
    for (const Prim& p : d.prims) per += p.n * p.count;
    if (d.size == 0) return 0;
    uint64_t whole = bytes / static_cast<uint64_t>(d.size);
    uint64_t rest = bytes % static_cast<uint64_t>(d.size);
    int64_t n = static_cast<int64_t>(whole) * per;
    for (const Prim& p : d.prims) {
        if (rest == 0) break;
        uint64_t s = static_cast<uint64_t>(to_type(p.type)->size);
        uint64_t have = static_cast<uint64_t>(p.n * p.count);
        uint64_t take = rest / s < have ? rest / s : have;
        n += static_cast<int64_t>(take);
        rest -= take * s;
        if (take < have) break;
    }
    return rest ? -1 : n;
}

uint64_t bytes_of_elements(const Datatype& d, uint64_t n) {
    uint64_t per = 0;
    for (const Prim& p : d.prims) per += static_cast<uint64_t>(p.n * p.count);
    if (per == 0) return 0;
    uint64_t bytes = n / per * static_cast<uint64_t>(d.size);
    uint64_t rest = n % per;
    for (const Prim& p : d.prims) {
        if (rest == 0) break;
        uint64_t have = static_cast<uint64_t>(p.n * p.count);
        uint64_t take = rest < have ? rest : have;
        bytes += take * static_cast<uint64_t>(to_type(p.type)->size);
        rest -= take;
    }
    return bytes;
}

}  // namespace efampi::rt
