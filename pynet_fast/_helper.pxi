# The helper thread: one per process (per compiled module), started the first time a call
# can use it, which then lives as long as the process. A call that splits its work
# (_split.pxi) offers the helper a share and does the other share itself: a query, its
# share of the pass over W(1); train_many, a run of steps from a given one, in each of
# which the helper does its share of the pass over W(1) and the rest of the step on
# copies of its own; a train call (Core.train_loaded, while W(1) is held in panels), its
# share of the fused pass over W(1); jitter_samples (_augment.pxi), the jittered images,
# in blocks that both threads take in turn. The helper, on another core, takes the share offered, unless
# the calling thread has already taken it.
#
# Who takes a share: whichever thread claims it first. The calling thread offers it, does
# its own share, then takes the offered share as well unless the helper has already
# started it; so a helper that is asleep, slow to wake, or whose core is busy with other
# work, never holds a call up: the call only runs on one thread. In a train_many run
# the helper claims each step's share in turn, and the calling thread takes back a share
# not claimed in time (the helper then leaves the run).
#
# Between shares the helper spins (about 50 µs), then sleeps on a condition variable
# until a call wakes it: an idle helper costs no CPU. A train_many call wakes it at
# once; a query only when the last query was less than about 0.1 ms ago (queries in a
# burst), so that a lone query never pays for waking a thread it will not wait for; a
# train call when the last was less than 1 ms ago (a call takes ten times a query's time).
#
# One call at a time has the helper (the owner flag); a call that finds it taken, by
# another thread's network, runs on one thread. After a fork, the child starts a helper
# of its own when it needs one (the parent's thread is not in the child).
#
# Included by _core.pxi, after the kernels.

from libc.stdlib cimport calloc, free

cdef extern from *:
    # Three counters hand the shares over, read and written atomically (GCC's and Clang's
    # builtins): posted (the calling thread offers share k), claimed (whichever thread
    # takes share k first sets it to k, by compare-and-swap), finished (the helper has
    # done share k). The helper sleeps on a POSIX condition variable. Elsewhere (MSVC)
    # every call keeps to one thread.
    """
    #if (defined(__GNUC__) || defined(__clang__)) && (defined(__unix__) || defined(__APPLE__))
    #include <pthread.h>
    #include <sched.h>
    #include <signal.h>
    #include <stdlib.h>
    #include <time.h>
    #define PYNET_CAN_SPLIT 1
    static inline long pynet_load(long* p) { return __atomic_load_n(p, __ATOMIC_ACQUIRE); }
    static inline void pynet_store(long* p, long v) { __atomic_store_n(p, v, __ATOMIC_RELEASE); }
    static inline int pynet_claim(long* p, long from, long to) {
        return __atomic_compare_exchange_n(p, &from, to, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
    }
    static inline long pynet_take(long* p, long n) { return __atomic_fetch_add(p, n, __ATOMIC_RELAXED); }
    static inline void pynet_pause(void) {
    #if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
    #elif defined(__aarch64__)
        __asm__ __volatile__("yield");
    #endif
    }
    static inline void pynet_yield(void) { sched_yield(); }
    static inline double pynet_now(void) {
        struct timespec t;
        clock_gettime(CLOCK_MONOTONIC, &t);
        return t.tv_sec + 1e-9 * t.tv_nsec;
    }

    /* Where the helper sleeps: it sets parked and waits while nothing new is posted, under
       the mutex; a waker that sees parked signals under the same mutex, so no wake is lost
       (and a wake that comes too late only means the call ran on one thread). */
    typedef struct { pthread_mutex_t mutex; pthread_cond_t wake; int parked; } pynet_bed;
    static pynet_bed* pynet_bed_new(void) {
        pynet_bed* b = (pynet_bed*)calloc(1, sizeof(pynet_bed));
        if (b != NULL && (pthread_mutex_init(&b->mutex, NULL) != 0 || pthread_cond_init(&b->wake, NULL) != 0)) {
            free(b);
            b = NULL;
        }
        return b;
    }
    static void pynet_park(pynet_bed* b, long* posted, long seen) {
        pthread_mutex_lock(&b->mutex);
        __atomic_store_n(&b->parked, 1, __ATOMIC_SEQ_CST);
        while (__atomic_load_n(posted, __ATOMIC_SEQ_CST) == seen)
            pthread_cond_wait(&b->wake, &b->mutex);
        __atomic_store_n(&b->parked, 0, __ATOMIC_SEQ_CST);
        pthread_mutex_unlock(&b->mutex);
    }
    static int pynet_parked(pynet_bed* b) {
        /* after the post: the helper's check of it and this one cannot both miss */
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        return __atomic_load_n(&b->parked, __ATOMIC_SEQ_CST);
    }
    static void pynet_wake(pynet_bed* b) {
        pthread_mutex_lock(&b->mutex);
        pthread_cond_signal(&b->wake);
        pthread_mutex_unlock(&b->mutex);
    }

    /* A detached thread that takes no signals (they stay the main thread's); 0 on failure. */
    static int pynet_start_thread(void* (*main)(void*), void* arg) {
        pthread_t thread;
        pthread_attr_t attr;
        sigset_t all, old;
        int started;
        if (pthread_attr_init(&attr) != 0)
            return 0;
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, &old);
        started = pthread_create(&thread, &attr, main, arg) == 0;
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        pthread_attr_destroy(&attr);
        return started;
    }

    /* Forks seen: a helper started before the last fork is not in this process. */
    static long pynet_forks = 0;
    static void pynet_forked(void) { pynet_forks++; }
    static void pynet_watch_forks(void) { pthread_atfork(NULL, NULL, pynet_forked); }
    #else
    #define PYNET_CAN_SPLIT 0
    static inline long pynet_load(long* p) { return *p; }
    static inline void pynet_store(long* p, long v) { *p = v; }
    static inline int pynet_claim(long* p, long from, long to) { if (*p != from) return 0; *p = to; return 1; }
    static inline long pynet_take(long* p, long n) { long was = *p; *p += n; return was; }
    static inline void pynet_pause(void) {}
    static inline void pynet_yield(void) {}
    static inline double pynet_now(void) { return 0.0; }
    typedef struct { int parked; } pynet_bed;
    static pynet_bed* pynet_bed_new(void) { return NULL; }
    static void pynet_park(pynet_bed* b, long* posted, long seen) {}
    static int pynet_parked(pynet_bed* b) { return 0; }
    static void pynet_wake(pynet_bed* b) {}
    static int pynet_start_thread(void* (*main)(void*), void* arg) { return 0; }
    static long pynet_forks = 0;
    static void pynet_watch_forks(void) {}
    #endif

    /* The CPU the calling thread runs on (-1: not known), and a way for the helper to leave
       one. A thread woken by another can be queued on the waker's CPU while another CPU
       idles (seen on a virtual machine after its other CPU had idled: often, for
       milliseconds); there it only waits behind the calling thread, or, once it runs,
       holds that CPU while the calling thread waits for it. The helper then leaves that
       CPU: it keeps to the CPUs it started with but that one, so that later wakes too
       find it elsewhere (pynet_leave_cpu), until calling threads have paused it a few
       times (the CPUs it keeps to are busy): then it may use them all again
       (pynet_use_first_cpus). */
    #if PYNET_CAN_SPLIT && defined(__linux__)
    #include <sys/syscall.h>
    #include <unistd.h>
    static inline long pynet_thread_id(void) { return (long)syscall(SYS_gettid); }  /* tests */
    static __thread cpu_set_t pynet_first_cpus;
    static __thread int pynet_first_known = 0;
    static inline int pynet_cpu(void) { return sched_getcpu(); }
    static void pynet_note_cpus(void) {
        pynet_first_known = pthread_getaffinity_np(pthread_self(), sizeof(cpu_set_t), &pynet_first_cpus) == 0;
    }
    static int pynet_leave_cpu(int cpu) {
        cpu_set_t cpus;
        if (!pynet_first_known || cpu < 0 || cpu >= CPU_SETSIZE)
            return 0;
        cpus = pynet_first_cpus;
        CPU_CLR(cpu, &cpus);
        if (CPU_COUNT(&cpus) == 0)
            return 0;
        return pthread_setaffinity_np(pthread_self(), sizeof(cpu_set_t), &cpus) == 0;
    }
    static void pynet_use_first_cpus(void) {
        if (pynet_first_known)
            pthread_setaffinity_np(pthread_self(), sizeof(cpu_set_t), &pynet_first_cpus);
    }
    static void pynet_keep_to_first_cpu(void) {  /* tests: as if placed on the lowest of its CPUs */
        cpu_set_t cpus;
        int cpu = 0;
        if (!pynet_first_known)
            return;
        while (cpu < CPU_SETSIZE && !CPU_ISSET(cpu, &pynet_first_cpus))
            cpu++;
        CPU_ZERO(&cpus);
        CPU_SET(cpu, &cpus);
        pthread_setaffinity_np(pthread_self(), sizeof(cpu_set_t), &cpus);
    }
    #else
    static inline long pynet_thread_id(void) { return 0; }
    static inline int pynet_cpu(void) { return -1; }
    static void pynet_note_cpus(void) {}
    static int pynet_leave_cpu(int cpu) { return 0; }
    static void pynet_use_first_cpus(void) {}
    static void pynet_keep_to_first_cpu(void) {}
    #endif
    """
    bint CAN_SPLIT "PYNET_CAN_SPLIT"
    long split_load "pynet_load"(long* p) noexcept nogil
    void split_store "pynet_store"(long* p, long v) noexcept nogil
    bint split_claim "pynet_claim"(long* p, long expected, long desired) noexcept nogil
    long split_take "pynet_take"(long* p, long n) noexcept nogil
    void split_pause "pynet_pause"() noexcept nogil
    void split_yield "pynet_yield"() noexcept nogil
    int current_cpu "pynet_cpu"() noexcept nogil
    long thread_id "pynet_thread_id"() noexcept nogil
    void note_cpus "pynet_note_cpus"() noexcept nogil
    bint leave_cpu "pynet_leave_cpu"(int cpu) noexcept nogil
    void use_first_cpus "pynet_use_first_cpus"() noexcept nogil
    void keep_to_first_cpu "pynet_keep_to_first_cpu"() noexcept nogil
    double split_now "pynet_now"() noexcept nogil
    ctypedef struct Bed "pynet_bed":
        pass
    Bed* bed_new "pynet_bed_new"() noexcept nogil
    void bed_park "pynet_park"(Bed* b, long* posted, long seen) noexcept nogil
    bint bed_parked "pynet_parked"(Bed* b) noexcept nogil
    void bed_wake "pynet_wake"(Bed* b) noexcept nogil
    ctypedef void* (*thread_main)(void*) noexcept nogil
    bint start_thread "pynet_start_thread"(thread_main main, void* arg) noexcept nogil
    long forks_seen "pynet_forks"
    void watch_forks "pynet_watch_forks"() noexcept nogil

watch_forks()


cdef enum:
    SPINS = 2000  # pauses (about 50 µs) before a waiting thread gives up its core
    PATIENCE = SPINS + 1000  # a wait longer than the pauses and 1000 yields (about 0.5 ms) is long
    TRAIN_SHARE = 1  # the share offered: a run of train_many's steps (helper_run) ...
    QUERY_SHARE = 2  # ... or follow_columns (a query) ...
    JITTER_SHARE = 3  # ... or blocks of jittered images, taken in turn with the calling thread (_augment.pxi) ...
    STEP_SHARE = 4    # ... or a train call's right-hand panel of W(1) (step_columns, _split.pxi)

cdef double BURST = 1e-4  # seconds: a query this soon after the last one wakes a sleeping helper
cdef double TRAIN_BURST = 1e-3  # ... and a train call this soon after the last (a call takes 30 µs or more)
cdef double STAY = 1.0    # seconds after it was let use all its CPUs again in which the helper leaves none
cdef long PAUSES_TO_STAY = 3  # pauses after which a helper that left the calling thread's CPU may use it again


ctypedef struct Run:
    # The scratch of a network's train_many on two threads (Core.H, see run_in): the
    # helper's copy of the parameters (of which it uses the layers above W(1)), its two
    # sample states, and the lines each thread sends its part of Y(1) in (reply_lines),
    # two sets each way, for even and odd shares.
    double* Q
    double* SH
    double* SH_next
    double* mine            # the calling thread's lines (columns [0, s) of Y(1)) ...
    double* theirs          # ... and the helper's (the rest)
    Py_ssize_t mine_size    # doubles in each set
    Py_ssize_t theirs_size


ctypedef struct Handover:
    long posted             # shares offered to the helper so far
    char apart[120]         # each counter on cache lines of its own
    long claimed            # the last share a thread has taken
    char apart_too[120]
    long finished           # the last share the helper has done
    double ended            # ... and, for a query's share, when it ended (split_now)
    char apart_again[112]
    long ready              # QUERY_SHARE: how many inputs are in (the calling thread may still be reading)
    char apart_from_ready[120]
    long next_image         # JITTER_SHARE: the first of the jittered images no thread has taken yet
    char apart_from_next[120]
    long owner              # 1 while a call has the helper
    long forks              # pynet_forks when the helper started
    Bed* bed                # where the helper sleeps
    double last_query       # when the last query on two threads started (split_now)
    double last_step        # when the last train call on two threads started (split_now)
    long caller_cpu         # the CPU the calling thread offered the last share from (-1: not known)
    long pauses             # times calling threads paused the helper (other work held its CPU) since it left one
    long moves              # how many times the helper left the calling thread's CPU
    long jitter_blocks      # tests: blocks of jittered images the helper has sampled
    long steps_helped       # tests: train calls' shares the helper has done (STEP_SHARE)
    long thread             # tests: the helper's thread id (Linux; else 0)
    long queries_alone      # queries to keep to one thread, after one that waited long for the helper
    long alone_next         # what the next such wait sets queries_alone to (256, 512, ...)
    bint slow               # tests: the helper idles after each share three times as long as it worked
    long shares_left        # tests: how many more shares the helper takes (-1: no end) ...
    bint once               # ... one after each time it is woken
    bint late               # tests: the helper first idles 5 ms after it is woken (a slow virtual machine)
    bint placed             # tests: the helper starts on the lowest of its CPUs alone (as if put there)
    bint stalls             # tests: in train_many's runs each thread now and then idles 30 µs (see stall)
    long hiccup_every       # tests: in train_many's runs the helper idles 50 µs before claiming every such share
    # the share offered, written before it is posted and not changed until it is done
    int kind                # TRAIN_SHARE, QUERY_SHARE, JITTER_SHARE or STEP_SHARE
    double* W               # the right-hand columns of W(1): a panel (TRAIN_SHARE, STEP_SHARE) or in place
    double rate
    # QUERY_SHARE: follow_columns's arguments; STEP_SHARE: update_then_forward_panel's
    const double* B
    const double* y
    double* o
    Py_ssize_t n_in
    Py_ssize_t n_out
    Py_ssize_t stride       # the distance between W's rows
    const double* delta     # STEP_SHARE: the last sample's delta(1), for U-W ...
    const double* next_input  # ... and this sample's Y(0), for F1
    # JITTER_SHARE: take_jitter_blocks's
    void* jitter            # the call's JitterJob
    double* padded          # the helper's own padded image (sample)
    # TRAIN_SHARE: a run of train_many's steps from step start (helper_run, _split.pxi)
    const Layout* net
    double* P               # the network's parameters (the helper updates its part of B(1) there)
    Py_ssize_t p_size
    const double* S         # the calling thread's state of sample start
    Py_ssize_t s_size
    const double* X
    Py_ssize_t xs
    const double* T
    Py_ssize_t ts
    Py_ssize_t start
    Py_ssize_t count
    Py_ssize_t s            # the columns of W(1) the calling thread keeps
    bint exact
    bint bias
    Run run                 # the helper's copies and the lines of the network's run


cdef extern from *:
    # Software prefetches of a run of doubles that another thread wrote: when the two CPUs
    # are far apart (on different chiplets, say), each line takes some 300 ns to come over,
    # and a loop that meets them one by one waits for each in turn; asked for together,
    # they come over side by side. The empty asm keeps the loop: GCC deletes a loop whose
    # only statements are prefetches (it did, at -O3, until this was added).
    """
    #if defined(__GNUC__) || defined(__clang__)
    static inline void pynet_prefetch_lines(const double* p, Py_ssize_t n) {
        Py_ssize_t k;
        for (k = 0; k < n; k += 8) {
            __builtin_prefetch(p + k, 0, 3);
            __asm__ __volatile__("");
        }
        if (n > 0)
            __builtin_prefetch(p + n - 1, 0, 3);
    }
    #else
    static inline void pynet_prefetch_lines(const double* p, Py_ssize_t n) { (void)p; (void)n; }
    #endif
    """
    void prefetch_lines "pynet_prefetch_lines"(const double* p, Py_ssize_t n) noexcept nogil


cdef extern from *:
    # Lines that carry values from one thread to the other in a train_many run: a thread's
    # part of Y(1), in lines of eight doubles, seven values and the share's number in the
    # eighth, which the sender writes last (a release store). The receiver asks for every
    # line at once and takes the values once each line carries the share's number, so
    # the values come over with the news that they are done: one trip between the cores
    # instead of two (a counter, then the values). A query keeps a counter: lines for
    # its reply came out 1-2% slower (there the calling thread is often still reading as
    # the lines are written, and they go back and forth).
    """
    #define PYNET_REPLY_LINES(n) (((n) + 6) / 7)
    #if defined(__GNUC__) || defined(__clang__)
    #define PYNET_MARK_STORE(p, k) __atomic_store_n((p), (k), __ATOMIC_RELEASE)
    #define PYNET_MARK_LOAD(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
    #else  /* (never used there: no helper thread without these builtins) */
    #define PYNET_MARK_STORE(p, k) (*(volatile long*)(p) = (k))
    #define PYNET_MARK_LOAD(p) (*(volatile long*)(p))
    #endif
    static inline long* pynet_reply_mark(double* reply, Py_ssize_t line) { return (long*)(reply + 8 * line + 7); }
    /* Before a share is offered: no line carries a share's number (numbers start at 1). */
    static inline void pynet_reply_clear(double* reply, Py_ssize_t n) {
        Py_ssize_t line;
        for (line = 0; line < PYNET_REPLY_LINES(n); line++)
            PYNET_MARK_STORE(pynet_reply_mark(reply, line), 0L);
    }
    static inline void pynet_reply_send(double* reply, const double* v, Py_ssize_t n, long k) {
        Py_ssize_t line, j;
        for (line = 0; line < PYNET_REPLY_LINES(n); line++) {
            for (j = 0; j < 7 && 7 * line + j < n; j++)
                reply[8 * line + j] = v[7 * line + j];
            PYNET_MARK_STORE(pynet_reply_mark(reply, line), k);
        }
    }
    static inline int pynet_reply_came(double* reply, Py_ssize_t n, long k) {
        Py_ssize_t line;
        int all = 1;
        for (line = 0; line < PYNET_REPLY_LINES(n); line++)  /* every line asked for, whatever the first says */
            all &= PYNET_MARK_LOAD(pynet_reply_mark(reply, line)) == k;
        return all;
    }
    static inline void pynet_reply_take(const double* reply, double* v, Py_ssize_t n) {
        Py_ssize_t i;
        for (i = 0; i < n; i++)
            v[i] = reply[8 * (i / 7) + i % 7];
    }
    """
    Py_ssize_t reply_lines "PYNET_REPLY_LINES"(Py_ssize_t n) noexcept nogil
    long* reply_mark "pynet_reply_mark"(double* reply, Py_ssize_t line) noexcept nogil
    void reply_clear "pynet_reply_clear"(double* reply, Py_ssize_t n) noexcept nogil
    void reply_send "pynet_reply_send"(double* reply, const double* v, Py_ssize_t n, long k) noexcept nogil
    bint reply_came "pynet_reply_came"(double* reply, Py_ssize_t n, long k) noexcept nogil
    void reply_take "pynet_reply_take"(const double* reply, double* v, Py_ssize_t n) noexcept nogil


cdef void follow_columns(Handover* h, double* o) noexcept nogil:
    """forward_columns into o for a query whose input the calling thread may still be reading:
    rows are added, in order, as soon as h.ready says their inputs are in (add_columns:
    the grouping of the rows does not change a bit)."""
    cdef Py_ssize_t j, done = 0, ready
    cdef long spins = 0
    for j in range(h.n_out):
        o[j] = h.B[j]
    while done < h.n_in:
        ready = split_load(&h.ready)
        if ready < h.n_in:
            ready = ready // 8 * 8  # whole trips of eight rows, but the last
        if ready > done:
            prefetch_lines(h.y + done, ready - done)  # (the calling thread wrote them: see prefetch_lines)
            add_columns(h.W, h.stride, h.y, o, done, ready, h.n_out)
            done = ready
            spins = 0
        elif spins < SPINS:
            split_pause()
            spins += 1
        else:  # the calling thread may be waiting for this thread's core: let it have it
            split_yield()
    activate(o, h.n_out)


cdef void* helper_main(void* arg) noexcept nogil:
    """The helper thread: takes each share offered that the calling thread has not taken, for ever.

    After a share it spins a little, waiting for the next, then sleeps until a call wakes it.
    """
    cdef Handover* h = <Handover*>arg
    cdef long seen = split_load(&h.posted), posted, spins = 0
    cdef double began, took, stayed = -STAY
    cdef int cpu
    split_store(&h.thread, thread_id())
    note_cpus()  # the CPUs it may use: those of the thread that started it
    if h.placed:
        keep_to_first_cpu()
    while True:
        posted = split_load(&h.posted)
        while posted == seen:
            if spins < SPINS:
                split_pause()
                spins += 1
            else:
                bed_park(h.bed, &h.posted, seen)
                if h.once:
                    h.shares_left = 1
            posted = split_load(&h.posted)
        spins = 0
        if h.late:
            began = split_now()
            while split_now() - began < 0.005:
                split_pause()
            h.late = False
            posted = split_load(&h.posted)
        seen = posted
        if split_load(&h.pauses) >= PAUSES_TO_STAY:  # the CPUs it keeps to are busy: all of them again
            split_store(&h.pauses, 0)
            use_first_cpus()
            stayed = split_now()
        cpu = current_cpu()
        if cpu >= 0 and cpu == split_load(&h.caller_cpu) and split_now() - stayed > STAY and leave_cpu(cpu):
            h.moves += 1  # (see pynet_leave_cpu)
            split_store(&h.pauses, 0)
        if h.shares_left != 0 and split_claim(&h.claimed, posted - 1, posted):
            if h.shares_left > 0:
                h.shares_left -= 1
            if h.kind == TRAIN_SHARE:
                split_store(&h.finished, helper_run(h, posted))
                continue
            if h.kind == JITTER_SHARE:
                take_jitter_blocks(h, h.padded)
                split_store(&h.finished, posted)
                continue
            if h.kind == STEP_SHARE:
                update_then_forward_panel(h.W, h.B, h.rate, h.y, h.delta, h.next_input, h.o, h.n_in, h.n_out)
                split_store(&h.steps_helped, h.steps_helped + 1)
                split_store(&h.finished, posted)
                continue
            began = split_now() if h.slow else 0.0  # (tests: only the slow helper is timed)
            follow_columns(h, h.o)
            if h.slow:
                took = split_now() - began
                while split_now() - began < 4 * took:
                    split_pause()
            h.ended = split_now()
            split_store(&h.finished, posted)
    return NULL


cdef inline long offer(Handover* h) noexcept nogil:
    """Post the share written in h; its number."""
    cdef long k = split_load(&h.posted) + 1
    split_store(&h.caller_cpu, current_cpu())
    split_store(&h.posted, k)
    return k


cdef inline bint taken_here(Handover* h, long k) noexcept nogil:
    """True when this thread takes share k (the helper had not): it must then do it."""
    return split_claim(&h.claimed, k - 1, k)


cdef bint wait_for_helper(Handover* h, long k, long patience) noexcept nogil:
    """Wait until the helper has done share k, which it took; True when that took ``patience`` spins or more."""
    cdef long spins = 0
    while split_load(&h.finished) < k:
        if spins < SPINS:
            split_pause()
        else:
            split_yield()
        spins += 1
    return spins >= patience


cdef inline void wake(Handover* h) noexcept nogil:
    if bed_parked(h.bed):
        bed_wake(h.bed)


# ---------------------------------------------------------------------------------
# The process's helper, for one call at a time
# ---------------------------------------------------------------------------------

cdef Handover* the_helper = NULL
cdef int helper_mode = 0  # 0: a thread; tests: 1, no thread to be had; 2, a thread that never
                          # helps; 3, a thread that helps at a quarter of its speed; 4, a thread
                          # that helps once each time it is woken; 5, a thread slow to come the
                          # first time; 6, a thread that starts on the lowest of its CPUs; 7, a
                          # thread whose train_many runs idle now and then, on both threads


cdef Handover* take_helper() noexcept:
    """The helper, started if need be, for this call alone (give it back with give_helper); NULL
    when there is none to be had (no second thread, or another call has it). With the GIL."""
    global the_helper
    cdef Handover* h = the_helper
    if not CAN_SPLIT or helper_mode == 1:
        return NULL
    if h != NULL and h.forks != forks_seen:  # started before a fork: its thread is not in this process
        h = the_helper = NULL  # (left as it is: the parent's thread may have held its mutex)
    if h == NULL:
        # from the C library, not Python's allocator: the thread uses it for as long as the
        # process lives, after the interpreter has finalized too
        h = <Handover*>calloc(1, sizeof(Handover))
        if h == NULL:
            return NULL
        h.forks, h.slow, h.late = forks_seen, helper_mode == 3, helper_mode == 5
        h.once, h.placed, h.stalls = helper_mode == 4, helper_mode == 6, helper_mode == 7
        h.hiccup_every = 1500 if helper_mode == 8 else 64 if helper_mode == 9 else 0
        h.shares_left = 1 if h.once else -1
        h.bed = bed_new()
        if h.bed == NULL or (helper_mode != 2 and not start_thread(helper_main, h)):
            free(h)  # (a bed without its thread: too rare to be worth freeing it)
            return NULL
        the_helper = h
    if not split_claim(&h.owner, 0, 1):
        return NULL
    return h


cdef inline void give_helper(Handover* h) noexcept nogil:
    split_store(&h.owner, 0)


def _set_helper_mode(int mode):
    """For tests: 0, a helper thread; 1, no thread to be had; 2, a thread that never helps; 3, a
    thread that idles after each share three times as long as the share took (a quarter
    of its speed); 4, a thread that takes one share each time it is woken; 5, a thread that
    first idles 5 ms once woken; 6, a thread that starts on the lowest of its CPUs alone (as
    if the system had put it there), which it may leave; 7, a thread whose train_many runs
    idle 30 µs now and then, the helper after some of its replies and the calling thread
    after sending some of its lines (so that either runs a step ahead of the other); the
    calling thread then takes no share back before ``patience`` spins; 8, a thread that in
    train_many's runs idles 50 µs before it claims every 1,500th share (a moment the host
    took its CPU for), so that the calling thread takes that share back; 9, the same every
    64th share.
    Takes effect for the next helper started (``_forget_helper`` makes the next call start one)."""
    global helper_mode
    helper_mode = mode


cdef long query_patience = PATIENCE  # spins of waiting for the helper that make a query's wait long


def _set_query_patience(long patience):
    """For tests: the ``patience`` of queries that give none (a huge value: no query is ever
    kept to one thread; negative: PATIENCE again); ``_reset_helper`` forgets the queries
    kept back already."""
    global query_patience
    query_patience = patience if patience >= 0 else PATIENCE


def _reset_helper():
    """For tests: no query kept to one thread after a long wait, from now on."""
    if the_helper != NULL and split_claim(&the_helper.owner, 0, 1):
        the_helper.queries_alone = the_helper.alone_next = 0
        give_helper(the_helper)


def _forget_helper():
    """For tests: the next call that wants a helper starts a new one (the old one sleeps on)."""
    global the_helper
    if the_helper != NULL and split_claim(&the_helper.owner, 0, 1):
        the_helper = NULL  # (left asleep, not freed: its thread may still be spinning over it)


def _helper_moves():
    """For tests: how many times the process's helper has left the calling thread's CPU."""
    return the_helper.moves if the_helper != NULL else 0


def _helper_jitter_blocks():
    """For tests: how many blocks of jittered images the process's helper has sampled (take_jitter_blocks)."""
    return split_load(&the_helper.jitter_blocks) if the_helper != NULL else 0


def _helper_steps():
    """For tests: how many train calls' shares (STEP_SHARE) the process's helper has done."""
    return split_load(&the_helper.steps_helped) if the_helper != NULL else 0


def _helper_thread_id():
    """For tests: the process's helper's thread id, for os.sched_getaffinity (0: none, or not Linux)."""
    return split_load(&the_helper.thread) if the_helper != NULL else 0


cdef inline void stall(Handover* h, long number, long every) noexcept nogil:
    """Tests (mode 7): idle 30 µs on every ``every``-th share of a run."""
    cdef double began
    if h.stalls and number % every == 0:
        began = split_now()
        while split_now() - began < 30e-6:
            split_pause()


cdef inline void hiccup(Handover* h, long number) noexcept nogil:
    """Tests (modes 8 and 9): idle 50 µs before claiming share ``number`` if it is one of every
    ``h.hiccup_every``."""
    cdef double began
    if h.hiccup_every and number % h.hiccup_every == 0:
        began = split_now()
        while split_now() - began < 50e-6:
            split_pause()


cdef inline void count_pause(Handover* h) noexcept nogil:
    """A calling thread paused the helper (see PAUSES_TO_STAY)."""
    split_store(&h.pauses, split_load(&h.pauses) + 1)  # (one lost to the helper's reset: no matter)
