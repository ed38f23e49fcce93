/* The MPI program of the multi-host launcher tests (test_multihost.py). Every rank:
 *   - passes a token around the ring (small eager messages) and a 1 MiB buffer (rendezvous),
 *     checking what arrives;
 *   - checks MPI_Allreduce of the ranks;
 *   - splits MPI_COMM_WORLD by MPI_COMM_TYPE_SHARED and prints the size of its part;
 * then prints "rank R of N shared S ok". With "hang" as argument it prints "rank R ready" after
 * the checks and sleeps (for the kill and signal tests); with "exit R S" rank R exits with status
 * S after its line, without MPI_Finalize. Exits non-zero on any mismatch. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void fail(int rank, const char *what) {
    fprintf(stderr, "rank %d: %s\n", rank, what);
    fflush(stderr);
    MPI_Abort(MPI_COMM_WORLD, 3);
}

int main(int argc, char **argv) {
    int rank, size;
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    int next = (rank + 1) % size, prev = (rank + size - 1) % size;

    int token = rank * 10 + 7, got = -1;
    MPI_Sendrecv(&token, 1, MPI_INT, next, 1, &got, 1, MPI_INT, prev, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    if (got != prev * 10 + 7) fail(rank, "ring token mismatch");

    const int n = 1 << 18; /* 1 MiB of ints: rendezvous on every transport */
    int *out = malloc(sizeof(int) * n), *in = malloc(sizeof(int) * n);
    for (int i = 0; i < n; ++i) out[i] = rank * 1000003 + i;
    MPI_Request req[2];
    MPI_Irecv(in, n, MPI_INT, prev, 2, MPI_COMM_WORLD, &req[0]);
    MPI_Isend(out, n, MPI_INT, next, 2, MPI_COMM_WORLD, &req[1]);
    MPI_Waitall(2, req, MPI_STATUSES_IGNORE);
    for (int i = 0; i < n; ++i)
        if (in[i] != prev * 1000003 + i) fail(rank, "ring buffer mismatch");
    free(out);
    free(in);

    long mine = rank, sum = -1;
    MPI_Allreduce(&mine, &sum, 1, MPI_LONG, MPI_SUM, MPI_COMM_WORLD);
    if (sum != (long)size * (size - 1) / 2) fail(rank, "allreduce mismatch");

    MPI_Comm shared;
    int shared_size = -1;
    MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &shared);
    MPI_Comm_size(shared, &shared_size);
    /* every member of a shared communicator agrees on its size */
    int max_size = -1;
    MPI_Allreduce(&shared_size, &max_size, 1, MPI_INT, MPI_MAX, shared);
    if (max_size != shared_size) fail(rank, "shared communicator sizes disagree");
    MPI_Comm_free(&shared);

    printf("rank %d of %d shared %d ok\n", rank, size, shared_size);
    fflush(stdout);
    if (argc > 3 && strcmp(argv[1], "exit") == 0 && rank == atoi(argv[2])) exit(atoi(argv[3]));
    if (argc > 1 && strcmp(argv[1], "hang") == 0) {
        MPI_Barrier(MPI_COMM_WORLD);
        printf("rank %d ready\n", rank);
        fflush(stdout);
        for (int i = 0; i < 600; ++i) sleep(1); /* until killed; bounded anyway */
    }
    MPI_Finalize();
    return 0;
}
