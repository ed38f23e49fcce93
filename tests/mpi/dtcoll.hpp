#pragma once
// The harness of the collective tests with derived datatypes with holes (test_dtcoll.cpp: data
// movement, test_dtcoll_reduce.cpp: reductions): a holed int vector and plain MPI_INT with the
// same signature, buffers in either layout whose holes must stay untouched, and drive(), which
// runs a collective in every form (blocking, nonblocking waited and tested, persistent started
// twice with the inputs changed) and checks each result. Included by one test file per binary.
#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <numeric>
#include <string>
#include <vector>

#include "tests/mpi/harness.hpp"

using efampi::test::error_class;
using efampi::test::ReturnErrors;

namespace {

int me() { return efampi::test::rank(); }
int np() { return efampi::test::size(); }

constexpr int hole = -1;  // what every byte outside the data holds, before and after

// The holed type: 2 ints at int offsets 0 and 3 of an extent of 4 ints (a strided vector).
// Signature: 2 ints, so n of it match 2n MPI_INT.
MPI_Datatype g_hv = MPI_DATATYPE_NULL;

// Where signature int i of a block lies, in ints from the block's start.
int pos(bool holed, int i) { return holed ? (i / 2) * 4 + (i % 2) * 3 : i; }
// Ints a block of n signature ints spans (n even when holed).
int span(bool holed, int n) { return holed ? n * 2 : n; }
// Elements of the block's type for n signature ints.
int elems(bool holed, int n) { return holed ? n / 2 : n; }
MPI_Datatype type_of(bool holed) { return holed ? g_hv : MPI_INT; }

// A buffer of `n` signature ints in one layout, holes filled with `hole`.
struct Buf {
    bool holed;
    int n;
    std::vector<int> v;
    Buf(bool h, int ints) : holed(h), n(ints), v(static_cast<size_t>(span(h, ints) + 1), hole) {}
    int& at(int i) { return v[static_cast<size_t>(pos(holed, i))]; }
    int* p() { return v.data(); }
    MPI_Datatype t() const { return type_of(holed); }
    int count() const { return elems(holed, n); }
    void clear() { v.assign(v.size(), hole); }
};

int val(int seed, int rank, int i) { return seed * 100000 + rank * 1000 + i; }

// The forms every collective is run in.
enum Mode { blocking, wait_nb, test_nb, persistent };
const char* mode_name(int m) {
    static const char* names[] = {"blocking", "nonblocking+wait", "nonblocking+test",
                                  "persistent"};
    return names[m];
}

void complete(MPI_Request* q, bool test) {
    if (!test) {
        ASSERT_EQ(MPI_SUCCESS, MPI_Wait(q, MPI_STATUS_IGNORE));
        return;
    }
    int flag = 0;
    while (!flag) ASSERT_EQ(MPI_SUCCESS, MPI_Test(q, &flag, MPI_STATUS_IGNORE));
}

// A collective in its three entry points, the inputs set from a seed and the results checked
// against it: run in every form (persistent: two starts with different seeds).
struct Coll {
    std::function<int()> call;
    std::function<int(MPI_Request*)> icall;
    std::function<int(MPI_Request*)> init;
    std::function<void(int)> fill;
    std::function<void(int)> check;
};

void drive(const Coll& c) {
    for (int m = blocking; m <= persistent; ++m) {
        SCOPED_TRACE(mode_name(m));
        MPI_Request pq = MPI_REQUEST_NULL;
        for (int round = 0; round < (m == persistent ? 2 : 1); ++round) {
            int seed = m * 2 + round + 1;
            c.fill(seed);
            if (m == blocking) {
                ASSERT_EQ(MPI_SUCCESS, c.call());
            } else if (m == persistent) {
                if (round == 0) {
                    ASSERT_EQ(MPI_SUCCESS, c.init(&pq));
                }
                ASSERT_EQ(MPI_SUCCESS, MPI_Start(&pq));
                complete(&pq, round == 1);
            } else {
                MPI_Request q;
                ASSERT_EQ(MPI_SUCCESS, c.icall(&q));
                complete(&q, m == test_nb);
            }
            SCOPED_TRACE("seed " + std::to_string(seed));
            c.check(seed);
        }
        if (pq != MPI_REQUEST_NULL) MPI_Request_free(&pq);
    }
}

// Which sides have holes: send only, receive only, both.
struct Sides {
    bool s, r;
};
const Sides g_sides[] = {{true, false}, {false, true}, {true, true}};
[[maybe_unused]] std::string sides_name(Sides x) {
    return std::string("send ") + (x.s ? "holed" : "plain") + ", recv " + (x.r ? "holed" : "plain");
}

class DtColl : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_EQ(MPI_SUCCESS, MPI_Type_vector(2, 1, 3, MPI_INT, &g_hv));
        ASSERT_EQ(MPI_SUCCESS, MPI_Type_commit(&g_hv));
        MPI_Aint lb, ext;
        MPI_Type_get_extent(g_hv, &lb, &ext);
        ASSERT_EQ(MPI_Aint(4 * sizeof(int)), ext);
    }
    void TearDown() override { MPI_Type_free(&g_hv); }
};

constexpr int B = 4;  // signature ints per rank's block

// v forms: rank q's block has cnt(q) signature ints (even), placed in reverse rank order with
// a gap of one element after each block.
[[maybe_unused]] int cnt(int q) { return 2 * (q % 3 + 1); }
struct VLayout {
    std::vector<int> counts, displs;  // in elements of the side's type
    int total_ints = 0;               // signature ints the buffer spans, gaps included
    int first_int(int q) const { return first[static_cast<size_t>(q)]; }
    std::vector<int> first;           // signature-int index of block q in the buffer
    VLayout(bool holed, int p, const std::function<int(int)>& c) {
        counts.resize(static_cast<size_t>(p));
        displs.resize(static_cast<size_t>(p));
        first.resize(static_cast<size_t>(p));
        int at = 0;  // elements
        int per = holed ? 2 : 1;
        for (int q = p - 1; q >= 0; --q) {
            counts[static_cast<size_t>(q)] = elems(holed, c(q));
            displs[static_cast<size_t>(q)] = at;
            first[static_cast<size_t>(q)] = at * per;
            at += counts[static_cast<size_t>(q)] + 1;
        }
        total_ints = at * per;
    }
};

}  // namespace
