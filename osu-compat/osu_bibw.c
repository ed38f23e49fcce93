/* osu_bibw: bidirectional bandwidth between exactly 2 ranks, OSU method and output.
 *
 * Per size: a barrier, then warm-up + timed iterations of one window in each direction at once:
 * each rank posts WINDOW MPI_Irecv from its peer, then WINDOW MPI_Isend to it, and waits for
 * all 2 x WINDOW requests. Receiving the peer's whole window is what paces the next one, so
 * there is no ack. MB/s = size x 2 x WINDOW x iterations / time / 1e6, as measured on rank 0.
 *
 * By default every message of a window uses one send buffer and one receive buffer (the OSU
 * method) and the clock spans the whole timed loop. With -c each message has its own buffers
 * and pattern (the slot names the sender and the window index), and each window is timed on its
 * own so that filling and checking stay outside the clock. */
#include <stdlib.h>

#include "osu_util.h"

#define WINDOW 64
#define TAG_DATA 1

static const struct osu_benchmark bench = {
    .program = "osu_bibw",
    .title = "Bi-Directional Bandwidth Test",
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

/* One size; message w of a window is sent from s_slots[w] and received into r_slots[w]. Rank
 * 0's row is the result; every rank returns the same `valid`. */
static struct osu_row measure(const struct osu_options *o, long size, char *const *s_slots,
                              char *const *r_slots) {
    const int peer = 1 - o->rank;
    const int count = osu_count(o, size);
    const int iters = osu_iterations(o, size);
    const int warmup = osu_warmup(o, size);
    struct osu_row row = {{0}, 1, 0, 0, 0, 1};
    MPI_Request reqs[2 * WINDOW];
    MPI_Status statuses[2 * WINDOW];
    double t_start = 0, t0 = 0, total = 0;
    long wrong = 0;
    int i, w;

    MPI_Barrier(MPI_COMM_WORLD);
    for (i = 0; i < warmup + iters; ++i) {
        if (o->validate)
            for (w = 0; w < WINDOW; ++w)
                osu_fill(o, s_slots[w], count, osu_seed(size, i, o->rank * WINDOW + w));
        if (!o->validate && i == warmup) t_start = MPI_Wtime();
        if (o->validate) t0 = MPI_Wtime();
        for (w = 0; w < WINDOW; ++w)
            MPI_Irecv(r_slots[w], count, o->type, peer, TAG_DATA, MPI_COMM_WORLD, &reqs[w]);
        for (w = 0; w < WINDOW; ++w)
            MPI_Isend(s_slots[w], count, o->type, peer, TAG_DATA, MPI_COMM_WORLD,
                      &reqs[WINDOW + w]);
        MPI_Waitall(2 * WINDOW, reqs, statuses);
        if (o->validate && i >= warmup) total += MPI_Wtime() - t0;
        if (o->validate)
            for (w = 0; w < WINDOW; ++w)
                wrong += osu_check(o, r_slots[w], count, osu_seed(size, i, peer * WINDOW + w),
                                   &statuses[w]);
    }
    if (!o->validate) total = MPI_Wtime() - t_start;

    if (total > 0) row.value[0] = (double)size / 1e6 * 2 * WINDOW * iters / total;
    if (o->validate) row.valid = osu_validation_passed(o, size, wrong);
    return row;
}

int main(int argc, char **argv) {
    static const char *const columns[] = {"Bandwidth (MB/s)"};
    struct osu_options o;
    char *s_slots[WINDOW], *r_slots[WINDOW];
    size_t slot_bytes, slots;
    char *s_buf, *r_buf;
    long size;
    int failed = 0, w;

    osu_init(&argc, &argv, &bench, &o);
    /* With -c, WINDOW send and WINDOW receive slots on 64-byte boundaries; else one of each. */
    slot_bytes = ((size_t)o.max_size + 63) / 64 * 64;
    slots = o.validate ? WINDOW : 1;
    s_buf = osu_alloc(&o, slots * slot_bytes);
    r_buf = osu_alloc(&o, slots * slot_bytes);
    for (w = 0; w < WINDOW; ++w) {
        s_slots[w] = s_buf + (size_t)w % slots * slot_bytes;
        r_slots[w] = r_buf + (size_t)w % slots * slot_bytes;
    }

    osu_print_title(&o);
    osu_print_header(&o, 1, columns);
    for (size = osu_first_size(&o); size <= o.max_size; size = osu_next_size(&o, size)) {
        struct osu_row row = measure(&o, size, s_slots, r_slots);
        osu_print_row(&o, size, &row);
        failed |= !row.valid;
    }

    free(s_buf);
    free(r_buf);
    osu_finalize_exit(failed ? 1 : 0);
    return 0;
}
