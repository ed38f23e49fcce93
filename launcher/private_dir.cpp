#include "launcher/private_dir.hpp"

#include <ftw.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "launcher/error.hpp"

namespace efampi::launcher {
namespace {

// PMIx appends names like "/pmix-12345" and "/pmix.<host>.tool.<pid>" to the directory; 48 bytes
// leaves room for those under the 108-byte socket path limit.
constexpr std::size_t max_base_length = 48;

int remove_entry(const char* path, const struct stat*, int, struct FTW*) {
    ::remove(path);  // best effort: a leftover file must not turn a good run into a failure
    return 0;
}

}  // namespace

private_dir::private_dir() {
    std::vector<std::string> bases;
    if (const char* t = std::getenv("TMPDIR"); t && *t && std::strlen(t) <= max_base_length)
        bases.emplace_back(t);
    bases.emplace_back("/tmp");
    int last_errno = 0;
    for (const auto& base : bases) {
        std::string tmpl = base + "/efampi.XXXXXX";
        if (mkdtemp(tmpl.data())) {  // mode 0700: private to this user
            path_ = tmpl;
            return;
        }
        last_errno = errno;
    }
    throw launch_error(exit_launch_failed, std::string("cannot create a temporary directory in ") +
                                               bases.front() + ": " + std::strerror(last_errno));
}

private_dir::~private_dir() { remove(); }

void private_dir::remove() {
    if (!path_.empty()) nftw(path_.c_str(), remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    path_.clear();
}

}  // namespace efampi::launcher
