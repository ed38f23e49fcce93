/* osu_coll.c: the collective benchmarks' driver, figures over ranks and reduction patterns (see
 * osu_coll.h for the method and the contract). C99 and standard MPI only. */
#define _POSIX_C_SOURCE 199309L

#include "osu_coll.h"

#include <time.h>

/* MPI_Test calls spread evenly over a non-blocking benchmark's dummy compute: the progress a
 * single-threaded application that tests now and then gives the library. */
#define OSU_TEST_CALLS 8

/* The message a rank sends the late rank after leaving a barrier (-c); the control messages of
 * osu_util.c use 999, the benchmarks small tags. */
#define OSU_TAG_LEFT 998

/* ------------------------------------------------------------------ timing */

/* Per-rank sums over the timed iterations of one phase, in seconds. */
struct phase {
    double total;   /* call (+ compute) + completion */
    double compute; /* the dummy compute, overlap phase only */
    long wrong;     /* -c: wrong elements seen, warm-up included */
};

/* Keeps the compiler from dropping the dummy compute. */
static volatile double compute_sink;

/* Busy floating-point work for `us` microseconds, with OSU_TEST_CALLS calls of MPI_Test on
 * *req spread evenly over it until the request completes. Returns the time of the work alone,
 * in seconds: the time inside MPI_Test is the library's, so it counts as communication that
 * the work did not hide (it shows in overall - compute). */
static double dummy_compute(double us, MPI_Request *req) {
    const double start = MPI_Wtime();
    const double span = us * 1e-6, step = span / OSU_TEST_CALLS;
    double worked = 0, in_test = 0, next = step, x = 1.0;
    int done = 0, k;
    do {
        for (k = 0; k < 64; ++k) x = x * 0.999999 + 1e-6;
        worked = MPI_Wtime() - start - in_test;
        if (!done && worked >= next) {
            const double t0 = MPI_Wtime();
            MPI_Test(req, &done, MPI_STATUS_IGNORE);
            in_test += MPI_Wtime() - t0;
            next += step;
        }
    } while (worked < span);
    compute_sink = x;
    return worked;
}

/* Warm-up + timed iterations of one phase; iteration numbers start at `first`. compute_us < 0:
 * no compute (blocking, or the pure communication phase). */
static struct phase run_phase(const struct osu_options *o, long size,
                              const struct osu_coll_ops *ops, void *ctx, long first,
                              double compute_us) {
    const int iters = osu_iterations(o, size), warmup = osu_warmup(o, size);
    struct phase p = {0, 0, 0};
    int i;
    for (i = 0; i < warmup + iters; ++i) {
        MPI_Request req = MPI_REQUEST_NULL;
        double t0, t, c = 0;
        if (o->validate && ops->fill) ops->fill(ctx, size, first + i);
        MPI_Barrier(MPI_COMM_WORLD);
        if (o->validate && ops->before) ops->before(ctx, size, first + i);
        t0 = MPI_Wtime();
        if (ops->start) {
            ops->start(ctx, &req);
            if (compute_us >= 0) c = dummy_compute(compute_us, &req);
            MPI_Wait(&req, MPI_STATUS_IGNORE);
        } else {
            ops->call(ctx);
        }
        t = MPI_Wtime() - t0;
        if (i >= warmup) {
            p.total += t;
            p.compute += c;
        }
        if (o->validate && ops->check) p.wrong += ops->check(ctx, size, first + i);
    }
    return p;
}

/* The average over ranks of `local` on rank 0; with -f and a row, also the lowest and highest
 * into row->min and row->max. Every rank calls it alike. */
static double over_ranks(const struct osu_options *o, double local, struct osu_row *row) {
    double avg = osu_reduce_to_root(o, local, OSU_SUM) / o->nranks;
    if (o->full && row) {
        row->min = osu_reduce_to_root(o, local, OSU_MIN);
        row->max = osu_reduce_to_root(o, local, OSU_MAX);
    }
    return avg;
}

struct osu_row osu_measure_blocking(const struct osu_options *o, long size,
                                    const struct osu_coll_ops *ops, void *ctx) {
    const int iters = osu_iterations(o, size);
    struct osu_row row = {{0}, OSU_COLL_COLUMNS, 0, 0, 0, 1};
    struct phase p;
    if (ops->setup) ops->setup(ctx, size);
    p = run_phase(o, size, ops, ctx, 0, -1);
    row.value[0] = over_ranks(o, p.total * 1e6 / iters, &row);
    row.iterations = iters;
    if (o->validate) row.valid = osu_validation_passed(o, size, p.wrong);
    return row;
}

struct osu_row osu_measure_nonblocking(const struct osu_options *o, long size,
                                       const struct osu_coll_ops *ops, void *ctx) {
    const int iters = osu_iterations(o, size), warmup = osu_warmup(o, size);
    struct osu_row row = {{0}, OSU_NBC_COLUMNS, 0, 0, 0, 1};
    struct phase pure, overlap;
    double pure_us, overall, compute, comm;
    if (ops->setup) ops->setup(ctx, size);
    pure = run_phase(o, size, ops, ctx, 0, -1);
    pure_us = pure.total * 1e6 / iters;
    overlap = run_phase(o, size, ops, ctx, (long)warmup + iters, pure_us);

    overall = over_ranks(o, overlap.total * 1e6 / iters, &row);
    compute = over_ranks(o, overlap.compute * 1e6 / iters, NULL);
    comm = over_ranks(o, pure_us, NULL);
    row.value[0] = overall;
    row.value[1] = compute;
    row.value[2] = comm;
    row.value[3] = comm > 0 ? 100.0 * (1.0 - (overall - compute) / comm) : 0.0;
    if (row.value[3] < 0) row.value[3] = 0;
    row.iterations = iters;
    if (o->validate) row.valid = osu_validation_passed(o, size, pure.wrong + overlap.wrong);
    return row;
}

int osu_run_collective(const struct osu_options *o, const struct osu_coll_ops *ops, void *ctx) {
    static const char *const blocking[OSU_COLL_COLUMNS] = {"Avg Latency(us)"};
    static const char *const nonblocking[OSU_NBC_COLUMNS] = {"Overall(us)", "Compute(us)",
                                                             "Pure Comm.(us)", "Overlap(%)"};
    const int nbc = ops->start != NULL;
    int failed = 0;
    long size;

    osu_print_title(o);
    if (nbc)
        osu_print_header(o, OSU_NBC_COLUMNS, nonblocking);
    else
        osu_print_header(o, OSU_COLL_COLUMNS, blocking);
    for (size = o->bench->has_size_column ? osu_first_size(o) : 0; size <= o->max_size;
         size = osu_next_size(o, size)) {
        struct osu_row row = nbc ? osu_measure_nonblocking(o, size, ops, ctx)
                                 : osu_measure_blocking(o, size, ops, ctx);
        osu_print_row(o, size, &row);
        failed |= !row.valid;
        if (!o->bench->has_size_column) break;
    }
    return failed;
}

void *osu_block(const struct osu_options *o, void *buf, int count, int k) {
    return (char *)buf + (size_t)k * (size_t)count * (size_t)o->type_size;
}

/* ------------------------------------------------------------------ reductions */

/* The terms of one size and iteration: a_j in [0, a_max], b_j in [1, b_max]. */
struct terms {
    uint32_t seed_a, seed_b;
    long a_max, b_max;
};

static struct terms terms_of(const struct osu_options *o, long size, long i) {
    const long n = o->nranks;
    long limit = 127;
    struct terms t;
    switch (o->type_kind) {
        case OSU_TYPE_CHAR: limit = 127; break;
        case OSU_TYPE_INT: limit = 1L << 30; break;
        case OSU_TYPE_FLOAT: limit = 1L << 24; break;
    }
    /* n a_max <= limit / 2 and b_max n(n-1)/2 <= limit / 2, so the sum stays within limit. */
    t.seed_a = osu_seed(size, i, 0);
    t.seed_b = osu_seed(size, i, 1);
    t.a_max = limit / (2 * n);
    t.b_max = limit / (n * n) > 1 ? limit / (n * n) : 1;
    return t;
}

static long term_a(const struct terms *t, long j) {
    return (long)(osu_pattern(t->seed_a, (int)j) % (uint32_t)(t->a_max + 1));
}

static long term_b(const struct terms *t, long j) {
    return 1 + (long)(osu_pattern(t->seed_b, (int)j) % (uint32_t)t->b_max);
}

void osu_fill_sum_term(const struct osu_options *o, void *buf, int count, long first, long size,
                       long i) {
    const struct terms t = terms_of(o, size, i);
    int k;
    for (k = 0; k < count; ++k) {
        long v = term_a(&t, first + k) + (long)o->rank * term_b(&t, first + k);
        switch (o->type_kind) {
            case OSU_TYPE_CHAR: ((char *)buf)[k] = (char)v; break;
            case OSU_TYPE_INT: ((int *)buf)[k] = (int)v; break;
            case OSU_TYPE_FLOAT: ((float *)buf)[k] = (float)v; break;
        }
    }
}

long osu_check_sum(const struct osu_options *o, const void *buf, int count, long first,
                   long size, long i) {
    const struct terms t = terms_of(o, size, i);
    const long n = o->nranks;
    long wrong = 0;
    int k;
    for (k = 0; k < count; ++k) {
        long sum = n * term_a(&t, first + k) + term_b(&t, first + k) * (n * (n - 1) / 2);
        switch (o->type_kind) {
            case OSU_TYPE_CHAR: wrong += ((const char *)buf)[k] != (char)sum; break;
            case OSU_TYPE_INT: wrong += ((const int *)buf)[k] != (int)sum; break;
            case OSU_TYPE_FLOAT: wrong += ((const float *)buf)[k] != (float)sum; break;
        }
    }
    return wrong;
}

/* ------------------------------------------------------------------ barriers */

void osu_barrier_before(void *ctx, long size, long i) {
    struct osu_barrier_check *b = ctx;
    const struct timespec late = {0, 1000000};
    int arrived = 0;
    (void)size;
    if (b->o->rank != (int)(i % b->o->nranks)) return;
    nanosleep(&late, NULL);
    MPI_Iprobe(MPI_ANY_SOURCE, OSU_TAG_LEFT, MPI_COMM_WORLD, &arrived, MPI_STATUS_IGNORE);
    b->early = arrived;
}

long osu_barrier_check(void *ctx, long size, long i) {
    struct osu_barrier_check *b = ctx;
    const int late = (int)(i % b->o->nranks);
    int token = 0, r;
    long wrong;
    (void)size;
    if (b->o->rank != late) {
        MPI_Send(&token, 1, MPI_INT, late, OSU_TAG_LEFT, MPI_COMM_WORLD);
        return 0;
    }
    /* All of them, so that none is left to be seen in a later iteration. */
    for (r = 1; r < b->o->nranks; ++r)
        MPI_Recv(&token, 1, MPI_INT, MPI_ANY_SOURCE, OSU_TAG_LEFT, MPI_COMM_WORLD,
                 MPI_STATUS_IGNORE);
    wrong = b->early;
    if (wrong)
        fprintf(stderr, "%s: rank %d: iteration %ld: another rank left the barrier before this "
                "rank entered it\n", b->o->bench->program, b->o->rank, i);
    b->early = 0;
    return wrong;
}
