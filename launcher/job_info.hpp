#pragma once
// The job description a PMIx server registers for a namespace (PMIx_server_register_nspace):
// job-level sizes and maps, this node's peers, one info array per node and one per rank.
// Clients read these with PMIx_Get; launcher/README.md lists the keys and their types.
#include <pmix_common.h>

#include <cstdint>

#include "launcher/job.hpp"

namespace efampi::launcher {

// An owned array of pmix_info_t, released with PMIx's own free so nested data arrays go too.
class info_array {
public:
    explicit info_array(std::size_t n = 0) {
        array_.type = PMIX_INFO;
        array_.size = n;
        array_.array = nullptr;
        if (n > 0) {
            pmix_info_t* info;
            PMIX_INFO_CREATE(info, n);
            array_.array = info;
        }
    }
    ~info_array() { PMIx_Data_array_destruct(&array_); }
    info_array(const info_array&) = delete;
    info_array& operator=(const info_array&) = delete;

    pmix_data_array_t* get() { return &array_; }
    pmix_info_t* data() { return static_cast<pmix_info_t*>(array_.array); }
    std::size_t size() const { return array_.size; }

private:
    pmix_data_array_t array_;
};

// Fills `out` with the registration info of `j` as seen from node `local_node`.
// Throws launch_error when PMIx refuses a value (it only fails on memory exhaustion or a bug).
void build_job_info(const job& j, std::uint32_t local_node, info_array& out);

}  // namespace efampi::launcher
