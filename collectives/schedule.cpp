#include "collectives/schedule.hpp"

#include <cstring>

namespace efampi::coll {

void Schedule::reset(const CommView& view, int tag) {
    release_held();
    steps_.clear();
    round_end_.clear();
    converts_.clear();
    blocks_used_ = 0;
    view_ = view;
    if (view.world) {
        world_.assign(view.world, view.world + view.size);
        view_.world = world_.data();
    }
    if (view.remote) {
        remote_.assign(view.remote, view.remote + view.remote_size);
        view_.remote = remote_.data();
    }
    tag_ = tag;
    reduction = Reduction{};
    scratch_takes_ = 0;
}

uint8_t* Schedule::scratch(uint64_t bytes) {
    // Kept between builds; a huge block is not kept for a small collective.
    constexpr uint64_t keep_limit = uint64_t(64) << 20;
    ++scratch_takes_;
    if (bytes > scratch_bytes_ || (scratch_bytes_ > keep_limit && bytes < scratch_bytes_ / 4)) {
        scratch_.reset();
        scratch_.reset(new uint8_t[bytes ? bytes : 1]);
        scratch_bytes_ = bytes;
    }
    return scratch_.get();
}

uint8_t* Schedule::aux(uint64_t bytes) {
    constexpr uint64_t keep_limit = uint64_t(64) << 20;
    if (bytes > aux_bytes_ || (aux_bytes_ > keep_limit && bytes < aux_bytes_ / 4)) {
        aux_.reset();
        aux_.reset(new uint8_t[bytes ? bytes : 1]);
        aux_bytes_ = bytes;
    }
    return aux_.get();
}

uint8_t* Schedule::block(uint64_t bytes) {
    constexpr uint64_t keep_limit = uint64_t(64) << 20;
    if (blocks_used_ == blocks_.size()) blocks_.push_back({nullptr, 0});
    Block& b = blocks_[blocks_used_++];
    if (bytes > b.bytes || (b.bytes > keep_limit && bytes < b.bytes / 4)) {
        b.p.reset();
        b.p.reset(new uint8_t[bytes ? bytes : 1]);
        b.bytes = bytes;
    }
    return b.p.get();
}

void Schedule::release_held_slow() {
    for (size_t i = 0; i < held_.size(); ++i) held_[i].release(held_[i].obj);
    held_.clear();
}

void Schedule::run_local(size_t k) const {
    for (const Step* s = begin(k); s != end(k); ++s) {
        if (s->kind == StepKind::copy) {
            std::memmove(s->dst, s->src, s->n);
        } else if (s->kind == StepKind::reduce) {
            reduction.apply(s->src, s->dst, s->n);
        } else if (s->kind == StepKind::convert) {
            const Convert& c = convert_of(*s);
            c.fn(c.ctx, s->src, s->dst, s->n);
        }
    }
}

uint64_t Schedule::messages() const {
    uint64_t n = 0;
    for (const Step& s : steps_) n += s.kind == StepKind::send;
    return n;
}

uint64_t Schedule::bytes_sent() const {
    uint64_t n = 0;
    for (const Step& s : steps_)
        if (s.kind == StepKind::send) n += s.n;
    return n;
}

}  // namespace efampi::coll
