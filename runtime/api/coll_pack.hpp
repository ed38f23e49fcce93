#pragma once
// Derived datatypes with holes in collectives (issue 4). The algorithms (collectives/) move
// bytes, so a buffer whose type has holes reaches them as a packed block of the schedule
// (Schedule::block): convert steps pack the user's elements into it in a round before the
// algorithm's first, and unpack the received ones into the user's buffer in a round after its
// last (only the type's data bytes are written: the holes of a receive buffer are left alone).
// Being steps of the schedule, the conversions run again at every MPI_Start of a persistent
// collective (the inputs may have changed) and in the nonblocking forms as they progress.
// Every type a conversion (or a user op's wrapper) uses is retained by the schedule until it
// is released (Schedule::hold: after a blocking run, when a nonblocking one completes, when a
// persistent request is freed), so MPI_Type_free right after an MPI_I* call is safe.
// Predefined and dense types add nothing: the algorithm gets the user's pointer.
//
// Sizes: a buffer of `count` elements puts count * extent bytes into the collective when its
// type travels as it lies (predefined, dense), count * size (packed) when it has holes;
// matching type signatures on both sides give equal sizes.
#include <mpi.h>

#include <cstdint>
#include <vector>

#include "collectives/schedule.hpp"
#include "runtime/api/check.hpp"
#include "runtime/objects/datatype.hpp"

namespace efampi::api {

inline bool has_holes(const rt::Datatype* d) { return !d->direct(); }

uint64_t wire_bytes_slow(const rt::Datatype* d, int64_t count);
// Bytes `count` elements of `d` put into a collective (see above); MPI_ERR_COUNT past 2^62.
inline uint64_t wire_bytes(const rt::Datatype* d, int64_t count) {
    if (__builtin_expect(!has_holes(d), 1)) return message_bytes(d, count);
    return wire_bytes_slow(d, count);
}

// The Reduction function the runtime uses for a user op on a type with holes (reduction()
// sets it; Packer::reduction binds it).
void user_op_on_packed(const void* ctx, const void* ctx2, const void* in, void* inout,
                       uint64_t n);

// One block of a v/w side: `count` elements of `d` at byte offset `off` of the user's buffer.
struct UserBlock {
    const rt::Datatype* d;
    uint64_t count;
    int64_t off;
};

// Adds a collective's packing and unpacking to the schedule it builds. Use: construct on the
// schedule right after reset, map every buffer (whole / blocks), begin(), build the algorithm
// on the mapped buffers, end().
class Packer {
public:
    explicit Packer(coll::Schedule& s) : s_(s) {}
    Packer(const Packer&) = delete;
    Packer& operator=(const Packer&) = delete;

    // `count` elements of `d` at `buf` as the algorithm takes them: `buf` itself when `d` has
    // no holes; else a packed block, packed from `buf` first when `load` (an input), whose
    // first `store` elements are unpacked into `buf` at the end (an output; 0: none).
    void* whole(const rt::Datatype* d, const void* buf, uint64_t count, bool load,
                uint64_t store) {
        if (!has_holes(d) || !count || (same_type_ && d->predefined)) return const_cast<void*>(buf);
        return whole_slow(d, buf, count, load, store);
    }
    // The blocks of a v/w side (n of them): when none has holes, `buf` with bytes[i] and
    // displs[i] the user's (count * extent, off); else every block goes to one packed block
    // (rank order, no gaps) whose base is returned, with bytes[i]/displs[i] into it. `load` /
    // `store` as for whole(), per block (`only` >= 0: load just that block).
    void* blocks(const void* buf, const UserBlock* b, size_t n, bool load, bool store,
                 uint64_t* bytes, uint64_t* displs, long only = -1);

    // Closes the packing round: after the buffers are mapped, before the algorithm.
    void begin() { s_.end_round(); }
    // Adds the unpacking (a round of its own), after the algorithm.
    void end() {
        if (!stores_.empty()) end_slow();
    }

    // The schedule's reduction for elements of `d` (from reduction(): already packed-element
    // sized when `d` has holes). A user op on a type with holes is bound here to temporaries
    // in the type's layout for up to `max_count` elements at a time (the wrapper unpacks the
    // packed `in` and `inout` into them, calls the user's function with the user's datatype,
    // and packs the result back).
    // A reduction has one type on every rank: a pair type with padding (MPI_DOUBLE_INT) then
    // travels as it lies, padding included, for its kernel (whole() does not pack it).
    void reduction(const coll::Reduction& red, const rt::Datatype* d, MPI_Datatype handle,
                   uint64_t max_count) {
        same_type_ = true;
        s_.reduction = red;
        if (red.fn == user_op_on_packed) bind_user_op(d, handle, max_count);
    }

private:
    void end_slow();
    void bind_user_op(const rt::Datatype* d, MPI_Datatype handle, uint64_t max_count);
    void* whole_slow(const rt::Datatype* d, const void* buf, uint64_t count, bool load,
                     uint64_t store);
    void pack(const rt::Datatype* d, const void* user, void* packed, uint64_t count);
    void keep(const rt::Datatype* d);

    coll::Schedule& s_;
    struct Store {
        const rt::Datatype* d;  // null: a plain copy of n bytes
        const void* src;
        void* dst;
        uint64_t n;
    };
    std::vector<Store> stores_;
    bool same_type_ = false;  // a reduction (see reduction())
};

}  // namespace efampi::api
