/* osu_allreduce: latency of MPI_Allreduce (MPI_SUM on the chosen datatype), OSU method and
 * output, any number of ranks from 2.
 *
 * Per size (the bytes of the vector each rank contributes and receives), warm-up + timed
 * iterations of one MPI_Allreduce each, an untimed MPI_Barrier before each; the row is the
 * average over ranks of each rank's average (osu_coll.h). -l: MPI_IN_PLACE (the input is in
 * the receive buffer). -c: each rank's input is a_j + rank x b_j (osu_fill_sum_term) and every
 * rank checks every element of the sum. */
#include <stdlib.h>

#include "osu_coll.h"

static const struct osu_benchmark bench = {
    .program = "osu_allreduce",
    .title = "Allreduce Latency Test",
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

static void call(void *ctx) {
    struct state *s = ctx;
    MPI_Allreduce(s->o->in_place ? MPI_IN_PLACE : s->s_buf, s->r_buf, s->count, s->o->type,
                  MPI_SUM, MPI_COMM_WORLD);
}

static long check(void *ctx, long size, long i) {
    struct state *s = ctx;
    return osu_check_sum(s->o, s->r_buf, s->count, 0, size, i);
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
    failed = osu_run_collective(&o, &ops, &s);
    free(s.s_buf);
    free(s.r_buf);
    osu_finalize_exit(failed);
    return 0;
}
