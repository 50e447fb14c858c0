# The training step of pynet_fast's kernels: errors and deltas (E-L, L1, D, E-l, X-l), the
# step down the gradient (U-W, U-B), and train_many's pass that fuses each sample's update
# with the next sample's forward sums. The rules of _forward.pxi hold here: pynet's
# operations, in pynet's order, and a comment wherever the loops walk otherwise.
#
# Included by _core.pxi, after _forward.pxi.

cdef extern from *:
    # How many rows of W(l) train_many's fused pass takes per trip: a constant of each
    # build, so the compiler drops the other branch. Eight rows to a trip hold sixteen
    # factors in registers and load and store o half as often: faster with the 32
    # vector registers of AVX-512, slower than four with the 16 of SSE2 and AVX2
    # (measured on Zen 4). Either way the same operations in the same order.
    """
    #if defined(__AVX512F__)
    #define PYNET_FUSED_ROWS 8
    #else
    #define PYNET_FUSED_ROWS 4
    #endif
    """
    int FUSED_ROWS "PYNET_FUSED_ROWS"


# ---------------------------------------------------------------------------------
# (E-L, L1, D, E-l, X-l) errors and deltas, every layer, before any weight moves
# ---------------------------------------------------------------------------------

cdef void times(const double* W, const double* v, double* out, Py_ssize_t n_rows, Py_ssize_t n_cols) noexcept nogil:
    """out = W . v: one dot product per row, from 0.0, left to right (pynet.matrix.times)."""
    cdef Py_ssize_t i, j
    cdef double total
    cdef const double* row
    for i in range(n_rows):
        row = W + i * n_cols
        total = 0.0
        for j in range(n_cols):
            total = total + row[j] * v[j]
        out[i] = total


cdef double output_error(const Layout* net, double* S, const double* t) noexcept nogil:
    """(E-L) E(L) = T - Y(L); returns the loss (L1) 0.5 * sum of E(L)^2, summed left to right."""
    cdef Py_ssize_t j
    cdef double total = 0.0, e
    cdef int L = net.L
    for j in range(net.n[L]):
        e = t[j] - S[net.y[L] + j]  # (E-L)
        S[net.e[L] + j] = e
        total = total + e * e
    return 0.5 * total  # (L1)


cdef void back_errors(const Layout* net, const double* P, double* S, bint exact) noexcept nogil:
    """(D) delta(l) and (E-l) or (X-l) E(l-1), from l = L down to 1, with the weights before this step."""
    cdef int l
    cdef Py_ssize_t j
    cdef double y
    for l in range(net.L, 0, -1):
        for j in range(net.n[l]):
            y = S[net.y[l] + j]
            S[net.d[l] + j] = S[net.e[l] + j] * y * (1.0 - y)  # (D) E(l) * Y(l) * (1 - Y(l))
        if l > 1:
            if exact:
                times(P + net.w[l], S + net.d[l], S + net.e[l - 1], net.n[l - 1], net.n[l])  # (X-l) W(l) . delta(l)
            else:
                times(P + net.w[l], S + net.e[l], S + net.e[l - 1], net.n[l - 1], net.n[l])  # (E-l) W(l) . E(l)


# ---------------------------------------------------------------------------------
# (U-W, U-B) the step down the gradient
# ---------------------------------------------------------------------------------

cdef void add_outer(double* W, double rate, const double* y, const double* d,
                    Py_ssize_t n_in, Py_ssize_t n_out) noexcept nogil:
    """(U-W) W[i][j] += (rate * y[i]) * d[j], as pynet.matrix.add_outer; four rows per trip along d."""
    cdef Py_ssize_t i = 0
    while i + 4 <= n_in:
        update_rows_4(W + i * n_out, n_out, rate * y[i], rate * y[i + 1], rate * y[i + 2], rate * y[i + 3], d, n_out)
        i += 4
    while i < n_in:
        update_row(W + i * n_out, rate * y[i], d, n_out)
        i += 1


cdef inline void update_rows_4(double* W, Py_ssize_t stride, double c0, double c1, double c2, double c3,
                               in_ptr d, Py_ssize_t n) noexcept nogil:
    """(U-W) rows r = 0..3 of W (at W + r * stride) += c_r * d."""
    cdef Py_ssize_t j
    cdef out_ptr w0 = W
    cdef out_ptr w1 = W + stride
    cdef out_ptr w2 = W + 2 * stride
    cdef out_ptr w3 = W + 3 * stride
    cdef double dj
    for j in range(n):
        dj = d[j]
        w0[j] = w0[j] + c0 * dj
        w1[j] = w1[j] + c1 * dj
        w2[j] = w2[j] + c2 * dj
        w3[j] = w3[j] + c3 * dj


cdef inline void update_row(out_ptr w, double c, in_ptr d, Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t j
    for j in range(n):
        w[j] = w[j] + c * d[j]  # (U-W) with c = rate * y[i]


cdef void update_weights(const Layout* net, double* P, const double* S, const double* x, double rate) noexcept nogil:
    """(U-W) for every layer: W(l) += lambda Y(l-1) delta(l)^T, with Y(0) = x."""
    add_outer(P + net.w[1], rate, x, S + net.d[1], net.n[0], net.n[1])
    update_weights_above(net, P, S, rate)


cdef void update_weights_above(const Layout* net, double* P, const double* S, double rate) noexcept nogil:
    """(U-W) for the layers l = 2 ... L."""
    cdef int l
    for l in range(2, net.L + 1):
        add_outer(P + net.w[l], rate, S + net.y[l - 1], S + net.d[l], net.n[l - 1], net.n[l])


cdef void update_biases(const Layout* net, double* P, const double* S, double rate) noexcept nogil:
    """(U-B) B(l) += lambda delta(l), every layer."""
    cdef int l
    cdef Py_ssize_t j
    for l in range(1, net.L + 1):
        for j in range(net.n[l]):
            P[net.b[l] + j] = P[net.b[l] + j] + rate * S[net.d[l] + j]  # (U-B)


cdef inline void update_then_add_4(out_ptr o, out_ptr w0, out_ptr w1, out_ptr w2, out_ptr w3,
                                   const double* c, const double* a, in_ptr d, Py_ssize_t n) noexcept nogil:
    """(U-W) w_r[j] += c[r] * d[j] for four rows, then (F1) o[j] += a[r] * w_r[j] with each new weight, r = 0..3."""
    cdef Py_ssize_t j
    cdef double c0 = c[0], c1 = c[1], c2 = c[2], c3 = c[3]
    cdef double a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3]
    cdef double p, q, u, v, dj
    for j in range(n):
        dj = d[j]
        p = w0[j] + c0 * dj  # (U-W)
        q = w1[j] + c1 * dj
        u = w2[j] + c2 * dj
        v = w3[j] + c3 * dj
        w0[j] = p
        w1[j] = q
        w2[j] = u
        w3[j] = v
        o[j] = o[j] + a0 * p + a1 * q + a2 * u + a3 * v  # (F1), in row order


cdef inline void update_then_add_8(out_ptr o, out_ptr w0, out_ptr w1, out_ptr w2, out_ptr w3,
                                   out_ptr w4, out_ptr w5, out_ptr w6, out_ptr w7,
                                   const double* c, const double* a, in_ptr d, Py_ssize_t n) noexcept nogil:
    """update_then_add_4 for eight rows: (U-W) w_r[j] += c[r] * d[j], then (F1) o[j] += a[r] * w_r[j], r = 0..7.

    Each row has a pointer of its own (no two overlap), so that the compiler keeps the
    eight new weights of column j in registers between their store and their use.
    """
    cdef Py_ssize_t j
    cdef double c0 = c[0], c1 = c[1], c2 = c[2], c3 = c[3], c4 = c[4], c5 = c[5], c6 = c[6], c7 = c[7]
    cdef double a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3], a4 = a[4], a5 = a[5], a6 = a[6], a7 = a[7]
    cdef double p0, p1, p2, p3, p4, p5, p6, p7, dj
    for j in range(n):
        dj = d[j]
        p0 = w0[j] + c0 * dj  # (U-W)
        p1 = w1[j] + c1 * dj
        p2 = w2[j] + c2 * dj
        p3 = w3[j] + c3 * dj
        p4 = w4[j] + c4 * dj
        p5 = w5[j] + c5 * dj
        p6 = w6[j] + c6 * dj
        p7 = w7[j] + c7 * dj
        w0[j] = p0
        w1[j] = p1
        w2[j] = p2
        w3[j] = p3
        w4[j] = p4
        w5[j] = p5
        w6[j] = p6
        w7[j] = p7
        o[j] = (o[j] + a0 * p0 + a1 * p1 + a2 * p2 + a3 * p3
                + a4 * p4 + a5 * p5 + a6 * p6 + a7 * p7)  # (F1), in row order


cdef void update_then_forward_layer(double* W, const double* B, double rate, const double* y, const double* d,
                                    const double* x, double* o, Py_ssize_t n_in, Py_ssize_t n_out) noexcept nogil:
    """(U-W) W += rate y d^T for this sample, fused with (F1, F2) o = sigmoid(W^T x + B) for the next.

    The equations run one after the other: every weight is updated (U-W) before the
    next sample's forward pass reads it. Here they share one pass down W: rows i to
    i + FUSED_ROWS - 1 (eight or four, by build) are updated, and at once added into the
    next sample's sums, from registers; then four rows per trip, then one, for the rows
    left. Each weight is computed exactly as add_outer computes it ((rate * y[i]) *
    d[j], added to the old weight), each Z[j] gains its terms in the order i = 0, 1, ...
    as in forward_layer, however many rows a trip takes, and B is already updated (U-B
    comes first: it reads only delta), so the bits are those of the two passes; W is
    read and written once per step instead of read twice and written once.
    """
    cdef Py_ssize_t i = 0, j
    cdef double c[8]
    cdef double* w
    for j in range(n_out):
        o[j] = B[j]
    if FUSED_ROWS == 8:
        while i + 8 <= n_in:
            for j in range(8):
                c[j] = rate * y[i + j]
            w = W + i * n_out
            update_then_add_8(o, w, w + n_out, w + 2 * n_out, w + 3 * n_out,
                              w + 4 * n_out, w + 5 * n_out, w + 6 * n_out, w + 7 * n_out, c, x + i, d, n_out)
            i += 8
    while i + 4 <= n_in:
        for j in range(4):
            c[j] = rate * y[i + j]
        update_then_add_4(o, W + i * n_out, W + (i + 1) * n_out, W + (i + 2) * n_out, W + (i + 3) * n_out,
                          c, x + i, d, n_out)
        i += 4
    while i < n_in:  # the last rows, one at a time
        update_row(W + i * n_out, rate * y[i], d, n_out)
        add_rows_1x4_tail(o, W + i * n_out, x[i], n_out)
        i += 1
    activate(o, n_out)


cdef void update_then_forward(const Layout* net, double* P, const double* S, const double* x,
                              double* S_next, const double* x_next, double rate) noexcept nogil:
    """(U-W) for every layer of this sample (S, input x), fused with (F1, F2) of the next (S_next, x_next).

    Layer l's fused pass needs the next sample's Y(l-1), which layer l-1's pass has
    just made; the update of W(l) needs this sample's Y(l-1) and delta(l), kept in S.
    """
    update_then_forward_layer(P + net.w[1], P + net.b[1], rate, x, S + net.d[1], x_next, S_next + net.y[1],
                              net.n[0], net.n[1])
    update_then_forward_above(net, P, S, S_next, rate)


cdef void update_then_forward_above(const Layout* net, double* P, const double* S, double* S_next,
                                    double rate) noexcept nogil:
    """update_then_forward for the layers l = 2 ... L, once the next sample's Y(1) is made."""
    cdef int l
    for l in range(2, net.L + 1):
        update_then_forward_layer(P + net.w[l], P + net.b[l], rate, S + net.y[l - 1], S + net.d[l],
                                  S_next + net.y[l - 1], S_next + net.y[l], net.n[l - 1], net.n[l])


# ---------------------------------------------------------------------------------
# Training: many samples (Core.train runs one step of the same parts)
# ---------------------------------------------------------------------------------

cdef double train_rows(const Layout* net, double* P, double* S, double* S_next, const double* X, Py_ssize_t xs,
                       const double* T, Py_ssize_t ts, Py_ssize_t count, double rate, bint exact,
                       bint bias) noexcept nogil:
    """A training step on each of ``count`` row pairs in order (row k at X + k * xs, T + k * ts).

    One step is (F1, F2) forward, (E-L, L1) output_error, (D, E-l or X-l) back_errors,
    (U-B) update_biases when there are biases, and (U-W) the update of the weights.

    Returns the sum of the losses, left to right. Sample k's update (U-W) runs fused
    with sample k+1's forward pass (update_then_forward), so S and S_next take turns
    holding the current sample; the last sample's update runs alone.
    """
    cdef Py_ssize_t k
    cdef double total = 0.0
    cdef double* swap
    forward(net, P, S, X)
    for k in range(count):
        total = total + output_error(net, S, T + k * ts)
        back_errors(net, P, S, exact)
        if bias:  # before the fused pass, which starts the next sums from B(l)
            update_biases(net, P, S, rate)
        if k + 1 < count:
            update_then_forward(net, P, S, X + k * xs, S_next, X + (k + 1) * xs, rate)
            swap = S
            S = S_next
            S_next = swap
        else:
            update_weights(net, P, S, X + k * xs, rate)
    return total
