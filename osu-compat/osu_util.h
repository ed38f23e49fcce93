/* osu_util.h: what every efampi OSU-compatible benchmark shares: the command line, the job
 * checks, page-aligned buffers, the validation data pattern and the OSU table layout. The
 * collective benchmarks also use osu_coll.h (their timing driver and reduction patterns).
 *
 * Plain C99 and standard MPI only (the folder includes no efampi header), so the same sources
 * build with efampi's, Open MPI's or MPICH's mpicc. See README.md for the options and the
 * output format.
 *
 * Contract:
 * - osu_init() is called first by every rank. It parses the command line identically on every
 *   rank, so all ranks take the same decision: run, or (for -h, -v, a bad command line or a
 *   wrong rank count) MPI_Finalize and exit with the same code. Nothing ever hangs on a bad
 *   option.
 * - Printing helpers print on rank 0 only and are no-ops elsewhere; every rank may call them.
 * - Result agreement uses point-to-point calls only, so the pt2pt benchmarks do not depend on
 *   the collectives of the library under test, and a collective benchmark depends on no
 *   collective but the one it measures and MPI_Barrier.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <mpi.h>

/* Overridden by the build (meson passes the project version); a plain mpicc build uses this. */
#ifndef OSU_COMPAT_VERSION
#define OSU_COMPAT_VERSION "0.1.0"
#endif

#define OSU_SUITE "efampi OSU-compatible"

/* Largest message size accepted by -m (sizes travel as int counts). */
#define OSU_MAX_MESSAGE_SIZE (1L << 30)

/* Options beyond -m, -i, -x, -h and -v, which every benchmark takes (-m only with a size
 * column, -i and -x only with iterations). */
enum osu_option_flag {
    OSU_OPT_VALIDATE = 1u << 0, /* -c */
    OSU_OPT_FULL = 1u << 1,     /* -f */
    OSU_OPT_TYPE = 1u << 2,     /* -T */
    OSU_OPT_IN_PLACE = 1u << 3, /* -l */
    OSU_OPT_WINDOW = 1u << 4    /* -W */
};

/* Largest window accepted by -W. */
#define OSU_MAX_WINDOW 4096

/* How many ranks a benchmark needs; checked by osu_init() after the command line. MANY: at
 * least 2 (the collectives). */
enum osu_ranks { OSU_RANKS_ANY, OSU_RANKS_PAIR, OSU_RANKS_EVEN, OSU_RANKS_MANY };

enum osu_type_kind { OSU_TYPE_CHAR, OSU_TYPE_INT, OSU_TYPE_FLOAT };

/* A benchmark's fixed description and defaults. */
struct osu_benchmark {
    const char *program;      /* "osu_latency": in usage and error messages */
    const char *title;        /* "Latency Test": "# efampi OSU-compatible Latency Test" */
    unsigned options;         /* OSU_OPT_* accepted */
    enum osu_ranks ranks;
    int has_size_column;      /* 0 for benchmarks without sizes (barrier) */
    long min_size, max_size;  /* default -m */
    long large_size;          /* sizes above this use the large counts */
    int iterations, warmup;   /* small sizes; iterations 0: no -i, -x (init, hello) */
    int iterations_large, warmup_large;
    int window;               /* default -W (benchmarks with OSU_OPT_WINDOW) */
    const char *no_in_place;  /* why -l is refused, for a collective without MPI_IN_PLACE */
};

/* The parsed command line plus the process's place in the job. */
struct osu_options {
    const struct osu_benchmark *bench;
    long min_size, max_size;
    int iterations, warmup, iterations_large, warmup_large;
    int validate, full, in_place;
    int window; /* -W */
    MPI_Datatype type;
    enum osu_type_kind type_kind;
    int type_size;
    int rank, nranks; /* in MPI_COMM_WORLD; set by osu_init() */
};

enum osu_parse_result { OSU_PARSE_RUN, OSU_PARSE_HELP, OSU_PARSE_VERSION, OSU_PARSE_ERROR };

/* Fills *opts from the defaults and argv[1..argc-1]. Makes no MPI call. On OSU_PARSE_ERROR the
 * reason is in err (one line, no newline). */
enum osu_parse_result osu_parse(int argc, char **argv, const struct osu_benchmark *bench,
                                struct osu_options *opts, char *err, size_t err_len);

/* MPI_Init, then osu_parse() and the rank-count check. Returns only when the benchmark should
 * run; otherwise every rank finalizes and exits here: 0 after -h or -v, 1 after an error
 * (rank 0 prints the reason and the usage on stderr). */
void osu_init(int *argc, char ***argv, const struct osu_benchmark *bench,
              struct osu_options *opts);

/* osu_init() without the MPI_Init, for a benchmark that times MPI_Init itself. */
void osu_setup(int argc, char **argv, const struct osu_benchmark *bench,
               struct osu_options *opts);

/* MPI_Finalize and exit(code). */
void osu_finalize_exit(int code);

/* The usage text, listing only the options this benchmark accepts. */
void osu_print_usage(const struct osu_benchmark *bench, FILE *out);

/* ---- message sizes and counts ---- */

/* The size loop: from the -m minimum by powers of two (0 -> 1 -> 2 -> 4 ...) up to the maximum,
 * skipping sizes smaller than one element of the datatype (0 is kept). osu_next_size() returns
 * a value above max_size when the loop is done; it never overflows. */
long osu_first_size(const struct osu_options *opts);
long osu_next_size(const struct osu_options *opts, long size);
/* Iterations and warm-up iterations for one size (small or large counts). */
int osu_iterations(const struct osu_options *opts, long size);
int osu_warmup(const struct osu_options *opts, long size);
/* Elements of the chosen datatype in a message of `size` bytes. */
int osu_count(const struct osu_options *opts, long size);

/* ---- buffers ---- */

/* A page-aligned buffer of at least `bytes` bytes (at least one page), written once so that its
 * pages are mapped before any timing. Calls MPI_Abort when memory runs out. Free with free(). */
void *osu_alloc(const struct osu_options *opts, size_t bytes);

/* ---- validation (-c) ---- */

/* A seed naming one message: its size, its iteration and a slot (window index, sender rank). */
uint32_t osu_seed(long size, long iteration, int slot);
/* Element j of the pattern of `seed` (what osu_fill() converts to the datatype). */
uint32_t osu_pattern(uint32_t seed, int j);
/* Writes the pattern of `seed` into `count` elements of the chosen datatype. */
void osu_fill(const struct osu_options *opts, void *buf, int count, uint32_t seed);
/* Number of elements of `buf` that differ from the pattern of `seed`, plus one if `status` (when
 * not NULL) reports a count other than `count`. */
long osu_check(const struct osu_options *opts, const void *buf, int count, uint32_t seed,
               const MPI_Status *status);
/* Sum of `local` over all ranks of MPI_COMM_WORLD, known to every rank (point-to-point only). */
long osu_sum_over_ranks(const struct osu_options *opts, long local);
/* Sum, minimum or maximum of `local` over all ranks of MPI_COMM_WORLD, returned on rank 0 (other
 * ranks get `local` back). Point-to-point only; every rank must call it. */
enum osu_reduce_op { OSU_SUM, OSU_MIN, OSU_MAX };
double osu_reduce_to_root(const struct osu_options *opts, double local, enum osu_reduce_op op);
/* Validation verdict of one message size: reports this rank's `wrong` count on stderr when
 * non-zero, and returns 1 when every rank saw none (collective over MPI_COMM_WORLD). */
int osu_validation_passed(const struct osu_options *opts, long size, long wrong);

/* ---- the table (rank 0 prints; no-ops on other ranks) ---- */

#define OSU_MAX_VALUES 4

/* One row: the benchmark's own values, then what -f and -c add when they are on. */
struct osu_row {
    double value[OSU_MAX_VALUES];
    int nvalues;
    double min, max; /* -f: Min Latency(us), Max Latency(us) */
    int iterations;  /* -f: Iterations */
    int valid;       /* -c: Pass (non-zero) or Fail */
};

/* A blank line, "# efampi OSU-compatible <title>" and, when the benchmark has sizes (it moves
 * data), "# Datatype: <MPI name>.". */
void osu_print_title(const struct osu_options *opts);
/* "# Size" padded to 10 (when the benchmark has sizes), then each column right-aligned in 18,
 * then the -f columns and the -c column when those options are on. */
void osu_print_header(const struct osu_options *opts, int ncolumns, const char *const *columns);
/* The row of one size: %-10d size (when the benchmark has sizes), each value %18.2f, the -f and
 * -c fields. Flushes stdout so that rows appear as they are measured. */
void osu_print_row(const struct osu_options *opts, long size, const struct osu_row *row);
