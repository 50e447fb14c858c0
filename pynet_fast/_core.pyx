# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False, cdivision=True
"""The compiled storage and arithmetic of ``pynet_fast`` (read beside SPEC.md and pynet/matrix.py).

Two parts:

- the kernels: C functions without the GIL over contiguous ``double`` buffers. They
  repeat the loops of ``pynet/matrix.py`` and ``pynet/network.py`` operation for
  operation, so that every result has the same bits as the pure backend's. How the
  weights are laid out and in which order the loops walk them is decided here and
  nowhere else;
- ``Core``: the parameters and scratch space of one network, and the Python-facing
  methods. They take input only in forms they can check completely in compiled code
  (exact finite floats in lists or tuples, or C-contiguous float64 buffers) and
  answer ``None`` for anything else, so that the caller can hand that input to
  ``pynet.checks``, which converts it or raises pynet's own error. No kernel ever
  sees a shape it was not built for.

Storage: ``W(l)`` is one contiguous ``n(l-1) x n(l)`` row-major block, as in the
seed (row ``i`` holds the weights leaving neuron ``i`` of layer ``l-1``); ``B(l)``
one block of ``n(l)``. Scratch buffers for ``Y(l)``, ``E(l)`` and ``delta(l)`` are
allocated once with the network, so a training step allocates nothing.
"""

from cpython.buffer cimport PyBUF_FORMAT, PyBUF_ND, PyBuffer_Release
from cpython.float cimport PyFloat_AS_DOUBLE
from cpython.list cimport PyList_GET_ITEM, PyList_GET_SIZE
from cpython.mem cimport PyMem_Free, PyMem_Malloc
from cpython.ref cimport PyObject
from cpython.tuple cimport PyTuple_GET_ITEM, PyTuple_GET_SIZE
from libc.math cimport exp, isfinite, log
from libc.stdint cimport uintptr_t
from libc.stdlib cimport calloc, free
from libc.string cimport memcpy

cdef extern from "Python.h":
    # PyObject_GetBuffer without Cython's exception check: a refusal is an answer here
    # ("not a buffer of this kind"), and the error it sets is cleared.
    int get_buffer "PyObject_GetBuffer"(object obj, Py_buffer* view, int flags) noexcept
    void PyErr_Clear() noexcept
    bint PyFloat_CheckExact(PyObject* obj) noexcept
    bint PyList_CheckExact(object obj) noexcept
    bint PyTuple_CheckExact(object obj) noexcept
    bint PyObject_CheckBuffer(object obj) noexcept

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

BUILD = PYNET_BUILD.decode("ascii")  # "portable", or "native" (PYNET_NATIVE=1: -march=native)


# ---------------------------------------------------------------------------------
# The kernels
# ---------------------------------------------------------------------------------

cdef enum:
    ALIGN = 64  # bytes: a cache line, and the widest vector register


ctypedef struct Net:
    int L                 # layers with weights: W(1) ... W(L)
    Py_ssize_t* n         # n[0] ... n[L]: neurons per layer
    double** W            # W[l], l = 1 ... L: n(l-1) x n(l), row-major
    double** B            # B[l], l = 1 ... L
    double** Y            # Y[l], l = 1 ... L: outputs of the last forward pass
    double** E            # E[l], l = 1 ... L: errors
    double** D            # D[l], l = 1 ... L: deltas
    double** Y4           # Y4[l], l = 1 ... L: outputs of four inputs at once (4 x n(l))


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


cdef void forward_layer(const double* W, const double* B, const double* y, double* out,
                        Py_ssize_t n_in, Py_ssize_t n_out) noexcept nogil:
    """out = Act(W^T y + B) (F1, F2).

    Entry j is B[j] + y[0] W[0][j] + y[1] W[1][j] + ..., added one term at a time
    in the order i = 0, 1, ..., as pynet.matrix.transpose_times adds them. The
    rows are taken four at a time: each entry then gains four terms, still in row
    order, per trip through memory, and the loop over j runs in vector registers.
    """
    cdef Py_ssize_t i = 0, j
    cdef const double* w0
    cdef const double* w1
    cdef const double* w2
    cdef const double* w3
    cdef double y0, y1, y2, y3, z
    for j in range(n_out):
        out[j] = B[j]
    while i + 4 <= n_in:
        y0, y1, y2, y3 = y[i], y[i + 1], y[i + 2], y[i + 3]
        w0 = W + i * n_out
        w1 = w0 + n_out
        w2 = w1 + n_out
        w3 = w2 + n_out
        for j in range(n_out):
            z = out[j] + y0 * w0[j]
            z = z + y1 * w1[j]
            z = z + y2 * w2[j]
            out[j] = z + y3 * w3[j]
        i += 4
    while i < n_in:
        y0 = y[i]
        w0 = W + i * n_out
        for j in range(n_out):
            out[j] = out[j] + y0 * w0[j]
        i += 1
    for j in range(n_out):
        out[j] = sigmoid(out[j])


cdef inline void add_rows_4x4(out_ptr o0, out_ptr o1, out_ptr o2, out_ptr o3,
                              in_ptr w0, in_ptr w1, in_ptr w2, in_ptr w3, const double* y,
                              Py_ssize_t y_stride, Py_ssize_t i, Py_ssize_t n) noexcept nogil:
    """For the four outputs r: o_r[j] += y_r[i] w0[j], += y_r[i+1] w1[j], += y_r[i+2] w2[j], += y_r[i+3] w3[j].

    The terms are added one at a time, in row order; no two of the blocks overlap.
    """
    cdef Py_ssize_t j
    cdef const double* y0 = y + i
    cdef const double* y1 = y + y_stride + i
    cdef const double* y2 = y + 2 * y_stride + i
    cdef const double* y3 = y + 3 * y_stride + i
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


cdef void forward_layer_4(const double* W, const double* B, const double* y, Py_ssize_t y_stride,
                          double* out, Py_ssize_t n_in, Py_ssize_t n_out) noexcept nogil:
    """forward_layer for four inputs at once, ``y + r * y_stride`` into ``out + r * n_out``.

    Each entry is computed exactly as forward_layer computes it, one term at a time
    in row order; only the reading of W is shared: each row is read once for all
    four inputs, four rows at a time.
    """
    cdef Py_ssize_t i = 0, j, r
    cdef const double* w
    for r in range(4):
        for j in range(n_out):
            out[r * n_out + j] = B[j]
    while i + 4 <= n_in:
        w = W + i * n_out
        add_rows_4x4(out, out + n_out, out + 2 * n_out, out + 3 * n_out,
                     w, w + n_out, w + 2 * n_out, w + 3 * n_out, y, y_stride, i, n_out)
        i += 4
    while i < n_in:  # the last rows, one at a time
        w = W + i * n_out
        for r in range(4):
            for j in range(n_out):
                out[r * n_out + j] = out[r * n_out + j] + y[r * y_stride + i] * w[j]
        i += 1
    for j in range(4 * n_out):
        out[j] = sigmoid(out[j])


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


cdef void add_outer(double* W, double rate, const double* y, const double* d,
                    Py_ssize_t n_in, Py_ssize_t n_out) noexcept nogil:
    """W[i][j] += (rate * y[i]) * d[j] (U-W), as pynet.matrix.add_outer; four rows at a time."""
    cdef Py_ssize_t i = 0, j
    cdef double c0, c1, c2, c3, dj
    cdef double* w0
    cdef double* w1
    cdef double* w2
    cdef double* w3
    while i + 4 <= n_in:
        c0, c1, c2, c3 = rate * y[i], rate * y[i + 1], rate * y[i + 2], rate * y[i + 3]
        w0 = W + i * n_out
        w1 = w0 + n_out
        w2 = w1 + n_out
        w3 = w2 + n_out
        for j in range(n_out):
            dj = d[j]
            w0[j] = w0[j] + c0 * dj
            w1[j] = w1[j] + c1 * dj
            w2[j] = w2[j] + c2 * dj
            w3[j] = w3[j] + c3 * dj
        i += 4
    while i < n_in:
        c0 = rate * y[i]
        w0 = W + i * n_out
        for j in range(n_out):
            w0[j] = w0[j] + c0 * d[j]
        i += 1


cdef const double* forward(Net* net, const double* x) noexcept nogil:
    """The forward pass from the input x; returns Y(L) (kept in net.Y)."""
    cdef int l
    cdef const double* y = x
    for l in range(1, net.L + 1):
        forward_layer(net.W[l], net.B[l], y, net.Y[l], net.n[l - 1], net.n[l])
        y = net.Y[l]
    return y


cdef double train_step(Net* net, const double* x, const double* t, double rate,
                       bint exact, bint bias) noexcept nogil:
    """One step of gradient descent on (x, t); returns the loss before it (L1)."""
    cdef int l, L = net.L
    cdef Py_ssize_t j
    cdef double total = 0.0, e, y
    cdef const double* y_in
    forward(net, x)
    for j in range(net.n[L]):
        e = t[j] - net.Y[L][j]  # (E-L) E(L) = T - Y(L)
        net.E[L][j] = e
        total = total + e * e
    # Errors and deltas for every layer first, with the weights as they were before this sample.
    for l in range(L, 0, -1):
        for j in range(net.n[l]):
            y = net.Y[l][j]
            net.D[l][j] = net.E[l][j] * y * (1.0 - y)  # (D) E(l) * Y(l) * (1 - Y(l))
        if l > 1:
            # (X-l) E(l-1) = W(l) . delta(l), or the seed's (E-l) E(l-1) = W(l) . E(l)
            times(net.W[l], net.D[l] if exact else net.E[l], net.E[l - 1], net.n[l - 1], net.n[l])
    # Then the step down the gradient.
    for l in range(1, L + 1):
        y_in = x if l == 1 else net.Y[l - 1]
        add_outer(net.W[l], rate, y_in, net.D[l], net.n[l - 1], net.n[l])  # (U-W)
        if bias:
            for j in range(net.n[l]):
                net.B[l][j] = net.B[l][j] + rate * net.D[l][j]  # (U-B) B(l) += lambda delta(l)
    return 0.5 * total  # (L1)


cdef double train_rows(Net* net, const double* X, const double* T, Py_ssize_t count,
                       double rate, bint exact, bint bias) noexcept nogil:
    """train_step on each row pair in order; returns the sum of the losses, left to right."""
    cdef Py_ssize_t k, n_in = net.n[0], n_out = net.n[net.L]
    cdef double total = 0.0
    for k in range(count):
        total = total + train_step(net, X + k * n_in, T + k * n_out, rate, exact, bias)
    return total


cdef void query_rows(Net* net, const double* X, double* out, Py_ssize_t count) noexcept nogil:
    """The outputs Y(L) of ``count`` input rows, four at a time, then one at a time."""
    cdef Py_ssize_t k = 0, n_in = net.n[0], n_out = net.n[net.L]
    cdef int l
    cdef const double* y
    cdef Py_ssize_t stride
    while k + 4 <= count:
        y, stride = X + k * n_in, n_in
        for l in range(1, net.L + 1):
            forward_layer_4(net.W[l], net.B[l], y, stride, net.Y4[l], net.n[l - 1], net.n[l])
            y, stride = net.Y4[l], net.n[l]
        memcpy(out + k * n_out, y, 4 * n_out * sizeof(double))
        k += 4
    while k < count:
        memcpy(out + k * n_out, forward(net, X + k * n_in), n_out * sizeof(double))
        k += 1


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


cdef void backquery(Net* net, const double* outputs, double* z, double* y) noexcept nogil:
    """SPEC Q1 to Q4: y (n(0) values) from outputs (n(L)); z and y hold max(n) values each."""
    cdef int l
    cdef Py_ssize_t i, j
    for j in range(net.n[net.L]):
        z[j] = logit(outputs[j])  # (Q1) Z(L) = logit(Y(L))
    for l in range(net.L, 0, -1):
        for j in range(net.n[l]):
            z[j] = z[j] - net.B[l][j]
        times(net.W[l], z, y, net.n[l - 1], net.n[l])  # (Q2) Y(l-1) = W(l) . (Z(l) - B(l))
        rescale(y, net.n[l - 1])  # (Q3)
        if l > 1:
            for i in range(net.n[l - 1]):
                z[i] = logit(y[i])  # (Q4) Z(l-1) = logit(Y(l-1))


cdef bint all_finite(const double* p, Py_ssize_t count) noexcept nogil:
    cdef Py_ssize_t i
    cdef bint ok = True
    for i in range(count):
        ok = ok & isfinite(p[i])
    return ok


# ---------------------------------------------------------------------------------
# Input: what compiled code can take without help
# ---------------------------------------------------------------------------------

cdef bint _double_format(const char* fmt) noexcept:
    # A buffer of native float64: 'd', '@d', '=d', or '<d' / '>d' when that is this machine's order.
    cdef unsigned short probe = 1
    cdef bint little = (<unsigned char*>&probe)[0] == 1
    if fmt == NULL:
        return False
    if fmt[0] == b'd':
        return fmt[1] == 0
    if fmt[0] == b'@' or fmt[0] == b'=' or (fmt[0] == b'<' and little) or (fmt[0] == b'>' and not little):
        return fmt[1] == b'd' and fmt[2] == 0
    return False


cdef bint _acquire(object obj, Py_buffer* view, int ndim) noexcept:
    """Borrow obj's memory if it is a C-contiguous float64 buffer of ndim dimensions."""
    if not PyObject_CheckBuffer(obj):
        return False
    if get_buffer(obj, view, PyBUF_ND | PyBUF_FORMAT) == -1:  # PyBUF_ND asks for C-contiguous memory
        PyErr_Clear()
        return False
    if view.ndim == ndim and view.itemsize == sizeof(double) and _double_format(view.format):
        return True
    PyBuffer_Release(view)
    return False


cdef bint _copy_floats(object values, double* out, Py_ssize_t length) noexcept:
    """Copy a list or tuple of exactly ``length`` finite Python floats; False for anything else."""
    cdef Py_ssize_t i
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


cdef bint _load_vector(object values, double* out, Py_ssize_t length) noexcept:
    """Copy one vector of ``length`` finite values (floats in a list or tuple, or a float64 buffer)."""
    cdef Py_buffer view
    cdef bint ok
    if _copy_floats(values, out, length):
        return True
    if not _acquire(values, &view, 1):
        return False
    ok = view.shape[0] == length and all_finite(<const double*>view.buf, length)
    if ok:
        memcpy(out, view.buf, length * sizeof(double))
    PyBuffer_Release(&view)
    return ok


cdef class Rows:
    """``count`` rows of ``width`` finite floats in one C-contiguous block.

    Either borrowed from a float64 buffer (held until this object goes) or copied
    from a list or tuple of rows. Made only by :meth:`Core.rows`.
    """
    cdef Py_buffer view
    cdef bint borrowed
    cdef double* owned
    cdef const double* data
    cdef readonly Py_ssize_t count, width

    def __len__(self):
        return self.count

    def __dealloc__(self):
        if self.borrowed:
            PyBuffer_Release(&self.view)
        PyMem_Free(self.owned)


cdef Rows _rows(object values, Py_ssize_t width):
    """Rows from a 2-D float64 buffer or a list/tuple of rows; None unless all are finite and ``width`` wide."""
    cdef Rows rows = Rows.__new__(Rows)
    cdef Py_ssize_t k, count
    cdef bint ok
    rows.width = width
    if _acquire(values, &rows.view, 2):
        rows.borrowed = True
        rows.count = rows.view.shape[0]
        rows.data = <const double*>rows.view.buf
        if rows.view.shape[1] != width:
            return None
        with nogil:
            ok = all_finite(rows.data, rows.count * width)
        return rows if ok else None
    if PyList_CheckExact(values):
        count = PyList_GET_SIZE(values)
    elif PyTuple_CheckExact(values):
        count = PyTuple_GET_SIZE(values)
    else:
        return None
    rows.count = count
    rows.owned = <double*>PyMem_Malloc(max(count * width, 1) * sizeof(double))
    if rows.owned == NULL:
        raise MemoryError()
    rows.data = rows.owned
    for k in range(count):
        if not _load_vector(values[k], rows.owned + k * width, width):
            return None
    return rows


# ---------------------------------------------------------------------------------
# One network's storage
# ---------------------------------------------------------------------------------

cdef double* _aligned(double** blocks, Py_ssize_t index, Py_ssize_t count) except NULL:
    """A zeroed block of ``count`` doubles starting on an ALIGN-byte boundary.

    ``blocks[index]`` keeps the pointer to free.
    """
    cdef char* raw = <char*>PyMem_Malloc(count * sizeof(double) + ALIGN)
    cdef Py_ssize_t i
    cdef double* out
    if raw == NULL:
        raise MemoryError()
    blocks[index] = <double*>raw
    out = <double*>(raw + (ALIGN - (<uintptr_t>raw) % ALIGN) % ALIGN)
    for i in range(count):
        out[i] = 0.0
    return out


cdef class Core:
    """The parameters and scratch space of a network of the given layer sizes."""

    cdef Net net
    cdef readonly tuple layer_sizes
    cdef Py_ssize_t widest
    cdef double** blocks   # every allocation, to free
    cdef Py_ssize_t n_blocks
    cdef double* x         # a copied input row
    cdef double* t         # a copied target row
    cdef double* back_z    # back query scratch
    cdef double* back_y

    def __cinit__(self, tuple layer_sizes):
        cdef int L = len(layer_sizes) - 1, l
        cdef Py_ssize_t k = 0
        self.layer_sizes = layer_sizes
        self.net.L = L
        self.net.n = <Py_ssize_t*>PyMem_Malloc((L + 1) * sizeof(Py_ssize_t))
        self.n_blocks = 6 * L + 4
        self.blocks = <double**>calloc(self.n_blocks, sizeof(double*))  # all NULL until allocated
        self.net.W = <double**>PyMem_Malloc((L + 1) * sizeof(double*))
        self.net.B = <double**>PyMem_Malloc((L + 1) * sizeof(double*))
        self.net.Y = <double**>PyMem_Malloc((L + 1) * sizeof(double*))
        self.net.E = <double**>PyMem_Malloc((L + 1) * sizeof(double*))
        self.net.D = <double**>PyMem_Malloc((L + 1) * sizeof(double*))
        self.net.Y4 = <double**>PyMem_Malloc((L + 1) * sizeof(double*))
        if (self.net.Y4 == NULL or self.net.n == NULL or self.blocks == NULL or self.net.W == NULL or self.net.B == NULL
                or self.net.Y == NULL or self.net.E == NULL or self.net.D == NULL):
            raise MemoryError()
        self.widest = 0
        for l in range(L + 1):
            self.net.n[l] = layer_sizes[l]
            self.widest = max(self.widest, self.net.n[l])
        self.net.W[0] = self.net.B[0] = self.net.Y[0] = self.net.E[0] = self.net.D[0] = self.net.Y4[0] = NULL
        k = 0
        for l in range(1, L + 1):
            self.net.W[l] = _aligned(self.blocks, k, self.net.n[l - 1] * self.net.n[l])
            self.net.B[l] = _aligned(self.blocks, k + 1, self.net.n[l])
            self.net.Y[l] = _aligned(self.blocks, k + 2, self.net.n[l])
            self.net.E[l] = _aligned(self.blocks, k + 3, self.net.n[l])
            self.net.D[l] = _aligned(self.blocks, k + 4, self.net.n[l])
            self.net.Y4[l] = _aligned(self.blocks, k + 5, 4 * self.net.n[l])
            k += 6
        self.x = _aligned(self.blocks, k, self.net.n[0])
        self.t = _aligned(self.blocks, k + 1, self.net.n[L])
        self.back_z = _aligned(self.blocks, k + 2, self.widest)
        self.back_y = _aligned(self.blocks, k + 3, self.widest)

    def __dealloc__(self):
        cdef Py_ssize_t k
        if self.blocks != NULL:
            for k in range(self.n_blocks):
                PyMem_Free(self.blocks[k])
        free(self.blocks)
        PyMem_Free(self.net.n)
        PyMem_Free(self.net.W)
        PyMem_Free(self.net.B)
        PyMem_Free(self.net.Y)
        PyMem_Free(self.net.E)
        PyMem_Free(self.net.D)
        PyMem_Free(self.net.Y4)

    # -- parameters (already checked by pynet.checks) ----------------------------------

    def store(self, list weights, list biases):
        """Copy checked ``[W(1) ... W(L)]`` and ``[B(1) ... B(L)]`` (lists of floats) in."""
        cdef int l
        cdef Py_ssize_t i, n_in, n_out
        for l in range(1, self.net.L + 1):
            n_in, n_out = self.net.n[l - 1], self.net.n[l]
            for i in range(n_in):
                if not _copy_floats(weights[l - 1][i], self.net.W[l] + i * n_out, n_out):
                    raise ValueError("weights[%d][%d] is not %d finite floats" % (l - 1, i, n_out))
            if not _copy_floats(biases[l - 1], self.net.B[l], n_out):
                raise ValueError("biases[%d] is not %d finite floats" % (l - 1, n_out))

    def export(self):
        """``(weights, biases)`` as fresh nested lists."""
        cdef int l
        cdef Py_ssize_t i, j, n_in, n_out
        cdef const double* w
        weights, biases = [], []
        for l in range(1, self.net.L + 1):
            n_in, n_out = self.net.n[l - 1], self.net.n[l]
            w = self.net.W[l]
            weights.append([[w[i * n_out + j] for j in range(n_out)] for i in range(n_in)])
            biases.append([self.net.B[l][j] for j in range(n_out)])
        return weights, biases

    # -- one sample -----------------------------------------------------------------------

    def train(self, inputs, targets, double rate, bint exact, bint bias):
        """One training step; the loss, or None when the input needs pynet.checks."""
        cdef double loss
        if not (_load_vector(inputs, self.x, self.net.n[0])
                and _load_vector(targets, self.t, self.net.n[self.net.L])):
            return None
        with nogil:
            loss = train_step(&self.net, self.x, self.t, rate, exact, bias)
        return loss

    def query(self, inputs):
        """``Y(L)`` as a list, or None when the input needs pynet.checks."""
        cdef const double* y
        cdef Py_ssize_t j
        if not _load_vector(inputs, self.x, self.net.n[0]):
            return None
        with nogil:
            y = forward(&self.net, self.x)
        return [y[j] for j in range(self.net.n[self.net.L])]

    def backquery(self, outputs):
        """SPEC Q1 to Q4 for checked outputs (a list of floats strictly between 0 and 1)."""
        cdef Py_ssize_t i
        if not _load_vector(outputs, self.t, self.net.n[self.net.L]):
            raise ValueError("outputs is not %d finite floats" % self.net.n[self.net.L])
        with nogil:
            backquery(&self.net, self.t, self.back_z, self.back_y)
        return [self.back_y[i] for i in range(self.net.n[0])]

    # -- many samples -----------------------------------------------------------------------

    def rows(self, values, Py_ssize_t width):
        """``values`` as :class:`Rows` of ``width``, or None when they need pynet.checks."""
        return _rows(values, width)

    def train_rows(self, Rows inputs, Rows targets, double rate, bint exact, bint bias):
        """train_many on checked rows (same count, at least one); returns the mean loss."""
        cdef double total
        if (inputs.width != self.net.n[0] or targets.width != self.net.n[self.net.L]
                or inputs.count != targets.count or inputs.count < 1):
            raise ValueError("rows do not fit this network")
        with nogil:
            total = train_rows(&self.net, inputs.data, targets.data, inputs.count, rate, exact, bias)
        return total / inputs.count

    def query_rows(self, Rows inputs):
        """query_many on checked rows: a list of output lists."""
        cdef Py_ssize_t k, j, n_out = self.net.n[self.net.L], count = inputs.count
        cdef double* out
        if inputs.width != self.net.n[0]:
            raise ValueError("rows do not fit this network")
        out = <double*>PyMem_Malloc(max(count * n_out, 1) * sizeof(double))
        if out == NULL:
            raise MemoryError()
        try:
            with nogil:
                query_rows(&self.net, inputs.data, out, count)
            return [[out[k * n_out + j] for j in range(n_out)] for k in range(count)]
        finally:
            PyMem_Free(out)


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
