/* One program, many ways to misbehave; the first argument says which. Used by
   run_program.py to check what the user sees when a job goes wrong. */
#include <mpi.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int rank_of_world(void) {
    int r = -1;
    MPI_Comm_rank(MPI_COMM_WORLD, &r);
    return r;
}

/* Ranks other than the culprit wait for a message that never comes. */
static void wait_forever(void) {
    int x;
    MPI_Recv(&x, 1, MPI_INT, MPI_ANY_SOURCE, 999, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
}

/* MPI_Finalize deletes MPI_COMM_SELF's attributes first, the last set first, while MPI still
   works: libraries hang their cleanup there. */
static int self_attr_deleted(MPI_Comm comm, int keyval, void* value, void* extra) {
    int rank = -1;
    (void)comm;
    (void)keyval;
    (void)extra;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    printf("rank %d: cleanup %s\n", rank, (const char*)value);
    fflush(stdout);
    return MPI_SUCCESS;
}

int main(int argc, char** argv) {
    const char* what = argc > 1 ? argv[1] : "hello";
    int x = 0;
    if (strcmp(what, "before_init") == 0) {
        MPI_Send(&x, 1, MPI_INT, 0, 0, MPI_COMM_WORLD);
        return 0;
    }
    MPI_Init(&argc, &argv);
    int rank = rank_of_world(), size = 0;
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (strcmp(what, "hello") == 0) {
        printf("hello from %d of %d\n", rank, size);
    } else if (strcmp(what, "after_finalize") == 0) {
        MPI_Finalize();
        MPI_Send(&x, 1, MPI_INT, 0, 0, MPI_COMM_WORLD);
        return 0;
    } else if (strcmp(what, "segv") == 0) {
        if (rank == size - 1) raise(SIGSEGV);
        wait_forever();
    } else if (strcmp(what, "abort") == 0) {
        if (rank == size - 1) MPI_Abort(MPI_COMM_WORLD, 7);
        wait_forever();
    } else if (strcmp(what, "exit3") == 0) {
        if (rank == size - 1) exit(3);
        wait_forever();
    } else if (strcmp(what, "self_attr") == 0) {
        int first, second;
        MPI_Comm_create_keyval(MPI_COMM_NULL_COPY_FN, self_attr_deleted, &first, NULL);
        MPI_Comm_create_keyval(MPI_COMM_NULL_COPY_FN, self_attr_deleted, &second, NULL);
        MPI_Comm_set_attr(MPI_COMM_SELF, first, (void*)"set-first");
        MPI_Comm_set_attr(MPI_COMM_SELF, second, (void*)"set-second");
    } else if (strcmp(what, "bad_rank") == 0) {
        MPI_Send(&x, 1, MPI_INT, size + 5, 0, MPI_COMM_WORLD); /* ERRORS_ARE_FATAL */
    } else if (strcmp(what, "fault") == 0 || strcmp(what, "faultreturn") == 0) {
        /* Run with EFAMPI_FAULT_SEND=0:1:3: rank 0's transport to rank 1 breaks after three
           messages. With MPI_ERRORS_RETURN the failed send returns its error; with the default
           handler the job ends with it. Eager messages only, never received: rank 1 goes
           straight to MPI_Finalize (a rendezvous would wait for it forever). */
        if (strcmp(what, "faultreturn") == 0)
            MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
        if (rank == 0) {
            for (int i = 0; i < 10; ++i) {
                /* A message the transport could not take at once waits in the backlog, which
                   only progress retries: probe so that the failure is seen. */
                int flag = 0;
                MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, MPI_STATUS_IGNORE);
                int rc = MPI_Send(&i, 1, MPI_INT, 1, i, MPI_COMM_WORLD);
                if (rc != MPI_SUCCESS) {
                    char msg[MPI_MAX_ERROR_STRING];
                    int len = 0, cls = 0;
                    MPI_Error_class(rc, &cls);
                    MPI_Error_string(rc, msg, &len);
                    printf("rank 0: send %d returned class %d (%s): %s\n", i, cls,
                           cls == MPI_ERR_OTHER ? "MPI_ERR_OTHER" : "?", msg);
                    break;
                }
            }
        }
    } else if (strcmp(what, "truncate") == 0) {
        int big[100] = {0};
        int right = (rank + 1) % size, left = (rank - 1 + size) % size;
        MPI_Sendrecv(big, 100, MPI_INT, right, 0, big, 10, MPI_INT, left, 0, MPI_COMM_WORLD,
                     MPI_STATUS_IGNORE);
    }
    MPI_Finalize();
    return 0;
}
