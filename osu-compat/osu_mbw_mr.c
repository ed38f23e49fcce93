/* osu_mbw_mr: aggregate bandwidth and message rate of several pairs at once, OSU method and
 * output. Needs an even number of ranks: rank r < n/2 sends to rank r + n/2.
 *
 * Per size: a barrier, then warm-up + timed iterations of one window per pair, all pairs at
 * once: each sender posts W MPI_Isend (-W, default 64) and waits for them, then receives a
 * 1-byte ack; each receiver posts W MPI_Irecv, waits for them and sends the ack. Each sender
 * times its own timed iterations; the slowest sender's time T gives the figures, so that every
 * counted byte has arrived within T:
 *   MB/s       = pairs x size x W x iterations / T / 1e6
 *   Messages/s = pairs x W x iterations / T
 *
 * By default every message of a window uses the same buffer (the OSU method) and the clock
 * spans the whole timed loop. With -c each message of the window has its own buffer and pattern
 * (the slot names the sender and the window index), and each window is timed on its own so
 * that filling and checking stay outside the clock. */
#include <stdlib.h>

#include "osu_util.h"

#define TAG_DATA 1
#define TAG_ACK 2

static const struct osu_benchmark bench = {
    .program = "osu_mbw_mr",
    .title = "Multiple Bandwidth / Message Rate Test",
    .options = OSU_OPT_VALIDATE | OSU_OPT_TYPE | OSU_OPT_WINDOW,
    .ranks = OSU_RANKS_EVEN,
    .has_size_column = 1,
    .min_size = 1,
    .max_size = 1L << 22,
    .large_size = 8192,
    .iterations = 100,
    .warmup = 10,
    .iterations_large = 20,
    .warmup_large = 2,
    .window = 64,
};

/* Requests and statuses of one window, allocated once. */
struct window {
    MPI_Request *reqs;
    MPI_Status *statuses;
    char **slots; /* message w uses slots[w] */
};

/* One size. Rank 0's row is the result; every rank returns the same `valid`. */
static struct osu_row measure(const struct osu_options *o, long size, const struct window *win) {
    const int pairs = o->nranks / 2;
    const int sender = o->rank < pairs;
    const int peer = sender ? o->rank + pairs : o->rank - pairs;
    const int count = osu_count(o, size);
    const int iters = osu_iterations(o, size);
    const int warmup = osu_warmup(o, size);
    const int W = o->window;
    struct osu_row row = {{0}, 2, 0, 0, 0, 1};
    double t_start = 0, t0 = 0, total = 0, slowest;
    char ack = 0;
    long wrong = 0;
    int i, w;

    MPI_Barrier(MPI_COMM_WORLD);
    for (i = 0; i < warmup + iters; ++i) {
        if (sender) {
            if (o->validate)
                for (w = 0; w < W; ++w)
                    osu_fill(o, win->slots[w], count, osu_seed(size, i, o->rank * W + w));
            if (!o->validate && i == warmup) t_start = MPI_Wtime();
            if (o->validate) t0 = MPI_Wtime();
            for (w = 0; w < W; ++w)
                MPI_Isend(win->slots[w], count, o->type, peer, TAG_DATA, MPI_COMM_WORLD,
                          &win->reqs[w]);
            MPI_Waitall(W, win->reqs, win->statuses);
            MPI_Recv(&ack, 1, MPI_CHAR, peer, TAG_ACK, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            if (o->validate && i >= warmup) total += MPI_Wtime() - t0;
        } else {
            for (w = 0; w < W; ++w)
                MPI_Irecv(win->slots[w], count, o->type, peer, TAG_DATA, MPI_COMM_WORLD,
                          &win->reqs[w]);
            MPI_Waitall(W, win->reqs, win->statuses);
            MPI_Send(&ack, 1, MPI_CHAR, peer, TAG_ACK, MPI_COMM_WORLD);
            if (o->validate)
                for (w = 0; w < W; ++w)
                    wrong += osu_check(o, win->slots[w], count, osu_seed(size, i, peer * W + w),
                                       &win->statuses[w]);
        }
    }
    if (sender && !o->validate) total = MPI_Wtime() - t_start;

    /* Receivers report 0, so the maximum is the slowest sender's time. */
    slowest = osu_reduce_to_root(o, sender ? total : 0.0, OSU_MAX);
    if (slowest > 0) {
        double messages = (double)pairs * W * iters;
        row.value[0] = messages * (double)size / slowest / 1e6;
        row.value[1] = messages / slowest;
    }
    if (o->validate) row.valid = osu_validation_passed(o, size, wrong);
    return row;
}

int main(int argc, char **argv) {
    static const char *const columns[] = {"MB/s", "Messages/s"};
    struct osu_options o;
    struct window win;
    size_t slot_bytes;
    char *buf;
    long size;
    int failed = 0, w;

    osu_init(&argc, &argv, &bench, &o);
    win.reqs = malloc(sizeof *win.reqs * (size_t)o.window);
    win.statuses = malloc(sizeof *win.statuses * (size_t)o.window);
    win.slots = malloc(sizeof *win.slots * (size_t)o.window);
    if (!win.reqs || !win.statuses || !win.slots) {
        fprintf(stderr, "osu_mbw_mr: rank %d: out of memory\n", o.rank);
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    /* With -c, W slots on 64-byte boundaries (W x max size per rank); else one. */
    slot_bytes = ((size_t)o.max_size + 63) / 64 * 64;
    buf = osu_alloc(&o, o.validate ? (size_t)o.window * slot_bytes : slot_bytes);
    for (w = 0; w < o.window; ++w) win.slots[w] = o.validate ? buf + (size_t)w * slot_bytes : buf;

    osu_print_title(&o);
    osu_print_header(&o, 2, columns);
    for (size = osu_first_size(&o); size <= o.max_size; size = osu_next_size(&o, size)) {
        struct osu_row row = measure(&o, size, &win);
        osu_print_row(&o, size, &row);
        failed |= !row.valid;
    }

    free(buf);
    free(win.reqs);
    free(win.statuses);
    free(win.slots);
    osu_finalize_exit(failed ? 1 : 0);
    return 0;
}
