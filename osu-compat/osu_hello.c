/* osu_hello: the smallest MPI program, OSU style: MPI_Init, rank 0 prints the job size,
 * MPI_Finalize. Proves that a job starts and ends. Takes only -h and -v. */
#include "osu_util.h"

static const struct osu_benchmark bench = {
    .program = "osu_hello",
    .title = "Hello World Test",
    .ranks = OSU_RANKS_ANY,
};

int main(int argc, char **argv) {
    struct osu_options o;

    osu_init(&argc, &argv, &bench, &o);
    if (o.rank == 0) {
        printf("# %s %s\n", OSU_SUITE, bench.title);
        printf("This is a test with %d processes running\n", o.nranks);
        fflush(stdout);
    }
    osu_finalize_exit(0);
    return 0;
}
