#include "launcher/shm_cleanup.hpp"

#include <dirent.h>
#include <unistd.h>

#include <cstring>
#include <string>

namespace efampi::launcher {

int remove_shm_leftovers(pid_t pid) {
    const std::string prefix = "efampi." + std::to_string(pid) + ".";
    DIR* d = opendir("/dev/shm");
    if (!d) return 0;
    int removed = 0;
    while (dirent* e = readdir(d)) {
        if (std::strncmp(e->d_name, prefix.c_str(), prefix.size()) != 0) continue;
        if (unlinkat(dirfd(d), e->d_name, 0) == 0) ++removed;
    }
    closedir(d);
    return removed;
}

}  // namespace efampi::launcher
