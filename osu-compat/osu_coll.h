/* osu_coll.h: what the collective benchmarks share: one driver that times a collective by the
 * OSU method (blocking, or non-blocking with overlap), the figures over ranks, and the data
 * patterns of reductions. Link osu_coll.c and osu_util.c.
 *
 * A collective benchmark is a `struct osu_benchmark`, a `struct osu_coll_ops` naming the steps
 * of one iteration on its own state (buffers, counts), and a main() that allocates the buffers
 * and calls osu_run_collective().
 *
 * Method, per size (see README.md):
 * - blocking: warm-up + timed iterations of [-c: fill] MPI_Barrier [-c: before] t0 call t1
 *   [-c: check]; the barrier is not timed. Each rank averages its own timed iterations; the row
 *   is the average over ranks (-f: the lowest and highest rank average, and the iterations).
 * - non-blocking: first the pure communication time, as above with start + MPI_Wait timed;
 *   then the same iterations with start, a dummy compute of busy floating-point work lasting
 *   this rank's pure time, with 8 MPI_Test calls spread over it (their time is the library's:
 *   not counted as compute), MPI_Wait, all timed. Columns: overall, compute, pure
 *   communication (each averaged over iterations, then over ranks) and
 *   overlap % = max(0, 100 x (1 - (overall - compute) / pure)). -f: the lowest and highest rank
 *   average of the overall time, and the iterations.
 * Filling and checking (-c) stay outside the clock; iteration i of each phase has its own data.
 */
#pragma once

#include "osu_util.h"

/* The steps of one iteration on this rank; `ctx` is the benchmark's state. Every step may be
 * NULL when there is nothing to do, except `call` (blocking) or `start` (non-blocking): the
 * one that is set says which kind the benchmark is. `i` numbers the iterations of one size,
 * warm-up included, uniquely across the phases of a non-blocking benchmark. */
struct osu_coll_ops {
    /* Once per size, before the first iteration: counts, displacements. */
    void (*setup)(void *ctx, long size);
    /* -c only, untimed, before the iteration's barrier: this rank's input of iteration i. */
    void (*fill)(void *ctx, long size, long i);
    /* -c only, untimed, after the barrier, just before the timed call. */
    void (*before)(void *ctx, long size, long i);
    /* Blocking: the timed call. */
    void (*call)(void *ctx);
    /* Non-blocking: the timed start; the driver completes *req. */
    void (*start)(void *ctx, MPI_Request *req);
    /* -c only, untimed, after the call completed: wrong elements in this rank's output. */
    long (*check)(void *ctx, long size, long i);
};

/* Columns of the two kinds (before the -f and -c ones). */
#define OSU_COLL_COLUMNS 1
#define OSU_NBC_COLUMNS 4

/* The whole benchmark: title, header, then one row per size (one row without sizes), each
 * printed as it is measured. Returns 1 when some size failed validation (on every rank). */
int osu_run_collective(const struct osu_options *opts, const struct osu_coll_ops *ops,
                       void *ctx);

/* One size of a blocking or non-blocking benchmark; rank 0's row is the result, and every rank
 * returns the same `valid`. */
struct osu_row osu_measure_blocking(const struct osu_options *opts, long size,
                                    const struct osu_coll_ops *ops, void *ctx);
struct osu_row osu_measure_nonblocking(const struct osu_options *opts, long size,
                                       const struct osu_coll_ops *ops, void *ctx);

/* Block k of a buffer of blocks of `count` elements of the chosen datatype. */
void *osu_block(const struct osu_options *opts, void *buf, int count, int k);

/* ---- reductions (MPI_SUM) ----
 * Element j of rank r's input in iteration i of a size is a_j + r x b_j, with a_j >= 0, b_j >= 1
 * drawn from the size and the iteration (not the rank) and bounded so that the sum over n ranks,
 * n x a_j + b_j x n(n-1)/2, is exact: below 2^24 for MPI_FLOAT (integers, so every partial sum
 * is exact in any order), 2^30 for MPI_INT, 127 for MPI_CHAR up to 15 ranks (beyond, the
 * char sums wrap, and so does the expected value, as C's char arithmetic does). Every rank's
 * input differs (b_j >= 1), so a missing, doubled or misplaced contribution is seen. */

/* Writes elements first .. first + count - 1 of this rank's input into buf. */
void osu_fill_sum_term(const struct osu_options *opts, void *buf, int count, long first,
                       long size, long i);
/* Wrong elements in buf against elements first .. first + count - 1 of the sum over ranks. */
long osu_check_sum(const struct osu_options *opts, const void *buf, int count, long first,
                   long size, long i);

/* ---- barriers ----
 * A barrier moves no data; -c checks its one promise instead: no rank leaves it before every
 * rank has entered it. In iteration i the late rank (i mod n) sleeps 1 ms after the untimed
 * barrier, then probes for a message that any other rank sends it only after leaving the timed
 * barrier; one that has already arrived proves an early exit (so a correct barrier never fails
 * this check). The sleep is inside the other ranks' clock: -c times are 1 ms higher. */
struct osu_barrier_check {
    const struct osu_options *o;
    int early; /* this rank (the late one) saw a message before it entered */
};
/* osu_coll_ops.before and .check of a barrier benchmark; ctx is a struct osu_barrier_check. */
void osu_barrier_before(void *ctx, long size, long i);
long osu_barrier_check(void *ctx, long size, long i);
