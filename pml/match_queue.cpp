#include "pml/match_queue.hpp"

namespace efampi::pml {

Request* MatchQueue::take_posted(uint32_t ctx, int src, int tag) {
    for (Request* r = posted_.front(); r; r = r->next) {
        if (matches(r->ctx, r->src, r->tag, ctx, src, tag)) {
            posted_.erase(r);
            return r;
        }
    }
    return nullptr;
}

Incoming* MatchQueue::peek_unexpected(uint32_t ctx, int src, int tag) const {
    for (Incoming* m = unexpected_.front(); m; m = m->next)
        if (matches(ctx, src, tag, m->ctx, m->src, m->tag)) return m;
    return nullptr;
}

Incoming* MatchQueue::take_unexpected(const Request& r) {
    Incoming* m = peek_unexpected(r.ctx, r.src, r.tag);
    if (m) unexpected_.erase(m);
    return m;
}

bool MatchQueue::remove_posted(Request* r) {
    for (Request* q = posted_.front(); q; q = q->next) {
        if (q == r) {
            posted_.erase(r);
            return true;
        }
    }
    return false;
}

}  // namespace efampi::pml
