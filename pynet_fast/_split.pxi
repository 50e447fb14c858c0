# train_many on two threads: the fused pass of W(1) (update_then_forward_layer, U-W with
# F1 and F2 of the next sample), split by columns between the calling thread and one
# helper thread, each on its own core. Everything else in a step (the errors and deltas,
# U-B, the layers above) runs on the calling thread while the helper waits.
#
# Why the bits stay: column j of W(1) and output j of Y(1) are computed by exactly one
# thread, by the operations of update_then_forward_layer in its order (every Z[j] still
# gains its terms for i = 0, 1, ...); the columns never meet. The split changes who
# computes a number, never how.
#
# Who takes the right-hand share: whichever thread claims it first. The calling thread
# offers it, does the left-hand share, then takes the right-hand share as well unless the
# helper has already started it; so a helper that is slow to start, or whose core is
# busy with other work, never holds a step up, and when the calling thread has had to
# wait long for it (the helper lost its core in the middle of a step), it keeps the next
# steps to itself, more of them each time.
#
# Why a copy of W(1): the two threads would otherwise write to the same rows of W(1) at
# once, and the cores' prefetchers pull each other's half of every row back and forth
# (measured: five times slower than one thread). So for the length of one call W(1) is
# copied into two panels, columns [0, s) and [s, n(1)), each contiguous and on a cache
# line of its own; the result is copied back at the end. Y(1), the only other thing both
# threads write, is split at s, a multiple of eight doubles from a 64-byte boundary.
#
# Included by _core.pxi, after _train.pxi.

cdef extern from *:
    # The two threads hand each step over through three counters, read and written
    # atomically (GCC's and Clang's builtins): posted (the calling thread offers the
    # right-hand share of step k), claimed (whichever thread takes it first sets it to
    # k, by compare-and-swap), finished (the helper has done its share of step k).
    # Elsewhere (MSVC) train_many keeps to one thread.
    """
    #if (defined(__GNUC__) || defined(__clang__)) && (defined(__unix__) || defined(__APPLE__))
    #include <sched.h>
    #include <time.h>
    #define PYNET_CAN_SPLIT 1
    static inline long pynet_load(long* p) { return __atomic_load_n(p, __ATOMIC_ACQUIRE); }
    static inline void pynet_store(long* p, long v) { __atomic_store_n(p, v, __ATOMIC_RELEASE); }
    static inline int pynet_claim(long* p, long from, long to) {
        return __atomic_compare_exchange_n(p, &from, to, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
    }
    static inline void pynet_pause(void) {
    #if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
    #elif defined(__aarch64__)
        __asm__ __volatile__("yield");
    #endif
    }
    static inline void pynet_yield(void) { sched_yield(); }
    static inline void pynet_nap(void) { struct timespec t = {0, 50000}; nanosleep(&t, NULL); }
    #else
    #define PYNET_CAN_SPLIT 0
    static inline long pynet_load(long* p) { return *p; }
    static inline void pynet_store(long* p, long v) { *p = v; }
    static inline int pynet_claim(long* p, long from, long to) { if (*p != from) return 0; *p = to; return 1; }
    static inline void pynet_pause(void) {}
    static inline void pynet_yield(void) {}
    static inline void pynet_nap(void) {}
    #endif
    """
    bint CAN_SPLIT "PYNET_CAN_SPLIT"
    long split_load "pynet_load"(long* p) noexcept nogil
    void split_store "pynet_store"(long* p, long v) noexcept nogil
    bint split_claim "pynet_claim"(long* p, long expected, long desired) noexcept nogil
    void split_pause "pynet_pause"() noexcept nogil
    void split_yield "pynet_yield"() noexcept nogil
    void split_nap "pynet_nap"() noexcept nogil


cdef enum:
    SPINS = 2000  # pauses (about 50 µs) before a waiting thread gives up its core
    PATIENCE = SPINS + 1000  # a wait longer than the pauses and 1000 yields (about 0.5 ms) is long
    TRIAL = 64    # the helper must take half of the first TRIAL steps offered, or is let go


ctypedef struct Handover:
    long posted             # steps offered to the helper so far; -1: stop
    char apart[120]         # each counter on cache lines of its own
    long claimed            # the last step whose right-hand share a thread has taken
    char apart_too[120]
    long finished           # the last step whose share the helper has done
    char apart_again[120]
    long patience           # waits of this many spins or more count as long (PATIENCE; tests: 0)
    long helped             # steps whose right-hand share the helper did (counted by the caller)
    long long_waits         # of those, the ones the caller waited long for
    # the right-hand share of the step offered: update_then_forward_layer's arguments,
    # written before the step is posted and not changed until the step is done
    double* W
    const double* B
    double rate
    const double* y
    const double* d
    const double* x
    double* o
    Py_ssize_t n_in
    Py_ssize_t n_out


cdef inline void right_share(Handover* h) noexcept nogil:
    update_then_forward_layer(h.W, h.B, h.rate, h.y, h.d, h.x, h.o, h.n_in, h.n_out)


cdef void helper_steps(Handover* h) noexcept nogil:
    """The helper thread: takes each step offered that the calling thread has not taken, until told to stop.

    After a step it spins a little, waiting for the next, then naps (50 µs at a time)
    until it finds one: a helper with nothing to do gives its core back, and the calling
    thread never waits for a helper that has not started a step (it takes the share itself).
    """
    cdef long seen = 0, posted, spins = 0
    while True:
        posted = split_load(&h.posted)
        while posted == seen:
            if spins < SPINS:  # only right after a step: a helper that napped naps until it finds work
                split_pause()
                spins += 1
            else:
                split_nap()
            posted = split_load(&h.posted)
        spins = 0
        if posted < 0:
            return
        seen = posted
        if split_claim(&h.claimed, posted - 1, posted):
            right_share(h)
            split_store(&h.finished, posted)


cdef bint wait_for_helper(Handover* h, long step) noexcept nogil:
    """Wait until the helper has done its share of ``step``; True when that took long (it lost its core)."""
    cdef long spins = 0
    while split_load(&h.finished) < step:
        if spins < SPINS:
            split_pause()
        else:
            split_yield()
        spins += 1
    return spins >= h.patience


cdef void to_panels(const double* W, double* left, double* right, Py_ssize_t n_in, Py_ssize_t n_out,
                    Py_ssize_t s) noexcept nogil:
    """Columns [0, s) of the n_in x n_out matrix W into left (n_in x s), the rest into right."""
    cdef Py_ssize_t i
    for i in range(n_in):
        memcpy(left + i * s, W + i * n_out, s * sizeof(double))
        memcpy(right + i * (n_out - s), W + i * n_out + s, (n_out - s) * sizeof(double))


cdef void from_panels(double* W, const double* left, const double* right, Py_ssize_t n_in, Py_ssize_t n_out,
                      Py_ssize_t s) noexcept nogil:
    """to_panels undone."""
    cdef Py_ssize_t i
    for i in range(n_in):
        memcpy(W + i * n_out, left + i * s, s * sizeof(double))
        memcpy(W + i * n_out + s, right + i * (n_out - s), (n_out - s) * sizeof(double))


cdef double train_rows_split(const Layout* net, double* P, double* S, double* S_next, const double* X,
                             Py_ssize_t xs, const double* T, Py_ssize_t ts, Py_ssize_t count, double rate,
                             bint exact, bint bias, Handover* h, double* left, double* right,
                             Py_ssize_t s) noexcept nogil:
    """train_rows, with W(1) in the panels left (columns [0, s)) and right, and the right
    panel's share of each fused pass offered to the helper thread (helper_steps on h).

    The steps are train_rows's, in its order; see that function. W(1) in P is only read
    for the first sample's forward pass, before any update, when it equals the panels.
    After its own share of a step, this thread takes the right-hand share too if the
    helper has not taken it. When it has had to wait long for the helper (over about half
    a millisecond: the operating system gave the helper's core to something else while it
    worked), it offers no step for a while, first 256 steps and twice as many after each
    such wait.
    """
    cdef Py_ssize_t k, n_in = net.n[0], n_out = net.n[1]
    cdef double total = 0.0
    cdef double* swap
    cdef Py_ssize_t alone_until = 0, alone_for = 256, offered = 0, helped = 0
    cdef bint alone
    forward(net, P, S, X)
    h.W, h.B, h.rate, h.n_in, h.n_out = right, P + net.b[1] + s, rate, n_in, n_out - s
    for k in range(count):
        total = total + output_error(net, S, T + k * ts)
        back_errors(net, P, S, exact)
        if bias:
            update_biases(net, P, S, rate)
        if k + 1 < count:
            h.y, h.d, h.x, h.o = X + k * xs, S + net.d[1] + s, X + (k + 1) * xs, S_next + net.y[1] + s
            alone = k < alone_until
            if not alone:
                split_store(&h.posted, k + 1)
                offered += 1
            update_then_forward_layer(left, P + net.b[1], rate, X + k * xs, S + net.d[1], X + (k + 1) * xs,
                                      S_next + net.y[1], n_in, s)
            if split_claim(&h.claimed, k, k + 1):  # always, when the step was not offered
                right_share(h)
            else:
                helped += 1
                if wait_for_helper(h, k + 1):
                    h.long_waits += 1
                    alone_until = k + alone_for
                    alone_for = min(2 * alone_for, 1 << 20)
            if offered == TRIAL and 2 * helped < offered and alone_until < count:
                # the helper took fewer than half of the first steps offered: other work
                # holds the cores, and the helper only competes with it; let it go
                alone_until = count
                split_store(&h.posted, -1)
            update_then_forward_above(net, P, S, S_next, rate)
            swap = S
            S = S_next
            S_next = swap
        else:
            add_outer(left, rate, X + k * xs, S + net.d[1], n_in, s)
            add_outer(right, rate, X + k * xs, S + net.d[1] + s, n_in, n_out - s)
            update_weights_above(net, P, S, rate)
    h.helped = helped
    return total


cdef class Helper:
    """The helper thread's side of a train_many on two threads: run() until stop()."""

    cdef Handover h

    def __cinit__(self, long patience=PATIENCE):
        self.h.posted = self.h.claimed = self.h.finished = self.h.helped = self.h.long_waits = 0
        self.h.patience = patience

    def run(self):
        with nogil:
            helper_steps(&self.h)

    def stop(self):
        split_store(&self.h.posted, -1)
