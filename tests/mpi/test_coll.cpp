// Collectives against serial references computed here: every collective in its blocking,
// nonblocking and persistent form, on MPI_COMM_WORLD, a dup and a split with reversed keys
// (odd sizes appear whatever the job size), in place and not, over counts that take the small
// and the large algorithms, with a commutative op and a non-commutative user op (rank order
// must be kept). The same binary runs with EFAMPI_COLL_* forcing each algorithm
// (tests/meson.build). Works at any size.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <functional>
#include <numeric>
#include <string>
#include <vector>

#include "tests/mpi/harness.hpp"

using efampi::test::all_true;
using efampi::test::error_class;
using efampi::test::ReturnErrors;

namespace {

enum class Form { blocking, nonblocking, persistent };
const Form forms[] = {Form::blocking, Form::nonblocking, Form::persistent};
const char* form_name(Form f) {
    return f == Form::blocking ? "blocking" : f == Form::nonblocking ? "nonblocking" : "persistent";
}

// Runs one collective in form f: `blk` is the blocking call, `start(req, persistent)` starts
// the nonblocking one or creates the persistent one (which is then started twice: the second
// run must give the same result, so the buffers are restored in between by `reset`).
int in_form(Form f, const std::function<int()>& blk,
            const std::function<int(MPI_Request*, bool)>& start,
            const std::function<void()>& reset = [] {}) {
    if (f == Form::blocking) return blk();
    MPI_Request q = MPI_REQUEST_NULL;
    int rc = start(&q, f == Form::persistent);
    if (rc != MPI_SUCCESS) return rc;
    if (f == Form::nonblocking) return MPI_Wait(&q, MPI_STATUS_IGNORE);
    for (int run = 0; run < 2; ++run) {
        if (run) reset();
        if ((rc = MPI_Start(&q)) != MPI_SUCCESS) return rc;
        if ((rc = MPI_Wait(&q, MPI_STATUS_IGNORE)) != MPI_SUCCESS) return rc;
        if (q == MPI_REQUEST_NULL) return MPI_ERR_REQUEST;  // persistent handles stay
    }
    return MPI_Request_free(&q);
}

// The communicators every test runs on.
struct Comms {
    std::vector<MPI_Comm> list;
    std::vector<std::string> names;
    Comms() {
        list.push_back(MPI_COMM_WORLD);
        names.push_back("world");
        MPI_Comm d, s;
        MPI_Comm_dup(MPI_COMM_WORLD, &d);
        list.push_back(d);
        names.push_back("dup");
        int r;
        MPI_Comm_rank(MPI_COMM_WORLD, &r);
        MPI_Comm_split(MPI_COMM_WORLD, r % 2, -r, &s);  // halves, ranks reversed
        list.push_back(s);
        names.push_back("split");
    }
    ~Comms() {
        for (size_t i = 1; i < list.size(); ++i) MPI_Comm_free(&list[i]);
    }
};

int crank(MPI_Comm c) { int r; MPI_Comm_rank(c, &r); return r; }
int csize(MPI_Comm c) { int s; MPI_Comm_size(c, &s); return s; }

// Counts: empty, one element, a few, more than any size (chunked algorithms), and one large
// enough for rendezvous messages.
const int counts[] = {0, 1, 5, 67, 40000};

// Rank r's contribution at index i.
int64_t val(int r, int i) { return (r + 1) * 1000 + i % 997; }

// A non-commutative, associative op on 2x2 integer matrices mod a prime (4 x int64 = one
// MPI_LONG quadruple: count counts longs, so the op sees len/4 matrices).
constexpr int64_t prime = 1000003;
void matmul(void* in, void* inout, int* len, MPI_Datatype*) {
    auto* a = static_cast<int64_t*>(in);
    auto* b = static_cast<int64_t*>(inout);
    for (int k = 0; k + 3 < *len; k += 4, a += 4, b += 4) {
        int64_t r[4] = {(a[0] * b[0] + a[1] * b[2]) % prime, (a[0] * b[1] + a[1] * b[3]) % prime,
                        (a[2] * b[0] + a[3] * b[2]) % prime, (a[2] * b[1] + a[3] * b[3]) % prime};
        std::memcpy(b, r, sizeof r);
    }
}
void mat_of(int r, int k, int64_t* m) {
    m[0] = r + 2; m[1] = k % 5 + 1; m[2] = (r * 7 + k) % 11; m[3] = 1;
}
void mat_mul_ref(const int64_t* a, const int64_t* b, int64_t* out) {  // out = a * b
    int64_t r[4] = {(a[0] * b[0] + a[1] * b[2]) % prime, (a[0] * b[1] + a[1] * b[3]) % prime,
                    (a[2] * b[0] + a[3] * b[2]) % prime, (a[2] * b[1] + a[3] * b[3]) % prime};
    std::memcpy(out, r, sizeof r);
}
// Product of ranks lo..hi-1 in order, for matrix k.
void mat_range(int lo, int hi, int k, int64_t* out) {
    int64_t acc[4] = {1, 0, 0, 1}, m[4];
    for (int r = lo; r < hi; ++r) {
        mat_of(r, k, m);
        mat_mul_ref(acc, m, acc);
    }
    std::memcpy(out, acc, sizeof acc);
}

class Coll : public ::testing::Test {
protected:
    Comms comms;
};

TEST_F(Coll, Barrier) {
    for (MPI_Comm c : comms.list)
        for (Form f : forms)
            ASSERT_EQ(MPI_SUCCESS, in_form(f, [&] { return MPI_Barrier(c); },
                                           [&](MPI_Request* q, bool p) {
                                               return p ? MPI_Barrier_init(c, MPI_INFO_NULL, q)
                                                        : MPI_Ibarrier(c, q);
                                           }));
}

TEST_F(Coll, Bcast) {
    for (size_t ci = 0; ci < comms.list.size(); ++ci) {
        MPI_Comm c = comms.list[ci];
        int p = csize(c), me = crank(c);
        for (int n : counts)
            for (int root = 0; root < p; root += (p > 4 ? p / 3 : 1))
                for (Form f : forms) {
                    std::vector<int> buf(static_cast<size_t>(n));
                    auto fill = [&] {
                        for (int i = 0; i < n; ++i) buf[static_cast<size_t>(i)] = me == root ? static_cast<int>(val(root, i)) : -1;
                    };
                    fill();
                    ASSERT_EQ(MPI_SUCCESS, in_form(f, [&] { return MPI_Bcast(buf.data(), n, MPI_INT, root, c); },
                        [&](MPI_Request* q, bool pers) {
                            return pers ? MPI_Bcast_init(buf.data(), n, MPI_INT, root, c, MPI_INFO_NULL, q)
                                        : MPI_Ibcast(buf.data(), n, MPI_INT, root, c, q);
                        }, fill));
                    bool ok = true;
                    for (int i = 0; i < n; ++i) ok = ok && buf[static_cast<size_t>(i)] == val(root, i);
                    ASSERT_TRUE(ok) << comms.names[ci] << " n=" << n << " root=" << root << " " << form_name(f);
                }
    }
}

// Reduce, Allreduce, Scan, Exscan with MPI_SUM on MPI_LONG and with the matrix op.
enum class Red { reduce, allreduce, scan, exscan };
const char* red_name(Red k) {
    return k == Red::reduce ? "reduce" : k == Red::allreduce ? "allreduce" : k == Red::scan ? "scan" : "exscan";
}

void check_reduction(Red kind, MPI_Comm c, const std::string& cname, MPI_Op matop) {
    int p = csize(c), me = crank(c);
    for (int n : counts)
        for (bool mat : {false, true})
            for (bool inplace : {false, true})
                for (int root = 0; root < (kind == Red::reduce ? p : 1); root += (p > 4 ? p / 3 : 1))
                    for (Form f : forms) {
                        int cnt = mat ? (n / 4) * 4 : n;  // whole matrices
                        MPI_Op op = mat ? matop : MPI_SUM;
                        std::vector<int64_t> in(static_cast<size_t>(cnt)), out(static_cast<size_t>(cnt), -7);
                        auto fill = [&] {
                            for (int i = 0; i < cnt; i += (mat ? 4 : 1)) {
                                if (mat) mat_of(me, i / 4, &in[static_cast<size_t>(i)]);
                                else in[static_cast<size_t>(i)] = val(me, i);
                            }
                            bool uses_recv_as_input = inplace && (kind != Red::reduce || me == root);
                            if (uses_recv_as_input) out = in;
                            else std::fill(out.begin(), out.end(), -7);
                        };
                        fill();
                        bool ip = inplace && (kind != Red::reduce || me == root);
                        const void* sb = ip ? MPI_IN_PLACE : static_cast<const void*>(in.data());
                        void* rb = out.data();
                        int rc = in_form(f, [&] {
                                switch (kind) {
                                case Red::reduce: return MPI_Reduce(sb, rb, cnt, MPI_LONG, op, root, c);
                                case Red::allreduce: return MPI_Allreduce(sb, rb, cnt, MPI_LONG, op, c);
                                case Red::scan: return MPI_Scan(sb, rb, cnt, MPI_LONG, op, c);
                                default: return MPI_Exscan(sb, rb, cnt, MPI_LONG, op, c);
                                }
                            },
                            [&](MPI_Request* q, bool pers) {
                                switch (kind) {
                                case Red::reduce: return pers ? MPI_Reduce_init(sb, rb, cnt, MPI_LONG, op, root, c, MPI_INFO_NULL, q)
                                                              : MPI_Ireduce(sb, rb, cnt, MPI_LONG, op, root, c, q);
                                case Red::allreduce: return pers ? MPI_Allreduce_init(sb, rb, cnt, MPI_LONG, op, c, MPI_INFO_NULL, q)
                                                                 : MPI_Iallreduce(sb, rb, cnt, MPI_LONG, op, c, q);
                                case Red::scan: return pers ? MPI_Scan_init(sb, rb, cnt, MPI_LONG, op, c, MPI_INFO_NULL, q)
                                                            : MPI_Iscan(sb, rb, cnt, MPI_LONG, op, c, q);
                                default: return pers ? MPI_Exscan_init(sb, rb, cnt, MPI_LONG, op, c, MPI_INFO_NULL, q)
                                                     : MPI_Iexscan(sb, rb, cnt, MPI_LONG, op, c, q);
                                }
                            }, fill);
                        ASSERT_EQ(MPI_SUCCESS, rc);
                        // Expected: ranks [0, hi) where hi depends on the collective.
                        bool check = kind == Red::allreduce || (kind == Red::reduce && me == root) ||
                                     kind == Red::scan || (kind == Red::exscan && me > 0);
                        if (!check) continue;
                        int hi = kind == Red::scan ? me + 1 : kind == Red::exscan ? me : p;
                        bool ok = true;
                        for (int i = 0; i < cnt && ok; i += (mat ? 4 : 1)) {
                            if (mat) {
                                int64_t m[4];
                                mat_range(0, hi, i / 4, m);
                                ok = std::memcmp(m, &out[static_cast<size_t>(i)], sizeof m) == 0;
                            } else {
                                int64_t want = 0;
                                for (int r = 0; r < hi; ++r) want += val(r, i);
                                ok = out[static_cast<size_t>(i)] == want;
                            }
                        }
                        ASSERT_TRUE(ok) << red_name(kind) << " on " << cname << " n=" << cnt
                                        << (mat ? " matrix op" : " sum") << (inplace ? " in place" : "")
                                        << " root=" << root << " " << form_name(f);
                    }
}

class CollRed : public Coll {
protected:
    MPI_Op matop = MPI_OP_NULL;
    void SetUp() override { MPI_Op_create(matmul, 0, &matop); }
    void TearDown() override { MPI_Op_free(&matop); }
};

TEST_F(CollRed, Reduce) {
    for (size_t i = 0; i < comms.list.size(); ++i) check_reduction(Red::reduce, comms.list[i], comms.names[i], matop);
}
TEST_F(CollRed, Allreduce) {
    for (size_t i = 0; i < comms.list.size(); ++i) check_reduction(Red::allreduce, comms.list[i], comms.names[i], matop);
}
TEST_F(CollRed, Scan) {
    for (size_t i = 0; i < comms.list.size(); ++i) check_reduction(Red::scan, comms.list[i], comms.names[i], matop);
}
TEST_F(CollRed, Exscan) {
    for (size_t i = 0; i < comms.list.size(); ++i) check_reduction(Red::exscan, comms.list[i], comms.names[i], matop);
}

TEST_F(CollRed, ReduceScatter) {
    for (size_t ci = 0; ci < comms.list.size(); ++ci) {
        MPI_Comm c = comms.list[ci];
        int p = csize(c), me = crank(c);
        for (int n : {0, 4, 8, 400})
            for (bool mat : {false, true})
                for (bool block : {false, true})
                    for (bool inplace : {false, true})
                        for (Form f : forms) {
                            // Block: n per rank. Vector: rank r gets (r % 3) * n / 4 * 4 ... whole matrices.
                            std::vector<int> rc(static_cast<size_t>(p));
                            for (int r = 0; r < p; ++r) rc[static_cast<size_t>(r)] = block ? n : ((r % 3) * n / 8) * 4;
                            int total = std::accumulate(rc.begin(), rc.end(), 0);
                            std::vector<int> off(static_cast<size_t>(p) + 1, 0);
                            for (int r = 0; r < p; ++r) off[static_cast<size_t>(r) + 1] = off[static_cast<size_t>(r)] + rc[static_cast<size_t>(r)];
                            MPI_Op op = mat ? matop : MPI_SUM;
                            // Sized once: a persistent request keeps the buffer's address.
                            std::vector<int64_t> in(static_cast<size_t>(total)), out(static_cast<size_t>(total) + 1);
                            auto fill = [&] {
                                for (int i = 0; i < total; i += (mat ? 4 : 1)) {
                                    if (mat) mat_of(me, i / 4, &in[static_cast<size_t>(i)]);
                                    else in[static_cast<size_t>(i)] = val(me, i);
                                }
                                std::fill(out.begin(), out.end(), -7);
                                if (inplace) std::copy(in.begin(), in.end(), out.begin());
                            };
                            fill();
                            const void* sb = inplace ? MPI_IN_PLACE : static_cast<const void*>(in.data());
                            int r = in_form(f, [&] {
                                    return block ? MPI_Reduce_scatter_block(sb, out.data(), n, MPI_LONG, op, c)
                                                 : MPI_Reduce_scatter(sb, out.data(), rc.data(), MPI_LONG, op, c);
                                },
                                [&](MPI_Request* q, bool pers) {
                                    if (block)
                                        return pers ? MPI_Reduce_scatter_block_init(sb, out.data(), n, MPI_LONG, op, c, MPI_INFO_NULL, q)
                                                    : MPI_Ireduce_scatter_block(sb, out.data(), n, MPI_LONG, op, c, q);
                                    return pers ? MPI_Reduce_scatter_init(sb, out.data(), rc.data(), MPI_LONG, op, c, MPI_INFO_NULL, q)
                                                : MPI_Ireduce_scatter(sb, out.data(), rc.data(), MPI_LONG, op, c, q);
                                }, fill);
                            ASSERT_EQ(MPI_SUCCESS, r);
                            bool ok = true;
                            int base = off[static_cast<size_t>(me)];
                            for (int i = 0; i < rc[static_cast<size_t>(me)] && ok; i += (mat ? 4 : 1)) {
                                if (mat) {
                                    int64_t m[4];
                                    mat_range(0, p, (base + i) / 4, m);
                                    ok = std::memcmp(m, &out[static_cast<size_t>(i)], sizeof m) == 0;
                                } else {
                                    int64_t want = 0;
                                    for (int q = 0; q < p; ++q) want += val(q, base + i);
                                    ok = out[static_cast<size_t>(i)] == want;
                                }
                            }
                            ASSERT_TRUE(ok) << "reduce_scatter" << (block ? "_block" : "") << " on " << comms.names[ci]
                                            << " n=" << n << (mat ? " matrix" : " sum") << (inplace ? " in place " : " ")
                                            << form_name(f);
                        }
    }
}

// Rank r's block for rank q in all-to-all: distinct everywhere.
int tok(int from, int to, int i) { return from * 100000 + to * 100 + i % 100; }

TEST_F(Coll, GatherScatterAllgatherAlltoall) {
    for (size_t ci = 0; ci < comms.list.size(); ++ci) {
        MPI_Comm c = comms.list[ci];
        int p = csize(c), me = crank(c);
        const std::string& cn = comms.names[ci];
        for (int n : {0, 1, 3, 70, 5000})
            for (bool inplace : {false, true})
                for (Form f : forms) {
                    size_t pn = static_cast<size_t>(p) * static_cast<size_t>(n);
                    std::vector<int> mine(static_cast<size_t>(n)), all(pn);
                    // Gather / Scatter at each root.
                    for (int root = 0; root < p; root += (p > 4 ? p / 3 : 1)) {
                        bool ip = inplace && me == root;
                        auto fill = [&] {
                            for (int i = 0; i < n; ++i) mine[static_cast<size_t>(i)] = tok(me, root, i);
                            std::fill(all.begin(), all.end(), -1);
                            if (ip) std::copy(mine.begin(), mine.end(), all.begin() + static_cast<long>(me) * n);
                        };
                        fill();
                        const void* sb = ip ? MPI_IN_PLACE : static_cast<const void*>(mine.data());
                        ASSERT_EQ(MPI_SUCCESS, in_form(f, [&] { return MPI_Gather(sb, n, MPI_INT, all.data(), n, MPI_INT, root, c); },
                            [&](MPI_Request* q, bool pers) {
                                return pers ? MPI_Gather_init(sb, n, MPI_INT, all.data(), n, MPI_INT, root, c, MPI_INFO_NULL, q)
                                            : MPI_Igather(sb, n, MPI_INT, all.data(), n, MPI_INT, root, c, q);
                            }, fill));
                        if (me == root) {
                            bool ok = true;
                            for (int r = 0; r < p; ++r)
                                for (int i = 0; i < n; ++i) ok = ok && all[static_cast<size_t>(r * n + i)] == tok(r, root, i);
                            ASSERT_TRUE(ok) << "gather on " << cn << " n=" << n << " root=" << root << " " << form_name(f);
                        }
                        // Scatter: the root's block r goes to rank r.
                        auto fill2 = [&] {
                            for (int r = 0; r < p; ++r)
                                for (int i = 0; i < n; ++i) all[static_cast<size_t>(r * n + i)] = me == root ? tok(root, r, i) : -1;
                            std::fill(mine.begin(), mine.end(), -1);
                        };
                        fill2();
                        void* rb = ip ? MPI_IN_PLACE : static_cast<void*>(mine.data());
                        ASSERT_EQ(MPI_SUCCESS, in_form(f, [&] { return MPI_Scatter(all.data(), n, MPI_INT, rb, n, MPI_INT, root, c); },
                            [&](MPI_Request* q, bool pers) {
                                return pers ? MPI_Scatter_init(all.data(), n, MPI_INT, rb, n, MPI_INT, root, c, MPI_INFO_NULL, q)
                                            : MPI_Iscatter(all.data(), n, MPI_INT, rb, n, MPI_INT, root, c, q);
                            }, fill2));
                        if (!ip) {
                            bool ok = true;
                            for (int i = 0; i < n; ++i) ok = ok && mine[static_cast<size_t>(i)] == tok(root, me, i);
                            ASSERT_TRUE(ok) << "scatter on " << cn << " n=" << n << " root=" << root << " " << form_name(f);
                        }
                    }
                    // Allgather.
                    auto fill3 = [&] {
                        for (int i = 0; i < n; ++i) mine[static_cast<size_t>(i)] = tok(me, 0, i);
                        std::fill(all.begin(), all.end(), -1);
                        if (inplace) std::copy(mine.begin(), mine.end(), all.begin() + static_cast<long>(me) * n);
                    };
                    fill3();
                    const void* sb = inplace ? MPI_IN_PLACE : static_cast<const void*>(mine.data());
                    ASSERT_EQ(MPI_SUCCESS, in_form(f, [&] { return MPI_Allgather(sb, n, MPI_INT, all.data(), n, MPI_INT, c); },
                        [&](MPI_Request* q, bool pers) {
                            return pers ? MPI_Allgather_init(sb, n, MPI_INT, all.data(), n, MPI_INT, c, MPI_INFO_NULL, q)
                                        : MPI_Iallgather(sb, n, MPI_INT, all.data(), n, MPI_INT, c, q);
                        }, fill3));
                    bool ok = true;
                    for (int r = 0; r < p; ++r)
                        for (int i = 0; i < n; ++i) ok = ok && all[static_cast<size_t>(r * n + i)] == tok(r, 0, i);
                    ASSERT_TRUE(ok) << "allgather on " << cn << " n=" << n << (inplace ? " in place " : " ") << form_name(f);
                    // Alltoall.
                    std::vector<int> out(pn);
                    auto fill4 = [&] {
                        for (int r = 0; r < p; ++r)
                            for (int i = 0; i < n; ++i) all[static_cast<size_t>(r * n + i)] = tok(me, r, i);
                        if (inplace) out = all;
                        else std::fill(out.begin(), out.end(), -1);
                    };
                    fill4();
                    ASSERT_EQ(MPI_SUCCESS, in_form(f, [&] { return MPI_Alltoall(sb == MPI_IN_PLACE ? MPI_IN_PLACE : all.data(), n, MPI_INT, out.data(), n, MPI_INT, c); },
                        [&](MPI_Request* q, bool pers) {
                            const void* s2 = inplace ? MPI_IN_PLACE : all.data();
                            return pers ? MPI_Alltoall_init(s2, n, MPI_INT, out.data(), n, MPI_INT, c, MPI_INFO_NULL, q)
                                        : MPI_Ialltoall(s2, n, MPI_INT, out.data(), n, MPI_INT, c, q);
                        }, fill4));
                    ok = true;
                    for (int r = 0; r < p; ++r)
                        for (int i = 0; i < n; ++i) ok = ok && out[static_cast<size_t>(r * n + i)] == tok(r, me, i);
                    ASSERT_TRUE(ok) << "alltoall on " << cn << " n=" << n << (inplace ? " in place " : " ") << form_name(f);
                }
    }
}

// The v variants with uneven counts (zeros included) and scattered displacements.
TEST_F(Coll, VectorVariants) {
    for (size_t ci = 0; ci < comms.list.size(); ++ci) {
        MPI_Comm c = comms.list[ci];
        int p = csize(c), me = crank(c);
        const std::string& cn = comms.names[ci];
        for (int scale : {1, 900})
            for (Form f : forms) {
                auto cnt = [&](int r) { return (r % 3) * scale; };  // 0, s, 2s, 0, ...
                std::vector<int> counts(static_cast<size_t>(p)), displs(static_cast<size_t>(p));
                int pos = 0;
                for (int r = 0; r < p; ++r) {
                    counts[static_cast<size_t>(r)] = cnt(r);
                    displs[static_cast<size_t>(r)] = pos + 2;  // gaps
                    pos += cnt(r) + 3;
                }
                std::vector<int> big(static_cast<size_t>(pos + 2)), mine(static_cast<size_t>(cnt(me)) + 1);
                int root = p / 2;
                // Gatherv.
                auto fill = [&] {
                    for (int i = 0; i < cnt(me); ++i) mine[static_cast<size_t>(i)] = tok(me, root, i);
                    std::fill(big.begin(), big.end(), -1);
                };
                fill();
                ASSERT_EQ(MPI_SUCCESS, in_form(f, [&] { return MPI_Gatherv(mine.data(), cnt(me), MPI_INT, big.data(), counts.data(), displs.data(), MPI_INT, root, c); },
                    [&](MPI_Request* q, bool pers) {
                        return pers ? MPI_Gatherv_init(mine.data(), cnt(me), MPI_INT, big.data(), counts.data(), displs.data(), MPI_INT, root, c, MPI_INFO_NULL, q)
                                    : MPI_Igatherv(mine.data(), cnt(me), MPI_INT, big.data(), counts.data(), displs.data(), MPI_INT, root, c, q);
                    }, fill));
                if (me == root) {
                    bool ok = true;
                    for (int r = 0; r < p; ++r)
                        for (int i = 0; i < cnt(r); ++i) ok = ok && big[static_cast<size_t>(displs[static_cast<size_t>(r)] + i)] == tok(r, root, i);
                    ASSERT_TRUE(ok) << "gatherv on " << cn << " " << form_name(f);
                }
                // Scatterv.
                auto fill2 = [&] {
                    for (int r = 0; r < p; ++r)
                        for (int i = 0; i < cnt(r); ++i) big[static_cast<size_t>(displs[static_cast<size_t>(r)] + i)] = tok(root, r, i);
                    std::fill(mine.begin(), mine.end(), -1);
                };
                fill2();
                ASSERT_EQ(MPI_SUCCESS, in_form(f, [&] { return MPI_Scatterv(big.data(), counts.data(), displs.data(), MPI_INT, mine.data(), cnt(me), MPI_INT, root, c); },
                    [&](MPI_Request* q, bool pers) {
                        return pers ? MPI_Scatterv_init(big.data(), counts.data(), displs.data(), MPI_INT, mine.data(), cnt(me), MPI_INT, root, c, MPI_INFO_NULL, q)
                                    : MPI_Iscatterv(big.data(), counts.data(), displs.data(), MPI_INT, mine.data(), cnt(me), MPI_INT, root, c, q);
                    }, fill2));
                bool ok = true;
                for (int i = 0; i < cnt(me); ++i) ok = ok && mine[static_cast<size_t>(i)] == tok(root, me, i);
                ASSERT_TRUE(ok) << "scatterv on " << cn << " " << form_name(f);
                // Allgatherv.
                auto fill3 = [&] {
                    for (int i = 0; i < cnt(me); ++i) mine[static_cast<size_t>(i)] = tok(me, 0, i);
                    std::fill(big.begin(), big.end(), -1);
                };
                fill3();
                ASSERT_EQ(MPI_SUCCESS, in_form(f, [&] { return MPI_Allgatherv(mine.data(), cnt(me), MPI_INT, big.data(), counts.data(), displs.data(), MPI_INT, c); },
                    [&](MPI_Request* q, bool pers) {
                        return pers ? MPI_Allgatherv_init(mine.data(), cnt(me), MPI_INT, big.data(), counts.data(), displs.data(), MPI_INT, c, MPI_INFO_NULL, q)
                                    : MPI_Iallgatherv(mine.data(), cnt(me), MPI_INT, big.data(), counts.data(), displs.data(), MPI_INT, c, q);
                    }, fill3));
                ok = true;
                for (int r = 0; r < p; ++r)
                    for (int i = 0; i < cnt(r); ++i) ok = ok && big[static_cast<size_t>(displs[static_cast<size_t>(r)] + i)] == tok(r, 0, i);
                ASSERT_TRUE(ok) << "allgatherv on " << cn << " " << form_name(f);
                // Alltoallv: rank me sends cnt(me + r) ... to keep it simple, sends cnt(r) + 1
                // elements to r and receives cnt(me) + 1 from everyone.
                std::vector<int> sc(static_cast<size_t>(p)), sd(static_cast<size_t>(p)), rcv(static_cast<size_t>(p)), rd(static_cast<size_t>(p));
                int spos = 0, rpos = 0;
                for (int r = 0; r < p; ++r) {
                    sc[static_cast<size_t>(r)] = cnt(r) + 1;
                    sd[static_cast<size_t>(r)] = spos;
                    spos += sc[static_cast<size_t>(r)] + 1;
                    rcv[static_cast<size_t>(r)] = cnt(me) + 1;
                    rd[static_cast<size_t>(r)] = rpos;
                    rpos += rcv[static_cast<size_t>(r)] + 2;
                }
                std::vector<int> sbuf(static_cast<size_t>(spos)), rbuf(static_cast<size_t>(rpos));
                auto fill4 = [&] {
                    for (int r = 0; r < p; ++r)
                        for (int i = 0; i < sc[static_cast<size_t>(r)]; ++i) sbuf[static_cast<size_t>(sd[static_cast<size_t>(r)] + i)] = tok(me, r, i);
                    std::fill(rbuf.begin(), rbuf.end(), -1);
                };
                fill4();
                ASSERT_EQ(MPI_SUCCESS, in_form(f, [&] { return MPI_Alltoallv(sbuf.data(), sc.data(), sd.data(), MPI_INT, rbuf.data(), rcv.data(), rd.data(), MPI_INT, c); },
                    [&](MPI_Request* q, bool pers) {
                        return pers ? MPI_Alltoallv_init(sbuf.data(), sc.data(), sd.data(), MPI_INT, rbuf.data(), rcv.data(), rd.data(), MPI_INT, c, MPI_INFO_NULL, q)
                                    : MPI_Ialltoallv(sbuf.data(), sc.data(), sd.data(), MPI_INT, rbuf.data(), rcv.data(), rd.data(), MPI_INT, c, q);
                    }, fill4));
                ok = true;
                for (int r = 0; r < p; ++r)
                    for (int i = 0; i < rcv[static_cast<size_t>(r)]; ++i) ok = ok && rbuf[static_cast<size_t>(rd[static_cast<size_t>(r)] + i)] == tok(r, me, i);
                ASSERT_TRUE(ok) << "alltoallv on " << cn << " " << form_name(f);
                // Alltoallw: the same exchange with byte displacements and a type per peer.
                std::vector<int> sdb(static_cast<size_t>(p)), rdb(static_cast<size_t>(p));
                std::vector<MPI_Datatype> types(static_cast<size_t>(p), MPI_INT);
                for (int r = 0; r < p; ++r) {
                    sdb[static_cast<size_t>(r)] = sd[static_cast<size_t>(r)] * 4;
                    rdb[static_cast<size_t>(r)] = rd[static_cast<size_t>(r)] * 4;
                }
                fill4();
                ASSERT_EQ(MPI_SUCCESS, in_form(f, [&] { return MPI_Alltoallw(sbuf.data(), sc.data(), sdb.data(), types.data(), rbuf.data(), rcv.data(), rdb.data(), types.data(), c); },
                    [&](MPI_Request* q, bool pers) {
                        return pers ? MPI_Alltoallw_init(sbuf.data(), sc.data(), sdb.data(), types.data(), rbuf.data(), rcv.data(), rdb.data(), types.data(), c, MPI_INFO_NULL, q)
                                    : MPI_Ialltoallw(sbuf.data(), sc.data(), sdb.data(), types.data(), rbuf.data(), rcv.data(), rdb.data(), types.data(), c, q);
                    }, fill4));
                ok = true;
                for (int r = 0; r < p; ++r)
                    for (int i = 0; i < rcv[static_cast<size_t>(r)]; ++i) ok = ok && rbuf[static_cast<size_t>(rd[static_cast<size_t>(r)] + i)] == tok(r, me, i);
                ASSERT_TRUE(ok) << "alltoallw on " << cn << " " << form_name(f);
            }
    }
}

// Pair types with MINLOC/MAXLOC, and a float type with MAX.
TEST_F(Coll, LocOpsAndOtherTypes) {
    int p = csize(MPI_COMM_WORLD), me = crank(MPI_COMM_WORLD);
    struct { double v; int i; } in[3], out[3];
    for (int k = 0; k < 3; ++k) in[k] = {static_cast<double>((me * (k + 3)) % 5), me};
    ASSERT_EQ(MPI_SUCCESS, MPI_Allreduce(in, out, 3, MPI_DOUBLE_INT, MPI_MAXLOC, MPI_COMM_WORLD));
    for (int k = 0; k < 3; ++k) {
        double best = -1;
        int at = -1;
        for (int r = 0; r < p; ++r) {
            double v = (r * (k + 3)) % 5;
            if (v > best) { best = v; at = r; }  // first (smallest) rank on ties
        }
        EXPECT_EQ(best, out[k].v);
        EXPECT_EQ(at, out[k].i);
    }
    float f = static_cast<float>(me) * 0.5f, fm = -1;
    ASSERT_EQ(MPI_SUCCESS, MPI_Allreduce(&f, &fm, 1, MPI_FLOAT, MPI_MAX, MPI_COMM_WORLD));
    EXPECT_EQ(static_cast<float>(p - 1) * 0.5f, fm);
}

// Every datatype class with every op defined on it, through Allreduce, Reduce (root last) and
// Scan: the reference applies MPI_Reduce_local (checked against scalar references in
// test_ops) to every rank's contribution in rank order, here on each rank.
TEST_F(Coll, EveryTypeClassAndOp) {
    struct T {
        MPI_Datatype t;
        size_t ext;
        std::vector<MPI_Op> ops;
        const char* name;
    };
    const std::vector<MPI_Op> arith = {MPI_SUM, MPI_PROD, MPI_MAX, MPI_MIN};
    const std::vector<MPI_Op> ints = {MPI_SUM, MPI_PROD, MPI_MAX, MPI_MIN, MPI_LAND, MPI_LOR,
                                      MPI_LXOR, MPI_BAND, MPI_BOR, MPI_BXOR};
    const T types[] = {
        {MPI_INT, 4, ints, "MPI_INT"},
        {MPI_UNSIGNED_CHAR, 1, ints, "MPI_UNSIGNED_CHAR"},
        {MPI_INT64_T, 8, ints, "MPI_INT64_T"},
        {MPI_INTEGER, 4, {MPI_SUM, MPI_PROD, MPI_MAX, MPI_MIN, MPI_BAND, MPI_BOR, MPI_BXOR}, "MPI_INTEGER"},
        {MPI_FLOAT, 4, arith, "MPI_FLOAT"},
        {MPI_DOUBLE, 8, arith, "MPI_DOUBLE"},
        {MPI_LONG_DOUBLE, sizeof(long double), arith, "MPI_LONG_DOUBLE"},
        {MPI_C_DOUBLE_COMPLEX, 16, {MPI_SUM, MPI_PROD}, "MPI_C_DOUBLE_COMPLEX"},
        {MPI_C_BOOL, 1, {MPI_LAND, MPI_LOR, MPI_LXOR}, "MPI_C_BOOL"},
        {MPI_LOGICAL, 4, {MPI_LAND, MPI_LOR, MPI_LXOR}, "MPI_LOGICAL"},
        {MPI_BYTE, 1, {MPI_BAND, MPI_BOR, MPI_BXOR}, "MPI_BYTE"},
        {MPI_2INT, 8, {MPI_MAXLOC, MPI_MINLOC}, "MPI_2INT"},
        {MPI_DOUBLE_INT, 16, {MPI_MAXLOC, MPI_MINLOC}, "MPI_DOUBLE_INT"},
    };
    int p = csize(MPI_COMM_WORLD), me = crank(MPI_COMM_WORLD);
    const int n = 37;
    // Contribution of rank r: small values (exact products for a few ranks), pair types with
    // the rank as index and duplicate values (ties).
    auto contrib = [&](const T& t, int r, std::vector<unsigned char>& out) {
        out.assign(t.ext * n, 0);
        for (int i = 0; i < n; ++i) {
            unsigned char* e = &out[t.ext * static_cast<size_t>(i)];
            int v = (r * 3 + i) % 4 + (i % 2);  // 0..4
            if (t.t == MPI_INT || t.t == MPI_INTEGER || t.t == MPI_LOGICAL) { int x = v; std::memcpy(e, &x, 4); }
            else if (t.t == MPI_UNSIGNED_CHAR || t.t == MPI_BYTE) e[0] = static_cast<unsigned char>(v * 37 + r);
            else if (t.t == MPI_C_BOOL) e[0] = v % 2;
            else if (t.t == MPI_INT64_T) { int64_t x = v - 2; std::memcpy(e, &x, 8); }
            else if (t.t == MPI_FLOAT) { float x = v * 0.5f; std::memcpy(e, &x, 4); }
            else if (t.t == MPI_DOUBLE) { double x = v - 1.5; std::memcpy(e, &x, 8); }
            else if (t.t == MPI_LONG_DOUBLE) { long double x = v * 0.25L; std::memcpy(e, &x, sizeof x); }
            else if (t.t == MPI_C_DOUBLE_COMPLEX) { double x[2] = {v * 0.5, 1.0 - v}; std::memcpy(e, x, 16); }
            else if (t.t == MPI_2INT) { int x[2] = {v, r}; std::memcpy(e, x, 8); }
            else if (t.t == MPI_DOUBLE_INT) { struct { double d; int i; } x{v * 1.0, r}; std::memcpy(e, &x, sizeof x); }
        }
    };
    std::vector<unsigned char> mine, ref, tmp, out;
    for (const T& t : types)
        for (MPI_Op op : t.ops)
            for (int kind = 0; kind < 3; ++kind) {  // allreduce, reduce to the last rank, scan
                contrib(t, me, mine);
                out.assign(mine.size(), 0xEE);
                int hi = kind == 2 ? me + 1 : p;
                contrib(t, 0, ref);
                for (int r = 1; r < hi; ++r) {  // ref = ref op contrib(r): lower ranks are `in`
                    contrib(t, r, tmp);
                    ASSERT_EQ(MPI_SUCCESS, MPI_Reduce_local(ref.data(), tmp.data(), n, t.t, op));
                    ref.swap(tmp);
                }
                int rc = kind == 0 ? MPI_Allreduce(mine.data(), out.data(), n, t.t, op, MPI_COMM_WORLD)
                       : kind == 1 ? MPI_Reduce(mine.data(), out.data(), n, t.t, op, p - 1, MPI_COMM_WORLD)
                                   : MPI_Scan(mine.data(), out.data(), n, t.t, op, MPI_COMM_WORLD);
                ASSERT_EQ(MPI_SUCCESS, rc) << t.name;
                if (kind == 1 && me != p - 1) continue;
                // Compare element by element on the data bytes (pair types have padding).
                for (int i = 0; i < n; ++i) {
                    size_t at = t.ext * static_cast<size_t>(i);
                    size_t len = t.t == MPI_DOUBLE_INT ? 12 : t.t == MPI_LONG_DOUBLE ? 10 : t.ext;
                    ASSERT_EQ(0, std::memcmp(&ref[at], &out[at], len))
                        << t.name << " op #" << (&op - t.ops.data()) << " kind " << kind << " element " << i;
                }
            }
}

// Several nonblocking collectives outstanding on one communicator, completed in reverse
// order, with point-to-point traffic on the same communicator in between.
TEST_F(Coll, OutstandingNonblockingWithPointToPoint) {
    MPI_Comm c = comms.list[1];
    int p = csize(c), me = crank(c);
    const int k = 6;
    std::vector<MPI_Request> q(k);
    std::vector<std::vector<int64_t>> in(k), out(k);
    for (int j = 0; j < k; ++j) {
        int n = j % 2 ? 20000 : 3;
        in[static_cast<size_t>(j)].assign(static_cast<size_t>(n), me + j);
        out[static_cast<size_t>(j)].assign(static_cast<size_t>(n), -1);
        ASSERT_EQ(MPI_SUCCESS, MPI_Iallreduce(in[static_cast<size_t>(j)].data(), out[static_cast<size_t>(j)].data(), n, MPI_LONG, MPI_SUM, c, &q[static_cast<size_t>(j)]));
    }
    MPI_Request ib;
    ASSERT_EQ(MPI_SUCCESS, MPI_Ibarrier(c, &ib));
    // Point-to-point ring on the same communicator while the collectives are in flight.
    int right = (me + 1) % p, left = (me - 1 + p) % p, got = -1;
    ASSERT_EQ(MPI_SUCCESS, MPI_Sendrecv(&me, 1, MPI_INT, right, 0, &got, 1, MPI_INT, left, 0, c, MPI_STATUS_IGNORE));
    EXPECT_EQ(left, got);
    for (int j = k - 1; j >= 0; --j) ASSERT_EQ(MPI_SUCCESS, MPI_Wait(&q[static_cast<size_t>(j)], MPI_STATUS_IGNORE));
    int flag = 0;
    while (!flag) ASSERT_EQ(MPI_SUCCESS, MPI_Test(&ib, &flag, MPI_STATUS_IGNORE));
    for (int j = 0; j < k; ++j) {
        int64_t want = static_cast<int64_t>(p) * (p - 1) / 2 + static_cast<int64_t>(p) * j;
        for (int64_t v : out[static_cast<size_t>(j)]) ASSERT_EQ(want, v) << "collective " << j;
    }
}

// A nonblocking collective completes through MPI_Test alone (progress in every call).
TEST_F(Coll, TestDrivesProgress) {
    int me = crank(MPI_COMM_WORLD), p = csize(MPI_COMM_WORLD);
    std::vector<int> v(50000, me), w(50000, 0);
    MPI_Request q;
    ASSERT_EQ(MPI_SUCCESS, MPI_Iallreduce(v.data(), w.data(), 50000, MPI_INT, MPI_SUM, MPI_COMM_WORLD, &q));
    int flag = 0;
    while (!flag) ASSERT_EQ(MPI_SUCCESS, MPI_Test(&q, &flag, MPI_STATUS_IGNORE));
    EXPECT_EQ(MPI_REQUEST_NULL, q);
    EXPECT_EQ(p * (p - 1) / 2, w[49999]);
}

TEST_F(Coll, ManyCollectivesOnManyCommunicators) {
    // Dup, reduce, free in a loop: tags and context ids come back.
    for (int i = 0; i < 200; ++i) {
        MPI_Comm d;
        ASSERT_EQ(MPI_SUCCESS, MPI_Comm_dup(MPI_COMM_WORLD, &d));
        int one = 1, n = 0;
        ASSERT_EQ(MPI_SUCCESS, MPI_Allreduce(&one, &n, 1, MPI_INT, MPI_SUM, d));
        ASSERT_EQ(csize(MPI_COMM_WORLD), n);
        ASSERT_EQ(MPI_SUCCESS, MPI_Comm_free(&d));
    }
}

// Neighbourhood collectives: on a periodic ring (at 1 and 2 ranks both neighbours are the same
// rank, so blocks must land by direction), a non-periodic 2-D grid (PROC_NULL edges leave their
// blocks alone), a graph and a distributed graph. Each neighbour sends tok(sender, slot) for the
// slot it uses for this rank; the receiver checks each block came from the right neighbour and
// direction.
struct Hood {
    MPI_Comm comm;
    std::vector<int> in, out;  // the neighbours in the standard's order
    std::string name;
};

std::vector<Hood> hoods() {
    std::vector<Hood> v;
    int p = csize(MPI_COMM_WORLD), me = crank(MPI_COMM_WORLD);
    MPI_Comm ring, grid, graph, dist;
    int dims1[1] = {p}, per1[1] = {1};
    MPI_Cart_create(MPI_COMM_WORLD, 1, dims1, per1, 0, &ring);
    v.push_back({ring, {(me - 1 + p) % p, (me + 1) % p}, {(me - 1 + p) % p, (me + 1) % p}, "periodic ring"});
    int dims2[2] = {0, 0}, per2[2] = {0, 1};
    MPI_Dims_create(p, 2, dims2);
    MPI_Cart_create(MPI_COMM_WORLD, 2, dims2, per2, 0, &grid);
    {
        int x = me / dims2[1], y = me % dims2[1];
        auto at = [&](int a, int b) { return a * dims2[1] + b; };
        std::vector<int> n = {x > 0 ? at(x - 1, y) : MPI_PROC_NULL, x + 1 < dims2[0] ? at(x + 1, y) : MPI_PROC_NULL,
                              at(x, (y - 1 + dims2[1]) % dims2[1]), at(x, (y + 1) % dims2[1])};
        v.push_back({grid, n, n, "2-D grid"});
    }
    // Graph: each node linked to the next and the one after (a doubled ring: repeated edges at
    // small sizes).
    std::vector<int> index, edges;
    for (int r = 0; r < p; ++r) {
        // undirected: r's neighbours are r+1, r-1 (listed in that order)
        edges.push_back((r + 1) % p);
        edges.push_back((r - 1 + p) % p);
        index.push_back(static_cast<int>(edges.size()));
    }
    MPI_Graph_create(MPI_COMM_WORLD, p, index.data(), edges.data(), 0, &graph);
    v.push_back({graph, {(me + 1) % p, (me - 1 + p) % p}, {(me + 1) % p, (me - 1 + p) % p}, "graph"});
    // Dist graph: receive from r-1 and r-2, send to r+1 and r+2 (in that order).
    int srcs[2] = {(me - 1 + p) % p, (me - 2 + 2 * p) % p}, dsts[2] = {(me + 1) % p, (me + 2) % p};
    MPI_Dist_graph_create_adjacent(MPI_COMM_WORLD, 2, srcs, MPI_UNWEIGHTED, 2, dsts, MPI_UNWEIGHTED,
                                   MPI_INFO_NULL, 0, &dist);
    v.push_back({dist, {srcs[0], srcs[1]}, {dsts[0], dsts[1]}, "dist graph"});
    return v;
}

// The slot of `from`'s out-list that corresponds to `me`'s in-slot i (the standard's pairing:
// Cartesian: my -1 neighbour sent me its +1 block; otherwise the k-th occurrence of me in its
// out-list for the k-th occurrence of it in my in-list).
int sender_slot(const Hood& h, const std::vector<int>& sender_out, int i, bool cart) {
    if (cart) return i ^ 1;
    int k = 0;
    for (int j = 0; j < i; ++j) k += h.in[static_cast<size_t>(j)] == h.in[static_cast<size_t>(i)];
    int me = crank(h.comm);
    for (size_t j = 0; j < sender_out.size(); ++j)
        if (sender_out[j] == me && k-- == 0) return static_cast<int>(j);
    return -1;
}

TEST(CollNeighbor, AllgatherAndAlltoallInEveryForm) {
    int p = csize(MPI_COMM_WORLD);
    for (Hood& h : hoods()) {
        int me = crank(h.comm);
        bool cart = h.name.find("ring") != std::string::npos || h.name.find("grid") != std::string::npos;
        // Out-lists of the neighbours, for the pairing: recompute from the same rules.
        auto out_of = [&](int r) {
            if (h.name == "dist graph") return std::vector<int>{(r + 1) % p, (r + 2) % p};
            return std::vector<int>{(r + 1) % p, (r - 1 + p) % p};  // graph
        };
        for (int n : {1, 3, 3000})
            for (Form f : forms) {
                size_t ni = h.in.size(), no = h.out.size();
                std::vector<int> sb(no * static_cast<size_t>(n)), rb(ni * static_cast<size_t>(n));
                auto fill = [&] {
                    for (size_t j = 0; j < no; ++j)
                        for (int i = 0; i < n; ++i) sb[j * static_cast<size_t>(n) + static_cast<size_t>(i)] = tok(me, static_cast<int>(j), i);
                    std::fill(rb.begin(), rb.end(), -5);
                };
                fill();
                ASSERT_EQ(MPI_SUCCESS, in_form(f, [&] { return MPI_Neighbor_alltoall(sb.data(), n, MPI_INT, rb.data(), n, MPI_INT, h.comm); },
                    [&](MPI_Request* q, bool pers) {
                        return pers ? MPI_Neighbor_alltoall_init(sb.data(), n, MPI_INT, rb.data(), n, MPI_INT, h.comm, MPI_INFO_NULL, q)
                                    : MPI_Ineighbor_alltoall(sb.data(), n, MPI_INT, rb.data(), n, MPI_INT, h.comm, q);
                    }, fill));
                for (size_t i = 0; i < ni; ++i) {
                    int from = h.in[i];
                    for (int k = 0; k < n; ++k) {
                        int got = rb[i * static_cast<size_t>(n) + static_cast<size_t>(k)];
                        if (from == MPI_PROC_NULL) {
                            ASSERT_EQ(-5, got) << h.name << ": a PROC_NULL block was written";
                            continue;
                        }
                        int slot = sender_slot(h, cart ? h.out : out_of(from), static_cast<int>(i), cart);
                        ASSERT_EQ(tok(from, slot, k), got) << "neighbor_alltoall on " << h.name << " slot " << i
                                                           << " n=" << n << " " << form_name(f);
                    }
                }
                // Allgather: every out-neighbour gets the same block.
                auto fill2 = [&] {
                    for (int i = 0; i < n; ++i) sb[static_cast<size_t>(i)] = tok(me, 0, i);
                    std::fill(rb.begin(), rb.end(), -5);
                };
                fill2();
                ASSERT_EQ(MPI_SUCCESS, in_form(f, [&] { return MPI_Neighbor_allgather(sb.data(), n, MPI_INT, rb.data(), n, MPI_INT, h.comm); },
                    [&](MPI_Request* q, bool pers) {
                        return pers ? MPI_Neighbor_allgather_init(sb.data(), n, MPI_INT, rb.data(), n, MPI_INT, h.comm, MPI_INFO_NULL, q)
                                    : MPI_Ineighbor_allgather(sb.data(), n, MPI_INT, rb.data(), n, MPI_INT, h.comm, q);
                    }, fill2));
                for (size_t i = 0; i < ni; ++i)
                    for (int k = 0; k < n; ++k) {
                        int got = rb[i * static_cast<size_t>(n) + static_cast<size_t>(k)];
                        ASSERT_EQ(h.in[i] == MPI_PROC_NULL ? -5 : tok(h.in[i], 0, k), got)
                            << "neighbor_allgather on " << h.name << " " << form_name(f);
                    }
            }
        // The v and w variants once, blocking: block i of n_i = i + 1 ints at a gap.
        size_t ni = h.in.size(), no = h.out.size();
        std::vector<int> sc(no), sd(no), rc(ni), rd(ni);
        std::vector<MPI_Aint> sdb(no), rdb(ni);
        std::vector<MPI_Datatype> st(no, MPI_INT), rt(ni, MPI_INT);
        int spos = 0, rpos = 0;
        for (size_t j = 0; j < no; ++j) { sc[j] = 4; sd[j] = spos; sdb[j] = spos * 4; spos += 5; }
        for (size_t i = 0; i < ni; ++i) { rc[i] = 4; rd[i] = rpos; rdb[i] = rpos * 4; rpos += 6; }
        std::vector<int> sb(static_cast<size_t>(spos)), rb(static_cast<size_t>(rpos), -5);
        for (size_t j = 0; j < no; ++j)
            for (int k = 0; k < 4; ++k) sb[static_cast<size_t>(sd[j] + k)] = tok(me, static_cast<int>(j), k);
        ASSERT_EQ(MPI_SUCCESS, MPI_Neighbor_alltoallv(sb.data(), sc.data(), sd.data(), MPI_INT, rb.data(), rc.data(), rd.data(), MPI_INT, h.comm));
        std::vector<int> rb2(static_cast<size_t>(rpos), -5);
        ASSERT_EQ(MPI_SUCCESS, MPI_Neighbor_alltoallw(sb.data(), sc.data(), sdb.data(), st.data(), rb2.data(), rc.data(), rdb.data(), rt.data(), h.comm));
        EXPECT_EQ(rb, rb2) << h.name;
        std::vector<int> rb3(static_cast<size_t>(rpos), -5);
        ASSERT_EQ(MPI_SUCCESS, MPI_Neighbor_allgatherv(sb.data(), 4, MPI_INT, rb3.data(), rc.data(), rd.data(), MPI_INT, h.comm));
        for (size_t i = 0; i < ni; ++i) {
            if (h.in[i] == MPI_PROC_NULL) continue;
            int slot = sender_slot(h, cart ? h.out : out_of(h.in[i]), static_cast<int>(i), cart);
            for (int k = 0; k < 4; ++k) {
                ASSERT_EQ(tok(h.in[i], slot, k), rb[static_cast<size_t>(rd[i] + k)]) << "alltoallv on " << h.name;
                ASSERT_EQ(tok(h.in[i], 0, k), rb3[static_cast<size_t>(rd[i] + k)]) << "allgatherv on " << h.name;
            }
        }
        MPI_Comm_free(&h.comm);
    }
}

TEST(CollNeighbor, NoTopologyIsAnError) {
    ReturnErrors errors;
    int a = 0, b = 0;
    EXPECT_EQ(MPI_ERR_TOPOLOGY, error_class(MPI_Neighbor_allgather(&a, 1, MPI_INT, &b, 1, MPI_INT, MPI_COMM_WORLD)));
}

class CollErrors : public ::testing::Test {
    ReturnErrors errors_;
};

TEST_F(CollErrors, BadArgumentsAreMpiErrors) {
    int p = csize(MPI_COMM_WORLD), me = crank(MPI_COMM_WORLD);
    int a[4] = {1, 2, 3, 4}, b[4];
    EXPECT_EQ(MPI_ERR_ROOT, error_class(MPI_Bcast(a, 1, MPI_INT, p, MPI_COMM_WORLD)));
    EXPECT_EQ(MPI_ERR_ROOT, error_class(MPI_Reduce(a, b, 1, MPI_INT, MPI_SUM, -1, MPI_COMM_WORLD)));
    EXPECT_EQ(MPI_ERR_ARG, error_class(MPI_Bcast(MPI_IN_PLACE, 1, MPI_INT, 0, MPI_COMM_WORLD)));
    EXPECT_EQ(MPI_ERR_OP, error_class(MPI_Allreduce(a, b, 1, MPI_FLOAT, MPI_BAND, MPI_COMM_WORLD)));
    EXPECT_EQ(MPI_ERR_OP, error_class(MPI_Allreduce(a, b, 1, MPI_INT, MPI_REPLACE, MPI_COMM_WORLD)));
    EXPECT_EQ(MPI_ERR_OP, error_class(MPI_Allreduce(a, b, 1, MPI_INT, MPI_OP_NULL, MPI_COMM_WORLD)));
    EXPECT_EQ(MPI_ERR_COUNT, error_class(MPI_Allreduce(a, b, -1, MPI_INT, MPI_SUM, MPI_COMM_WORLD)));
    EXPECT_EQ(MPI_ERR_TYPE, error_class(MPI_Allreduce(a, b, 1, MPI_DATATYPE_NULL, MPI_SUM, MPI_COMM_WORLD)));
    EXPECT_EQ(MPI_ERR_BUFFER, error_class(MPI_Allreduce(a, a, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD)));
    EXPECT_EQ(MPI_ERR_ARG, error_class(MPI_Allreduce(a, MPI_IN_PLACE, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD)));
    EXPECT_EQ(MPI_ERR_COMM, error_class(MPI_Barrier(MPI_COMM_NULL)));
    EXPECT_EQ(MPI_ERR_ARG, error_class(MPI_Ibarrier(MPI_COMM_WORLD, nullptr)));
    // MPI_IN_PLACE as a non-root's send buffer (only the non-roots call: they fail before
    // sending anything, so no rank waits).
    if (me != 0) {
        EXPECT_EQ(MPI_ERR_ARG, error_class(MPI_Gather(MPI_IN_PLACE, 1, MPI_INT, b, 1, MPI_INT, 0, MPI_COMM_WORLD)));
    }
    // Errors are detected before anything is sent: the job goes on.
    ASSERT_EQ(MPI_SUCCESS, MPI_Barrier(MPI_COMM_WORLD));
}

TEST_F(CollErrors, MismatchedCountsAreReportedNotHung) {
    int p = csize(MPI_COMM_WORLD), me = crank(MPI_COMM_WORLD);
    if (p < 2) GTEST_SKIP() << "needs two ranks";
    // The root broadcasts 8 ints, the others expect 4, then the other way round: the ranks
    // that receive from a rank that disagrees with them get MPI_ERR_TRUNCATE (whichever they
    // are depends on the algorithm); nobody hangs and nobody reports anything else.
    for (int root_count : {8, 2}) {
        std::vector<int> buf(8, me);
        int rc = MPI_Bcast(buf.data(), me == 0 ? root_count : 4, MPI_INT, 0, MPI_COMM_WORLD);
        int cls = error_class(rc);
        EXPECT_TRUE(cls == MPI_SUCCESS || cls == MPI_ERR_TRUNCATE) << efampi::test::error_text(rc);
        int mine = cls == MPI_ERR_TRUNCATE, any = 0;
        ASSERT_EQ(MPI_SUCCESS, MPI_Allreduce(&mine, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD));
        EXPECT_EQ(1, any) << "root count " << root_count;
    }
    ASSERT_EQ(MPI_SUCCESS, MPI_Barrier(MPI_COMM_WORLD));
}

}  // namespace
