#include "collectives/executor.hpp"

#include <vector>

#include "pml/engine.hpp"
#include "pml/match_queue.hpp"

namespace efampi::coll {

struct Exec {
    Schedule sched;
    size_t round = 0;
    bool posted = false;   // the current round's messages are out
    bool running = false;  // in the active list
    bool persistent = false;
    bool drop_when_done = false;  // persistent, freed while running
    int err = 0;
    std::vector<pml::Request*> reqs;
    pml::Request* req = nullptr;
    Then then = nullptr;   // exec_then
    void* then_arg = nullptr;
    Exec* next = nullptr;  // free list / active list
    Exec* prev = nullptr;
};

namespace {

std::vector<Exec*> g_free;   // executions ready for reuse (their vectors keep capacity)
pml::IntrusiveList<Exec>* g_active_list() {
    static pml::IntrusiveList<Exec> l;
    return &l;
}
int g_active = 0;
bool g_in_hook = false;
Exec g_blocking;

void post_round(Exec& x) {
    pml::Engine& e = pml::engine();
    const Schedule& s = x.sched;
    const CommView& v = s.view();
    // Receives first: a message that arrives while the round's sends go out lands in the
    // user's buffer instead of the unexpected queue (one copy less, no allocation).
    // Messages with an intercommunicator's remote group carry their own tag; the sender's rank
    // is its local rank either way (what the other group calls it).
    for (const Step* st = s.begin(x.round); st != s.end(x.round); ++st)
        if (st->kind == StepKind::recv)
            x.reqs.push_back(e.irecv(st->dst, st->n, st->peer,
                                     st->remote ? s.tag() | remote_tag_bit : s.tag(), v.ctx));
    for (const Step* st = s.begin(x.round); st != s.end(x.round); ++st)
        if (st->kind == StepKind::send)
            x.reqs.push_back(e.isend(st->src, st->n,
                                     st->remote ? v.remote[st->peer] : v.to_world(st->peer),
                                     v.rank, st->remote ? s.tag() | remote_tag_bit : s.tag(),
                                     v.ctx, false));
    x.posted = true;
}

// Moves `x` as far as it can without waiting; true once every round has run.
bool advance(Exec& x) {
    pml::Engine& e = pml::engine();
    for (;;) {
        if (x.posted) {
            for (pml::Request* r : x.reqs)
                if (!r->done) return false;
            for (pml::Request* r : x.reqs) {
                if (r->err && !x.err) x.err = r->err;
                // A receive gets exactly what the schedule expects, or the ranks disagree on
                // counts, types or root: reported like a truncation.
                if (r->type == pml::ReqType::recv && r->st_bytes != r->bytes && !x.err)
                    x.err = pml::err_truncate;
                e.release(r);
            }
            x.reqs.clear();
            x.sched.run_local(x.round);
            ++x.round;
            x.posted = false;
        }
        if (x.round >= x.sched.rounds()) {
            if (!x.then) return true;
            Then fn = x.then;
            if (x.err) {
                fn(x.then_arg, x.sched, x.err);  // the failure: it releases its state
            } else if (fn(x.then_arg, x.sched, x.err)) {
                x.round = 0;
                continue;
            }
            x.then = nullptr;
            return true;
        }
        post_round(x);
    }
}

void recycle(Exec* x) {
    x->sched.release_held();  // datatypes a pending collective kept alive
    x->req = nullptr;
    x->then = nullptr;
    x->persistent = x->drop_when_done = false;
    g_free.push_back(x);
}

void hook();

void activate(Exec* x) {
    x->round = 0;
    x->posted = false;
    x->err = 0;
    x->running = true;
    g_active_list()->push_back(x);
    if (g_active++ == 0) pml::engine().set_progress_hook(hook);
}

void deactivate(Exec* x) {
    g_active_list()->erase(x);
    x->running = false;
    if (--g_active == 0) pml::engine().set_progress_hook(nullptr);
}

// Ends an execution that completed (or failed): its request completes; a nonblocking one goes
// back to the pool.
void finish(Exec* x) {
    deactivate(x);
    pml::Request* r = x->req;
    bool keep = x->persistent && !x->drop_when_done;
    if (!keep) {
        if (x->persistent) r->coll = nullptr;
        recycle(x);
    }
    pml::engine().finish(r, x->err);
}

bool step(Exec* x) {
    try {
        return advance(*x);
    } catch (...) {
        // A step could not be carried out (out of memory: the pml reports transport failures
        // in the requests instead): the collective fails. Posted messages of the round still
        // complete; nothing more is posted.
        if (!x->err) x->err = pml::err_other;
        for (pml::Request* r : x->reqs)
            if (!r->done) return false;
        for (pml::Request* r : x->reqs) pml::engine().release(r);
        x->reqs.clear();
        x->round = x->sched.rounds();
        x->posted = false;
        if (x->then) {
            x->then(x->then_arg, x->sched, x->err);
            x->then = nullptr;
        }
        return true;
    }
}

void hook() {
    if (g_in_hook) return;  // a user op calling MPI_Test from inside a reduction
    g_in_hook = true;
    for (Exec* x = g_active_list()->front(); x;) {
        Exec* next = x->next;
        if (step(x)) finish(x);
        x = next;
    }
    g_in_hook = false;
}

}  // namespace

Exec* exec_acquire() {
    if (g_free.empty()) return new Exec;
    Exec* x = g_free.back();
    g_free.pop_back();
    return x;
}

Schedule& exec_schedule(Exec* x) { return x->sched; }

void exec_drop(Exec* x) { recycle(x); }

void exec_then(Exec* x, Then fn, void* arg) {
    x->then = fn;
    x->then_arg = arg;
}

pml::Request* start_nonblocking(Exec* x, void* owner) {
    pml::Request* r = pml::engine().new_request();
    r->owner = owner;
    r->coll = x;
    x->req = r;
    activate(x);
    if (step(x)) finish(x);  // the first round goes out now
    return r;
}

pml::Request* make_persistent(Exec* x, void* owner) {
    pml::Request* r = pml::engine().new_request();
    r->owner = owner;
    r->coll = x;
    r->persistent = true;
    r->done = true;  // inactive
    x->req = r;
    x->persistent = true;
    return r;
}

void start_persistent(pml::Request* r) {
    auto* x = static_cast<Exec*>(r->coll);
    r->done = false;
    r->err = 0;
    r->active = true;
    activate(x);
    if (step(x)) finish(x);
}

void free_persistent(pml::Request* r) {
    auto* x = static_cast<Exec*>(r->coll);
    if (!x) return;
    if (x->running) {
        x->drop_when_done = true;
        return;
    }
    r->coll = nullptr;
    recycle(x);
}

Schedule& blocking_schedule() { return g_blocking.sched; }

int run_blocking() {
    Exec& x = g_blocking;
    x.round = 0;
    x.posted = false;
    x.err = 0;
    pml::engine().wait_until([&x] { return advance(x); });
    return x.err;
}

int active_count() { return g_active; }

void executor_finalize() {
    for (Exec* x : g_free) delete x;
    g_free.clear();
}

}  // namespace efampi::coll
