/* osu_init: how long MPI_Init takes, OSU method and output.
 *
 * Every rank reads a monotonic clock just before and just after MPI_Init (MPI_Wtime is not
 * usable before MPI_Init). Rank 0 prints the minimum, maximum and average over the ranks, in
 * milliseconds: "nprocs: 2, min: 32 ms, max: 32 ms, avg: 32 ms". Takes only -h and -v. */
#define _POSIX_C_SOURCE 199309L

#include <time.h>

#include "osu_util.h"

static const struct osu_benchmark bench = {
    .program = "osu_init",
    .title = "Init Test",
    .ranks = OSU_RANKS_ANY,
};

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int main(int argc, char **argv) {
    struct osu_options o;
    double t0, ms, min, max, sum;

    t0 = now_ms();
    MPI_Init(&argc, &argv);
    ms = now_ms() - t0;
    osu_setup(argc, argv, &bench, &o);

    min = osu_reduce_to_root(&o, ms, OSU_MIN);
    max = osu_reduce_to_root(&o, ms, OSU_MAX);
    sum = osu_reduce_to_root(&o, ms, OSU_SUM);
    if (o.rank == 0) {
        printf("# %s %s\n", OSU_SUITE, bench.title);
        printf("nprocs: %d, min: %.0f ms, max: %.0f ms, avg: %.0f ms\n", o.nranks, min, max,
               sum / o.nranks);
        fflush(stdout);
    }
    osu_finalize_exit(0);
    return 0;
}
