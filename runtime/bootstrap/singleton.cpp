// The bootstrap of a process started without any launcher: a job of one.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <map>

#include "base/error.hpp"
#include "runtime/bootstrap/bootstrap_factory.hpp"

namespace efampi::rt {

namespace {

class Singleton final : public Bootstrap {
public:
    int rank() const override { return 0; }
    int size() const override { return 1; }
    bool is_local(int) const override { return true; }
    void put(const std::string& key, const std::vector<uint8_t>& v) override { kv_[key] = v; }
    void fence(const std::function<void()>&) override {}
    void fence_local() override {}
    std::vector<uint8_t> get(int rank, const std::string& key) override {
        auto it = kv_.find(key);
        if (rank != 0 || it == kv_.end())
            throw Error(MPI_ERR_INTERN_, "singleton: no key " + key + " for rank " +
                                             std::to_string(rank));
        return it->second;
    }
    [[noreturn]] void abort(int code, const std::string&) override {
        std::fflush(stdout);
        std::fflush(stderr);
        _exit(code);
    }
    void finalize() override {}

private:
    static constexpr int MPI_ERR_INTERN_ = 17;
    std::map<std::string, std::vector<uint8_t>> kv_;
};

}  // namespace

std::unique_ptr<Bootstrap> make_singleton() { return std::make_unique<Singleton>(); }

}  // namespace efampi::rt
