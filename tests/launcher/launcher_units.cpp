// Unit tests of the launcher's pure parts: the command line, the job model, and the per-rank
// line assembly of the stdio relay.
#include <fcntl.h>
#include <sys/socket.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <functional>
#include <string>
#include <vector>

#include "launcher/error.hpp"
#include "launcher/control.hpp"
#include "launcher/hosts.hpp"
#include "launcher/job.hpp"
#include "launcher/mapping.hpp"
#include "launcher/options.hpp"
#include "launcher/stdio_relay.hpp"

namespace efampi::launcher {
namespace {

options parse(std::vector<std::string> args) { return parse_options(args); }

int usage_status(std::vector<std::string> args) {
    try {
        parse(args);
    } catch (const launch_error& e) {
        return e.exit_code;
    }
    return -1;
}

TEST(Options, CountAndProgram) {
    auto o = parse({"-n", "4", "./a.out", "-n", "5"});
    EXPECT_EQ(o.nprocs, 4u);
    EXPECT_EQ(o.program, (std::vector<std::string>{"./a.out", "-n", "5"}));
    EXPECT_EQ(parse({"-np", "3", "x"}).nprocs, 3u);
    EXPECT_EQ(parse({"--np=6", "x"}).nprocs, 6u);
    EXPECT_EQ(parse({"-n=2", "x"}).nprocs, 2u);
    EXPECT_EQ(parse({"x"}).nprocs, 1u);
}

TEST(Options, DoubleDashEndsOptions) {
    auto o = parse({"-n", "2", "--", "-weird-name", "--help"});
    EXPECT_EQ(o.program, (std::vector<std::string>{"-weird-name", "--help"}));
    EXPECT_FALSE(o.help);
}

TEST(Options, Exports) {
    auto o = parse({"-x", "A", "-x", "B=1=2", "-xC=3", "prog"});
    EXPECT_EQ(o.exports, (std::vector<std::string>{"A", "B=1=2", "C=3"}));
    EXPECT_EQ(usage_status({"-x", "=v", "prog"}), exit_usage);
    EXPECT_EQ(usage_status({"-x", "1A", "prog"}), exit_usage);
}

TEST(Options, AcceptedAndRejected) {
    EXPECT_NO_THROW(parse({"--oversubscribe", "--allow-run-as-root", "prog"}));
    EXPECT_TRUE(parse({"-h"}).help);
    EXPECT_TRUE(parse({"--version"}).version);
    EXPECT_EQ(usage_status({"--frobnicate", "prog"}), exit_usage);
    EXPECT_EQ(usage_status({}), exit_usage);
    EXPECT_EQ(usage_status({"-n"}), exit_usage);
    EXPECT_EQ(usage_status({"-n", "0", "prog"}), exit_usage);
    EXPECT_EQ(usage_status({"-n", "-3", "prog"}), exit_usage);
    EXPECT_EQ(usage_status({"-n", "2x", "prog"}), exit_usage);
    EXPECT_EQ(usage_status({"-n", "100000", "prog"}), exit_usage);
    EXPECT_EQ(usage_status({"--help=yes"}), exit_usage);
}

TEST(Job, BlockMapping) {
    job j = make_job("ns", {"a", "b"}, {3, 2});
    EXPECT_EQ(j.size, 5u);
    ASSERT_EQ(j.procs.size(), 5u);
    EXPECT_EQ(j.procs[3].node, 1u);
    EXPECT_EQ(j.procs[3].local_rank, 0u);
    EXPECT_EQ(j.procs[4].local_rank, 1u);
    EXPECT_EQ(j.node_of(2).hostname, "a");
    EXPECT_EQ(rank_list(j.nodes[0].ranks), "0,1,2");
    EXPECT_EQ(rank_list(j.nodes[1].ranks), "3,4");
    EXPECT_THROW(make_job("ns", {"a"}, {0}), std::invalid_argument);
    EXPECT_THROW(make_job("ns", {"a", "b"}, {1}), std::invalid_argument);
}

TEST(Job, Nspace) {
    EXPECT_EQ(make_nspace("host.example.com", 42), "efampi.host.42");
    EXPECT_LT(make_nspace(std::string(300, 'h'), 1).size(), 255u);
}

// Feeds `pieces` through an output_relay and returns what came out the other end.
std::string relay(const std::vector<std::string>& pieces) {
    int in[2], out[2];
    EXPECT_EQ(pipe2(in, O_NONBLOCK), 0);
    EXPECT_EQ(pipe(out), 0);
    // Room for the whole test input on both sides, since nothing drains them concurrently.
    fcntl(in[1], F_SETPIPE_SZ, 1 << 20);
    fcntl(out[1], F_SETPIPE_SZ, 1 << 20);
    {
        output_relay r(in[0], out[1]);
        for (const auto& p : pieces) {
            EXPECT_EQ(write(in[1], p.data(), p.size()), static_cast<ssize_t>(p.size()));
            r.on_readable();
        }
        close(in[1]);
        r.on_readable();  // EOF: flushes the partial line and closes
        EXPECT_FALSE(r.open());
    }
    close(out[1]);
    std::string all;
    char buf[4096];
    for (ssize_t n; (n = read(out[0], buf, sizeof buf)) > 0;) all.append(buf, static_cast<std::size_t>(n));
    close(out[0]);
    return all;
}

TEST(OutputRelay, WholeLinesAndTail) {
    EXPECT_EQ(relay({"abc", "def\ngh", "i\n", "tail"}), "abcdef\nghi\ntail");
    EXPECT_EQ(relay({}), "");
    std::string big(max_line_buffer + 10, 'x');
    EXPECT_EQ(relay({big, "\n"}), big + "\n");  // over-long lines are cut, never lost
}


// ---- several hosts: host lists, hostfiles, mapping, the control frames ----

int usage_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const launch_error& e) {
        return e.exit_code;
    }
    return -1;
}

std::string usage_message(const std::function<void()>& f) {
    try {
        f();
    } catch (const launch_error& e) {
        return e.what();
    }
    return "";
}

TEST(Hosts, HostList) {
    auto h = parse_host_list("h1:2,h2:3");
    ASSERT_EQ(h.size(), 2u);
    EXPECT_EQ(h[0].name, "h1");
    EXPECT_EQ(h[0].slots, 2);
    EXPECT_EQ(h[1].name, "h2");
    EXPECT_EQ(h[1].slots, 3);
    h = parse_host_list("a,a,b,a");  // repetition adds slots, first position kept
    ASSERT_EQ(h.size(), 2u);
    EXPECT_EQ(h[0].name, "a");
    EXPECT_EQ(h[0].slots, 3);
    EXPECT_EQ(h[1].slots, 1);
    EXPECT_EQ(usage_of([] { parse_host_list("h1:0"); }), exit_usage);
    EXPECT_EQ(usage_of([] { parse_host_list("h1:x"); }), exit_usage);
    EXPECT_EQ(usage_of([] { parse_host_list(""); }), exit_usage);
    EXPECT_EQ(usage_of([] { parse_host_list("h1,,h2"); }), exit_usage);
    EXPECT_EQ(usage_of([] { parse_host_list("h1,"); }), exit_usage);
    EXPECT_EQ(usage_of([] { parse_host_list("h 1"); }), exit_usage);
}

TEST(Hosts, Hostfile) {
    auto h = parse_hostfile_text("# cluster\n\nnode1 slots=4\n  node2   # one slot\nnode3 slots=2 max_slots=8\nnode1\n",
                                 "hf");
    ASSERT_EQ(h.size(), 3u);
    EXPECT_EQ(h[0].name, "node1");
    EXPECT_EQ(h[0].slots, 5);
    EXPECT_EQ(h[1].name, "node2");
    EXPECT_EQ(h[1].slots, 1);
    EXPECT_EQ(h[2].slots, 2);
    EXPECT_NE(usage_message([] { parse_hostfile_text("a\nb slots=0\n", "my.hosts"); }).find("my.hosts:2:"),
              std::string::npos);
    EXPECT_NE(usage_message([] { parse_hostfile_text("a\n\n# c\nb color=red\n", "f"); }).find("f:4:"),
              std::string::npos);
    EXPECT_NE(usage_message([] { parse_hostfile_text("a slots=2 slots=3\n", "f"); }).find("f:1:"),
              std::string::npos);
    EXPECT_EQ(usage_of([] { parse_hostfile_text("# nothing\n", "f"); }), exit_usage);
    EXPECT_NE(usage_message([] { parse_hostfile("/nonexistent/efampi-hosts"); }).find("/nonexistent/efampi-hosts"),
              std::string::npos);
}

std::vector<std::uint32_t> nodes_of(const std::vector<HostSpec>& h, mapping_options o) { return map_ranks(h, o).node_of; }

TEST(Mapping, SlotAndNode) {
    std::vector<HostSpec> h = {{"a", 2}, {"b", 2}, {"c", 1}};
    mapping_options o;
    EXPECT_EQ(nodes_of(h, o), (std::vector<std::uint32_t>{0, 0, 1, 1, 2}));  // -n defaults to the slots
    o.nprocs = 3;
    auto p = map_ranks(h, o);
    EXPECT_EQ(p.node_of, (std::vector<std::uint32_t>{0, 0, 1}));
    EXPECT_EQ(p.hosts, (std::vector<std::string>{"a", "b"}));  // c holds nothing: no daemon
    o.map_by = map_policy::node;
    o.rank_by = map_policy::node;
    o.nprocs = 5;
    EXPECT_EQ(nodes_of(h, o), (std::vector<std::uint32_t>{0, 1, 2, 0, 1}));
    o.rank_by = map_policy::slot;  // same counts, numbered per host
    EXPECT_EQ(nodes_of(h, o), (std::vector<std::uint32_t>{0, 0, 1, 1, 2}));
    o = {};
    o.nprocs = 4;
    o.rank_by = map_policy::node;  // map by slot (a:2, b:2), ranks dealt round-robin
    EXPECT_EQ(nodes_of(h, o), (std::vector<std::uint32_t>{0, 1, 0, 1}));
}

TEST(Mapping, Oversubscribe) {
    std::vector<HostSpec> h = {{"a", 1}, {"b", 1}};
    mapping_options o;
    o.nprocs = 3;
    EXPECT_NE(usage_message([&] { map_ranks(h, o); }).find("--oversubscribe"), std::string::npos);
    o.oversubscribe = true;
    EXPECT_EQ(nodes_of(h, o), (std::vector<std::uint32_t>{0, 0, 1}));
    o.nprocs = 5;
    EXPECT_EQ(nodes_of(h, o), (std::vector<std::uint32_t>{0, 0, 0, 1, 1}));
}

TEST(Mapping, NPerNode) {
    std::vector<HostSpec> h = {{"a", 2}, {"b", 2}, {"c", 2}};
    mapping_options o;
    o.npernode = 1;
    EXPECT_EQ(nodes_of(h, o), (std::vector<std::uint32_t>{0, 1, 2}));
    o.npernode = 2;
    o.nprocs = 3;
    EXPECT_EQ(nodes_of(h, o), (std::vector<std::uint32_t>{0, 0, 1}));
    o.nprocs = 7;
    EXPECT_EQ(usage_of([&] { map_ranks(h, o); }), exit_usage);
    o.nprocs = 0;
    o.npernode = 3;  // more than the slots
    EXPECT_EQ(usage_of([&] { map_ranks(h, o); }), exit_usage);
    o.oversubscribe = true;
    EXPECT_EQ(map_ranks(h, o).node_of.size(), 9u);
}

TEST(Mapping, Policies) {
    EXPECT_EQ(parse_map_policy("--map-by", "node"), map_policy::node);
    EXPECT_EQ(parse_map_policy("--map-by", "SLOT"), map_policy::slot);
    EXPECT_EQ(parse_map_policy("--map-by", "core"), map_policy::slot);
    EXPECT_EQ(usage_of([] { parse_map_policy("--map-by", "ppr:2:node"); }), exit_usage);
}

TEST(Mapping, PlacedJob) {
    job j = make_job_placed("ns", {"a", "b"}, {0, 1, 0, 1, 1});
    EXPECT_EQ(j.size, 5u);
    EXPECT_EQ(j.nodes[0].ranks, (std::vector<std::uint32_t>{0, 2}));
    EXPECT_EQ(j.nodes[1].ranks, (std::vector<std::uint32_t>{1, 3, 4}));
    EXPECT_EQ(j.procs[3].local_rank, 1);
    EXPECT_EQ(j.procs[4].local_rank, 2);
    EXPECT_EQ(j.procs[4].node, 1u);
    EXPECT_THROW(make_job_placed("ns", {"a", "b"}, {0, 0}), std::invalid_argument);  // b empty
    EXPECT_THROW(make_job_placed("ns", {"a"}, {1}), std::invalid_argument);
}

TEST(Options, MultiHost) {
    auto o = parse({"--host", "a:2,b", "-H", "c", "--map-by", "node", "--rank-by=slot", "-N", "1", "--tag-output",
                    "--launch-agent", "ip netns exec", "--net-iface", "v0", "--oversubscribe", "prog"});
    EXPECT_TRUE(o.multi_host());
    EXPECT_EQ(o.host_lists, (std::vector<std::string>{"a:2,b", "c"}));
    EXPECT_EQ(o.map_by, "node");
    EXPECT_EQ(o.rank_by, "slot");
    EXPECT_EQ(o.npernode, 1u);
    EXPECT_TRUE(o.tag_output);
    EXPECT_TRUE(o.oversubscribe);
    EXPECT_EQ(o.launch_agent, "ip netns exec");
    EXPECT_EQ(o.net_iface, "v0");
    EXPECT_FALSE(o.nprocs_given);
    EXPECT_TRUE(parse({"--hostfile", "f", "-n", "2", "prog"}).nprocs_given);
    EXPECT_FALSE(parse({"prog"}).multi_host());
    EXPECT_EQ(usage_status({"--launch-agent", " ", "prog"}), exit_usage);
    EXPECT_EQ(usage_status({"--tag-output=1", "prog"}), exit_usage);
}

TEST(StdioTags, TagLines) {
    EXPECT_EQ(output_tag(3, 1), "[1,3]<stdout>:");
    EXPECT_EQ(output_tag(0, 2), "[1,0]<stderr>:");
    std::string d = "a\nbc\nlast";
    EXPECT_EQ(tag_lines("P:", d.data(), d.size()), "P:a\nP:bc\nP:last");
    EXPECT_EQ(tag_lines("P:", "", 0), "");
}

TEST(Control, FrameRoundTrip) {
    int sv[2];
    ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
    control_channel a(sv[0]), b(sv[1]);
    frame_writer w(msg_type::fence);
    std::string blob(100000, 'x');
    blob[5] = '\0';
    w.str("0,1#0").u32s({0, 1}).u8(1).str(blob).u64(1ull << 40).i32(-5).strs({"A=1", ""});
    ASSERT_TRUE(a.send_blocking(w));
    frame_reader f(msg_type::hello, {});
    for (int i = 0; i < 1000 && !b.next(f); ++i) {
        ASSERT_TRUE(b.on_readable());
        usleep(1000);
    }
    EXPECT_EQ(f.type(), msg_type::fence);
    EXPECT_EQ(f.str(), "0,1#0");
    EXPECT_EQ(f.u32s(), (std::vector<std::uint32_t>{0, 1}));
    EXPECT_EQ(f.u8(), 1);
    EXPECT_EQ(f.str(), blob);
    EXPECT_EQ(f.u64(), 1ull << 40);
    EXPECT_EQ(f.i32(), -5);
    EXPECT_EQ(f.strs(), (std::vector<std::string>{"A=1", ""}));
    EXPECT_THROW(f.u8(), protocol_error);  // nothing left
    a.close_now();
    EXPECT_FALSE(b.on_readable());  // EOF
}

}  // namespace
}  // namespace efampi::launcher
