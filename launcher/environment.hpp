#pragma once
// Environment handling: what mpirun reads from its own environment, and the environment block
// each rank is started with.
#include <optional>
#include <string>
#include <vector>

namespace efampi::launcher {

// Removes inherited PMIX_* variables from mpirun's own environment (a launcher started under
// srun or another mpirun inherits its parent's server URI and namespace, which would confuse
// our server and our ranks) and returns the cleaned environment. PMIX_MCA_* tuning variables
// are kept: they are settings for our server, not the parent's identity.
std::vector<std::string> clean_environment();

// Sets NAME=value in env, replacing an existing NAME.
void set_var(std::vector<std::string>& env, const std::string& name, const std::string& value);

// Applies `-x` specs: VAR=value sets, bare VAR copies mpirun's value (skipped when unset).
void apply_exports(std::vector<std::string>& env, const std::vector<std::string>& exports);

// The executable exec will run: `name` itself if it contains '/', else the first match in
// PATH. Throws launch_error (127 not found, 126 not executable) with a message naming it.
std::string resolve_program(const std::string& name);

// MPIEXEC_TIMEOUT in seconds; nullopt when unset, empty or 0. Throws launch_error(exit_usage)
// when it is not a number.
std::optional<unsigned> read_timeout();

// EFAMPI_LAUNCHER_DEBUG set to anything but "" or "0".
bool debug_enabled();

// A NULL-terminated char* array viewing a vector of strings (for exec and PMIx). The strings
// must outlive it.
struct c_string_array {
    std::vector<char*> ptrs;
    explicit c_string_array(const std::vector<std::string>& v);
    char** data() { return ptrs.data(); }
};

}  // namespace efampi::launcher
