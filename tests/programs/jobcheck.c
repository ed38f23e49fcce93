/* A whole job checked from the inside, for launcher tests (Open MPI's mpirun, Slurm's srun,
   binding): rank and size agree across ranks, a ring exchange and two Allreduces give the
   right values, and every rank's CPU affinity is reported.

   usage: jobcheck [expected_size]

   Rank 0 prints, after every check passed (lines the tests parse):
     rank R cpus LIST      one per rank, in rank order; LIST as in /sys: "0-1", "0", "1,3"
     jobcheck ok: N ranks
   A failed check prints "jobcheck FAILED: ..." and ends the job with MPI_Abort(3). */
#define _GNU_SOURCE
#include <mpi.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { list_chars = 256 };

static void fail(int rank, const char* what, long got, long want) {
    fprintf(stderr, "jobcheck FAILED on rank %d: %s: got %ld, expected %ld\n", rank, what, got, want);
    fflush(stderr);
    MPI_Abort(MPI_COMM_WORLD, 3);
}

/* "0-1,3": the kernel's cpulist format, from this process's affinity mask. */
static void affinity_list(char* out, size_t cap) {
    cpu_set_t set;
    CPU_ZERO(&set);
    out[0] = '\0';
    if (sched_getaffinity(0, sizeof set, &set) != 0) {
        snprintf(out, cap, "unknown");
        return;
    }
    size_t len = 0;
    for (int c = 0; c < CPU_SETSIZE; ++c) {
        if (!CPU_ISSET(c, &set)) continue;
        int last = c;
        while (last + 1 < CPU_SETSIZE && CPU_ISSET(last + 1, &set)) ++last;
        int n = last == c ? snprintf(out + len, cap - len, "%s%d", len ? "," : "", c)
                          : snprintf(out + len, cap - len, "%s%d-%d", len ? "," : "", c, last);
        if (n < 0 || (size_t)n >= cap - len) break;
        len += (size_t)n;
        c = last;
    }
}

int main(int argc, char** argv) {
    MPI_Init(&argc, &argv);
    int rank = -1, size = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (argc > 1 && size != atoi(argv[1])) fail(rank, "MPI_Comm_size", size, atol(argv[1]));
    if (rank < 0 || rank >= size) fail(rank, "MPI_Comm_rank in range", rank, 0);

    /* Ring: each rank sends its rank to the right and must receive its left neighbour's. */
    int right = (rank + 1) % size, left = (rank - 1 + size) % size, got = -1;
    MPI_Sendrecv(&rank, 1, MPI_INT, right, 7, &got, 1, MPI_INT, left, 7, MPI_COMM_WORLD,
                 MPI_STATUS_IGNORE);
    if (got != left) fail(rank, "ring value from the left", got, left);

    /* Sum of rank+1 and max of rank: both wrong if two processes share a rank. */
    long mine = rank + 1, sum = 0;
    MPI_Allreduce(&mine, &sum, 1, MPI_LONG, MPI_SUM, MPI_COMM_WORLD);
    if (sum != (long)size * (size + 1) / 2) fail(rank, "Allreduce(SUM of rank+1)", sum, (long)size * (size + 1) / 2);
    int max = -1;
    MPI_Allreduce(&rank, &max, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    if (max != size - 1) fail(rank, "Allreduce(MAX of rank)", max, size - 1);

    char list[list_chars];
    affinity_list(list, sizeof list);
    char* all = rank == 0 ? malloc((size_t)size * list_chars) : NULL;
    MPI_Gather(list, list_chars, MPI_CHAR, all, list_chars, MPI_CHAR, 0, MPI_COMM_WORLD);
    if (rank == 0) {
        for (int r = 0; r < size; ++r) printf("rank %d cpus %s\n", r, all + (size_t)r * list_chars);
        printf("jobcheck ok: %d ranks\n", size);
        fflush(stdout);
        free(all);
    }
    MPI_Finalize();
    return 0;
}
