#pragma once
// Forwarding of the ranks' stdio. Every rank's stdout and stderr arrive on their own pipe and
// leave through mpirun's stdout/stderr one whole line at a time, so lines of different ranks
// never interleave mid-line (a partial line waits for its newline, for EOF, or for the buffer
// limit). mpirun's stdin goes to rank 0 only, with back-pressure: nothing more is read from
// stdin while rank 0 has not taken what was read.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

namespace efampi::launcher {

// A line longer than this is forwarded in pieces rather than buffered without bound.
inline constexpr std::size_t max_line_buffer = 64 * 1024;

// Where forwarded output goes: called with whole lines (or a piece of an overlong line, or the
// last partial line at EOF); returns false when the destination is gone for good.
using output_sink = std::function<bool(const char* data, std::size_t n)>;

// Writes all of data to fd (blocking; waits out EAGAIN). False on EPIPE and other errors.
bool write_all(int fd, const char* data, std::size_t n);

// The --tag-output prefix, as Open MPI writes it: "[1,R]<stdout>:" (stream 1) or
// "[1,R]<stderr>:" (stream 2).
std::string output_tag(std::uint32_t rank, int stream);

// data with `prefix` put before every line (a final piece without newline counts as a line).
std::string tag_lines(const std::string& prefix, const char* data, std::size_t n);

// A sink writing to fd, tagging every line with `prefix` when it is not empty.
output_sink fd_sink(int fd, std::string prefix = {});

class output_relay {
public:
    output_relay(int source_fd, int dest_fd) : output_relay(source_fd, fd_sink(dest_fd)) {}
    output_relay(int source_fd, output_sink sink) : source_(source_fd), sink_(std::move(sink)) {}
    ~output_relay() { close_source(); }
    output_relay(output_relay&& o) noexcept;
    output_relay& operator=(output_relay&&) = delete;
    output_relay(const output_relay&) = delete;

    int fd() const { return source_; }  // -1 once closed
    bool open() const { return source_ >= 0; }

    // Reads what is available and forwards complete lines. At EOF it forwards the partial line
    // and closes the source.
    void on_readable();
    // Forwards any partial line and closes (used when giving up on a source that never ends).
    void close_source();

private:
    void write_out(const char* data, std::size_t n);
    int source_;
    output_sink sink_;
    bool dest_broken_ = false;  // our own stdout/stderr is gone: the source gets closed
    std::string pending_;
};

class stdin_relay {
public:
    // dest_fd: rank 0's stdin pipe (non-blocking), owned from here on.
    explicit stdin_relay(int dest_fd);
    ~stdin_relay();
    stdin_relay(const stdin_relay&) = delete;
    stdin_relay& operator=(const stdin_relay&) = delete;

    bool active() const { return dest_ >= 0; }
    // What to poll: our stdin for reading while nothing is pending, else the pipe for writing.
    int poll_fd() const;
    short poll_events() const;
    void on_ready(short revents);
    void stop();  // rank 0 is gone

private:
    int dest_;
    bool source_done_ = false;
    std::string pending_;
};

}  // namespace efampi::launcher
