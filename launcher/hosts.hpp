#pragma once
// The host list of a multi-host job: which hosts, and how many ranks (slots) each may hold.
// Parsers for `--host` and `--hostfile` (pure, unit-tested). A Slurm allocation reader produces
// the same shape. Names are kept as written: they are what the launch agent is given and what
// PMIx calls the node (PMIX_HOSTNAME).
#include <string>
#include <vector>

namespace efampi::launcher {

struct HostSpec {
    std::string name;
    int slots;
};

// `h1:2,h2:2`, `h1,h1,h2` (a repeated name adds one slot each time), or a mix. A host named
// more than once keeps its first position and gets the sum of its slots. Throws
// launch_error(exit_usage) naming the bad entry.
std::vector<HostSpec> parse_host_list(const std::string& text);

// Open MPI's hostfile format: one host per line, `name`, `name slots=N` (`max_slots=M` is
// accepted and ignored), `#` starts a comment, blank lines are skipped. `origin` names the file
// in messages ("FILE:LINE: ..."). Throws launch_error(exit_usage).
std::vector<HostSpec> parse_hostfile_text(const std::string& text, const std::string& origin);
// Reads and parses the file; an unreadable file is a usage error naming it.
std::vector<HostSpec> parse_hostfile(const std::string& path);

// Adds `more` to `hosts`, merging slots of names already present.
void merge_hosts(std::vector<HostSpec>& hosts, const std::vector<HostSpec>& more);

}  // namespace efampi::launcher
