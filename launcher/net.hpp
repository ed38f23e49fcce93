#pragma once
// Sockets and addresses for the control connections between mpirun and its daemons (IPv4):
// where mpirun can be reached, connecting back with a bounded wait, and which interface a
// connection leaves through (the daemon's hint for the ranks' network interface).
#include <cstdint>
#include <string>
#include <vector>

namespace efampi::launcher {

// This host's IPv4 addresses on interfaces that are up: non-loopback ones first (in interface
// order), 127.0.0.1 last. Candidates a daemon tries, in order, to reach mpirun.
std::vector<std::string> local_addresses();

// A listening TCP socket on every interface (0.0.0.0), non-blocking and close-on-exec; its port
// in `port`. Throws launch_error.
int listen_any(std::uint16_t& port);

// Tries each address in order with a wait of at most `each_ms`; the connected, non-blocking
// socket, or -1 with the reasons in `errors` ("10.0.0.1: Connection refused; ...").
int connect_first(const std::vector<std::string>& addrs, std::uint16_t port, int each_ms, std::string& errors);

// The interface holding the local address of a connected socket ("eth0"), "" if unknown or
// loopback.
std::string interface_of_socket(int fd);

// Whether `name` names the host mpirun runs on: "localhost", this host's name (full or first
// label), or one of its addresses.
bool is_this_host(const std::string& name);

}  // namespace efampi::launcher
