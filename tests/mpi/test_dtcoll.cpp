// Derived datatypes with holes in every collective that moves data (issue 4): blocking,
// nonblocking (waited for, and tested in a loop) and persistent (started twice, the inputs
// changed between the starts) forms; the holed type on the send side, the receive side and
// both, the other side plain MPI_INT with the same signature; the v/w forms with counts and
// displacements out of rank order and with gaps; MPI_IN_PLACE; a Cartesian neighbourhood.
// Every result is computed independently here, and every byte of the receive buffers outside
// the data (holes, gaps) must be untouched. Reductions: test_dtcoll_reduce.cpp. Works at any
// size.
#include "tests/mpi/dtcoll.hpp"

namespace {

TEST_F(DtColl, Bcast) {
    int p = np(), root = p - 1;
    for (Sides x : g_sides) {
        SCOPED_TRACE(sides_name(x));
        constexpr int N = 6;
        Buf b(me() == root ? x.s : x.r, N);
        drive({[&] { return MPI_Bcast(b.p(), b.count(), b.t(), root, MPI_COMM_WORLD); },
               [&](MPI_Request* q) { return MPI_Ibcast(b.p(), b.count(), b.t(), root, MPI_COMM_WORLD, q); },
               [&](MPI_Request* q) {
                   return MPI_Bcast_init(b.p(), b.count(), b.t(), root, MPI_COMM_WORLD, MPI_INFO_NULL, q);
               },
               [&](int seed) {
                   b.clear();
                   if (me() == root)
                       for (int i = 0; i < N; ++i) b.at(i) = val(seed, root, i);
               },
               [&](int seed) {
                   Buf e(b.holed, N);
                   for (int i = 0; i < N; ++i) e.at(i) = val(seed, root, i);
                   EXPECT_EQ(e.v, b.v);
               }});
    }
}

TEST_F(DtColl, GatherAndScatter) {
    int p = np(), root = p / 2;
    for (Sides x : g_sides) {
        for (bool inplace : {false, true}) {
            SCOPED_TRACE(sides_name(x) + (inplace ? " in place" : ""));
            Buf s(x.s, B), r(x.r, B * p);
            const void* sp = inplace && me() == root ? MPI_IN_PLACE : s.p();
            drive({[&] { return MPI_Gather(sp, s.count(), s.t(), r.p(), elems(x.r, B), r.t(), root, MPI_COMM_WORLD); },
                   [&](MPI_Request* q) {
                       return MPI_Igather(sp, s.count(), s.t(), r.p(), elems(x.r, B), r.t(), root, MPI_COMM_WORLD, q);
                   },
                   [&](MPI_Request* q) {
                       return MPI_Gather_init(sp, s.count(), s.t(), r.p(), elems(x.r, B), r.t(), root,
                                              MPI_COMM_WORLD, MPI_INFO_NULL, q);
                   },
                   [&](int seed) {
                       s.clear();
                       r.clear();
                       for (int i = 0; i < B; ++i) s.at(i) = val(seed, me(), i);
                       if (inplace && me() == root)
                           for (int i = 0; i < B; ++i) r.at(root * B + i) = val(seed, me(), i);
                   },
                   [&](int seed) {
                       Buf e(x.r, B * p);
                       if (me() == root)
                           for (int q = 0; q < p; ++q)
                               for (int i = 0; i < B; ++i) e.at(q * B + i) = val(seed, q, i);
                       EXPECT_EQ(e.v, r.v);
                   }});
            // Scatter: the same buffers the other way (in place: the root keeps its block).
            Buf& big = r;
            Buf& mine = s;
            void* rp = inplace && me() == root ? MPI_IN_PLACE : mine.p();
            drive({[&] { return MPI_Scatter(big.p(), elems(x.r, B), big.t(), rp, mine.count(), mine.t(), root, MPI_COMM_WORLD); },
                   [&](MPI_Request* q) {
                       return MPI_Iscatter(big.p(), elems(x.r, B), big.t(), rp, mine.count(), mine.t(), root,
                                           MPI_COMM_WORLD, q);
                   },
                   [&](MPI_Request* q) {
                       return MPI_Scatter_init(big.p(), elems(x.r, B), big.t(), rp, mine.count(), mine.t(), root,
                                               MPI_COMM_WORLD, MPI_INFO_NULL, q);
                   },
                   [&](int seed) {
                       big.clear();
                       mine.clear();
                       if (me() == root)
                           for (int i = 0; i < B * p; ++i) big.at(i) = val(seed, root, i);
                   },
                   [&](int seed) {
                       Buf e(x.s, B);
                       if (!(inplace && me() == root))
                           for (int i = 0; i < B; ++i) e.at(i) = val(seed, root, me() * B + i);
                       EXPECT_EQ(e.v, mine.v);
                   }});
        }
    }
}

TEST_F(DtColl, AllgatherAndAlltoall) {
    int p = np();
    for (Sides x : g_sides) {
        for (bool inplace : {false, true}) {
            SCOPED_TRACE(sides_name(x) + (inplace ? " in place" : ""));
            Buf s(x.s, B * p), r(x.r, B * p);
            const void* sp = inplace ? MPI_IN_PLACE : s.p();
            drive({[&] { return MPI_Allgather(sp, elems(x.s, B), s.t(), r.p(), elems(x.r, B), r.t(), MPI_COMM_WORLD); },
                   [&](MPI_Request* q) {
                       return MPI_Iallgather(sp, elems(x.s, B), s.t(), r.p(), elems(x.r, B), r.t(), MPI_COMM_WORLD, q);
                   },
                   [&](MPI_Request* q) {
                       return MPI_Allgather_init(sp, elems(x.s, B), s.t(), r.p(), elems(x.r, B), r.t(),
                                                 MPI_COMM_WORLD, MPI_INFO_NULL, q);
                   },
                   [&](int seed) {
                       s.clear();
                       r.clear();
                       for (int i = 0; i < B; ++i) s.at(i) = val(seed, me(), i);
                       if (inplace)
                           for (int i = 0; i < B; ++i) r.at(me() * B + i) = val(seed, me(), i);
                   },
                   [&](int seed) {
                       Buf e(x.r, B * p);
                       for (int q = 0; q < p; ++q)
                           for (int i = 0; i < B; ++i) e.at(q * B + i) = val(seed, q, i);
                       EXPECT_EQ(e.v, r.v);
                   }});
            // Alltoall: block j of rank q holds val(q, j * B + i).
            drive({[&] { return MPI_Alltoall(sp, elems(x.s, B), s.t(), r.p(), elems(x.r, B), r.t(), MPI_COMM_WORLD); },
                   [&](MPI_Request* q) {
                       return MPI_Ialltoall(sp, elems(x.s, B), s.t(), r.p(), elems(x.r, B), r.t(), MPI_COMM_WORLD, q);
                   },
                   [&](MPI_Request* q) {
                       return MPI_Alltoall_init(sp, elems(x.s, B), s.t(), r.p(), elems(x.r, B), r.t(),
                                                MPI_COMM_WORLD, MPI_INFO_NULL, q);
                   },
                   [&](int seed) {
                       s.clear();
                       r.clear();
                       Buf& in = inplace ? r : s;
                       for (int i = 0; i < B * p; ++i) in.at(i) = val(seed, me(), i);
                   },
                   [&](int seed) {
                       Buf e(x.r, B * p);
                       for (int q = 0; q < p; ++q)
                           for (int i = 0; i < B; ++i) e.at(q * B + i) = val(seed, q, me() * B + i);
                       EXPECT_EQ(e.v, r.v);
                   }});
        }
    }
}

TEST_F(DtColl, GathervScattervAllgatherv) {
    int p = np(), root = p - 1;
    for (Sides x : g_sides) {
        for (bool inplace : {false, true}) {
            SCOPED_TRACE(sides_name(x) + (inplace ? " in place" : ""));
            VLayout L(x.r, p, cnt);
            Buf s(x.s, cnt(me())), r(x.r, L.total_ints);
            auto own_block = [&](int seed) {
                for (int i = 0; i < cnt(me()); ++i) r.at(L.first_int(me()) + i) = val(seed, me(), i);
            };
            const void* gsp = inplace && me() == root ? MPI_IN_PLACE : s.p();
            drive({[&] {
                       return MPI_Gatherv(gsp, s.count(), s.t(), r.p(), L.counts.data(), L.displs.data(),
                                          r.t(), root, MPI_COMM_WORLD);
                   },
                   [&](MPI_Request* q) {
                       return MPI_Igatherv(gsp, s.count(), s.t(), r.p(), L.counts.data(), L.displs.data(),
                                           r.t(), root, MPI_COMM_WORLD, q);
                   },
                   [&](MPI_Request* q) {
                       return MPI_Gatherv_init(gsp, s.count(), s.t(), r.p(), L.counts.data(),
                                               L.displs.data(), r.t(), root, MPI_COMM_WORLD,
                                               MPI_INFO_NULL, q);
                   },
                   [&](int seed) {
                       s.clear();
                       r.clear();
                       for (int i = 0; i < cnt(me()); ++i) s.at(i) = val(seed, me(), i);
                       if (inplace && me() == root) own_block(seed);
                   },
                   [&](int seed) {
                       Buf e(x.r, L.total_ints);
                       if (me() == root)
                           for (int q = 0; q < p; ++q)
                               for (int i = 0; i < cnt(q); ++i) e.at(L.first_int(q) + i) = val(seed, q, i);
                       EXPECT_EQ(e.v, r.v);
                   }});
            const void* asp = inplace ? MPI_IN_PLACE : s.p();
            drive({[&] {
                       return MPI_Allgatherv(asp, s.count(), s.t(), r.p(), L.counts.data(), L.displs.data(),
                                             r.t(), MPI_COMM_WORLD);
                   },
                   [&](MPI_Request* q) {
                       return MPI_Iallgatherv(asp, s.count(), s.t(), r.p(), L.counts.data(),
                                              L.displs.data(), r.t(), MPI_COMM_WORLD, q);
                   },
                   [&](MPI_Request* q) {
                       return MPI_Allgatherv_init(asp, s.count(), s.t(), r.p(), L.counts.data(),
                                                  L.displs.data(), r.t(), MPI_COMM_WORLD,
                                                  MPI_INFO_NULL, q);
                   },
                   [&](int seed) {
                       s.clear();
                       r.clear();
                       for (int i = 0; i < cnt(me()); ++i) s.at(i) = val(seed, me(), i);
                       if (inplace) own_block(seed);
                   },
                   [&](int seed) {
                       Buf e(x.r, L.total_ints);
                       for (int q = 0; q < p; ++q)
                           for (int i = 0; i < cnt(q); ++i) e.at(L.first_int(q) + i) = val(seed, q, i);
                       EXPECT_EQ(e.v, r.v);
                   }});
            // Scatterv: the root's blocks (the layout of the gather) out to every rank.
            void* rsp = inplace && me() == root ? MPI_IN_PLACE : s.p();
            drive({[&] {
                       return MPI_Scatterv(r.p(), L.counts.data(), L.displs.data(), r.t(), rsp,
                                           s.count(), s.t(), root, MPI_COMM_WORLD);
                   },
                   [&](MPI_Request* q) {
                       return MPI_Iscatterv(r.p(), L.counts.data(), L.displs.data(), r.t(), rsp,
                                            s.count(), s.t(), root, MPI_COMM_WORLD, q);
                   },
                   [&](MPI_Request* q) {
                       return MPI_Scatterv_init(r.p(), L.counts.data(), L.displs.data(), r.t(), rsp,
                                                s.count(), s.t(), root, MPI_COMM_WORLD,
                                                MPI_INFO_NULL, q);
                   },
                   [&](int seed) {
                       s.clear();
                       r.clear();
                       if (me() == root)
                           for (int q = 0; q < p; ++q)
                               for (int i = 0; i < cnt(q); ++i) r.at(L.first_int(q) + i) = val(seed, q, i + 7);
                   },
                   [&](int seed) {
                       Buf e(x.s, cnt(me()));
                       if (!(inplace && me() == root))
                           for (int i = 0; i < cnt(me()); ++i) e.at(i) = val(seed, me(), i + 7);
                       EXPECT_EQ(e.v, s.v);
                   }});
        }
    }
}

// Alltoallv: rank q sends c(q, j) signature ints to rank j.
int cnt2(int q, int j) { return 2 * ((q + 2 * j) % 3 + 1); }

TEST_F(DtColl, AlltoallvAndAlltoallw) {
    int p = np();
    for (Sides x : g_sides) {
        for (bool inplace : {false, true}) {
            SCOPED_TRACE(sides_name(x) + (inplace ? " in place" : ""));
            // In place: the receive layout holds the input, so what goes to q and what comes
            // from q have the same size (symmetric counts).
            auto cc = [&](int a, int b) { return inplace ? 2 * ((a + b) % 3 + 1) : cnt2(a, b); };
            VLayout SL(x.s, p, [&](int j) { return cc(me(), j); });
            VLayout RL(x.r, p, [&](int q) { return cc(q, me()); });
            Buf s(x.s, SL.total_ints), r(x.r, RL.total_ints);
            const void* sp = inplace ? MPI_IN_PLACE : s.p();
            auto sent = [&](int seed, int q, int j, int i) { return val(seed, q, j * 100 + i); };
            drive({[&] {
                       return MPI_Alltoallv(sp, SL.counts.data(), SL.displs.data(), s.t(), r.p(),
                                            RL.counts.data(), RL.displs.data(), r.t(), MPI_COMM_WORLD);
                   },
                   [&](MPI_Request* q) {
                       return MPI_Ialltoallv(sp, SL.counts.data(), SL.displs.data(), s.t(), r.p(),
                                             RL.counts.data(), RL.displs.data(), r.t(),
                                             MPI_COMM_WORLD, q);
                   },
                   [&](MPI_Request* q) {
                       return MPI_Alltoallv_init(sp, SL.counts.data(), SL.displs.data(), s.t(), r.p(),
                                                 RL.counts.data(), RL.displs.data(), r.t(),
                                                 MPI_COMM_WORLD, MPI_INFO_NULL, q);
                   },
                   [&](int seed) {
                       s.clear();
                       r.clear();
                       for (int j = 0; j < p; ++j)
                           for (int i = 0; i < cc(me(), j); ++i) {
                               if (inplace) r.at(RL.first_int(j) + i) = sent(seed, me(), j, i);
                               else s.at(SL.first_int(j) + i) = sent(seed, me(), j, i);
                           }
                   },
                   [&](int seed) {
                       Buf e(x.r, RL.total_ints);
                       for (int q = 0; q < p; ++q)
                           for (int i = 0; i < cc(q, me()); ++i)
                               e.at(RL.first_int(q) + i) = sent(seed, q, me(), i);
                       EXPECT_EQ(e.v, r.v);
                   }});
        }
    }
    // Alltoallw: the type of each block alternates holed and plain (send: by destination,
    // receive: by source, shifted), byte displacements in reverse order with gaps.
    for (bool inplace : {false, true}) {
        SCOPED_TRACE(inplace ? "alltoallw in place" : "alltoallw");
        auto cc = [&](int a, int b) { return inplace ? 2 * ((a + b) % 3 + 1) : cnt2(a, b); };
        auto sholed = [&](int j) { return (j % 2) == 0; };
        auto rholed = [&](int q) { return inplace ? sholed(q) : (q % 2) == 1; };
        auto layout = [&](const std::function<bool(int)>& holed, const std::function<int(int)>& c,
                          std::vector<int>& counts, std::vector<int>& bytes,
                          std::vector<int>& first, std::vector<MPI_Datatype>& types) {
            counts.assign(static_cast<size_t>(p), 0);
            bytes.assign(static_cast<size_t>(p), 0);
            first.assign(static_cast<size_t>(p), 0);
            types.assign(static_cast<size_t>(p), MPI_INT);
            int at = 0;  // ints
            for (int q = p - 1; q >= 0; --q) {
                auto k = static_cast<size_t>(q);
                counts[k] = elems(holed(q), c(q));
                bytes[k] = at * static_cast<int>(sizeof(int));
                first[k] = at;
                types[k] = type_of(holed(q));
                at += span(holed(q), c(q)) + 3;
            }
            return at;
        };
        std::vector<int> sc, sd, sf, rc, rd, rf;
        std::vector<MPI_Datatype> st, rt;
        int sints = layout(sholed, [&](int j) { return cc(me(), j); }, sc, sd, sf, st);
        int rints = layout(rholed, [&](int q) { return cc(q, me()); }, rc, rd, rf, rt);
        std::vector<int> s(static_cast<size_t>(sints), hole), r(static_cast<size_t>(rints), hole);
        const void* sp = inplace ? MPI_IN_PLACE : s.data();
        auto sent = [&](int seed, int q, int j, int i) { return val(seed, q, j * 100 + i); };
        drive({[&] {
                   return MPI_Alltoallw(sp, sc.data(), sd.data(), st.data(), r.data(), rc.data(),
                                        rd.data(), rt.data(), MPI_COMM_WORLD);
               },
               [&](MPI_Request* q) {
                   return MPI_Ialltoallw(sp, sc.data(), sd.data(), st.data(), r.data(), rc.data(),
                                         rd.data(), rt.data(), MPI_COMM_WORLD, q);
               },
               [&](MPI_Request* q) {
                   return MPI_Alltoallw_init(sp, sc.data(), sd.data(), st.data(), r.data(),
                                             rc.data(), rd.data(), rt.data(), MPI_COMM_WORLD,
                                             MPI_INFO_NULL, q);
               },
               [&](int seed) {
                   s.assign(s.size(), hole);
                   r.assign(r.size(), hole);
                   for (int j = 0; j < p; ++j)
                       for (int i = 0; i < cc(me(), j); ++i) {
                           if (inplace)
                               r[static_cast<size_t>(rf[static_cast<size_t>(j)] + pos(rholed(j), i))] =
                                   sent(seed, me(), j, i);
                           else
                               s[static_cast<size_t>(sf[static_cast<size_t>(j)] + pos(sholed(j), i))] =
                                   sent(seed, me(), j, i);
                       }
               },
               [&](int seed) {
                   std::vector<int> e(r.size(), hole);
                   for (int q = 0; q < p; ++q)
                       for (int i = 0; i < cc(q, me()); ++i)
                           e[static_cast<size_t>(rf[static_cast<size_t>(q)] + pos(rholed(q), i))] =
                               sent(seed, q, me(), i);
                   EXPECT_EQ(e, r);
               }});
    }
}

TEST_F(DtColl, CartesianNeighbourhood) {
    int p = np();
    int dims[1] = {p}, periods[1] = {1};
    MPI_Comm cart;
    ASSERT_EQ(MPI_SUCCESS, MPI_Cart_create(MPI_COMM_WORLD, 1, dims, periods, 0, &cart));
    int left = (me() - 1 + p) % p, right = (me() + 1) % p;
    for (Sides x : g_sides) {
        SCOPED_TRACE(sides_name(x));
        // Alltoall: block 0 goes to the left neighbour, block 1 to the right; received block 0
        // comes from the left (its block 1), block 1 from the right (its block 0).
        Buf s(x.s, 2 * B), r(x.r, 2 * B);
        drive({[&] { return MPI_Neighbor_alltoall(s.p(), elems(x.s, B), s.t(), r.p(), elems(x.r, B), r.t(), cart); },
               [&](MPI_Request* q) {
                   return MPI_Ineighbor_alltoall(s.p(), elems(x.s, B), s.t(), r.p(), elems(x.r, B), r.t(), cart, q);
               },
               [&](MPI_Request* q) {
                   return MPI_Neighbor_alltoall_init(s.p(), elems(x.s, B), s.t(), r.p(), elems(x.r, B), r.t(),
                                                     cart, MPI_INFO_NULL, q);
               },
               [&](int seed) {
                   s.clear();
                   r.clear();
                   for (int i = 0; i < 2 * B; ++i) s.at(i) = val(seed, me(), i);
               },
               [&](int seed) {
                   Buf e(x.r, 2 * B);
                   for (int i = 0; i < B; ++i) {
                       e.at(i) = val(seed, left, B + i);
                       e.at(B + i) = val(seed, right, i);
                   }
                   EXPECT_EQ(e.v, r.v);
               }});
        // Alltoallw: c0 signature ints come from the left, c1 from the right, received in
        // swapped order with a gap of one element; each rank sends from the same buffer c1 ints
        // to the left (its right block) and c0 to the right.
        int c0 = 2, c1 = 4;
        int rc[2] = {elems(x.r, c0), elems(x.r, c1)};
        int rd[2] = {rc[1] + 1, 0};
        Buf s2(x.s, c1), r2(x.r, (rc[0] + rc[1] + 1) * (x.r ? 2 : 1));
        MPI_Aint sdw[2] = {0, 0}, rdw[2] = {static_cast<MPI_Aint>(rd[0]) * (x.r ? 16 : 4),
                                            static_cast<MPI_Aint>(rd[1]) * (x.r ? 16 : 4)};
        int scw[2] = {elems(x.s, c1), elems(x.s, c0)};
        MPI_Datatype stw[2] = {s2.t(), s2.t()}, rtw[2] = {r2.t(), r2.t()};
        drive({[&] { return MPI_Neighbor_alltoallw(s2.p(), scw, sdw, stw, r2.p(), rc, rdw, rtw, cart); },
               [&](MPI_Request* q) {
                   return MPI_Ineighbor_alltoallw(s2.p(), scw, sdw, stw, r2.p(), rc, rdw, rtw, cart, q);
               },
               [&](MPI_Request* q) {
                   return MPI_Neighbor_alltoallw_init(s2.p(), scw, sdw, stw, r2.p(), rc, rdw, rtw, cart,
                                                      MPI_INFO_NULL, q);
               },
               [&](int seed) {
                   s2.clear();
                   r2.clear();
                   for (int i = 0; i < c1; ++i) s2.at(i) = val(seed, me(), i);
               },
               [&](int seed) {
                   Buf e(x.r, r2.n);
                   int per = x.r ? 2 : 1;
                   for (int i = 0; i < c0; ++i) e.at(rd[0] * per + i) = val(seed, left, i);
                   for (int i = 0; i < c1; ++i) e.at(rd[1] * per + i) = val(seed, right, i);
                   EXPECT_EQ(e.v, r2.v);
               }});
        // Allgather of one block (the same to both neighbours).
        Buf s3(x.s, B), r3(x.r, 2 * B);
        drive({[&] { return MPI_Neighbor_allgather(s3.p(), s3.count(), s3.t(), r3.p(), elems(x.r, B), r3.t(), cart); },
               [&](MPI_Request* q) {
                   return MPI_Ineighbor_allgather(s3.p(), s3.count(), s3.t(), r3.p(), elems(x.r, B), r3.t(), cart, q);
               },
               [&](MPI_Request* q) {
                   return MPI_Neighbor_allgather_init(s3.p(), s3.count(), s3.t(), r3.p(), elems(x.r, B),
                                                      r3.t(), cart, MPI_INFO_NULL, q);
               },
               [&](int seed) {
                   s3.clear();
                   r3.clear();
                   for (int i = 0; i < B; ++i) s3.at(i) = val(seed, me(), i);
               },
               [&](int seed) {
                   Buf e(x.r, 2 * B);
                   for (int i = 0; i < B; ++i) {
                       e.at(i) = val(seed, left, i);
                       e.at(B + i) = val(seed, right, i);
                   }
                   EXPECT_EQ(e.v, r3.v);
               }});
    }
    MPI_Comm_free(&cart);
}

}  // namespace

