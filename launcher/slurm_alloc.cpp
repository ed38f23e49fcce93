// Slurm allocation parsing (see slurm_alloc.hpp). Slurm's own hostlist code accepts more
// (prefix-less ranges, nested forms); these are the forms Slurm writes into a job's environment.
#include "launcher/slurm_alloc.hpp"

#include <charconv>
#include <stdexcept>

namespace efampi::launcher {
namespace {

constexpr std::size_t max_names = 65536;

[[noreturn]] void bad(const std::string& what, const std::string& text) {
    throw std::invalid_argument(what + " in '" + text + "'");
}

// Splits at commas outside brackets.
std::vector<std::string> split_top(const std::string& s, const std::string& whole) {
    std::vector<std::string> out;
    std::string cur;
    int depth = 0;
    for (char c : s) {
        if (c == '[') ++depth;
        if (c == ']' && --depth < 0) bad("unbalanced ']'", whole);
        if (c == ',' && depth == 0) {
            out.push_back(cur);
            cur.clear();
        } else {
            cur += c;
        }
    }
    if (depth != 0) bad("unbalanced '['", whole);
    out.push_back(cur);
    return out;
}

long parse_number(const std::string& s, const std::string& whole) {
    long v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc{} || end != s.data() + s.size() || v < 0)
        bad("'" + s + "' is not a number", whole);
    return v;
}

// "01-03,07" -> "01" "02" "03" "07".
std::vector<std::string> expand_ranges(const std::string& inside, const std::string& whole) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start <= inside.size()) {
        std::size_t comma = inside.find(',', start);
        std::string item = inside.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        if (item.empty()) bad("empty range", whole);
        std::size_t dash = item.find('-');
        std::string lo_s = item.substr(0, dash);
        long lo = parse_number(lo_s, whole);
        long hi = dash == std::string::npos ? lo : parse_number(item.substr(dash + 1), whole);
        if (hi < lo) bad("reversed range '" + item + "'", whole);
        if (static_cast<std::size_t>(hi - lo) >= max_names) bad("too many names", whole);
        for (long v = lo; v <= hi; ++v) {
            std::string n = std::to_string(v);
            if (n.size() < lo_s.size()) n.insert(0, lo_s.size() - n.size(), '0');
            out.push_back(n);
        }
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    return out;
}

// One top-level item: prefix[ranges]middle[ranges]...suffix.
void expand_item(const std::string& item, const std::string& whole, std::vector<std::string>& out) {
    std::vector<std::string> names{""};
    std::size_t i = 0;
    while (i < item.size()) {
        std::size_t open = item.find('[', i);
        std::string literal = item.substr(i, open == std::string::npos ? std::string::npos : open - i);
        for (auto& n : names) n += literal;
        if (open == std::string::npos) break;
        std::size_t close = item.find(']', open);
        if (close == std::string::npos) bad("unbalanced '['", whole);
        std::vector<std::string> parts = expand_ranges(item.substr(open + 1, close - open - 1), whole);
        std::vector<std::string> next;
        for (const auto& n : names)
            for (const auto& p : parts) {
                next.push_back(n + p);
                if (next.size() + out.size() > max_names) bad("too many names", whole);
            }
        names.swap(next);
        i = close + 1;
    }
    for (auto& n : names) {
        if (n.empty()) bad("empty host name", whole);
        out.push_back(std::move(n));
    }
}

}  // namespace

std::vector<std::string> expand_hostlist(const std::string& list) {
    std::vector<std::string> out;
    for (const std::string& item : split_top(list, list)) {
        if (item.empty()) bad("empty host name", list);
        expand_item(item, list, out);
    }
    return out;
}

std::vector<int> expand_counts(const std::string& list) {
    std::vector<int> out;
    std::size_t start = 0;
    while (true) {
        std::size_t comma = list.find(',', start);
        std::string item = list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        std::size_t paren = item.find('(');
        long count = parse_number(item.substr(0, paren), list);
        long repeat = 1;
        if (paren != std::string::npos) {
            if (item.size() < paren + 4 || item.compare(paren, 2, "(x") != 0 || item.back() != ')')
                bad("expected COUNT(xREPEAT), got '" + item + "'", list);
            repeat = parse_number(item.substr(paren + 2, item.size() - paren - 3), list);
        }
        if (count <= 0 || count > 1 << 20) bad("count '" + item + "' out of range", list);
        if (repeat <= 0 || out.size() + static_cast<std::size_t>(repeat) > max_names)
            bad("repeat '" + item + "' out of range", list);
        out.insert(out.end(), static_cast<std::size_t>(repeat), static_cast<int>(count));
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    return out;
}

std::vector<SlurmHost> slurm_allocation(const std::function<const char*(const char*)>& getenv) {
    const char* nodes = getenv("SLURM_JOB_NODELIST");
    if (!nodes || !*nodes) nodes = getenv("SLURM_NODELIST");
    if (!nodes || !*nodes) return {};
    const char* counts_var = "SLURM_TASKS_PER_NODE";
    const char* counts = getenv(counts_var);
    if (!counts || !*counts) counts = getenv(counts_var = "SLURM_JOB_CPUS_PER_NODE");
    std::vector<std::string> names = expand_hostlist(nodes);
    std::vector<int> slots;
    if (counts && *counts)
        slots = expand_counts(counts);
    else
        slots.assign(names.size(), 1);  // no count at all: one rank per host
    if (slots.size() != names.size())
        throw std::invalid_argument(std::string(counts_var) + "='" + counts + "' gives " +
                                    std::to_string(slots.size()) + " counts for the " +
                                    std::to_string(names.size()) + " hosts of '" + nodes + "'");
    std::vector<SlurmHost> out;
    for (std::size_t i = 0; i < names.size(); ++i) out.push_back({names[i], slots[i]});
    return out;
}

int slots_of(const std::vector<SlurmHost>& hosts, const std::string& host) {
    auto shortname = [](const std::string& h) { return h.substr(0, h.find('.')); };
    for (const SlurmHost& h : hosts)
        if (shortname(h.name) == shortname(host)) return h.slots;
    return 0;
}

}  // namespace efampi::launcher
