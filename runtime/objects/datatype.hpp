#pragma once
// Datatypes. Predefined types are a table indexed by handle value; derived types (issue 4) are
// heap objects built by the constructors in type_build.cpp. Every type describes one element
// as a typemap flattened two ways, both as compact runs (a vector of a million blocks is one
// run, not a million entries):
//   - `prims`: runs of primitive (predefined, single-valued) types at byte offsets, in typemap
//     order: what MPI_Get_elements counts and external32 converts;
//   - `segs`: the same bytes merged into runs of (offset, length) segments, in typemap order:
//     what MPI_Pack/MPI_Unpack copy.
// Packed data (MPI_Pack) is the concatenation of count elements' segments. When `dense` (one
// segment filling the whole extent, at offset 0) memory and packed data coincide.
// Communication moves count * extent bytes straight from the buffer for dense types
// (`direct()`: every predefined type but the pair types with padding); the others travel
// packed, pair types such as MPI_DOUBLE_INT included (their padding is not message data, so
// they match a user's struct of the same signature): point-to-point through pack_range /
// unpack_range piece by piece (runtime/api/staging.hpp, pml/stream.cpp), collectives through
// packed blocks of their schedule (runtime/api/coll_pack.hpp).
#include <mpi.h>

#include <cstdint>
#include <string>
#include <vector>

#include "runtime/objects/attributes.hpp"
#include "runtime/objects/handle.hpp"

namespace efampi::rt {

// `count` segments of `len` bytes, the i-th at byte offset off + i * stride (count 1: stride
// 0). Runs are normalised: a stride equal to len is one longer segment instead.
struct Segment {
    int64_t off;
    int64_t len;
    int64_t count = 1;
    int64_t stride = 0;
};
// `count` groups of `n` consecutive elements of `type`, the i-th group at off + i * stride.
struct Prim {
    int64_t off;        // byte offset of the first element of the run
    MPI_Datatype type;  // a predefined single-valued type
    int64_t n;          // consecutive elements of `type` per group
    int64_t count = 1;
    int64_t stride = 0;
};

struct Datatype {
    Magic magic = Magic::datatype;
    int64_t size = 0;     // bytes of data in one element
    int64_t extent = 0;   // span of one element (ub - lb)
    int64_t lb = 0;
    const char* name = "";
    bool predefined = false;
    bool committed = true;
    bool dense = true;    // see above: memory layout == packed layout
    bool direct() const { return dense; }
    int64_t true_lb = 0;  // bounds of the data, ignoring MPI_LB/UB-like resizing
    int64_t true_extent = 0;
    std::vector<Segment> segs;
    std::vector<Prim> prims;
    // The packed offset of each run of `segs` within an element (index_segments): how
    // pack_range finds where a byte range starts.
    std::vector<int64_t> seg_pos;
    // How the type was made (MPI_Type_get_envelope/contents). `large`: by a _c constructor,
    // whose integer arguments are counts.
    int combiner = MPI_COMBINER_NAMED;
    bool large = false;
    std::vector<int> ints;
    std::vector<MPI_Aint> aints;
    std::vector<MPI_Count> counts;
    std::vector<MPI_Datatype> kids;
    std::string user_name;  // MPI_Type_set_name
    bool named = false;
    int refs = 1;  // the handle, plus each derived type built on it and each pending use
    AttrList attrs;  // MPI_Type_set_attr (deleted at MPI_Type_free, copied by MPI_Type_dup)
    MPI_Datatype handle = MPI_DATATYPE_NULL;
};

// Predefined types, indexed by handle value - predefined_first (holes have a dead magic).
constexpr uintptr_t predefined_first = 0x200, predefined_last = 0x2ff;
extern Datatype g_predefined_types[predefined_last - predefined_first + 1];  // filled at load

const Datatype* to_type_slow(MPI_Datatype h);
// The type behind `h`, or null when `h` names no datatype (MPI_DATATYPE_NULL included).
inline const Datatype* to_type(MPI_Datatype h) {
    uintptr_t v = handle_value(h);
    if (v - predefined_first <= predefined_last - predefined_first) {
        const Datatype* d = &g_predefined_types[v - predefined_first];
        return d->magic == Magic::datatype ? d : nullptr;
    }
    return to_type_slow(h);
}

// --- derived types (type_build.cpp) ---
// Each constructor returns a new uncommitted type owning one reference on each type it was
// built from, or throws efampi::Error (MPI_ERR_ARG / MPI_ERR_COUNT / MPI_ERR_TYPE) with a
// message naming the bad argument.
struct TypeArgs {
    int combiner;
    bool large = false;
    std::vector<int> ints;
    std::vector<MPI_Aint> aints;
    std::vector<MPI_Count> counts;
    std::vector<MPI_Datatype> kids;
};
// Blocks: `n` copies of `type` at byte displacement `disp` (the common form every constructor
// reduces to), in typemap order; `reps` such blocks `rstride` bytes apart (a vector is one
// Block, however many blocks it has). `lb`/`ub` explicit when set (resized, subarray, darray).
struct Block {
    int64_t disp;
    int64_t n;
    MPI_Datatype type;
    int64_t reps = 1;
    int64_t rstride = 0;
};
Datatype* type_from_blocks(const std::vector<Block>& blocks, TypeArgs args,
                           const int64_t* lb = nullptr, const int64_t* ub = nullptr);
void type_retain(Datatype* d);
// Drops one reference; the last one frees the type's own references and parks the object.
void type_release(Datatype* d);
// At MPI_Finalize: frees the parked (freed) types.
void types_finalize();
// True when `d` is a heap type (not predefined).
inline bool is_derived(const Datatype* d) { return !d->predefined; }
// The base type if every primitive of `d` is the same predefined type (else null), and how
// many of it one element holds. Used for predefined ops on derived types.
MPI_Datatype uniform_base(const Datatype& d, int64_t* per_element);

// --- packing (type_pack.cpp) ---
// Fills d.seg_pos from d.segs (every type, predefined ones at load).
void index_segments(Datatype& d);
// Copies `count` elements of `d` at `buf` into `out` (packed) / back. Returns bytes moved.
uint64_t pack(const Datatype& d, const void* buf, uint64_t count, void* out);
uint64_t unpack(const Datatype& d, const void* in, uint64_t count, void* buf);
// Unpacks `bytes` of packed data (a whole number of elements or not: a short message fills
// the leading part of the typemap).
void unpack_bytes(const Datatype& d, const void* in, uint64_t bytes, void* buf);
// Packed bytes [off, off + len) of a sequence of elements of `d` at `buf` (the pml's
// non-contiguous transfers move messages piece by piece): copied out to `out` / in from `in`.
void pack_range(const Datatype& d, const void* buf, uint64_t off, uint64_t len, void* out);
void unpack_range(const Datatype& d, void* buf, uint64_t off, uint64_t len, const void* in);
// external32: big-endian, the standard's sizes. external32_size of one element.
int64_t external32_size(const Datatype& d);
void pack_external(const Datatype& d, const void* buf, uint64_t count, void* out);
void unpack_external(const Datatype& d, const void* in, uint64_t count, void* buf);
// Primitive elements in `bytes` of packed data of `d` (MPI_Get_elements): -1 when `bytes`
// ends inside a primitive.
int64_t elements_in(const Datatype& d, uint64_t bytes);
// The packed bytes of the first `n` primitive elements of a sequence of `d` (the inverse, for
// MPI_Status_set_elements).
uint64_t bytes_of_elements(const Datatype& d, uint64_t n);

}  // namespace efampi::rt
