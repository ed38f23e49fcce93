#pragma once
// The control protocol between mpirun and its daemons (one TCP connection per daemon), and the
// connection object both ends use. Wire format (launcher/README.md, "Daemon protocol"):
// every frame is a 4-byte little-endian length of what follows, a 1-byte type, then the
// payload: integers little-endian, strings and blobs as a u32 length and the bytes.
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace efampi::launcher {

enum class msg_type : std::uint8_t {
    hello = 1,       // d->m: token, node
    job = 2,         // m->d: the job (see job_message)
    started = 3,     // d->m: every local rank is running
    output = 4,      // d->m: rank u32, stream u8 (1 out, 2 err), bytes (whole lines)
    fence = 5,       // d->m: id, participant ranks (u32 list; empty = all), collect u8, blob
    fence_done = 6,  // m->d: id, ok u8, every contributing daemon's blob concatenated
    modex_req = 7,   // d->m (asker's id) and m->owner (mpirun's id): id u64, rank u32
    modex_resp = 8,  // owner->m, m->asker: id u64, ok u8, data
    failure = 9,     // d->m: exit code i32, message
    kill = 10,       // m->d: signal i32 (first: tear down with it; again: SIGKILL)
    done = 11,       // d->m: exit status i32; the daemon leaves after it
    stdin_data = 12,  // m->d (rank 0's daemon): bytes of mpirun's stdin; empty = EOF
    stdin_taken = 13, // d->m: u32 bytes written to rank 0 (stdin_gone: rank 0's stdin is closed)
};

// Bytes of stdin mpirun lets travel to rank 0's daemon before it says they were taken.
inline constexpr std::uint32_t stdin_window = 64 * 1024;
inline constexpr std::uint32_t stdin_gone = 0xffffffffu;

// Frames bigger than this are a protocol error (a fence blob of 4096 ranks is far smaller).
inline constexpr std::uint32_t max_frame = 256u << 20;

struct protocol_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

class frame_writer {
public:
    explicit frame_writer(msg_type t);
    frame_writer& u8(std::uint8_t v);
    frame_writer& u32(std::uint32_t v);
    frame_writer& u64(std::uint64_t v);
    frame_writer& i32(std::int32_t v) { return u32(static_cast<std::uint32_t>(v)); }
    frame_writer& str(const std::string& v);
    frame_writer& strs(const std::vector<std::string>& v);
    frame_writer& u32s(const std::vector<std::uint32_t>& v);
    // The finished frame, length included.
    const std::string& bytes();

private:
    std::string buf_;
};

class frame_reader {
public:
    frame_reader(msg_type t, std::string payload) : type_(t), p_(std::move(payload)) {}
    msg_type type() const { return type_; }
    std::uint8_t u8();
    std::uint32_t u32();
    std::uint64_t u64();
    std::int32_t i32() { return static_cast<std::int32_t>(u32()); }
    std::string str();
    std::vector<std::string> strs();
    std::vector<std::uint32_t> u32s();

private:
    void need(std::size_t n) const;
    msg_type type_;
    std::string p_;
    std::size_t pos_ = 0;
};

// One end of a control connection over a non-blocking socket. Outgoing frames queue and leave
// as the socket takes them (mpirun never blocks on a daemon); send_blocking() is for the daemon,
// whose only peer is mpirun, which always reads.
class control_channel {
public:
    explicit control_channel(int fd) : fd_(fd) {}
    ~control_channel();
    control_channel(const control_channel&) = delete;
    control_channel& operator=(const control_channel&) = delete;

    int fd() const { return fd_; }
    bool closed() const { return fd_ < 0; }
    short poll_events() const { return static_cast<short>(POLLIN_ | (out_.empty() ? 0 : POLLOUT_)); }

    void send(frame_writer& f);           // queues, writes what it can
    bool send_blocking(frame_writer& f);  // false when the connection is gone
    // Reads what is available into the input buffer; false at EOF or error (then closed()).
    bool on_readable();
    void on_writable();
    // The next complete frame, if any. Throws protocol_error on a bad length.
    bool next(frame_reader& out);
    void close_now();

private:
    static constexpr short POLLIN_ = 0x001, POLLOUT_ = 0x004;
    void flush();
    int fd_;
    std::string in_, out_;
};

}  // namespace efampi::launcher
