/* osu_reduce_scatter: latency of MPI_Reduce_scatter (MPI_SUM on the chosen datatype), OSU
 * method and output, any number of ranks from 2.
 *
 * Per size (the bytes of the whole vector each rank contributes; rank r receives block r of
 * the sum, count / n elements, one more for the first count mod n ranks, so small sizes leave
 * some ranks with none), warm-up + timed iterations of one MPI_Reduce_scatter each, an untimed
 * MPI_Barrier before each; the row is the average over ranks of each rank's average
 * (osu_coll.h). -l: MPI_IN_PLACE (the whole input is in the receive buffer, the block received
 * replaces its start). -c: each rank's input is a_j + rank x b_j (osu_fill_sum_term) and every
 * rank checks every element of its block of the sum. */
#include <stdlib.h>

#include "osu_coll.h"

static const struct osu_benchmark bench = {
    .program = "osu_reduce_scatter",
    .title = "Reduce_scatter Latency Test",
    .options = OSU_OPT_VALIDATE | OSU_OPT_FULL | OSU_OPT_TYPE | OSU_OPT_IN_PLACE,
    .ranks = OSU_RANKS_MANY,
    .has_size_column = 1,
    .min_size = 1,
    .max_size = 1L << 20,
    .large_size = 8192,
    .iterations = 1000,
    .warmup = 100,
    .iterations_large = 100,
    .warmup_large = 10,
};

struct state {
    const struct osu_options *o;
    void *s_buf, *r_buf; /* both of the maximum size (r_buf holds the whole input with -l) */
    int *counts;
    int count, first; /* the whole vector; where this rank's block starts in it */
};

static void setup(void *ctx, long size) {
    struct state *s = ctx;
    const int n = s->o->nranks;
    int r;
    s->count = osu_count(s->o, size);
    s->first = 0;
    for (r = 0; r < n; ++r) {
        s->counts[r] = s->count / n + (r < s->count % n);
        if (r < s->o->rank) s->first += s->counts[r];
    }
}

static void fill(void *ctx, long size, long i) {
    struct state *s = ctx;
    osu_fill_sum_term(s->o, s->o->in_place ? s->r_buf : s->s_buf, s->count, 0, size, i);
}

static void call(void *ctx) {
    struct state *s = ctx;
    MPI_Reduce_scatter(s->o->in_place ? MPI_IN_PLACE : s->s_buf, s->r_buf, s->counts,
                       s->o->type, MPI_SUM, MPI_COMM_WORLD);
}

static long check(void *ctx, long size, long i) {
    struct state *s = ctx;
    return osu_check_sum(s->o, s->r_buf, s->counts[s->o->rank], s->first, size, i);
}

int main(int argc, char **argv) {
    static const struct osu_coll_ops ops = {setup, fill, NULL, call, NULL, check};
    struct osu_options o;
    struct state s;
    int failed;

    osu_init(&argc, &argv, &bench, &o);
    s.o = &o;
    s.s_buf = osu_alloc(&o, (size_t)o.max_size);
    s.r_buf = osu_alloc(&o, (size_t)o.max_size);
    s.counts = osu_alloc(&o, sizeof(int) * (size_t)o.nranks);
    failed = osu_run_collective(&o, &ops, &s);
    free(s.s_buf);
    free(s.r_buf);
    free(s.counts);
    osu_finalize_exit(failed);
    return 0;
}
