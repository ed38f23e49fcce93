#include "launcher/job.hpp"

#include <stdexcept>

namespace efampi::launcher {

job make_job(std::string nspace, const std::vector<std::string>& hosts,
             const std::vector<std::uint32_t>& ranks_per_node) {
    if (hosts.size() != ranks_per_node.size() || hosts.empty())
        throw std::invalid_argument("make_job: one rank count per host is needed");
    job j;
    j.nspace = std::move(nspace);
    for (std::size_t n = 0; n < hosts.size(); ++n) {
        if (ranks_per_node[n] == 0 || ranks_per_node[n] > 65535)
            throw std::invalid_argument("make_job: host " + hosts[n] +
                                        " must hold between 1 and 65535 ranks");
        node_slot node{hosts[n], {}};
        for (std::uint32_t l = 0; l < ranks_per_node[n]; ++l) {
            std::uint32_t rank = j.size++;
            node.ranks.push_back(rank);
            auto local = static_cast<std::uint16_t>(l);
            j.procs.push_back({rank, static_cast<std::uint32_t>(n), local, local});
        }
        j.nodes.push_back(std::move(node));
    }
    return j;
}

job make_job_placed(std::string nspace, const std::vector<std::string>& hosts,
                    const std::vector<std::uint32_t>& node_of) {
    if (hosts.empty() || node_of.empty()) throw std::invalid_argument("make_job_placed: empty job");
    job j;
    j.nspace = std::move(nspace);
    for (const auto& h : hosts) j.nodes.push_back({h, {}});
    for (std::uint32_t node : node_of) {
        if (node >= hosts.size()) throw std::invalid_argument("make_job_placed: node index out of range");
        auto& ranks = j.nodes[node].ranks;
        if (ranks.size() >= 65535)
            throw std::invalid_argument("make_job_placed: host " + hosts[node] + " holds more than 65535 ranks");
        std::uint32_t rank = j.size++;
        auto local = static_cast<std::uint16_t>(ranks.size());
        ranks.push_back(rank);
        j.procs.push_back({rank, node, local, local});
    }
    for (const auto& n : j.nodes)
        if (n.ranks.empty()) throw std::invalid_argument("make_job_placed: host " + n.hostname + " holds no rank");
    return j;
}

std::string rank_list(const std::vector<std::uint32_t>& ranks) {
    std::string s;
    for (auto r : ranks) {
        if (!s.empty()) s += ',';
        s += std::to_string(r);
    }
    return s;
}

std::string make_nspace(const std::string& hostname, long pid) {
    // Dots in the host name are harmless in an nspace, but keep only its first label so the
    // name stays short (it ends up in socket paths and log lines).
    std::string host = hostname.substr(0, hostname.find('.')).substr(0, 64);
    return "efampi." + host + "." + std::to_string(pid);
}

}  // namespace efampi::launcher
