/* osu_scatter: latency of MPI_Scatter from rank 0, OSU method and output, any number of ranks
 * from 2.
 *
 * Per size (the bytes each rank receives; the root sends n times as much), warm-up + timed
 * iterations of one MPI_Scatter each, an untimed MPI_Barrier before each; the row is the
 * average over ranks of each rank's average (osu_coll.h). -l: MPI_IN_PLACE at the root (its
 * own block stays in the send buffer). -c: the block for rank r carries the pattern of (size,
 * iteration, r); every rank checks the block it received. */
#include <stdlib.h>

#include "osu_coll.h"

#define ROOT 0

static const struct osu_benchmark bench = {
    .program = "osu_scatter",
    .title = "Scatter Latency Test",
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
    void *s_buf, *r_buf; /* s_buf: n blocks of the maximum size, used at the root */
    int count;
    int in_place; /* -l and this rank is the root */
};

static void setup(void *ctx, long size) {
    struct state *s = ctx;
    s->count = osu_count(s->o, size);
}

static void fill(void *ctx, long size, long i) {
    struct state *s = ctx;
    const struct osu_options *o = s->o;
    int r;
    if (o->rank != ROOT) return;
    for (r = 0; r < o->nranks; ++r)
        osu_fill(o, osu_block(o, s->s_buf, s->count, r), s->count, osu_seed(size, i, r));
}

static void call(void *ctx) {
    struct state *s = ctx;
    const struct osu_options *o = s->o;
    MPI_Scatter(s->s_buf, s->count, o->type, s->in_place ? MPI_IN_PLACE : s->r_buf, s->count,
                o->type, ROOT, MPI_COMM_WORLD);
}

static long check(void *ctx, long size, long i) {
    struct state *s = ctx;
    const struct osu_options *o = s->o;
    /* In place, the root's block is where it wrote it: nothing was received. */
    if (s->in_place) return 0;
    return osu_check(o, s->r_buf, s->count, osu_seed(size, i, o->rank), NULL);
}

int main(int argc, char **argv) {
    static const struct osu_coll_ops ops = {setup, fill, NULL, call, NULL, check};
    struct osu_options o;
    struct state s;
    int failed;

    osu_init(&argc, &argv, &bench, &o);
    s.o = &o;
    s.in_place = o.in_place && o.rank == ROOT;
    s.s_buf = osu_alloc(&o, o.rank == ROOT ? (size_t)o.max_size * (size_t)o.nranks : 1);
    s.r_buf = osu_alloc(&o, (size_t)o.max_size);
    failed = osu_run_collective(&o, &ops, &s);
    free(s.s_buf);
    free(s.r_buf);
    osu_finalize_exit(failed);
    return 0;
}
