#include "collectives/schedule.hpp"

#include <cstring>

#include "base/copy.hpp"

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

uint8_t* Schedule::Kept::take(uint64_t n) {
    constexpr uint64_t keep_limit = uint64_t(64) << 20;
    if (n > bytes || (bytes > keep_limit && n < bytes / 4)) {
        p.reset();
        p.reset(new (std::align_val_t(4096)) uint8_t[n ? n : 1]);
        bytes = n;
    }
    return p.get();
}

uint8_t* Schedule::scratch(uint64_t bytes) {
    ++scratch_takes_;
    return scratch_.take(bytes);
}

uint8_t* Schedule::aux(uint64_t bytes) { return aux_.take(bytes); }

uint8_t* Schedule::block(uint64_t bytes) {
    if (blocks_used_ == blocks_.size()) blocks_.emplace_back();
    return blocks_[blocks_used_++].take(bytes);
}

void Schedule::release_held_slow() {
    for (size_t i = 0; i < held_.size(); ++i) held_[i].release(held_[i].obj);
    held_.clear();
}

void Schedule::run_local(size_t k) const {
    for (const Step* s = begin(k); s != end(k); ++s) {
        if (s->kind == StepKind::copy) {
            move_bytes(s->dst, s->src, s->n);
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
