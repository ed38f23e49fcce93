// Conformance, error handling (MPI 4.1 chapter 9.3-9.5) and attributes (chapter 7.7): which
// handler applies to calls tied to no communicator (MPI_COMM_SELF's, else the one set on
// MPI_COMM_WORLD, as older codes expect), attribute callbacks that fail (their error is the
// call's, through the handler, not the end of the job), keyvals freed while attributes still
// use them, callbacks freeing their own keyval. Bodies work at any size.
//
// Each test restores MPI_ERRORS_ARE_FATAL on WORLD and SELF, so that a missing rule shows as an
// aborted job (a failure), never as a silent pass.
#include <gtest/gtest.h>

#include <string>

#include "tests/mpi/harness.hpp"

using efampi::test::error_class;
using efampi::test::error_text;
using efampi::test::rank;
using efampi::test::size;

namespace {

class Handlers : public ::testing::Test {
protected:
    void TearDown() override {
        MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
        MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_ARE_FATAL);
    }
};
class Attributes : public Handlers {};

int self_calls = 0, world_calls = 0;
MPI_Comm last_comm = MPI_COMM_NULL;
void on_self(MPI_Comm* c, int*, ...) {
    ++self_calls;
    last_comm = *c;
}
void on_world(MPI_Comm* c, int*, ...) {
    ++world_calls;
    last_comm = *c;
}

// Errors of calls that belong to no communicator, one of each family.
void expect_no_object_errors_returned() {
    MPI_Datatype t;
    EXPECT_EQ(MPI_ERR_COUNT, error_class(MPI_Type_contiguous(-1, MPI_INT, &t))) << "datatype";
    MPI_Group g = MPI_GROUP_NULL;
    EXPECT_EQ(MPI_ERR_GROUP, error_class(MPI_Group_free(&g))) << "group";
    MPI_Info i = MPI_INFO_NULL;
    EXPECT_EQ(MPI_ERR_INFO, error_class(MPI_Info_free(&i))) << "info";
    MPI_Op op = MPI_SUM;
    EXPECT_EQ(MPI_ERR_OP, error_class(MPI_Op_free(&op))) << "op";
    int kv = 12345678;
    EXPECT_EQ(MPI_ERR_KEYVAL, error_class(MPI_Comm_free_keyval(&kv))) << "keyval";
    MPI_Request r = MPI_REQUEST_NULL;
    EXPECT_EQ(MPI_ERR_REQUEST, error_class(MPI_Request_free(&r))) << "request";
}

TEST_F(Handlers, WorldReturnAppliesToCallsOfNoObject) {
    // Only WORLD's handler is set, as MPI-1 and MPI-2 codes do.
    ASSERT_EQ(MPI_SUCCESS, MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
    expect_no_object_errors_returned();
    // An invalid communicator handle is no object either.
    int x = 0;
    EXPECT_EQ(MPI_ERR_COMM, error_class(MPI_Send(&x, 1, MPI_INT, 0, 0, MPI_COMM_NULL)));
}

TEST_F(Handlers, SelfHandlerComesFirst) {
    MPI_Errhandler self_h, world_h;
    MPI_Comm_create_errhandler(on_self, &self_h);
    MPI_Comm_create_errhandler(on_world, &world_h);
    MPI_Comm_set_errhandler(MPI_COMM_SELF, self_h);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, world_h);
    self_calls = world_calls = 0;
    MPI_Datatype t;
    MPI_Type_contiguous(-1, MPI_INT, &t);
    EXPECT_EQ(1, self_calls);
    EXPECT_EQ(0, world_calls);
    EXPECT_EQ(MPI_COMM_SELF, last_comm);
    // SELF back at the default: WORLD's handler, given MPI_COMM_WORLD.
    MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_ARE_FATAL);
    MPI_Type_contiguous(-1, MPI_INT, &t);
    EXPECT_EQ(1, self_calls);
    EXPECT_EQ(1, world_calls);
    EXPECT_EQ(MPI_COMM_WORLD, last_comm);
    // A communication call on SELF itself keeps SELF's handler: set it to return and check
    // that WORLD's user handler is not called.
    MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN);
    int x = 0;
    EXPECT_EQ(MPI_ERR_RANK, error_class(MPI_Send(&x, 1, MPI_INT, 5, 0, MPI_COMM_SELF)));
    EXPECT_EQ(1, world_calls);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
    MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_ARE_FATAL);
    MPI_Errhandler_free(&self_h);
    MPI_Errhandler_free(&world_h);
}

TEST_F(Handlers, MessagesNameTheClass) {
    // MPI_Error_string of a returned code names the function and says what was wrong.
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Datatype t;
    int rc = MPI_Type_contiguous(-1, MPI_INT, &t);
    std::string s = error_text(rc);
    EXPECT_NE(std::string::npos, s.find("MPI_Type_contiguous")) << s;
    EXPECT_NE(std::string::npos, s.find("-1")) << s;
}

// ---------------------------------------------------------------------------------------------
// Attribute callbacks that fail: the call returns their code through the handler.

int fail_code = MPI_ERR_OTHER;
bool fail_now = true;
int failing_delete(MPI_Comm, int, void*, void*) { return fail_now ? fail_code : MPI_SUCCESS; }
int failing_copy(MPI_Comm, int, void*, void*, void* out, int* flag) {
    *static_cast<void**>(out) = nullptr;
    *flag = 1;
    return fail_now ? fail_code : MPI_SUCCESS;
}
int failing_type_delete(MPI_Datatype, int, void*, void*) {
    return fail_now ? fail_code : MPI_SUCCESS;
}
int failing_type_copy(MPI_Datatype, int, void*, void*, void* out, int* flag) {
    *static_cast<void**>(out) = nullptr;
    *flag = 1;
    return fail_now ? fail_code : MPI_SUCCESS;
}

TEST_F(Attributes, FailingCommCallbacksReturnTheirError) {
    MPI_Comm c;
    ASSERT_EQ(MPI_SUCCESS, MPI_Comm_dup(MPI_COMM_WORLD, &c));
    MPI_Comm_set_errhandler(c, MPI_ERRORS_RETURN);
    int kv;
    ASSERT_EQ(MPI_SUCCESS, MPI_Comm_create_keyval(failing_copy, failing_delete, &kv, nullptr));
    fail_now = true;
    static int value = 1;
    ASSERT_EQ(MPI_SUCCESS, MPI_Comm_set_attr(c, kv, &value));
    // Replacing the value runs the delete callback: its error is the call's.
    EXPECT_EQ(MPI_ERR_OTHER, error_class(MPI_Comm_set_attr(c, kv, &value)));
    EXPECT_EQ(MPI_ERR_OTHER, error_class(MPI_Comm_delete_attr(c, kv)));
    MPI_Comm d = MPI_COMM_WORLD;
    EXPECT_EQ(MPI_ERR_OTHER, error_class(MPI_Comm_dup(c, &d)));  // the copy callback
    EXPECT_EQ(MPI_COMM_NULL, d);
    EXPECT_EQ(MPI_ERR_OTHER, error_class(MPI_Comm_free(&c)));  // the delete callback
    fail_now = false;
    if (c != MPI_COMM_NULL) {
        EXPECT_EQ(MPI_SUCCESS, MPI_Comm_free(&c));
    }
    MPI_Comm_free_keyval(&kv);
}

TEST_F(Attributes, FailingTypeCallbacksUseTheNoObjectRule) {
    // Datatypes belong to no communicator: WORLD's handler (set here) applies.
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    int kv;
    ASSERT_EQ(MPI_SUCCESS, MPI_Type_create_keyval(failing_type_copy, failing_type_delete, &kv, nullptr));
    MPI_Datatype t, u = MPI_DATATYPE_NULL;
    MPI_Type_contiguous(2, MPI_INT, &t);
    static int value = 2;
    fail_now = true;
    ASSERT_EQ(MPI_SUCCESS, MPI_Type_set_attr(t, kv, &value));
    EXPECT_EQ(MPI_ERR_OTHER, error_class(MPI_Type_delete_attr(t, kv)));
    EXPECT_NE(MPI_SUCCESS, MPI_Type_dup(t, &u));
    EXPECT_NE(MPI_SUCCESS, MPI_Type_free(&t));
    fail_now = false;
    if (t != MPI_DATATYPE_NULL) {
        EXPECT_EQ(MPI_SUCCESS, MPI_Type_free(&t));
    }
    if (u != MPI_DATATYPE_NULL) MPI_Type_free(&u);
    MPI_Type_free_keyval(&kv);
}

// ---------------------------------------------------------------------------------------------
// Keyvals freed while attributes use them, and callbacks freeing their own keyval.

int deletes = 0;
int counting_delete(MPI_Comm, int, void*, void*) {
    ++deletes;
    return MPI_SUCCESS;
}
int self_freeing_delete(MPI_Comm, int keyval, void*, void*) {
    ++deletes;
    return MPI_Comm_free_keyval(&keyval);  // a local copy: the caller's handle is unchanged
}

TEST_F(Attributes, FreedKeyvalLivesUntilItsLastAttribute) {
    int kv;
    ASSERT_EQ(MPI_SUCCESS, MPI_Comm_create_keyval(MPI_COMM_DUP_FN, counting_delete, &kv, nullptr));
    MPI_Comm a, b;
    MPI_Comm_dup(MPI_COMM_WORLD, &a);
    static int value = 7;
    ASSERT_EQ(MPI_SUCCESS, MPI_Comm_set_attr(a, kv, &value));
    int keep = kv;
    ASSERT_EQ(MPI_SUCCESS, MPI_Comm_free_keyval(&kv));
    EXPECT_EQ(MPI_KEYVAL_INVALID, kv);
    // Still attached: readable, copied by a dup, deleted at each free.
    void* got = nullptr;
    int flag = 0;
    ASSERT_EQ(MPI_SUCCESS, MPI_Comm_get_attr(a, keep, &got, &flag));
    EXPECT_EQ(1, flag);
    EXPECT_EQ(&value, got);
    ASSERT_EQ(MPI_SUCCESS, MPI_Comm_dup(a, &b));
    flag = 0;
    MPI_Comm_get_attr(b, keep, &got, &flag);
    EXPECT_EQ(1, flag);
    deletes = 0;
    EXPECT_EQ(MPI_SUCCESS, MPI_Comm_free(&a));
    EXPECT_EQ(MPI_SUCCESS, MPI_Comm_free(&b));
    EXPECT_EQ(2, deletes);
    // But no new attribute with it.
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    EXPECT_EQ(MPI_ERR_KEYVAL, error_class(MPI_Comm_set_attr(MPI_COMM_WORLD, keep, &value)));
}

TEST_F(Attributes, DeleteCallbackFreesItsOwnKeyval) {
    int kv;
    ASSERT_EQ(MPI_SUCCESS, MPI_Comm_create_keyval(MPI_COMM_NULL_COPY_FN, self_freeing_delete, &kv, nullptr));
    MPI_Comm a;
    MPI_Comm_dup(MPI_COMM_WORLD, &a);
    static int value = 3;
    ASSERT_EQ(MPI_SUCCESS, MPI_Comm_set_attr(a, kv, &value));
    deletes = 0;
    EXPECT_EQ(MPI_SUCCESS, MPI_Comm_delete_attr(a, kv));
    EXPECT_EQ(1, deletes);
    EXPECT_EQ(MPI_SUCCESS, MPI_Comm_free(&a));
    EXPECT_EQ(1, deletes);  // deleted once only
}

// ---------------------------------------------------------------------------------------------
// Repeated frees: the second free of a handle (kept in a copy) is a clear error, not a crash.

void user_op(void*, void*, int*, MPI_Datatype*) {}

TEST_F(Handlers, RepeatedFreesAreErrors) {
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN);
    MPI_Datatype t, t2;
    MPI_Type_contiguous(2, MPI_INT, &t);
    t2 = t;
    ASSERT_EQ(MPI_SUCCESS, MPI_Type_free(&t));
    EXPECT_EQ(MPI_ERR_TYPE, error_class(MPI_Type_free(&t2)));
    MPI_Comm c, c2;
    MPI_Comm_dup(MPI_COMM_WORLD, &c);
    c2 = c;
    ASSERT_EQ(MPI_SUCCESS, MPI_Comm_free(&c));
    EXPECT_EQ(MPI_ERR_COMM, error_class(MPI_Comm_free(&c2)));
    MPI_Op op, op2;
    MPI_Op_create(user_op, 1, &op);
    op2 = op;
    ASSERT_EQ(MPI_SUCCESS, MPI_Op_free(&op));
    EXPECT_EQ(MPI_ERR_OP, error_class(MPI_Op_free(&op2)));
    MPI_Info i, i2;
    MPI_Info_create(&i);
    i2 = i;
    ASSERT_EQ(MPI_SUCCESS, MPI_Info_free(&i));
    EXPECT_EQ(MPI_ERR_INFO, error_class(MPI_Info_free(&i2)));
    MPI_Group g, g2;
    MPI_Comm_group(MPI_COMM_WORLD, &g);
    g2 = g;
    ASSERT_EQ(MPI_SUCCESS, MPI_Group_free(&g));
    EXPECT_EQ(MPI_ERR_GROUP, error_class(MPI_Group_free(&g2)));
    int kv, kv2;
    MPI_Comm_create_keyval(MPI_COMM_NULL_COPY_FN, MPI_COMM_NULL_DELETE_FN, &kv, nullptr);
    kv2 = kv;
    ASSERT_EQ(MPI_SUCCESS, MPI_Comm_free_keyval(&kv));
    EXPECT_EQ(MPI_ERR_KEYVAL, error_class(MPI_Comm_free_keyval(&kv2)));
    MPI_Errhandler e, e2;
    MPI_Comm_create_errhandler(on_self, &e);
    e2 = e;
    ASSERT_EQ(MPI_SUCCESS, MPI_Errhandler_free(&e));
    EXPECT_NE(MPI_SUCCESS, MPI_Errhandler_free(&e2));
    MPI_Request r, r2;
    int x = 0;
    MPI_Send_init(&x, 1, MPI_INT, MPI_PROC_NULL, 0, MPI_COMM_WORLD, &r);
    r2 = r;
    ASSERT_EQ(MPI_SUCCESS, MPI_Request_free(&r));
    EXPECT_EQ(MPI_ERR_REQUEST, error_class(MPI_Request_free(&r2)));
}

}  // namespace
