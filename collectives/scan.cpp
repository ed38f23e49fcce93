// Scan and exscan by recursive doubling: at distance `mask` partners swap the reduction of the
// ranks they stand for; a rank folds what it gets from below into its result, and everything
// it gets into the running total it passes on. Lower ranks' data is always `in`.
#include "collectives/algo_util.hpp"
#include "collectives/algorithms.hpp"

namespace efampi::coll {

using namespace detail;

void build_scan(Schedule& s, const void* send, void* recv, uint64_t count, bool exclusive) {
    const CommView& c = s.view();
    const Reduction& red = s.reduction;
    uint64_t bytes = count * red.extent;
    int p = c.size, r = c.rank;
    // total: the reduction of the ranks this rank stands for so far (starts as its input).
    uint8_t* total = s.scratch(2 * bytes);
    uint8_t* tmp = total + bytes;
    s.copy(send ? send : recv, total, bytes);
    if (!exclusive && send) s.copy(send, recv, bytes);
    s.end_round();
    if (p == 1 || count == 0) return;
    bool have_result = !exclusive;  // exscan: recv holds nothing until something comes from below
    for (int mask = 1; mask < p; mask <<= 1) {
        int peer = r ^ mask;
        if (peer >= p) continue;
        s.send(peer, total, bytes);
        s.recv(peer, tmp, bytes);
        if (peer < r) {
            if (have_result) s.reduce(tmp, recv, count);
            else s.copy(tmp, recv, bytes);
            have_result = true;
            s.reduce(tmp, total, count);
        } else if (red.commutative) {
            s.reduce(tmp, total, count);
        } else {
            s.reduce(total, tmp, count);
            s.copy(tmp, total, bytes);
        }
        s.end_round();
    }
}

}  // namespace efampi::coll
