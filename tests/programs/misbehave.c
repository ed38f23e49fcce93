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

static void session_handler(MPI_Session* session, int* code, ...) {
    (void)session;
    (void)code;
}

/* The sessions model: a communicator of mpi://WORLD without MPI_Init (world = 0), or beside
   it (world = 1: the session opens first and closes last). Returns the failed checks. */
static int session_job(int world) {
    int bad = 0, n = -1, len = 0, size = -1, sum = 0, one = 1, flag = -1;
    char name[64];
    MPI_Session s;
    MPI_Group g;
    MPI_Comm c;
    MPI_Info info;
#define SESSION_CHECK(cond) \
    if (!(cond)) { fprintf(stderr, "session: check failed: %s\n", #cond); ++bad; }
    SESSION_CHECK(MPI_Session_init(MPI_INFO_NULL, MPI_ERRORS_RETURN, &s) == MPI_SUCCESS);
    MPI_Initialized(&flag);
    SESSION_CHECK(flag == 0);  /* a session is not MPI_Init */
    if (world) SESSION_CHECK(MPI_Init(NULL, NULL) == MPI_SUCCESS);
    SESSION_CHECK(MPI_Session_get_num_psets(s, MPI_INFO_NULL, &n) == MPI_SUCCESS && n == 2);
    len = 0;
    SESSION_CHECK(MPI_Session_get_nth_pset(s, MPI_INFO_NULL, 0, &len, NULL) == MPI_SUCCESS &&
                  len == 12);
    SESSION_CHECK(MPI_Session_get_nth_pset(s, MPI_INFO_NULL, 0, &len, name) == MPI_SUCCESS &&
                  strcmp(name, "mpi://WORLD") == 0);
    SESSION_CHECK(MPI_Session_get_pset_info(s, "mpi://WORLD", &info) == MPI_SUCCESS);
    len = (int)sizeof name;
    SESSION_CHECK(MPI_Info_get_string(info, "mpi_size", &len, name, &flag) == MPI_SUCCESS && flag);
    MPI_Info_free(&info);
    SESSION_CHECK(MPI_Group_from_session_pset(s, "mpi://WORLD", &g) == MPI_SUCCESS);
    SESSION_CHECK(MPI_Comm_create_from_group(g, "org.efampi.test", MPI_INFO_NULL,
                                             MPI_ERRORS_RETURN, &c) == MPI_SUCCESS);
    MPI_Comm_size(c, &size);
    SESSION_CHECK(size == atoi(name));
    MPI_Allreduce(&one, &sum, 1, MPI_INT, MPI_SUM, c);
    SESSION_CHECK(sum == size);
    /* Errors of session calls go to the session's handler (MPI_ERRORS_RETURN here). */
    SESSION_CHECK(MPI_Group_from_session_pset(s, "mpi://NOWHERE", &g) == MPI_ERR_ARG);
    MPI_Comm_free(&c);
    MPI_Group_free(&g);
    if (world) {
        SESSION_CHECK(MPI_Finalize() == MPI_SUCCESS);
        MPI_Finalized(&flag);
        SESSION_CHECK(flag == 1);
    }
    SESSION_CHECK(MPI_Session_finalize(&s) == MPI_SUCCESS && s == MPI_SESSION_NULL);
#undef SESSION_CHECK
    return bad;
}

/* The calls MPI 4.1 section 11.4.1 allows before MPI_Init and after MPI_Finalize: each must
   work (and bad input must come back as an error, not end the process). Returns the number of
   failed checks, printing each. */
static int anytime_calls(const char* when) {
    int bad = 0, flag = -1, v = 0, sv = 0, len = 0, nkeys = -1;
    char buf[MPI_MAX_LIBRARY_VERSION_STRING];
    MPI_Info info = MPI_INFO_NULL, dup = MPI_INFO_NULL, env = MPI_INFO_NULL;
    MPI_Errhandler eh = MPI_ERRORS_RETURN;
#define ANYTIME_CHECK(cond) \
    if (!(cond)) { fprintf(stderr, "%s: check failed: %s\n", when, #cond); ++bad; }
    ANYTIME_CHECK(MPI_Initialized(&flag) == MPI_SUCCESS);
    ANYTIME_CHECK(MPI_Finalized(&flag) == MPI_SUCCESS);
    ANYTIME_CHECK(MPI_Get_version(&v, &sv) == MPI_SUCCESS && v >= 3);
    ANYTIME_CHECK(MPI_Get_library_version(buf, &len) == MPI_SUCCESS && len > 0);
    ANYTIME_CHECK(MPI_Abi_get_version(&v, &sv) == MPI_SUCCESS && v == 1);
    ANYTIME_CHECK(MPI_Info_create(&info) == MPI_SUCCESS);
    ANYTIME_CHECK(MPI_Info_set(info, "key", "value") == MPI_SUCCESS);
    len = (int)sizeof buf;
    ANYTIME_CHECK(MPI_Info_get_string(info, "key", &len, buf, &flag) == MPI_SUCCESS && flag &&
                  strcmp(buf, "value") == 0);
    ANYTIME_CHECK(MPI_Info_get_valuelen(info, "key", &len, &flag) == MPI_SUCCESS && len == 5);
    ANYTIME_CHECK(MPI_Info_dup(info, &dup) == MPI_SUCCESS);
    ANYTIME_CHECK(MPI_Info_get_nkeys(dup, &nkeys) == MPI_SUCCESS && nkeys == 1);
    ANYTIME_CHECK(MPI_Info_get_nthkey(dup, 0, buf) == MPI_SUCCESS && strcmp(buf, "key") == 0);
    ANYTIME_CHECK(MPI_Info_delete(dup, "key") == MPI_SUCCESS);
    ANYTIME_CHECK(MPI_Info_free(&dup) == MPI_SUCCESS && dup == MPI_INFO_NULL);
    ANYTIME_CHECK(MPI_Info_free(&info) == MPI_SUCCESS);
    ANYTIME_CHECK(MPI_Info_create_env(0, NULL, &env) == MPI_SUCCESS);
    ANYTIME_CHECK(MPI_Info_free(&env) == MPI_SUCCESS);
    ANYTIME_CHECK(MPI_Abi_get_info(&env) == MPI_SUCCESS);
    ANYTIME_CHECK(MPI_Info_free(&env) == MPI_SUCCESS);
    ANYTIME_CHECK(MPI_Errhandler_free(&eh) == MPI_SUCCESS && eh == MPI_ERRHANDLER_NULL);
    ANYTIME_CHECK(MPI_Comm_f2c(MPI_Comm_c2f(MPI_COMM_WORLD)) == MPI_COMM_WORLD);
    ANYTIME_CHECK(MPI_Type_f2c(MPI_Type_c2f(MPI_DOUBLE)) == MPI_DOUBLE);
    ANYTIME_CHECK(MPI_Op_f2c(MPI_Op_c2f(MPI_SUM)) == MPI_SUM);
    ANYTIME_CHECK(MPI_Error_class(MPI_ERR_TAG, &v) == MPI_SUCCESS && v == MPI_ERR_TAG);
    ANYTIME_CHECK(MPI_T_init_thread(MPI_THREAD_SINGLE, &v) == MPI_SUCCESS);
    ANYTIME_CHECK(MPI_T_cvar_get_num(&nkeys) == MPI_SUCCESS && nkeys == 0);
    ANYTIME_CHECK(MPI_T_finalize() == MPI_SUCCESS);
    {   /* Session error handlers may be made at any time. */
        MPI_Errhandler seh = MPI_ERRHANDLER_NULL;
        ANYTIME_CHECK(MPI_Session_create_errhandler(session_handler, &seh) == MPI_SUCCESS);
        ANYTIME_CHECK(MPI_Errhandler_free(&seh) == MPI_SUCCESS);
    }
    /* Bad input: an error comes back, the process goes on. */
    ANYTIME_CHECK(MPI_Info_set(MPI_INFO_NULL, "key", "value") == MPI_ERR_INFO);
    ANYTIME_CHECK(MPI_Info_get_nkeys(MPI_INFO_NULL, &nkeys) == MPI_ERR_INFO);
#undef ANYTIME_CHECK
    return bad;
}

int main(int argc, char** argv) {
    const char* what = argc > 1 ? argv[1] : "hello";
    int x = 0;
    if (strcmp(what, "anytime") == 0) {
        int bad = anytime_calls("before MPI_Init");
        MPI_Init(&argc, &argv);
        MPI_Finalize();
        bad += anytime_calls("after MPI_Finalize");
        if (bad == 0) printf("anytime calls ok\n");
        return bad ? 1 : 0;
    }
    if (strcmp(what, "session_only") == 0 || strcmp(what, "session_world") == 0) {
        int bad = session_job(strcmp(what, "session_world") == 0);
        if (bad == 0) printf("session ok\n");
        return bad ? 1 : 0;
    }
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
    } else if (strcmp(what, "bad_info_key") == 0) {
        /* Fatal, tied to no communicator: the message names the class MPI_ERR_INFO_KEY. */
        MPI_Info info;
        MPI_Info_create(&info);
        MPI_Info_set(info, "", "value");
    } else if (strcmp(what, "added_class") == 0) {
        int cls;
        MPI_Add_error_class(&cls);
        MPI_Comm_call_errhandler(MPI_COMM_WORLD, cls);
    } else if (strcmp(what, "truncate") == 0) {
        int big[100] = {0};
        int right = (rank + 1) % size, left = (rank - 1 + size) % size;
        MPI_Sendrecv(big, 100, MPI_INT, right, 0, big, 10, MPI_INT, left, 0, MPI_COMM_WORLD,
                     MPI_STATUS_IGNORE);
    }
    MPI_Finalize();
    return 0;
}
