#include "launcher/control.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace efampi::launcher {

static_assert(POLLIN == 0x001 && POLLOUT == 0x004, "poll constants");

frame_writer::frame_writer(msg_type t) {
    buf_.assign(4, '\0');
    buf_.push_back(static_cast<char>(t));
}

frame_writer& frame_writer::u8(std::uint8_t v) {
    buf_.push_back(static_cast<char>(v));
    return *this;
}

frame_writer& frame_writer::u32(std::uint32_t v) {
    for (int i = 0; i < 4; ++i) buf_.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
    return *this;
}

frame_writer& frame_writer::u64(std::uint64_t v) {
    for (int i = 0; i < 8; ++i) buf_.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
    return *this;
}

frame_writer& frame_writer::str(const std::string& v) {
    u32(static_cast<std::uint32_t>(v.size()));
    buf_ += v;
    return *this;
}

frame_writer& frame_writer::strs(const std::vector<std::string>& v) {
    u32(static_cast<std::uint32_t>(v.size()));
    for (const auto& s : v) str(s);
    return *this;
}

frame_writer& frame_writer::u32s(const std::vector<std::uint32_t>& v) {
    u32(static_cast<std::uint32_t>(v.size()));
    for (auto x : v) u32(x);
    return *this;
}

const std::string& frame_writer::bytes() {
    auto len = static_cast<std::uint32_t>(buf_.size() - 4);
    for (int i = 0; i < 4; ++i) buf_[static_cast<std::size_t>(i)] = static_cast<char>((len >> (8 * i)) & 0xff);
    return buf_;
}

void frame_reader::need(std::size_t n) const {
    if (p_.size() - pos_ < n) throw protocol_error("truncated control frame");
}

std::uint8_t frame_reader::u8() {
    need(1);
    return static_cast<std::uint8_t>(p_[pos_++]);
}

std::uint32_t frame_reader::u32() {
    need(4);
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v |= std::uint32_t{static_cast<std::uint8_t>(p_[pos_++])} << (8 * i);
    return v;
}

std::uint64_t frame_reader::u64() {
    need(8);
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= std::uint64_t{static_cast<std::uint8_t>(p_[pos_++])} << (8 * i);
    return v;
}

std::string frame_reader::str() {
    std::uint32_t n = u32();
    need(n);
    std::string s = p_.substr(pos_, n);
    pos_ += n;
    return s;
}

std::vector<std::string> frame_reader::strs() {
    std::uint32_t n = u32();
    need(std::size_t{n} * 4);
    std::vector<std::string> v;
    for (std::uint32_t i = 0; i < n; ++i) v.push_back(str());
    return v;
}

std::vector<std::uint32_t> frame_reader::u32s() {
    std::uint32_t n = u32();
    need(std::size_t{n} * 4);
    std::vector<std::uint32_t> v;
    for (std::uint32_t i = 0; i < n; ++i) v.push_back(u32());
    return v;
}

control_channel::~control_channel() { close_now(); }

void control_channel::close_now() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
    out_.clear();
}

void control_channel::flush() {
    while (fd_ >= 0 && !out_.empty()) {
        ssize_t w = ::send(fd_, out_.data(), out_.size(), MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN) return;
            close_now();  // the reader notices on its next read
            return;
        }
        out_.erase(0, static_cast<std::size_t>(w));
    }
}

void control_channel::send(frame_writer& f) {
    if (fd_ < 0) return;
    out_ += f.bytes();
    flush();
}

bool control_channel::send_blocking(frame_writer& f) {
    send(f);
    while (fd_ >= 0 && !out_.empty()) {
        pollfd p{fd_, POLLOUT, 0};
        poll(&p, 1, 1000);
        flush();
    }
    return fd_ >= 0;
}

void control_channel::on_writable() { flush(); }

bool control_channel::on_readable() {
    if (fd_ < 0) return false;
    char buf[64 * 1024];
    for (int reads = 0; reads < 16; ++reads) {
        ssize_t r = recv(fd_, buf, sizeof buf, 0);
        if (r < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN) return true;
            close_now();
            return false;
        }
        if (r == 0) {
            close_now();
            return false;
        }
        in_.append(buf, static_cast<std::size_t>(r));
        if (static_cast<std::size_t>(r) < sizeof buf) return true;
    }
    return true;
}

bool control_channel::next(frame_reader& out) {
    if (in_.size() < 5) return false;
    std::uint32_t len = 0;
    for (int i = 0; i < 4; ++i) len |= std::uint32_t{static_cast<std::uint8_t>(in_[static_cast<std::size_t>(i)])} << (8 * i);
    if (len == 0 || len > max_frame) throw protocol_error("bad control frame length " + std::to_string(len));
    if (in_.size() < 4 + std::size_t{len}) return false;
    auto type = static_cast<msg_type>(static_cast<std::uint8_t>(in_[4]));
    out = frame_reader(type, in_.substr(5, len - 1));
    in_.erase(0, 4 + std::size_t{len});
    return true;
}

}  // namespace efampi::launcher
