#include "runtime/api/staging.hpp"

#include <cstdlib>
#include <new>
#include <utility>
#include <vector>

namespace efampi::api {

struct Staging {
    rt::Datatype* type;  // retained: the user may free the type before completion
    void* user = nullptr;
    uint64_t count = 0;
    uint8_t* data = nullptr;
    uint64_t bytes = 0;
    bool recv = false;
    bool unpacked = false;
    bool repack = false;  // persistent send: pack `user` at every start
};

namespace {

// Staging buffers are kept for reuse: a fresh large malloc is an mmap whose pages fault in on
// first touch, which doubled the cost of sending a 1 MiB strided vector. A few freed buffers
// (up to 64 MiB each) wait here; a request takes one at least as large and at most twice.
struct Cached {
    uint8_t* p;
    uint64_t n;
};
std::vector<Cached> g_cache;
constexpr size_t cache_slots = 4;
constexpr uint64_t cache_max = uint64_t(64) << 20;
std::vector<std::pair<uint8_t*, uint64_t>> g_live;  // buffers handed out, with their size

uint8_t* alloc(uint64_t n) {
    if (n == 0) n = 1;
    for (size_t i = 0; i < g_cache.size(); ++i) {
        if (g_cache[i].n >= n && g_cache[i].n <= 2 * n) {
            Cached c = g_cache[i];
            g_cache.erase(g_cache.begin() + static_cast<long>(i));
            g_live.push_back({c.p, c.n});
            return c.p;
        }
    }
    auto* p = static_cast<uint8_t*>(std::malloc(n));
    if (!p) throw std::bad_alloc();
    g_live.push_back({p, n});
    return p;
}

void give_back(uint8_t* p) {
    if (!p) return;
    uint64_t n = 0;
    for (size_t i = 0; i < g_live.size(); ++i)
        if (g_live[i].first == p) {
            n = g_live[i].second;
            g_live[i] = g_live.back();
            g_live.pop_back();
            break;
        }
    if (n && n <= cache_max) {
        if (g_cache.size() == cache_slots) {
            std::free(g_cache.front().p);
            g_cache.erase(g_cache.begin());
        }
        g_cache.push_back({p, n});
        return;
    }
    std::free(p);
}

}  // namespace

uint8_t* pack_staged(const rt::Datatype& d, const void* buf, uint64_t count, uint64_t* bytes) {
    *bytes = count * static_cast<uint64_t>(d.size);
    uint8_t* p = alloc(*bytes);
    rt::pack(d, buf, count, p);
    return p;
}

void free_staged_bytes(uint8_t* p) { give_back(p); }

Staging* stage_recv(const rt::Datatype& d, void* buf, uint64_t count) {
    auto* s = new Staging;
    s->type = const_cast<rt::Datatype*>(&d);
    rt::type_retain(s->type);
    s->user = buf;
    s->count = count;
    s->bytes = count * static_cast<uint64_t>(d.size);
    s->recv = true;
    try {
        s->data = alloc(s->bytes);
    } catch (...) {
        rt::type_release(s->type);
        delete s;
        throw;
    }
    return s;
}

Staging* stage_send(const rt::Datatype& d, uint8_t* packed) {
    auto* s = new Staging;
    s->type = const_cast<rt::Datatype*>(&d);
    rt::type_retain(s->type);
    s->data = packed;
    return s;
}

Staging* stage_persistent_send(const rt::Datatype& d, const void* buf, uint64_t count) {
    Staging* s = stage_recv(d, const_cast<void*>(buf), count);  // same buffer, same size
    s->recv = false;
    s->repack = true;
    return s;
}

void restart_staging(pml::Request* r) {
    auto* s = static_cast<Staging*>(r->ext);
    if (!s) return;
    if (s->repack) rt::pack(*s->type, s->user, s->count, s->data);
    s->unpacked = false;
}

uint8_t* staging_data(Staging* s) { return s->data; }
uint64_t staging_bytes(Staging* s) { return s->bytes; }

void attach_staging(pml::Request* r, Staging* s) { r->ext = s; }

void drop_staging(Staging* s) {
    give_back(s->data);
    rt::type_release(s->type);
    delete s;
}

void finish_staging(pml::Request* r) {
    auto* s = static_cast<Staging*>(r->ext);
    if (!s || !s->recv || s->unpacked || !r->done) return;
    s->unpacked = true;
    if (r->cancelled || r->err) return;
    uint64_t got = r->st_bytes < s->bytes ? r->st_bytes : s->bytes;
    rt::unpack_bytes(*s->type, s->data, got, s->user);
}

void staging_finalize() {
    for (const Cached& c : g_cache) std::free(c.p);
    g_cache.clear();
}

void release_staging(pml::Request* r) {
    finish_staging(r);
    auto* s = static_cast<Staging*>(r->ext);
    r->ext = nullptr;
    drop_staging(s);
}

}  // namespace efampi::api
