/* Transfers between buffers at different offsets within their pages: the measurement of
 * docs/performance.md, "Copies and page offsets", which says why the offsets matter and has
 * the figures. A receive buffer from malloc sits at page + 16, a send buffer from
 * posix_memalign at page + 0. Prints, for receive buffers at page + 0 and page + 16 (send
 * buffers page-aligned): MPI_Sendrecv to self (one rank: the library's own copies) and, with
 * 2 ranks, the one-way time of a ping-pong (eager and rendezvous sizes). Best of 5 batches.
 * Usage: page_offsets (1 or 2 ranks). */
#define _POSIX_C_SOURCE 200112L /* posix_memalign */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

#define MAXB (1 << 22)

static double self_time(char* s, char* r, int n) {
    double best = 1e9;
    for (int rep = 0; rep < 5; ++rep) {
        double t = MPI_Wtime();
        for (int i = 0; i < 2000; ++i)
            MPI_Sendrecv(s, n, MPI_BYTE, 0, 0, r, n, MPI_BYTE, 0, 0, MPI_COMM_SELF, MPI_STATUS_IGNORE);
        t = (MPI_Wtime() - t) / 2000 * 1e6;
        if (t < best) best = t;
    }
    return best;
}

static double pingpong(char* s, char* r, int n, int me) {
    int iters = n > 65536 ? 100 : 1000;
    double best = 1e9;
    for (int rep = 0; rep < 5; ++rep) {
        MPI_Barrier(MPI_COMM_WORLD);
        double t = MPI_Wtime();
        for (int i = 0; i < iters; ++i) {
            if (me == 0) {
                MPI_Send(s, n, MPI_BYTE, 1, 0, MPI_COMM_WORLD);
                MPI_Recv(r, n, MPI_BYTE, 1, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            } else if (me == 1) {
                MPI_Recv(r, n, MPI_BYTE, 0, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
                MPI_Send(s, n, MPI_BYTE, 0, 0, MPI_COMM_WORLD);
            }
        }
        t = (MPI_Wtime() - t) / iters / 2 * 1e6;
        if (t < best) best = t;
    }
    return best;
}

int main(int argc, char** argv) {
    MPI_Init(&argc, &argv);
    int me, np;
    MPI_Comm_rank(MPI_COMM_WORLD, &me);
    MPI_Comm_size(MPI_COMM_WORLD, &np);
    char *s = NULL, *r = NULL;
    if (posix_memalign((void**)&s, 4096, MAXB) || posix_memalign((void**)&r, 4096, MAXB + 4096))
        MPI_Abort(MPI_COMM_WORLD, 2);
    for (int i = 0; i < MAXB; ++i) s[i] = (char)i;
    for (int i = 0; i < MAXB + 4096; ++i) r[i] = 0;
    const int self_sizes[] = {4096, 16384, 32768};
    const int pp_sizes[] = {4096, 32768, 262144, 1048576};
    for (int off = 0; off <= 16; off += 16) {
        if (me == 0) {
            printf("receive buffer at page + %2d: self", off);
            for (int k = 0; k < 3; ++k)
                printf("  %d B %.2f us", self_sizes[k], self_time(s, r + off, self_sizes[k]));
        }
        if (np >= 2) {
            if (me == 0) printf(" | ping-pong");
            for (int k = 0; k < 4; ++k) {
                double t = pingpong(s, r + off, pp_sizes[k], me);
                if (me == 0) printf("  %d B %.2f us", pp_sizes[k], t);
            }
        }
        if (me == 0) printf("\n");
    }
    free(s);
    free(r);
    MPI_Finalize();
    return 0;
}
