#include "runtime/objects/errhandler.hpp"

#include <vector>

namespace efampi::rt {

namespace {
Errhandler make_predefined(ErrKind k, MPI_Errhandler h) {
    Errhandler e;
    e.kind = k;
    e.predefined = true;
    e.handle = h;
    return e;
}
Errhandler g_fatal = make_predefined(ErrKind::fatal, MPI_ERRORS_ARE_FATAL);
Errhandler g_return = make_predefined(ErrKind::ret, MPI_ERRORS_RETURN);
Errhandler g_abort = make_predefined(ErrKind::abort, MPI_ERRORS_ABORT);
std::vector<Errhandler*>& graveyard() {
    static std::vector<Errhandler*> g;
    return g;
}
}  // namespace

Errhandler* errhandler_fatal() { return &g_fatal; }
Errhandler* errhandler_return() { return &g_return; }
Errhandler* errhandler_abort() { return &g_abort; }

Errhandler* to_errhandler(MPI_Errhandler h) {
    uintptr_t v = handle_value(h);
    if (v <= predefined_limit) {
        if (h == MPI_ERRORS_ARE_FATAL) return &g_fatal;
        if (h == MPI_ERRORS_RETURN) return &g_return;
        if (h == MPI_ERRORS_ABORT) return &g_abort;
        return nullptr;
    }
    if (v % alignof(Errhandler) != 0) return nullptr;
    auto* e = reinterpret_cast<Errhandler*>(v);
    return e->magic == Magic::errhandler ? e : nullptr;
}

Errhandler* errhandler_create(MPI_Comm_errhandler_function* fn) {
    auto* e = new Errhandler;
    e->fn = fn;
    e->handle = reinterpret_cast<MPI_Errhandler>(e);
    return e;
}

void errhandler_retain(Errhandler* e) {
    if (!e->predefined) ++e->refs;
}

void errhandler_release(Errhandler* e) {
    if (e->predefined) return;
    if (--e->refs == 0) {
        e->magic = Magic::dead;
        graveyard().push_back(e);  // parked: a stale handle still reads a dead magic
    }
}

}  // namespace efampi::rt

namespace efampi::rt {

void errhandlers_finalize() {
    for (Errhandler* e : graveyard()) delete e;
    graveyard().clear();
}

}  // namespace efampi::rt
