#pragma once
// Free lists for the objects of the data path. They grow by whole chunks (a malloc per chunk,
// never per message) and never shrink until the pool is destroyed at finalize.
#include <cstddef>
#include <cstdlib>
#include <memory>
#include <new>
#include <vector>

namespace efampi::pml {

// T must have a `T* next` member; objects are value-initialised on every get().
template <class T, size_t Chunk = 64>
class Pool {
public:
    T* get() {
        if (!free_) grow();
        T* x = free_;
        free_ = x->next;
        ++live_;
        return new (x) T();  // in place: no temporary to copy from
    }
    void put(T* x) {
        x->next = free_;
        free_ = x;
        --live_;
    }
    size_t live() const { return live_; }

private:
    void grow() {
        chunks_.emplace_back(new T[Chunk]);
        T* c = chunks_.back().get();
        for (size_t i = 0; i < Chunk; ++i) {
            c[i].next = free_;
            free_ = &c[i];
        }
    }
    std::vector<std::unique_ptr<T[]>> chunks_;
    T* free_ = nullptr;
    size_t live_ = 0;
};

// Fixed-size byte blocks (payload copies of unexpected eager messages).
class BlockPool {
public:
    void init(size_t block) { block_ = block < sizeof(Node) ? sizeof(Node) : block; }
    void* get() {
        if (!free_) grow();
        Node* n = free_;
        free_ = n->next;
        return n;
    }
    void put(void* p) {
        Node* n = static_cast<Node*>(p);
        n->next = free_;
        free_ = n;
    }
    size_t block() const { return block_; }

private:
    struct Node { Node* next; };
    struct Free { void operator()(char* p) const { std::free(p); } };
    void grow() {
        constexpr size_t n = 32;
        char* c = static_cast<char*>(std::malloc(block_ * n));
        if (!c) throw std::bad_alloc();
        chunks_.emplace_back(c);
        for (size_t i = 0; i < n; ++i) put(c + i * block_);
    }
    std::vector<std::unique_ptr<char, Free>> chunks_;
    Node* free_ = nullptr;
    size_t block_ = 0;
};

// Payload copies of unexpected eager messages, in power-of-two size classes from 64 bytes up
// to `largest`: the memory they hold follows the payloads (at most twice), not the eager limit.
class SizedBlocks {
public:
    void init(size_t largest) {
        classes_.clear();
        classes_.resize(static_cast<size_t>(index(largest)) + 1);
        for (size_t i = 0; i < classes_.size(); ++i) {
            size_t b = size_t{64} << i;
            classes_[i].init(b < largest ? b : largest);
        }
    }
    void* get(size_t n) { return classes_[static_cast<size_t>(index(n))].get(); }
    void put(void* p, size_t n) { classes_[static_cast<size_t>(index(n))].put(p); }

private:
    static int index(size_t n) {
        if (n <= 64) return 0;
        return 64 - __builtin_clzll(static_cast<unsigned long long>(n - 1)) - 6;
    }
    std::vector<BlockPool> classes_;
};

}  // namespace efampi::pml
