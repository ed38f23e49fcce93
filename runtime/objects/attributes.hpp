#pragma once
// Attribute caching on communicators (MPI_Comm_create_keyval, set/get/delete_attr, and the
// deprecated MPI_Keyval_create/Attr_*): keyvals with their copy and delete callbacks, and the
// predefined attributes of every communicator (MPI_TAG_UB, MPI_HOST, MPI_IO,
// MPI_WTIME_IS_GLOBAL, MPI_UNIVERSE_SIZE, MPI_APPNUM, MPI_LASTUSEDCODE). Callbacks run user
// code, which may call MPI: nothing here holds a lock or an iterator across a callback.
// A callback's non-zero return fails the MPI call that ran it, with that code (thrown as
// efampi::Error).
#include <mpi.h>

namespace efampi::rt {

struct Comm;

// A new keyval; copy/del may be the predefined null or dup functions (0 and 1 in the ABI).
int keyval_create(MPI_Comm_copy_attr_function* copy, MPI_Comm_delete_attr_function* del,
                  void* extra);
// Marks the keyval freed (MPI_ERR_KEYVAL if it is not a live user keyval); attributes that
// use it live on until they are deleted.
void keyval_free(int keyval);

void attr_set(Comm& c, int keyval, void* value);      // deletes a previous value first
bool attr_get(const Comm& c, int keyval, void** value);  // predefined ones included
void attr_delete(Comm& c, int keyval);                // MPI_ERR_KEYVAL when not set
// MPI_Comm_dup: runs every copy callback of `from`, setting what they return on `to`.
void attr_copy_all(Comm& from, Comm& to);
// MPI_Comm_free and MPI_Finalize (on MPI_COMM_SELF): deletes every attribute, the last set
// first.
void attr_delete_all(Comm& c);

}  // namespace efampi::rt
