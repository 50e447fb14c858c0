# train_many and query on two threads: the pass over W(1) (for train_many the fused one,
# update_then_forward_layer: U-W with F1 and F2 of the next sample; for a query F1 and F2)
# split by columns between the calling thread and the helper thread (_helper.pxi), each
# on its own core. Everything else (the errors and deltas, U-B, the layers above) runs on
# the calling thread.
#
# Why the bits stay: column j of W(1) and output j of Y(1) are computed by exactly one
# thread, by the operations of update_then_forward_layer in its order (every Z[j] still
# gains its terms for i = 0, 1, ...); the columns never meet. The split changes who
# computes a number, never how.
#
# The calling thread offers the right-hand share, does the left-hand share, then takes the
# right-hand share as well unless the helper has already started it (_helper.pxi). When
# train_many has had to wait long for the helper (it lost its core in the middle of a
# step), it keeps the next steps to itself, more of them each time.
#
# Why train_many works on a copy of W(1): the two threads would otherwise write to the
# same rows of W(1) at once, and the cores' prefetchers pull each other's half of every
# row back and forth (measured: five times slower than one thread). So for the length of
# one call W(1) is copied into two panels, columns [0, s) and [s, n(1)), each contiguous
# and on a cache line of its own; the result is copied back at the end. Y(1), the only
# other thing both threads write, is split at s, a multiple of eight doubles from a
# 64-byte boundary.
#
# A query only reads W(1): each thread reads its columns of the rows in place. The helper
# starts on its columns while the calling thread is still reading the input list, row by
# row as the values come in (follow_columns).
#
# Included by _core.pxi, after _helper.pxi.

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


cdef Py_ssize_t left_columns(Py_ssize_t n_out) noexcept nogil:
    """How many of W(1)'s columns the calling thread takes: half or a little more, in whole
    cache lines (the helper's share starts at a column that is no multiple of eight, and its
    rows run a little slower)."""
    return ((n_out + 1) // 2 + ALIGN - 1) // ALIGN * ALIGN


cdef double train_rows_split(const Layout* net, double* P, double* S, double* S_next, const double* X,
                             Py_ssize_t xs, const double* T, Py_ssize_t ts, Py_ssize_t count, double rate,
                             bint exact, bint bias, Handover* h, long patience, double* left, double* right,
                             Py_ssize_t s, double* own, double* reply, long* counts, double total) noexcept nogil:
    """train_rows, with W(1) in the panels left (columns [0, s)) and right, and the right
    panel's share of each fused pass offered to the helper h (which computes its outputs
    in own and sends them back in reply: reply_lines); counts gets the steps the
    helper did, those of them the calling thread waited long for, and the steps before
    the helper's first (all of them when it took none).

    The steps are train_rows's, in its order; see that function. W(1) in P is only read
    for the first sample's forward pass, before any update, when it equals the panels.
    After its own share of a step, this thread takes the right-hand share too if the
    helper has not taken it. When it has had to wait ``patience`` spins or more for the
    helper (PATIENCE: over about half a millisecond, the operating system gave the
    helper's core to something else while it worked), it offers no step for a while,
    first 256 steps and twice as many after each such wait, then wakes the helper (asleep
    by then) with the next step it offers.

    From the first step the helper takes on, each run of TRIAL steps offered is a trial:
    when the helper took fewer than half of them, other work holds its core, and this
    thread pauses the same way. Before that first step nothing is judged: a virtual
    machine can take milliseconds to run a thread woken after a while asleep, and until
    the helper comes each step offered costs this thread only two counters.
    """
    cdef Py_ssize_t k, n_in = net.n[0], n_out = net.n[1]
    cdef double* swap
    cdef Py_ssize_t alone_until = 0, alone_for = 256, offered = 0, helped = 0, long_waits = 0
    cdef Py_ssize_t before = 0  # the steps offered before the helper's first
    cdef Py_ssize_t tried = 0, took = 0  # this trial's steps offered, and those the helper took
    cdef bint pause
    cdef long share = 0
    forward(net, P, S, X)
    h.kind, h.W, h.B, h.rate, h.n_in, h.n_out = TRAIN_SHARE, right, P + net.b[1] + s, rate, n_in, n_out - s
    h.own, h.reply = own, reply
    for k in range(count):
        total = total + output_error(net, S, T + k * ts)
        back_errors(net, P, S, exact)
        if bias:
            update_biases(net, P, S, rate)
        if k + 1 < count:
            h.y, h.d, h.x, h.o = X + k * xs, S + net.d[1] + s, X + (k + 1) * xs, S_next + net.y[1] + s
            if k >= alone_until:
                reply_clear(h.reply, h.n_out)
                share = offer(h)
                offered += 1
                if k == alone_until:  # the first step offered, or the first after a pause:
                    wake(h)           # a sleeping helper wakes to it (and takes later ones)
            update_then_forward_layer(left, P + net.b[1], rate, X + k * xs, S + net.d[1], X + (k + 1) * xs,
                                      S_next + net.y[1], n_in, s)
            pause = False
            if k < alone_until or (not replied(h, share) and taken_here(h, share)):
                do_share(h, h.o)
            else:
                if helped == 0:
                    before = offered - 1
                helped += 1
                took += 1
                if collect(h, share, patience, h.o):
                    long_waits += 1
                    pause = True
            if k >= alone_until and helped:  # a step offered once the helper had come
                tried += 1
                if tried == TRIAL:  # a trial: taking fewer than half, it only competes with other work
                    pause = pause or 2 * took < TRIAL
                    tried = took = 0
            if pause:
                alone_until = k + alone_for
                alone_for = min(2 * alone_for, 1 << 20)
                tried = took = 0
                count_pause(h)
            update_then_forward_above(net, P, S, S_next, rate)
            swap = S
            S = S_next
            S_next = swap
        else:
            add_outer(left, rate, X + k * xs, S + net.d[1], n_in, s)
            add_outer(right, rate, X + k * xs, S + net.d[1] + s, n_in, n_out - s)
            update_weights_above(net, P, S, rate)
    counts[0], counts[1], counts[2] = helped, long_waits, before if helped else offered
    return total


cdef int QUERY_BALANCE = 32     # queries the helper helped with, timed, between two looks at their split
cdef double LAG_COLUMNS = 10.0  # the gap, in columns' time, that moves a query's split (balance_query)


ctypedef struct QuerySplit:
    Py_ssize_t at           # the columns of W(1) the calling thread takes in a query (0: not chosen yet)
    double lag              # over the queries timed since the last look: how much later the
                            # helper finished than this thread (seconds, summed) ...
    double column           # ... and this thread's time per column (summed)
    int timed               # how many queries that is


cdef long offer_query(const Layout* net, const double* P, double* S, Handover* h, Py_ssize_t ready,
                      QuerySplit* q) noexcept nogil:
    """Offer the helper h the right-hand columns of W(1) (from q.at) for the query whose input
    is (being) written into S's Y(0), ``ready`` of its values already in; the share's number
    for finish_query, or 0 when none is offered (see there).

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
    h.y, h.o, h.n_in, h.n_out = S + net.y[0], S + net.y[1] + s, net.n[0], n_out - s
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
    A lag longer than this thread's whole share (a thread that lost its core for a moment)
    counts as that long.
    """
    q.lag += min(max(lag, -took), took)
    q.column += took / q.at
    q.timed += 1
    if q.timed == QUERY_BALANCE:
        if q.lag > LAG_COLUMNS * q.column and q.at + ALIGN < n_out:
            q.at += ALIGN
        elif q.lag < -LAG_COLUMNS * q.column and q.at > ALIGN:
            q.at -= ALIGN
        q.lag, q.column, q.timed = 0.0, 0.0, 0


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
        do_share(h, h.o)
    else:
        done = 1
        if wait_for_helper(h, share, patience):
            h.alone_next = min(max(256, 2 * h.alone_next), 1 << 20)
            h.queries_alone = h.alone_next
            count_pause(h)
        else:
            h.alone_next = 0
            balance_query(q, h.ended - ended, ended - began, n_out)
        prefetch_lines(S + net.y[1] + s, n_out - s)  # the helper's outputs, for the layer above
    for l in range(2, net.L + 1):
        forward_layer(P + net.w[l], P + net.b[l], S + net.y[l - 1], S + net.y[l], net.n[l - 1], net.n[l])
    return done
