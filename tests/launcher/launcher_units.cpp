// Unit tests of the launcher's pure parts: the command line, the job model, and the per-rank
// line assembly of the stdio relay.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <map>
#include <string>
#include <vector>

#include "launcher/binding.hpp"
#include "launcher/error.hpp"
#include "launcher/job.hpp"
#include "launcher/options.hpp"
#include "launcher/slurm_alloc.hpp"
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

// ---- binding (binding.hpp): a pure plan from a topology summary ----

// `packages` packages of `numas` NUMA nodes each, `cores` cores per NUMA node, `threads` CPUs per
// core, numbered as Linux usually does on x86: first thread of every core, then the second.
topo_summary machine(int packages, int numas, int cores, int threads) {
    topo_summary t;
    int ncores = packages * numas * cores;
    for (int c = 0; c < ncores; ++c) {
        topo_core core;
        for (int h = 0; h < threads; ++h) core.cpus.push_back(c + h * ncores);
        core.numa = c / cores;
        core.package = c / (cores * numas);
        t.cores.push_back(core);
    }
    return t;
}

std::vector<std::vector<int>> cpus_of(const binding_plan& p) {
    std::vector<std::vector<int>> out;
    for (const auto& r : p.ranks) out.push_back(r.cpus);
    return out;
}

TEST(Binding, DefaultIsCoreWhenRanksFit) {
    auto t = machine(1, 1, 2, 1);
    auto p = plan_binding(t, 2, bind_policy::automatic, map_policy::core);
    EXPECT_EQ(p.applied, bind_policy::core);
    EXPECT_EQ(cpus_of(p), (std::vector<std::vector<int>>{{0}, {1}}));
    EXPECT_EQ(p.ranks[1].object, "core 1");
    auto one = plan_binding(t, 1, bind_policy::automatic, map_policy::core);
    EXPECT_EQ(cpus_of(one), (std::vector<std::vector<int>>{{0}}));
}

TEST(Binding, DefaultIsNoneWhenOversubscribed) {
    auto p = plan_binding(machine(1, 1, 2, 1), 4, bind_policy::automatic, map_policy::core);
    EXPECT_EQ(p.applied, bind_policy::none);
    EXPECT_EQ(p.why_unbound, "oversubscribed: 4 ranks on 2 cores");
    EXPECT_EQ(plan_binding(machine(1, 1, 1, 2), 2, bind_policy::automatic, map_policy::core).why_unbound,
              "oversubscribed: 2 ranks on 1 core");
    ASSERT_EQ(p.ranks.size(), 4u);
    for (const auto& r : p.ranks) EXPECT_TRUE(r.cpus.empty());
}

TEST(Binding, NoneAndUnknownTopology) {
    auto p = plan_binding(machine(1, 1, 2, 1), 2, bind_policy::none, map_policy::core);
    EXPECT_EQ(p.applied, bind_policy::none);
    EXPECT_TRUE(p.ranks[0].cpus.empty() && p.ranks[1].cpus.empty());
    auto unknown = plan_binding(topo_summary{}, 2, bind_policy::automatic, map_policy::core);
    EXPECT_EQ(unknown.applied, bind_policy::none);
    EXPECT_EQ(unknown.why_unbound, "host topology unknown");
    EXPECT_THROW(plan_binding(topo_summary{}, 2, bind_policy::core, map_policy::core), launch_error);
}

TEST(Binding, ExplicitCoreWrapsWhenOversubscribed) {
    auto p = plan_binding(machine(1, 1, 2, 1), 5, bind_policy::core, map_policy::core);
    EXPECT_EQ(p.applied, bind_policy::core);
    EXPECT_EQ(cpus_of(p), (std::vector<std::vector<int>>{{0}, {1}, {0}, {1}, {0}}));
}

TEST(Binding, HyperthreadsStayWithTheirCore) {
    auto p = plan_binding(machine(1, 1, 4, 2), 2, bind_policy::core, map_policy::core);
    EXPECT_EQ(cpus_of(p), (std::vector<std::vector<int>>{{0, 4}, {1, 5}}));
}

TEST(Binding, MapByNumaRoundRobin) {
    // 2 NUMA nodes of 2 cores: ranks 0,1,2,3 -> cores 0,2,1,3.
    auto t = machine(1, 2, 2, 1);
    auto p = plan_binding(t, 4, bind_policy::core, map_policy::numa);
    EXPECT_EQ(cpus_of(p), (std::vector<std::vector<int>>{{0}, {2}, {1}, {3}}));
    auto n = plan_binding(t, 3, bind_policy::numa, map_policy::numa);
    EXPECT_EQ(cpus_of(n), (std::vector<std::vector<int>>{{0, 1}, {2, 3}, {0, 1}}));
    EXPECT_EQ(n.ranks[1].object, "NUMA 1");
    // map-by core fills the first NUMA node first.
    auto c = plan_binding(t, 2, bind_policy::numa, map_policy::core);
    EXPECT_EQ(cpus_of(c), (std::vector<std::vector<int>>{{0, 1}, {0, 1}}));
}

TEST(Binding, MapBySocketUnevenPackages) {
    // Package 0 has 3 cores, package 1 has 1: round-robin skips a full package.
    topo_summary t;
    for (int c = 0; c < 4; ++c) t.cores.push_back({{c}, 0, c < 3 ? 0 : 1});
    auto p = plan_binding(t, 4, bind_policy::core, map_policy::socket);
    EXPECT_EQ(cpus_of(p), (std::vector<std::vector<int>>{{0}, {3}, {1}, {2}}));
    auto s = plan_binding(t, 2, bind_policy::socket, map_policy::socket);
    EXPECT_EQ(cpus_of(s), (std::vector<std::vector<int>>{{0, 1, 2}, {3}}));
    EXPECT_EQ(s.ranks[1].object, "package 1");
}

TEST(Binding, Report) {
    auto t = machine(2, 1, 2, 2);  // cpus: core0 {0,4} core1 {1,5} | core2 {2,6} core3 {3,7}
    auto p = plan_binding(t, 2, bind_policy::core, map_policy::socket);
    EXPECT_EQ(binding_report(t, p, 7, 1, "vm", 42),
              "[vm:42] rank 7 bound to core 2 (cpus 2,6): [../..][BB/..]");
    auto s = plan_binding(t, 1, bind_policy::socket, map_policy::core);
    EXPECT_EQ(binding_report(t, s, 0, 0, "h", 1),
              "[h:1] rank 0 bound to package 0 (cpus 0-1,4-5): [BB/BB][../..]");
    auto o = plan_binding(t, 9, bind_policy::automatic, map_policy::core);
    EXPECT_EQ(binding_report(t, o, 3, 3, "h", 5), "[h:5] rank 3 not bound (oversubscribed: 9 ranks on 4 cores)");
}

TEST(Binding, Options) {
    auto o = parse({"--bind-to", "numa", "--map-by=socket", "--report-bindings", "prog"});
    EXPECT_EQ(o.bind, bind_policy::numa);
    EXPECT_EQ(o.map, map_policy::socket);
    EXPECT_TRUE(o.report_bindings);
    EXPECT_EQ(parse({"--bind-to=package", "prog"}).bind, bind_policy::socket);
    EXPECT_EQ(parse({"--map-by", "slot", "prog"}).map, map_policy::core);
    EXPECT_EQ(parse({"prog"}).bind, bind_policy::automatic);
    EXPECT_FALSE(parse({"prog"}).nprocs_given);
    EXPECT_TRUE(parse({"-n", "1", "prog"}).nprocs_given);
    EXPECT_EQ(usage_status({"--bind-to", "hwthread", "prog"}), exit_usage);
    EXPECT_EQ(usage_status({"--map-by", "ppr:2:node", "prog"}), exit_usage);
    EXPECT_EQ(usage_status({"--report-bindings=1", "prog"}), exit_usage);
    EXPECT_EQ(usage_status({"--bind-to"}), exit_usage);
}

// ---- Slurm allocations (slurm_alloc.hpp) ----

using names = std::vector<std::string>;

TEST(SlurmHostlist, Expands) {
    EXPECT_EQ(expand_hostlist("vm"), names{"vm"});
    EXPECT_EQ(expand_hostlist("node[01-03,07],gpu5"),
              (names{"node01", "node02", "node03", "node07", "gpu5"}));
    EXPECT_EQ(expand_hostlist("n[8-11]"), (names{"n8", "n9", "n10", "n11"}));
    EXPECT_EQ(expand_hostlist("n[098-101]"), (names{"n098", "n099", "n100", "n101"}));
    EXPECT_EQ(expand_hostlist("r[1-2]n[1-2]"), (names{"r1n1", "r1n2", "r2n1", "r2n2"}));
    EXPECT_EQ(expand_hostlist("a[1,3]-ib,b"), (names{"a1-ib", "a3-ib", "b"}));
    EXPECT_EQ(expand_hostlist("[1-2]"), (names{"1", "2"}));
    EXPECT_EQ(expand_hostlist("x[5]"), names{"x5"});
    EXPECT_EQ(expand_hostlist("c[0-65535]").size(), 65536u);
}

TEST(SlurmHostlist, RejectsBadInput) {
    for (const char* bad : {"", ",", "a,,b", "a,", "n[1-3", "n]1[", "n[]", "n[3-1]", "n[a-b]",
                            "n[1-]", "n[-1]", "n[1,,2]", "c[0-65536]", "a[0-999]b[0-999]"}) {
        EXPECT_THROW(expand_hostlist(bad), std::invalid_argument) << bad;
    }
}

TEST(SlurmCounts, Expands) {
    EXPECT_EQ(expand_counts("2"), std::vector<int>{2});
    EXPECT_EQ(expand_counts("2(x3),1"), (std::vector<int>{2, 2, 2, 1}));
    EXPECT_EQ(expand_counts("4,1(x2)"), (std::vector<int>{4, 1, 1}));
    for (const char* bad : {"", "0", "-1", "2(x0)", "2(3)", "2(x)", "2x3", "a", "2,", "2(x3", "2(x3)4"})
        EXPECT_THROW(expand_counts(bad), std::invalid_argument) << bad;
}

TEST(SlurmAllocation, FromEnvironment) {
    std::map<std::string, std::string> env;
    auto lookup = [&env](const char* k) -> const char* {
        auto it = env.find(k);
        return it == env.end() ? nullptr : it->second.c_str();
    };
    EXPECT_TRUE(slurm_allocation(lookup).empty());  // not in an allocation
    env["SLURM_JOB_NODELIST"] = "node[1-3],gpu5";
    env["SLURM_TASKS_PER_NODE"] = "2(x3),1";
    env["SLURM_JOB_CPUS_PER_NODE"] = "8(x4)";
    auto hosts = slurm_allocation(lookup);
    ASSERT_EQ(hosts.size(), 4u);
    EXPECT_EQ(hosts[0].name, "node1");
    EXPECT_EQ(hosts[0].slots, 2);
    EXPECT_EQ(hosts[3].name, "gpu5");
    EXPECT_EQ(hosts[3].slots, 1);
    EXPECT_EQ(slots_of(hosts, "node2.cluster.example"), 2);
    EXPECT_EQ(slots_of(hosts, "gpu5"), 1);
    EXPECT_EQ(slots_of(hosts, "elsewhere"), 0);
    env.erase("SLURM_TASKS_PER_NODE");  // falls back to the CPUs per node
    EXPECT_EQ(slurm_allocation(lookup)[1].slots, 8);
    env.erase("SLURM_JOB_CPUS_PER_NODE");  // no count at all: one per host
    EXPECT_EQ(slurm_allocation(lookup)[2].slots, 1);
    env["SLURM_TASKS_PER_NODE"] = "2(x2)";  // 2 counts for 4 hosts
    EXPECT_THROW(slurm_allocation(lookup), std::invalid_argument);
    env.erase("SLURM_JOB_NODELIST");
    env["SLURM_NODELIST"] = "a,b";  // the older name
    EXPECT_EQ(slurm_allocation(lookup).size(), 2u);
}

}  // namespace
}  // namespace efampi::launcher
