#pragma once
// The bootstrap seam: who am I, how many are we, who shares my host, and a key-value exchange
// with a collective fence. Implemented over PMIx (runtime/bootstrap/pmix_bootstrap.cpp) and for
// a process started without a launcher (runtime/bootstrap/singleton.cpp). Setup path only:
// virtual calls are fine here.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace efampi {

class Bootstrap {
public:
    virtual ~Bootstrap() = default;
    virtual int rank() const = 0;
    virtual int size() const = 0;
    // True when `rank` runs on this host (same node as us).
    virtual bool is_local(int rank) const = 0;
    // Publishes a value under `key` for every other process; visible after fence().
    virtual void put(const std::string& key, const std::vector<uint8_t>& value) = 0;
    // Collective over all ranks: makes every put() before it visible everywhere. While it
    // waits it calls `progress` (when given) so that this process keeps serving its peers.
    virtual void fence(const std::function<void()>& progress = {}) = 0;
    // Collective over this host's ranks only (those is_local() names, ourselves included): a
    // barrier after which what they put() before it can be read by one another (get() asks
    // the host's PMIx server; nothing is collected job-wide). Ranks on other hosts, which may
    // have nothing to wait for, are not involved.
    virtual void fence_local() = 0;
    // The value `rank` published under `key`; throws efampi::Error when it is absent.
    virtual std::vector<uint8_t> get(int rank, const std::string& key) = 0;
    // Ends the job from this process (MPI_Abort): the launcher kills every rank.
    [[noreturn]] virtual void abort(int code, const std::string& msg) = 0;
    virtual void finalize() = 0;
};

}  // namespace efampi
