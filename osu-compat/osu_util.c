/* osu_util.c: the shared options, buffers, validation pattern and table printing (see
 * osu_util.h for the contract). C99 plus POSIX posix_memalign/sysconf. */
#define _POSIX_C_SOURCE 200112L

#include "osu_util.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Tag of the control messages exchanged by osu_sum_over_ranks(); benchmarks use smaller tags. */
#define OSU_TAG_CONTROL 999

/* ------------------------------------------------------------------ command line */

/* One accepted option. `needs` is 0 for the options every benchmark takes, else the
 * OSU_OPT_* flag that the benchmark must list. */
struct option_def {
    char short_name;
    const char *long_name;
    const char *metavar; /* NULL: takes no value */
    unsigned needs;
};

static const struct option_def option_defs[] = {
    {'m', "message-size", "[MIN:]MAX", 0},
    {'i', "iterations", "ITER", 0},
    {'x', "warmup", "WARMUP", 0},
    {'c', "validation", NULL, OSU_OPT_VALIDATE},
    {'f', "full", NULL, OSU_OPT_FULL},
    {'T', "type", "TYPE", OSU_OPT_TYPE},
    {'l', "in-place", NULL, OSU_OPT_IN_PLACE},
    {'W', "window-size", "SIZE", OSU_OPT_WINDOW},
    {'h', "help", NULL, 0},
    {'v', "version", NULL, 0},
};
#define OPTION_COUNT (sizeof option_defs / sizeof option_defs[0])

/* Whether `bench` takes the option; a NULL bench takes every option (to name a refused one). */
static int accepted(const struct osu_benchmark *bench, const struct option_def *def) {
    if (!bench) return 1;
    if (def->short_name == 'm' && !bench->has_size_column) return 0;
    if ((def->short_name == 'i' || def->short_name == 'x') && bench->iterations == 0) return 0;
    return def->needs == 0 || (bench->options & def->needs) != 0;
}

static const struct option_def *find_short(const struct osu_benchmark *bench, char c) {
    size_t i;
    for (i = 0; i < OPTION_COUNT; ++i)
        if (option_defs[i].short_name == c && accepted(bench, &option_defs[i]))
            return &option_defs[i];
    return NULL;
}

static const struct option_def *find_long(const struct osu_benchmark *bench, const char *name,
                                          size_t len) {
    size_t i;
    for (i = 0; i < OPTION_COUNT; ++i) {
        const char *l = option_defs[i].long_name;
        if (strlen(l) == len && strncmp(l, name, len) == 0 && accepted(bench, &option_defs[i]))
            return &option_defs[i];
    }
    return NULL;
}

static void set_error(char *err, size_t err_len, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, err_len, fmt, ap);
    va_end(ap);
}

/* The error for an option `bench` does not take: `known` is its definition when another
 * benchmark takes it (NULL: no benchmark does); `shown` is how the command line spelled it.
 * (osu_setup() prefixes the program name.) */
static void refuse(const struct osu_benchmark *bench, const struct option_def *known,
                   const char *shown, char *err, size_t err_len) {
    if (!known)
        set_error(err, err_len, "unknown option '%s'", shown);
    else if (known->short_name == 'l' && bench->no_in_place)
        set_error(err, err_len, "option '%s' (MPI_IN_PLACE) does not apply: %s", shown,
                  bench->no_in_place);
    else if (shown[1] == '-')
        set_error(err, err_len, "option '%s' (-%c) does not apply to this test", shown,
                  known->short_name);
    else
        set_error(err, err_len, "option '%s' (--%s) does not apply to this test", shown,
                  known->long_name);
}

/* A decimal integer in [lo, hi] spanning exactly [s, s + len). */
static int parse_number(const char *s, size_t len, long lo, long hi, long *out) {
    char buf[32];
    char *end;
    long v;
    if (len == 0 || len >= sizeof buf || !isdigit((unsigned char)s[0])) return 0;
    memcpy(buf, s, len);
    buf[len] = '\0';
    errno = 0;
    v = strtol(buf, &end, 10);
    if (errno != 0 || *end != '\0' || v < lo || v > hi) return 0;
    *out = v;
    return 1;
}

static int equal_ignoring_case(const char *a, const char *b) {
    for (; *a && *b; ++a, ++b)
        if (tolower((unsigned char)*a) != tolower((unsigned char)*b)) return 0;
    return *a == *b;
}

/* -m [MIN:]MAX, where "MIN:" keeps the default maximum and a lone MAX below the default
 * minimum lowers the minimum to it (so "-m 0" runs size 0 only). */
static int parse_sizes(const char *v, struct osu_options *o, char *err, size_t err_len) {
    const char *colon = strchr(v, ':');
    long min = o->min_size, max = o->max_size;
    if (colon) {
        size_t left = (size_t)(colon - v), right = strlen(colon + 1);
        if ((left > 0 && !parse_number(v, left, 0, OSU_MAX_MESSAGE_SIZE, &min)) ||
            (right > 0 && !parse_number(colon + 1, right, 0, OSU_MAX_MESSAGE_SIZE, &max)) ||
            (left == 0 && right == 0)) {
            set_error(err, err_len, "bad message sizes '%s' for -m (want [MIN:]MAX, 0..%ld)", v,
                      OSU_MAX_MESSAGE_SIZE);
            return 0;
        }
        if (min > max) {
            set_error(err, err_len, "-m %s: minimum %ld is above maximum %ld", v, min, max);
            return 0;
        }
    } else {
        if (!parse_number(v, strlen(v), 0, OSU_MAX_MESSAGE_SIZE, &max)) {
            set_error(err, err_len, "bad message size '%s' for -m (want [MIN:]MAX, 0..%ld)", v,
                      OSU_MAX_MESSAGE_SIZE);
            return 0;
        }
        if (min > max) min = max;
    }
    o->min_size = min;
    o->max_size = max;
    return 1;
}

static int parse_type(const char *v, struct osu_options *o, char *err, size_t err_len) {
    if (equal_ignoring_case(v, "mpi_char")) {
        o->type = MPI_CHAR;
        o->type_kind = OSU_TYPE_CHAR;
        o->type_size = (int)sizeof(char);
    } else if (equal_ignoring_case(v, "mpi_int")) {
        o->type = MPI_INT;
        o->type_kind = OSU_TYPE_INT;
        o->type_size = (int)sizeof(int);
    } else if (equal_ignoring_case(v, "mpi_float")) {
        o->type = MPI_FLOAT;
        o->type_kind = OSU_TYPE_FLOAT;
        o->type_size = (int)sizeof(float);
    } else {
        set_error(err, err_len, "bad datatype '%s' for -T (want mpi_char, mpi_int or mpi_float)",
                  v);
        return 0;
    }
    return 1;
}

/* Applies one option; `value` is NULL for options without a value. */
static enum osu_parse_result apply(const struct option_def *def, const char *value,
                                   struct osu_options *o, char *err, size_t err_len) {
    long n;
    switch (def->short_name) {
        case 'm':
            return parse_sizes(value, o, err, err_len) ? OSU_PARSE_RUN : OSU_PARSE_ERROR;
        case 'i':
            if (!parse_number(value, strlen(value), 1, 1000000000L, &n)) {
                set_error(err, err_len, "bad iteration count '%s' for -i (want 1..1000000000)",
                          value);
                return OSU_PARSE_ERROR;
            }
            o->iterations = o->iterations_large = (int)n;
            return OSU_PARSE_RUN;
        case 'x':
            if (!parse_number(value, strlen(value), 0, 1000000000L, &n)) {
                set_error(err, err_len, "bad warm-up count '%s' for -x (want 0..1000000000)",
                          value);
                return OSU_PARSE_ERROR;
            }
            o->warmup = o->warmup_large = (int)n;
            return OSU_PARSE_RUN;
        case 'W':
            if (!parse_number(value, strlen(value), 1, OSU_MAX_WINDOW, &n)) {
                set_error(err, err_len, "bad window size '%s' for -W (want 1..%d)", value,
                          OSU_MAX_WINDOW);
                return OSU_PARSE_ERROR;
            }
            o->window = (int)n;
            return OSU_PARSE_RUN;
        case 'T':
            return parse_type(value, o, err, err_len) ? OSU_PARSE_RUN : OSU_PARSE_ERROR;
        case 'c': o->validate = 1; return OSU_PARSE_RUN;
        case 'f': o->full = 1; return OSU_PARSE_RUN;
        case 'l': o->in_place = 1; return OSU_PARSE_RUN;
        case 'h': return OSU_PARSE_HELP;
        case 'v': return OSU_PARSE_VERSION;
        default: break;
    }
    set_error(err, err_len, "internal error: option -%c has no handler", def->short_name);
    return OSU_PARSE_ERROR;
}

static void set_defaults(const struct osu_benchmark *bench, struct osu_options *o) {
    memset(o, 0, sizeof *o);
    o->bench = bench;
    o->min_size = bench->min_size;
    o->max_size = bench->max_size;
    o->iterations = bench->iterations;
    o->warmup = bench->warmup;
    o->iterations_large = bench->iterations_large;
    o->warmup_large = bench->warmup_large;
    o->window = bench->window;
    o->type = MPI_CHAR;
    o->type_kind = OSU_TYPE_CHAR;
    o->type_size = (int)sizeof(char);
}

/* getopt-like: "-c -f", "-cf", "-m 1024", "-m1024", "--message-size=1024",
 * "--message-size 1024"; "--" ends the options; there are no operands. The first -h, -v or
 * error ends the parse. */
enum osu_parse_result osu_parse(int argc, char **argv, const struct osu_benchmark *bench,
                                struct osu_options *opts, char *err, size_t err_len) {
    int i;
    set_defaults(bench, opts);
    err[0] = '\0';
    for (i = 1; i < argc; ++i) {
        const char *arg = argv[i];
        const struct option_def *def;
        const char *value = NULL;
        enum osu_parse_result r;
        if (strcmp(arg, "--") == 0) {
            if (i + 1 < argc) {
                set_error(err, err_len, "unexpected argument '%s'", argv[i + 1]);
                return OSU_PARSE_ERROR;
            }
            break;
        }
        if (arg[0] == '-' && arg[1] == '-') {
            const char *name = arg + 2;
            const char *eq = strchr(name, '=');
            size_t len = eq ? (size_t)(eq - name) : strlen(name);
            def = find_long(bench, name, len);
            if (!def) {
                char shown[64];
                snprintf(shown, sizeof shown, "%.*s", (int)(len + 2), arg);
                refuse(bench, find_long(NULL, name, len), shown, err, err_len);
                return OSU_PARSE_ERROR;
            }
            if (def->metavar && eq) {
                value = eq + 1;
            } else if (def->metavar) {
                if (i + 1 >= argc) {
                    set_error(err, err_len, "option '--%s' needs a value %s", def->long_name,
                              def->metavar);
                    return OSU_PARSE_ERROR;
                }
                value = argv[++i];
            } else if (eq) {
                set_error(err, err_len, "option '--%s' takes no value", def->long_name);
                return OSU_PARSE_ERROR;
            }
            r = apply(def, value, opts, err, err_len);
            if (r != OSU_PARSE_RUN) return r;
        } else if (arg[0] == '-' && arg[1] != '\0') {
            const char *p;
            for (p = arg + 1; *p; ++p) {
                def = find_short(bench, *p);
                if (!def) {
                    char shown[3] = {'-', *p, '\0'};
                    refuse(bench, find_short(NULL, *p), shown, err, err_len);
                    return OSU_PARSE_ERROR;
                }
                value = NULL;
                if (def->metavar) {
                    if (p[1] != '\0') {
                        value = p + 1;
                    } else if (i + 1 < argc) {
                        value = argv[++i];
                    } else {
                        set_error(err, err_len, "option '-%c' needs a value %s", *p,
                                  def->metavar);
                        return OSU_PARSE_ERROR;
                    }
                }
                r = apply(def, value, opts, err, err_len);
                if (r != OSU_PARSE_RUN) return r;
                if (value) break; /* the value was the rest of this argument, or the next */
            }
        } else {
            set_error(err, err_len, "unexpected argument '%s'", arg);
            return OSU_PARSE_ERROR;
        }
    }
    return OSU_PARSE_RUN;
}

void osu_print_usage(const struct osu_benchmark *b, FILE *out) {
    fprintf(out, "Usage: %s [options]\n", b->program);
    fprintf(out, "# %s %s v%s\n", OSU_SUITE, b->title, OSU_COMPAT_VERSION);
    fprintf(out, "Options:\n");
    if (b->has_size_column)
        fprintf(out,
                "  -m, --message-size [MIN:]MAX  sizes MIN..MAX bytes by powers of two\n"
                "                                (default %ld:%ld; MIN may be 0, as in -m 0:)\n",
                b->min_size, b->max_size);
    if (b->iterations > 0) {
        fprintf(out,
                "  -i, --iterations ITER         timed iterations per size (default %d, %d above\n"
                "                                %ld bytes; -i sets both)\n",
                b->iterations, b->iterations_large, b->large_size);
        fprintf(out,
                "  -x, --warmup WARMUP           untimed warm-up iterations per size (default %d,\n"
                "                                %d above %ld bytes; -x sets both)\n",
                b->warmup, b->warmup_large, b->large_size);
    }
    if (b->options & OSU_OPT_VALIDATE)
        fprintf(out,
                "  -c, --validation              check the received data; adds a Validation\n"
                "                                column (Pass/Fail), exit status 1 on any Fail\n");
    if (b->options & OSU_OPT_FULL)
        fprintf(out,
                "  -f, --full                    also print min and max latency and the\n"
                "                                iteration count\n");
    if (b->options & OSU_OPT_TYPE)
        fprintf(out,
                "  -T, --type TYPE               datatype: mpi_char (default), mpi_int or\n"
                "                                mpi_float\n");
    if (b->options & OSU_OPT_IN_PLACE)
        fprintf(out, "  -l, --in-place                use MPI_IN_PLACE\n");
    if (b->options & OSU_OPT_WINDOW)
        fprintf(out,
                "  -W, --window-size SIZE        messages in flight per window (default %d,\n"
                "                                at most %d)\n",
                b->window, OSU_MAX_WINDOW);
    fprintf(out,
            "  -h, --help                    print this help and exit\n"
            "  -v, --version                 print the version and exit\n");
}

/* ------------------------------------------------------------------ job */

void osu_finalize_exit(int code) {
    MPI_Finalize();
    exit(code);
}

static const char *ranks_requirement(enum osu_ranks ranks, int nranks) {
    switch (ranks) {
        case OSU_RANKS_PAIR:
            return nranks == 2 ? NULL : "exactly 2 processes";
        case OSU_RANKS_EVEN:
            return nranks >= 2 && nranks % 2 == 0 ? NULL : "an even number of processes";
        case OSU_RANKS_MANY:
            return nranks >= 2 ? NULL : "at least 2 processes";
        case OSU_RANKS_ANY: break;
    }
    return NULL;
}

void osu_init(int *argc, char ***argv, const struct osu_benchmark *bench,
              struct osu_options *opts) {
    MPI_Init(argc, argv);
    osu_setup(*argc, *argv, bench, opts);
}

void osu_setup(int argc, char **argv, const struct osu_benchmark *bench,
               struct osu_options *opts) {
    char err[256];
    const char *needs;
    enum osu_parse_result r;
    int rank, nranks;

    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &nranks);

    r = osu_parse(argc, argv, bench, opts, err, sizeof err);
    opts->rank = rank;
    opts->nranks = nranks;
    switch (r) {
        case OSU_PARSE_RUN: break;
        case OSU_PARSE_HELP:
            if (rank == 0) osu_print_usage(bench, stdout);
            osu_finalize_exit(0);
            break;
        case OSU_PARSE_VERSION:
            if (rank == 0) printf("# %s %s v%s\n", OSU_SUITE, bench->title, OSU_COMPAT_VERSION);
            osu_finalize_exit(0);
            break;
        case OSU_PARSE_ERROR:
            if (rank == 0) {
                fprintf(stderr, "%s: %s\n", bench->program, err);
                osu_print_usage(bench, stderr);
            }
            osu_finalize_exit(1);
            break;
    }

    needs = ranks_requirement(bench->ranks, nranks);
    if (needs) {
        if (rank == 0)
            fprintf(stderr, "%s: this test needs %s, but %d %s started (run: mpirun -n %d %s)\n",
                    bench->program, needs, nranks, nranks == 1 ? "was" : "were",
                    bench->ranks == OSU_RANKS_PAIR || bench->ranks == OSU_RANKS_MANY ? 2
                                                                                     : nranks + 1,
                    bench->program);
        osu_finalize_exit(1);
    }
}

/* ------------------------------------------------------------------ sizes */

/* The power-of-two step, ending above max_size without overflowing. */
static long double_size(const struct osu_options *o, long size) {
    if (size == 0) return 1;
    if (size > o->max_size / 2) return o->max_size + 1;
    return size * 2;
}

/* Sizes below one element of the datatype are skipped; 0 is kept. */
static long skip_partial(const struct osu_options *o, long size) {
    while (size != 0 && size < o->type_size && size <= o->max_size) size = double_size(o, size);
    return size;
}

long osu_first_size(const struct osu_options *o) { return skip_partial(o, o->min_size); }

long osu_next_size(const struct osu_options *o, long size) {
    return skip_partial(o, double_size(o, size));
}

int osu_iterations(const struct osu_options *o, long size) {
    return size > o->bench->large_size ? o->iterations_large : o->iterations;
}

int osu_warmup(const struct osu_options *o, long size) {
    return size > o->bench->large_size ? o->warmup_large : o->warmup;
}

int osu_count(const struct osu_options *o, long size) { return (int)(size / o->type_size); }

/* ------------------------------------------------------------------ buffers */

void *osu_alloc(const struct osu_options *o, size_t bytes) {
    long page = sysconf(_SC_PAGESIZE);
    size_t align = page > 0 ? (size_t)page : 4096;
    void *p = NULL;
    if (bytes < align) bytes = align;
    if (posix_memalign(&p, align, bytes) != 0) {
        fprintf(stderr, "%s: rank %d: cannot allocate %lu bytes\n", o->bench->program, o->rank,
                (unsigned long)bytes);
        MPI_Abort(MPI_COMM_WORLD, 1);
        exit(1);
    }
    /* Map every page now, so that first-touch faults are not timed. */
    memset(p, 0, bytes);
    return p;
}

/* ------------------------------------------------------------------ validation */

uint32_t osu_seed(long size, long iteration, int slot) {
    uint32_t h = (uint32_t)size * 0x9E3779B1u;
    h ^= (uint32_t)iteration * 0x85EBCA77u + (h << 6) + (h >> 2);
    h ^= (uint32_t)slot * 0xC2B2AE3Du + (h << 6) + (h >> 2);
    h ^= h >> 15;
    return h;
}

/* Element j of the pattern of `seed`: consecutive elements differ, and a shift or a message
 * from another size, iteration or slot does not match. Float values are integers below 2^24,
 * exactly representable, so equality is exact. */
uint32_t osu_pattern(uint32_t seed, int j) { return seed + (uint32_t)j * 0x9E3779B1u; }

void osu_fill(const struct osu_options *o, void *buf, int count, uint32_t seed) {
    int j;
    switch (o->type_kind) {
        case OSU_TYPE_CHAR: {
            char *p = (char *)buf;
            for (j = 0; j < count; ++j) p[j] = (char)(osu_pattern(seed, j) >> 25);
            break;
        }
        case OSU_TYPE_INT: {
            int *p = (int *)buf;
            for (j = 0; j < count; ++j) p[j] = (int)(osu_pattern(seed, j) >> 1);
            break;
        }
        case OSU_TYPE_FLOAT: {
            float *p = (float *)buf;
            for (j = 0; j < count; ++j) p[j] = (float)(osu_pattern(seed, j) >> 8);
            break;
        }
    }
}

long osu_check(const struct osu_options *o, const void *buf, int count, uint32_t seed,
               const MPI_Status *status) {
    long wrong = 0;
    int j;
    if (status) {
        int received = -1;
        MPI_Get_count(status, o->type, &received);
        if (received != count) ++wrong;
    }
    switch (o->type_kind) {
        case OSU_TYPE_CHAR: {
            const char *p = (const char *)buf;
            for (j = 0; j < count; ++j) wrong += p[j] != (char)(osu_pattern(seed, j) >> 25);
            break;
        }
        case OSU_TYPE_INT: {
            const int *p = (const int *)buf;
            for (j = 0; j < count; ++j) wrong += p[j] != (int)(osu_pattern(seed, j) >> 1);
            break;
        }
        case OSU_TYPE_FLOAT: {
            const float *p = (const float *)buf;
            for (j = 0; j < count; ++j) wrong += p[j] != (float)(osu_pattern(seed, j) >> 8);
            break;
        }
    }
    return wrong;
}

long osu_sum_over_ranks(const struct osu_options *o, long local) {
    long total = local;
    int r;
    if (o->rank == 0) {
        for (r = 1; r < o->nranks; ++r) {
            long v = 0;
            MPI_Recv(&v, 1, MPI_LONG, r, OSU_TAG_CONTROL, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            total += v;
        }
        for (r = 1; r < o->nranks; ++r)
            MPI_Send(&total, 1, MPI_LONG, r, OSU_TAG_CONTROL, MPI_COMM_WORLD);
    } else {
        MPI_Send(&local, 1, MPI_LONG, 0, OSU_TAG_CONTROL, MPI_COMM_WORLD);
        MPI_Recv(&total, 1, MPI_LONG, 0, OSU_TAG_CONTROL, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    }
    return total;
}

double osu_reduce_to_root(const struct osu_options *o, double local, enum osu_reduce_op op) {
    double result = local;
    int r;
    if (o->rank != 0) {
        MPI_Send(&local, 1, MPI_DOUBLE, 0, OSU_TAG_CONTROL, MPI_COMM_WORLD);
        return local;
    }
    for (r = 1; r < o->nranks; ++r) {
        double v = 0;
        MPI_Recv(&v, 1, MPI_DOUBLE, r, OSU_TAG_CONTROL, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        switch (op) {
            case OSU_SUM: result += v; break;
            case OSU_MIN: result = v < result ? v : result; break;
            case OSU_MAX: result = v > result ? v : result; break;
        }
    }
    return result;
}

int osu_validation_passed(const struct osu_options *o, long size, long wrong) {
    if (wrong)
        fprintf(stderr, "%s: rank %d: size %ld: %ld wrong elements or counts received\n",
                o->bench->program, o->rank, size, wrong);
    return osu_sum_over_ranks(o, wrong) == 0;
}

/* ------------------------------------------------------------------ table */

void osu_print_title(const struct osu_options *o) {
    char name[MPI_MAX_OBJECT_NAME];
    int len = 0;
    if (o->rank != 0) return;
    name[0] = '\0';
    MPI_Type_get_name(o->type, name, &len);
    printf("\n# %s %s\n", OSU_SUITE, o->bench->title);
    if (o->bench->has_size_column) printf("# Datatype: %s.\n", name);
    fflush(stdout);
}

void osu_print_header(const struct osu_options *o, int ncolumns, const char *const *columns) {
    int c;
    if (o->rank != 0) return;
    if (o->bench->has_size_column) {
        printf("%-10s", "# Size");
        for (c = 0; c < ncolumns; ++c) printf("%18s", columns[c]);
    } else {
        /* No size column: "# Avg Latency(us)", further columns right-aligned in 18. */
        for (c = 0; c < ncolumns; ++c) printf(c == 0 ? "# %s" : "%18s", columns[c]);
    }
    if (o->full) printf("%18s%18s%18s", "Min Latency(us)", "Max Latency(us)", "Iterations");
    if (o->validate) printf("%18s", "Validation");
    printf("\n");
    fflush(stdout);
}

void osu_print_row(const struct osu_options *o, long size, const struct osu_row *row) {
    int c;
    if (o->rank != 0) return;
    if (o->bench->has_size_column) printf("%-10d", (int)size);
    for (c = 0; c < row->nvalues; ++c) printf("%18.2f", row->value[c]);
    if (o->full) printf("%18.2f%18.2f%18d", row->min, row->max, row->iterations);
    if (o->validate) printf("%18s", row->valid ? "Pass" : "Fail");
    printf("\n");
    fflush(stdout);
}
