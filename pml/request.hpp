#pragma once
// Requests and the other operation contexts the completion queues hand back. Every object
// posted to libfabric begins with an OpCtx, whose first member is the provider's fi_context2
// space; a completion is dispatched on OpCtx::type. This header does not include libfabric
// (only pml/*.cpp do): the context space is sized here and checked in fabric.cpp.
#include <cstddef>
#include <cstdint>

#include "base/errclass.hpp"

namespace efampi::pml {

constexpr int any_source = -1;  // same values as MPI_ANY_SOURCE / MPI_ANY_TAG in the ABI
constexpr int any_tag = -2;

enum class OpType : uint8_t { recv_buf, send_buf, read };

struct OpCtx {
    void* fi_space[8];  // struct fi_context2, owned by the provider while the op is posted
    OpType type;
};

enum class ReqType : uint8_t { send, recv };

// A message whose data is not one range of memory (a derived datatype with holes): the runtime
// describes it by two functions over the packed byte stream (MPI_Pack order), which the pml
// calls piece by piece, so no copy of the whole message is ever made. `pack` copies packed
// bytes [off, off + len) out of the user's buffer into `out`; `unpack` copies them in.
struct Layout {
    void (*pack)(const Layout* l, uint64_t off, uint64_t len, void* out);
    void (*unpack)(const Layout* l, uint64_t off, uint64_t len, const void* in);
};

// Error classes the pml reports in Request::err.
constexpr int err_truncate = errc::truncate;
constexpr int err_other = errc::other;

struct Request {
    ReqType type = ReqType::send;
    bool live = false;     // handed out and not yet released (stale handles are detected)
    bool done = false;     // complete: status valid, buffer reusable
    bool sync = false;     // send: wait for the receiver's ack
    bool cancelled = false;  // receive taken back by MPI_Cancel before it matched
    bool freed = false;      // MPI_Request_free on an active request: release on completion
    // Persistent requests (MPI_Send_init, MPI_Recv_init, ...) keep their arguments across
    // operations: the handle is not released when an operation completes, only made inactive.
    bool persistent = false;
    bool active = false;     // persistent: started and not yet completed by a wait or test
    bool buffered = false;   // persistent buffered send: the runtime copies, the pml sends
    bool proc_null = false;  // persistent, peer MPI_PROC_NULL: every start completes at once
    bool spill = false;      // an eager send over its credit: buf is our malloc'd copy (freed)
    bool waits = false;      // in its peer's `waiting` list (Engine::await_peer)
    bool aborted = false;    // its peer failed while reads were posted: completes with the last
    int err = 0;           // MPI error class of the completed operation, 0 when fine
    // Status of a completed receive.
    int st_source = 0;
    int st_tag = 0;
    uint64_t st_bytes = 0;
    // Matching criteria of a posted receive (src/tag may be any_source/any_tag).
    uint32_t ctx = 0;
    int src = 0;
    int tag = 0;
    void* buf = nullptr;
    uint64_t bytes = 0;        // send: message size; recv: capacity
    // Rendezvous state.
    uint32_t pending = 0;      // receive: fi_read chunks outstanding; compound: parts
    uint64_t remote_cookie = 0;
    int peer = -1;             // the job rank it waits on (receive: the sender, for the fin)
    uint32_t reads_posted = 0; // reads handed to a transport whose completion has not come
    int dst = -1;              // persistent send: destination job rank
    void* mr = nullptr;        // send: struct fid_mr* registered for the peer's read
    void* owner = nullptr;     // the runtime's object (communicator) for error handlers
    void* coll = nullptr;      // a collective's request: its executor state (collectives/)
    void* ext = nullptr;       // the runtime's staging (derived datatypes): see Engine::release
    // Non-contiguous data (see Layout): buf is unused and `bytes` is the packed size.
    const Layout* lay = nullptr;
    // Streamed rendezvous (pml/stream.cpp). Send: the next offset to push, the bytes the
    // receiver takes, fragments handed to the transport and not yet completed. Receive: the
    // bytes still to arrive.
    uint64_t seg_off = 0;
    uint64_t seg_left = 0;
    void* stage = nullptr;     // over libfabric: the SegStage (pml/stream.cpp) while it runs
    // Compound operations (MPI_Isendrecv): a part reports to its parent when it completes;
    // the parent completes with its last part (`pending` counts them).
    Request* parent = nullptr;
    Request* next = nullptr;   // intrusive links: posted-receive queue, free list
    Request* prev = nullptr;
};

// A matchable message that arrived (or was sent to self) before its receive was posted, or
// ahead of its sequence number. Payloads up to the eager limit are copied into `data`.
struct Incoming {
    uint32_t ctx = 0;
    int src = 0;         // sender's rank in the communicator
    int tag = 0;
    int peer = 0;        // sender's job rank
    uint32_t seq = 0;
    uint8_t kind = 0;    // pml::Kind
    uint8_t flags = 0;
    uint64_t cookie = 0;
    uint64_t size = 0;   // eager: payload bytes; rts: total message bytes
    uint64_t addr = 0;   // rts: remote address and key
    uint64_t key = 0;
    uint8_t* data = nullptr;       // eager payload copy (block from the engine's pool)
    Request* self_send = nullptr;  // a send to self waiting for its match (data = its buffer)
    bool probed = false;           // taken by a matched probe (MPI_Mprobe): owned by a handle
    void* owner = nullptr;         // probed: the communicator it was probed on
    Incoming* next = nullptr;
    Incoming* prev = nullptr;
};

}  // namespace efampi::pml
