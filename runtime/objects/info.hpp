#pragma once
// Info objects: an ordered list of (key, value) string pairs, keys unique, kept in the order
// they were first set (MPI_Info_get_nthkey's order). Keys are 1 to MPI_MAX_INFO_KEY - 1
// characters and values at most MPI_MAX_INFO_VAL - 1, so both always fit a buffer of the
// constant's size with the terminating NUL.
// MPI_INFO_ENV is predefined and read-only: built at first use from what this process knows.
#include <mpi.h>

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "runtime/objects/handle.hpp"

namespace efampi::rt {

class Info {
public:
    Magic magic = Magic::info;

    // The value of `key`, or null when absent.
    const std::string* find(const std::string& key) const;
    // Adds `key` or replaces its value (keeping its place in the order).
    void set(const std::string& key, const std::string& value);
    // Removes `key`; false when it was absent.
    bool erase(const std::string& key);
    int nkeys() const { return static_cast<int>(entries_.size()); }
    const std::string& nth_key(int n) const { return entries_[static_cast<size_t>(n)].first; }
    const std::vector<std::pair<std::string, std::string>>& entries() const { return entries_; }
    bool predefined() const { return predefined_; }
    MPI_Info handle() const { return handle_; }

private:
    friend Info* info_create();
    friend Info* info_env();
    friend void info_free(Info* i);
    std::vector<std::pair<std::string, std::string>> entries_;
    bool predefined_ = false;
    MPI_Info handle_ = nullptr;
};

// The object behind `h`, or null when `h` names no live info (MPI_INFO_NULL, freed, garbage).
Info* to_info(MPI_Info h);
// MPI_INFO_ENV, filled on first use: command and argv (from /proc/self/cmdline), maxprocs
// (the job size), host, arch, wdir, thread_level; soft and file are unknown and left out.
Info* info_env();
// The same keys for a process that passes its own argc/argv (MPI_Info_create_env): command and
// argv from those when given; maxprocs and thread_level only while MPI is initialised.
void fill_env(Info& i, int argc, char** argv);
// A new, empty info object owned by the caller.
Info* info_create();
// Poisons and parks `i` (never the predefined one).
void info_free(Info* i);
// At MPI_Finalize: frees the parked info objects.
void infos_finalize();

}  // namespace efampi::rt
