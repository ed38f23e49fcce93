#pragma once
// The operation contexts the engine posts to its transports. Each begins with an OpCtx (the
// provider's fi_context2 space) so that a completion is dispatched on OpCtx::type.
#include <cstddef>
#include <cstdint>

#include "pml/request.hpp"

namespace efampi::pml {

class Endpoint;
class Transport;

// A receive buffer posted to a libfabric endpoint.
struct RecvBuf {
    OpCtx op;
    Endpoint* ep = nullptr;
    uint8_t* data = nullptr;
    size_t size = 0;
    bool multi = false;  // a multi-receive buffer (many messages, released by the provider)
    RecvBuf* next = nullptr;
};

// A message copied into a bounce buffer: posted, or waiting in the backlog.
struct SendBuf {
    OpCtx op;
    Transport* t = nullptr;
    int peer = -1;
    size_t len = 0;
    uint8_t* data = nullptr;  // a block of the engine's SizedBlocks
    SendBuf* next = nullptr;
    SendBuf* prev = nullptr;
};

// One read of remote memory (a rendezvous chunk or a streamed segment) into a local buffer.
struct ReadOp {
    OpCtx op;
    Request* req = nullptr;
    Transport* t = nullptr;
    uint8_t* buf = nullptr;
    size_t len = 0;
    uint64_t raddr = 0;
    uint64_t key = 0;
    uint32_t slot = 0;  // a streamed segment's read: the slot it belongs to
    ReadOp* next = nullptr;
    ReadOp* prev = nullptr;
};

}  // namespace efampi::pml
