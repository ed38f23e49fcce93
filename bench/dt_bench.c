/* Datatype benchmark (issue 4 targets): MPI_Pack / MPI_Unpack of a strided vector against
 * memcpy of the same bytes, and the one-way time (half a ping-pong) of that vector against the
 * same bytes contiguous, on 2 ranks. Prints medians over the repetitions. See README.md. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp(const void* a, const void* b) {
    double x = *(const double*)a, y = *(const double*)b;
    return x < y ? -1 : x > y;
}

static double median(double* v, int n) {
    qsort(v, (size_t)n, sizeof *v, cmp);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* One-way time of `reps` ping-pongs of (buf, count, type) between ranks 0 and 1: median. */
static double pingpong(void* sbuf, void* rbuf, int count, MPI_Datatype t, int reps, double* tmp) {
    int me;
    MPI_Comm_rank(MPI_COMM_WORLD, &me);
    for (int i = -10; i < reps; ++i) { /* 10 warm-up rounds */
        MPI_Barrier(MPI_COMM_WORLD);
        double t0 = MPI_Wtime();
        if (me == 0) {
            MPI_Send(sbuf, count, t, 1, 1, MPI_COMM_WORLD);
            MPI_Recv(rbuf, count, t, 1, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        } else if (me == 1) {
            MPI_Recv(rbuf, count, t, 0, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            MPI_Send(sbuf, count, t, 0, 1, MPI_COMM_WORLD);
        }
        if (i >= 0) tmp[i] = (MPI_Wtime() - t0) / 2;
    }
    return median(tmp, reps);
}

int main(int argc, char** argv) {
    MPI_Init(&argc, &argv);
    int me, np;
    MPI_Comm_rank(MPI_COMM_WORLD, &me);
    MPI_Comm_size(MPI_COMM_WORLD, &np);
    long bytes = argc > 1 ? atol(argv[1]) : 1L << 20;
    int block = argc > 2 ? atoi(argv[2]) : 1024;
    int stride = argc > 3 ? atoi(argv[3]) : 2048;
    int reps = argc > 4 ? atoi(argv[4]) : 300;
    int blocks = (int)(bytes / block);
    bytes = (long)blocks * block;
    char* strided = malloc((size_t)blocks * (size_t)stride);
    char* strided2 = malloc((size_t)blocks * (size_t)stride);
    char* packed = malloc((size_t)bytes);
    char* flat = malloc((size_t)bytes);
    char* flat2 = malloc((size_t)bytes);
    double* tmp = malloc(sizeof(double) * (size_t)(reps + 10));
    if (!strided || !strided2 || !packed || !flat || !flat2 || !tmp) MPI_Abort(MPI_COMM_WORLD, 1);
    memset(strided, 1, (size_t)blocks * (size_t)stride);
    memset(strided2, 2, (size_t)blocks * (size_t)stride);
    memset(packed, 3, (size_t)bytes);
    memset(flat, 4, (size_t)bytes);
    memset(flat2, 5, (size_t)bytes);
    MPI_Datatype vec;
    MPI_Type_vector(blocks, block, stride, MPI_BYTE, &vec);
    MPI_Type_commit(&vec);

    /* Pack, unpack and memcpy of the same bytes, interleaved so they see the same machine. */
    double *tp = malloc(sizeof(double) * (size_t)reps), *tu = malloc(sizeof(double) * (size_t)reps),
           *tm = malloc(sizeof(double) * (size_t)reps);
    for (int i = -10; i < reps; ++i) {
        int pos = 0;
        double t0 = MPI_Wtime();
        MPI_Pack(strided, 1, vec, packed, (int)bytes, &pos, MPI_COMM_SELF);
        double t1 = MPI_Wtime();
        pos = 0;
        MPI_Unpack(packed, (int)bytes, &pos, strided2, 1, vec, MPI_COMM_SELF);
        double t2 = MPI_Wtime();
        memcpy(flat, flat2, (size_t)bytes);
        double t3 = MPI_Wtime();
        if (i >= 0) {
            tp[i] = t1 - t0;
            tu[i] = t2 - t1;
            tm[i] = t3 - t2;
        }
    }
    double mp = median(tp, reps), mu = median(tu, reps), mm = median(tm, reps);
    if (me == 0)
        printf("rank 0: %ld bytes in %d blocks of %d at stride %d, %d reps (medians)\n"
               "pack    %8.1f us  %.2f of memcpy\nunpack  %8.1f us  %.2f of memcpy\n"
               "memcpy  %8.1f us\n",
               bytes, blocks, block, stride, reps, mp * 1e6, mm / mp, mu * 1e6, mm / mu, mm * 1e6);
    if (np >= 2) {
        double tc = pingpong(flat, flat2, (int)bytes, MPI_BYTE, reps, tmp);
        double tv = pingpong(strided, strided2, 1, vec, reps, tmp);
        if (me == 0)
            printf("one-way contiguous %8.1f us\none-way vector     %8.1f us  %.2fx contiguous\n",
                   tc * 1e6, tv * 1e6, tv / tc);
    }
    MPI_Type_free(&vec);
    free(strided); free(strided2); free(packed); free(flat); free(flat2); free(tmp);
    free(tp); free(tu); free(tm);
    MPI_Finalize();
    return 0;
}
