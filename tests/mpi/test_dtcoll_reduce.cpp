// Reductions on derived datatypes with holes in every form (issue 4): predefined ops on a
// holed vector (run on its packed ints), user ops (commutative and not) on a struct with a
// hole and on the vector (called with the data in the type's layout and the user's handle),
// MPI_IN_PLACE, large counts (the algorithms' large-message paths, the user op's temporaries
// in chunks), MPI_Type_free while a nonblocking or persistent collective still uses the type,
// and an intercommunicator. Harness: dtcoll.hpp. Works at any size.
#include "tests/mpi/dtcoll.hpp"

namespace {

// --- reductions ---

// A struct with a hole (bytes 4..8) and an associative, non-commutative operation on it:
// affine maps t -> m t + b, composed lower rank first.
struct Affine {
    int m;
    int pad;
    double b;
};
MPI_Datatype g_affine_type = MPI_DATATYPE_NULL;  // what the op must be called with
bool g_bad_handle = false;

void affine_op(void* in, void* inout, int* len, MPI_Datatype* dt) {
    if (*dt != g_affine_type) g_bad_handle = true;
    auto* a = static_cast<Affine*>(in);
    auto* c = static_cast<Affine*>(inout);
    for (int i = 0; i < *len; ++i) {
        Affine r{a[i].m * c[i].m, 0, c[i].m * a[i].b + c[i].b};
        c[i].m = r.m;
        c[i].b = r.b;  // pad left alone: the op never writes the hole
    }
}
Affine affine_of(int seed, int q, int k) {
    return Affine{1 + (q + k) % 2, hole, static_cast<double>(seed + q * 3 + k)};
}
Affine compose(Affine x, Affine y) { return Affine{x.m * y.m, hole, y.m * x.b + y.b}; }

// A commutative user op on the holed vector: a sum written by hand over its layout.
void hv_sum(void* in, void* inout, int* len, MPI_Datatype*) {
    auto* a = static_cast<int*>(in);
    auto* c = static_cast<int*>(inout);
    for (int e = 0; e < *len; ++e) {
        c[e * 4] += a[e * 4];
        c[e * 4 + 3] += a[e * 4 + 3];
    }
}

// A commutative user op on the struct: sums both fields (the hole left alone).
void affine_sum(void* in, void* inout, int* len, MPI_Datatype*) {
    auto* a = static_cast<Affine*>(in);
    auto* c = static_cast<Affine*>(inout);
    for (int i = 0; i < *len; ++i) {
        c[i].m += a[i].m;
        c[i].b += a[i].b;
    }
}

// A non-commutative user op on the holed vector: its two ints as an affine map (m, b).
void hv_affine(void* in, void* inout, int* len, MPI_Datatype*) {
    auto* a = static_cast<int*>(in);
    auto* c = static_cast<int*>(inout);
    for (int e = 0; e < *len; ++e) {
        int m = a[e * 4] * c[e * 4], b = c[e * 4] * a[e * 4 + 3] + c[e * 4 + 3];
        c[e * 4] = m;
        c[e * 4 + 3] = b;
    }
}

MPI_Datatype make_affine_type() {
    int lens[2] = {1, 1};
    MPI_Aint offs[2] = {offsetof(Affine, m), offsetof(Affine, b)};
    MPI_Datatype types[2] = {MPI_INT, MPI_DOUBLE}, t, r;
    MPI_Type_create_struct(2, lens, offs, types, &t);
    MPI_Type_create_resized(t, 0, sizeof(Affine), &r);
    MPI_Type_free(&t);
    MPI_Type_commit(&r);
    return r;
}

// Which reduction a test runs.
enum class Red { allreduce, reduce, scan, exscan, rs_block, rs };
const char* red_name(Red r) {
    static const char* n[] = {"allreduce", "reduce", "scan", "exscan", "reduce_scatter_block",
                              "reduce_scatter"};
    return n[static_cast<int>(r)];
}

// Runs reduction `k` of `count` elements per rank's block (total `count * p` for the
// reduce-scatters, rank q getting count (block) or q % 3 + 1 (v)), and checks the result
// against `fold` of the inputs `in(seed, q, i)` in rank order.
template <class T>
void run_reduction(Red k, MPI_Datatype dt, MPI_Op op, bool inplace, int count, T filler,
                   const std::function<T(int, int, int)>& in, const std::function<T(T, T)>& fold,
                   const std::function<bool(const T&, const T&)>& same) {
    int p = np(), root = p / 2;
    std::vector<int> rcounts(static_cast<size_t>(p));
    for (int q = 0; q < p; ++q)
        rcounts[static_cast<size_t>(q)] = k == Red::rs ? q % 3 + 1 : count;
    int total = k == Red::rs_block || k == Red::rs ? std::accumulate(rcounts.begin(), rcounts.end(), 0)
                                                   : count;
    int before = 0;  // elements of the reduce-scatter ahead of this rank's
    for (int q = 0; q < me(); ++q) before += rcounts[static_cast<size_t>(q)];
    int mine = k == Red::rs_block || k == Red::rs ? rcounts[static_cast<size_t>(me())] : count;
    std::vector<T> s(static_cast<size_t>(total)), r(static_cast<size_t>(total));
    bool root_only = k == Red::reduce;
    bool ip = inplace && (!root_only || me() == root);
    const void* sp = ip ? MPI_IN_PLACE : s.data();
    Coll c;
    switch (k) {
    case Red::allreduce:
        c.call = [&] { return MPI_Allreduce(sp, r.data(), count, dt, op, MPI_COMM_WORLD); };
        c.icall = [&](MPI_Request* q) { return MPI_Iallreduce(sp, r.data(), count, dt, op, MPI_COMM_WORLD, q); };
        c.init = [&](MPI_Request* q) {
            return MPI_Allreduce_init(sp, r.data(), count, dt, op, MPI_COMM_WORLD, MPI_INFO_NULL, q);
        };
        break;
    case Red::reduce:
        c.call = [&] { return MPI_Reduce(sp, r.data(), count, dt, op, root, MPI_COMM_WORLD); };
        c.icall = [&](MPI_Request* q) { return MPI_Ireduce(sp, r.data(), count, dt, op, root, MPI_COMM_WORLD, q); };
        c.init = [&](MPI_Request* q) {
            return MPI_Reduce_init(sp, r.data(), count, dt, op, root, MPI_COMM_WORLD, MPI_INFO_NULL, q);
        };
        break;
    case Red::scan:
        c.call = [&] { return MPI_Scan(sp, r.data(), count, dt, op, MPI_COMM_WORLD); };
        c.icall = [&](MPI_Request* q) { return MPI_Iscan(sp, r.data(), count, dt, op, MPI_COMM_WORLD, q); };
        c.init = [&](MPI_Request* q) {
            return MPI_Scan_init(sp, r.data(), count, dt, op, MPI_COMM_WORLD, MPI_INFO_NULL, q);
        };
        break;
    case Red::exscan:
        c.call = [&] { return MPI_Exscan(sp, r.data(), count, dt, op, MPI_COMM_WORLD); };
        c.icall = [&](MPI_Request* q) { return MPI_Iexscan(sp, r.data(), count, dt, op, MPI_COMM_WORLD, q); };
        c.init = [&](MPI_Request* q) {
            return MPI_Exscan_init(sp, r.data(), count, dt, op, MPI_COMM_WORLD, MPI_INFO_NULL, q);
        };
        break;
    case Red::rs_block:
        c.call = [&] { return MPI_Reduce_scatter_block(sp, r.data(), count, dt, op, MPI_COMM_WORLD); };
        c.icall = [&](MPI_Request* q) {
            return MPI_Ireduce_scatter_block(sp, r.data(), count, dt, op, MPI_COMM_WORLD, q);
        };
        c.init = [&](MPI_Request* q) {
            return MPI_Reduce_scatter_block_init(sp, r.data(), count, dt, op, MPI_COMM_WORLD, MPI_INFO_NULL, q);
        };
        break;
    case Red::rs:
        c.call = [&] { return MPI_Reduce_scatter(sp, r.data(), rcounts.data(), dt, op, MPI_COMM_WORLD); };
        c.icall = [&](MPI_Request* q) {
            return MPI_Ireduce_scatter(sp, r.data(), rcounts.data(), dt, op, MPI_COMM_WORLD, q);
        };
        c.init = [&](MPI_Request* q) {
            return MPI_Reduce_scatter_init(sp, r.data(), rcounts.data(), dt, op, MPI_COMM_WORLD, MPI_INFO_NULL, q);
        };
        break;
    }
    c.fill = [&](int seed) {
        s.assign(s.size(), filler);
        r.assign(r.size(), filler);
        auto& input = ip ? r : s;
        for (int i = 0; i < total; ++i) input[static_cast<size_t>(i)] = in(seed, me(), i);
    };
    c.check = [&](int seed) {
        bool scatter = k == Red::rs_block || k == Red::rs;
        int upto = k == Red::scan ? me() + 1 : k == Red::exscan ? me() : p;
        // Reduce: the non-roots' receive buffers are not looked at; Exscan: rank 0's is
        // undefined (left alone here). Neither is written.
        bool written = !(k == Red::reduce && me() != root) && !(k == Red::exscan && me() == 0);
        for (int i = 0; i < static_cast<int>(r.size()); ++i) {
            bool out = written && i < mine;
            if (!out && ip) continue;  // in place, past the result: the input, unspecified
            T e = filler;
            if (out) {
                int g = scatter ? before + i : i;  // element index in the whole vector
                e = in(seed, 0, g);
                for (int q = 1; q < upto; ++q) e = fold(e, in(seed, q, g));
            }
            ASSERT_TRUE(same(e, r[static_cast<size_t>(i)])) << red_name(k) << " element " << i;
        }
    };
    drive(c);
}

TEST_F(DtColl, UserOpOnStructWithHoles) {
    MPI_Datatype t = make_affine_type();
    g_affine_type = t;
    MPI_Op op;
    ASSERT_EQ(MPI_SUCCESS, MPI_Op_create(affine_op, 0, &op));  // not commutative
    std::function<Affine(int, int, int)> in = affine_of;
    std::function<Affine(Affine, Affine)> fold = compose;
    std::function<bool(const Affine&, const Affine&)> same = [](const Affine& a, const Affine& b) {
        return a.m == b.m && a.b == b.b && a.pad == b.pad;  // the hole untouched
    };
    for (Red k : {Red::allreduce, Red::reduce, Red::scan, Red::exscan, Red::rs_block, Red::rs})
        for (bool inplace : {false, true}) {
            SCOPED_TRACE(std::string(red_name(k)) + (inplace ? " in place" : ""));
            run_reduction<Affine>(k, t, op, inplace, 5, Affine{-5, hole, -5.5}, in, fold, same);
        }
    EXPECT_FALSE(g_bad_handle) << "the op was not called with the user's datatype";
    // A commutative one.
    MPI_Op sum;
    ASSERT_EQ(MPI_SUCCESS, MPI_Op_create(affine_sum, 1, &sum));
    std::function<Affine(Affine, Affine)> add = [](Affine x, Affine y) {
        return Affine{x.m + y.m, hole, x.b + y.b};
    };
    for (Red k : {Red::allreduce, Red::reduce, Red::scan, Red::rs})
        for (bool inplace : {false, true}) {
            SCOPED_TRACE(std::string("commutative ") + red_name(k) + (inplace ? " in place" : ""));
            run_reduction<Affine>(k, t, sum, inplace, 4, Affine{-5, hole, -5.5}, in, add, same);
        }
    MPI_Op_free(&sum);
    // A predefined op on a type of several base types is not defined.
    {
        ReturnErrors quiet;
        Affine a[1], b[1];
        EXPECT_EQ(MPI_ERR_OP, error_class(MPI_Allreduce(a, b, 1, t, MPI_SUM, MPI_COMM_WORLD)));
    }
    MPI_Op_free(&op);
    MPI_Type_free(&t);
}

// Two ints per element of g_hv, as they lie in memory (4 ints: data at 0 and 3).
struct Quad {
    int v[4];
};

TEST_F(DtColl, OpsOnVector) {
    MPI_Op user;
    ASSERT_EQ(MPI_SUCCESS, MPI_Op_create(hv_sum, 1, &user));
    std::function<Quad(int, int, int)> in = [](int seed, int q, int i) {
        return Quad{{seed + q * 7 + i, hole, hole, 3 * q - i}};
    };
    std::function<Quad(Quad, Quad)> fold = [](Quad a, Quad b) {
        return Quad{{a.v[0] + b.v[0], hole, hole, a.v[3] + b.v[3]}};
    };
    std::function<bool(const Quad&, const Quad&)> same = [](const Quad& a, const Quad& b) {
        return a.v[0] == b.v[0] && a.v[1] == b.v[1] && a.v[2] == b.v[2] && a.v[3] == b.v[3];
    };
    for (MPI_Op op : {MPI_SUM, user})
        for (Red k : {Red::allreduce, Red::reduce, Red::scan, Red::exscan, Red::rs_block, Red::rs})
            for (bool inplace : {false, true}) {
                SCOPED_TRACE(std::string(op == MPI_SUM ? "MPI_SUM " : "user sum ") + red_name(k) +
                             (inplace ? " in place" : ""));
                run_reduction<Quad>(k, g_hv, op, inplace, 3, Quad{{hole, hole, hole, hole}}, in, fold,
                                   same);
            }
    MPI_Op_free(&user);
    // A non-commutative user op on the vector (its two ints as an affine map).
    MPI_Op affine;
    ASSERT_EQ(MPI_SUCCESS, MPI_Op_create(hv_affine, 0, &affine));
    std::function<Quad(int, int, int)> maps = [](int seed, int q, int i) {
        return Quad{{1 + (q + i) % 2, hole, hole, seed + q * 3 + i}};
    };
    std::function<Quad(Quad, Quad)> then = [](Quad x, Quad y) {
        return Quad{{x.v[0] * y.v[0], hole, hole, y.v[0] * x.v[3] + y.v[3]}};
    };
    for (Red k : {Red::allreduce, Red::reduce, Red::scan, Red::exscan, Red::rs_block, Red::rs})
        for (bool inplace : {false, true}) {
            SCOPED_TRACE(std::string("non-commutative ") + red_name(k) + (inplace ? " in place" : ""));
            run_reduction<Quad>(k, g_hv, affine, inplace, 3, Quad{{hole, hole, hole, hole}}, maps,
                                then, same);
        }
    MPI_Op_free(&affine);
}

// Sizes past the eager limits and the algorithms' large-message switches (scatter + allgather
// broadcast, ring / Rabenseifner reductions), and a user op whose temporaries (1 MiB) take
// several chunks.
TEST_F(DtColl, LargeCounts) {
    int p = np(), root = p - 1;
    constexpr int N = 100000;  // elements of the holed vector: 800 KB of data, 1.6 MB spanned
    Buf b(me() == root, 2 * N);
    drive({[&] { return MPI_Bcast(b.p(), b.count(), b.t(), root, MPI_COMM_WORLD); },
           [&](MPI_Request* q) { return MPI_Ibcast(b.p(), b.count(), b.t(), root, MPI_COMM_WORLD, q); },
           [&](MPI_Request* q) {
               return MPI_Bcast_init(b.p(), b.count(), b.t(), root, MPI_COMM_WORLD, MPI_INFO_NULL, q);
           },
           [&](int seed) {
               b.clear();
               if (me() == root)
                   for (int i = 0; i < 2 * N; ++i) b.at(i) = val(seed, root, i);
           },
           [&](int seed) {
               bool ok = true;
               for (int i = 0; i < 2 * N && ok; ++i) ok = b.at(i) == val(seed, root, i);
               for (size_t j = 0; j < b.v.size() && ok && b.holed; ++j)
                   if (j % 4 == 1 || j % 4 == 2 || j + 1 == b.v.size()) ok = b.v[j] == hole;
               EXPECT_TRUE(ok);
           }});
    MPI_Op user;
    ASSERT_EQ(MPI_SUCCESS, MPI_Op_create(hv_sum, 1, &user));
    for (MPI_Op op : {MPI_SUM, user}) {
        SCOPED_TRACE(op == MPI_SUM ? "MPI_SUM" : "user sum");
        Buf s(true, 2 * N), r(true, 2 * N);
        drive({[&] { return MPI_Allreduce(s.p(), r.p(), N, g_hv, op, MPI_COMM_WORLD); },
               [&](MPI_Request* q) { return MPI_Iallreduce(s.p(), r.p(), N, g_hv, op, MPI_COMM_WORLD, q); },
               [&](MPI_Request* q) {
                   return MPI_Allreduce_init(s.p(), r.p(), N, g_hv, op, MPI_COMM_WORLD, MPI_INFO_NULL, q);
               },
               [&](int seed) {
                   r.clear();
                   for (int i = 0; i < 2 * N; ++i) s.at(i) = seed + me() + i % 1000;
               },
               [&](int seed) {
                   bool ok = true;
                   for (int i = 0; i < 2 * N && ok; ++i)
                       ok = r.at(i) == p * (seed + i % 1000) + p * (p - 1) / 2;
                   for (size_t j = 0; j < r.v.size() && ok; ++j)
                       if (j % 4 == 1 || j % 4 == 2 || j + 1 == r.v.size()) ok = r.v[j] == hole;
                   EXPECT_TRUE(ok);
               }});
    }
    MPI_Op_free(&user);
}

TEST_F(DtColl, TypeFreedWhilePending) {
    int p = np(), root = 0;
    // Ibcast with a type freed right after the call.
    MPI_Datatype t;
    MPI_Type_vector(3, 1, 2, MPI_INT, &t);
    MPI_Type_commit(&t);
    // 3 ints at a stride of 2: an extent of 5 ints.
    std::vector<int> b(10, hole), e(10, hole);
    for (int el = 0; el < 2; ++el)
        for (int i = 0; i < 3; ++i) e[static_cast<size_t>(el * 5 + i * 2)] = val(1, root, el * 3 + i);
    if (me() == root) b = e;
    MPI_Request q;
    ASSERT_EQ(MPI_SUCCESS, MPI_Ibcast(b.data(), 2, t, root, MPI_COMM_WORLD, &q));
    MPI_Type_free(&t);
    ASSERT_EQ(MPI_SUCCESS, MPI_Wait(&q, MPI_STATUS_IGNORE));
    EXPECT_EQ(e, b);
    // Iallreduce with a user op on a struct type freed (type and op) right after the call.
    MPI_Datatype at = make_affine_type();
    g_affine_type = at;
    MPI_Op op;
    MPI_Op_create(affine_op, 0, &op);
    std::vector<Affine> s(3), r(3);
    for (int i = 0; i < 3; ++i) {
        s[static_cast<size_t>(i)] = affine_of(2, me(), i);
        r[static_cast<size_t>(i)] = Affine{0, hole, 0};
    }
    ASSERT_EQ(MPI_SUCCESS, MPI_Iallreduce(s.data(), r.data(), 3, at, op, MPI_COMM_WORLD, &q));
    MPI_Type_free(&at);
    MPI_Op_free(&op);
    ASSERT_EQ(MPI_SUCCESS, MPI_Wait(&q, MPI_STATUS_IGNORE));
    for (int i = 0; i < 3; ++i) {
        Affine x = affine_of(2, 0, i);
        for (int k = 1; k < p; ++k) x = compose(x, affine_of(2, k, i));
        EXPECT_EQ(x.m, r[static_cast<size_t>(i)].m) << i;
        EXPECT_EQ(x.b, r[static_cast<size_t>(i)].b) << i;
        EXPECT_EQ(hole, r[static_cast<size_t>(i)].pad) << i;
    }
    EXPECT_FALSE(g_bad_handle);
    // A persistent allgather whose type is freed before its starts.
    MPI_Datatype pt;
    MPI_Type_dup(g_hv, &pt);
    Buf sb(true, 2), rb(false, 2 * p);
    ASSERT_EQ(MPI_SUCCESS, MPI_Allgather_init(sb.p(), 1, pt, rb.p(), 2, MPI_INT, MPI_COMM_WORLD,
                                              MPI_INFO_NULL, &q));
    MPI_Type_free(&pt);
    for (int seed = 1; seed <= 2; ++seed) {
        for (int i = 0; i < 2; ++i) sb.at(i) = val(seed, me(), i);
        ASSERT_EQ(MPI_SUCCESS, MPI_Start(&q));
        ASSERT_EQ(MPI_SUCCESS, MPI_Wait(&q, MPI_STATUS_IGNORE));
        for (int k = 0; k < p; ++k)
            for (int i = 0; i < 2; ++i) EXPECT_EQ(val(seed, k, i), rb.at(k * 2 + i)) << k << " " << i;
    }
    MPI_Request_free(&q);
}

TEST_F(DtColl, Intercommunicator) {
    int p = np();
    if (p < 2) GTEST_SKIP() << "needs two groups";
    int colour = me() % 2;
    MPI_Comm local, inter;
    MPI_Comm_split(MPI_COMM_WORLD, colour, me(), &local);
    ASSERT_EQ(MPI_SUCCESS, MPI_Intercomm_create(local, 0, MPI_COMM_WORLD, 1 - colour, 77, &inter));
    int lr, rsize;
    MPI_Comm_rank(local, &lr);
    MPI_Comm_remote_size(inter, &rsize);
    // Allgather: even ranks send holed, odd ranks receive holed.
    bool sh = colour == 0, rh = colour == 1;
    Buf s(sh, B), r(rh, B * rsize);
    drive({[&] { return MPI_Allgather(s.p(), s.count(), s.t(), r.p(), elems(rh, B), r.t(), inter); },
           [&](MPI_Request* q) { return MPI_Iallgather(s.p(), s.count(), s.t(), r.p(), elems(rh, B), r.t(), inter, q); },
           [&](MPI_Request* q) {
               return MPI_Allgather_init(s.p(), s.count(), s.t(), r.p(), elems(rh, B), r.t(), inter,
                                         MPI_INFO_NULL, q);
           },
           [&](int seed) {
               s.clear();
               r.clear();
               for (int i = 0; i < B; ++i) s.at(i) = val(seed, me(), i);
           },
           [&](int seed) {
               Buf e(rh, B * rsize);
               for (int q = 0; q < rsize; ++q)  // remote rank q is world rank 2 q + other colour
                   for (int i = 0; i < B; ++i) e.at(q * B + i) = val(seed, 2 * q + 1 - colour, i);
               EXPECT_EQ(e.v, r.v);
           }});
    // Bcast from the even group's rank 0 (holed there) to the odd group (plain).
    {
        constexpr int N = 4;
        int root = colour == 0 ? (lr == 0 ? MPI_ROOT : MPI_PROC_NULL) : 0;
        Buf b(colour == 0, N);
        drive({[&] { return MPI_Bcast(b.p(), b.count(), b.t(), root, inter); },
               [&](MPI_Request* q) { return MPI_Ibcast(b.p(), b.count(), b.t(), root, inter, q); },
               [&](MPI_Request* q) { return MPI_Bcast_init(b.p(), b.count(), b.t(), root, inter, MPI_INFO_NULL, q); },
               [&](int seed) {
                   b.clear();
                   if (root == MPI_ROOT)
                       for (int i = 0; i < N; ++i) b.at(i) = val(seed, 0, i);
               },
               [&](int seed) {
                   Buf e(b.holed, N);
                   if (root != MPI_PROC_NULL)
                       for (int i = 0; i < N; ++i) e.at(i) = val(seed, 0, i);
                   EXPECT_EQ(e.v, b.v);
               }});
    }
    // Gather at the even group's rank 0 (holed there) from the odd group (plain).
    {
        int root = colour == 0 ? (lr == 0 ? MPI_ROOT : MPI_PROC_NULL) : 0;
        Buf snd(false, B), rcv(true, B * rsize);
        drive({[&] { return MPI_Gather(snd.p(), B, MPI_INT, rcv.p(), elems(true, B), g_hv, root, inter); },
               [&](MPI_Request* q) {
                   return MPI_Igather(snd.p(), B, MPI_INT, rcv.p(), elems(true, B), g_hv, root, inter, q);
               },
               [&](MPI_Request* q) {
                   return MPI_Gather_init(snd.p(), B, MPI_INT, rcv.p(), elems(true, B), g_hv, root,
                                          inter, MPI_INFO_NULL, q);
               },
               [&](int seed) {
                   snd.clear();
                   rcv.clear();
                   for (int i = 0; i < B; ++i) snd.at(i) = val(seed, me(), i);
               },
               [&](int seed) {
                   Buf e(true, B * rsize);
                   if (root == MPI_ROOT)
                       for (int q = 0; q < rsize; ++q)
                           for (int i = 0; i < B; ++i) e.at(q * B + i) = val(seed, 2 * q + 1, i);
                   EXPECT_EQ(e.v, rcv.v);
               }});
    }
    // Alltoallv: 2 plain ints to each remote rank, received holed in reverse order with gaps.
    {
        VLayout RL(true, rsize, [](int) { return 2; });
        std::vector<int> sc(static_cast<size_t>(rsize), 2), sd(static_cast<size_t>(rsize));
        for (int q = 0; q < rsize; ++q) sd[static_cast<size_t>(q)] = 2 * q;
        std::vector<int> snd(static_cast<size_t>(2 * rsize));
        Buf rcv(true, RL.total_ints);
        drive({[&] {
                   return MPI_Alltoallv(snd.data(), sc.data(), sd.data(), MPI_INT, rcv.p(), RL.counts.data(),
                                        RL.displs.data(), g_hv, inter);
               },
               [&](MPI_Request* q) {
                   return MPI_Ialltoallv(snd.data(), sc.data(), sd.data(), MPI_INT, rcv.p(),
                                         RL.counts.data(), RL.displs.data(), g_hv, inter, q);
               },
               [&](MPI_Request* q) {
                   return MPI_Alltoallv_init(snd.data(), sc.data(), sd.data(), MPI_INT, rcv.p(),
                                             RL.counts.data(), RL.displs.data(), g_hv, inter,
                                             MPI_INFO_NULL, q);
               },
               [&](int seed) {
                   rcv.clear();
                   for (int q = 0; q < rsize; ++q)
                       for (int i = 0; i < 2; ++i) snd[static_cast<size_t>(2 * q + i)] = val(seed, me(), q * 100 + i);
               },
               [&](int seed) {
                   Buf e(true, RL.total_ints);
                   for (int q = 0; q < rsize; ++q)
                       for (int i = 0; i < 2; ++i)
                           e.at(RL.first_int(q) + i) = val(seed, 2 * q + 1 - colour, lr * 100 + i);
                   EXPECT_EQ(e.v, rcv.v);
               }});
    }
    // Reduce_scatter_block with MPI_SUM on the holed vector (equal group sizes: the standard
    // wants both groups' totals equal).
    if (p % 2 == 0) {
        int lsize;
        MPI_Comm_size(local, &lsize);
        Buf snd(true, 2 * lsize), rcv(true, 2);
        drive({[&] { return MPI_Reduce_scatter_block(snd.p(), rcv.p(), 1, g_hv, MPI_SUM, inter); },
               [&](MPI_Request* q) {
                   return MPI_Ireduce_scatter_block(snd.p(), rcv.p(), 1, g_hv, MPI_SUM, inter, q);
               },
               [&](MPI_Request* q) {
                   return MPI_Reduce_scatter_block_init(snd.p(), rcv.p(), 1, g_hv, MPI_SUM, inter,
                                                        MPI_INFO_NULL, q);
               },
               [&](int seed) {
                   rcv.clear();
                   for (int i = 0; i < 2 * lsize; ++i) snd.at(i) = val(seed, me(), i);
               },
               [&](int seed) {
                   Buf e(true, 2);
                   for (int i = 0; i < 2; ++i) {
                       int sum = 0;
                       for (int w = 1 - colour; w < p; w += 2) sum += val(seed, w, lr * 2 + i);
                       e.at(i) = sum;
                   }
                   EXPECT_EQ(e.v, rcv.v);
               }});
    }
    // Allreduce with the user op on the struct: each group gets the other group's fold.
    MPI_Datatype at = make_affine_type();
    g_affine_type = at;
    MPI_Op op;
    MPI_Op_create(affine_op, 0, &op);
    std::vector<Affine> sv(2), rv(2);
    drive({[&] { return MPI_Allreduce(sv.data(), rv.data(), 2, at, op, inter); },
           [&](MPI_Request* q) { return MPI_Iallreduce(sv.data(), rv.data(), 2, at, op, inter, q); },
           [&](MPI_Request* q) { return MPI_Allreduce_init(sv.data(), rv.data(), 2, at, op, inter, MPI_INFO_NULL, q); },
           [&](int seed) {
               for (int i = 0; i < 2; ++i) {
                   sv[static_cast<size_t>(i)] = affine_of(seed, me(), i);
                   rv[static_cast<size_t>(i)] = Affine{0, hole, 0};
               }
           },
           [&](int seed) {
               for (int i = 0; i < 2; ++i) {
                   int first = 1 - colour;  // the remote group's world ranks, in their order
                   Affine x = affine_of(seed, first, i);
                   for (int w = first + 2; w < p; w += 2) x = compose(x, affine_of(seed, w, i));
                   EXPECT_EQ(x.m, rv[static_cast<size_t>(i)].m) << i;
                   EXPECT_EQ(x.b, rv[static_cast<size_t>(i)].b) << i;
                   EXPECT_EQ(hole, rv[static_cast<size_t>(i)].pad) << i;
               }
           }});
    MPI_Op_free(&op);
    MPI_Type_free(&at);
    MPI_Comm_free(&inter);
    MPI_Comm_free(&local);
}

}  // namespace
