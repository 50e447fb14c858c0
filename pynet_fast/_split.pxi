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

cdef Py_ssize_t BALANCE = 64  # steps the helper did, timed, between two looks at the split point
cdef double OUTLIER = 8.0     # a step where one share took this many times the other is not timed
cdef double MOVE = 0.9        # the split moves only if the slower share would then take this at most


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
                             bint exact, bint bias, Handover* h, long patience, double* left,
                             Py_ssize_t* split, long* counts) noexcept nogil:
    """train_rows, with W(1) in panels from ``left`` (to_panels, split at ``split[0]``) and the
    right panel's share of each fused pass offered to the helper h; counts gets the steps the
    helper did, and those of them the calling thread waited long for; split[0] the split
    point at the end (balanced_split).

    The steps are train_rows's, in its order; see that function. W(1) in P is only read
    for the first sample's forward pass, before any update, when it equals the panels.
    After its own share of a step, this thread takes the right-hand share too if the
    helper has not taken it. When it has had to wait ``patience`` spins or more for the
    helper (PATIENCE: over about half a millisecond, the operating system gave the
    helper's core to something else while it worked), it offers no step for a while,
    first 256 steps and twice as many after each such wait, then wakes the helper (asleep
    by then) with the next step it offers.

    Every BALANCE steps the helper did, the two threads' times for their shares move the
    split point to where they would take the same time (balanced_split), when that is
    worth moving the panels: between two steps, when neither thread is in them.
    """
    cdef Py_ssize_t k, n_in = net.n[0], n_out = net.n[1], s = split[0], moved
    cdef double* right = left + aligned_at(n_in * s)
    cdef double total = 0.0, began, mine = 0.0, mine_now = 0.0, theirs = 0.0
    cdef double* swap
    cdef Py_ssize_t alone_until = 0, alone_for = 256, offered = 0, helped = 0, long_waits = 0, timed = 0
    cdef long share = 0
    cdef bint rouse = True
    forward(net, P, S, X)
    h.kind, h.W, h.B, h.rate, h.n_in, h.n_out = TRAIN_SHARE, right, P + net.b[1] + s, rate, n_in, n_out - s
    for k in range(count):
        total = total + output_error(net, S, T + k * ts)
        back_errors(net, P, S, exact)
        if bias:
            update_biases(net, P, S, rate)
        if k + 1 < count:
            h.y, h.d, h.x, h.o = X + k * xs, S + net.d[1] + s, X + (k + 1) * xs, S_next + net.y[1] + s
            if k >= alone_until:
                share = offer(h)
                offered += 1
                if rouse:  # the first step offered, or the first after a pause: a sleeping
                    wake(h)  # helper wakes to it (and takes later ones)
                    rouse = False
            began = split_ticks()
            update_then_forward_layer(left, P + net.b[1], rate, X + k * xs, S + net.d[1], X + (k + 1) * xs,
                                      S_next + net.y[1], n_in, s)
            mine_now = split_ticks() - began
            if k < alone_until or taken_here(h, share):
                do_share(h)
            else:
                helped += 1
                if wait_for_helper(h, share, patience):
                    long_waits += 1
                    alone_until = k + alone_for
                    alone_for = min(2 * alone_for, 1 << 20)
                    rouse = True
                elif h.took < OUTLIER * mine_now and mine_now < OUTLIER * h.took:
                    mine, theirs, timed = mine + mine_now, theirs + h.took, timed + 1
                    if timed == BALANCE:  # both threads are out of the panels: they may move
                        h.slower = (theirs / (n_out - s)) / (mine / s)
                        moved = balanced_split(n_out, h.slower)
                        if split_time(moved, n_out, h.slower) < MOVE * split_time(s, n_out, h.slower):
                            from_panels(P + net.w[1], left, right, n_in, n_out, s)
                            s = moved
                            right = left + aligned_at(n_in * s)
                            to_panels(P + net.w[1], left, right, n_in, n_out, s)
                            h.W, h.B, h.n_out = right, P + net.b[1] + s, n_out - s
                            rouse = True  # (the helper may have gone to sleep meanwhile)
                        mine, theirs, timed = 0.0, 0.0, 0
            if offered == TRIAL and 2 * helped < offered and alone_until < count:
                # the helper took fewer than half of the first steps offered: other work
                # holds the cores, and the helper only competes with it; let it go
                alone_until = count
            update_then_forward_above(net, P, S, S_next, rate)
            swap = S
            S = S_next
            S_next = swap
        else:
            add_outer(left, rate, X + k * xs, S + net.d[1], n_in, s)
            add_outer(right, rate, X + k * xs, S + net.d[1] + s, n_in, n_out - s)
            update_weights_above(net, P, S, rate)
    counts[0], counts[1] = helped, long_waits
    split[0] = s
    return total


cdef Py_ssize_t balanced_split(Py_ssize_t n_out, double slower) noexcept nogil:
    """Where to split W(1)'s n_out columns between this thread (columns [0, s)) and the helper
    (the rest), whose time per column is ``slower`` times this thread's: the split, in
    whole cache lines and leaving the helper a column at least, at which the slower share
    takes least time (split_time).

    The helper's core is sometimes slower than this thread's (another program, or another
    machine's, runs beside it), sometimes not; a fixed split waits for the slower one.
    """
    cdef Py_ssize_t best = ALIGN, t = ALIGN
    while t < n_out:
        if split_time(t, n_out, slower) < split_time(best, n_out, slower):
            best = t
        t += ALIGN
    return best


cdef inline double split_time(Py_ssize_t s, Py_ssize_t n_out, double slower) noexcept nogil:
    """The time of a step's split pass, in this thread's time for one column."""
    return max(<double>s, (n_out - s) * slower)


cdef inline Py_ssize_t aligned_at(Py_ssize_t offset) noexcept nogil:
    return (offset + ALIGN - 1) // ALIGN * ALIGN


cdef long offer_query(const Layout* net, const double* P, double* S, Handover* h, Py_ssize_t ready) noexcept nogil:
    """Offer the helper h the right-hand columns of W(1) for the query whose input is (being)
    written into S's Y(0), ``ready`` of its values already in; the share's number for
    finish_query, or 0 when none is offered (see there).

    The helper follows the input as it comes (follow_columns): the calling thread publishes
    how many values are in (h.ready) while it reads the list, so the helper's pass over its
    columns starts with the list's first values, not after its last.
    """
    cdef Py_ssize_t n_out = net.n[1], s = left_columns(net.n[1])
    cdef double now = split_now()
    cdef long share
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


cdef void withdraw_query(Handover* h, long share) noexcept nogil:
    """The input could not be read: the share is done by no one, or by the helper on what is
    there (and thrown away); either way it is over when this returns."""
    split_store(&h.ready, h.n_in)
    if not taken_here(h, share):
        wait_for_helper(h, share, PATIENCE)


cdef int finish_query(const Layout* net, const double* P, double* S, Handover* h, long share,
                      long patience) noexcept nogil:
    """forward, once the input is all in S's Y(0), with the right-hand columns of W(1) offered
    as ``share`` (offer_query). Returns 1 when the helper did them, 0 when this thread did,
    -1 when none was offered.

    Each output of Y(1) is computed by one thread, with the sums of forward_columns, so its
    bits are forward_layer's; the layers above run on this thread once both shares are
    done. When a query has waited ``patience`` spins or more for the helper (PATIENCE:
    over about half a millisecond; it lost its core while it worked), the next 256
    queries offer it nothing, then 512 after the next such wait, and so on.
    """
    cdef Py_ssize_t n_in = net.n[0], n_out = net.n[1], s = left_columns(net.n[1])
    cdef int done = 0
    cdef int l
    if share == 0:
        forward(net, P, S, S + net.y[0])
        return -1
    split_store(&h.ready, n_in)
    forward_columns(P + net.w[1], n_out, P + net.b[1], S + net.y[0], S + net.y[1], n_in, s)
    if taken_here(h, share):
        do_share(h)
    else:
        done = 1
        if wait_for_helper(h, share, patience):
            h.alone_next = min(max(256, 2 * h.alone_next), 1 << 20)
            h.queries_alone = h.alone_next
        else:
            h.alone_next = 0
    for l in range(2, net.L + 1):
        forward_layer(P + net.w[l], P + net.b[l], S + net.y[l - 1], S + net.y[l], net.n[l - 1], net.n[l])
    return done
