#include "launcher/mapping.hpp"

#include <algorithm>
#include <cctype>

#include "launcher/error.hpp"

namespace efampi::launcher {
namespace {

[[noreturn]] void bad(const std::string& what) { throw launch_error(exit_usage, what); }

}  // namespace

host_policy parse_host_policy(const std::string& option, const std::string& text) {
    std::string t = text;
    std::transform(t.begin(), t.end(), t.begin(), [](unsigned char c) { return std::tolower(c); });
    if (t == "slot" || t == "core" || t == "socket" || t == "numa" || t == "hwthread" || t == "package" ||
        t == "l3cache")
        return host_policy::slot;
    if (t == "node") return host_policy::node;
    bad(option + " '" + text + "': expected slot or node (core, socket, numa, hwthread place like slot)");
}

placement map_ranks(const std::vector<HostSpec>& hosts, const mapping_options& opts) {
    if (hosts.empty()) bad("no hosts to run on");
    const std::size_t nh = hosts.size();
    std::uint64_t total_slots = 0;
    for (const auto& h : hosts) total_slots += static_cast<std::uint64_t>(h.slots);

    std::uint64_t np = opts.nprocs;
    if (np == 0) np = opts.npernode ? std::uint64_t{opts.npernode} * nh : total_slots;

    // How many ranks each host gets.
    std::vector<std::uint64_t> count(nh, 0);
    if (opts.npernode) {
        if (np > std::uint64_t{opts.npernode} * nh)
            bad(std::to_string(np) + " ranks do not fit " + std::to_string(nh) + " hosts at -N " +
                std::to_string(opts.npernode) + " per host");
        std::uint64_t left = np;
        for (std::size_t h = 0; h < nh && left; ++h) {
            count[h] = std::min<std::uint64_t>(opts.npernode, left);
            left -= count[h];
            if (count[h] > static_cast<std::uint64_t>(hosts[h].slots) && !opts.oversubscribe)
                bad("-N " + std::to_string(opts.npernode) + " puts more ranks on host " + hosts[h].name +
                    " than its " + std::to_string(hosts[h].slots) + " slot(s); add --oversubscribe to allow it");
        }
    } else {
        if (np > total_slots && !opts.oversubscribe)
            bad("not enough slots: " + std::to_string(np) + " ranks requested, but the " + std::to_string(nh) +
                " host(s) have " + std::to_string(total_slots) + " slot(s) in total; add --oversubscribe to allow it");
        std::uint64_t left = np;
        if (opts.map_by == host_policy::slot) {
            for (std::size_t h = 0; h < nh && left; ++h) {
                count[h] = std::min<std::uint64_t>(static_cast<std::uint64_t>(hosts[h].slots), left);
                left -= count[h];
            }
        } else {
            for (bool placed = true; left && placed;) {
                placed = false;
                for (std::size_t h = 0; h < nh && left; ++h)
                    if (count[h] < static_cast<std::uint64_t>(hosts[h].slots)) {
                        ++count[h];
                        --left;
                        placed = true;
                    }
            }
        }
        for (std::size_t h = 0; left; h = (h + 1) % nh) {  // oversubscribed: one per host in turn
            ++count[h];
            --left;
        }
    }

    placement p;
    std::vector<std::uint64_t> todo;
    for (std::size_t h = 0; h < nh; ++h)
        if (count[h]) {
            if (count[h] > 65535) bad("host " + hosts[h].name + " would hold more than 65535 ranks");
            p.hosts.push_back(hosts[h].name);
            todo.push_back(count[h]);
        }
    if (opts.rank_by == host_policy::slot) {
        for (std::uint32_t n = 0; n < todo.size(); ++n)
            for (std::uint64_t k = 0; k < todo[n]; ++k) p.node_of.push_back(n);
    } else {
        for (std::uint64_t left = np; left;)
            for (std::uint32_t n = 0; n < todo.size() && left; ++n)
                if (todo[n]) {
                    --todo[n];
                    --left;
                    p.node_of.push_back(n);
                }
    }
    return p;
}

}  // namespace efampi::launcher
