#include "launcher/net.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "launcher/error.hpp"

namespace efampi::launcher {
namespace {

struct ifaddrs_list {
    ifaddrs* head = nullptr;
    ifaddrs_list() {
        if (getifaddrs(&head) != 0) head = nullptr;
    }
    ~ifaddrs_list() {
        if (head) freeifaddrs(head);
    }
};

std::string ip_text(const in_addr& a) {
    char buf[INET_ADDRSTRLEN] = {};
    inet_ntop(AF_INET, &a, buf, sizeof buf);
    return buf;
}

}  // namespace

std::vector<std::string> local_addresses() {
    std::vector<std::string> out;
    ifaddrs_list l;
    for (ifaddrs* i = l.head; i; i = i->ifa_next) {
        if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET) continue;
        if (!(i->ifa_flags & IFF_UP) || (i->ifa_flags & IFF_LOOPBACK)) continue;
        std::string a = ip_text(reinterpret_cast<sockaddr_in*>(i->ifa_addr)->sin_addr);
        bool seen = false;
        for (const auto& x : out) seen = seen || x == a;
        if (!seen) out.push_back(a);
    }
    out.push_back("127.0.0.1");
    return out;
}

int listen_any(std::uint16_t& port) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) throw launch_error(exit_launch_failed, std::string("socket: ") + std::strerror(errno));
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_ANY);
    socklen_t len = sizeof sa;
    if (bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 || listen(fd, 128) != 0 ||
        getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len) != 0) {
        int e = errno;
        close(fd);
        throw launch_error(exit_launch_failed, std::string("listening socket for the daemons: ") + std::strerror(e));
    }
    port = ntohs(sa.sin_port);
    return fd;
}

int connect_first(const std::vector<std::string>& addrs, std::uint16_t port, int each_ms, std::string& errors) {
    for (const auto& a : addrs) {
        auto note = [&](const std::string& why) { errors += (errors.empty() ? "" : "; ") + a + ": " + why; };
        sockaddr_in sa{};
        sa.sin_family = AF_INET;
        sa.sin_port = htons(port);
        if (inet_pton(AF_INET, a.c_str(), &sa.sin_addr) != 1) {
            note("not an IPv4 address");
            continue;
        }
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            note(std::strerror(errno));
            continue;
        }
        int rc = connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
        if (rc != 0 && errno == EINPROGRESS) {
            pollfd p{fd, POLLOUT, 0};
            int n;
            do n = poll(&p, 1, each_ms); while (n < 0 && errno == EINTR);
            int err = 0;
            socklen_t len = sizeof err;
            if (n == 0) {
                err = ETIMEDOUT;
            } else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) {
                err = errno;
            }
            rc = err ? -1 : 0;
            errno = err;
        }
        if (rc == 0) {
            int one = 1;
            setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            return fd;
        }
        note(std::strerror(errno));
        close(fd);
    }
    return -1;
}

std::string interface_of_socket(int fd) {
    sockaddr_in sa{};
    socklen_t len = sizeof sa;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len) != 0 || sa.sin_family != AF_INET) return {};
    ifaddrs_list l;
    for (ifaddrs* i = l.head; i; i = i->ifa_next) {
        if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET || (i->ifa_flags & IFF_LOOPBACK)) continue;
        if (reinterpret_cast<sockaddr_in*>(i->ifa_addr)->sin_addr.s_addr == sa.sin_addr.s_addr) return i->ifa_name;
    }
    return {};
}

bool is_this_host(const std::string& name) {
    if (name == "localhost" || name == "127.0.0.1") return true;
    char buf[HOST_NAME_MAX + 1] = {};
    if (gethostname(buf, sizeof buf - 1) == 0 && buf[0]) {
        std::string h = buf;
        if (name == h || name == h.substr(0, h.find('.'))) return true;
    }
    for (const auto& a : local_addresses())
        if (a == name) return true;
    return false;
}

}  // namespace efampi::launcher
