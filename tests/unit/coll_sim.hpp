#pragma once
// An in-process simulation of collective schedules (DESIGN.md §8, issue 6): one Schedule per
// simulated rank, all run together the way collectives/executor.cpp runs one on the pml. A
// rank posts its current round's sends and receives; a receive takes the oldest message with
// the schedule's tag on the channel from its peer (per-pair FIFO, as the pml's per-peer
// sequence numbers give); once all of the round's messages have completed the rank runs the
// round's local steps (Schedule::run_local) and posts the next round.
//
// Completion models of a send:
//   eager       complete when posted (the data is copied into the channel at once);
//   rendezvous  complete only when the matching receive takes it (the pml's large messages):
//               a schedule that needs the transport to buffer a message deadlocks here.
// A receive whose size differs from the message's, a deadlock, or a message nobody received is
// an error naming the ranks involved.
#include <cstdint>
#include <string>
#include <vector>

#include "collectives/schedule.hpp"

namespace efampi::coll::sim {

enum class Model : uint8_t { eager, rendezvous };

// A buffer that a rank's steps may use. The schedule's own scratch is always allowed.
struct Region {
    const void* base;
    uint64_t bytes;
    bool writable;  // false: the user's send buffer, which a collective must never write
};

struct Options {
    Model model = Model::eager;
    // Track which ranks each rank has heard from, directly or through others (the barrier's
    // guarantee). Costs p bits per message.
    bool track_heard = false;
};

struct Outcome {
    std::string error;      // empty: every rank finished, no message left over
    uint64_t messages = 0;  // sent, all ranks together
    uint64_t bytes = 0;
    uint64_t max_rank_messages = 0;  // the busiest sender
    uint64_t max_rank_bytes = 0;
    size_t max_rounds = 0;  // of any rank's schedule (local-only rounds included)
    // Critical path in message latencies: a round's messages leave at the round's start time,
    // arrive one unit later, and the round ends when the last one it waits for has arrived.
    uint64_t depth = 0;
    // track_heard: heard[r * p + q] says rank r had heard from q (or is q) when it finished.
    std::vector<bool> heard;
};

// Static checks of one rank's schedule against its buffers: peers in range; every step's
// bytes inside a region or the scratch block, and writes only into writable ones; no receive
// overlapping another message buffer of its round (the transport writes while the round's
// sends may still read); scratch taken at most once. Returns "" or the first problem found.
std::string check_schedule(const Schedule& s, const std::vector<Region>& regions);

// Runs ranks[0 .. p-1] together; ranks[r] must be built for CommView rank r of size p.
Outcome run(std::vector<Schedule>& ranks, const Options& opt = {});

}  // namespace efampi::coll::sim
