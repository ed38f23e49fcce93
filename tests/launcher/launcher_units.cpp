// Unit tests of the launcher's pure parts: the command line, the job model, and the per-rank
// line assembly of the stdio relay.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "launcher/error.hpp"
#include "launcher/job.hpp"
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

}  // namespace
}  // namespace efampi::launcher
