# train_many and query on two threads: the pass over W(1) (for train_many the fused one,
# update_then_forward_layer: U-W with F1 and F2 of the next sample; for a query F1 and F2)
# split by columns between the calling thread and the helper thread (_helper.pxi), each
# on its own core.
#
# Why the bits stay: column j of W(1) and output j of Y(1) are computed by exactly one
# thread, by the operations of update_then_forward_layer in its order (every Z[j] still
# gains its terms for i = 0, 1, ...); the columns never meet. The split changes who
# computes a number, never how.
#
# train_many: a run of steps on two threads. The calling thread offers the helper a run
# from step k on. Once in, the helper keeps the right-hand columns of W(1) (and of B(1))
# to itself, and runs every other part of each step on copies of its own: the layers
# above W(1) (copied from the network when it joins), and the sample's outputs, errors
# and deltas. Both threads compute the same numbers there, by the same operations on the
# same inputs, so their copies stay equal bit for bit; only the calling thread's count.
# Each step, each thread sends the other its part of the next sample's Y(1), in lines
# that carry the share's number (reply_lines), and waits for the other's: one trip
# between the cores a step, both ways at once. Handing each step's deltas over and the
# outputs back took three trips one after the other (the post, the deltas, the reply):
# on a virtual machine whose two CPUs were far apart, 0.5 µs or more a step.
#
# Whose share is whose: the helper claims each step's share before it starts on it (the
# claimed counter, by compare-and-swap); the calling thread takes the share itself when
# the helper has not claimed it by the time it is needed (the helper lost its core, or
# has not come yet), and the helper, finding it taken, leaves the run. The calling thread
# offers a new run only once the helper is out of the last (finished). Each thread can
# be at most one step ahead of the other, so two sets of lines each way, for odd and even
# shares, mean that no line is written before the other thread has read it.
#
# Why train_many works on a copy of W(1): the two threads would otherwise write to the
# same rows of W(1) at once, and the cores' prefetchers pull each other's half of every
# row back and forth (measured: five times slower than one thread). So for the length of
# one call W(1) is copied into two panels, columns [0, s) and [s, n(1)), each on cache
# lines of its own, and held in pieces (to_panel, _train.pxi: a panel of 104 columns as
# two of 52, where the SSE2 and AVX2 builds' pass runs faster); the result is copied
# back at the end. Y(1) and B(1),
# the only other things both threads write, are split at s, a multiple of eight doubles
# from a 64-byte boundary.
#
# Train calls in a row (Core.train_loaded) hold W(1) in the same two panels from the
# PANEL_AFTER-th on, until any other call of the network's folds them back (flush): a
# call's fused pass then runs the left panel on the calling thread and offers the right
# one to the helper (step_columns), as a query offers its columns.
#
# A query only reads W(1): each thread reads its columns of the rows in place. The helper
# starts on its columns while the calling thread is still reading the input list, row by
# row as the values come in (follow_columns). It reads the input either where the calling
# thread keeps it or from a copy streamed to it, whichever has lately been faster
# (choose_handover).
#
# Included by _core.pxi, after _helper.pxi.

cdef void to_panels(const double* W, double* left, double* right, Py_ssize_t n_in, Py_ssize_t n_out,
                    Py_ssize_t s) noexcept nogil:
    """Columns [0, s) of the n_in x n_out matrix W into the panel left, the rest into right (to_panel)."""
    to_panel(W, left, n_in, n_out, 0, s)
    to_panel(W, right, n_in, n_out, s, n_out - s)


cdef void from_panels(double* W, const double* left, const double* right, Py_ssize_t n_in, Py_ssize_t n_out,
                      Py_ssize_t s) noexcept nogil:
    """to_panels undone."""
    from_panel(W, left, n_in, n_out, 0, s)
    from_panel(W, right, n_in, n_out, s, n_out - s)


cdef Py_ssize_t left_columns(Py_ssize_t n_out) noexcept nogil:
    """How many of W(1)'s columns the calling thread takes: half or a little more, in whole
    cache lines (the helper's share starts at a column that is no multiple of eight, and its
    rows run a little slower)."""
    return ((n_out + 1) // 2 + ALIGN - 1) // ALIGN * ALIGN


cdef inline Py_ssize_t right_panel_at(Py_ssize_t n_in, Py_ssize_t s) noexcept:
    """Where the right panel starts in a block of W(1)'s panels: after the left one (n_in rows,
    s columns), on a cache line of its own."""
    return panel_size(n_in, s)


cdef inline Py_ssize_t panels_size(Py_ssize_t n_in, Py_ssize_t n_out, Py_ssize_t s) noexcept:
    """The doubles a block of W(1)'s two panels takes (to_panels, from_panels)."""
    return right_panel_at(n_in, s) + panel_size(n_in, n_out - s)


cdef enum:
    TAKE_BACK = 128  # spins (about 3 µs) after which the calling thread takes back a share not claimed yet
    FIRST_PAUSE = 32  # steps a train_many call keeps to itself after the helper left a run twice (below)
    CALM_STEPS = 1024  # steps the helper did since it last left a run, after which a call forgets its pauses


cdef Run run_in(double* block, Py_ssize_t p_size, Py_ssize_t s_size, Py_ssize_t n_out, Py_ssize_t s) noexcept:
    """The parts of a Run, in a block of run_size(...) doubles."""
    cdef Run r
    r.Q = block
    r.SH = r.Q + _aligned(p_size)
    r.SH_next = r.SH + _aligned(s_size)
    r.mine = r.SH_next + _aligned(s_size)
    r.mine_size = 8 * reply_lines(s)
    r.theirs = r.mine + 2 * r.mine_size
    r.theirs_size = 8 * reply_lines(n_out - s)
    return r


cdef Py_ssize_t run_size(Py_ssize_t p_size, Py_ssize_t s_size, Py_ssize_t n_out, Py_ssize_t s) noexcept:
    return _aligned(p_size) + 2 * _aligned(s_size) + 16 * reply_lines(s) + 16 * reply_lines(n_out - s)


cdef inline double* lines_of(double* lines, Py_ssize_t size, long number) noexcept nogil:
    """The set of lines share ``number`` uses: the first for even shares, the second for odd."""
    return lines + (number & 1) * size


cdef void update_own_biases(const Layout* net, double* P, const double* S, double rate, Py_ssize_t first,
                            Py_ssize_t stop) noexcept nogil:
    """(U-B) B(1)[j] += lambda delta(1)[j] for j in [first, stop)."""
    cdef Py_ssize_t j
    for j in range(first, stop):
        P[net.b[1] + j] = P[net.b[1] + j] + rate * S[net.d[1] + j]  # (U-B)


cdef void update_biases_above(const Layout* net, double* P, const double* S, double rate) noexcept nogil:
    """(U-B) B(l) += lambda delta(l) for l = 2 ... L."""
    cdef int l
    cdef Py_ssize_t j
    for l in range(2, net.L + 1):
        for j in range(net.n[l]):
            P[net.b[l] + j] = P[net.b[l] + j] + rate * S[net.d[l] + j]  # (U-B)


cdef inline void post_past(Handover* h, long number) noexcept nogil:
    """Move the post up to share ``number``, claimed in a run (a run's shares are numbered past
    its post), so that the next share offered is numbered after it."""
    if number > split_load(&h.posted):
        split_store(&h.posted, number)


cdef long helper_run(Handover* h, long number) noexcept nogil:
    """The helper's side of a train_many run (see the top of this file), from step h.start, whose
    share ``number`` it has claimed; returns the number of the last share it claimed or tried
    to. The run ends after the call's last share, or when the calling thread took a share.

    Joining: the calling thread is at step h.start, with its deltas and biases done, and
    waits for this share's reply before it changes either; the helper copies the layers
    above W(1) and the sample's state from it, then works on its copies.
    """
    cdef const Layout* net = h.net
    cdef Py_ssize_t k = h.start, s = h.s, n_in = net.n[0], n_out = net.n[1]
    cdef double* Q = h.run.Q
    cdef double* S = h.run.SH
    cdef double* S_next = h.run.SH_next
    cdef double* swap
    cdef double* lines
    cdef long spins
    cdef Py_ssize_t above = net.w[2] if net.L > 1 else h.p_size  # (no layer above W(1): nothing to copy)
    memcpy(Q + above, h.P + above, (h.p_size - above) * sizeof(double))
    memcpy(S, h.S, h.s_size * sizeof(double))
    while True:
        # this step's share: (U-W) on the right-hand panel, fused with (F1, F2) of the next sample
        update_then_forward_panel(h.W, h.P + net.b[1] + s, h.rate, h.X + k * h.xs, S + net.d[1] + s,
                                  h.X + (k + 1) * h.xs, S_next + net.y[1] + s, n_in, n_out - s)
        reply_send(lines_of(h.run.theirs, h.run.theirs_size, number), S_next + net.y[1] + s, n_out - s, number)
        stall(h, number, 7)
        if k + 2 >= h.count:  # the call's last share
            return number
        # the calling thread's part of the next sample's Y(1)
        lines = lines_of(h.run.mine, h.run.mine_size, number)
        spins = 0
        while not reply_came(lines, s, number):
            if spins < SPINS:
                split_pause()
            else:
                split_yield()
            spins += 1
        reply_take(lines, S_next + net.y[1], s)
        # the next step, but for its share, on this thread's copies: (U-W) above W(1) fused
        # with the forward pass there, (E-L) and (D, E-l or X-l), (U-B) above B(1)
        update_then_forward_above(net, Q, S, S_next, h.rate)
        swap = S
        S = S_next
        S_next = swap
        k += 1
        number += 1
        output_error(net, S, h.T + k * h.ts)
        back_errors(net, Q, S, h.exact)
        if h.bias:
            update_biases_above(net, Q, S, h.rate)
        hiccup(h, number)
        if h.shares_left == 0 or not split_claim(&h.claimed, number - 1, number):
            return number  # (tests: a helper with no shares left leaves the rest to the calling thread)
        if h.shares_left > 0:
            h.shares_left -= 1
        if h.bias:
            update_own_biases(net, h.P, S, h.rate, s, n_out)


cdef double train_rows_split(const Layout* net, double* P, Py_ssize_t p_size, double* S, double* S_next,
                             Py_ssize_t s_size, const double* X, Py_ssize_t xs, const double* T, Py_ssize_t ts,
                             Py_ssize_t count, double rate, bint exact, bint bias, Handover* h, long patience,
                             double* left, double* right, Py_ssize_t s, Run* run, long* counts,
                             double total) noexcept nogil:
    """train_rows, with W(1) in the panels left (columns [0, s)) and right, the right panel's
    share of the steps offered to the helper h in runs (see the top of this file); counts
    gets the steps the helper did, those of them the calling thread waited long for, and
    the steps before the helper's first (all of them when it took none).

    The steps are train_rows's, in its order; see that function. W(1) in P is only read
    for the first sample's forward pass, before any update, when it equals the panels.

    While the helper is not in a run, every step offers it one, from that step. When it
    has not claimed a step's share by the time this thread has done its own (at the step
    it joins at), or within TAKE_BACK spins (or ``patience``, when fewer) after that (later
    steps: it lost its core, or other work holds it), this thread takes the share back
    and the helper leaves the run. A share the helper took that this thread waited
    ``patience`` spins or more for (PATIENCE: over about half a millisecond; the operating
    system gave the helper's core to something else while it worked) counts as a long
    wait, and this thread claims the next share itself, so that the helper leaves the run.
    After either, the first time, it offers the helper a new run at the next step: one late
    claim or one long wait is as likely a moment the host took the helper's CPU for
    (a virtual machine's CPUs stop now and then for some microseconds) as a sign of busy
    cores. When the helper leaves again before it has done CALM_STEPS steps, this thread
    offers no run for a while, first FIRST_PAUSE steps and twice as many after each such
    pause, then wakes the helper (asleep by then) with the next run it offers; after
    CALM_STEPS steps done by the helper without leaving, the next leaving is a first again.
    """
    cdef Py_ssize_t k, n_in = net.n[0], n_out = net.n[1]
    cdef Py_ssize_t alone_until = 0, alone_for = 0, calm = 0, offered = 0, helped = 0, long_waits = 0, before = 0
    cdef double* swap
    cdef double* theirs
    cdef bint joined = False, offering, came, waited_long, pause, leaving = False, ever = False, wake_next = True
    cdef long number = 0, run_number = 0, spins
    cdef long take_back = patience if h.stalls else min(patience, TAKE_BACK)  # (tests: stalls are not taken back)
    forward(net, P, S, X)
    for k in range(count):
        total = total + output_error(net, S, T + k * ts)
        back_errors(net, P, S, exact)
        if bias:  # the helper's part of B(1) is its own while it is in a run, but for the last step (no share)
            update_own_biases(net, P, S, rate, 0, s if joined and k + 1 < count else n_out)
            update_biases_above(net, P, S, rate)
        if k + 1 < count:
            offering = False
            if joined:
                number += 1
            elif k >= alone_until and (not ever or split_load(&h.finished) >= run_number):
                post_past(h, number)
                h.kind, h.W, h.rate, h.net, h.P, h.S, h.p_size, h.s_size = TRAIN_SHARE, right, rate, net, P, S, p_size, s_size
                h.X, h.xs, h.T, h.ts, h.start, h.count, h.s = X, xs, T, ts, k, count, s
                h.exact, h.bias, h.run = exact, bias, run[0]
                reply_clear(run.mine, s)
                reply_clear(run.mine + run.mine_size, s)
                reply_clear(run.theirs, n_out - s)
                reply_clear(run.theirs + run.theirs_size, n_out - s)
                number = run_number = offer(h)
                ever = False
                offering = True
                offered += 1
                if wake_next:  # the first run offered, or the first after a pause:
                    wake(h)    # a sleeping helper wakes to it (and takes later ones)
                    wake_next = False
            update_then_forward_panel(left, P + net.b[1], rate, X + k * xs, S + net.d[1], X + (k + 1) * xs,
                                      S_next + net.y[1], n_in, s)
            came = pause = False
            if joined or offering:
                reply_send(lines_of(run.mine, run.mine_size, number), S_next + net.y[1], s, number)
                stall(h, number, 5)
                theirs = lines_of(run.theirs, run.theirs_size, number)
                if offering and not reply_came(theirs, n_out - s, number) and taken_here(h, number):
                    pass  # the helper has not come: this thread does the share
                else:
                    spins = 0
                    waited_long = False
                    while not reply_came(theirs, n_out - s, number):
                        if spins == take_back and not offering and taken_here(h, number):
                            break  # the helper lost its core before it claimed the share: it leaves the run
                        if spins < SPINS:
                            split_pause()
                        else:
                            split_yield()
                        spins += 1
                    else:
                        came = True
                        waited_long = spins >= patience
                    if came:
                        reply_take(theirs, S_next + net.y[1] + s, n_out - s)
                        if helped == 0:
                            before = offered - 1
                        helped += 1
                        calm += 1
                        if calm == CALM_STEPS:  # a long run since the helper last left: forget the pauses
                            alone_for = 0
                        ever = joined = True
                        if waited_long:
                            long_waits += 1
                            pause = True
                    else:
                        if bias:  # the helper's part of B(1), which it had not updated
                            update_own_biases(net, P, S, rate, s, n_out)
                        joined = False
                        pause = True
            if pause:
                alone_until = k + 1 + alone_for  # (the first time: a new run offered at the next step)
                if alone_for:
                    count_pause(h)
                alone_for = min(2 * alone_for, 1 << 20) if alone_for else FIRST_PAUSE
                calm = 0
                leaving = joined
                wake_next = True
            if leaving and taken_here(h, number + 1):  # the next share: the helper leaves the run
                number += 1
                joined = leaving = False
            if not came:
                update_then_forward_panel(right, P + net.b[1] + s, rate, X + k * xs, S + net.d[1] + s,
                                          X + (k + 1) * xs, S_next + net.y[1] + s, n_in, n_out - s)
            update_then_forward_above(net, P, S, S_next, rate)
            swap = S
            S = S_next
            S_next = swap
        else:
            add_outer_panel(left, rate, X + k * xs, S + net.d[1], n_in, s)
            add_outer_panel(right, rate, X + k * xs, S + net.d[1] + s, n_in, n_out - s)
            update_weights_above(net, P, S, rate)
    if ever:  # the helper may still be on its way out of the run: it reads X and T until then
        while split_load(&h.finished) < run_number:
            split_pause()
    post_past(h, number)
    counts[0], counts[1], counts[2] = helped, long_waits, before if helped else offered
    return total


cdef int QUERY_BALANCE = 32     # queries the helper helped with, timed, between two looks at their split
cdef double LAG_COLUMNS = 10.0  # the gap, in columns' time, that moves a query's split (balance_query)


cdef enum:
    TRIAL = 32          # queries the helper helped with, in each way, in a trial ...
    TRIAL_SKIPPED = 4   # ... the first of which are not timed ...
    TRIED = 1024        # ... at the start of every this many (see choose_handover)

cdef int query_handover = 0  # tests: 0, queries choose how to hand the input over; 1, never streamed; 2, always


ctypedef struct QuerySplit:
    Py_ssize_t at           # the columns of W(1) the calling thread takes in a query (0: not chosen yet)
    double lag              # over the queries timed since the last look: how much later the
                            # helper finished than this thread (seconds, summed) ...
    double column           # ... and this thread's time per column (summed)
    int timed               # how many queries that is
    # how the input is handed to the helper (choose_handover): in place, or streamed to a copy
    bint streams            # the handover chosen
    bint streaming          # the handover of the query under way
    double offered          # when it was offered (split_now)
    long helped             # queries the helper helped with
    double trial[2 * TRIAL] # the times of a trial's queries (choose_handover)
    long handed[2]          # queries handed over each way (in place, streamed), ever


cdef inline bint streamed_in_trial(long at) noexcept nogil:
    """Whether query ``at`` of a trial (at < 2 * TRIAL) streams: in place, streamed, in place."""
    return TRIAL // 2 <= at < 3 * TRIAL // 2


cdef bint query_streams(QuerySplit* q) noexcept nogil:
    """Whether the next query streams its input to the helper (see choose_handover)."""
    cdef long at = q.helped % TRIED
    if query_handover:
        return query_handover == 2
    if at < 2 * TRIAL:
        return streamed_in_trial(at)
    return q.streams


cdef double median_of(double* values, Py_ssize_t n) noexcept nogil:
    """The median (the higher middle value) of n values, which this sorts."""
    cdef Py_ssize_t i, j
    cdef double v
    for i in range(1, n):
        v = values[i]
        j = i
        while j > 0 and values[j - 1] > v:
            values[j] = values[j - 1]
            j -= 1
        values[j] = v
    return values[n // 2]


cdef void choose_handover(QuerySplit* q, double took) noexcept nogil:
    """Time a query the helper helped with: ``took`` seconds from its offer until both
    threads were done with their shares of W(1).

    The input reaches the helper in one of two ways. In place: the helper reads the
    calling thread's copy of it, S's Y(0). Streamed: the calling thread also streams it
    to a block the helper alone reads (Core.I, pynet_stream). In place is faster when
    the two CPUs share a cache; streamed when they are far apart, where the calling
    thread's stores into lines the helper read last time wait for a trip to its core
    and back, line by line. Which of the two it is changes while a process runs (see
    the README's Speed), so the queries try both. Of every TRIED queries the helper helps
    with, the first 2 * TRIAL are a trial: TRIAL / 2 in place, TRIAL streamed, TRIAL / 2
    in place again, so that what changes meanwhile (the caches filling in a network's
    first queries, the split moving: balance_query) weighs on both ways alike. Until the
    next trial the queries keep to the way whose median time was the shorter. After each
    change of way, TRIAL_SKIPPED queries are not counted: they pay for the way before
    (taking turns query by query, each streamed query paid for the lines that the query
    in place before it had the helper read). The median, not the sum: one query that
    lost its core would outweigh the rest.
    """
    cdef long at = q.helped % TRIED, i, n = 0
    cdef double in_place[TRIAL]
    if at < 2 * TRIAL and q.streaming == streamed_in_trial(at):  # (not so while tests force a way)
        q.trial[at] = took
    q.handed[q.streaming] += 1
    q.helped += 1
    if q.helped % TRIED == 2 * TRIAL:
        for i in range(TRIAL_SKIPPED, TRIAL // 2):
            in_place[n] = q.trial[i]
            in_place[n + 1] = q.trial[i + 3 * TRIAL // 2]
            n += 2
        q.streams = (median_of(q.trial + TRIAL // 2 + TRIAL_SKIPPED, TRIAL - TRIAL_SKIPPED)
                     < median_of(in_place, n))


cdef long offer_query(const Layout* net, const double* P, double* S, Handover* h, Py_ssize_t ready,
                      QuerySplit* q, double* streamed_input) noexcept nogil:
    """Offer the helper h the right-hand columns of W(1) (from q.at) for the query whose input
    is (being) written into S's Y(0), and into ``streamed_input`` unless that is NULL,
    ``ready`` of its values already in; the share's number for finish_query, or 0 when
    none is offered (see there).

    The helper follows the input as it comes (follow_columns): the calling thread publishes
    how many values are in (h.ready) while it reads the list, so the helper's pass over its
    columns starts with the list's first values, not after its last.
    """
    cdef Py_ssize_t n_out = net.n[1], s
    cdef double now = split_now()
    cdef long share
    if q.at == 0:
        q.at = left_columns(n_out)
    s = q.at
    if h.queries_alone > 0:
        h.queries_alone -= 1
        return 0
    h.kind, h.W, h.stride, h.B = QUERY_SHARE, <double*>P + net.w[1] + s, n_out, P + net.b[1] + s
    h.y = streamed_input if streamed_input != NULL else S + net.y[0]
    h.o, h.n_in, h.n_out = S + net.y[1] + s, net.n[0], n_out - s
    q.streaming, q.offered = streamed_input != NULL, now
    split_store(&h.ready, ready)
    share = offer(h)
    if now - h.last_query < BURST:  # queries in a burst: the helper should be up
        wake(h)
    h.last_query = now
    return share


cdef void balance_query(QuerySplit* q, double lag, double took, Py_ssize_t n_out) noexcept nogil:
    """Time a query that the helper helped with: it finished ``lag`` seconds after this thread
    (negative: before), whose columns took ``took``. Every QUERY_BALANCE such queries, when
    one thread finished later by over LAG_COLUMNS of this thread's columns on average, one
    cache line of columns (ALIGN) moves to the other thread.

    Why the split moves: the helper starts on its columns while this thread still reads the
    input list, and on a shared machine one core is often slower than the other for a
    while; a fixed split waits for whichever is late. Moving eight columns shortens the
    gap by about sixteen columns' time, so a gap of over ten leaves one of six at most, and
    the split does not swing back. It costs nothing to move: a query reads W(1) in place.

    A lag longer than this thread's whole share, or than 2 * LAG_COLUMNS of its columns
    when the share is narrower, counts as that long (a thread that lost its core for a
    moment). Bounded by the share alone, a share under LAG_COLUMNS columns could never
    grow back: its lag was cut to less than the gap that moves the split.
    """
    cdef double column = took / q.at
    cdef double bound = max(took, 2 * LAG_COLUMNS * column)
    q.lag += min(max(lag, -bound), bound)
    q.column += column
    q.timed += 1
    if q.timed == QUERY_BALANCE:
        if q.lag > LAG_COLUMNS * q.column and q.at + ALIGN < n_out:
            q.at += ALIGN
        elif q.lag < -LAG_COLUMNS * q.column and q.at > ALIGN:
            q.at -= ALIGN
        q.lag, q.column, q.timed = 0.0, 0.0, 0


def _set_query_handover(int handover):
    """For tests: 0, queries choose how to hand their input to the helper (choose_handover);
    1, always in place; 2, always streamed."""
    global query_handover
    query_handover = handover


def _balanced_split(Py_ssize_t at, Py_ssize_t n_out, timings):
    """For tests: where balance_query leaves a query's split of ``n_out`` columns, from ``at``
    columns on the calling thread, after the queries ``timings`` (pairs: the helper's lag
    and this thread's time, in seconds)."""
    cdef QuerySplit q
    q.at, q.lag, q.column, q.timed = at, 0.0, 0.0, 0
    for lag, took in timings:
        balance_query(&q, lag, took, n_out)
    return q.at


cdef void withdraw_query(Handover* h, long share) noexcept nogil:
    """The input could not be read: the share is done by no one, or by the helper on what is
    there (and thrown away); either way it is over when this returns."""
    split_store(&h.ready, h.n_in)
    if not taken_here(h, share):
        wait_for_helper(h, share, PATIENCE)


cdef int finish_query(const Layout* net, const double* P, double* S, Handover* h, long share,
                      long patience, QuerySplit* q) noexcept nogil:
    """forward, once the input is all in S's Y(0), with the right-hand columns of W(1) offered
    as ``share`` (offer_query). Returns 1 when the helper did them, 0 when this thread did,
    -1 when none was offered.

    Each output of Y(1) is computed by one thread, with the sums of forward_columns, so its
    bits are forward_layer's; the layers above run on this thread once both shares are
    done. When a query has waited ``patience`` spins or more for the helper (PATIENCE:
    over about half a millisecond; it lost its core while it worked), the next 256
    queries offer it nothing, then 512 after the next such wait, and so on. Otherwise the
    query is timed for balance_query.
    """
    cdef Py_ssize_t n_in = net.n[0], n_out = net.n[1], s = q.at
    cdef int done = 0
    cdef int l
    cdef double began, ended
    if share == 0:
        forward(net, P, S, S + net.y[0])
        return -1
    split_store(&h.ready, n_in)
    began = split_now()
    forward_columns(P + net.w[1], n_out, P + net.b[1], S + net.y[0], S + net.y[1], n_in, s)
    ended = split_now()
    if taken_here(h, share):
        follow_columns(h, h.o)
    else:
        done = 1
        if wait_for_helper(h, share, patience):
            h.alone_next = min(max(256, 2 * h.alone_next), 1 << 20)
            h.queries_alone = h.alone_next
            count_pause(h)
        else:
            h.alone_next = 0
            balance_query(q, h.ended - ended, ended - began, n_out)
            choose_handover(q, max(ended, h.ended) - q.offered)  # (no clock read of its own)
        prefetch_lines(S + net.y[1] + s, n_out - s)  # the helper's outputs, for the layer above
    for l in range(2, net.L + 1):
        forward_layer(P + net.w[l], P + net.b[l], S + net.y[l - 1], S + net.y[l], net.n[l - 1], net.n[l])
    return done


# ---------------------------------------------------------------------------------
# A train call's fused pass, with W(1) in panels
# ---------------------------------------------------------------------------------

cdef void step_columns(const Layout* net, double* P, const double* S, double* S_next, double* left,
                       double* right, Py_ssize_t s, double rate, Handover* h) noexcept nogil:
    """update_then_forward with W(1) held in panels (left: its columns [0, s); right: the
    rest): the last sample's update (U-W, in S, at ``rate``) fused with the forward pass of
    the sample in S_next. The right panel is offered to the helper h (unless h is NULL);
    this thread does the left one, then the right one too if the helper has not claimed it,
    then the layers above. Each column is computed by one thread, by the operations of
    update_then_forward_layer: the bits of the pass on W(1) whole."""
    cdef Py_ssize_t n_in = net.n[0], n_out = net.n[1]
    cdef const double* x = S + net.y[0]
    cdef const double* x_next = S_next + net.y[0]
    cdef long share = 0
    cdef double now
    if h != NULL:
        h.kind, h.W, h.B, h.rate, h.y = STEP_SHARE, right, P + net.b[1] + s, rate, x
        h.delta, h.next_input, h.o = S + net.d[1] + s, x_next, S_next + net.y[1] + s
        h.n_in, h.n_out = n_in, n_out - s
        share = offer(h)
        now = split_now()
        if now - h.last_step < TRAIN_BURST:  # train calls in a burst: the helper should be up
            wake(h)
        h.last_step = now
    update_then_forward_panel(left, P + net.b[1], rate, x, S + net.d[1], x_next, S_next + net.y[1], n_in, s)
    if share == 0 or taken_here(h, share):
        update_then_forward_panel(right, P + net.b[1] + s, rate, x, S + net.d[1] + s, x_next,
                                  S_next + net.y[1] + s, n_in, n_out - s)
    else:
        if wait_for_helper(h, share, PATIENCE):
            count_pause(h)
        prefetch_lines(S_next + net.y[1] + s, n_out - s)  # the helper's outputs, for the layer above
    update_then_forward_above(net, P, S, S_next, rate)


cdef long panel_after = PANEL_AFTER  # train calls in a row from which W(1) is held in panels


def _set_panel_after(long calls):
    """For tests: the train calls in a row from which W(1) is held in panels (PANEL_AFTER when
    below 1)."""
    global panel_after
    panel_after = calls if calls >= 1 else PANEL_AFTER
