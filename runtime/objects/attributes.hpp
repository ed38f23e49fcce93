#pragma once
// Attribute caching (MPI_{Comm,Type,Win}_create_keyval, set/get/delete_attr, and the deprecated
// MPI_Keyval_create/Attr_*): keyvals with their copy and delete callbacks, each made for one
// kind of object (a communicator keyval used on a datatype is MPI_ERR_KEYVAL), and the
// predefined attributes of every communicator (MPI_TAG_UB, MPI_HOST, MPI_IO,
// MPI_WTIME_IS_GLOBAL, MPI_UNIVERSE_SIZE, MPI_APPNUM, MPI_LASTUSEDCODE). Callbacks run user
// code, which may call MPI: nothing here holds a lock or an iterator across a callback.
// A callback's non-zero return fails the MPI call that ran it, with that code (thrown as
// efampi::Error).
#include <mpi.h>

#include <utility>
#include <vector>

namespace efampi::rt {

struct Comm;

enum class AttrKind : uint8_t { comm, type, win };

// The attributes cached on one object, in the order they were set.
using AttrList = std::vector<std::pair<int, void*>>;

// An object that carries attributes: its kind, its handle (passed to the callbacks) and list.
struct AttrHost {
    AttrKind kind;
    void* handle;
    AttrList* list;
};
AttrHost attr_host(Comm& c);

// The callbacks of a keyval, by kind (the predefined null and dup functions are 0 and 1 in the
// ABI, stored as such).
struct KeyvalFns {
    MPI_Comm_copy_attr_function* comm_copy = nullptr;
    MPI_Comm_delete_attr_function* comm_del = nullptr;
    MPI_Type_copy_attr_function* type_copy = nullptr;
    MPI_Type_delete_attr_function* type_del = nullptr;
    MPI_Win_copy_attr_function* win_copy = nullptr;
    MPI_Win_delete_attr_function* win_del = nullptr;
};

// A new keyval for objects of `kind`.
int keyval_create(AttrKind kind, const KeyvalFns& fns, void* extra);
// Marks the keyval freed (MPI_ERR_KEYVAL if it is not a live user keyval of `kind`);
// attributes that use it live on until they are deleted.
void keyval_free(AttrKind kind, int keyval);

void attr_set(AttrHost h, int keyval, void* value);        // deletes a previous value first
bool attr_get(AttrHost h, int keyval, void** value);       // predefined ones included
void attr_delete(AttrHost h, int keyval);                  // MPI_ERR_KEYVAL when not set
// MPI_Comm_dup, MPI_Type_dup: runs every copy callback of `from`, setting what they return on
// `to`.
void attr_copy_all(AttrHost from, AttrHost to);
// Freeing the object (and MPI_Finalize on MPI_COMM_SELF): deletes every attribute, the last
// set first.
void attr_delete_all(AttrHost h);

// The communicator forms.
inline void attr_copy_all(Comm& from, Comm& to) { attr_copy_all(attr_host(from), attr_host(to)); }
inline void attr_delete_all(Comm& c) { attr_delete_all(attr_host(c)); }

}  // namespace efampi::rt
