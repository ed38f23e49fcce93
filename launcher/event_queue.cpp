#include "launcher/event_queue.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "launcher/error.hpp"

namespace efampi::launcher {

event_queue::event_queue() : fd_(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
    if (fd_ < 0)
        throw launch_error(exit_launch_failed, std::string("eventfd: ") + std::strerror(errno));
}

event_queue::~event_queue() { close(fd_); }

void event_queue::push(server_event ev) {
    {
        std::lock_guard lock(mutex_);
        events_.push_back(std::move(ev));
    }
    std::uint64_t one = 1;
    // Can only fail if the counter would overflow, which needs 2^64 unread pushes.
    (void)!write(fd_, &one, sizeof one);
}

std::deque<server_event> event_queue::take() {
    std::uint64_t count;
    (void)!read(fd_, &count, sizeof count);  // reset the wakeup before taking, so none is lost
    std::deque<server_event> out;
    std::lock_guard lock(mutex_);
    out.swap(events_);
    return out;
}

}  // namespace efampi::launcher
