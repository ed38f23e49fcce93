/* osu_ialltoall: MPI_Ialltoall and how much of it overlaps computation, OSU method and output,
 * any number of ranks from 2.
 *
 * Per size: first the pure time of MPI_Ialltoall + MPI_Wait, then MPI_Ialltoall + a dummy
 * compute as long as that (with MPI_Test calls) + MPI_Wait; an untimed MPI_Barrier before each
 * iteration (osu_coll.h). Prints overall, compute, pure communication and overlap %. -l and -c
 * as osu_alltoall. */
#include <stdlib.h>

#include "osu_coll.h"

static const struct osu_benchmark bench = {
    .program = "osu_ialltoall",
    .title = "Non-blocking All-to-All Personalized Exchange Latency Test",
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
    void *s_buf, *r_buf; /* n blocks of the maximum size each */
    int count;
};

static void setup(void *ctx, long size) {
    struct state *s = ctx;
    s->count = osu_count(s->o, size);
}

static void fill(void *ctx, long size, long i) {
    struct state *s = ctx;
    const struct osu_options *o = s->o;
    void *out = o->in_place ? s->r_buf : s->s_buf;
    int p;
    for (p = 0; p < o->nranks; ++p)
        osu_fill(o, osu_block(o, out, s->count, p), s->count,
                 osu_seed(size, i, o->rank * o->nranks + p));
}

static void start(void *ctx, MPI_Request *req) {
    struct state *s = ctx;
    const struct osu_options *o = s->o;
    MPI_Ialltoall(o->in_place ? MPI_IN_PLACE : s->s_buf, s->count, o->type, s->r_buf, s->count,
                  o->type, MPI_COMM_WORLD, req);
}

static long check(void *ctx, long size, long i) {
    struct state *s = ctx;
    const struct osu_options *o = s->o;
    long wrong = 0;
    int r;
    for (r = 0; r < o->nranks; ++r)
        wrong += osu_check(o, osu_block(o, s->r_buf, s->count, r), s->count,
                           osu_seed(size, i, r * o->nranks + o->rank), NULL);
    return wrong;
}

int main(int argc, char **argv) {
    static const struct osu_coll_ops ops = {setup, fill, NULL, NULL, start, check};
    struct osu_options o;
    struct state s;
    int failed;

    osu_init(&argc, &argv, &bench, &o);
    s.o = &o;
    s.s_buf = osu_alloc(&o, (size_t)o.max_size * (size_t)o.nranks);
    s.r_buf = osu_alloc(&o, (size_t)o.max_size * (size_t)o.nranks);
    failed = osu_run_collective(&o, &ops, &s);
    free(s.s_buf);
    free(s.r_buf);
    osu_finalize_exit(failed);
    return 0;
}
