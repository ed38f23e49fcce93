/* Transfers between buffers at different offsets within their pages. On AMD EPYC (this host;
 * also EFA's hpc6a/hpc7a instances) the CPU's `rep movsb`, which glibc's memcpy and the
 * kernel's process_vm_readv use from 2 KiB up, is ~20x slower when the destination sits 1-31
 * bytes past the source modulo 4096. A receive buffer from malloc (page + 16) and a send
 * buffer from posix_memalign (page + 0) are exactly that. Prints, for receive buffers at page
 * + 0 and page + 16 (send buffers page-aligned): MPI_Sendrecv to self (one rank: the library's
 * own copies) and, with 2 ranks, the one-way time of a ping-pong (eager and rendezvous sizes).
 * Best of 5 batches. Usage: page_offsets (1 or 2 ranks). */
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
