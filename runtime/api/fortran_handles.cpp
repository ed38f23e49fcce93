// The C <-> Fortran handle conversions (MPI 4.1 §19.3.4): MPI_X_c2f / MPI_X_f2c for every
// handle kind, and the status conversions. They work at any time, also before MPI_Init and
// after MPI_Finalize (MPI 4.1 §11.4.1), and never raise an error (the standard gives them none).
//
// An MPI_Fint is an int. A predefined handle (at most 0x1000) is its own Fortran value; any
// other handle (an object address) gets the next free value above 0x1000 the first time it is
// converted, kept in a table per handle kind, so c2f then f2c gives the handle back. A Fortran
// value that names no handle converts to the kind's null handle.
#include <mpi.h>

#include <cstdint>
#include <cstring>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "runtime/api/call.hpp"
#include "runtime/objects/handle.hpp"

namespace {

constexpr uintptr_t first_object_value = efampi::rt::predefined_limit + 1;

// One table per handle kind (the template parameter): object handle <-> Fortran value.
template <class H>
class FortranTable {
public:
    MPI_Fint c2f(H h) {
        uintptr_t v = efampi::rt::handle_value(h);
        if (v <= efampi::rt::predefined_limit) return static_cast<MPI_Fint>(v);
        std::lock_guard<std::mutex> lock(m_);
        auto [it, fresh] = index_.try_emplace(v, objects_.size());
        if (fresh) objects_.push_back(v);
        return static_cast<MPI_Fint>(first_object_value + it->second);
    }
    H f2c(MPI_Fint f, H null) {
        if (f < 0) return null;
        auto v = static_cast<uintptr_t>(f);
        if (v <= efampi::rt::predefined_limit) return reinterpret_cast<H>(v);
        std::lock_guard<std::mutex> lock(m_);
        size_t i = v - first_object_value;
        return i < objects_.size() ? reinterpret_cast<H>(objects_[i]) : null;
    }

private:
    std::mutex m_;  // conversions may come from any thread, at any time
    std::vector<uintptr_t> objects_;
    std::unordered_map<uintptr_t, size_t> index_;
};

template <class H>
FortranTable<H>& table() {
    static FortranTable<H> t;
    return t;
}

}  // namespace

extern "C" MPI_Fint PMPI_Comm_c2f(MPI_Comm h) { return table<MPI_Comm>().c2f(h); }
EFAMPI_ALIAS(Comm_c2f)
extern "C" MPI_Comm PMPI_Comm_f2c(MPI_Fint f) { return table<MPI_Comm>().f2c(f, MPI_COMM_NULL); }
EFAMPI_ALIAS(Comm_f2c)
extern "C" MPI_Fint PMPI_Errhandler_c2f(MPI_Errhandler h) { return table<MPI_Errhandler>().c2f(h); }
EFAMPI_ALIAS(Errhandler_c2f)
extern "C" MPI_Errhandler PMPI_Errhandler_f2c(MPI_Fint f) { return table<MPI_Errhandler>().f2c(f, MPI_ERRHANDLER_NULL); }
EFAMPI_ALIAS(Errhandler_f2c)
extern "C" MPI_Fint PMPI_File_c2f(MPI_File h) { return table<MPI_File>().c2f(h); }
EFAMPI_ALIAS(File_c2f)
extern "C" MPI_File PMPI_File_f2c(MPI_Fint f) { return table<MPI_File>().f2c(f, MPI_FILE_NULL); }
EFAMPI_ALIAS(File_f2c)
extern "C" MPI_Fint PMPI_Group_c2f(MPI_Group h) { return table<MPI_Group>().c2f(h); }
EFAMPI_ALIAS(Group_c2f)
extern "C" MPI_Group PMPI_Group_f2c(MPI_Fint f) { return table<MPI_Group>().f2c(f, MPI_GROUP_NULL); }
EFAMPI_ALIAS(Group_f2c)
extern "C" MPI_Fint PMPI_Info_c2f(MPI_Info h) { return table<MPI_Info>().c2f(h); }
EFAMPI_ALIAS(Info_c2f)
extern "C" MPI_Info PMPI_Info_f2c(MPI_Fint f) { return table<MPI_Info>().f2c(f, MPI_INFO_NULL); }
EFAMPI_ALIAS(Info_f2c)
extern "C" MPI_Fint PMPI_Message_c2f(MPI_Message h) { return table<MPI_Message>().c2f(h); }
EFAMPI_ALIAS(Message_c2f)
extern "C" MPI_Message PMPI_Message_f2c(MPI_Fint f) { return table<MPI_Message>().f2c(f, MPI_MESSAGE_NULL); }
EFAMPI_ALIAS(Message_f2c)
extern "C" MPI_Fint PMPI_Op_c2f(MPI_Op h) { return table<MPI_Op>().c2f(h); }
EFAMPI_ALIAS(Op_c2f)
extern "C" MPI_Op PMPI_Op_f2c(MPI_Fint f) { return table<MPI_Op>().f2c(f, MPI_OP_NULL); }
EFAMPI_ALIAS(Op_f2c)
extern "C" MPI_Fint PMPI_Request_c2f(MPI_Request h) { return table<MPI_Request>().c2f(h); }
EFAMPI_ALIAS(Request_c2f)
extern "C" MPI_Request PMPI_Request_f2c(MPI_Fint f) { return table<MPI_Request>().f2c(f, MPI_REQUEST_NULL); }
EFAMPI_ALIAS(Request_f2c)
extern "C" MPI_Fint PMPI_Session_c2f(MPI_Session h) { return table<MPI_Session>().c2f(h); }
EFAMPI_ALIAS(Session_c2f)
extern "C" MPI_Session PMPI_Session_f2c(MPI_Fint f) { return table<MPI_Session>().f2c(f, MPI_SESSION_NULL); }
EFAMPI_ALIAS(Session_f2c)
extern "C" MPI_Fint PMPI_Type_c2f(MPI_Datatype h) { return table<MPI_Datatype>().c2f(h); }
EFAMPI_ALIAS(Type_c2f)
extern "C" MPI_Datatype PMPI_Type_f2c(MPI_Fint f) { return table<MPI_Datatype>().f2c(f, MPI_DATATYPE_NULL); }
EFAMPI_ALIAS(Type_f2c)
extern "C" MPI_Fint PMPI_Win_c2f(MPI_Win h) { return table<MPI_Win>().c2f(h); }
EFAMPI_ALIAS(Win_c2f)
extern "C" MPI_Win PMPI_Win_f2c(MPI_Fint f) { return table<MPI_Win>().f2c(f, MPI_WIN_NULL); }
EFAMPI_ALIAS(Win_f2c)

// Statuses: the three public fields and the five internal ones, in the same order in all three
// forms (MPI_F_STATUS_SIZE is 8, MPI_Fint is int). MPI_STATUS_IGNORE and friends cannot be
// converted (the standard says so): MPI_ERR_ARG.
namespace {
template <class From, class To>
int copy_status(const From* from, To* to) {
    if (!from || !to) return MPI_ERR_ARG;
    static_assert(sizeof(MPI_Status) == MPI_F_STATUS_SIZE * sizeof(MPI_Fint), "status layout");
    static_assert(sizeof(MPI_F08_status) == sizeof(MPI_Status), "status layout");
    std::memcpy(static_cast<void*>(to), static_cast<const void*>(from), sizeof(MPI_Status));
    return MPI_SUCCESS;
}
}  // namespace

extern "C" int PMPI_Status_c2f(const MPI_Status* c, MPI_Fint* f) { return copy_status(c, f); }
EFAMPI_ALIAS(Status_c2f)
extern "C" int PMPI_Status_f2c(const MPI_Fint* f, MPI_Status* c) { return copy_status(f, c); }
EFAMPI_ALIAS(Status_f2c)
extern "C" int PMPI_Status_c2f08(const MPI_Status* c, MPI_F08_status* f) { return copy_status(c, f); }
EFAMPI_ALIAS(Status_c2f08)
extern "C" int PMPI_Status_f082c(const MPI_F08_status* f, MPI_Status* c) { return copy_status(f, c); }
EFAMPI_ALIAS(Status_f082c)
extern "C" int PMPI_Status_f2f08(const MPI_Fint* f, MPI_F08_status* g) { return copy_status(f, g); }
EFAMPI_ALIAS(Status_f2f08)
extern "C" int PMPI_Status_f082f(const MPI_F08_status* f, MPI_Fint* g) { return copy_status(f, g); }
EFAMPI_ALIAS(Status_f082f)
