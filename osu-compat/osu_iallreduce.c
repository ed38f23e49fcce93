/* osu_iallreduce: MPI_Iallreduce (MPI_SUM on the chosen datatype) and how much of it overlaps
 * computation, OSU method and output, any number of ranks from 2.
 *
 * Per size: first the pure time of MPI_Iallreduce + MPI_Wait, then MPI_Iallreduce + a dummy
 * compute as long as that (with MPI_Test calls) + MPI_Wait; an untimed MPI_Barrier before each
 * iteration (osu_coll.h). Prints overall, compute, pure communication and overlap %. -l and -c
 * as osu_allreduce. */
#include <stdlib.h>

#include "osu_coll.h"

static const struct osu_benchmark bench = {
    .program = "osu_iallreduce",
    .title = "Non-blocking Allreduce Latency Test",
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
    void *s_buf, *r_buf;
    int count;
};

static void setup(void *ctx, long size) {
    struct state *s = ctx;
    s->count = osu_count(s->o, size);
}

static void fill(void *ctx, long size, long i) {
    struct state *s = ctx;
    osu_fill_sum_term(s->o, s->o->in_place ? s->r_buf : s->s_buf, s->count, 0, size, i);
}

static void start(void *ctx, MPI_Request *req) {
    struct state *s = ctx;
    MPI_Iallreduce(s->o->in_place ? MPI_IN_PLACE : s->s_buf, s->r_buf, s->count, s->o->type,
                   MPI_SUM, MPI_COMM_WORLD, req);
}

static long check(void *ctx, long size, long i) {
    struct state *s = ctx;
    return osu_check_sum(s->o, s->r_buf, s->count, 0, size, i);
}

int main(int argc, char **argv) {
    static const struct osu_coll_ops ops = {setup, fill, NULL, NULL, start, check};
    struct osu_options o;
    struct state s;
    int failed;

    osu_init(&argc, &argv, &bench, &o);
    s.o = &o;
    s.s_buf = osu_alloc(&o, (size_t)o.max_size);
    s.r_buf = osu_alloc(&o, (size_t)o.max_size);
    failed = osu_run_collective(&o, &ops, &s);
    free(s.s_buf);
    free(s.r_buf);
    osu_finalize_exit(failed);
    return 0;
}
