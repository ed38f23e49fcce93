#include "runtime/objects/attributes.hpp"

#include <string>
#include <vector>

#include "runtime/base/error.hpp"
#include "runtime/objects/comm.hpp"
#include "runtime/state.hpp"

namespace efampi::api {
int last_used_code() noexcept;  // runtime/api/errors.cpp
}

namespace efampi::rt {

namespace {

struct Keyval {
    MPI_Comm_copy_attr_function* copy = nullptr;
    MPI_Comm_delete_attr_function* del = nullptr;
    void* extra = nullptr;
    bool freed = false;
};

constexpr int first_keyval = 1000;  // predefined ones are 501-507, MPI_KEYVAL_INVALID is 0
std::vector<Keyval>& keyvals() {
    static std::vector<Keyval> v;
    return v;
}

Keyval* find(int keyval) {
    if (keyval < first_keyval) return nullptr;
    size_t i = static_cast<size_t>(keyval - first_keyval);
    return i < keyvals().size() ? &keyvals()[i] : nullptr;
}

bool predefined(int keyval) { return keyval >= MPI_TAG_UB && keyval <= MPI_LASTUSEDCODE; }

// A copy of the keyval's fields: callbacks may create keyvals, which can move the table.
Keyval live_keyval(int keyval, const char* what) {
    if (predefined(keyval))
        throw Error(MPI_ERR_KEYVAL, std::string("keyval ") + std::to_string(keyval) +
                                        " is predefined: its attribute cannot be " + what);
    Keyval* k = find(keyval);
    if (!k) throw Error(MPI_ERR_KEYVAL, "keyval " + std::to_string(keyval) + " is not a keyval");
    return *k;
}

void run_delete(Comm& c, int keyval, void* value) {
    Keyval* k = find(keyval);
    if (!k || !k->del) return;  // MPI_COMM_NULL_DELETE_FN
    Keyval kv = *k;
    int rc = kv.del(c.handle, keyval, value, kv.extra);
    if (rc != MPI_SUCCESS)
        throw Error(rc, "the delete callback of keyval " + std::to_string(keyval) +
                            " returned " + std::to_string(rc));
}

}  // namespace

int keyval_create(MPI_Comm_copy_attr_function* copy, MPI_Comm_delete_attr_function* del,
                  void* extra) {
    keyvals().push_back(Keyval{copy, del, extra, false});
    return first_keyval + static_cast<int>(keyvals().size()) - 1;
}

void keyval_free(int keyval) {
    Keyval* k = find(keyval);
    if (!k || k->freed)
        throw Error(MPI_ERR_KEYVAL, "keyval " + std::to_string(keyval) +
                                        " is not a live keyval (predefined, freed or never made)");
    k->freed = true;
}

void attr_set(Comm& c, int keyval, void* value) {
    Keyval kv = live_keyval(keyval, "set");
    if (kv.freed) throw Error(MPI_ERR_KEYVAL, "keyval " + std::to_string(keyval) + " was freed");
    for (auto& a : c.attrs)
        if (a.first == keyval) {
            run_delete(c, keyval, a.second);
            for (auto& b : c.attrs)  // the callback may have changed the list
                if (b.first == keyval) {
                    b.second = value;
                    return;
                }
            c.attrs.emplace_back(keyval, value);
            return;
        }
    c.attrs.emplace_back(keyval, value);
}

bool attr_get(const Comm& c, int keyval, void** value) {
    // Predefined attributes: pointers to values that live as long as the library.
    static int tag_ub = 0x7fffffff, host = MPI_PROC_NULL, io = MPI_ANY_SOURCE, wtime_global = 0,
               universe = 0, appnum = 0, last_code = 0;
    switch (keyval) {
        case MPI_TAG_UB: *value = &tag_ub; return true;
        case MPI_HOST: *value = &host; return true;
        case MPI_IO: *value = &io; return true;
        case MPI_WTIME_IS_GLOBAL: *value = &wtime_global; return true;
        case MPI_UNIVERSE_SIZE:
            universe = comm_world()->size;
            *value = &universe;
            return true;
        case MPI_APPNUM: *value = &appnum; return true;
        case MPI_LASTUSEDCODE:
            last_code = api::last_used_code();
            *value = &last_code;
            return true;
        default: break;
    }
    if (!find(keyval))
        throw Error(MPI_ERR_KEYVAL, "keyval " + std::to_string(keyval) + " is not a keyval");
    for (const auto& a : c.attrs)
        if (a.first == keyval) {
            *value = a.second;
            return true;
        }
    return false;
}

void attr_delete(Comm& c, int keyval) {
    live_keyval(keyval, "deleted");
    for (size_t i = 0; i < c.attrs.size(); ++i)
        if (c.attrs[i].first == keyval) {
            void* value = c.attrs[i].second;
            run_delete(c, keyval, value);
            for (size_t j = 0; j < c.attrs.size(); ++j)
                if (c.attrs[j].first == keyval) {
                    c.attrs.erase(c.attrs.begin() + static_cast<std::ptrdiff_t>(j));
                    break;
                }
            return;
        }
    throw Error(MPI_ERR_KEYVAL, "keyval " + std::to_string(keyval) +
                                    " has no attribute on this communicator");
}

void attr_copy_all(Comm& from, Comm& to) {
    std::vector<std::pair<int, void*>> list = from.attrs;  // callbacks may change `from`
    for (const auto& a : list) {
        Keyval* k = find(a.first);
        if (!k) continue;
        Keyval kv = *k;
        if (!kv.copy) continue;  // MPI_COMM_NULL_COPY_FN
        void* out = nullptr;
        int flag = 0;
        if (reinterpret_cast<uintptr_t>(kv.copy) == 1) {  // MPI_COMM_DUP_FN
            out = a.second;
            flag = 1;
        } else {
            int rc = kv.copy(from.handle, a.first, kv.extra, a.second, &out, &flag);
            if (rc != MPI_SUCCESS)
                throw Error(rc, "the copy callback of keyval " + std::to_string(a.first) +
                                    " returned " + std::to_string(rc));
        }
        if (flag) to.attrs.emplace_back(a.first, out);
    }
}

void attr_delete_all(Comm& c) {
    while (!c.attrs.empty()) {
        auto a = c.attrs.back();
        c.attrs.pop_back();
        run_delete(c, a.first, a.second);
    }
}

}  // namespace efampi::rt
