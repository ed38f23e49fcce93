#include "base/undo.hpp"
#include "runtime/objects/bsend_buffer.hpp"

#include <mpi.h>

#include <cstdlib>
#include <cstring>
#include <string>

#include "pml/engine.hpp"
#include "base/error.hpp"

namespace efampi::rt {

namespace {
constexpr uint64_t overhead = MPI_BSEND_OVERHEAD;
constexpr uint64_t no_room = UINT64_MAX;
}  // namespace

BsendBuffer& process_bsend_buffer() {
    static BsendBuffer b;
    return b;
}

BsendBuffer::~BsendBuffer() {
    // Only reached at process exit; the engine may be gone, so nothing is waited for.
    for (Segment& s : live_)
        if (automatic_) std::free(s.copy);
}

void BsendBuffer::attach(void* buf, uint64_t size, bool automatic) {
    if (attached_)
        throw Error(MPI_ERR_BUFFER, "a buffer is already attached; detach it first");
    attached_ = true;
    automatic_ = automatic;
    buf_ = automatic ? nullptr : static_cast<unsigned char*>(buf);
    size_ = automatic ? 0 : size;
}

void BsendBuffer::flush() {
    pml::Engine& e = pml::engine();
    e.wait_until([&] {
        reclaim();
        return live_.empty();
    });
}

void BsendBuffer::detach(void** buf, uint64_t* size) {
    if (!attached_) throw Error(MPI_ERR_BUFFER, "no buffer is attached");
    flush();
    *buf = automatic_ ? MPI_BUFFER_AUTOMATIC : buf_;
    *size = size_;
    attached_ = false;
    automatic_ = false;
    buf_ = nullptr;
    size_ = 0;
}

void BsendBuffer::free_segment(Segment& s) {
    pml::engine().release(s.req);
    if (automatic_) std::free(s.copy);
}

void BsendBuffer::reclaim() {
    size_t keep = 0;
    for (Segment& s : live_) {
        if (s.req->done) free_segment(s);
        else live_[keep++] = s;
    }
    live_.resize(keep);
}

uint64_t BsendBuffer::place(uint64_t need) {
    uint64_t start = 0;
    size_t i = 0;
    for (; i < live_.size(); ++i) {
        if (live_[i].off - start >= need) break;
        start = live_[i].off + live_[i].len;
    }
    if (i == live_.size() && (start > size_ || size_ - start < need)) return no_room;
    Segment s;
    s.off = start;
    s.len = need;
    live_.insert(live_.begin() + static_cast<std::ptrdiff_t>(i), s);
    return i;
}

void BsendBuffer::send(const void* data, uint64_t bytes, int dst, int src_rank, int tag,
                       uint32_t ctx) {
    if (!attached_)
        throw Error(MPI_ERR_BUFFER,
                    "buffered send without an attached buffer (call MPI_Buffer_attach first)");
    pml::Engine& e = pml::engine();
    e.progress();
    reclaim();
    Segment* s;
    if (automatic_) {
        live_.emplace_back();
        s = &live_.back();
        s->copy = static_cast<unsigned char*>(std::malloc(bytes ? bytes : 1));
        if (!s->copy) {
            live_.pop_back();
            throw Error(MPI_ERR_NO_MEM, "buffered send: cannot allocate " +
                                            std::to_string(bytes) + " bytes for the copy");
        }
    } else {
        uint64_t need = bytes + overhead;
        uint64_t idx = bytes > size_ ? no_room : place(need);
        if (idx == no_room) {
            uint64_t used = 0;
            for (const Segment& x : live_) used += x.len;
            throw Error(MPI_ERR_BUFFER,
                        "buffered send of " + std::to_string(bytes) + " bytes needs " +
                            std::to_string(need) + " bytes of the attached buffer (message + "
                            "MPI_BSEND_OVERHEAD); " + std::to_string(size_ - used) + " of " +
                            std::to_string(size_) + " bytes are free, in " +
                            std::to_string(live_.size()) + " pending sends' gaps");
        }
        s = &live_[idx];
        s->copy = buf_ + s->off;
    }
    if (bytes) std::memcpy(s->copy, data, bytes);
    size_t at = static_cast<size_t>(s - live_.data());
    Undo forget([&] {  // the send could not start: its segment goes
        Segment dead = live_[at];
        live_.erase(live_.begin() + static_cast<std::ptrdiff_t>(at));
        if (automatic_) std::free(dead.copy);
    });
    s->req = e.isend(s->copy, bytes, dst, src_rank, tag, ctx, false);
    forget.keep();
}

}  // namespace efampi::rt
