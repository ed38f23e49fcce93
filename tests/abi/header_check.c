/* Compiled by tests/abi (suite 'abi') as C89, C99, C11 and, with -x c++, as C++, each with
 * -Wall -Wextra -Werror -pedantic, then run. Uses no library function: it checks the header
 * alone. Compile-time checks use the C89 negative-array-size trick; handle values are checked
 * at run time because a pointer cast is not an integer constant expression. */
#include <mpi.h>
#include <stddef.h>

#define ABI_STATIC_CHECK(name, cond) typedef char abi_check_##name[(cond) ? 1 : -1]

ABI_STATIC_CHECK(status_size, sizeof(MPI_Status) == 32);
ABI_STATIC_CHECK(status_source, offsetof(MPI_Status, MPI_SOURCE) == 0);
ABI_STATIC_CHECK(status_tag, offsetof(MPI_Status, MPI_TAG) == 4);
ABI_STATIC_CHECK(status_error, offsetof(MPI_Status, MPI_ERROR) == 8);
ABI_STATIC_CHECK(status_internal, offsetof(MPI_Status, MPI_internal) == 12);
ABI_STATIC_CHECK(f08_status_size, sizeof(MPI_F08_status) == 32);
ABI_STATIC_CHECK(aint_size, sizeof(MPI_Aint) == sizeof(void *));
ABI_STATIC_CHECK(offset_size, sizeof(MPI_Offset) == 8);
ABI_STATIC_CHECK(count_size, sizeof(MPI_Count) == 8);
ABI_STATIC_CHECK(fint_size, sizeof(MPI_Fint) == sizeof(int));
ABI_STATIC_CHECK(handle_size, sizeof(MPI_Comm) == sizeof(void *));
ABI_STATIC_CHECK(cb_safety_size, sizeof(MPI_T_cb_safety) == sizeof(int));
ABI_STATIC_CHECK(version, MPI_VERSION >= 3);
ABI_STATIC_CHECK(abi_version, MPI_ABI_VERSION == 1 && MPI_ABI_SUBVERSION == 0);
ABI_STATIC_CHECK(any_source, MPI_ANY_SOURCE == -1);
ABI_STATIC_CHECK(success, MPI_SUCCESS == 0);
ABI_STATIC_CHECK(unsupported, MPI_ERR_UNSUPPORTED_OPERATION == 55);
ABI_STATIC_CHECK(max_string, MPI_MAX_ERROR_STRING == 512);

#if MPI_VERSION < 3
#error "MPI_VERSION must be usable in #if and at least 3"
#endif

/* Callback typedefs are usable to declare user functions. */
static void user_op(void *in, void *inout, int *len, MPI_Datatype *type)
{
    (void)in; (void)inout; (void)len; (void)type;
}
static void comm_errh(MPI_Comm *comm, int *code, ...)
{
    (void)comm; (void)code;
}

static int check(int cond)
{
    return cond ? 0 : 1;
}

int main(void)
{
    int bad = 0;
    MPI_Status st;
    MPI_Comm world = MPI_COMM_WORLD;
    MPI_Datatype dt = MPI_DOUBLE;
    MPI_User_function *op = user_op;
    MPI_Comm_errhandler_function *eh = comm_errh;
    MPI_Comm_copy_attr_function *dup = MPI_COMM_DUP_FN;
    MPI_T_cb_safety safety = MPI_T_CB_REQUIRE_NONE;

    st.MPI_SOURCE = 1;
    st.MPI_TAG = 2;
    st.MPI_ERROR = MPI_SUCCESS;
    st.MPI_internal[4] = 0;
    bad += check(st.MPI_SOURCE + st.MPI_TAG + st.MPI_ERROR + st.MPI_internal[4] == 3);
    bad += check((intptr_t)world == 0x101);
    bad += check((intptr_t)MPI_COMM_NULL == 0x100);
    bad += check((intptr_t)dt == 0x214);
    bad += check((intptr_t)MPI_REQUEST_NULL == 0x180);
    bad += check((intptr_t)MPI_IN_PLACE == 1);
    bad += check(MPI_STATUS_IGNORE == 0);
    bad += check(MPI_LONG_LONG_INT == MPI_LONG_LONG);
    bad += check(MPI_DISPLACEMENT_CURRENT == -1);
    bad += check(op != 0 && eh != 0 && (intptr_t)dup == 1);
    bad += check(safety == 0);
    return bad;
}
