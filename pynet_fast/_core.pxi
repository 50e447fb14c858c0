# The code of pynet_fast's compiled modules, included by _core.pyx (compiled for any CPU
# of the platform, or for this machine with PYNET_NATIVE=1) and by _core_avx2.pyx (x86-64
# with AVX2, without FMA). Their docstrings and compiler directives are in those two files;
# _core.pyx describes what is here.

from cpython.float cimport PyFloat_AS_DOUBLE
from cpython.list cimport PyList_GET_ITEM, PyList_GET_SIZE
from cpython.mem cimport PyMem_Free, PyMem_Malloc
from cpython.ref cimport PyObject
from cpython.tuple cimport PyTuple_GET_ITEM, PyTuple_GET_SIZE
from cython.view cimport array as cvarray
from libc.math cimport INFINITY, exp, fabs, isfinite, log
from libc.stdint cimport uintptr_t
from libc.string cimport memcpy

cdef extern from "Python.h":
    bint PyFloat_CheckExact(PyObject* obj) noexcept
    bint PyList_CheckExact(object obj) noexcept
    bint PyTuple_CheckExact(object obj) noexcept

cdef extern from *:
    """
    #ifndef PYNET_BUILD
    #define PYNET_BUILD "portable"
    #endif
    """
    const char* PYNET_BUILD

cdef extern from *:
    # Pointers through which a kernel alone reads or writes a block of memory, which
    # lets the compiler vectorise loops over several blocks without aliasing checks.
    """
    #if defined(_MSC_VER)
    #define PYNET_RESTRICT __restrict
    #else
    #define PYNET_RESTRICT __restrict__
    #endif
    """
    ctypedef double* out_ptr "double * PYNET_RESTRICT"
    ctypedef const double* in_ptr "const double * PYNET_RESTRICT"

cdef extern from *:
    # Whether this CPU, and its operating system, run AVX2 instructions: GCC's and Clang's
    # builtin reads CPUID (and XGETBV for the saved vector registers). Elsewhere: no.
    """
    #if defined(__GNUC__) && (defined(__x86_64__) || defined(__amd64__))
    static int pynet_cpu_has_avx2(void) {
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx2") != 0;
    }
    #else
    static int pynet_cpu_has_avx2(void) { return 0; }
    #endif
    """
    int pynet_cpu_has_avx2() noexcept nogil

# Which kernels these are: "portable" (any CPU of the platform), "avx2" (x86-64 with
# AVX2, no FMA) or "native" (PYNET_NATIVE=1: -march=native, for the machine that built it).
BUILD = PYNET_BUILD.decode("ascii")


def cpu_has_avx2():
    """True when this CPU and its operating system can run the ``avx2`` kernels."""
    return pynet_cpu_has_avx2() != 0


# ---------------------------------------------------------------------------------
# The kernels
# ---------------------------------------------------------------------------------

cdef enum:
    ALIGN = 8   # doubles: 64 bytes, a cache line and the widest vector register
    BATCH = 8   # query rows that share one trip through the weights


ctypedef struct Layout:
    int L               # layers with weights: W(1) ... W(L)
    Py_ssize_t* n       # n[0] ... n[L]: neurons per layer
    Py_ssize_t* w       # w[l], l = 1 ... L: where W(l) starts in P
    Py_ssize_t* b       # b[l]: where B(l) starts in P
    Py_ssize_t* y       # y[l], l = 0 ... L: where Y(l) starts in S (Y(0): a copied input)
    Py_ssize_t* e       # e[l], l = 1 ... L: where E(l) starts in S
    Py_ssize_t* d       # d[l], l = 1 ... L: where delta(l) starts in S
    Py_ssize_t t        # where a copied target starts in S
    Py_ssize_t back     # where the back query's two vectors of max(n) start in S
    Py_ssize_t widest   # max(n)


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


cdef inline void add_rows_1x4(out_ptr o, in_ptr w0, in_ptr w1, in_ptr w2, in_ptr w3,
                              const double* y, Py_ssize_t n) noexcept nogil:
    """o[j] += y[0] w0[j], += y[1] w1[j], += y[2] w2[j], += y[3] w3[j]: one term at a time, in row order."""
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
    """add_rows_1x4 for four outputs o_r at once, with the inputs y + r * y_stride.

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


cdef void forward_layer(const double[::1] W, const double[::1] B, const double[::1] y, double[::1] out,
                        Py_ssize_t n_in, Py_ssize_t n_out) noexcept nogil:
    """out = Act(W^T y + B) (F1, F2).

    Entry j is B[j] + y[0] W[0][j] + y[1] W[1][j] + ..., added one term at a time
    in the order i = 0, 1, ..., as pynet.matrix.transpose_times adds them. The
    rows are taken four at a time: each entry then gains four terms, still in row
    order, per trip through memory, and the loop over j runs in vector registers.
    """
    cdef Py_ssize_t i = 0, j
    cdef const double* w = &W[0]
    cdef const double* x = &y[0]
    cdef double* o = &out[0]
    cdef double y_i
    for j in range(n_out):
        o[j] = B[j]
    while i + 4 <= n_in:
        add_rows_1x4(o, w + i * n_out, w + (i + 1) * n_out, w + (i + 2) * n_out, w + (i + 3) * n_out,
                     x + i, n_out)
        i += 4
    while i < n_in:  # the last rows, one at a time
        y_i = x[i]
        for j in range(n_out):
            o[j] = o[j] + y_i * w[i * n_out + j]
        i += 1
    for j in range(n_out):
        o[j] = sigmoid(o[j])


cdef void forward_rows(const double[::1] W, const double[::1] B, const double[:, ::1] Y, double[:, ::1] out,
                       Py_ssize_t count, Py_ssize_t n_in, Py_ssize_t n_out) noexcept nogil:
    """forward_layer for the first ``count`` rows of Y (their first n_in entries) into those of out.

    Each entry is computed exactly as forward_layer computes it, one term at a time
    in row order; only the reading of W is shared. The loop runs down W four rows at
    a time, and each block of four rows, once loaded, serves all ``count`` inputs,
    four at a time: for BATCH inputs the weights pass through the cache once, not
    BATCH times.
    """
    cdef Py_ssize_t i = 0, j, r
    cdef Py_ssize_t ys = Y.shape[1], os = out.shape[1]
    cdef const double* w = &W[0]
    cdef const double* y = &Y[0, 0]
    cdef double* o = &out[0, 0]
    cdef const double* w0
    for r in range(count):
        for j in range(n_out):
            o[r * os + j] = B[j]
    while i + 4 <= n_in:
        w0 = w + i * n_out
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
            for j in range(n_out):
                o[r * os + j] = o[r * os + j] + y[r * ys + i] * w[i * n_out + j]
        i += 1
    for r in range(count):
        for j in range(n_out):
            o[r * os + j] = sigmoid(o[r * os + j])


cdef void times(const double[::1] W, const double[::1] v, double[::1] out,
                Py_ssize_t n_rows, Py_ssize_t n_cols) noexcept nogil:
    """out = W . v: one dot product per row, from 0.0, left to right (pynet.matrix.times)."""
    cdef Py_ssize_t i, j
    cdef double total
    cdef const double* row
    for i in range(n_rows):
        row = &W[i * n_cols]
        total = 0.0
        for j in range(n_cols):
            total = total + row[j] * v[j]
        out[i] = total


cdef void add_outer(double[::1] W, double rate, const double[::1] y, const double[::1] d,
                    Py_ssize_t n_in, Py_ssize_t n_out) noexcept nogil:
    """W[i][j] += (rate * y[i]) * d[j] (U-W), as pynet.matrix.add_outer; four rows at a time."""
    cdef Py_ssize_t i = 0, j
    cdef double c0, c1, c2, c3, dj
    cdef const double* dd = &d[0]
    cdef double* w0
    cdef double* w1
    cdef double* w2
    cdef double* w3
    while i + 4 <= n_in:
        c0, c1, c2, c3 = rate * y[i], rate * y[i + 1], rate * y[i + 2], rate * y[i + 3]
        w0 = &W[i * n_out]
        w1 = w0 + n_out
        w2 = w1 + n_out
        w3 = w2 + n_out
        for j in range(n_out):
            dj = dd[j]
            w0[j] = w0[j] + c0 * dj
            w1[j] = w1[j] + c1 * dj
            w2[j] = w2[j] + c2 * dj
            w3[j] = w3[j] + c3 * dj
        i += 4
    while i < n_in:
        c0 = rate * y[i]
        w0 = &W[i * n_out]
        for j in range(n_out):
            w0[j] = w0[j] + c0 * dd[j]
        i += 1


cdef void forward(const Layout* net, const double[::1] P, double[::1] S, const double[::1] x) noexcept nogil:
    """The forward pass from the input x: Y(1) ... Y(L) into S."""
    cdef int l
    cdef Py_ssize_t n_in, n_out
    forward_layer(P[net.w[1]:], P[net.b[1]:], x, S[net.y[1]:], net.n[0], net.n[1])
    for l in range(2, net.L + 1):
        n_in, n_out = net.n[l - 1], net.n[l]
        forward_layer(P[net.w[l]:], P[net.b[l]:], S[net.y[l - 1]:], S[net.y[l]:], n_in, n_out)


cdef double train_step(const Layout* net, double[::1] P, double[::1] S, const double[::1] x,
                       const double[::1] t, double rate, bint exact, bint bias) noexcept nogil:
    """One step of gradient descent on (x, t); returns the loss before it (L1)."""
    cdef int l, L = net.L
    cdef Py_ssize_t j, n
    cdef double total = 0.0, e, y
    forward(net, P, S, x)
    for j in range(net.n[L]):
        e = t[j] - S[net.y[L] + j]  # (E-L) E(L) = T - Y(L)
        S[net.e[L] + j] = e
        total = total + e * e
    # Errors and deltas for every layer first, with the weights as they were before this sample.
    for l in range(L, 0, -1):
        for j in range(net.n[l]):
            y = S[net.y[l] + j]
            S[net.d[l] + j] = S[net.e[l] + j] * y * (1.0 - y)  # (D) E(l) * Y(l) * (1 - Y(l))
        if l > 1:
            if exact:
                times(P[net.w[l]:], S[net.d[l]:], S[net.e[l - 1]:], net.n[l - 1], net.n[l])  # (X-l) E(l-1) = W(l) . delta(l)
            else:
                times(P[net.w[l]:], S[net.e[l]:], S[net.e[l - 1]:], net.n[l - 1], net.n[l])  # (E-l) E(l-1) = W(l) . E(l)
    # Then the step down the gradient.
    add_outer(P[net.w[1]:], rate, x, S[net.d[1]:], net.n[0], net.n[1])  # (U-W)
    for l in range(2, L + 1):
        add_outer(P[net.w[l]:], rate, S[net.y[l - 1]:], S[net.d[l]:], net.n[l - 1], net.n[l])  # (U-W)
    if bias:
        for l in range(1, L + 1):
            n = net.n[l]
            for j in range(n):
                P[net.b[l] + j] = P[net.b[l] + j] + rate * S[net.d[l] + j]  # (U-B) B(l) += lambda delta(l)
    return 0.5 * total  # (L1)


cdef double train_rows(const Layout* net, double[::1] P, double[::1] S, const double[:, ::1] X,
                       const double[:, ::1] T, double rate, bint exact, bint bias) noexcept nogil:
    """train_step on each row pair in order; returns the sum of the losses, left to right."""
    cdef Py_ssize_t k
    cdef double total = 0.0
    for k in range(X.shape[0]):
        total = total + train_step(net, P, S, X[k], T[k], rate, exact, bias)
    return total


cdef void query_rows(const Layout* net, const double[::1] P, double[:, :, ::1] Q,
                     const double[:, ::1] X, double[:, ::1] out) noexcept nogil:
    """The outputs Y(L) of the rows of X into those of out, BATCH rows per pass through the layers.

    Q[l - 1] holds the outputs Y(l) of the current batch (BATCH rows of max(n) values).
    """
    cdef Py_ssize_t k = 0, count, r, total = X.shape[0], n_out = net.n[net.L]
    cdef int l, L = net.L
    while k < total:
        count = min(<Py_ssize_t>BATCH, total - k)
        forward_rows(P[net.w[1]:], P[net.b[1]:], X[k:k + count], Q[0], count, net.n[0], net.n[1])
        for l in range(2, L + 1):
            forward_rows(P[net.w[l]:], P[net.b[l]:], Q[l - 2], Q[l - 1], count, net.n[l - 1], net.n[l])
        for r in range(count):
            memcpy(&out[k + r, 0], &Q[L - 1, r, 0], n_out * sizeof(double))
        k += count


cdef void rescale(double[::1] v, Py_ssize_t n) noexcept nogil:
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


cdef void backquery(const Layout* net, const double[::1] P, const double[::1] outputs,
                    double[::1] z, double[::1] y) noexcept nogil:
    """(Q1)-(Q4): y (n(0) values) from outputs (n(L)); z and y hold max(n) values each."""
    cdef int l
    cdef Py_ssize_t i, j
    for j in range(net.n[net.L]):
        z[j] = logit(outputs[j])  # (Q1) Z(L) = logit(Y(L))
    for l in range(net.L, 0, -1):
        for j in range(net.n[l]):
            z[j] = z[j] - P[net.b[l] + j]
        times(P[net.w[l]:], z, y, net.n[l - 1], net.n[l])  # (Q2) Y(l-1) = W(l) . (Z(l) - B(l))
        rescale(y, net.n[l - 1])  # (Q3)
        if l > 1:
            for i in range(net.n[l - 1]):
                z[i] = logit(y[i])  # (Q4) Z(l-1) = logit(Y(l-1))


cdef inline double max_or_inf(double a, double b) noexcept nogil:
    return b if (b > a or b != b) else a


cdef double largest_magnitude(const double[::1] v) noexcept nogil:
    """``max |v[i]|``; inf when a value is inf or NaN (pynet.guard.largest_magnitude)."""
    cdef Py_ssize_t i
    cdef double largest = 0.0, a
    for i in range(v.shape[0]):
        a = fabs(v[i])
        if not a <= largest:
            if a != a:
                return INFINITY
            largest = a
    return largest


cdef bint all_finite(const double[:, ::1] M) noexcept nogil:
    cdef Py_ssize_t k, i
    cdef bint ok = True
    for k in range(M.shape[0]):
        for i in range(M.shape[1]):
            ok = ok & isfinite(M[k, i])
    return ok


# ---------------------------------------------------------------------------------
# Input: what compiled code can take without help
# ---------------------------------------------------------------------------------

cdef bint _copy_floats(object values, double[::1] out) noexcept:
    """Copy a list or tuple of exactly ``len(out)`` finite Python floats; False for anything else."""
    cdef Py_ssize_t i, length = out.shape[0]
    cdef PyObject* item
    cdef double v
    if PyList_CheckExact(values):
        if PyList_GET_SIZE(values) != length:
            return False
        for i in range(length):
            item = PyList_GET_ITEM(values, i)
            if not PyFloat_CheckExact(item):
                return False
            v = PyFloat_AS_DOUBLE(<object>item)
            if not isfinite(v):
                return False
            out[i] = v
        return True
    if PyTuple_CheckExact(values):
        if PyTuple_GET_SIZE(values) != length:
            return False
        for i in range(length):
            item = PyTuple_GET_ITEM(values, i)
            if not PyFloat_CheckExact(item):
                return False
            v = PyFloat_AS_DOUBLE(<object>item)
            if not isfinite(v):
                return False
            out[i] = v
        return True
    return False


cdef bint _load_vector(object values, double[::1] out):
    """Copy one vector of ``len(out)`` finite values: floats in a list or tuple, or a 1-D float64 buffer.

    False for anything else, including a buffer of another type, shape or layout.
    """
    cdef const double[::1] v
    cdef Py_ssize_t i
    if PyList_CheckExact(values) or PyTuple_CheckExact(values):
        return _copy_floats(values, out)
    if values is None or hasattr(values, "mask"):  # a numpy masked array: pynet.checks refuses it
        return False
    try:
        v = values
    except Exception:  # not a C-contiguous 1-D float64 buffer
        return False
    if v.shape[0] != out.shape[0]:
        return False
    for i in range(v.shape[0]):
        if not isfinite(v[i]):
            return False
        out[i] = v[i]
    return True


cdef object _matrix(Py_ssize_t rows, Py_ssize_t cols):
    return cvarray(shape=(rows, cols), itemsize=sizeof(double), format="d")


cdef double[::1] _block(Py_ssize_t size):
    """A zeroed contiguous run of ``size`` doubles starting on a 64-byte boundary."""
    cdef double[::1] raw = cvarray(shape=(size + ALIGN,), itemsize=sizeof(double), format="d")
    cdef Py_ssize_t skip = ((ALIGN * sizeof(double) - (<uintptr_t>&raw[0]) % (ALIGN * sizeof(double)))
                            % (ALIGN * sizeof(double))) // sizeof(double)
    raw[:] = 0.0
    return raw[skip:skip + size]


cdef inline Py_ssize_t _aligned(Py_ssize_t offset) noexcept:
    return (offset + ALIGN - 1) // ALIGN * ALIGN


# ---------------------------------------------------------------------------------
# One network's storage
# ---------------------------------------------------------------------------------

cdef class Core:
    """The parameters and scratch space of a network of the given layer sizes."""

    cdef Layout net
    cdef readonly tuple layer_sizes
    cdef Py_ssize_t* table   # every array of the Layout, in one allocation
    cdef double[::1] P       # the parameters: W(1), B(1), ..., W(L), B(L)
    cdef double[::1] S       # one sample's Y(0) ... Y(L), E, delta, a target, back query scratch
    cdef double[:, :, ::1] Q  # a batch of queries: Q[l - 1] = Y(l) of BATCH rows

    def __cinit__(self, tuple layer_sizes):
        cdef int L = len(layer_sizes) - 1, l
        cdef Py_ssize_t p = 0, s = 0, widest = 0, widest_out = 0
        cdef Layout* net = &self.net
        self.layer_sizes = layer_sizes
        self.table = <Py_ssize_t*>PyMem_Malloc(6 * (L + 1) * sizeof(Py_ssize_t))
        if self.table == NULL:
            raise MemoryError()
        net.L = L
        net.n, net.w, net.b = self.table, self.table + (L + 1), self.table + 2 * (L + 1)
        net.y, net.e, net.d = self.table + 3 * (L + 1), self.table + 4 * (L + 1), self.table + 5 * (L + 1)
        for l in range(L + 1):
            net.n[l] = layer_sizes[l]
            if net.n[l] < 1:
                raise ValueError("every layer needs at least one neuron")
            widest = max(widest, net.n[l])
            if l > 0:
                widest_out = max(widest_out, net.n[l])
        net.widest = widest
        net.w[0] = net.b[0] = net.e[0] = net.d[0] = 0
        for l in range(1, L + 1):
            net.w[l] = p
            p = _aligned(p + net.n[l - 1] * net.n[l])
            net.b[l] = p
            p = _aligned(p + net.n[l])
        for l in range(L + 1):
            net.y[l] = s
            s = _aligned(s + net.n[l])
        for l in range(1, L + 1):
            net.e[l] = s
            s = _aligned(s + net.n[l])
            net.d[l] = s
            s = _aligned(s + net.n[l])
        net.t = s
        s = _aligned(s + net.n[L])
        net.back = s
        s = s + 2 * _aligned(widest)
        self.P = _block(p)
        self.S = _block(s)
        self.Q = cvarray(shape=(L, BATCH, _aligned(widest_out)), itemsize=sizeof(double), format="d")

    def __dealloc__(self):
        PyMem_Free(self.table)

    # -- parameters (already checked by pynet.checks) ----------------------------------

    def store(self, list weights, list biases):
        """Copy checked ``[W(1) ... W(L)]`` and ``[B(1) ... B(L)]`` (lists of floats) in.

        They are copied into a new block, which replaces the old one only once all of it
        is in: on an error the network keeps its parameters.
        """
        cdef int l
        cdef Py_ssize_t i, n_in, n_out, at
        cdef double[::1] P = _block(self.P.shape[0])
        if len(weights) != self.net.L or len(biases) != self.net.L:
            raise ValueError("weights and biases need %d layers" % self.net.L)
        for l in range(1, self.net.L + 1):
            n_in, n_out = self.net.n[l - 1], self.net.n[l]
            if len(weights[l - 1]) != n_in:
                raise ValueError("weights[%d] is not %d rows" % (l - 1, n_in))
            for i in range(n_in):
                at = self.net.w[l] + i * n_out
                if not _copy_floats(weights[l - 1][i], P[at:at + n_out]):
                    raise ValueError("weights[%d][%d] is not %d finite floats" % (l - 1, i, n_out))
            if not _copy_floats(biases[l - 1], P[self.net.b[l]:self.net.b[l] + n_out]):
                raise ValueError("biases[%d] is not %d finite floats" % (l - 1, n_out))
        self.P = P

    # -- the divergence guard (pynet.guard) ---------------------------------------------

    def snapshot(self):
        """A copy of the parameters, for :meth:`restore`."""
        cdef double[::1] copy = _block(self.P.shape[0])
        copy[:] = self.P
        return copy

    def restore(self, double[::1] copy not None):
        """Put back the parameters of :meth:`snapshot`."""
        if copy.shape[0] != self.P.shape[0]:
            raise ValueError("a snapshot of another network")
        self.P[:] = copy

    def largest_parameter(self):
        """``max |W|, |B|`` over every parameter; inf when one is inf or NaN."""
        cdef double largest
        with nogil:
            largest = largest_magnitude(self.P)
        return largest

    def export(self):
        """``(weights, biases)`` as fresh nested lists."""
        cdef int l
        cdef Py_ssize_t n_in, n_out, w, b
        cdef const double[::1] P = self.P
        weights, biases = [], []
        for l in range(1, self.net.L + 1):
            n_in, n_out, w, b = self.net.n[l - 1], self.net.n[l], self.net.w[l], self.net.b[l]
            weights.append([[P[w + i * n_out + j] for j in range(n_out)] for i in range(n_in)])
            biases.append([P[b + j] for j in range(n_out)])
        return weights, biases

    # -- one sample -----------------------------------------------------------------------

    def vector(self, values, Py_ssize_t length):
        """``values`` copied into a new float64 array of ``length`` finite values, or None when
        they need pynet.checks. Reads the input once, and touches nothing of the network's."""
        cdef double[::1] out = cvarray(shape=(max(length, 1),), itemsize=sizeof(double), format="d")
        out = out[:length]
        return out if _load_vector(values, out) else None

    def train(self, const double[::1] x not None, const double[::1] t not None, double rate, bint exact, bint bias):
        """One training step on a loaded input and target (from :meth:`vector`); the loss."""
        cdef double loss
        cdef const Layout* net = &self.net
        if x.shape[0] != net.n[0] or t.shape[0] != net.n[net.L]:
            raise ValueError("the input or target does not fit this network")
        with nogil:
            loss = train_step(net, self.P, self.S, x, t, rate, exact, bias)
        return loss

    def query(self, const double[::1] x not None):
        """``Y(L)`` as a list, for a loaded input (from :meth:`vector`)."""
        cdef const Layout* net = &self.net
        cdef const double[::1] y = self.S[net.y[net.L]:net.y[net.L] + net.n[net.L]]
        if x.shape[0] != net.n[0]:
            raise ValueError("the input does not fit this network")
        with nogil:
            forward(net, self.P, self.S, x)
        return [y[j] for j in range(y.shape[0])]

    def backquery(self, outputs):
        """(Q1)-(Q4) for checked outputs (a list of floats strictly between 0 and 1)."""
        cdef const Layout* net = &self.net
        cdef Py_ssize_t wide = _aligned(net.widest)
        cdef double[::1] t = self.S[net.t:net.t + net.n[net.L]]
        cdef double[::1] z = self.S[net.back:net.back + wide]
        cdef double[::1] y = self.S[net.back + wide:net.back + 2 * wide]
        if not _load_vector(outputs, t):
            raise ValueError("outputs is not %d finite floats" % net.n[net.L])
        with nogil:
            backquery(net, self.P, t, z, y)
        return [y[i] for i in range(net.n[0])]

    # -- many samples -----------------------------------------------------------------------

    def rows(self, values, Py_ssize_t width):
        """``values`` as a ``count x width`` float64 memoryview, or None when they need pynet.checks.

        The values are read once, into a new block that the steps then use: a C-contiguous
        2-D float64 buffer (its values are checked by ``train_rows`` and ``query_rows``),
        or a list or tuple of rows, each a list or tuple of finite floats or a 1-D float64
        buffer.
        """
        cdef const double[:, ::1] M
        cdef double[:, ::1] copy
        cdef Py_ssize_t k, count
        if PyList_CheckExact(values) or PyTuple_CheckExact(values):
            count = len(values)
            if count == 0:
                return None
            copy = _matrix(count, width)
            for k in range(count):
                if not _load_vector(values[k], copy[k]):
                    return None
            return copy
        if values is None or hasattr(values, "mask"):  # a numpy masked array: pynet.checks refuses it
            return None
        try:
            M = values
        except Exception:  # not a C-contiguous 2-D float64 buffer
            return None
        if M.shape[1] != width or M.shape[0] == 0:
            return None
        copy = _matrix(M.shape[0], width)  # read once: the steps use this copy, not the caller's buffer
        copy[:, :] = M
        return copy

    def largest_value(self, const double[:, ::1] M not None):
        """``max |v|`` over the rows of :meth:`rows`; inf when one is inf or NaN."""
        cdef double largest = 0.0
        cdef Py_ssize_t k
        with nogil:
            for k in range(M.shape[0]):
                largest = max_or_inf(largest, largest_magnitude(M[k]))
        return largest

    def train_rows(self, const double[:, ::1] inputs not None, const double[:, ::1] targets not None,
                   double rate, bint exact, bint bias):
        """train_many on rows from :meth:`rows`; the mean loss, or None when a value is not finite."""
        cdef double total = 0.0
        cdef bint finite
        cdef const Layout* net = &self.net
        if (inputs.shape[1] != net.n[0] or targets.shape[1] != net.n[net.L]
                or inputs.shape[0] != targets.shape[0] or inputs.shape[0] < 1):
            raise ValueError("rows do not fit this network")
        with nogil:
            finite = all_finite(inputs) and all_finite(targets)
            if finite:
                total = train_rows(net, self.P, self.S, inputs, targets, rate, exact, bias)
        return total / inputs.shape[0] if finite else None

    def query_rows(self, const double[:, ::1] inputs not None):
        """query_many on rows from :meth:`rows`: a list of output lists, or None when a value is not finite."""
        cdef Py_ssize_t count = inputs.shape[0], n_out = self.net.n[self.net.L]
        cdef double[:, ::1] out
        cdef bint finite
        if inputs.shape[1] != self.net.n[0]:
            raise ValueError("rows do not fit this network")
        if count == 0:
            return []
        out = _matrix(count, n_out)
        with nogil:
            finite = all_finite(inputs)
            if finite:
                query_rows(&self.net, self.P, self.Q, inputs, out)
        if not finite:
            return None
        return [[out[k, j] for j in range(n_out)] for k in range(count)]


# ---------------------------------------------------------------------------------
# Pixels
# ---------------------------------------------------------------------------------

def scale_pixels(const unsigned char[::1] pixels, table):
    """``array('d')`` of ``table[p]`` for each byte ``p`` of ``pixels`` (``table``: 256 floats)."""
    from array import array
    cdef double lookup[256]
    cdef Py_ssize_t i, n = pixels.shape[0]
    cdef double[::1] out
    if len(table) != 256:
        raise ValueError("the pixel table must have 256 entries")
    for i in range(256):
        lookup[i] = table[i]
    data = array("d", [0.0]) * n
    if n:
        out = data
        with nogil:
            for i in range(n):
                out[i] = lookup[pixels[i]]
    return data
