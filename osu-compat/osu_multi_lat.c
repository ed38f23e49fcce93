/* osu_multi_lat: latency of several pairs ping-ponging at once, OSU method and output. Needs
 * an even number of ranks: rank r < n/2 pairs with rank r + n/2 and sends first.
 *
 * Per size: a barrier, then warm-up + timed iterations of a ping-pong of blocking MPI_Send /
 * MPI_Recv in every pair at once. Each pair's latency = time of its timed iterations /
 * (2 x iterations), in microseconds, measured by its first rank; the row is the average over
 * the pairs. With -f, Min and Max are the lowest and highest pair latency (not per iteration,
 * unlike osu_latency -f).
 *
 * By default the clock spans the whole timed loop. With -c each round trip is timed on its own
 * so that filling and checking the buffers stay outside the clock. */
#include <stdlib.h>

#include "osu_util.h"

#define TAG_PING 1

static const struct osu_benchmark bench = {
    .program = "osu_multi_lat",
    .title = "Multi Latency Test",
    .options = OSU_OPT_VALIDATE | OSU_OPT_FULL | OSU_OPT_TYPE,
    .ranks = OSU_RANKS_EVEN,
    .has_size_column = 1,
    .min_size = 1,
    .max_size = 1L << 22,
    .large_size = 8192,
    .iterations = 10000,
    .warmup = 100,
    .iterations_large = 1000,
    .warmup_large = 10,
};

/* One size. Rank 0's row is the result; every rank returns the same `valid`. */
static struct osu_row measure(const struct osu_options *o, long size, void *s_buf, void *r_buf) {
    const int pairs = o->nranks / 2;
    const int first = o->rank < pairs;
    const int peer = first ? o->rank + pairs : o->rank - pairs;
    const int count = osu_count(o, size);
    const int iters = osu_iterations(o, size);
    const int warmup = osu_warmup(o, size);
    struct osu_row row = {{0}, 1, 0, 0, 0, 1};
    double t_start = 0, t0 = 0, total = 0, latency, sum;
    long wrong = 0;
    int i;

    MPI_Barrier(MPI_COMM_WORLD);
    for (i = 0; i < warmup + iters; ++i) {
        MPI_Status status;
        if (o->validate) osu_fill(o, s_buf, count, osu_seed(size, i, o->rank));
        if (!o->validate && i == warmup) t_start = MPI_Wtime();
        if (o->validate) t0 = MPI_Wtime();
        if (first) {
            MPI_Send(s_buf, count, o->type, peer, TAG_PING, MPI_COMM_WORLD);
            MPI_Recv(r_buf, count, o->type, peer, TAG_PING, MPI_COMM_WORLD, &status);
        } else {
            MPI_Recv(r_buf, count, o->type, peer, TAG_PING, MPI_COMM_WORLD, &status);
            MPI_Send(s_buf, count, o->type, peer, TAG_PING, MPI_COMM_WORLD);
        }
        if (o->validate && i >= warmup) total += MPI_Wtime() - t0;
        if (o->validate) wrong += osu_check(o, r_buf, count, osu_seed(size, i, peer), &status);
    }
    if (!o->validate) total = MPI_Wtime() - t_start;
    latency = total * 1e6 / (2.0 * iters);

    /* Only first ranks measure a pair; second ranks send each reduction's neutral value. */
    sum = osu_reduce_to_root(o, first ? latency : 0.0, OSU_SUM);
    row.min = osu_reduce_to_root(o, first ? latency : 1e300, OSU_MIN);
    row.max = osu_reduce_to_root(o, first ? latency : 0.0, OSU_MAX);
    row.value[0] = sum / pairs;
    row.iterations = iters;
    if (o->validate) row.valid = osu_validation_passed(o, size, wrong);
    return row;
}

int main(int argc, char **argv) {
    static const char *const columns[] = {"Avg Latency(us)"};
    struct osu_options o;
    char *s_buf, *r_buf;
    long size;
    int failed = 0;

    osu_init(&argc, &argv, &bench, &o);
    s_buf = osu_alloc(&o, (size_t)o.max_size);
    r_buf = osu_alloc(&o, (size_t)o.max_size);

    osu_print_title(&o);
    osu_print_header(&o, 1, columns);
    for (size = osu_first_size(&o); size <= o.max_size; size = osu_next_size(&o, size)) {
        struct osu_row row = measure(&o, size, s_buf, r_buf);
        osu_print_row(&o, size, &row);
        failed |= !row.valid;
    }

    free(s_buf);
    free(r_buf);
    osu_finalize_exit(failed ? 1 : 0);
    return 0;
}
