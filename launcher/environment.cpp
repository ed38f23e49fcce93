#include "launcher/environment.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>

#include "launcher/error.hpp"

extern char** environ;

namespace efampi::launcher {

std::vector<std::string> clean_environment() {
    std::vector<std::string> drop;
    for (char** e = environ; *e; ++e) {
        std::string_view var(*e);
        if (var.starts_with("PMIX_") && !var.starts_with("PMIX_MCA_"))
            drop.emplace_back(var.substr(0, var.find('=')));
    }
    for (const auto& name : drop) unsetenv(name.c_str());
    std::vector<std::string> env;
    for (char** e = environ; *e; ++e) env.emplace_back(*e);
    return env;
}

void set_var(std::vector<std::string>& env, const std::string& name, const std::string& value) {
    std::string prefix = name + "=";
    for (auto& e : env) {
        if (e.starts_with(prefix)) {
            e = prefix + value;
            return;
        }
    }
    env.push_back(prefix + value);
}

void apply_exports(std::vector<std::string>& env, const std::vector<std::string>& exports) {
    for (const auto& spec : exports) {
        auto eq = spec.find('=');
        if (eq != std::string::npos) {
            set_var(env, spec.substr(0, eq), spec.substr(eq + 1));
        } else if (const char* v = std::getenv(spec.c_str())) {
            // On one host the ranks inherit it anyway; setting it keeps the rule uniform for
            // the multi-host mode, where the environment is shipped to the daemons.
            set_var(env, spec, v);
        }
    }
}

namespace {

// 0 if path is a regular file we may execute, else the errno-like reason.
int check_executable(const std::string& path) {
    struct stat st {};
    if (stat(path.c_str(), &st) != 0) return errno;
    if (S_ISDIR(st.st_mode)) return EISDIR;
    if (access(path.c_str(), X_OK) != 0) return errno;
    return 0;
}

}  // namespace

std::string resolve_program(const std::string& name) {
    if (name.empty()) throw launch_error(exit_not_found, "empty program name");
    if (name.find('/') != std::string::npos) {
        int err = check_executable(name);
        if (err == ENOENT || err == ENOTDIR)
            throw launch_error(exit_not_found, "program '" + name + "' not found");
        if (err != 0)
            throw launch_error(exit_not_executable,
                               "program '" + name + "' is not executable: " + std::strerror(err));
        return name;
    }
    const char* path_env = std::getenv("PATH");
    std::string path = path_env ? path_env : "/usr/local/bin:/usr/bin:/bin";
    bool found_unexecutable = false;
    std::size_t start = 0;
    while (start <= path.size()) {
        auto end = path.find(':', start);
        if (end == std::string::npos) end = path.size();
        // An empty PATH entry means the current directory.
        std::string candidate = end > start ? path.substr(start, end - start) + "/" + name : "./" + name;
        int err = check_executable(candidate);
        if (err == 0) return candidate;
        if (err == EACCES || err == EISDIR) found_unexecutable = true;
        start = end + 1;
    }
    if (found_unexecutable)
        throw launch_error(exit_not_executable, "program '" + name + "' found in PATH but not executable");
    throw launch_error(exit_not_found, "program '" + name + "' not found in PATH");
}

std::optional<unsigned> read_timeout() {
    const char* v = std::getenv("MPIEXEC_TIMEOUT");
    if (!v || !*v) return std::nullopt;
    std::string_view text(v);
    unsigned secs = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), secs);
    if (ec != std::errc{} || end != text.data() + text.size())
        throw launch_error(exit_usage, "MPIEXEC_TIMEOUT must be a whole number of seconds, got '" +
                                           std::string(text) + "'");
    if (secs == 0) return std::nullopt;
    return secs;
}

bool debug_enabled() {
    const char* v = std::getenv("EFAMPI_LAUNCHER_DEBUG");
    return v && *v && std::strcmp(v, "0") != 0;
}

c_string_array::c_string_array(const std::vector<std::string>& v) {
    ptrs.reserve(v.size() + 1);
    for (const auto& s : v) ptrs.push_back(const_cast<char*>(s.c_str()));
    ptrs.push_back(nullptr);
}

}  // namespace efampi::launcher
