#pragma once
// Agreement between the two groups of an intercommunicator (one being made by
// MPI_Intercomm_create, or one being duplicated or merged): each group gathers its members'
// free context-id masks, the two leaders swap their group's combined mask, size, a flag and
// member list, and each leader broadcasts what it got to its group. Both groups then pick the
// lowest id free on every member of either group: the same answer everywhere.
#include <cstdint>
#include <string>
#include <vector>

#include "collectives/comm_view.hpp"
#include "runtime/objects/comm.hpp"

namespace efampi::api {

// How a leader reaches the other group's leader (point-to-point, blocking).
struct InterLink {
    uint32_t ctx;     // context the leaders' messages travel in
    int my_src;       // this leader's rank as the sender in that context
    int their_src;    // the other leader's rank as the sender
    int their_world;  // the other leader's job rank
    int tag;
};

struct InterAgreement {
    uint32_t ctx = 0;           // the id both groups agreed on (not yet taken)
    std::vector<int> remote;    // the other group's job ranks, in its rank order
    int remote_flag = 0;        // the flag the other group's leader passed
    std::vector<int> remote_extra;  // the other group's `extra`
};

// Collective over the group `local` (its collective exchanges use `local`'s context with the
// runtime's fixed tags); `link` is used by the leader only (rank `leader` of `local`), which may
// also pass a non-zero `leader_err`/`leader_msg` to fail the call on its whole group (its
// checks of the peer arguments). `members`: this group's job ranks; `extra`: more ints for the
// other group (the same on every member of this group; the leader's are sent).
InterAgreement inter_agree(const coll::CommView& local, int leader, const InterLink& link,
                           const std::vector<int>& members, int flag, int leader_err = 0,
                           const std::string& leader_msg = {},
                           const std::vector<int>& extra = {});

// MPI_Comm_split (and MPI_Comm_create, as a split) of intercommunicator `c`: the members of
// each group with the same colour, ordered by key then rank, face those of the other group with
// that colour; MPI_COMM_NULL for MPI_UNDEFINED or when the other group has none of the colour.
void inter_split(rt::Comm* c, int color, int key, MPI_Comm* newcomm);

// The tag an intercommunicator's leaders use between themselves inside its collective context
// (distinct from every fixed tag the groups' own exchanges use).
constexpr int inter_leader_tag = 6;

// The link between the leaders (rank 0 of each group) of intercommunicator `c`.
inline InterLink leaders_link(const rt::Comm& c) {
    return InterLink{c.ctx + 1, 0, 0, c.remote[0], inter_leader_tag};
}

}  // namespace efampi::api
