/* osu_allgatherv: latency of MPI_Allgatherv, OSU method and output, any number of ranks from 2.
 *
 * As osu_allgather, with equal counts and blocks placed one after the other (the OSU method:
 * the cost of the v-interface with the data of MPI_Allgather). -l: MPI_IN_PLACE. -c: rank r's
 * block carries the pattern of (size, iteration, r); every rank checks every block. */
#include <stdlib.h>

#include "osu_coll.h"

static const struct osu_benchmark bench = {
    .program = "osu_allgatherv",
    .title = "Allgatherv Latency Test",
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
    void *s_buf, *r_buf; /* r_buf: n blocks of the maximum size */
    int *counts, *displs;
    int count;
};

static void setup(void *ctx, long size) {
    struct state *s = ctx;
    int r;
    s->count = osu_count(s->o, size);
    for (r = 0; r < s->o->nranks; ++r) {
        s->counts[r] = s->count;
        s->displs[r] = r * s->count;
    }
}

static void fill(void *ctx, long size, long i) {
    struct state *s = ctx;
    const struct osu_options *o = s->o;
    void *mine = o->in_place ? osu_block(o, s->r_buf, s->count, o->rank) : s->s_buf;
    osu_fill(o, mine, s->count, osu_seed(size, i, o->rank));
}

static void call(void *ctx) {
    struct state *s = ctx;
    const struct osu_options *o = s->o;
    MPI_Allgatherv(o->in_place ? MPI_IN_PLACE : s->s_buf, s->count, o->type, s->r_buf,
                   s->counts, s->displs, o->type, MPI_COMM_WORLD);
}

static long check(void *ctx, long size, long i) {
    struct state *s = ctx;
    const struct osu_options *o = s->o;
    long wrong = 0;
    int r;
    for (r = 0; r < o->nranks; ++r)
        wrong += osu_check(o, osu_block(o, s->r_buf, s->count, r), s->count,
                           osu_seed(size, i, r), NULL);
    return wrong;
}

int main(int argc, char **argv) {
    static const struct osu_coll_ops ops = {setup, fill, NULL, call, NULL, check};
    struct osu_options o;
    struct state s;
    int failed;

    osu_init(&argc, &argv, &bench, &o);
    s.o = &o;
    s.s_buf = osu_alloc(&o, (size_t)o.max_size);
    s.r_buf = osu_alloc(&o, (size_t)o.max_size * (size_t)o.nranks);
    s.counts = osu_alloc(&o, sizeof(int) * (size_t)o.nranks);
    s.displs = osu_alloc(&o, sizeof(int) * (size_t)o.nranks);
    failed = osu_run_collective(&o, &ops, &s);
    free(s.s_buf);
    free(s.r_buf);
    free(s.counts);
    free(s.displs);
    osu_finalize_exit(failed);
    return 0;
}
