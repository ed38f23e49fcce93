// Conformance, point-to-point chapter (MPI 4.1 chapter 3) and the buffer rules the other
// chapters share: MPI_BOTTOM with absolute addresses, statuses as the standard specifies them
// (MPI_ERROR untouched by single completions, written only with MPI_ERR_IN_STATUS; the empty
// status of null and inactive requests), MPI_PROC_NULL with count 0 and MPI_DATATYPE_NULL.
// Bodies work at any size: messages go to (rank + 1) % size and come from (rank - 1) % size.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "tests/mpi/harness.hpp"

using efampi::test::error_class;
using efampi::test::rank;
using efampi::test::size;

namespace {

int next() { return (rank() + 1) % size(); }
int prev() { return (rank() + size() - 1) % size(); }

class Conformance : public ::testing::Test {
protected:
    void SetUp() override {
        MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
        MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN);
    }
    void TearDown() override {
        MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
        MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_ARE_FATAL);
    }
};
class Bottom : public Conformance {};
class Status : public Conformance {};
class ProcNull : public Conformance {};
class Corners : public Conformance {};

// Three separate variables described by one struct type of absolute addresses: the way codes
// send several scalars with MPI_BOTTOM.
struct Scattered {
    int i = 0;
    double d = 0;
    char c[3] = {0, 0, 0};
    MPI_Datatype type = MPI_DATATYPE_NULL;

    Scattered() {
        MPI_Aint disp[3];
        MPI_Get_address(&i, &disp[0]);
        MPI_Get_address(&d, &disp[1]);
        MPI_Get_address(c, &disp[2]);
        int len[3] = {1, 1, 3};
        MPI_Datatype types[3] = {MPI_INT, MPI_DOUBLE, MPI_CHAR};
        EXPECT_EQ(MPI_SUCCESS, MPI_Type_create_struct(3, len, disp, types, &type));
        EXPECT_EQ(MPI_SUCCESS, MPI_Type_commit(&type));
    }
    ~Scattered() { MPI_Type_free(&type); }
    Scattered(const Scattered&) = delete;
    Scattered& operator=(const Scattered&) = delete;
    void fill(int seed) {
        i = seed;
        d = seed + 0.5;
        c[0] = static_cast<char>('a' + seed % 26);
        c[1] = 'x';
        c[2] = static_cast<char>('A' + seed % 26);
    }
    bool holds(int seed) const {
        return i == seed && d == seed + 0.5 && c[0] == 'a' + seed % 26 && c[1] == 'x' &&
               c[2] == 'A' + seed % 26;
    }
};

// ---------------------------------------------------------------------------------------------
// MPI_BOTTOM (MPI 4.1 §5.1.12): a buffer of MPI_BOTTOM with a type of absolute addresses.

TEST_F(Bottom, SendRecvIsendIrecv) {
    Scattered out, in;
    out.fill(rank());
    MPI_Request rq;
    ASSERT_EQ(MPI_SUCCESS, MPI_Irecv(MPI_BOTTOM, 1, in.type, prev(), 1, MPI_COMM_WORLD, &rq));
    ASSERT_EQ(MPI_SUCCESS, MPI_Send(MPI_BOTTOM, 1, out.type, next(), 1, MPI_COMM_WORLD));
    ASSERT_EQ(MPI_SUCCESS, MPI_Wait(&rq, MPI_STATUS_IGNORE));
    EXPECT_TRUE(in.holds(prev()));

    Scattered again;
    ASSERT_EQ(MPI_SUCCESS, MPI_Isend(MPI_BOTTOM, 1, out.type, next(), 2, MPI_COMM_WORLD, &rq));
    ASSERT_EQ(MPI_SUCCESS,
              MPI_Recv(MPI_BOTTOM, 1, again.type, prev(), 2, MPI_COMM_WORLD, MPI_STATUS_IGNORE));
    ASSERT_EQ(MPI_SUCCESS, MPI_Wait(&rq, MPI_STATUS_IGNORE));
    EXPECT_TRUE(again.holds(prev()));
}

TEST_F(Bottom, SendrecvAndSsend) {
    Scattered out, in;
    out.fill(rank() + 3);
    ASSERT_EQ(MPI_SUCCESS, MPI_Sendrecv(MPI_BOTTOM, 1, out.type, next(), 3, MPI_BOTTOM, 1,
                                        in.type, prev(), 3, MPI_COMM_WORLD, MPI_STATUS_IGNORE));
    EXPECT_TRUE(in.holds(prev() + 3));
    Scattered in2;
    MPI_Request rq;
    ASSERT_EQ(MPI_SUCCESS, MPI_Irecv(MPI_BOTTOM, 1, in2.type, prev(), 4, MPI_COMM_WORLD, &rq));
    ASSERT_EQ(MPI_SUCCESS, MPI_Ssend(MPI_BOTTOM, 1, out.type, next(), 4, MPI_COMM_WORLD));
    ASSERT_EQ(MPI_SUCCESS, MPI_Wait(&rq, MPI_STATUS_IGNORE));
    EXPECT_TRUE(in2.holds(prev() + 3));
}

TEST_F(Bottom, Persistent) {
    Scattered out, in;
    MPI_Request rq[2];
    ASSERT_EQ(MPI_SUCCESS, MPI_Recv_init(MPI_BOTTOM, 1, in.type, prev(), 5, MPI_COMM_WORLD, &rq[0]));
    ASSERT_EQ(MPI_SUCCESS, MPI_Send_init(MPI_BOTTOM, 1, out.type, next(), 5, MPI_COMM_WORLD, &rq[1]));
    for (int round = 0; round < 2; ++round) {  // each start reads the variables again
        out.fill(rank() * 10 + round);
        ASSERT_EQ(MPI_SUCCESS, MPI_Startall(2, rq));
        ASSERT_EQ(MPI_SUCCESS, MPI_Waitall(2, rq, MPI_STATUSES_IGNORE));
        EXPECT_TRUE(in.holds(prev() * 10 + round)) << "round " << round;
    }
    MPI_Request_free(&rq[0]);
    MPI_Request_free(&rq[1]);
}

TEST_F(Bottom, PackUnpack) {
    Scattered out, in;
    out.fill(7);
    int bytes = 0;
    ASSERT_EQ(MPI_SUCCESS, MPI_Pack_size(1, out.type, MPI_COMM_WORLD, &bytes));
    std::vector<char> buf(static_cast<size_t>(bytes));
    int pos = 0;
    ASSERT_EQ(MPI_SUCCESS, MPI_Pack(MPI_BOTTOM, 1, out.type, buf.data(), bytes, &pos, MPI_COMM_WORLD));
    EXPECT_EQ(bytes, pos);
    pos = 0;
    ASSERT_EQ(MPI_SUCCESS, MPI_Unpack(buf.data(), bytes, &pos, MPI_BOTTOM, 1, in.type, MPI_COMM_WORLD));
    EXPECT_TRUE(in.holds(7));
}

TEST_F(Bottom, Collectives) {
    // Bcast of the scattered variables from rank 0.
    Scattered v;
    if (rank() == 0) v.fill(11);
    ASSERT_EQ(MPI_SUCCESS, MPI_Bcast(MPI_BOTTOM, 1, v.type, 0, MPI_COMM_WORLD));
    EXPECT_TRUE(v.holds(11));

    // Allreduce of two separate ints (one base type, so MPI_SUM is defined on the struct),
    // sent and received through MPI_BOTTOM with two different absolute types.
    int a = rank(), b = 1, ra = -1, rb = -1;
    auto pair_type = [](int* x, int* y) {
        MPI_Aint disp[2];
        MPI_Get_address(x, &disp[0]);
        MPI_Get_address(y, &disp[1]);
        int len[2] = {1, 1};
        MPI_Datatype t, types[2] = {MPI_INT, MPI_INT};
        MPI_Type_create_struct(2, len, disp, types, &t);
        MPI_Type_commit(&t);
        return t;
    };
    MPI_Datatype st = pair_type(&a, &b), rt = pair_type(&ra, &rb);
    // One type for both buffers in a reduction: in place, the result lands in ra and rb.
    ra = rank();
    rb = 1;
    ASSERT_EQ(MPI_SUCCESS, MPI_Allreduce(MPI_IN_PLACE, MPI_BOTTOM, 1, rt, MPI_SUM, MPI_COMM_WORLD));
    EXPECT_EQ(size() * (size() - 1) / 2, ra);
    EXPECT_EQ(size(), rb);
    std::vector<int> all(2 * static_cast<size_t>(size()), -1);
    ASSERT_EQ(MPI_SUCCESS, MPI_Allgather(MPI_BOTTOM, 1, st, all.data(), 2, MPI_INT, MPI_COMM_WORLD));
    for (int r = 0; r < size(); ++r) {
        EXPECT_EQ(r, all[2 * static_cast<size_t>(r)]);
        EXPECT_EQ(1, all[2 * static_cast<size_t>(r) + 1]);
    }
    // Persistent: every start reads the variables again.
    MPI_Request rq;
    ASSERT_EQ(MPI_SUCCESS, MPI_Allreduce_init(MPI_IN_PLACE, MPI_BOTTOM, 1, rt, MPI_SUM,
                                              MPI_COMM_WORLD, MPI_INFO_NULL, &rq));
    for (int round = 1; round <= 2; ++round) {
        ra = 0;
        rb = round;
        ASSERT_EQ(MPI_SUCCESS, MPI_Start(&rq));
        ASSERT_EQ(MPI_SUCCESS, MPI_Wait(&rq, MPI_STATUS_IGNORE));
        EXPECT_EQ(size() * round, rb);
    }
    MPI_Request_free(&rq);
    MPI_Type_free(&st);
    MPI_Type_free(&rt);
}

// Still an error: a NULL buffer whose data would lie at address 0 (a predefined type, or a
// derived type of relative displacements). MPI_PROC_NULL as the peer, so a missing check
// shows as a wrong return code rather than a crash.
TEST_F(Bottom, NullWithRelativeTypeIsStillAnError) {
    EXPECT_EQ(MPI_ERR_BUFFER, error_class(MPI_Send(nullptr, 1, MPI_INT, MPI_PROC_NULL, 0, MPI_COMM_WORLD)));
    EXPECT_EQ(MPI_ERR_BUFFER, error_class(MPI_Recv(nullptr, 2, MPI_DOUBLE, MPI_PROC_NULL, 0,
                                                   MPI_COMM_WORLD, MPI_STATUS_IGNORE)));
    MPI_Datatype vec;
    MPI_Type_vector(2, 1, 3, MPI_INT, &vec);
    MPI_Type_commit(&vec);
    EXPECT_EQ(MPI_ERR_BUFFER, error_class(MPI_Send(nullptr, 1, vec, MPI_PROC_NULL, 0, MPI_COMM_WORLD)));
    char out[64];
    int pos = 0;
    EXPECT_EQ(MPI_ERR_BUFFER, error_class(MPI_Pack(nullptr, 1, vec, out, 64, &pos, MPI_COMM_WORLD)));
    EXPECT_EQ(MPI_ERR_BUFFER,
              error_class(MPI_Bcast(nullptr, 1, MPI_INT, 0, MPI_COMM_WORLD)));
    MPI_Type_free(&vec);
    // Count 0 moves nothing: a NULL buffer is fine whatever the type.
    EXPECT_EQ(MPI_SUCCESS, MPI_Send(nullptr, 0, MPI_INT, MPI_PROC_NULL, 0, MPI_COMM_WORLD));
}

// ---------------------------------------------------------------------------------------------
// Statuses (MPI 4.1 §3.2.5, §3.7.3).

constexpr int sentinel = 0x5eed;

MPI_Status poisoned() {
    MPI_Status s;
    std::memset(&s, 0x7b, sizeof s);
    s.MPI_ERROR = sentinel;
    return s;
}

void expect_empty(const MPI_Status& s, const char* where) {
    EXPECT_EQ(MPI_ANY_SOURCE, s.MPI_SOURCE) << where;
    EXPECT_EQ(MPI_ANY_TAG, s.MPI_TAG) << where;
    EXPECT_EQ(MPI_SUCCESS, s.MPI_ERROR) << where;
    int n = -1, flag = -1;
    MPI_Get_count(&s, MPI_INT, &n);
    EXPECT_EQ(0, n) << where;
    MPI_Get_elements(&s, MPI_INT, &n);
    EXPECT_EQ(0, n) << where;
    MPI_Test_cancelled(&s, &flag);
    EXPECT_EQ(0, flag) << where;
}

// Single-completion calls leave MPI_ERROR alone, also on success.
TEST_F(Status, SingleCompletionLeavesErrorFieldAlone) {
    int out = rank(), in = -1;
    MPI_Request rq;
    MPI_Status s = poisoned();
    ASSERT_EQ(MPI_SUCCESS, MPI_Isend(&out, 1, MPI_INT, next(), 10, MPI_COMM_WORLD, &rq));
    ASSERT_EQ(MPI_SUCCESS, MPI_Probe(prev(), 10, MPI_COMM_WORLD, &s));
    EXPECT_EQ(sentinel, s.MPI_ERROR) << "MPI_Probe";
    EXPECT_EQ(prev(), s.MPI_SOURCE);
    s = poisoned();
    int flag = 0;
    while (!flag) ASSERT_EQ(MPI_SUCCESS, MPI_Iprobe(prev(), 10, MPI_COMM_WORLD, &flag, &s));
    EXPECT_EQ(sentinel, s.MPI_ERROR) << "MPI_Iprobe";
    s = poisoned();
    ASSERT_EQ(MPI_SUCCESS, MPI_Recv(&in, 1, MPI_INT, prev(), 10, MPI_COMM_WORLD, &s));
    EXPECT_EQ(sentinel, s.MPI_ERROR) << "MPI_Recv";
    EXPECT_EQ(10, s.MPI_TAG);
    s = poisoned();
    ASSERT_EQ(MPI_SUCCESS, MPI_Wait(&rq, &s));
    EXPECT_EQ(sentinel, s.MPI_ERROR) << "MPI_Wait";

    // Irecv + Test, Mprobe + Mrecv, Sendrecv, Waitany, Testany.
    ASSERT_EQ(MPI_SUCCESS, MPI_Irecv(&in, 1, MPI_INT, prev(), 11, MPI_COMM_WORLD, &rq));
    ASSERT_EQ(MPI_SUCCESS, MPI_Send(&out, 1, MPI_INT, next(), 11, MPI_COMM_WORLD));
    s = poisoned();
    flag = 0;
    while (!flag) ASSERT_EQ(MPI_SUCCESS, MPI_Test(&rq, &flag, &s));
    EXPECT_EQ(sentinel, s.MPI_ERROR) << "MPI_Test";

    ASSERT_EQ(MPI_SUCCESS, MPI_Isend(&out, 1, MPI_INT, next(), 12, MPI_COMM_WORLD, &rq));
    MPI_Message m;
    s = poisoned();
    ASSERT_EQ(MPI_SUCCESS, MPI_Mprobe(prev(), 12, MPI_COMM_WORLD, &m, &s));
    EXPECT_EQ(sentinel, s.MPI_ERROR) << "MPI_Mprobe";
    s = poisoned();
    ASSERT_EQ(MPI_SUCCESS, MPI_Mrecv(&in, 1, MPI_INT, &m, &s));
    EXPECT_EQ(sentinel, s.MPI_ERROR) << "MPI_Mrecv";
    ASSERT_EQ(MPI_SUCCESS, MPI_Wait(&rq, MPI_STATUS_IGNORE));

    s = poisoned();
    ASSERT_EQ(MPI_SUCCESS, MPI_Sendrecv(&out, 1, MPI_INT, next(), 13, &in, 1, MPI_INT, prev(), 13,
                                        MPI_COMM_WORLD, &s));
    EXPECT_EQ(sentinel, s.MPI_ERROR) << "MPI_Sendrecv";

    MPI_Request two[2] = {MPI_REQUEST_NULL, MPI_REQUEST_NULL};
    ASSERT_EQ(MPI_SUCCESS, MPI_Irecv(&in, 1, MPI_INT, prev(), 14, MPI_COMM_WORLD, &two[1]));
    ASSERT_EQ(MPI_SUCCESS, MPI_Send(&out, 1, MPI_INT, next(), 14, MPI_COMM_WORLD));
    int idx = -1;
    s = poisoned();
    ASSERT_EQ(MPI_SUCCESS, MPI_Waitany(2, two, &idx, &s));
    EXPECT_EQ(1, idx);
    EXPECT_EQ(sentinel, s.MPI_ERROR) << "MPI_Waitany";
    ASSERT_EQ(MPI_SUCCESS, MPI_Irecv(&in, 1, MPI_INT, prev(), 15, MPI_COMM_WORLD, &two[0]));
    ASSERT_EQ(MPI_SUCCESS, MPI_Send(&out, 1, MPI_INT, next(), 15, MPI_COMM_WORLD));
    s = poisoned();
    flag = 0;
    while (!flag) ASSERT_EQ(MPI_SUCCESS, MPI_Testany(2, two, &idx, &flag, &s));
    EXPECT_EQ(0, idx);
    EXPECT_EQ(sentinel, s.MPI_ERROR) << "MPI_Testany";
}

// Multiple-completion calls that succeed leave MPI_ERROR alone too.
TEST_F(Status, MultipleCompletionWithoutErrorLeavesErrorFieldAlone) {
    int out = rank(), in[2] = {-1, -1};
    MPI_Request rq[2];
    MPI_Status s[2] = {poisoned(), poisoned()};
    ASSERT_EQ(MPI_SUCCESS, MPI_Irecv(&in[0], 1, MPI_INT, prev(), 20, MPI_COMM_WORLD, &rq[0]));
    ASSERT_EQ(MPI_SUCCESS, MPI_Isend(&out, 1, MPI_INT, next(), 20, MPI_COMM_WORLD, &rq[1]));
    ASSERT_EQ(MPI_SUCCESS, MPI_Waitall(2, rq, s));
    EXPECT_EQ(sentinel, s[0].MPI_ERROR);
    EXPECT_EQ(sentinel, s[1].MPI_ERROR);
    EXPECT_EQ(prev(), s[0].MPI_SOURCE);

    s[0] = s[1] = poisoned();
    ASSERT_EQ(MPI_SUCCESS, MPI_Irecv(&in[0], 1, MPI_INT, prev(), 21, MPI_COMM_WORLD, &rq[0]));
    ASSERT_EQ(MPI_SUCCESS, MPI_Send(&out, 1, MPI_INT, next(), 21, MPI_COMM_WORLD));
    rq[1] = MPI_REQUEST_NULL;
    int n = 0, idx[2];
    ASSERT_EQ(MPI_SUCCESS, MPI_Waitsome(2, rq, &n, idx, s));
    ASSERT_EQ(1, n);
    EXPECT_EQ(sentinel, s[0].MPI_ERROR);
}

// A failing request in a multiple-completion call: MPI_ERR_IN_STATUS, and MPI_ERROR set in
// every status (the failed one's class, MPI_SUCCESS for the others).
TEST_F(Status, ErrInStatusSetsEveryErrorField) {
    long big[4] = {1, 2, 3, 4};
    int small = -1, ok = -1, out = rank();
    MPI_Request rq[3];
    MPI_Status s[3] = {poisoned(), poisoned(), poisoned()};
    ASSERT_EQ(MPI_SUCCESS, MPI_Irecv(&small, 1, MPI_INT, prev(), 30, MPI_COMM_WORLD, &rq[0]));
    ASSERT_EQ(MPI_SUCCESS, MPI_Irecv(&ok, 1, MPI_INT, prev(), 31, MPI_COMM_WORLD, &rq[1]));
    rq[2] = MPI_REQUEST_NULL;
    ASSERT_EQ(MPI_SUCCESS, MPI_Send(big, 4, MPI_LONG, next(), 30, MPI_COMM_WORLD));
    ASSERT_EQ(MPI_SUCCESS, MPI_Send(&out, 1, MPI_INT, next(), 31, MPI_COMM_WORLD));
    EXPECT_EQ(MPI_ERR_IN_STATUS, error_class(MPI_Waitall(3, rq, s)));
    EXPECT_EQ(MPI_ERR_TRUNCATE, error_class(s[0].MPI_ERROR));
    EXPECT_EQ(MPI_SUCCESS, s[1].MPI_ERROR);
    EXPECT_EQ(MPI_SUCCESS, s[2].MPI_ERROR);
    EXPECT_EQ(prev(), ok);

    // Waitsome the same way.
    ASSERT_EQ(MPI_SUCCESS, MPI_Irecv(&small, 1, MPI_INT, prev(), 32, MPI_COMM_WORLD, &rq[0]));
    ASSERT_EQ(MPI_SUCCESS, MPI_Send(big, 4, MPI_LONG, next(), 32, MPI_COMM_WORLD));
    s[0] = poisoned();
    int n = 0, idx[3];
    rq[1] = rq[2] = MPI_REQUEST_NULL;
    EXPECT_EQ(MPI_ERR_IN_STATUS, error_class(MPI_Waitsome(3, rq, &n, idx, s)));
    ASSERT_EQ(1, n);
    EXPECT_EQ(MPI_ERR_TRUNCATE, error_class(s[0].MPI_ERROR));

    // A single completion returns the error itself and leaves MPI_ERROR alone.
    ASSERT_EQ(MPI_SUCCESS, MPI_Irecv(&small, 1, MPI_INT, prev(), 33, MPI_COMM_WORLD, &rq[0]));
    ASSERT_EQ(MPI_SUCCESS, MPI_Send(big, 4, MPI_LONG, next(), 33, MPI_COMM_WORLD));
    s[0] = poisoned();
    EXPECT_EQ(MPI_ERR_TRUNCATE, error_class(MPI_Wait(&rq[0], &s[0])));
    EXPECT_EQ(sentinel, s[0].MPI_ERROR);
}

// MPI_REQUEST_NULL everywhere a request array may hold it: the empty status.
TEST_F(Status, NullRequestGivesEmptyStatus) {
    MPI_Request nul = MPI_REQUEST_NULL, arr[2] = {MPI_REQUEST_NULL, MPI_REQUEST_NULL};
    MPI_Status s = poisoned(), ss[2] = {poisoned(), poisoned()};
    int flag = 0, idx = 0, n = 0, ix[2];
    ASSERT_EQ(MPI_SUCCESS, MPI_Wait(&nul, &s));
    expect_empty(s, "MPI_Wait");
    s = poisoned();
    ASSERT_EQ(MPI_SUCCESS, MPI_Test(&nul, &flag, &s));
    EXPECT_EQ(1, flag);
    expect_empty(s, "MPI_Test");
    s = poisoned();
    ASSERT_EQ(MPI_SUCCESS, MPI_Request_get_status(nul, &flag, &s));
    EXPECT_EQ(1, flag);
    expect_empty(s, "MPI_Request_get_status");
    s = poisoned();
    ASSERT_EQ(MPI_SUCCESS, MPI_Waitany(2, arr, &idx, &s));
    EXPECT_EQ(MPI_UNDEFINED, idx);
    expect_empty(s, "MPI_Waitany");
    s = poisoned();
    ASSERT_EQ(MPI_SUCCESS, MPI_Testany(2, arr, &idx, &flag, &s));
    EXPECT_EQ(1, flag);
    EXPECT_EQ(MPI_UNDEFINED, idx);
    expect_empty(s, "MPI_Testany");
    ASSERT_EQ(MPI_SUCCESS, MPI_Waitall(2, arr, ss));
    expect_empty(ss[0], "MPI_Waitall");
    expect_empty(ss[1], "MPI_Waitall");
    ss[0] = ss[1] = poisoned();
    ASSERT_EQ(MPI_SUCCESS, MPI_Testall(2, arr, &flag, ss));
    EXPECT_EQ(1, flag);
    expect_empty(ss[1], "MPI_Testall");
    ss[0] = ss[1] = poisoned();
    ASSERT_EQ(MPI_SUCCESS, MPI_Request_get_status_all(2, arr, &flag, ss));
    expect_empty(ss[0], "MPI_Request_get_status_all");
    s = poisoned();
    ASSERT_EQ(MPI_SUCCESS, MPI_Request_get_status_any(2, arr, &idx, &flag, &s));
    EXPECT_EQ(MPI_UNDEFINED, idx);
    expect_empty(s, "MPI_Request_get_status_any");
    ASSERT_EQ(MPI_SUCCESS, MPI_Waitsome(2, arr, &n, ix, ss));
    EXPECT_EQ(MPI_UNDEFINED, n);
    ASSERT_EQ(MPI_SUCCESS, MPI_Testsome(2, arr, &n, ix, ss));
    EXPECT_EQ(MPI_UNDEFINED, n);
    ASSERT_EQ(MPI_SUCCESS, MPI_Waitall(0, nullptr, MPI_STATUSES_IGNORE));
}

// Inactive persistent requests (never started, or completed), point-to-point and collective:
// the empty status, and the handle stays.
TEST_F(Status, InactivePersistentGivesEmptyStatus) {
    int out = rank(), in = -1, flag = 0;
    MPI_Request rq[3];
    ASSERT_EQ(MPI_SUCCESS, MPI_Recv_init(&in, 1, MPI_INT, prev(), 40, MPI_COMM_WORLD, &rq[0]));
    ASSERT_EQ(MPI_SUCCESS, MPI_Send_init(&out, 1, MPI_INT, next(), 40, MPI_COMM_WORLD, &rq[1]));
    ASSERT_EQ(MPI_SUCCESS, MPI_Bcast_init(&out, 1, MPI_INT, 0, MPI_COMM_WORLD, MPI_INFO_NULL, &rq[2]));
    for (int round = 0; round < 2; ++round) {  // 0: never started; 1: started and completed
        for (int i = 0; i < 3; ++i) {
            MPI_Request keep = rq[i];
            MPI_Status s = poisoned();
            ASSERT_EQ(MPI_SUCCESS, MPI_Wait(&rq[i], &s));
            expect_empty(s, round ? "MPI_Wait, completed" : "MPI_Wait, never started");
            EXPECT_EQ(keep, rq[i]);
            s = poisoned();
            ASSERT_EQ(MPI_SUCCESS, MPI_Test(&rq[i], &flag, &s));
            EXPECT_EQ(1, flag);
            expect_empty(s, "MPI_Test");
            s = poisoned();
            ASSERT_EQ(MPI_SUCCESS, MPI_Request_get_status(rq[i], &flag, &s));
            EXPECT_EQ(1, flag);
            expect_empty(s, "MPI_Request_get_status");
        }
        MPI_Status ss[3] = {poisoned(), poisoned(), poisoned()};
        ASSERT_EQ(MPI_SUCCESS, MPI_Waitall(3, rq, ss));
        for (auto& s : ss) expect_empty(s, "MPI_Waitall");
        int idx = 0;
        MPI_Status s = poisoned();
        ASSERT_EQ(MPI_SUCCESS, MPI_Waitany(3, rq, &idx, &s));
        EXPECT_EQ(MPI_UNDEFINED, idx);
        expect_empty(s, "MPI_Waitany");
        if (round == 0) {
            ASSERT_EQ(MPI_SUCCESS, MPI_Startall(3, rq));
            ASSERT_EQ(MPI_SUCCESS, MPI_Waitall(3, rq, MPI_STATUSES_IGNORE));
            EXPECT_EQ(prev(), in);
        }
    }
    for (auto& r : rq) MPI_Request_free(&r);
}

// ---------------------------------------------------------------------------------------------
// MPI_PROC_NULL with count 0 and MPI_DATATYPE_NULL: codes pass it when they move nothing.

TEST_F(ProcNull, DatatypeNullWithCountZero) {
    MPI_Status s = poisoned();
    EXPECT_EQ(MPI_SUCCESS, MPI_Send(nullptr, 0, MPI_DATATYPE_NULL, MPI_PROC_NULL, 0, MPI_COMM_WORLD));
    EXPECT_EQ(MPI_SUCCESS, MPI_Ssend(nullptr, 0, MPI_DATATYPE_NULL, MPI_PROC_NULL, 0, MPI_COMM_WORLD));
    EXPECT_EQ(MPI_SUCCESS, MPI_Recv(nullptr, 0, MPI_DATATYPE_NULL, MPI_PROC_NULL, 0, MPI_COMM_WORLD, &s));
    EXPECT_EQ(MPI_PROC_NULL, s.MPI_SOURCE);
    EXPECT_EQ(MPI_ANY_TAG, s.MPI_TAG);
    int n = -1;
    MPI_Get_count(&s, MPI_INT, &n);
    EXPECT_EQ(0, n);
    MPI_Request rq[4];
    ASSERT_EQ(MPI_SUCCESS, MPI_Isend(nullptr, 0, MPI_DATATYPE_NULL, MPI_PROC_NULL, 0, MPI_COMM_WORLD, &rq[0]));
    ASSERT_EQ(MPI_SUCCESS, MPI_Irecv(nullptr, 0, MPI_DATATYPE_NULL, MPI_PROC_NULL, 0, MPI_COMM_WORLD, &rq[1]));
    ASSERT_EQ(MPI_SUCCESS, MPI_Send_init(nullptr, 0, MPI_DATATYPE_NULL, MPI_PROC_NULL, 0, MPI_COMM_WORLD, &rq[2]));
    ASSERT_EQ(MPI_SUCCESS, MPI_Recv_init(nullptr, 0, MPI_DATATYPE_NULL, MPI_PROC_NULL, 0, MPI_COMM_WORLD, &rq[3]));
    ASSERT_EQ(MPI_SUCCESS, MPI_Startall(2, &rq[2]));
    MPI_Status ss[4];
    ASSERT_EQ(MPI_SUCCESS, MPI_Waitall(4, rq, ss));
    EXPECT_EQ(MPI_PROC_NULL, ss[1].MPI_SOURCE);
    EXPECT_EQ(MPI_PROC_NULL, ss[3].MPI_SOURCE);
    MPI_Request_free(&rq[2]);
    MPI_Request_free(&rq[3]);
    EXPECT_EQ(MPI_SUCCESS, MPI_Sendrecv_replace(nullptr, 0, MPI_DATATYPE_NULL, MPI_PROC_NULL, 0,
                                                MPI_PROC_NULL, 0, MPI_COMM_WORLD, &s));
    EXPECT_EQ(MPI_SUCCESS, MPI_Bsend(nullptr, 0, MPI_DATATYPE_NULL, MPI_PROC_NULL, 0, MPI_COMM_WORLD));
    // Sendrecv with one side to MPI_PROC_NULL and the other real.
    int out = rank(), in = -1;
    if (size() == 1) {
        EXPECT_EQ(MPI_SUCCESS, MPI_Sendrecv(nullptr, 0, MPI_DATATYPE_NULL, MPI_PROC_NULL, 1, &in, 0,
                                            MPI_INT, MPI_PROC_NULL, 1, MPI_COMM_WORLD, &s));
    } else {  // a shift without wrap-around: the ends send or receive nothing
        int to = rank() + 1 < size() ? rank() + 1 : MPI_PROC_NULL;
        int from = rank() > 0 ? rank() - 1 : MPI_PROC_NULL;
        ASSERT_EQ(MPI_SUCCESS,
                  MPI_Sendrecv(&out, to == MPI_PROC_NULL ? 0 : 1,
                               to == MPI_PROC_NULL ? MPI_DATATYPE_NULL : MPI_INT, to, 1, &in,
                               from == MPI_PROC_NULL ? 0 : 1,
                               from == MPI_PROC_NULL ? MPI_DATATYPE_NULL : MPI_INT, from, 1,
                               MPI_COMM_WORLD, &s));
        if (from != MPI_PROC_NULL) EXPECT_EQ(from, in);
        else EXPECT_EQ(MPI_PROC_NULL, s.MPI_SOURCE);
    }
}

TEST_F(ProcNull, DatatypeNullStillAnErrorWhenSomethingMoves) {
    int x = 0;
    // Data to move: the type matters.
    EXPECT_EQ(MPI_ERR_TYPE, error_class(MPI_Send(&x, 1, MPI_DATATYPE_NULL, MPI_PROC_NULL, 0, MPI_COMM_WORLD)));
    EXPECT_EQ(MPI_ERR_TYPE, error_class(MPI_Recv(&x, 1, MPI_DATATYPE_NULL, MPI_PROC_NULL, 0,
                                                 MPI_COMM_WORLD, MPI_STATUS_IGNORE)));
    // A real peer: a message is matched and its type is part of it.
    EXPECT_EQ(MPI_ERR_TYPE, error_class(MPI_Send(&x, 0, MPI_DATATYPE_NULL, next(), 0, MPI_COMM_WORLD)));
    MPI_Request rq;
    EXPECT_EQ(MPI_ERR_TYPE, error_class(MPI_Irecv(&x, 0, MPI_DATATYPE_NULL, prev(), 0, MPI_COMM_WORLD, &rq)));
    // Sendrecv_replace has one type for both sides: a real peer on either makes it matter.
    EXPECT_EQ(MPI_ERR_TYPE, error_class(MPI_Sendrecv_replace(&x, 0, MPI_DATATYPE_NULL, MPI_PROC_NULL,
                                                             0, prev(), 0, MPI_COMM_WORLD,
                                                             MPI_STATUS_IGNORE)));
}

// ---------------------------------------------------------------------------------------------
// More corners of chapter 3 that codes rely on.

TEST_F(Corners, ProcNullEverywhere) {
    int buf[2] = {7, 8};
    MPI_Status s = poisoned();
    // Sendrecv_replace with nobody on either side: the buffer is left alone.
    ASSERT_EQ(MPI_SUCCESS, MPI_Sendrecv_replace(buf, 2, MPI_INT, MPI_PROC_NULL, 1, MPI_PROC_NULL,
                                                1, MPI_COMM_WORLD, &s));
    EXPECT_EQ(7, buf[0]);
    EXPECT_EQ(MPI_PROC_NULL, s.MPI_SOURCE);
    EXPECT_EQ(MPI_ANY_TAG, s.MPI_TAG);
    // Probes of MPI_PROC_NULL answer at once, with the MPI_PROC_NULL status.
    int flag = 0, n = -1;
    s = poisoned();
    ASSERT_EQ(MPI_SUCCESS, MPI_Iprobe(MPI_PROC_NULL, 0, MPI_COMM_WORLD, &flag, &s));
    EXPECT_EQ(1, flag);
    EXPECT_EQ(MPI_PROC_NULL, s.MPI_SOURCE);
    MPI_Get_count(&s, MPI_INT, &n);
    EXPECT_EQ(0, n);
    MPI_Message m;
    ASSERT_EQ(MPI_SUCCESS, MPI_Improbe(MPI_PROC_NULL, 0, MPI_COMM_WORLD, &flag, &m, &s));
    EXPECT_EQ(MPI_MESSAGE_NO_PROC, m);
    MPI_Request r;
    ASSERT_EQ(MPI_SUCCESS, MPI_Imrecv(buf, 2, MPI_INT, &m, &r));
    EXPECT_EQ(MPI_MESSAGE_NULL, m);
    s = poisoned();
    ASSERT_EQ(MPI_SUCCESS, MPI_Wait(&r, &s));
    EXPECT_EQ(MPI_PROC_NULL, s.MPI_SOURCE);
    // Buffered and ready sends to nobody need no buffer and no receiver.
    EXPECT_EQ(MPI_SUCCESS, MPI_Bsend(buf, 2, MPI_INT, MPI_PROC_NULL, 0, MPI_COMM_WORLD));
    EXPECT_EQ(MPI_SUCCESS, MPI_Rsend(buf, 2, MPI_INT, MPI_PROC_NULL, 0, MPI_COMM_WORLD));
}

TEST_F(Corners, CancelledReceiveAndFreedActiveSend) {
    int x = -1, flag = 0;
    MPI_Request r;
    ASSERT_EQ(MPI_SUCCESS, MPI_Irecv(&x, 1, MPI_INT, MPI_ANY_SOURCE, 999, MPI_COMM_WORLD, &r));
    ASSERT_EQ(MPI_SUCCESS, MPI_Cancel(&r));
    MPI_Status s = poisoned();
    ASSERT_EQ(MPI_SUCCESS, MPI_Wait(&r, &s));
    ASSERT_EQ(MPI_SUCCESS, MPI_Test_cancelled(&s, &flag));
    EXPECT_EQ(1, flag);
    EXPECT_EQ(sentinel, s.MPI_ERROR);
    EXPECT_EQ(-1, x);
    // A send whose request is freed while active still delivers its message.
    int out = rank() + 40;
    ASSERT_EQ(MPI_SUCCESS, MPI_Isend(&out, 1, MPI_INT, next(), 50, MPI_COMM_WORLD, &r));
    ASSERT_EQ(MPI_SUCCESS, MPI_Request_free(&r));
    EXPECT_EQ(MPI_REQUEST_NULL, r);
    ASSERT_EQ(MPI_SUCCESS, MPI_Recv(&x, 1, MPI_INT, prev(), 50, MPI_COMM_WORLD, MPI_STATUS_IGNORE));
    EXPECT_EQ(prev() + 40, x);
    MPI_Barrier(MPI_COMM_WORLD);  // out stays alive until every send was received
}

TEST_F(Corners, EnvironmentAttributesAndSelfMessages) {
    int* tag_ub = nullptr;
    int flag = 0;
    ASSERT_EQ(MPI_SUCCESS, MPI_Comm_get_attr(MPI_COMM_WORLD, MPI_TAG_UB, &tag_ub, &flag));
    ASSERT_EQ(1, flag);
    EXPECT_GE(*tag_ub, 32767);  // the standard's minimum
    // The largest tag works.
    int out = 5, in = 0;
    ASSERT_EQ(MPI_SUCCESS, MPI_Sendrecv(&out, 1, MPI_INT, 0, *tag_ub, &in, 1, MPI_INT, 0, *tag_ub,
                                        MPI_COMM_SELF, MPI_STATUS_IGNORE));
    EXPECT_EQ(5, in);
    EXPECT_EQ(MPI_ERR_TAG, error_class(MPI_Send(&out, 1, MPI_INT, MPI_PROC_NULL, -5, MPI_COMM_WORLD)));
    // A synchronous send to oneself completes once the receive is posted.
    MPI_Request r;
    ASSERT_EQ(MPI_SUCCESS, MPI_Issend(&out, 1, MPI_INT, 0, 3, MPI_COMM_SELF, &r));
    ASSERT_EQ(MPI_SUCCESS, MPI_Recv(&in, 1, MPI_INT, 0, 3, MPI_COMM_SELF, MPI_STATUS_IGNORE));
    ASSERT_EQ(MPI_SUCCESS, MPI_Wait(&r, MPI_STATUS_IGNORE));
    // Info: an index past the keys is an error.
    MPI_Info info;
    MPI_Info_create(&info);
    char key[MPI_MAX_INFO_KEY];
    EXPECT_EQ(MPI_ERR_ARG, error_class(MPI_Info_get_nthkey(info, 0, key)));
    MPI_Info_free(&info);
}

}  // namespace
