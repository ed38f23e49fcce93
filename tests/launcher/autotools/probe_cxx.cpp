// The C++ side of the autotools project (CXX=mpicxx).
#include <mpi.h>

#include <cstdio>
#include <vector>

int main(int argc, char** argv) {
    MPI_Init(&argc, &argv);
    std::vector<int> v(4, 1), w(4, 0);
    MPI_Allreduce(v.data(), w.data(), 4, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    int size = 0;
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    std::printf("probe_cxx: %d of %d\n", w[3], size);
    MPI_Finalize();
    return w[3] == size ? 0 : 1;
}
