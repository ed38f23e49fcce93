#include "runtime/objects/error_codes.hpp"

#include <mpi.h>

#include <cstdint>
#include <vector>

#include "base/error.hpp"

namespace efampi::rt {

namespace {
std::vector<UserCode>& user_codes() {
    static std::vector<UserCode> v;
    return v;
}
constexpr int first_user_code = MPI_ERR_LASTCODE + 1;
}  // namespace

UserCode* user_code(int code) {
    if (code < first_user_code) return nullptr;
    size_t i = static_cast<size_t>(code - first_user_code);
    return i < user_codes().size() ? &user_codes()[i] : nullptr;
}

int add_user_code(int cls) {
    auto& v = user_codes();
    if (v.size() >= static_cast<size_t>(INT32_MAX - first_user_code))
        throw Error(MPI_ERR_OTHER, "no error code values left to add");
    int code = first_user_code + static_cast<int>(v.size());
    v.push_back(UserCode{cls < 0 ? code : cls, std::string()});
    return code;
}

int last_used_code() noexcept { return first_user_code - 1 + static_cast<int>(user_codes().size()); }

}  // namespace efampi::rt
