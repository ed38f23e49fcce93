#pragma once
// The matching engine's two queues: receives posted and not yet matched (in posting order) and
// messages arrived and not yet matched (in arrival order, which per peer is sequence order).
// A message matches a receive when the context ids are equal and the receive's source and tag
// are equal to the message's or are the wildcards. Pure data structure: no fabric, unit-tested.
#include <cstddef>

#include "pml/request.hpp"

namespace efampi::pml {

template <class T>
class IntrusiveList {
public:
    bool empty() const { return head_ == nullptr; }
    T* front() const { return head_; }
    size_t size() const { return size_; }
    void push_back(T* x) {
        x->next = nullptr;
        x->prev = tail_;
        if (tail_) tail_->next = x; else head_ = x;
        tail_ = x;
        ++size_;
    }
    void erase(T* x) {
        if (x->prev) x->prev->next = x->next; else head_ = x->next;
        if (x->next) x->next->prev = x->prev; else tail_ = x->prev;
        x->next = x->prev = nullptr;
        --size_;
    }
    void push_front(T* x) {
        x->prev = nullptr;
        x->next = head_;
        if (head_) head_->prev = x; else tail_ = x;
        head_ = x;
        ++size_;
    }
    // Keeps the list sorted by `less` (x goes after every element it is not less than),
    // scanning from the tail: cheap when x belongs near the end.
    template <class Less>
    void insert_sorted(T* x, Less less) {
        T* at = tail_;
        while (at && less(x, at)) at = at->prev;
        if (!at) {
            push_front(x);
            return;
        }
        x->prev = at;
        x->next = at->next;
        if (at->next) at->next->prev = x; else tail_ = x;
        at->next = x;
        ++size_;
    }
    T* pop_front() {
        T* x = head_;
        if (x) erase(x);
        return x;
    }

private:
    T* head_ = nullptr;
    T* tail_ = nullptr;
    size_t size_ = 0;
};

inline bool matches(uint32_t rctx, int rsrc, int rtag, uint32_t ctx, int src, int tag) {
    return rctx == ctx && (rsrc == any_source || rsrc == src) && (rtag == any_tag || rtag == tag);
}

class MatchQueue {
public:
    // The oldest posted receive that accepts (ctx, src, tag), removed from the queue; or null.
    Request* take_posted(uint32_t ctx, int src, int tag);
    // The oldest unexpected message that receive `r` accepts, removed from the queue; or null.
    Incoming* take_unexpected(const Request& r);
    // Like take_unexpected but leaves the message queued (probe).
    Incoming* peek_unexpected(uint32_t ctx, int src, int tag) const;

    // The oldest unexpected message with (ctx, src, tag), removed from the queue; or null.
    Incoming* take_unexpected(uint32_t ctx, int src, int tag) {
        Incoming* m = peek_unexpected(ctx, src, tag);
        if (m) unexpected_.erase(m);
        return m;
    }

    void post(Request* r) { posted_.push_back(r); }
    void push_unexpected(Incoming* m) { unexpected_.push_back(m); }
    bool remove_posted(Request* r);  // false when r is not queued (already matched)

    size_t posted_count() const { return posted_.size(); }
    size_t unexpected_count() const { return unexpected_.size(); }

private:
    IntrusiveList<Request> posted_;
    IntrusiveList<Incoming> unexpected_;
};

}  // namespace efampi::pml
