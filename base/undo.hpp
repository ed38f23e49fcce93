#pragma once
// An undo step owned by a scope: what `catch (...) { cleanup; throw; }` would do, done by a
// destructor instead, unless the code that follows completes and calls keep(). The step runs
// while an exception unwinds, so it must not throw.
#include <utility>

namespace efampi {

template <class F>
class Undo {
public:
    explicit Undo(F f) : f_(std::move(f)) {}
    Undo(const Undo&) = delete;
    Undo& operator=(const Undo&) = delete;
    ~Undo() {
        if (armed_) f_();
    }
    void keep() { armed_ = false; }

private:
    F f_;
    bool armed_ = true;
};

}  // namespace efampi
