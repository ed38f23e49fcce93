/* osu_latency: point-to-point latency between exactly 2 ranks, OSU method and output.
 *
 * Per size: a barrier, then warm-up + timed iterations of a ping-pong of blocking MPI_Send /
 * MPI_Recv (rank 0 sends first). Latency = time of the timed iterations / (2 x iterations), in
 * microseconds, as measured on rank 0.
 *
 * By default the clock spans the whole timed loop (the OSU method). With -c or -f each round
 * trip is timed on its own so that filling and checking buffers (-c) stay outside the clock and
 * per-iteration min/max (-f, half a round trip each) can be reported. */
#include <stdlib.h>

#include "osu_util.h"

#define TAG_PING 1

static const struct osu_benchmark bench = {
    .program = "osu_latency",
    .title = "Latency Test",
    .options = OSU_OPT_VALIDATE | OSU_OPT_FULL | OSU_OPT_TYPE,
    .ranks = OSU_RANKS_PAIR,
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
    const int peer = 1 - o->rank;
    const int count = osu_count(o, size);
    const int iters = osu_iterations(o, size);
    const int warmup = osu_warmup(o, size);
    const int each = o->validate || o->full;
    struct osu_row row = {{0}, 1, 0, 0, 0, 1};
    double t_start = 0, total = 0, t0 = 0;
    long wrong = 0;
    int i;

    row.min = 1e300;
    MPI_Barrier(MPI_COMM_WORLD);
    for (i = 0; i < warmup + iters; ++i) {
        MPI_Status status;
        if (o->validate) osu_fill(o, s_buf, count, osu_seed(size, i, o->rank));
        if (!each && i == warmup) t_start = MPI_Wtime();
        if (each) t0 = MPI_Wtime();
        if (o->rank == 0) {
            MPI_Send(s_buf, count, o->type, peer, TAG_PING, MPI_COMM_WORLD);
            MPI_Recv(r_buf, count, o->type, peer, TAG_PING, MPI_COMM_WORLD, &status);
        } else {
            MPI_Recv(r_buf, count, o->type, peer, TAG_PING, MPI_COMM_WORLD, &status);
            MPI_Send(s_buf, count, o->type, peer, TAG_PING, MPI_COMM_WORLD);
        }
        if (each && i >= warmup) {
            double half = (MPI_Wtime() - t0) / 2 * 1e6;
            total += 2 * half;
            if (half < row.min) row.min = half;
            if (half > row.max) row.max = half;
        }
        if (o->validate) wrong += osu_check(o, r_buf, count, osu_seed(size, i, peer), &status);
    }
    if (!each) total = (MPI_Wtime() - t_start) * 1e6;

    row.value[0] = total / (2.0 * iters);
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
