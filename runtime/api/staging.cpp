#include "base/undo.hpp"
#include "runtime/api/staging.hpp"

#include <cassert>
#include <cstdlib>
#include <new>
#include <utility>
#include <vector>

namespace efampi::api {

namespace {
// The pml's view of a typed buffer: packed byte ranges through the datatype's kernels.
struct TypeLayout : pml::Layout {
    const rt::Datatype* type = nullptr;
    uint8_t* buf = nullptr;
    uint64_t bytes = 0;  // packed size: the pml never asks past it
};

void layout_pack(const pml::Layout* l, uint64_t off, uint64_t len, void* out) {
    auto* t = static_cast<const TypeLayout*>(l);
    assert(off + len <= t->bytes);
    rt::pack_range(*t->type, t->buf, off, len, out);
}

void layout_unpack(const pml::Layout* l, uint64_t off, uint64_t len, const void* in) {
    auto* t = static_cast<const TypeLayout*>(l);
    assert(off + len <= t->bytes);
    rt::unpack_range(*t->type, t->buf, off, len, in);
}
}  // namespace

struct Staging {
    TypeLayout lay;
    rt::Datatype* type = nullptr;  // retained: the user may free the type before completion
    void* user = nullptr;
    uint64_t count = 0;
    uint64_t bytes = 0;
    uint8_t* data = nullptr;  // persistent buffered send: the packed copy
    Staging* next = nullptr;  // more stagings of the same request; the free list
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

namespace {
Staging* g_free_stagings = nullptr;

Staging* new_staging(const rt::Datatype& d, const void* buf, uint64_t count) {
    Staging* s = g_free_stagings;
    if (s) g_free_stagings = s->next;
    else s = new Staging;
    *s = Staging{};
    s->type = const_cast<rt::Datatype*>(&d);
    rt::type_retain(s->type);
    s->user = const_cast<void*>(buf);
    s->count = count;
    s->bytes = count * static_cast<uint64_t>(d.size);
    s->lay.pack = layout_pack;
    s->lay.unpack = layout_unpack;
    s->lay.type = s->type;
    s->lay.buf = static_cast<uint8_t*>(s->user);
    s->lay.bytes = s->bytes;
    return s;
}
}  // namespace

uint8_t* pack_staged(const rt::Datatype& d, const void* buf, uint64_t count, uint64_t* bytes) {
    *bytes = count * static_cast<uint64_t>(d.size);
    uint8_t* p = alloc(*bytes);
    rt::pack(d, buf, count, p);
    return p;
}

void free_staged_bytes(uint8_t* p) { give_back(p); }

Staging* stage_layout(const rt::Datatype& d, const void* buf, uint64_t count) {
    return new_staging(d, buf, count);
}

const pml::Layout* staging_layout(Staging* s) { return &s->lay; }
uint64_t staging_bytes(Staging* s) { return s->bytes; }

Staging* stage_persistent_send(const rt::Datatype& d, const void* buf, uint64_t count) {
    Staging* s = new_staging(d, buf, count);
    Undo drop([&] { drop_staging(s); });
    s->data = alloc(s->bytes);
    drop.keep();
    return s;
}

void restart_staging(pml::Request* r) {
    for (auto* s = static_cast<Staging*>(r->ext); s; s = s->next)
        if (s->data) rt::pack(*s->type, s->user, s->count, s->data);
}

uint8_t* staging_data(Staging* s) { return s->data; }

void attach_staging(pml::Request* r, Staging* s) {
    s->next = static_cast<Staging*>(r->ext);
    r->ext = s;
}

void drop_staging(Staging* s) {
    while (s) {
        Staging* next = s->next;
        give_back(s->data);
        rt::type_release(s->type);
        s->next = g_free_stagings;
        g_free_stagings = s;
        s = next;
    }
}

void staging_finalize() {
    for (const Cached& c : g_cache) std::free(c.p);
    g_cache.clear();
    while (Staging* s = g_free_stagings) {
        g_free_stagings = s->next;
        delete s;
    }
}

void release_staging(pml::Request* r) {
    auto* s = static_cast<Staging*>(r->ext);
    r->ext = nullptr;
    drop_staging(s);
}

}  // namespace efampi::api
