#include "launcher/job_info.hpp"

#include <pmix.h>
#include <pmix_server.h>

#include <cstdlib>
#include <string>

#include "launcher/error.hpp"

namespace efampi::launcher {
namespace {

// RAII over PMIx_Info_list_*: values are copied in, so temporaries may be passed.
class info_list {
public:
    info_list() : list_(PMIx_Info_list_start()) {
        if (!list_) throw launch_error(exit_launch_failed, "PMIx_Info_list_start failed");
    }
    ~info_list() { PMIx_Info_list_release(list_); }
    info_list(const info_list&) = delete;
    info_list& operator=(const info_list&) = delete;

    void add(const char* key, const void* value, pmix_data_type_t type) {
        pmix_status_t rc = PMIx_Info_list_add(list_, key, value, type);
        if (rc != PMIX_SUCCESS)
            throw launch_error(exit_launch_failed, std::string("PMIx_Info_list_add(") + key +
                                                       "): " + PMIx_Error_string(rc));
    }
    void add_u32(const char* key, std::uint32_t v) { add(key, &v, PMIX_UINT32); }
    void add_u16(const char* key, std::uint16_t v) { add(key, &v, PMIX_UINT16); }
    void add_rank(const char* key, pmix_rank_t v) { add(key, &v, PMIX_PROC_RANK); }
    void add_string(const char* key, const std::string& v) { add(key, v.c_str(), PMIX_STRING); }
    void add_bool(const char* key, bool v) { add(key, &v, PMIX_BOOL); }

    // Adds `inner` as one PMIX_DATA_ARRAY value under `key` (PMIX_PROC_INFO_ARRAY and friends).
    void add_array(const char* key, info_list& inner) {
        info_array converted;
        inner.convert_into(converted);
        add(key, converted.get(), PMIX_DATA_ARRAY);
    }

    void convert_into(info_array& out) {
        PMIx_Data_array_destruct(out.get());
        pmix_status_t rc = PMIx_Info_list_convert(list_, out.get());
        if (rc != PMIX_SUCCESS)
            throw launch_error(exit_launch_failed,
                               std::string("PMIx_Info_list_convert: ") + PMIx_Error_string(rc));
    }

private:
    void* list_;
};

// PMIx_generate_regex/ppn return malloc'd, possibly binary ("blob:") representations; they
// are registered with type PMIX_REGEX, which knows how to size and copy them.
void add_regex(info_list& l, const char* key, const std::string& input, bool ppn) {
    char* regex = nullptr;
    pmix_status_t rc = ppn ? PMIx_generate_ppn(input.c_str(), &regex)
                           : PMIx_generate_regex(input.c_str(), &regex);
    if (rc != PMIX_SUCCESS || !regex)
        throw launch_error(exit_launch_failed, std::string(ppn ? "PMIx_generate_ppn" : "PMIx_generate_regex") +
                                                   ": " + PMIx_Error_string(rc));
    try {
        l.add(key, regex, PMIX_REGEX);
    } catch (...) {
        std::free(regex);
        throw;
    }
    std::free(regex);
}

void add_node_level(info_list& l, const node_slot& node) {
    auto peers = static_cast<std::uint32_t>(node.ranks.size());
    l.add_u32(PMIX_LOCAL_SIZE, peers);
    l.add_u32(PMIX_NODE_SIZE, peers);  // one job per node: all procs on it are ours
    l.add_rank(PMIX_LOCALLDR, node.ranks.front());
    l.add_string(PMIX_LOCAL_PEERS, rank_list(node.ranks));
}

}  // namespace

void build_job_info(const job& j, std::uint32_t local_node, info_array& out) {
    info_list l;
    l.add_string(PMIX_JOBID, j.nspace);
    l.add_u32(PMIX_UNIV_SIZE, j.size);
    l.add_u32(PMIX_JOB_SIZE, j.size);
    l.add_u32(PMIX_MAX_PROCS, j.size);
    l.add_u32(PMIX_JOB_NUM_APPS, 1);
    l.add_u32(PMIX_NUM_NODES, static_cast<std::uint32_t>(j.nodes.size()));
    l.add_bool(PMIX_SPAWNED, false);

    std::string hosts, ppn;
    for (const auto& n : j.nodes) {
        if (!hosts.empty()) {
            hosts += ',';
            ppn += ';';
        }
        hosts += n.hostname;
        ppn += rank_list(n.ranks);
    }
    add_regex(l, PMIX_NODE_MAP, hosts, false);
    add_regex(l, PMIX_PROC_MAP, ppn, true);

    // This node's view, at job level: what a client reads with the wildcard rank.
    add_node_level(l, j.nodes.at(local_node));

    {  // one application: the whole job
        info_list app;
        app.add_u32(PMIX_APPNUM, 0);
        app.add_u32(PMIX_APP_SIZE, j.size);
        app.add_rank(PMIX_APPLDR, 0);
        l.add_array(PMIX_APP_INFO_ARRAY, app);
    }
    for (std::uint32_t n = 0; n < j.nodes.size(); ++n) {
        info_list node;
        node.add_u32(PMIX_NODEID, n);
        node.add_string(PMIX_HOSTNAME, j.nodes[n].hostname);
        add_node_level(node, j.nodes[n]);
        l.add_array(PMIX_NODE_INFO_ARRAY, node);
    }
    for (const auto& p : j.procs) {
        info_list proc;
        proc.add_rank(PMIX_RANK, p.rank);  // must come first: it says whom the array is about
        proc.add_u32(PMIX_APPNUM, 0);
        proc.add_rank(PMIX_GLOBAL_RANK, p.rank);
        proc.add_rank(PMIX_APP_RANK, p.rank);
        proc.add_u32(PMIX_NODEID, p.node);
        proc.add_string(PMIX_HOSTNAME, j.nodes[p.node].hostname);
        proc.add_u16(PMIX_LOCAL_RANK, p.local_rank);
        proc.add_u16(PMIX_NODE_RANK, p.node_rank);
        l.add_array(PMIX_PROC_INFO_ARRAY, proc);
    }
    l.convert_into(out);
}

}  // namespace efampi::launcher
