# The forward pass of pynet_fast's kernels (F1, F2), the batched queries and the back query
# (Q1-Q4): functions without the GIL over contiguous float64 blocks, one per group of
# equations of docs/maths.md, named by their labels. Each repeats the arithmetic of
# pynet/matrix.py and pynet/network.py operation for operation: the same multiplications
# and additions, each rounded once, in the same order for every sum, so that every result
# has pynet's bits. Where a loop walks in another order than the equation reads, a comment
# says why the bits stay.
#
# Included by _core.pxi, after the Layout and the pointer types; _train.pxi builds on it.

cdef inline double sigmoid(double x) noexcept nogil:
    # (F2), branching exactly as pynet.matrix.sigmoid; libc exp is the function
    # CPython's math.exp calls.
    cdef double e
    if x >= 0.0:
        return 1.0 / (1.0 + exp(-x))
    e = exp(x)
    return e / (1.0 + e)


cdef inline double logit(double y) noexcept nogil:
    # (Q1) ln(y / (1 - y)), as pynet.matrix.logit (math.log calls libc log).
    return log(y / (1.0 - y))


cdef inline void activate(double* o, Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t j
    for j in range(n):
        o[j] = sigmoid(o[j])  # (F2) Y = sigmoid(Z)


# ---------------------------------------------------------------------------------
# (F1, F2) the forward pass: Y(l) = sigmoid(W(l)^T Y(l-1) [+ B(l)])
# ---------------------------------------------------------------------------------
#
# pynet.matrix.transpose_times adds the terms of output j as
#     Z[j] = B[j] + y[0] W[0][j] + y[1] W[1][j] + ...   (one rounding per * and per +)
# The kernels walk W row by row (it is stored row-major: row i holds the weights leaving
# input i), adding row i's terms into all the outputs at once; every Z[j] still gains its
# terms in the order i = 0, 1, ..., so its bits are those of the column-by-column sum.

cdef inline void add_rows_1x4(out_ptr o, in_ptr w0, in_ptr w1, in_ptr w2, in_ptr w3,
                              const double* y, Py_ssize_t n) noexcept nogil:
    """(F1) o[j] += y[0] w0[j], += y[1] w1[j], += y[2] w2[j], += y[3] w3[j]: one term at a time, in row order."""
    cdef Py_ssize_t j
    cdef double a = y[0], b = y[1], c = y[2], d = y[3], z
    for j in range(n):
        z = o[j] + a * w0[j]
        z = z + b * w1[j]
        z = z + c * w2[j]
        o[j] = z + d * w3[j]


cdef inline void add_rows_4x4(out_ptr o0, out_ptr o1, out_ptr o2, out_ptr o3,
                              in_ptr w0, in_ptr w1, in_ptr w2, in_ptr w3, const double* y,
                              Py_ssize_t y_stride, Py_ssize_t n) noexcept nogil:
    """(F1) add_rows_1x4 for four outputs o_r at once, with the inputs y + r * y_stride.

    Each of the four rows of weights is read once for the four outputs; the terms
    are still added one at a time, in row order. No two of the blocks overlap.
    """
    cdef Py_ssize_t j
    cdef const double* y0 = y
    cdef const double* y1 = y + y_stride
    cdef const double* y2 = y + 2 * y_stride
    cdef const double* y3 = y + 3 * y_stride
    cdef double a0 = y0[0], b0 = y0[1], c0 = y0[2], d0 = y0[3]
    cdef double a1 = y1[0], b1 = y1[1], c1 = y1[2], d1 = y1[3]
    cdef double a2 = y2[0], b2 = y2[1], c2 = y2[2], d2 = y2[3]
    cdef double a3 = y3[0], b3 = y3[1], c3 = y3[2], d3 = y3[3]
    cdef double p, q, u, v
    for j in range(n):
        p = w0[j]
        q = w1[j]
        u = w2[j]
        v = w3[j]
        o0[j] = o0[j] + a0 * p + b0 * q + c0 * u + d0 * v
        o1[j] = o1[j] + a1 * p + b1 * q + c1 * u + d1 * v
        o2[j] = o2[j] + a2 * p + b2 * q + c2 * u + d2 * v
        o3[j] = o3[j] + a3 * p + b3 * q + c3 * u + d3 * v


cdef inline void add_rows_1x8(out_ptr o, const double* w, Py_ssize_t stride, const double* y,
                              Py_ssize_t n) noexcept nogil:
    """(F1) add_rows_1x4 for eight rows (row r at w + r * stride): o[j] += y[0] w0[j], ..., += y[7] w7[j], in row order."""
    cdef Py_ssize_t j
    cdef const double* w0 = w
    cdef const double* w1 = w + stride
    cdef const double* w2 = w + 2 * stride
    cdef const double* w3 = w + 3 * stride
    cdef const double* w4 = w + 4 * stride
    cdef const double* w5 = w + 5 * stride
    cdef const double* w6 = w + 6 * stride
    cdef const double* w7 = w + 7 * stride
    cdef double a0 = y[0], a1 = y[1], a2 = y[2], a3 = y[3], a4 = y[4], a5 = y[5], a6 = y[6], a7 = y[7]
    for j in range(n):
        o[j] = (o[j] + a0 * w0[j] + a1 * w1[j] + a2 * w2[j] + a3 * w3[j]
                + a4 * w4[j] + a5 * w5[j] + a6 * w6[j] + a7 * w7[j])


cdef void forward_layer(const double* W, const double* B, const double* y, double* o,
                        Py_ssize_t n_in, Py_ssize_t n_out) noexcept nogil:
    """(F1, F2) o = sigmoid(W^T y + B), rows of W eight (then four, then one) at a time."""
    forward_columns(W, n_out, B, y, o, n_in, n_out)


cdef void forward_columns(const double* W, Py_ssize_t stride, const double* B, const double* y, double* o,
                          Py_ssize_t n_in, Py_ssize_t n_out) noexcept nogil:
    """forward_layer for n_out columns of a wider matrix, whose rows are ``stride`` apart.

    (A query on two threads gives each thread a run of the columns of W(1): the same
    sums, each added in row order, whoever computes them.)
    """
    cdef Py_ssize_t j
    for j in range(n_out):
        o[j] = B[j]
    add_columns(W, stride, y, o, 0, n_in, n_out)
    activate(o, n_out)


cdef void add_columns(const double* W, Py_ssize_t stride, const double* y, double* o, Py_ssize_t first,
                      Py_ssize_t stop, Py_ssize_t n_out) noexcept nogil:
    """(F1) the terms of rows first ... stop - 1 added into o, rows eight (then four, then one) at a time.

    However the rows are grouped, in one call or several, every o[j] gains its terms one
    at a time in row order: the bits do not depend on the grouping.
    """
    cdef Py_ssize_t i = first
    while i + 8 <= stop:
        add_rows_1x8(o, W + i * stride, stride, y + i, n_out)
        i += 8
    while i + 4 <= stop:
        add_rows_1x4(o, W + i * stride, W + (i + 1) * stride, W + (i + 2) * stride, W + (i + 3) * stride,
                     y + i, n_out)
        i += 4
    while i < stop:  # the last rows, one at a time
        add_rows_1x4_tail(o, W + i * stride, y[i], n_out)
        i += 1


cdef inline void add_rows_1x4_tail(out_ptr o, in_ptr w, double y, Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t j
    for j in range(n):
        o[j] = o[j] + y * w[j]  # (F1)


cdef void forward(const Layout* net, const double* P, double* S, const double* x) noexcept nogil:
    """(F1, F2) for every layer, from the input x: Y(1) ... Y(L) into S."""
    cdef int l
    forward_layer(P + net.w[1], P + net.b[1], x, S + net.y[1], net.n[0], net.n[1])
    for l in range(2, net.L + 1):
        forward_layer(P + net.w[l], P + net.b[l], S + net.y[l - 1], S + net.y[l], net.n[l - 1], net.n[l])


cdef void forward_rows(const double* W, const double* B, const double* y, Py_ssize_t ys,
                       double* o, Py_ssize_t os, Py_ssize_t count, Py_ssize_t n_in, Py_ssize_t n_out) noexcept nogil:
    """(F1, F2) forward_layer for ``count`` inputs (row r at y + r * ys) into o + r * os.

    Each entry is computed exactly as forward_layer computes it, one term at a time
    in row order; only the reading of W is shared. The loop runs down W four rows at
    a time, and each block of four rows, once loaded, serves all ``count`` inputs,
    four at a time: for BATCH inputs the weights pass through the cache once, not
    BATCH times.
    """
    cdef Py_ssize_t i = 0, j, r
    cdef const double* w0
    for r in range(count):
        for j in range(n_out):
            o[r * os + j] = B[j]
    while i + 4 <= n_in:
        w0 = W + i * n_out
        r = 0
        while r + 4 <= count:
            add_rows_4x4(o + r * os, o + (r + 1) * os, o + (r + 2) * os, o + (r + 3) * os,
                         w0, w0 + n_out, w0 + 2 * n_out, w0 + 3 * n_out, y + r * ys + i, ys, n_out)
            r += 4
        while r < count:
            add_rows_1x4(o + r * os, w0, w0 + n_out, w0 + 2 * n_out, w0 + 3 * n_out, y + r * ys + i, n_out)
            r += 1
        i += 4
    while i < n_in:  # the last rows, one at a time
        for r in range(count):
            add_rows_1x4_tail(o + r * os, W + i * n_out, y[r * ys + i], n_out)
        i += 1
    for r in range(count):
        activate(o + r * os, n_out)


# ---------------------------------------------------------------------------------
# Queries in batches, and the back query
# ---------------------------------------------------------------------------------

cdef bint query_rows(const Layout* net, const double* P, double* Q, Py_ssize_t qs, double* I,
                     const double* X, Py_ssize_t total, double* out) noexcept nogil:
    """(F1, F2) the outputs Y(L) of ``total`` rows of n(0) values (one after the other from X) into out.

    BATCH rows share each pass through the layers. Each batch is first copied into I
    (BATCH rows of n(0)) and checked there, and the layers read the copy: every value
    is read once, so what is checked is what is used. False, at once, when a value is
    not finite. Q holds L blocks of BATCH rows of qs values: block l - 1 the outputs
    Y(l) of the current batch.
    """
    cdef Py_ssize_t k = 0, count, r, n_in = net.n[0], n_out = net.n[net.L]
    cdef Py_ssize_t block = BATCH * qs
    cdef int l, L = net.L
    while k < total:
        count = min(<Py_ssize_t>BATCH, total - k)
        if not copy_measured(X + k * n_in, I, count * n_in) < INFINITY:
            return False
        forward_rows(P + net.w[1], P + net.b[1], I, n_in, Q, qs, count, n_in, net.n[1])
        for l in range(2, L + 1):
            forward_rows(P + net.w[l], P + net.b[l], Q + (l - 2) * block, qs, Q + (l - 1) * block, qs,
                         count, net.n[l - 1], net.n[l])
        for r in range(count):
            memcpy(out + (k + r) * n_out, Q + (L - 1) * block + r * qs, n_out * sizeof(double))
        k += count
    return True


cdef void rescale(double* v, Py_ssize_t n) noexcept nogil:
    """(Q3) v <- (v - min) / (max - min) * 0.98 + 0.01; all 0.5 when max == min.

    min and max are found as Python's min() and max() find them: the first value,
    replaced by any later one that is smaller (larger).
    """
    cdef Py_ssize_t i
    cdef double smallest = v[0], largest = v[0], span
    for i in range(1, n):
        if v[i] < smallest:
            smallest = v[i]
    for i in range(1, n):
        if v[i] > largest:
            largest = v[i]
    span = largest - smallest
    if span == 0.0:
        for i in range(n):
            v[i] = 0.5
        return
    for i in range(n):
        v[i] = (v[i] - smallest) / span * 0.98 + 0.01


cdef void backquery(const Layout* net, const double* P, const double* outputs, double* z, double* y) noexcept nogil:
    """(Q1)-(Q4): y (n(0) values) from outputs (n(L)); z and y hold max(n) values each."""
    cdef int l
    cdef Py_ssize_t i, j
    for j in range(net.n[net.L]):
        z[j] = logit(outputs[j])  # (Q1) Z(L) = logit(Y(L))
    for l in range(net.L, 0, -1):
        for j in range(net.n[l]):
            z[j] = z[j] - P[net.b[l] + j]
        times(P + net.w[l], z, y, net.n[l - 1], net.n[l])  # (Q2) Y(l-1) = W(l) . (Z(l) - B(l))
        rescale(y, net.n[l - 1])  # (Q3)
        if l > 1:
            for i in range(net.n[l - 1]):
                z[i] = logit(y[i])  # (Q4) Z(l-1) = logit(Y(l-1))
