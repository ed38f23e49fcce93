#include "runtime/objects/info.hpp"

#include <sys/utsname.h>
#include <unistd.h>

#include <deque>
#include <fstream>
#include <iterator>

#include "runtime/objects/comm.hpp"
#include "runtime/objects/process.hpp"

namespace efampi::rt {

namespace {

// Freed objects are parked (a stale handle reads a dead magic); past `quarantine` of them the
// oldest is recycled, so create/free loops stay bounded (as for groups).
constexpr size_t quarantine = 4096;

std::deque<Info*>& graveyard() {
    static std::deque<Info*> g;
    return g;
}

const char* thread_level_name(int level) {
    switch (level) {
        case MPI_THREAD_SINGLE: return "MPI_THREAD_SINGLE";
        case MPI_THREAD_FUNNELED: return "MPI_THREAD_FUNNELED";
        case MPI_THREAD_SERIALIZED: return "MPI_THREAD_SERIALIZED";
        case MPI_THREAD_MULTIPLE: return "MPI_THREAD_MULTIPLE";
        default: return nullptr;
    }
}

// The process's own command line, NUL-separated in /proc/self/cmdline; empty if unreadable.
std::vector<std::string> own_command_line() {
    std::ifstream f("/proc/self/cmdline", std::ios::binary);
    std::string all((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    std::vector<std::string> out;
    size_t start = 0;
    while (start < all.size()) {
        size_t end = all.find('\0', start);
        if (end == std::string::npos) end = all.size();
        out.push_back(all.substr(start, end - start));
        start = end + 1;
    }
    return out;
}

// Values longer than the info limit are cut, never rejected: the environment is what it is.
std::string fit(std::string v) {
    if (v.size() > MPI_MAX_INFO_VAL - 1) v.resize(MPI_MAX_INFO_VAL - 1);
    return v;
}

}  // namespace

const std::string* Info::find(const std::string& key) const {
    for (const auto& e : entries_)
        if (e.first == key) return &e.second;
    return nullptr;
}

void Info::set(const std::string& key, const std::string& value) {
    for (auto& e : entries_)
        if (e.first == key) {
            e.second = value;
            return;
        }
    entries_.emplace_back(key, value);
}

bool Info::erase(const std::string& key) {
    for (auto it = entries_.begin(); it != entries_.end(); ++it)
        if (it->first == key) {
            entries_.erase(it);
            return true;
        }
    return false;
}

void fill_env(Info& i, int argc, char** argv) {
    std::vector<std::string> cmd;
    if (argv) {
        for (int k = 0; k < argc && argv[k]; ++k) cmd.emplace_back(argv[k]);
    } else if (argc < 0) {  // MPI_INFO_ENV: what the kernel says this process was started with
        cmd = own_command_line();
    }
    if (!cmd.empty()) {
        i.set("command", fit(cmd[0]));
        std::string rest;
        for (size_t k = 1; k < cmd.size(); ++k) rest += (k > 1 ? " " : "") + cmd[k];
        if (cmd.size() > 1) i.set("argv", fit(rest));
    }
    bool running = state().phase == Phase::running;
    if (running) i.set("maxprocs", std::to_string(comm_world()->size));
    char host[256] = {};
    if (gethostname(host, sizeof host - 1) == 0 && host[0]) i.set("host", host);
    utsname u;
    if (uname(&u) == 0 && u.machine[0]) i.set("arch", u.machine);
    char dir[4096];
    if (getcwd(dir, sizeof dir)) i.set("wdir", fit(dir));
    if (running)
        if (const char* t = thread_level_name(state().thread_level)) i.set("thread_level", t);
}

Info* info_env() {
    static Info* env = [] {
        auto* i = new Info;  // lives as long as the process
        i->predefined_ = true;
        i->handle_ = MPI_INFO_ENV;
        fill_env(*i, -1, nullptr);
        return i;
    }();
    return env;
}

Info* to_info(MPI_Info h) {
    uintptr_t v = handle_value(h);
    if (v <= predefined_limit) return h == MPI_INFO_ENV ? info_env() : nullptr;
    if (v % alignof(Info) != 0) return nullptr;
    auto* i = reinterpret_cast<Info*>(v);
    return i->magic == Magic::info ? i : nullptr;
}

Info* info_create() {
    Info* i;
    auto& dead = graveyard();
    if (dead.size() > quarantine) {
        i = dead.front();
        dead.pop_front();
        i->magic = Magic::info;
    } else {
        i = new Info;
    }
    i->handle_ = reinterpret_cast<MPI_Info>(i);
    return i;
}

void info_free(Info* i) {
    if (i->predefined_) return;
    i->magic = Magic::dead;
    decltype(i->entries_)().swap(i->entries_);  // parked objects keep no strings
    graveyard().push_back(i);
}

void infos_finalize() {
    for (Info* i : graveyard()) delete i;
    graveyard().clear();
}

}  // namespace efampi::rt
