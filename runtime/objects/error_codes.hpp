#pragma once
// Error classes and codes added by the program (MPI_Add_error_class/code/string). They are
// numbered from MPI_ERR_LASTCODE + 1 in the order they are added, classes and codes from one
// counter, so that processes adding them in the same order get the same values (the standard's
// advice) and MPI_ERR_LASTCODE keeps bounding the predefined ones. An MPI object: the entry
// points (runtime/api/errors.cpp) add and read them, the MPI_LASTUSEDCODE attribute reads the
// largest.
#include <string>

namespace efampi::rt {

struct UserCode {
    int cls;           // its class; a class is its own class
    std::string text;  // MPI_Add_error_string's, empty until set
};

// The added code `code`, or null when it is not one.
UserCode* user_code(int code);
// Adds a code of class `cls` (< 0: a new class, its own); throws efampi::Error when none is
// left.
int add_user_code(int cls);
// The largest error code in use (the MPI_LASTUSEDCODE attribute).
int last_used_code() noexcept;

}  // namespace efampi::rt
