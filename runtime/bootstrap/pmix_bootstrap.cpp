// The bootstrap over PMIx: works under our mpirun, Slurm's srun --mpi=pmix and Open MPI's
// mpirun alike. Job-level keys are read with the wildcard rank, our own keys with our proc.
#include <pmix.h>
#include <sched.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sstream>

#include "base/errclass.hpp"
#include "base/error.hpp"
#include "runtime/bootstrap/bootstrap_factory.hpp"

namespace efampi::rt {

namespace {

constexpr int err_other = errc::other;

std::string pmix_error(pmix_status_t rc) { return PMIx_Error_string(rc); }

// Reads an unsigned integer value whatever integer type the server registered it as.
bool value_to_u64(const pmix_value_t* v, uint64_t& out) {
    switch (v->type) {
        case PMIX_UINT32: out = v->data.uint32; return true;
        case PMIX_UINT16: out = v->data.uint16; return true;
        case PMIX_UINT64: out = v->data.uint64; return true;
        case PMIX_UINT8: out = v->data.uint8; return true;
        case PMIX_INT: out = static_cast<uint64_t>(v->data.integer); return true;
        case PMIX_INT32: out = static_cast<uint64_t>(v->data.int32); return true;
        case PMIX_INT64: out = static_cast<uint64_t>(v->data.int64); return true;
        case PMIX_UINT: out = v->data.uint; return true;
        case PMIX_SIZE: out = v->data.size; return true;
        default: return false;
    }
}

class PmixBootstrap final : public Bootstrap {
public:
    explicit PmixBootstrap(const pmix_proc_t& me) : me_(me) {
        pmix_proc_t wild;
        PMIX_PROC_CONSTRUCT(&wild);
        std::memcpy(wild.nspace, me_.nspace, sizeof me_.nspace);
        wild.rank = PMIX_RANK_WILDCARD;
        uint64_t n = 0;
        pmix_value_t* v = nullptr;
        pmix_status_t rc = PMIx_Get(&wild, PMIX_JOB_SIZE, nullptr, 0, &v);
        if (rc != PMIX_SUCCESS || !value_to_u64(v, n) || n == 0)
            throw Error(err_other, "PMIx_Get(PMIX_JOB_SIZE): " + pmix_error(rc));
        PMIX_VALUE_RELEASE(v);
        size_ = static_cast<int>(n);
        local_.assign(static_cast<size_t>(size_), false);
        local_[static_cast<size_t>(me_.rank)] = true;
        v = nullptr;
        rc = PMIx_Get(&wild, PMIX_LOCAL_PEERS, nullptr, 0, &v);
        if (rc == PMIX_SUCCESS && v->type == PMIX_STRING && v->data.string) {
            std::stringstream ss(v->data.string);
            std::string item;
            while (std::getline(ss, item, ',')) {
                int r = std::atoi(item.c_str());
                if (r >= 0 && r < size_) local_[static_cast<size_t>(r)] = true;
            }
        }
        if (v) PMIX_VALUE_RELEASE(v);
    }

    int rank() const override { return static_cast<int>(me_.rank); }
    int size() const override { return size_; }
    bool is_local(int r) const override { return local_[static_cast<size_t>(r)]; }

    void put(const std::string& key, const std::vector<uint8_t>& value) override {
        pmix_value_t v;
        PMIX_VALUE_CONSTRUCT(&v);
        v.type = PMIX_BYTE_OBJECT;
        v.data.bo.bytes = reinterpret_cast<char*>(const_cast<uint8_t*>(value.data()));
        v.data.bo.size = value.size();
        pmix_status_t rc = PMIx_Put(PMIX_GLOBAL, key.c_str(), &v);
        if (rc != PMIX_SUCCESS) throw Error(err_other, "PMIx_Put(" + key + "): " + pmix_error(rc));
    }

    void fence(const std::function<void()>& progress) override {
        pmix_status_t rc = PMIx_Commit();
        if (rc != PMIX_SUCCESS) throw Error(err_other, "PMIx_Commit: " + pmix_error(rc));
        pmix_info_t info;
        bool collect = true;
        PMIX_INFO_LOAD(&info, PMIX_COLLECT_DATA, &collect, PMIX_BOOL);
        if (!progress) {
            rc = PMIx_Fence(nullptr, 0, &info, 1);
        } else {
            Done done;
            rc = PMIx_Fence_nb(nullptr, 0, &info, 1, &PmixBootstrap::fence_done, &done);
            if (rc == PMIX_SUCCESS) {
                while (!done.flag.load(std::memory_order_acquire)) {
                    progress();
                    sched_yield();
                }
                rc = done.status;
            } else if (rc == PMIX_OPERATION_SUCCEEDED) {
                rc = PMIX_SUCCESS;
            }
        }
        PMIX_INFO_DESTRUCT(&info);
        if (rc != PMIX_SUCCESS) throw Error(err_other, "PMIx_Fence: " + pmix_error(rc));
    }

    void fence_local() override {
        // What was put since the last fence becomes visible to this host's ranks after it.
        pmix_status_t crc = PMIx_Commit();
        if (crc != PMIX_SUCCESS) throw Error(err_other, "PMIx_Commit: " + pmix_error(crc));
        std::vector<pmix_proc_t> procs;
        for (int r = 0; r < size_; ++r) {
            if (!local_[static_cast<size_t>(r)]) continue;
            pmix_proc_t p;
            PMIX_PROC_CONSTRUCT(&p);
            std::memcpy(p.nspace, me_.nspace, sizeof me_.nspace);
            p.rank = static_cast<pmix_rank_t>(r);
            procs.push_back(p);
        }
        pmix_status_t rc = PMIx_Fence(procs.data(), procs.size(), nullptr, 0);
        if (rc != PMIX_SUCCESS) throw Error(err_other, "PMIx_Fence (this host's ranks): " + pmix_error(rc));
    }

    std::vector<uint8_t> get(int rank, const std::string& key) override {
        pmix_proc_t p;
        PMIX_PROC_CONSTRUCT(&p);
        std::memcpy(p.nspace, me_.nspace, sizeof me_.nspace);
        p.rank = static_cast<pmix_rank_t>(rank);
        pmix_value_t* v = nullptr;
        pmix_status_t rc = PMIx_Get(&p, key.c_str(), nullptr, 0, &v);
        if (rc != PMIX_SUCCESS || !v || v->type != PMIX_BYTE_OBJECT)
            throw Error(err_other, "PMIx_Get(" + key + ") of rank " + std::to_string(rank) +
                                       ": " + pmix_error(rc));
        std::vector<uint8_t> out(v->data.bo.bytes, v->data.bo.bytes + v->data.bo.size);
        PMIX_VALUE_RELEASE(v);
        return out;
    }

    [[noreturn]] void abort(int code, const std::string& msg) override {
        std::fflush(stdout);
        std::fflush(stderr);
        PMIx_Abort(code, msg.c_str(), nullptr, 0);
        _exit(code ? code : 1);
    }

    void finalize() override { PMIx_Finalize(nullptr, 0); }

private:
    struct Done {
        std::atomic<bool> flag{false};
        pmix_status_t status = PMIX_SUCCESS;
    };
    static void fence_done(pmix_status_t status, void* cbdata) {
        auto* d = static_cast<Done*>(cbdata);
        d->status = status;
        d->flag.store(true, std::memory_order_release);
    }

    pmix_proc_t me_;
    int size_ = 1;
    std::vector<bool> local_;
};

// Some launcher started us and expects a job of more than one: running as a singleton would
// silently run N copies of a size-1 job.
std::string launcher_without_server() {
    auto more_than_one = [](const char* var) {
        const char* v = std::getenv(var);
        return v && std::atoi(v) > 1;
    };
    if (std::getenv("PMIX_NAMESPACE")) return "PMIX_NAMESPACE is set";
    for (const char* var : {"EFAMPI_SIZE", "SLURM_STEP_NUM_TASKS", "OMPI_COMM_WORLD_SIZE",
                            "PMI_SIZE"})
        if (more_than_one(var)) return std::string(var) + "=" + std::getenv(var);
    return {};
}

}  // namespace

std::unique_ptr<Bootstrap> make_bootstrap() {
    pmix_proc_t me;
    PMIX_PROC_CONSTRUCT(&me);
    pmix_status_t rc = PMIx_Init(&me, nullptr, 0);
    if (rc == PMIX_SUCCESS) return std::make_unique<PmixBootstrap>(me);
    std::string why = launcher_without_server();
    if (!why.empty())
        throw Error(err_other, "started by a launcher (" + why +
                                   ") but no PMIx server answered (PMIx_Init: " + pmix_error(rc) +
                                   "); launch with efampi's mpirun, srun --mpi=pmix, or a "
                                   "PMIx-enabled mpirun");
    return make_singleton();
}

}  // namespace efampi::rt
