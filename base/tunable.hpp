#pragma once
// Tunables: each declared once with name, default and help, read from the environment
// (EFAMPI_<NAME>), and listed by `efampi_info`. Read at init, never on a hot path.
#include <cstdint>
#include <string>
#include <vector>

namespace efampi {

struct TunableInfo {
    const char* name;     // environment variable, e.g. "EFAMPI_EAGER_LIMIT"
    const char* def;      // default, as text
    const char* help;
};

// Every tunable the library knows, in declaration order (for the info tool and docs).
const std::vector<TunableInfo>& tunables();

// Reads a numeric tunable: the environment's value if set and valid, else its default.
// An unparsable value is an efampi::Error naming the variable. Sizes accept K/M/G suffixes.
int64_t tunable_int(const char* name);
std::string tunable_str(const char* name);

}  // namespace efampi
