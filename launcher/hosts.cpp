#include "launcher/hosts.hpp"

#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <sstream>

#include "launcher/error.hpp"

namespace efampi::launcher {
namespace {

[[noreturn]] void bad(const std::string& what) { throw launch_error(exit_usage, what); }

// A host name as the agent and PMIx will see it: no spaces, no shell or list separators.
bool valid_name(const std::string& n) {
    if (n.empty() || n.size() > 255 || n[0] == '-') return false;
    for (char c : n)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_' || c == ':' ||
              c == '[' || c == ']' || c == '@'))
            return false;
    return true;
}

bool parse_positive(const std::string& text, int& out) {
    int n = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc{} || end != text.data() + text.size() || n <= 0) return false;
    out = n;
    return true;
}

void add(std::vector<HostSpec>& hosts, const std::string& name, int slots) {
    for (auto& h : hosts)
        if (h.name == name) {
            h.slots += slots;
            return;
        }
    hosts.push_back({name, slots});
}

std::string trim(const std::string& s) {
    auto b = s.find_first_not_of(" \t\r");
    if (b == std::string::npos) return {};
    return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

}  // namespace

std::vector<HostSpec> parse_host_list(const std::string& text) {
    std::vector<HostSpec> hosts;
    if (text.empty()) bad("--host needs a host list such as h1:2,h2:2");
    std::stringstream ss(text);
    std::string item;
    while (std::getline(ss, item, ',')) {
        std::string name = item;
        int slots = 1;
        // The last ':' separates the slot count; "h1" alone is one slot.
        if (auto colon = item.rfind(':'); colon != std::string::npos) {
            name = item.substr(0, colon);
            if (!parse_positive(item.substr(colon + 1), slots))
                bad("--host entry '" + item + "': the slot count after ':' must be a positive number");
        }
        if (!valid_name(name)) bad("--host entry '" + item + "': not a host name");
        add(hosts, name, slots);
    }
    if (text.back() == ',') bad("--host list '" + text + "' ends with ','");
    return hosts;
}

std::vector<HostSpec> parse_hostfile_text(const std::string& text, const std::string& origin) {
    std::vector<HostSpec> hosts;
    std::stringstream ss(text);
    std::string line;
    for (int lineno = 1; std::getline(ss, line); ++lineno) {
        auto where = [&] { return origin + ":" + std::to_string(lineno) + ": "; };
        if (auto hash = line.find('#'); hash != std::string::npos) line.erase(hash);
        std::stringstream words(trim(line));
        std::string name, word;
        if (!(words >> name)) continue;
        if (!valid_name(name) || name.find('=') != std::string::npos)
            bad(where() + "'" + name + "' is not a host name");
        int slots = 1;
        bool have_slots = false;
        while (words >> word) {
            auto eq = word.find('=');
            std::string key = word.substr(0, eq), value = eq == std::string::npos ? "" : word.substr(eq + 1);
            int n = 0;
            if (eq == std::string::npos || !parse_positive(value, n)) {
                bad(where() + "'" + word + "': expected slots=N or max_slots=N with N a positive number");
            } else if (key == "slots") {
                if (have_slots) bad(where() + "slots given twice");
                slots = n;
                have_slots = true;
            } else if (key != "max_slots") {  // max_slots: Open MPI's limit, ignored here
                bad(where() + "unknown attribute '" + key + "' (expected slots=N)");
            }
        }
        add(hosts, name, slots);
    }
    if (hosts.empty()) bad(origin + ": no hosts listed");
    return hosts;
}

std::vector<HostSpec> parse_hostfile(const std::string& path) {
    std::ifstream in(path);
    if (!in) bad("--hostfile " + path + ": cannot read it: " + std::strerror(errno));
    std::stringstream text;
    text << in.rdbuf();
    return parse_hostfile_text(text.str(), path);
}

void merge_hosts(std::vector<HostSpec>& hosts, const std::vector<HostSpec>& more) {
    for (const auto& h : more) add(hosts, h.name, h.slots);
}

}  // namespace efampi::launcher
