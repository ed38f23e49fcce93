#include "runtime/objects/attributes.hpp"

#include <string>
#include <vector>

#include "base/error.hpp"
#include "runtime/objects/comm.hpp"
#include "runtime/objects/error_codes.hpp"

namespace efampi::rt {

namespace {

struct Keyval {
    AttrKind kind = AttrKind::comm;
    KeyvalFns fns;
    void* extra = nullptr;
    bool freed = false;
};

constexpr int first_keyval = 1000;  // predefined ones are 501-507, MPI_KEYVAL_INVALID is 0
std::vector<Keyval>& keyvals() {
    static std::vector<Keyval> v;
    return v;
}

const char* kind_name(AttrKind k) {
    switch (k) {
        case AttrKind::comm: return "communicator";
        case AttrKind::type: return "datatype";
        case AttrKind::win: return "window";
    }
    return "object";
}

bool predefined_comm_keyval(int keyval) {
    return keyval >= MPI_TAG_UB && keyval <= MPI_LASTUSEDCODE;
}

// The keyval `keyval`, which must be a user keyval made for `kind` (freed ones included).
Keyval* find(AttrKind kind, int keyval) {
    size_t i = static_cast<size_t>(keyval - first_keyval);
    if (keyval < first_keyval || i >= keyvals().size())
        throw Error(MPI_ERR_KEYVAL, "keyval " + std::to_string(keyval) + " is not a keyval");
    Keyval& k = keyvals()[i];
    if (k.kind != kind)
        throw Error(MPI_ERR_KEYVAL, "keyval " + std::to_string(keyval) + " was made for " +
                                        kind_name(k.kind) + "s, not " + kind_name(kind) + "s");
    return &k;
}

// A copy of the keyval's fields (callbacks may create keyvals, which can move the table),
// for an operation that changes an attribute: predefined keyvals refuse.
Keyval user_keyval(AttrKind kind, int keyval, const char* what) {
    if (kind == AttrKind::comm && predefined_comm_keyval(keyval))
        throw Error(MPI_ERR_KEYVAL, std::string("keyval ") + std::to_string(keyval) +
                                        " is predefined: its attribute cannot be " + what);
    return *find(kind, keyval);
}

// Runs the delete callback of `keyval` for `value` on `h`.
void run_delete(AttrHost h, int keyval, void* value) {
    Keyval kv = *find(h.kind, keyval);
    int rc = MPI_SUCCESS;
    switch (h.kind) {
        case AttrKind::comm:
            if (kv.fns.comm_del) rc = kv.fns.comm_del(static_cast<MPI_Comm>(h.handle), keyval, value, kv.extra);
            break;
        case AttrKind::type:
            if (kv.fns.type_del) rc = kv.fns.type_del(static_cast<MPI_Datatype>(h.handle), keyval, value, kv.extra);
            break;
        case AttrKind::win:
            if (kv.fns.win_del) rc = kv.fns.win_del(static_cast<MPI_Win>(h.handle), keyval, value, kv.extra);
            break;
    }
    if (rc != MPI_SUCCESS)
        throw Error(rc, "the delete callback of keyval " + std::to_string(keyval) +
                            " returned " + std::to_string(rc));
}

// Runs the copy callback of `keyval` for `value` of `from`: true (and *out) when the attribute
// goes to the copy.
bool run_copy(AttrHost from, int keyval, void* value, void** out) {
    Keyval kv = *find(from.kind, keyval);
    // The null copy function (0) drops the attribute, the dup function (1) copies the value.
    auto pass = [&](auto* fn, auto handle) -> int {
        auto code = reinterpret_cast<uintptr_t>(fn);
        if (code == 0) return -1;
        if (code == 1) {
            *out = value;
            return 1;
        }
        int flag = 0;
        int rc = fn(handle, keyval, kv.extra, value, out, &flag);
        if (rc != MPI_SUCCESS)
            throw Error(rc, "the copy callback of keyval " + std::to_string(keyval) +
                                " returned " + std::to_string(rc));
        return flag ? 1 : -1;
    };
    int r = -1;
    switch (from.kind) {
        case AttrKind::comm: r = pass(kv.fns.comm_copy, static_cast<MPI_Comm>(from.handle)); break;
        case AttrKind::type: r = pass(kv.fns.type_copy, static_cast<MPI_Datatype>(from.handle)); break;
        case AttrKind::win: r = pass(kv.fns.win_copy, static_cast<MPI_Win>(from.handle)); break;
    }
    return r > 0;
}

// The predefined attributes of communicators: pointers to values that live as long as the
// library. False for other keyvals.
bool predefined_comm_attr(int keyval, void** value) {
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
            last_code = last_used_code();
            *value = &last_code;
            return true;
        default: return false;
    }
}

}  // namespace

AttrHost attr_host(Comm& c) { return AttrHost{AttrKind::comm, c.handle, &c.attrs}; }

int keyval_create(AttrKind kind, const KeyvalFns& fns, void* extra) {
    keyvals().push_back(Keyval{kind, fns, extra, false});
    return first_keyval + static_cast<int>(keyvals().size()) - 1;
}

void keyval_free(AttrKind kind, int keyval) {
    if (kind == AttrKind::comm && predefined_comm_keyval(keyval))
        throw Error(MPI_ERR_KEYVAL, "keyval " + std::to_string(keyval) + " is predefined and cannot be freed");
    Keyval* k = find(kind, keyval);
    if (k->freed) throw Error(MPI_ERR_KEYVAL, "keyval " + std::to_string(keyval) + " was freed already");
    k->freed = true;
}

void attr_set(AttrHost h, int keyval, void* value) {
    Keyval kv = user_keyval(h.kind, keyval, "set");
    if (kv.freed) throw Error(MPI_ERR_KEYVAL, "keyval " + std::to_string(keyval) + " was freed");
    for (auto& a : *h.list)
        if (a.first == keyval) {
            run_delete(h, keyval, a.second);
            for (auto& b : *h.list)  // the callback may have changed the list
                if (b.first == keyval) {
                    b.second = value;
                    return;
                }
            h.list->emplace_back(keyval, value);
            return;
        }
    h.list->emplace_back(keyval, value);
}

bool attr_get(AttrHost h, int keyval, void** value) {
    if (h.kind == AttrKind::comm && predefined_comm_attr(keyval, value)) return true;
    find(h.kind, keyval);
    for (const auto& a : *h.list)
        if (a.first == keyval) {
            *value = a.second;
            return true;
        }
    return false;
}

void attr_delete(AttrHost h, int keyval) {
    user_keyval(h.kind, keyval, "deleted");
    AttrList& l = *h.list;
    for (size_t i = 0; i < l.size(); ++i)
        if (l[i].first == keyval) {
            run_delete(h, keyval, l[i].second);
            for (size_t j = 0; j < l.size(); ++j)
                if (l[j].first == keyval) {
                    l.erase(l.begin() + static_cast<std::ptrdiff_t>(j));
                    break;
                }
            return;
        }
    throw Error(MPI_ERR_KEYVAL, "keyval " + std::to_string(keyval) + " has no attribute on this " +
                                    kind_name(h.kind));
}

void attr_copy_all(AttrHost from, AttrHost to) {
    AttrList list = *from.list;  // callbacks may change `from`
    for (const auto& a : list) {
        void* out = nullptr;
        if (run_copy(from, a.first, a.second, &out)) to.list->emplace_back(a.first, out);
    }
}

void attr_delete_all(AttrHost h) {
    while (!h.list->empty()) {
        auto a = h.list->back();
        h.list->pop_back();
        run_delete(h, a.first, a.second);
    }
}

}  // namespace efampi::rt
