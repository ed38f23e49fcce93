#include "launcher/stdio_relay.hpp"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace efampi::launcher {
namespace {

constexpr std::size_t read_chunk = 16 * 1024;
// Reads per readiness event: a rank flooding its output must not keep the loop from its other
// duties (exits, signals, timeouts); the rest waits for the next poll.
constexpr int max_reads_per_event = 8;

}  // namespace

output_relay::output_relay(output_relay&& o) noexcept
    : source_(o.source_), sink_(std::move(o.sink_)), dest_broken_(o.dest_broken_), pending_(std::move(o.pending_)) {
    o.source_ = -1;
}

bool write_all(int fd, const char* data, std::size_t n) {
    // Blocking writes on purpose: a slow reader of mpirun's output slows the ranks down
    // (their pipes fill) instead of mpirun buffering without bound.
    while (n > 0) {
        ssize_t w = write(fd, data, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN) {  // our stdout was left non-blocking by someone: wait for it
                pollfd p{fd, POLLOUT, 0};
                poll(&p, 1, 100);
                continue;
            }
            return false;  // EPIPE and friends: nobody reads it any more
        }
        data += w;
        n -= static_cast<std::size_t>(w);
    }
    return true;
}

std::string output_tag(std::uint32_t rank, int stream) {
    return "[1," + std::to_string(rank) + (stream == 2 ? "]<stderr>:" : "]<stdout>:");
}

std::string tag_lines(const std::string& prefix, const char* data, std::size_t n) {
    std::string out;
    out.reserve(n + prefix.size() * 2);
    std::size_t start = 0;
    while (start < n) {
        const void* nl = std::memchr(data + start, '\n', n - start);
        std::size_t end = nl ? static_cast<std::size_t>(static_cast<const char*>(nl) - data) + 1 : n;
        out += prefix;
        out.append(data + start, end - start);
        start = end;
    }
    return out;
}

output_sink fd_sink(int fd, std::string prefix) {
    if (prefix.empty()) return [fd](const char* data, std::size_t n) { return write_all(fd, data, n); };
    return [fd, prefix = std::move(prefix)](const char* data, std::size_t n) {
        std::string tagged = tag_lines(prefix, data, n);
        return write_all(fd, tagged.data(), tagged.size());
    };
}

void output_relay::write_out(const char* data, std::size_t n) {
    // On a broken destination on_readable() closes the source, so the rank gets SIGPIPE on its
    // next write, as in a shell pipeline.
    if (!dest_broken_ && n > 0 && !sink_(data, n)) dest_broken_ = true;
}

void output_relay::on_readable() {
    if (source_ < 0) return;
    char buf[read_chunk];
    for (int reads = 0; reads < max_reads_per_event; ++reads) {
        ssize_t r = read(source_, buf, sizeof buf);
        if (r < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN) return;
            close_source();  // treat a read error like EOF
            return;
        }
        if (r == 0) {
            close_source();
            return;
        }
        pending_.append(buf, static_cast<std::size_t>(r));
        auto last_newline = pending_.rfind('\n');
        if (last_newline != std::string::npos) {
            write_out(pending_.data(), last_newline + 1);
            pending_.erase(0, last_newline + 1);
        }
        if (pending_.size() >= max_line_buffer) {
            write_out(pending_.data(), pending_.size());
            pending_.clear();
        }
        if (dest_broken_) {
            pending_.clear();
            close_source();
            return;
        }
        if (static_cast<std::size_t>(r) < sizeof buf) return;  // drained for now
    }
}

void output_relay::close_source() {
    if (source_ < 0) return;
    if (!pending_.empty()) {
        write_out(pending_.data(), pending_.size());
        pending_.clear();
    }
    close(source_);
    source_ = -1;
}

stdin_relay::stdin_relay(int dest_fd) : dest_(dest_fd) {}

stdin_relay::~stdin_relay() { stop(); }

int stdin_relay::poll_fd() const {
    if (dest_ < 0) return -1;
    return pending_.empty() ? STDIN_FILENO : dest_;
}

short stdin_relay::poll_events() const { return pending_.empty() ? POLLIN : POLLOUT; }

void stdin_relay::on_ready(short revents) {
    if (dest_ < 0) return;
    if (pending_.empty()) {
        if (source_done_) return;
        char buf[read_chunk];
        ssize_t r = read(STDIN_FILENO, buf, sizeof buf);
        if (r < 0 && (errno == EINTR || errno == EAGAIN)) return;
        if (r <= 0) {  // EOF (or an unreadable stdin): rank 0 sees EOF too
            source_done_ = true;
            stop();
            return;
        }
        pending_.assign(buf, static_cast<std::size_t>(r));
        revents = POLLOUT;  // try writing right away; the pipe is usually empty
    }
    if (revents & (POLLOUT | POLLERR | POLLHUP)) {
        ssize_t w = write(dest_, pending_.data(), pending_.size());
        if (w < 0) {
            if (errno == EINTR || errno == EAGAIN) return;
            stop();  // EPIPE: rank 0 closed its stdin or exited
            return;
        }
        pending_.erase(0, static_cast<std::size_t>(w));
    }
}

void stdin_relay::stop() {
    if (dest_ >= 0) close(dest_);
    dest_ = -1;
    pending_.clear();
}

}  // namespace efampi::launcher
