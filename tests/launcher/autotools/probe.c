/* Built by the autotools project: a whole MPI program, run as a singleton. */
#include <mpi.h>
#include <stdio.h>

int main(int argc, char** argv) {
    int size = 0, sum = 0, one = 1;
    MPI_Init(&argc, &argv);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    MPI_Allreduce(&one, &sum, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    printf("probe_c: %d of %d\n", sum, size);
    MPI_Finalize();
    return sum == size ? 0 : 1;
}
