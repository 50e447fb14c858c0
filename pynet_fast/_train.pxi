# The training step of pynet_fast's kernels: errors and deltas (E-L, L1, D, E-l, X-l), the
# step down the gradient (U-W, U-B), and train_many's pass that fuses each sample's update
# with the next sample's forward sums. The rules of _forward.pxi hold here: pynet's
# operations, in pynet's order, and a comment wherever the loops walk otherwise.
#
# Included by _core.pxi, after _forward.pxi.

cdef extern from *:
    # The AVX-512 build's fused pass (update_then_forward_down): columns_down walks down
    # every row of W for a run of columns at a time (at most MOST_LINES cache lines of
    # eight, then any last 4, 2 and 1 columns), keeping those columns' sums Z in
    # registers the whole way. Each row's weights are loaded, updated (U-W), stored
    # and at once added into the sums (F1): one load and one store per weight, and no
    # load or store of the sums between rows. The vector types are GCC's and Clang's
    # (a vector of 8, 4 or 2 doubles, at any address); -ffp-contract=off keeps every
    # multiply and add apart, as written. The other builds (SSE2, AVX2: 16 vector
    # registers, too few to hold the sums) walk four rows at a time along the columns.
    """
    #if defined(__AVX512F__) && (defined(__GNUC__) || defined(__clang__))
    #define PYNET_COLUMNS_DOWN 1
    #define PYNET_MOST_LINES 13
    typedef double pynet_line __attribute__((vector_size(64), aligned(8)));
    typedef double pynet_half __attribute__((vector_size(32), aligned(8)));
    typedef double pynet_pair __attribute__((vector_size(16), aligned(8)));

    /* Columns [0, 8 lines + rest) of W (rows stride apart), every row i = 0, 1 ...:
       (U-W) W[i][j] += (rate * y[i]) * d[j], then (F1) o[j] += x[i] * W[i][j] with the new
       weight. lines is a constant in each copy (columns_down's switch), so that the
       compiler keeps the lines' sums (and, as far as they fit, their deltas) in the 32
       registers; rest (0 to 7) adds a 4-, 2- and 1-wide part of the same. Thirteen
       lines at most: a hidden layer of 100 in one pass, of 200 in two (measured on
       Zen 4: faster than seven lines to a pass, and than 26, which spills the sums). */
    static inline __attribute__((always_inline)) void pynet_down(
            double* W, Py_ssize_t stride, Py_ssize_t n_in, double rate, const double* y,
            const double* d, const double* x, double* o, const int lines, const int rest) {
        pynet_line Z[PYNET_MOST_LINES], delta[PYNET_MOST_LINES], w;
        pynet_half Z4 = {0}, delta4 = {0}, w4;
        pynet_pair Z2 = {0}, delta2 = {0}, w2;
        double Z1 = 0.0, delta1 = 0.0, w1, c, a;
        const int half = rest & 4, pair = rest & 2, single = rest & 1;
        const Py_ssize_t at4 = 8 * lines, at2 = at4 + half, at1 = at2 + pair;
        double* row;
        Py_ssize_t i;
        int v;
        for (v = 0; v < lines; v++) {
            memcpy(&Z[v], o + 8 * v, 64);
            memcpy(&delta[v], d + 8 * v, 64);
        }
        if (half) { memcpy(&Z4, o + at4, 32); memcpy(&delta4, d + at4, 32); }
        if (pair) { memcpy(&Z2, o + at2, 16); memcpy(&delta2, d + at2, 16); }
        if (single) { Z1 = o[at1]; delta1 = d[at1]; }
        for (i = 0; i < n_in; i++) {
            c = rate * y[i];
            a = x[i];
            row = W + i * stride;
            for (v = 0; v < lines; v++) {
                memcpy(&w, row + 8 * v, 64);
                w = w + c * delta[v];        /* (U-W) */
                memcpy(row + 8 * v, &w, 64);
                Z[v] = Z[v] + a * w;         /* (F1), row i after rows 0 ... i - 1 */
            }
            if (half) {
                memcpy(&w4, row + at4, 32);
                w4 = w4 + c * delta4;
                memcpy(row + at4, &w4, 32);
                Z4 = Z4 + a * w4;
            }
            if (pair) {
                memcpy(&w2, row + at2, 16);
                w2 = w2 + c * delta2;
                memcpy(row + at2, &w2, 16);
                Z2 = Z2 + a * w2;
            }
            if (single) {
                w1 = row[at1] + c * delta1;
                row[at1] = w1;
                Z1 = Z1 + a * w1;
            }
        }
        for (v = 0; v < lines; v++)
            memcpy(o + 8 * v, &Z[v], 64);
        if (half) memcpy(o + at4, &Z4, 32);
        if (pair) memcpy(o + at2, &Z2, 16);
        if (single) o[at1] = Z1;
    }
    static void pynet_columns_down(double* W, Py_ssize_t stride, Py_ssize_t n_in, double rate, const double* y,
                                   const double* d, const double* x, double* o, int lines, int rest) {
        switch (lines) {
        case 0: pynet_down(W, stride, n_in, rate, y, d, x, o, 0, rest); break;
        case 1: pynet_down(W, stride, n_in, rate, y, d, x, o, 1, rest); break;
        case 2: pynet_down(W, stride, n_in, rate, y, d, x, o, 2, rest); break;
        case 3: pynet_down(W, stride, n_in, rate, y, d, x, o, 3, rest); break;
        case 4: pynet_down(W, stride, n_in, rate, y, d, x, o, 4, rest); break;
        case 5: pynet_down(W, stride, n_in, rate, y, d, x, o, 5, rest); break;
        case 6: pynet_down(W, stride, n_in, rate, y, d, x, o, 6, rest); break;
        case 7: pynet_down(W, stride, n_in, rate, y, d, x, o, 7, rest); break;
        case 8: pynet_down(W, stride, n_in, rate, y, d, x, o, 8, rest); break;
        case 9: pynet_down(W, stride, n_in, rate, y, d, x, o, 9, rest); break;
        case 10: pynet_down(W, stride, n_in, rate, y, d, x, o, 10, rest); break;
        case 11: pynet_down(W, stride, n_in, rate, y, d, x, o, 11, rest); break;
        case 12: pynet_down(W, stride, n_in, rate, y, d, x, o, 12, rest); break;
        default: pynet_down(W, stride, n_in, rate, y, d, x, o, 13, rest); break;
        }
    }
    #else
    #define PYNET_COLUMNS_DOWN 0
    #define PYNET_MOST_LINES 13
    /* Not called in this build (PYNET_COLUMNS_DOWN is 0); the same operations, a column at a time. */
    static void pynet_columns_down(double* W, Py_ssize_t stride, Py_ssize_t n_in, double rate, const double* y,
                                   const double* d, const double* x, double* o, int lines, int rest) {
        Py_ssize_t i, j, n = 8 * (Py_ssize_t)lines + rest;
        double w;
        for (j = 0; j < n; j++)
            for (i = 0; i < n_in; i++) {
                w = W[i * stride + j] + (rate * y[i]) * d[j];
                W[i * stride + j] = w;
                o[j] = o[j] + x[i] * w;
            }
    }
    #endif
    """
    bint COLUMNS_DOWN "PYNET_COLUMNS_DOWN"
    int MOST_LINES "PYNET_MOST_LINES"
    void columns_down "pynet_columns_down"(double* W, Py_ssize_t stride, Py_ssize_t n_in, double rate,
                                            const double* y, const double* d, const double* x, double* o,
                                            int lines, int rest) noexcept nogil


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


cdef void update_then_forward_layer(double* W, const double* B, double rate, const double* y, const double* d,
                                    const double* x, double* o, Py_ssize_t n_in, Py_ssize_t n_out) noexcept nogil:
    """(U-W) W += rate y d^T for this sample, fused with (F1, F2) o = sigmoid(W^T x + B) for the next.

    The equations run one after the other: every weight is updated (U-W) before the
    next sample's forward pass reads it. Here they share one pass down W, in which each
    weight is updated and at once added into the next sample's sums, from registers:
    a few columns at a time, every row, in the AVX-512 build (update_then_forward_down);
    four rows at a time, every column, then one row at a time for the rows left, in the
    others (update_then_forward_across). Each weight is computed exactly as add_outer computes it ((rate * y[i]) *
    d[j], added to the old weight), each Z[j] gains its terms in the order i = 0, 1, ...
    as in forward_layer, however the rows and columns are walked, and B is already
    updated (U-B comes first: it reads only delta), so the bits are those of the two
    passes; W is read and written once per step instead of read twice and written once.
    """
    cdef Py_ssize_t j
    for j in range(n_out):
        o[j] = B[j]
    if COLUMNS_DOWN:
        update_then_forward_down(W, rate, y, d, x, o, n_in, n_out)
    else:
        update_then_forward_across(W, rate, y, d, x, o, n_in, n_out)
    activate(o, n_out)


cdef void update_then_forward_across(double* W, double rate, const double* y, const double* d, const double* x,
                                     double* o, Py_ssize_t n_in, Py_ssize_t n_out) noexcept nogil:
    """The fused pass of update_then_forward_layer, four rows at a time across every column
    (update_then_add_4), then one row at a time for the rows left."""
    cdef Py_ssize_t i = 0, j
    cdef double c[4]
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


cdef void update_then_forward_down(double* W, double rate, const double* y, const double* d, const double* x,
                                   double* o, Py_ssize_t n_in, Py_ssize_t n_out) noexcept nogil:
    """The fused pass of update_then_forward_layer, a few columns at a time down every row
    (columns_down): n_out // 8 lines of eight columns, shared as evenly as can be among as
    few passes as hold at most MOST_LINES lines each, the last n_out % 8 columns with the
    last pass. Each column is walked by one pass, row 0 first: the order of every sum."""
    cdef Py_ssize_t j = 0, lines = n_out // 8, take
    cdef int rest = n_out % 8
    cdef Py_ssize_t passes = (lines + (rest != 0) + MOST_LINES - 1) // MOST_LINES
    while passes > 0:
        take = (lines + passes - 1) // passes
        columns_down(W + j, n_out, n_in, rate, y, d + j, x, o + j, <int>take, rest if passes == 1 else 0)
        j += 8 * take
        lines -= take
        passes -= 1


# ---------------------------------------------------------------------------------
# W(1) in pieces: a panel of its columns held as narrow matrices side by side
# ---------------------------------------------------------------------------------
#
# The fused pass of the SSE2 and AVX2 builds (update_then_forward_across) runs fastest
# over narrow rows: on Zen 3, 10-20% faster with AVX2 over rows of 24 to 56 columns than
# of 80 to 128, 5-12% with SSE2 (the pass alone, benchmarks/floor.py; docs/speed.md).
# Wider rows do better again (160-200 columns), so it is no matter of cache. Where a call
# copies W(1) out anyway (train_many on two threads and train calls in a row, _split.pxi),
# and for a train_many call on one thread (Core._train_part), it holds each panel of
# columns as pieces of at most PIECE_COLUMNS columns, each an n_in x width
# matrix of its own, and walks them one after the other. Every column is still walked
# by one pass, row 0 first, by the same operations: the bits of the pass on W whole.
# The AVX-512 build walks its columns down (update_then_forward_down) in runs of its
# own choosing: one piece there.

cdef enum:
    PIECE_COLUMNS = 56  # the widest piece of a panel (pieces_in)


cdef inline Py_ssize_t pieces_in(Py_ssize_t width) noexcept nogil:
    """How many pieces a panel of ``width`` columns is held in."""
    if COLUMNS_DOWN or width <= PIECE_COLUMNS:
        return 1
    return (width + PIECE_COLUMNS - 1) // PIECE_COLUMNS


cdef inline Py_ssize_t piece_width(Py_ssize_t width, Py_ssize_t pieces, Py_ssize_t piece) noexcept nogil:
    """The columns of piece ``piece`` of a panel of ``width`` columns in ``pieces`` pieces: as even
    as can be in multiples of four (an AVX2 vector), the first ones wider, the last the rest."""
    cdef Py_ssize_t base = width // pieces // 4 * 4
    cdef Py_ssize_t wider = (width - base * pieces) // 4  # pieces [0, wider) take four columns more
    if piece < pieces - 1:
        return base + 4 if piece < wider else base
    return width - (pieces - 1) * base - 4 * min(wider, pieces - 1)


def _panel_pieces(Py_ssize_t width):
    """For tests: the widths of the pieces a panel of ``width`` columns is held in."""
    return [piece_width(width, pieces_in(width), piece) for piece in range(pieces_in(width))]


cdef Py_ssize_t panel_size(Py_ssize_t n_in, Py_ssize_t width) noexcept nogil:
    """The doubles a panel of n_in rows and ``width`` columns takes in pieces (to_panel), each
    piece on cache lines of its own."""
    cdef Py_ssize_t pieces = pieces_in(width), piece, size = 0
    for piece in range(pieces):
        size += _aligned(n_in * piece_width(width, pieces, piece))
    return size


cdef void to_panel(const double* W, double* panel, Py_ssize_t n_in, Py_ssize_t n_out, Py_ssize_t first,
                   Py_ssize_t width) noexcept nogil:
    """Columns [first, first + width) of the n_in x n_out matrix W into panel, in pieces."""
    cdef Py_ssize_t pieces = pieces_in(width), piece, i, w
    for piece in range(pieces):
        w = piece_width(width, pieces, piece)
        for i in range(n_in):
            memcpy(panel + i * w, W + i * n_out + first, w * sizeof(double))
        panel += _aligned(n_in * w)
        first += w


cdef void from_panel(double* W, const double* panel, Py_ssize_t n_in, Py_ssize_t n_out, Py_ssize_t first,
                     Py_ssize_t width) noexcept nogil:
    """to_panel undone."""
    cdef Py_ssize_t pieces = pieces_in(width), piece, i, w
    for piece in range(pieces):
        w = piece_width(width, pieces, piece)
        for i in range(n_in):
            memcpy(W + i * n_out + first, panel + i * w, w * sizeof(double))
        panel += _aligned(n_in * w)
        first += w


cdef void update_then_forward_panel(double* panel, const double* B, double rate, const double* y, const double* d,
                                    const double* x, double* o, Py_ssize_t n_in, Py_ssize_t width) noexcept nogil:
    """update_then_forward_layer over a panel of ``width`` columns in pieces (to_panel), piece
    after piece; B, d and o hold the panel's columns."""
    cdef Py_ssize_t pieces = pieces_in(width), piece, w, first = 0
    for piece in range(pieces):
        w = piece_width(width, pieces, piece)
        update_then_forward_layer(panel, B + first, rate, y, d + first, x, o + first, n_in, w)
        panel += _aligned(n_in * w)
        first += w


cdef void add_outer_panel(double* panel, double rate, const double* y, const double* d, Py_ssize_t n_in,
                          Py_ssize_t width) noexcept nogil:
    """add_outer on a panel in pieces, piece after piece (the last sample's update, U-W)."""
    cdef Py_ssize_t pieces = pieces_in(width), piece, w, first = 0
    for piece in range(pieces):
        w = piece_width(width, pieces, piece)
        add_outer(panel, rate, y, d + first, n_in, w)
        panel += _aligned(n_in * w)
        first += w


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

cdef double train_rows(const Layout* net, double* P, double* W1, double* S, double* S_next, const double* X,
                       Py_ssize_t xs, const double* T, Py_ssize_t ts, Py_ssize_t count, double rate, bint exact,
                       bint bias, double total) noexcept nogil:
    """A training step on each of ``count`` row pairs in order (row k at X + k * xs, T + k * ts),
    with W(1) in P, or, unless W1 is NULL, in W1: a panel of all its columns in pieces
    (to_panel). Then W(1) in P is only read for the first sample's forward pass, before
    any update, when it equals W1.

    One step is (F1, F2) forward, (E-L, L1) output_error, (D, E-l or X-l) back_errors,
    (U-B) update_biases when there are biases, and (U-W) the update of the weights.

    Returns ``total`` plus the losses, added left to right (a call's rows taken in
    chunks keep one running sum). Sample k's update (U-W) runs fused with sample k+1's
    forward pass (update_then_forward), so S and S_next take turns holding the current
    sample; the last sample's update runs alone.
    """
    cdef Py_ssize_t k
    cdef double* swap
    forward(net, P, S, X)
    for k in range(count):
        total = total + output_error(net, S, T + k * ts)
        back_errors(net, P, S, exact)
        if bias:  # before the fused pass, which starts the next sums from B(l)
            update_biases(net, P, S, rate)
        if k + 1 < count:
            if W1 == NULL:
                update_then_forward(net, P, S, X + k * xs, S_next, X + (k + 1) * xs, rate)
            else:  # the same, W(1) in pieces
                update_then_forward_panel(W1, P + net.b[1], rate, X + k * xs, S + net.d[1], X + (k + 1) * xs,
                                          S_next + net.y[1], net.n[0], net.n[1])
                update_then_forward_above(net, P, S, S_next, rate)
            swap = S
            S = S_next
            S_next = swap
        elif W1 == NULL:
            update_weights(net, P, S, X + k * xs, rate)
        else:  # the same, W(1) in pieces
            add_outer_panel(W1, rate, X + k * xs, S + net.d[1], net.n[0], net.n[1])
            update_weights_above(net, P, S, rate)
    return total
