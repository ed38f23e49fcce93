/* osu_ibarrier: MPI_Ibarrier and how much of it overlaps computation, OSU method and output,
 * any number of ranks from 2.
 *
 * First the pure time of MPI_Ibarrier + MPI_Wait, then MPI_Ibarrier + a dummy compute as long
 * as that (with MPI_Test calls) + MPI_Wait; an untimed MPI_Barrier before each iteration
 * (osu_coll.h). Prints overall, compute, pure communication and overlap %. No size column, no
 * datatype, no -m, -T or -l. -c checks that no rank completes the barrier before the last one
 * starts it (osu_barrier_check in osu_coll.h), which adds 1 ms to the times. */
#include "osu_coll.h"

static const struct osu_benchmark bench = {
    .program = "osu_ibarrier",
    .title = "Non-blocking Barrier Latency Test",
    .options = OSU_OPT_VALIDATE | OSU_OPT_FULL,
    .ranks = OSU_RANKS_MANY,
    .has_size_column = 0,
    .large_size = 8192,
    .iterations = 1000,
    .warmup = 100,
    .iterations_large = 100,
    .warmup_large = 10,
    .no_in_place = "MPI_Ibarrier moves no data",
};

static void start(void *ctx, MPI_Request *req) {
    (void)ctx;
    MPI_Ibarrier(MPI_COMM_WORLD, req);
}

int main(int argc, char **argv) {
    static const struct osu_coll_ops ops = {NULL, NULL, osu_barrier_before, NULL, start,
                                            osu_barrier_check};
    struct osu_options o;
    struct osu_barrier_check b;

    osu_init(&argc, &argv, &bench, &o);
    b.o = &o;
    b.early = 0;
    osu_finalize_exit(osu_run_collective(&o, &ops, &b));
    return 0;
}
