/* osu_bcast: latency of MPI_Bcast from rank 0, OSU method and output, any number of ranks
 * from 2.
 *
 * Per size, warm-up + timed iterations of one MPI_Bcast each, an untimed MPI_Barrier before
 * each; the row is the average over ranks of each rank's average (osu_coll.h). No -l: a
 * broadcast has a single buffer. -c: the root writes the pattern of the size and iteration,
 * every other rank checks every element. */
#include <stdlib.h>

#include "osu_coll.h"

#define ROOT 0

static const struct osu_benchmark bench = {
    .program = "osu_bcast",
    .title = "Broadcast Latency Test",
    .options = OSU_OPT_VALIDATE | OSU_OPT_FULL | OSU_OPT_TYPE,
    .ranks = OSU_RANKS_MANY,
    .has_size_column = 1,
    .min_size = 1,
    .max_size = 1L << 20,
    .large_size = 8192,
    .iterations = 1000,
    .warmup = 100,
    .iterations_large = 100,
    .warmup_large = 10,
    .no_in_place = "MPI_Bcast has a single buffer, so no MPI_IN_PLACE form",
};

struct state {
    const struct osu_options *o;
    void *buf;
    int count;
};

static void setup(void *ctx, long size) {
    struct state *s = ctx;
    s->count = osu_count(s->o, size);
}

static void fill(void *ctx, long size, long i) {
    struct state *s = ctx;
    if (s->o->rank == ROOT) osu_fill(s->o, s->buf, s->count, osu_seed(size, i, ROOT));
}

static void call(void *ctx) {
    struct state *s = ctx;
    MPI_Bcast(s->buf, s->count, s->o->type, ROOT, MPI_COMM_WORLD);
}

static long check(void *ctx, long size, long i) {
    struct state *s = ctx;
    if (s->o->rank == ROOT) return 0;
    return osu_check(s->o, s->buf, s->count, osu_seed(size, i, ROOT), NULL);
}

int main(int argc, char **argv) {
    static const struct osu_coll_ops ops = {setup, fill, NULL, call, NULL, check};
    struct osu_options o;
    struct state s;
    int failed;

    osu_init(&argc, &argv, &bench, &o);
    s.o = &o;
    s.buf = osu_alloc(&o, (size_t)o.max_size);
    failed = osu_run_collective(&o, &ops, &s);
    free(s.buf);
    osu_finalize_exit(failed);
    return 0;
}
