// efampi_info: prints the library's tunables (name, default, current value, help), so users
// can see what EFAMPI_* variables exist without reading the source; under each EFAMPI_COLL_*
// that forces an algorithm, its choices from the collective's table (select.hpp).
// It is built here, not in base/, because the collectives are the lowest layer that knows
// both the tunables and the algorithm tables.
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "base/tunable.hpp"
#include "collectives/select.hpp"

int main() {
    std::printf("efampi %s tunables (set them in the environment, or with mpirun -x):\n\n",
                EFAMPI_VERSION);
    const auto choices = efampi::coll::all_choices();
    for (const auto& t : efampi::tunables()) {
        const char* now = std::getenv(t.name);
        std::printf("%s\n    default: %s%s%s\n    %s\n", t.name, t.def[0] ? t.def : "(empty)",
                    now ? "   current: " : "", now ? now : "", t.help);
        for (const auto& c : choices) {
            if (std::strcmp(c.variable, t.name) != 0) continue;
            std::printf("    choices: auto (the cost model)\n");
            for (const auto& [name, when] : c.algorithms)
                std::printf("             %s%s%s%s\n", name, when[0] ? " (" : "", when,
                            when[0] ? ")" : "");
        }
        std::printf("\n");
    }
    return 0;
}
