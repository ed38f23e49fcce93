/* osu_barrier: latency of MPI_Barrier, OSU method and output, any number of ranks from 2.
 *
 * Warm-up + timed iterations of one MPI_Barrier each, an untimed MPI_Barrier before each; the
 * row is the average over ranks of each rank's average (osu_coll.h). No size column, no
 * datatype, no -m, -T or -l. -c checks that no rank leaves the barrier before the last one
 * enters it (osu_barrier_check in osu_coll.h), which adds 1 ms to the times. */
#include "osu_coll.h"

static const struct osu_benchmark bench = {
    .program = "osu_barrier",
    .title = "Barrier Latency Test",
    .options = OSU_OPT_VALIDATE | OSU_OPT_FULL,
    .ranks = OSU_RANKS_MANY,
    .has_size_column = 0,
    .large_size = 8192,
    .iterations = 1000,
    .warmup = 100,
    .iterations_large = 100,
    .warmup_large = 10,
    .no_in_place = "MPI_Barrier moves no data",
};

static void call(void *ctx) {
    (void)ctx;
    MPI_Barrier(MPI_COMM_WORLD);
}

int main(int argc, char **argv) {
    static const struct osu_coll_ops ops = {NULL, NULL, osu_barrier_before, call, NULL,
                                            osu_barrier_check};
    struct osu_options o;
    struct osu_barrier_check b;

    osu_init(&argc, &argv, &bench, &o);
    b.o = &o;
    b.early = 0;
    osu_finalize_exit(osu_run_collective(&o, &ops, &b));
    return 0;
}
