#pragma once
// The setup-path error type. Thrown below the C boundary, caught by api::call, mapped to its
// MPI error class and handed to the error handler. Hot paths return status codes instead.
#include <string>
#include <utility>

namespace efampi {

struct Error {
    int cls;          // an MPI error class (MPI_ERR_*)
    std::string msg;  // what was wrong with which argument, without the function name
    Error(int c, std::string m) : cls(c), msg(std::move(m)) {}
};

}  // namespace efampi
