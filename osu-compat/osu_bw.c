/* osu_bw: unidirectional bandwidth from rank 0 to rank 1 (exactly 2 ranks), OSU method and
 * output.
 *
 * Per size: a barrier, then warm-up + timed iterations of one window: rank 0 posts WINDOW
 * MPI_Isend and waits for all of them, rank 1 posts WINDOW MPI_Irecv, waits for all, and returns
 * a 1-byte ack. MB/s = size x WINDOW x iterations / time / 1e6, as measured on rank 0.
 *
 * By default every message of a window uses the same buffer (the OSU method) and the clock
 * spans the whole timed loop. With -c each message of the window has its own buffer with its
 * own pattern, and each window is timed on its own so that filling and checking stay outside
 * the clock. */
#include <stdlib.h>

#include "osu_util.h"

#define WINDOW 64
#define TAG_DATA 1
#define TAG_ACK 2

static const struct osu_benchmark bench = {
    .program = "osu_bw",
    .title = "Bandwidth Test",
    .options = OSU_OPT_VALIDATE | OSU_OPT_TYPE,
    .ranks = OSU_RANKS_PAIR,
    .has_size_column = 1,
    .min_size = 1,
    .max_size = 1L << 22,
    .large_size = 8192,
    .iterations = 100,
    .warmup = 10,
    .iterations_large = 20,
    .warmup_large = 2,
};

/* One size; message w of a window uses slots[w]. Rank 0's row is the result; every rank returns
 * the same `valid`. */
static struct osu_row measure(const struct osu_options *o, long size, char *const *slots) {
    const int count = osu_count(o, size);
    const int iters = osu_iterations(o, size);
    const int warmup = osu_warmup(o, size);
    struct osu_row row = {{0}, 1, 0, 0, 0, 1};
    MPI_Request reqs[WINDOW];
    MPI_Status statuses[WINDOW];
    double t_start = 0, t0 = 0, total = 0;
    char ack = 0;
    long wrong = 0;
    int i, w;

    MPI_Barrier(MPI_COMM_WORLD);
    for (i = 0; i < warmup + iters; ++i) {
        if (o->rank == 0) {
            if (o->validate)
                for (w = 0; w < WINDOW; ++w) osu_fill(o, slots[w], count, osu_seed(size, i, w));
            if (!o->validate && i == warmup) t_start = MPI_Wtime();
            if (o->validate) t0 = MPI_Wtime();
            for (w = 0; w < WINDOW; ++w)
                MPI_Isend(slots[w], count, o->type, 1, TAG_DATA, MPI_COMM_WORLD, &reqs[w]);
            /* statuses, not MPI_STATUSES_IGNORE: GCC's -Wstringop-overflow misreads MPICH's
             * (MPI_Status *)1 as a zero-size array. */
            MPI_Waitall(WINDOW, reqs, statuses);
            MPI_Recv(&ack, 1, MPI_CHAR, 1, TAG_ACK, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            if (o->validate && i >= warmup) total += MPI_Wtime() - t0;
        } else {
            for (w = 0; w < WINDOW; ++w)
                MPI_Irecv(slots[w], count, o->type, 0, TAG_DATA, MPI_COMM_WORLD, &reqs[w]);
            MPI_Waitall(WINDOW, reqs, statuses);
            MPI_Send(&ack, 1, MPI_CHAR, 0, TAG_ACK, MPI_COMM_WORLD);
            if (o->validate)
                for (w = 0; w < WINDOW; ++w)
                    wrong += osu_check(o, slots[w], count, osu_seed(size, i, w), &statuses[w]);
        }
    }
    if (o->rank == 0 && !o->validate) total = MPI_Wtime() - t_start;

    if (total > 0) row.value[0] = (double)size / 1e6 * WINDOW * iters / total;
    if (o->validate) row.valid = osu_validation_passed(o, size, wrong);
    return row;
}

int main(int argc, char **argv) {
    static const char *const columns[] = {"Bandwidth (MB/s)"};
    struct osu_options o;
    char *slots[WINDOW];
    size_t slot_bytes;
    char *buf;
    long size;
    int failed = 0, w;

    osu_init(&argc, &argv, &bench, &o);
    /* With -c, WINDOW slots on 64-byte boundaries (WINDOW x max size per rank); else one. */
    slot_bytes = ((size_t)o.max_size + 63) / 64 * 64;
    buf = osu_alloc(&o, o.validate ? WINDOW * slot_bytes : slot_bytes);
    for (w = 0; w < WINDOW; ++w) slots[w] = o.validate ? buf + (size_t)w * slot_bytes : buf;

    osu_print_title(&o);
    osu_print_header(&o, 1, columns);
    for (size = osu_first_size(&o); size <= o.max_size; size = osu_next_size(&o, size)) {
        struct osu_row row = measure(&o, size, slots);
        osu_print_row(&o, size, &row);
        failed |= !row.valid;
    }

    free(buf);
    osu_finalize_exit(failed ? 1 : 0);
    return 0;
}
