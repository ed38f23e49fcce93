// efampi_info: prints the library's tunables (name, default, current value, help), so users
// can see what EFAMPI_* variables exist without reading the source.
#include <cstdio>
#include <cstdlib>

#include "base/tunable.hpp"

int main() {
    std::printf("efampi %s tunables (set them in the environment, or with mpirun -x):\n\n",
                EFAMPI_VERSION);
    for (const auto& t : efampi::tunables()) {
        const char* now = std::getenv(t.name);
        std::printf("%s\n    default: %s%s%s\n    %s\n\n", t.name, t.def[0] ? t.def : "(empty)",
                    now ? "   current: " : "", now ? now : "", t.help);
    }
    return 0;
}
