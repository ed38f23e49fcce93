/* A legacy MPI-1 program: every name removed in MPI 3.0 that efampi still provides
 * (include/mpi_legacy.h), built by our mpicc with no extra flag and run at any size. Prints
 * "legacy ok: N ranks" on rank 0 when every check passed; exits 1 (with the failed check)
 * otherwise. C89 on purpose, as such codes are. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

static int failures = 0;

#define CHECK(cond)                                                                   \
    do {                                                                              \
        if (!(cond)) {                                                                \
            fprintf(stderr, "legacy.c:%d: check failed: %s\n", __LINE__, #cond);      \
            ++failures;                                                               \
        }                                                                             \
    } while (0)

static int handler_calls = 0;
static void count_errors(MPI_Comm* comm, int* code, ...)
{
    (void)comm;
    (void)code;
    ++handler_calls;
}

/* Legacy codes switch over combiners, the removed ones included: this must compile (distinct
 * values). */
static const char* combiner_name(int c)
{
    switch (c) {
    case MPI_COMBINER_STRUCT: return "struct";
    case MPI_COMBINER_STRUCT_INTEGER: return "struct_integer";
    case MPI_COMBINER_HVECTOR: return "hvector";
    case MPI_COMBINER_HVECTOR_INTEGER: return "hvector_integer";
    case MPI_COMBINER_HINDEXED: return "hindexed";
    case MPI_COMBINER_HINDEXED_INTEGER: return "hindexed_integer";
    default: return "other";
    }
}

struct particle {
    double x[3];
    int id;
    char tag;
};

int main(int argc, char** argv)
{
    int rank, size, i, ni, na, nd, comb;
    int blens[4];
    MPI_Aint displs[4], base, extent, lb, ub;
    MPI_Datatype types[4], ptype, vec, idx;
    MPI_Errhandler eh, got;
    struct particle out[2], in[2];
    MPI_Status st;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);

    /* MPI_Address + MPI_Type_struct with MPI_LB and MPI_UB markers: the particle type spans
     * exactly one struct particle, whatever the padding. */
    MPI_Address(&out[0], &base);
    MPI_Address(&out[0].x, &displs[1]);
    MPI_Address(&out[0].id, &displs[2]);
    MPI_Address(&out[1], &displs[3]);
    displs[0] = 0;
    displs[1] -= base;
    displs[2] -= base;
    displs[3] -= base;
    blens[0] = 1; types[0] = MPI_LB;
    blens[1] = 3; types[1] = MPI_DOUBLE;
    blens[2] = 1; types[2] = MPI_INT;
    blens[3] = 1; types[3] = MPI_UB;
    MPI_Type_struct(4, blens, displs, types, &ptype);
    MPI_Type_commit(&ptype);
    MPI_Type_extent(ptype, &extent);
    MPI_Type_lb(ptype, &lb);
    MPI_Type_ub(ptype, &ub);
    CHECK(extent == (MPI_Aint)sizeof(struct particle));
    CHECK(lb == 0);
    CHECK(ub == (MPI_Aint)sizeof(struct particle));
    MPI_Type_get_envelope(ptype, &ni, &na, &nd, &comb);
    CHECK(comb == MPI_COMBINER_STRUCT);
    CHECK(combiner_name(comb)[0] == 's');
    CHECK(nd == 4);

    /* The markers decide the bounds even against the data: an MPI_UB inside the data's
     * alignment padding gives an extent with no padding (5, not 8), an MPI_LB above the first
     * data byte a lower bound there (MPI-1 4.1.6). */
    {
        MPI_Datatype t;
        int bl[4] = {1, 1, 1, 1};
        MPI_Aint d[4];
        MPI_Datatype ty[4];
        d[0] = 0; ty[0] = MPI_INT;
        d[1] = 4; ty[1] = MPI_CHAR;
        d[2] = 5; ty[2] = MPI_UB;
        d[3] = 2; ty[3] = MPI_LB;
        MPI_Type_struct(4, bl, d, ty, &t);
        MPI_Type_extent(t, &extent);
        MPI_Type_lb(t, &lb);
        MPI_Type_ub(t, &ub);
        CHECK(lb == 2);
        CHECK(ub == 5);
        CHECK(extent == 3);
        MPI_Type_free(&t);
        MPI_Type_struct(3, bl, d, ty, &t); /* no MPI_LB: the data's lower bound */
        MPI_Type_lb(t, &lb);
        MPI_Type_extent(t, &extent);
        CHECK(lb == 0);
        CHECK(extent == 5);
        MPI_Type_free(&t);
    }

    /* Two particles around the ring through the struct type (its extent steps the array). */
    for (i = 0; i < 2; ++i) {
        out[i].x[0] = rank; out[i].x[1] = i; out[i].x[2] = 0.5;
        out[i].id = 100 * rank + i;
        out[i].tag = 'q';
        in[i].id = -1;
        in[i].tag = 'z';
    }
    MPI_Sendrecv(out, 2, ptype, (rank + 1) % size, 1, in, 2, ptype, (rank + size - 1) % size, 1,
                 MPI_COMM_WORLD, &st);
    CHECK(in[1].id == 100 * ((rank + size - 1) % size) + 1);
    CHECK(in[1].x[1] == 1.0);
    CHECK(in[0].tag == 'z'); /* not in the type: untouched */

    /* MPI_Type_hvector and MPI_Type_hindexed: byte strides and displacements. */
    MPI_Type_hvector(3, 1, (MPI_Aint)(2 * sizeof(int)), MPI_INT, &vec);
    MPI_Type_extent(vec, &extent);
    CHECK(extent == (MPI_Aint)(5 * sizeof(int)));
    MPI_Type_get_envelope(vec, &ni, &na, &nd, &comb);
    CHECK(comb == MPI_COMBINER_HVECTOR);
    blens[0] = 2; blens[1] = 1;
    displs[0] = 0; displs[1] = (MPI_Aint)(4 * sizeof(int));
    MPI_Type_hindexed(2, blens, displs, MPI_INT, &idx);
    MPI_Type_ub(idx, &ub);
    CHECK(ub == (MPI_Aint)(5 * sizeof(int)));
    MPI_Type_free(&vec);
    MPI_Type_free(&idx);
    MPI_Type_free(&ptype);

    /* MPI_Errhandler_create / set / get: a user handler called for an error on the comm. */
    MPI_Errhandler_create(count_errors, &eh);
    MPI_Errhandler_set(MPI_COMM_WORLD, eh);
    MPI_Errhandler_get(MPI_COMM_WORLD, &got);
    CHECK(got == eh);
    MPI_Errhandler_free(&got);
    CHECK(MPI_Send(out, 1, MPI_INT, size, 0, MPI_COMM_WORLD) != MPI_SUCCESS); /* bad rank */
    CHECK(handler_calls == 1);
    MPI_Errhandler_set(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
    MPI_Errhandler_free(&eh);

    MPI_Allreduce(MPI_IN_PLACE, &failures, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    if (rank == 0 && failures == 0) printf("legacy ok: %d ranks\n", size);
    MPI_Finalize();
    return failures ? 1 : 0;
}
