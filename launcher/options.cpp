// Command-line grammar: options first, then the program. The first argument that is not an
// option (or everything after `--`) starts the program, so the program's own options are never
// taken for ours (`mpirun -n 2 ./a.out -n 5` gives `-n 5` to a.out).
#include "launcher/options.hpp"

#include <charconv>

#include "launcher/error.hpp"

namespace efampi::launcher {
namespace {

[[noreturn]] void usage(const std::string& what) {
    throw launch_error(exit_usage, what + " (see mpirun --help)");
}

std::uint32_t parse_count(const std::string& opt, const std::string& text) {
    std::uint32_t n = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc{} || end != text.data() + text.size() || n == 0)
        usage(opt + " expects a positive number of ranks, got '" + text + "'");
    if (n > max_local_ranks)
        usage(opt + " " + text + ": at most " + std::to_string(max_local_ranks) +
              " ranks can run on one host");
    return n;
}

bool valid_env_name(const std::string& name) {
    if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return false;
    for (char c : name)
        if (!(c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
            return false;
    return true;
}

void add_export(options& o, const std::string& spec) {
    auto name = spec.substr(0, spec.find('='));
    if (!valid_env_name(name)) usage("-x '" + spec + "': not a variable name (use -x VAR or -x VAR=value)");
    o.exports.push_back(spec);
}

}  // namespace

options parse_options(std::span<const std::string> args) {
    options o;
    std::size_t i = 0;
    // The value of an option given either as the next argument or after '=' (`--np=4`).
    auto value_of = [&](const std::string& opt, const std::string* inline_value) -> std::string {
        if (inline_value) return *inline_value;
        if (i + 1 >= args.size()) usage(opt + " needs a value");
        return args[++i];
    };
    for (; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a == "--") {
            ++i;
            break;
        }
        if (a.size() < 2 || a[0] != '-') break;  // the program starts here
        std::string name = a, value;
        const std::string* inline_value = nullptr;
        if (auto eq = a.find('='); eq != std::string::npos && a.rfind("-x", 0) != 0) {
            name = a.substr(0, eq);
            value = a.substr(eq + 1);
            inline_value = &value;
        }
        auto flag = [&] {  // an option without a value must not get one
            if (inline_value) usage("option '" + name + "' takes no value");
        };
        if (name == "-n" || name == "-np" || name == "--n" || name == "--np") {
            o.nprocs = parse_count(name, value_of(name, inline_value));
            o.nprocs_given = true;
        } else if (name == "--bind-to" || name == "-bind-to") {
            std::string v = value_of(name, inline_value);
            auto p = parse_bind_policy(v);
            if (!p) usage(name + " '" + v + "': expected none, core, numa or socket (package)");
            o.bind = *p;
        } else if (name == "--map-by" || name == "-map-by") {
            std::string v = value_of(name, inline_value);
            auto p = parse_map_policy(v == "slot" ? "core" : v);  // one host: slots are cores
            if (!p) usage(name + " '" + v + "': expected slot, core, numa or socket (package)");
            o.map = *p;
        } else if (name == "--report-bindings" || name == "-report-bindings") {
            flag();
            o.report_bindings = true;
        } else if (name == "-x") {
            add_export(o, value_of(name, nullptr));
        } else if (name.rfind("-x", 0) == 0 && name.size() > 2 && name[2] != '-') {
            add_export(o, name.substr(2));  // `-xVAR=value`, as getopt would accept
        } else if (name == "-h" || name == "--help" || name == "-help") {
            flag();
            o.help = true;
        } else if (name == "--version" || name == "-V") {
            flag();
            o.version = true;
        } else if (name == "--oversubscribe" || name == "-oversubscribe") {
            flag();  // always allowed: ranks beyond the core count simply share cores
        } else if (name == "--allow-run-as-root" || name == "-allow-run-as-root") {
            flag();  // for Open MPI command-line compatibility; root is never refused
        } else {
            usage("unknown option '" + a + "'");
        }
    }
    o.program.assign(args.begin() + static_cast<std::ptrdiff_t>(i), args.end());
    if (o.program.empty() && !o.help && !o.version) usage("no program given");
    return o;
}

std::string usage_text() {
    return "usage: mpirun [options] [--] program [arguments...]\n"
           "\n"
           "Starts N copies of program on this host as one MPI job, serving them with an\n"
           "embedded PMIx server.\n"
           "\n"
           "options:\n"
           "  -n N, -np N            number of ranks (default 1, or the slots of this host's\n"
           "                         Slurm allocation); more ranks than cores is fine\n"
           "  -x VAR                 export mpirun's value of VAR to the ranks\n"
           "  -x VAR=value           set VAR=value in the ranks' environment\n"
           "  --bind-to POLICY       none, core, numa or socket (alias package); default:\n"
           "                         core when the ranks fit this host's cores, else none\n"
           "  --map-by POLICY        core (alias slot), numa or socket: local rank i takes\n"
           "                         the i-th core, round-robin over NUMA nodes/packages\n"
           "  --report-bindings      one line per rank on stderr: where it is bound\n"
           "  --oversubscribe        accepted; oversubscription is always allowed\n"
           "  --allow-run-as-root    accepted; running as root is always allowed\n"
           "  -h, --help             print this help\n"
           "  --version              print the version\n"
           "  --                     end of options (optional)\n"
           "\n"
           "environment:\n"
           "  MPIEXEC_TIMEOUT=secs   kill the job after secs seconds (exit status 124)\n"
           "  EFAMPI_LAUNCHER_DEBUG=1  trace launcher events on stderr\n"
           "\n"
           "exit status: 0 if every rank exited 0 after finalizing; else the first failing\n"
           "rank's status (128+signal for a signal), the MPI_Abort code, 124 on timeout,\n"
           "127/126 when the program is missing/not executable, 2 for usage errors.\n";
}

}  // namespace efampi::launcher
