/* Scratch memory of a large non-contiguous transfer (issue 4: "a 1 GiB strided vector must not
 * allocate 1 GiB of scratch"): rank 0 sends `mib` MiB of data as a vector of 1 KiB blocks at a
 * 2 KiB stride (one MPI_Send of count 1), rank 1 receives it as contiguous bytes. Each rank
 * prints the transfer time and how much its peak resident memory (VmHWM) grew beyond its
 * buffer, which it touched in full beforehand. Usage: dt_scratch [mib] (default 1024). */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static long peak_kib(void) {
    FILE* f = fopen("/proc/self/status", "r");
    char line[256];
    long v = -1;
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "VmHWM:", 6)) v = atol(line + 6);
    if (f) fclose(f);
    return v;
}

int main(int argc, char** argv) {
    MPI_Init(&argc, &argv);
    int me, np;
    MPI_Comm_rank(MPI_COMM_WORLD, &me);
    MPI_Comm_size(MPI_COMM_WORLD, &np);
    long mib = argc > 1 ? atol(argv[1]) : 1024;
    if (np != 2 || mib <= 0 || mib > 4096) {
        if (me == 0) fprintf(stderr, "dt_scratch: run on 2 ranks, 1..4096 MiB\n");
        MPI_Abort(MPI_COMM_WORLD, 2);
    }
    const int block = 1024;
    int blocks = (int)(mib * 1024);
    MPI_Datatype v;
    MPI_Type_vector(blocks, block, 2 * block, MPI_BYTE, &v);
    MPI_Type_commit(&v);
    size_t bytes = (size_t)blocks * block * (me == 0 ? 2 : 1);
    char* buf = malloc(bytes);
    if (!buf) MPI_Abort(MPI_COMM_WORLD, 3);
    memset(buf, me + 1, bytes);
    MPI_Barrier(MPI_COMM_WORLD);
    long before = peak_kib();
    double t = MPI_Wtime();
    if (me == 0) MPI_Send(buf, 1, v, 1, 0, MPI_COMM_WORLD);
    else MPI_Recv(buf, blocks * block, MPI_BYTE, 0, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    t = MPI_Wtime() - t;
    printf("rank %d (%s): %ld MiB strided vector in %.3f s; peak resident memory grew %ld KiB "
           "beyond its %zu MiB buffer\n", me, me == 0 ? "sender" : "receiver", mib, t,
           peak_kib() - before, bytes >> 20);
    free(buf);
    MPI_Type_free(&v);
    MPI_Finalize();
    return 0;
}
