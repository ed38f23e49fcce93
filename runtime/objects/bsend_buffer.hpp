#pragma once
// The buffer of buffered-mode sends (MPI_Buffer_attach, MPI_Comm_attach_buffer). A buffered
// send copies its data into the attached buffer and completes; the copy goes out as a normal
// send whose request the buffer keeps until the transport is done with it. Each message takes
// its size plus MPI_BSEND_OVERHEAD bytes of the buffer, placed first-fit; the space returns
// when its send completes. MPI_BUFFER_AUTOMATIC: the library allocates each copy itself.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace efampi::pml {
struct Request;
}

namespace efampi::rt {

class BsendBuffer {
public:
    BsendBuffer() = default;
    BsendBuffer(const BsendBuffer&) = delete;
    BsendBuffer& operator=(const BsendBuffer&) = delete;
    ~BsendBuffer();

    bool attached() const { return attached_; }
    // Throws MPI_ERR_BUFFER when a buffer is attached already; `automatic`: the library
    // allocates (buf and size are then ignored).
    void attach(void* buf, uint64_t size, bool automatic);
    // Waits until every buffered send has left, then gives the buffer back.
    void detach(void** buf, uint64_t* size);
    // Waits until every buffered send has left (MPI_Buffer_flush); the buffer stays attached.
    void flush();
    // Copies `bytes` of `data` and starts their send. Throws MPI_ERR_BUFFER when no buffer is
    // attached or when the free space cannot hold the message plus its overhead.
    void send(const void* data, uint64_t bytes, int dst, int src_rank, int tag, uint32_t ctx);
    size_t pending() const { return live_.size(); }
    uint64_t size() const { return size_; }

private:
    struct Segment {
        uint64_t off = 0;   // into buf_ (automatic: unused)
        uint64_t len = 0;   // bytes of buf_ taken: message + overhead
        unsigned char* copy = nullptr;  // where the data was copied
        pml::Request* req = nullptr;    // the send of the copy
    };
    void reclaim();            // drops the segments whose send completed
    uint64_t place(uint64_t need);  // offset of a free gap, or UINT64_MAX; keeps live_ sorted
    void free_segment(Segment& s);

    bool attached_ = false;
    bool automatic_ = false;
    unsigned char* buf_ = nullptr;
    uint64_t size_ = 0;
    std::vector<Segment> live_;  // sorted by offset
};

// The process's buffer (MPI_Buffer_attach); communicators may have their own.
BsendBuffer& process_bsend_buffer();

}  // namespace efampi::rt
