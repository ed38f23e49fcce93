/* mpi_legacy.h: the MPI-1 names removed in MPI 3.0 that legacy codes still call, as
 * provided by efampi. Not part of the standard ABI. Included by mpi.h (inside its extern "C"
 * and default-visibility region) unless EFAMPI_STRICT_STANDARD is defined.
 *
 * GENERATED FILE, do not edit. Source: abi/legacy_constants.tsv and
 * abi/legacy_signatures.txt. Regenerate with:  python3 scripts/gen_mpi_h.py
 */
#ifndef EFAMPI_MPI_LEGACY_H_INCLUDED
#define EFAMPI_MPI_LEGACY_H_INCLUDED

#if !defined(EFAMPI_MPI_H_INCLUDED)
#error "include <mpi.h>, not mpi_legacy.h"
#endif

/* The error-handler function type of MPI_Errhandler_create. */
typedef MPI_Comm_errhandler_function MPI_Handler_function;

/* Bound markers for MPI_Type_struct (and MPI_Type_create_struct): a block of MPI_LB / MPI_UB
 * sets the type's lower / upper bound at its displacement. Handle values from 0x400..0xfff,
 * which the standard's handle code leaves unused; combiners of the removed constructors
 * (never returned by the C functions, kept for codes that name them). */
#define MPI_LB                         ((MPI_Datatype)0x00000601)
#define MPI_UB                         ((MPI_Datatype)0x00000602)
#define MPI_COMBINER_HVECTOR_INTEGER   1105
#define MPI_COMBINER_HINDEXED_INTEGER  1107
#define MPI_COMBINER_STRUCT_INTEGER    1110

/* ------------------------------------------------------------------ functions */
int MPI_Address(const void *location, MPI_Aint *address);
int MPI_Errhandler_create(MPI_Handler_function *function, MPI_Errhandler *errhandler);
int MPI_Errhandler_get(MPI_Comm comm, MPI_Errhandler *errhandler);
int MPI_Errhandler_set(MPI_Comm comm, MPI_Errhandler errhandler);
int MPI_Type_extent(MPI_Datatype datatype, MPI_Aint *extent);
int MPI_Type_hindexed(int count, const int array_of_blocklengths[], const MPI_Aint array_of_displacements[], MPI_Datatype oldtype, MPI_Datatype *newtype);
int MPI_Type_hvector(int count, int blocklength, MPI_Aint stride, MPI_Datatype oldtype, MPI_Datatype *newtype);
int MPI_Type_lb(MPI_Datatype datatype, MPI_Aint *displacement);
int MPI_Type_struct(int count, const int array_of_blocklengths[], const MPI_Aint array_of_displacements[], const MPI_Datatype array_of_types[], MPI_Datatype *newtype);
int MPI_Type_ub(MPI_Datatype datatype, MPI_Aint *displacement);

/* ------------------------------------------------------------------ profiling interface */
int PMPI_Address(const void *location, MPI_Aint *address);
int PMPI_Errhandler_create(MPI_Handler_function *function, MPI_Errhandler *errhandler);
int PMPI_Errhandler_get(MPI_Comm comm, MPI_Errhandler *errhandler);
int PMPI_Errhandler_set(MPI_Comm comm, MPI_Errhandler errhandler);
int PMPI_Type_extent(MPI_Datatype datatype, MPI_Aint *extent);
int PMPI_Type_hindexed(int count, const int array_of_blocklengths[], const MPI_Aint array_of_displacements[], MPI_Datatype oldtype, MPI_Datatype *newtype);
int PMPI_Type_hvector(int count, int blocklength, MPI_Aint stride, MPI_Datatype oldtype, MPI_Datatype *newtype);
int PMPI_Type_lb(MPI_Datatype datatype, MPI_Aint *displacement);
int PMPI_Type_struct(int count, const int array_of_blocklengths[], const MPI_Aint array_of_displacements[], const MPI_Datatype array_of_types[], MPI_Datatype *newtype);
int PMPI_Type_ub(MPI_Datatype datatype, MPI_Aint *displacement);

#endif /* EFAMPI_MPI_LEGACY_H_INCLUDED */
