// A tiny PMIx client for testing mpirun without the MPI library. Every rank: PMIx_Init, check
// the job info mpirun registered against the EFAMPI_* variables, Put/Commit a key, Fence with
// data collection, Get every peer's key, print "rank R of N ok", Fence, PMIx_Finalize.
// Options make one rank (--bad-rank, default 0) misbehave, to test mpirun's failure handling:
//   --mode exit:N          exit(N) right after PMIx_Init (the others wait in the fence)
//   --mode exit-after:N    exit(N) after PMIx_Finalize
//   --mode segv            raise(SIGSEGV) right after PMIx_Init
//   --mode abort:N         PMIx_Abort(N, "test abort from rank R")
//   --mode hang            sleep forever right after PMIx_Init
//   --mode nofinalize      exit(0) right after PMIx_Init, without PMIx_Finalize
// and others print things for the checks:
//   --echo-stdin           print "rank R stdin: LINE" per stdin line, then "rank R stdin eof"
//   --print-env VAR        print "rank R env VAR=value" or "rank R env VAR unset"
//   --lines K              print K long lines, each written in several pieces
//   --multi-host           the job spans hosts: skip the one-host checks, print
//                          "rank R host H nodes N local L of S peers P"
//   --dmodex               exchange the keys through a fence without data collection, so
//                          every remote Get goes through direct modex
//   --pair-fence           ranks 0 and N-1 fence together (twice) before the last fence; the
//                          others do not take part (prints "rank R pair fence done")
#include <pmix.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

namespace {

struct config {
    std::string mode = "ok";
    int mode_arg = 0;
    unsigned bad_rank = 0;
    bool echo_stdin = false;
    std::vector<std::string> print_env;
    int lines = 0;
    bool multi_host = false;
    bool dmodex = false;
    bool pair_fence = false;
};

[[noreturn]] void die(const std::string& what) {
    std::cerr << "pmix_test_client: " << what << std::endl;
    std::exit(99);
}

config parse(int argc, char** argv) {
    config c;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto next = [&]() -> std::string {
            if (i + 1 >= argc) die(a + " needs a value");
            return argv[++i];
        };
        if (a == "--mode") {
            std::string m = next();
            auto colon = m.find(':');
            c.mode = m.substr(0, colon);
            if (colon != std::string::npos) c.mode_arg = std::atoi(m.c_str() + colon + 1);
        } else if (a == "--bad-rank") {
            c.bad_rank = static_cast<unsigned>(std::atoi(next().c_str()));
        } else if (a == "--echo-stdin") {
            c.echo_stdin = true;
        } else if (a == "--print-env") {
            c.print_env.push_back(next());
        } else if (a == "--multi-host") {
            c.multi_host = true;
        } else if (a == "--pair-fence") {
            c.pair_fence = true;
        } else if (a == "--dmodex") {
            c.dmodex = true;
        } else if (a == "--lines") {
            c.lines = std::atoi(next().c_str());
        } else {
            die("unknown option " + a);
        }
    }
    return c;
}

// Reads a key and returns it as an unsigned number, whatever integer type it was stored as.
unsigned long get_number(const pmix_proc_t& who, const char* key) {
    pmix_value_t* v = nullptr;
    pmix_status_t rc = PMIx_Get(&who, key, nullptr, 0, &v);
    if (rc != PMIX_SUCCESS || !v) die(std::string("PMIx_Get(") + key + "): " + PMIx_Error_string(rc));
    unsigned long out = 0;
    switch (v->type) {
        case PMIX_UINT32: out = v->data.uint32; break;
        case PMIX_UINT16: out = v->data.uint16; break;
        case PMIX_PROC_RANK: out = v->data.rank; break;
        case PMIX_INT: out = static_cast<unsigned long>(v->data.integer); break;
        default: die(std::string(key) + ": unexpected type " + std::to_string(v->type));
    }
    PMIX_VALUE_RELEASE(v);
    return out;
}

std::string get_string(const pmix_proc_t& who, const char* key) {
    pmix_value_t* v = nullptr;
    pmix_status_t rc = PMIx_Get(&who, key, nullptr, 0, &v);
    if (rc != PMIX_SUCCESS || !v) die(std::string("PMIx_Get(") + key + "): " + PMIx_Error_string(rc));
    if (v->type != PMIX_STRING) die(std::string(key) + ": not a string");
    std::string out = v->data.string;
    PMIX_VALUE_RELEASE(v);
    return out;
}

void expect_env(const char* name, unsigned long value) {
    const char* v = std::getenv(name);
    if (!v || std::strtoul(v, nullptr, 10) != value)
        die(std::string(name) + " is " + (v ? v : "unset") + ", PMIx says " + std::to_string(value));
}

void fence(const pmix_proc_t& self, bool collect) {
    pmix_proc_t all;
    PMIX_LOAD_PROCID(&all, self.nspace, PMIX_RANK_WILDCARD);
    pmix_info_t info;
    bool yes = true;
    PMIX_INFO_LOAD(&info, PMIX_COLLECT_DATA, &yes, PMIX_BOOL);
    pmix_status_t rc = PMIx_Fence(&all, 1, collect ? &info : nullptr, collect ? 1 : 0);
    PMIX_INFO_DESTRUCT(&info);
    if (rc != PMIX_SUCCESS) {
        // A peer died while we waited (libpmix 4.2.2 then completes the fence with an error).
        // Reporting that peer is mpirun's job: wait to be killed, as a rank blocked in an MPI
        // call would, rather than exit with an error of our own that races with the peer's.
        std::cerr << "pmix_test_client: PMIx_Fence: " << PMIx_Error_string(rc) << std::endl;
        for (;;) pause();
    }
}

void write_all(const std::string& s) {
    const char* p = s.data();
    std::size_t n = s.size();
    while (n > 0) {
        ssize_t w = write(STDOUT_FILENO, p, n);
        if (w <= 0) return;
        p += w;
        n -= static_cast<std::size_t>(w);
    }
}

void misbehave(const config& c, const pmix_proc_t& self) {
    if (c.mode == "exit") std::exit(c.mode_arg);
    if (c.mode == "segv") raise(SIGSEGV);
    if (c.mode == "nofinalize") std::exit(0);
    if (c.mode == "hang")
        for (;;) pause();
    if (c.mode == "abort") {
        std::string msg = "test abort from rank " + std::to_string(self.rank);
        PMIx_Abort(c.mode_arg, msg.c_str(), nullptr, 0);
        die("PMIx_Abort returned");
    }
}

}  // namespace

int main(int argc, char** argv) {
    config c = parse(argc, argv);
    pmix_proc_t self;
    pmix_status_t rc = PMIx_Init(&self, nullptr, 0);
    if (rc != PMIX_SUCCESS) die(std::string("PMIx_Init: ") + PMIx_Error_string(rc));
    const std::string me = "rank " + std::to_string(self.rank);

    pmix_proc_t job;
    PMIX_LOAD_PROCID(&job, self.nspace, PMIX_RANK_WILDCARD);
    unsigned long size = get_number(job, PMIX_JOB_SIZE);
    unsigned long local_size = get_number(job, PMIX_LOCAL_SIZE);
    unsigned long local_rank = get_number(self, PMIX_LOCAL_RANK);
    unsigned long node_rank = get_number(self, PMIX_NODE_RANK);
    std::string peers = get_string(job, PMIX_LOCAL_PEERS);
    unsigned long nodes = get_number(job, PMIX_NUM_NODES);
    if (nodes != 1 && !c.multi_host) die("PMIX_NUM_NODES is not 1 on a one-host job");
    if (get_number(job, PMIX_UNIV_SIZE) != size) die("PMIX_UNIV_SIZE differs from PMIX_JOB_SIZE");
    if (get_number(self, PMIX_APPNUM) != 0) die("PMIX_APPNUM is not 0");
    if (get_string(self, PMIX_HOSTNAME).empty()) die("PMIX_HOSTNAME is empty");
    expect_env("EFAMPI_RANK", self.rank);
    expect_env("EFAMPI_SIZE", size);
    expect_env("EFAMPI_LOCAL_RANK", local_rank);
    expect_env("EFAMPI_LOCAL_SIZE", local_size);
    if (const char* l = std::getenv("EFAMPI_LAUNCHER"); !l || std::string(l) != "mpirun")
        die("EFAMPI_LAUNCHER is not mpirun");
    if (node_rank != local_rank) die("node rank differs from local rank on a one-job node");
    if (std::getenv("OMPI_COMM_WORLD_SIZE")) die("OMPI_COMM_WORLD_SIZE must not be set");
    std::string expected_peers;
    for (unsigned long r = 0; r < size; ++r) {
        if (r) expected_peers += ',';
        expected_peers += std::to_string(r);
    }
    if (c.multi_host) {
        std::cout << me << " host " << get_string(self, PMIX_HOSTNAME) << " nodes " << nodes << " local "
                  << local_rank << " of " << local_size << " peers " << peers << std::endl;
    } else if (peers != expected_peers) {
        die("PMIX_LOCAL_PEERS is '" + peers + "'");
    }

    if (self.rank == c.bad_rank) misbehave(c, self);

    for (const auto& name : c.print_env) {
        const char* v = std::getenv(name.c_str());
        std::cout << me << " env " << name;
        if (v) std::cout << '=' << v << std::endl;
        else std::cout << " unset" << std::endl;
    }
    if (c.echo_stdin) {
        std::string line;
        while (std::getline(std::cin, line)) std::cout << me << " stdin: " << line << "\n";
        std::cout << me << " stdin eof" << std::endl;
    }
    for (int i = 0; i < c.lines; ++i) {
        // Pieces in separate writes with a pause, so unsynchronized forwarding would interleave.
        std::string body(200, static_cast<char>('a' + self.rank % 26));
        write_all(me + " line " + std::to_string(i) + " ");
        write_all(body.substr(0, 100));
        usleep(100);
        write_all(body.substr(100) + " end\n");
    }

    std::string mine = "value-from-" + std::to_string(self.rank);
    pmix_value_t value;
    PMIX_VALUE_LOAD(&value, mine.c_str(), PMIX_STRING);
    rc = PMIx_Put(PMIX_GLOBAL, "efampi.test", &value);
    PMIX_VALUE_DESTRUCT(&value);
    if (rc != PMIX_SUCCESS) die(std::string("PMIx_Put: ") + PMIx_Error_string(rc));
    if ((rc = PMIx_Commit()) != PMIX_SUCCESS) die(std::string("PMIx_Commit: ") + PMIx_Error_string(rc));
    fence(self, !c.dmodex);
    for (unsigned long r = 0; r < size; ++r) {
        pmix_proc_t peer;
        PMIX_LOAD_PROCID(&peer, self.nspace, static_cast<pmix_rank_t>(r));
        std::string got = get_string(peer, "efampi.test");
        if (got != "value-from-" + std::to_string(r)) die("rank " + std::to_string(r) + " put '" + got + "'");
    }
    std::cout << me << " of " << size << " ok" << std::endl;
    if (c.pair_fence && size > 1 && (self.rank == 0 || self.rank == size - 1)) {
        pmix_proc_t pair[2];
        PMIX_LOAD_PROCID(&pair[0], self.nspace, 0);
        PMIX_LOAD_PROCID(&pair[1], self.nspace, static_cast<pmix_rank_t>(size - 1));
        for (int i = 0; i < 2; ++i)
            if ((rc = PMIx_Fence(pair, 2, nullptr, 0)) != PMIX_SUCCESS)
                die(std::string("PMIx_Fence (pair): ") + PMIx_Error_string(rc));
        std::cout << me << " pair fence done" << std::endl;
    }
    fence(self, false);
    if ((rc = PMIx_Finalize(nullptr, 0)) != PMIX_SUCCESS) die(std::string("PMIx_Finalize: ") + PMIx_Error_string(rc));
    if (self.rank == c.bad_rank && c.mode == "exit-after") return c.mode_arg;
    return 0;
}
