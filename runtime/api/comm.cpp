// Communicator queries and error handlers on communicators.
#include <cstring>
#include <string>

#include "runtime/api/call.hpp"
#include "runtime/api/check.hpp"
#include "runtime/objects/errhandler.hpp"

using namespace efampi;

extern "C" int PMPI_Comm_rank(MPI_Comm comm, int* rank) {
    return api::call(comm, "MPI_Comm_rank", [&] {
        rt::Comm* c = api::check_comm(comm);
        if (!rank) api::bad_arg("rank pointer is NULL");
        *rank = c->rank;
        return MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Comm_rank)

extern "C" int PMPI_Comm_size(MPI_Comm comm, int* size) {
    return api::call(comm, "MPI_Comm_size", [&] {
        rt::Comm* c = api::check_comm(comm);
        if (!size) api::bad_arg("size pointer is NULL");
        *size = c->size;
        return MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Comm_size)

extern "C" int PMPI_Comm_get_name(MPI_Comm comm, char* name, int* resultlen) {
    return api::call(comm, "MPI_Comm_get_name", [&] {
        rt::Comm* c = api::check_comm(comm);
        if (!name || !resultlen) api::bad_arg("name or resultlen pointer is NULL");
        size_t n = c->name.size() < MPI_MAX_OBJECT_NAME - 1 ? c->name.size()
                                                            : MPI_MAX_OBJECT_NAME - 1;
        std::memcpy(name, c->name.data(), n);
        name[n] = '\0';
        *resultlen = static_cast<int>(n);
        return MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Comm_get_name)

extern "C" int PMPI_Comm_create_errhandler(MPI_Comm_errhandler_function* fn,
                                           MPI_Errhandler* errhandler) {
    return api::call(api::no_object, "MPI_Comm_create_errhandler", [&] {
        if (!fn) api::bad_arg("error handler function is NULL");
        if (!errhandler) api::bad_arg("errhandler pointer is NULL");
        *errhandler = rt::errhandler_create(fn)->handle;
        return MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Comm_create_errhandler)

extern "C" int PMPI_Comm_set_errhandler(MPI_Comm comm, MPI_Errhandler errhandler) {
    return api::call(comm, "MPI_Comm_set_errhandler", [&] {
        rt::Comm* c = api::check_comm(comm);
        rt::Errhandler* e = rt::to_errhandler(errhandler);
        if (!e) throw Error(MPI_ERR_ARG, "errhandler is not a valid error handler");
        rt::errhandler_retain(e);
        if (c->errh) rt::errhandler_release(c->errh);
        c->errh = e;
        return MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Comm_set_errhandler)

extern "C" int PMPI_Comm_get_errhandler(MPI_Comm comm, MPI_Errhandler* errhandler) {
    return api::call(comm, "MPI_Comm_get_errhandler", [&] {
        rt::Comm* c = api::check_comm(comm);
        if (!errhandler) api::bad_arg("errhandler pointer is NULL");
        rt::Errhandler* e = c->errh ? c->errh : rt::errhandler_fatal();
        rt::errhandler_retain(e);  // the caller owns a reference, freed by MPI_Errhandler_free
        *errhandler = e->handle;
        return MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Comm_get_errhandler)

extern "C" int PMPI_Errhandler_free(MPI_Errhandler* errhandler) {
    return api::call_anytime(api::no_object, "MPI_Errhandler_free", [&] {
        if (!errhandler) api::bad_arg("errhandler pointer is NULL");
        rt::Errhandler* e = rt::to_errhandler(*errhandler);
        if (!e) throw Error(MPI_ERR_ARG, "errhandler is not a valid error handler");
        rt::errhandler_release(e);
        *errhandler = MPI_ERRHANDLER_NULL;
        return MPI_SUCCESS;
    });
}
EFAMPI_ALIAS(Errhandler_free)

extern "C" int PMPI_Comm_call_errhandler(MPI_Comm comm, int errorcode) {
    return api::call(comm, "MPI_Comm_call_errhandler", [&] {
        api::check_comm(comm);
        api::raise(comm, "MPI_Comm_call_errhandler", errorcode,
                   ("error code " + std::to_string(errorcode) + " raised by the application")
                       .c_str());
        return MPI_SUCCESS;  // the standard: returns MPI_SUCCESS when the handler returns
    });
}
EFAMPI_ALIAS(Comm_call_errhandler)

