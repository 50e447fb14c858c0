# The code of pynet_fast's compiled modules, included by _core.pyx (compiled for any CPU
# of the platform, or for this machine with PYNET_NATIVE=1), _core_avx2.pyx and
# _core_avx512.pyx (x86-64 with AVX2, AVX-512F; without FMA). Their docstrings and
# compiler directives are in those files; _core.pyx describes what is here. Included
# from here: _input.pxi (what compiled code reads as it is, the one-pass copy and
# measure of many rows), _forward.pxi and _train.pxi (the kernels), _helper.pxi (the helper
# thread) and _split.pxi (train_many and query on two threads), _augment.pxi (the training
# jitter); here: the CPU checks, the layout, and Core.

from cpython.buffer cimport PyBUF_C_CONTIGUOUS, PyBUF_FORMAT, PyBuffer_Release, PyObject_GetBuffer
from cpython.float cimport PyFloat_AS_DOUBLE
from cpython.list cimport PyList_GET_ITEM, PyList_GET_SIZE
from cpython.mem cimport PyMem_Free, PyMem_Malloc
from cpython.ref cimport PyObject
from cpython.tuple cimport PyTuple_GET_ITEM, PyTuple_GET_SIZE
from cython.view cimport array as cvarray
from libc.math cimport INFINITY, NAN, ceil, cos, exp, fabs, floor, isfinite, log, sin
from libc.stdint cimport uintptr_t
from libc.string cimport memcpy, strcmp

cdef extern from "Python.h":
    double float_value "PyFloat_AS_DOUBLE"(PyObject* obj) noexcept  # borrowed: no reference counting
    ctypedef struct PyTypeObject
    PyTypeObject* Py_TYPE(PyObject* obj) noexcept
    bint PyFloat_Check(PyObject* obj) noexcept
    bint PyFloat_CheckExact(PyObject* obj) noexcept
    bint PyList_CheckExact(object obj) noexcept
    bint PyTuple_CheckExact(object obj) noexcept
    bint PyLong_CheckExact(PyObject* obj) noexcept
    double int_value "PyLong_AsDouble"(PyObject* obj) noexcept  # -1.0 with an error set when too large
    PyObject* PyErr_Occurred() noexcept
    void PyErr_Clear() noexcept

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
    # Whether this CPU, and its operating system, run AVX2 (AVX-512F) instructions: GCC's
    # and Clang's builtin reads CPUID, and XGETBV for the saved vector registers.
    # Elsewhere: no.
    """
    #if defined(__GNUC__) && (defined(__x86_64__) || defined(__amd64__))
    static int pynet_cpu_has_avx2(void) {
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx2") != 0;
    }
    static int pynet_cpu_has_avx512(void) {
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx512f") != 0;
    }
    #else
    static int pynet_cpu_has_avx2(void) { return 0; }
    static int pynet_cpu_has_avx512(void) { return 0; }
    #endif
    """
    int pynet_cpu_has_avx2() noexcept nogil
    int pynet_cpu_has_avx512() noexcept nogil

# Which kernels these are: "portable" (any CPU of the platform), "avx2" (x86-64 with
# AVX2, no FMA), "avx512" (x86-64 with AVX-512F, no FMA) or "native" (PYNET_NATIVE=1:
# -march=native, for the machine that built it).
BUILD = PYNET_BUILD.decode("ascii")


def cpu_has_avx2():
    """True when this CPU and its operating system can run the ``avx2`` kernels."""
    return pynet_cpu_has_avx2() != 0


def cpu_has_avx512():
    """True when this CPU and its operating system can run the ``avx512`` kernels (AVX-512F)."""
    return pynet_cpu_has_avx512() != 0


# ---------------------------------------------------------------------------------
# The kernels
# ---------------------------------------------------------------------------------

cdef enum:
    ALIGN = 8   # doubles: 64 bytes, a cache line and the widest vector register
    BATCH = 8   # query rows that share one trip through the weights
    SPLIT_COLUMNS = 32  # train_many and query split W(1) between two threads from this many columns
    QUERY_SPLIT_WEIGHTS = 1 << 14  # ... a query, when W(1) also has this many weights (128 KB); train calls too
    PANEL_AFTER = 64  # train calls in a row after which W(1) is held in panels (Core.train_loaded)
    COPY_PER_THREAD = 1 << 17  # values of a buffer worth a copying thread of their own (1 MB)
    HOLD_VALUES = 1 << 22  # a train_many buffer this large (32 MB) is held, not copied whole (Core.rows)
    CHUNK_VALUES = 1 << 20  # ... and copied this many values' worth of whole rows at a time (8 MB)


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


include "_input.pxi"
include "_forward.pxi"
include "_train.pxi"
include "_helper.pxi"
include "_split.pxi"





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
    cdef double[::1] S_next  # the same for the next sample, while train_rows works on two
    cdef bint pending        # the last train's update of the weights (U-W) waits in S (see train_loaded)
    cdef bint loaded         # a sample waits for train_loaded: in S_next while pending, else in S
    cdef double pending_rate
    cdef Py_ssize_t q_width  # values per row of a query batch's scratch: max(n(1) ... n(L)), aligned
    cdef readonly tuple split_counts  # the last train_rows on two threads: steps (helped, waited long for); else None
    cdef readonly object query_helped  # the last query on two threads: whether the helper did its share; else None
    cdef int split_rest      # train_rows calls to keep to one thread, after one the helper helped too little
    cdef int split_backoff   # how many the next such call sets split_rest to (1, 2, 4, ... 64)
    cdef QuerySplit query_split  # queries on two threads: their split of W(1), and its balance
    cdef double[::1] H       # train_rows on two threads: the helper's copies and the lines (a Run; empty until then)
    cdef double[::1] I       # a query on two threads: the input streamed to the helper (choose_handover)
    cdef double[::1] panels  # train calls in a row: W(1) in two panels, left and right (empty until then)
    cdef readonly bint paneled  # W(1) is in the panels, not in P, until flush folds it back
    cdef long trains_in_row  # train calls since the last call of any other method
    cdef public Py_ssize_t hold_values   # rows holds a buffer of this many values or more (HOLD_VALUES)
    cdef public Py_ssize_t chunk_values  # train_rows copies held rows in chunks of this many values (CHUNK_VALUES)

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
        self.S_next = _block(s)
        self.q_width = _aligned(widest_out)
        self.H = _block(0)
        self.I = _block(net.n[0])
        self.panels = _block(0)
        self.hold_values, self.chunk_values = HOLD_VALUES, CHUNK_VALUES

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
        self.flush()
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
        """A copy of the parameters (a waiting update applied first), for :meth:`restore`."""
        cdef double[::1] copy = _block(self.P.shape[0])
        self.flush(True)  # (the divergence guard's, in a train call: the calls in a row go on)
        copy[:] = self.P
        return copy

    def restore(self, double[::1] copy not None):
        """Put back the parameters of :meth:`snapshot`."""
        if copy.shape[0] != self.P.shape[0]:
            raise ValueError("a snapshot of another network")
        # an update waiting from after the snapshot is dropped with the rest, and W(1)'s panels
        self.pending = self.loaded = self.paneled = False
        self.trains_in_row = 0
        self.P[:] = copy

    def largest_parameter(self):
        """``max |W|, |B|`` over every parameter (a waiting update applied first); inf when one is inf or NaN."""
        cdef double largest
        self.flush(True)  # (as snapshot)
        with nogil:
            largest = largest_of(&self.P[0], self.P.shape[0])
        return largest

    def export(self):
        """``(weights, biases)`` as fresh nested lists."""
        cdef int l
        cdef Py_ssize_t n_in, n_out, w, b
        cdef const double[::1] P = self.P
        self.flush()
        weights, biases = [], []
        for l in range(1, self.net.L + 1):
            n_in, n_out, w, b = self.net.n[l - 1], self.net.n[l], self.net.w[l], self.net.b[l]
            weights.append([[P[w + i * n_out + j] for j in range(n_out)] for i in range(n_in)])
            biases.append([P[b + j] for j in range(n_out)])
        return weights, biases

    # -- one sample -----------------------------------------------------------------------

    cdef void flush(self, bint in_train=False) noexcept:
        """Fold W(1)'s panels back into P, if train calls left it there, and apply the update
        (U-W) that the last train left waiting, if any: before anything reads W.

        Every method but the training step calls it first, and may then use S as scratch
        space: a sample loaded for train_loaded is forgotten. Every call but the guard's in
        a train call (``in_train``: snapshot, largest_parameter) ends the train calls in a
        row: after the guard's, the next train call holds W(1) in panels again at once.
        """
        cdef const Layout* net = &self.net
        cdef double* S = &self.S[0]
        cdef Py_ssize_t s = left_columns(net.n[1])
        cdef Py_ssize_t at = right_panel_at(net.n[0], s)
        self.loaded = False
        if not in_train:
            self.trains_in_row = 0
        if self.paneled:
            with nogil:
                from_panels(&self.P[net.w[1]], &self.panels[0], &self.panels[at], net.n[0], net.n[1], s)
            self.paneled = False
        if self.pending:
            with nogil:
                update_weights(net, &self.P[0], S, S + net.y[0], self.pending_rate)
            self.pending = False

    def vector(self, values, Py_ssize_t length):
        """``values`` copied into a new float64 array of ``length`` finite values, or None when
        they need pynet.checks. Reads the input once, and touches nothing of the network's."""
        cdef double[::1] out = cvarray(shape=(max(length, 1),), itemsize=sizeof(double), format="d")
        out = out[:length]
        return out if _load_vector(values, out) else None

    cdef double* _next_sample(self) noexcept:
        """Where the next train's input and target go: S, or S_next while an update waits in S."""
        return &self.S_next[0] if self.pending else &self.S[0]

    def load_floats(self, inputs, targets):
        """Read a sample given as lists of plain numbers or plain float64 buffers (_read_plain)
        into the next step's place (see train_loaded).

        Returns ``(max |inputs|, max |targets|)``, or None for any other input (then nothing
        of the network's has changed). Runs no Python code (_read_plain), so the caller may
        hold the network's lock.
        """
        cdef const Layout* net = &self.net
        cdef double* S = self._next_sample()
        cdef double x_max, t_max
        self.loaded = False
        if not (_read_plain(inputs, S + net.y[0], net.n[0], &x_max)
                and _read_plain(targets, S + net.t, net.n[net.L], &t_max)):
            return None
        self.loaded = True
        return x_max, t_max

    def train(self, const double[::1] x not None, const double[::1] t not None, double rate, bint exact, bint bias,
              int threads=1):
        """One training step on a loaded input and target (from :meth:`vector`); the loss."""
        cdef const Layout* net = &self.net
        cdef double* S = self._next_sample()
        if x.shape[0] != net.n[0] or t.shape[0] != net.n[net.L]:
            raise ValueError("the input or target does not fit this network")
        memcpy(S + net.y[0], &x[0], net.n[0] * sizeof(double))
        memcpy(S + net.t, &t[0], net.n[net.L] * sizeof(double))
        self.loaded = True
        return self.train_loaded(rate, exact, bias, threads)

    def train_loaded(self, double rate, bint exact, bint bias, int threads=1):
        """One training step on the sample that :meth:`train` or :meth:`load_floats` put in place; the loss.

        As in train_rows, a step's update of the weights (U-W) runs fused with the next
        step's forward pass, when the next call is a train: until then it waits in S
        (its input, outputs and deltas), and every other method applies it first
        (flush). Either way each weight gets the same operations in the same order.

        With ``threads`` > 1, and W(1) as large as a query splits (SPLIT_COLUMNS,
        QUERY_SPLIT_WEIGHTS), the PANEL_AFTER-th train call in a row (no other call of this
        network's between) copies W(1) into two panels, as train_rows does for a call, and
        leaves it there: the calls after it split their fused pass over W(1) with the helper
        thread (step_columns), until another call folds the panels back (flush). The same bits.
        """
        cdef double loss
        cdef const Layout* net = &self.net
        cdef double[::1] here = self.S_next if self.pending else self.S  # where the sample is
        cdef double* S = &here[0]
        cdef Py_ssize_t n_in = net.n[0], n_out = net.n[1], s = left_columns(net.n[1])
        cdef double* left = NULL
        cdef double* right = NULL
        cdef bint to_panel = False
        cdef Handover* h = NULL
        if not self.loaded:
            raise ValueError("no sample is loaded (train and load_floats load one; any other call forgets it)")
        if (not self.paneled and threads > 1 and CAN_SPLIT and n_out >= SPLIT_COLUMNS
                and n_in * n_out >= QUERY_SPLIT_WEIGHTS and self.trains_in_row + 1 >= panel_after):
            if self.panels.shape[0] == 0:
                try:
                    self.panels = _block(panels_size(n_in, n_out, s))
                except MemoryError:  # (the call goes on without: panels only make it faster)
                    pass
            to_panel = self.panels.shape[0] > 0
        if self.paneled or to_panel:
            left, right = &self.panels[0], &self.panels[right_panel_at(n_in, s)]
        if self.paneled and self.pending and threads > 1:
            h = take_helper()
        self.loaded = False
        with nogil:
            if self.pending and self.paneled:  # the same, W(1) in panels, the right one offered to the helper
                step_columns(net, &self.P[0], &self.S[0], S, left, right, s, self.pending_rate, h)
                if h != NULL:
                    give_helper(h)
            elif self.pending:  # the last sample's update, then this one's forward pass
                update_then_forward(net, &self.P[0], &self.S[0], &self.S[net.y[0]], S, S + net.y[0],
                                    self.pending_rate)
            else:
                forward(net, &self.P[0], S, S + net.y[0])
            loss = output_error(net, S, S + net.t)
            back_errors(net, &self.P[0], S, exact)
            if bias:  # now: the next forward pass starts from B
                update_biases(net, &self.P[0], S, rate)
        if self.pending:  # this sample's block becomes the current one
            self.S_next, self.S = self.S, here
        self.pending, self.pending_rate = True, rate
        self.trains_in_row += 1
        if to_panel:  # (the update just left waiting applies to the panels as it would to P)
            with nogil:
                to_panels(&self.P[net.w[1]], left, right, n_in, n_out, s)
            self.paneled = True
        return loss

    def query(self, const double[::1] x not None, int threads=1, long patience=-1):
        """``Y(L)`` as a list, for a loaded input (from :meth:`vector`); see :meth:`query_floats` for ``threads``."""
        cdef const Layout* net = &self.net
        if x.shape[0] != net.n[0]:
            raise ValueError("the input does not fit this network")
        self.flush()
        memcpy(&self.S[net.y[0]], &x[0], net.n[0] * sizeof(double))
        return self._query_loaded(threads, patience)

    cdef list _query_loaded(self, int threads, long patience):
        """``Y(L)`` as a list, for the input in place in S (after flush)."""
        cdef const Layout* net = &self.net
        cdef double* S = &self.S[0]
        cdef double* streamed_input
        cdef long share = 0
        cdef Handover* h = self._query_helper(threads)
        if h != NULL:
            streamed_input = NULL
            if h.queries_alone == 0 and query_streams(&self.query_split):  # (else no share is offered)
                streamed_input = &self.I[0]
                stream(streamed_input, S + net.y[0], net.n[0])
                streamed()
            share = offer_query(net, &self.P[0], S, h, net.n[0], &self.query_split, streamed_input)
        return self._finish_query(h, share, patience)

    def query_floats(self, values, int threads=1, long patience=-1):
        """``Y(L)`` as a list for an input given as a list of plain numbers or a plain float64
        buffer (_read_plain); None for any other input.

        Runs no Python code while it reads (_read_plain), so the caller may hold the
        network's lock. With ``threads`` > 1, and W(1) at least SPLIT_COLUMNS columns wide
        and QUERY_SPLIT_WEIGHTS weights large, the pass over W(1) is split with the
        helper thread (_split.pxi), which starts while a list is being read (a buffer is
        copied first, as :meth:`query` copies its input): the same bits. ``patience``: how
        many spins of waiting for the helper count as a long wait (PATIENCE unless a test
        says otherwise: 0, to reach the queries kept to one thread after one).
        """
        cdef const Layout* net = &self.net
        cdef double* S
        cdef double largest
        cdef Handover* h
        cdef double* streamed_input = NULL
        cdef long share = 0
        self.flush()
        S = &self.S[0]
        if not PyList_CheckExact(values) and _read_plain_buffer(values, S + net.y[0], net.n[0], &largest):
            return self._query_loaded(threads, patience)
        # Anything else goes the list's way: the helper is offered a share, which is
        # withdrawn when the input is no list of plain numbers. The offer keeps a helper
        # awake through a burst of queries of tuples, which Core.query then answers.
        h = self._query_helper(threads)
        if h != NULL:
            streamed_input = &self.I[0] if query_streams(&self.query_split) else NULL
            share = offer_query(net, &self.P[0], S, h, 0, &self.query_split, streamed_input)
        if not _read_plain_floats(values, S + net.y[0], net.n[0], &largest, &h.ready if share else NULL,
                                  streamed_input if share else NULL):
            if share:
                with nogil:
                    withdraw_query(h, share)
            if h != NULL:
                give_helper(h)
            return None
        return self._finish_query(h, share, patience)

    cdef Handover* _query_helper(self, int threads) noexcept:
        """The helper for a query on ``threads`` threads, when it is worth it and to be had; else NULL."""
        cdef const Layout* net = &self.net
        self.query_helped = None
        if threads > 1 and net.n[1] >= SPLIT_COLUMNS and net.n[0] * net.n[1] >= QUERY_SPLIT_WEIGHTS:
            return take_helper()
        return NULL

    cdef list _finish_query(self, Handover* h, long share, long patience):
        """(F1, F2) from the input in S's Y(0), on two threads when ``share`` was offered to h
        (which this gives back): Y(L) as a list."""
        cdef const Layout* net = &self.net
        cdef double* S = &self.S[0]
        cdef int done
        cdef Py_ssize_t j
        if patience < 0:
            patience = query_patience
        if h != NULL:
            with nogil:
                done = finish_query(net, &self.P[0], S, h, share, patience, &self.query_split)
                give_helper(h)
            self.query_helped = None if done < 0 else done == 1
        else:
            with nogil:
                forward(net, &self.P[0], S, S + net.y[0])
        return [S[net.y[net.L] + j] for j in range(net.n[net.L])]

    def backquery(self, outputs):
        """(Q1)-(Q4) for checked outputs (a list of floats strictly between 0 and 1)."""
        cdef const Layout* net = &self.net
        cdef Py_ssize_t i, wide = _aligned(net.widest)
        cdef double* S
        cdef const double* y
        self.flush()
        S = &self.S[0]
        y = S + net.back + wide
        if not _load_vector(outputs, self.S[net.t:net.t + net.n[net.L]]):
            raise ValueError("outputs is not %d finite floats" % net.n[net.L])
        with nogil:
            backquery(net, &self.P[0], S + net.t, S + net.back, S + net.back + wide)
        return [y[i] for i in range(net.n[0])]

    # -- many samples -----------------------------------------------------------------------

    def rows(self, values, Py_ssize_t width, bint copy_buffer=True, int threads=1):
        """``values`` as :class:`Rows` of ``width`` values each, or None when they need pynet.checks.

        Taken: a C-contiguous 2-D float64 buffer, or a list or tuple of rows, each a list
        or tuple of finite real numbers or a 1-D float64 buffer. Lists are read once,
        into a block of their own, and measured. A buffer is copied and measured in one
        pass (a value that is not finite makes ``largest`` inf), unless ``copy_buffer``
        is False: then the Rows hold the buffer itself, unmeasured (``largest`` NaN), for
        query_rows, which copies and checks it a batch at a time.

        A buffer of ``hold_values`` values or more (32 MB) is not copied whole either: the
        Rows hold it (``held``), measured in place, and train_rows copies it a chunk at a
        time, as its steps reach the chunk. A whole copy would double the memory such a
        call needs, and, this large, glibc's allocator maps fresh memory for every copy,
        whose page faults cost more than the copy itself: 2.5-4 µs a row of 784 values
        (on two threads or one), against 0.25 for a copy into memory in use. A large
        buffer is measured (or copied) by up to ``threads`` threads, each a run of rows.
        """
        cdef const double[:, ::1] M
        cdef double[:, ::1] copy
        cdef Py_ssize_t k, count
        cdef double largest = 0.0
        cdef Rows rows = Rows()
        if PyList_CheckExact(values) or PyTuple_CheckExact(values):
            count = len(values)
            if count == 0:
                return None
            copy = _matrix(count, width)
            for k in range(count):
                if not _load_vector(values[k], copy[k]):
                    return None
                largest = max_or_inf(largest, largest_of(&copy[k, 0], width))
        else:
            if values is None or hasattr(values, "mask"):  # a numpy masked array: pynet.checks refuses it
                return None
            try:
                M = values
            except Exception:  # not a C-contiguous 2-D float64 buffer
                return None
            if M.shape[1] != width or M.shape[0] == 0:
                return None
            if not copy_buffer:
                rows.values = M
                rows.largest = NAN
                return rows
            count = M.shape[0]
            threads = max(1, min(threads, count * width // COPY_PER_THREAD))
            if count * width >= self.hold_values:
                rows.values = M
                rows.largest = _measure_on_threads(M, None, threads)
                rows.held = True
                return rows
            copy = _matrix(M.shape[0], width)  # read once: the steps use this copy, not the caller's buffer
            largest = _measure_on_threads(M, copy, threads)
        rows.values = copy
        rows.largest = largest
        return rows

    def magnitude(self, const double[::1] v not None):
        """``max |v|`` of a vector from :meth:`vector`; inf when a value is inf or NaN."""
        return largest_of(&v[0], v.shape[0]) if v.shape[0] else 0.0

    def train_rows(self, Rows inputs not None, Rows targets not None, double rate, bint exact, bint bias,
                   int threads=1, long patience=PATIENCE):
        """train_many on rows from :meth:`rows`; the mean loss, or None when a value is not finite.

        With ``threads`` > 1, and W(1) at least SPLIT_COLUMNS columns wide, the fused pass
        over W(1) is split between this thread and a helper thread (_split.pxi): the same
        bits, sooner on two free cores. ``patience``: how many spins of waiting for the
        helper count as a long wait (tests give 0, to run the steps this thread keeps to
        itself after one).

        Held rows (a caller's large buffer, see :meth:`rows`) are copied ``chunk_values``
        values' worth of whole rows at a time, just before the steps that use them, and
        each copy is measured again. The losses keep one running sum, and each chunk's
        first step its own forward pass, which gives the bits of the fused one. A copy with
        a value beyond the measure taken before the first step (the caller changed the
        buffer during the call) raises ValueError, with the parameters put back as they
        were before the call.
        """
        cdef const Layout* net = &self.net
        cdef Py_ssize_t count = inputs.values.shape[0], first, stop, chunk
        cdef double total = 0.0
        cdef double[:, ::1] X_copy = None
        cdef double[:, ::1] T_copy = None
        if (inputs.values.shape[1] != net.n[0] or targets.values.shape[1] != net.n[net.L]
                or targets.values.shape[0] != count or count < 1):
            raise ValueError("rows do not fit this network")
        if not (inputs.largest < INFINITY and targets.largest < INFINITY):
            return None
        self.flush()
        self.split_counts = None
        if not (inputs.held or targets.held):
            return self._train_part(inputs.values, targets.values, rate, exact, bias, threads, patience, 0.0) / count
        chunk = max(1, min(count, self.chunk_values // max(net.n[0], net.n[net.L])))
        saved = self.snapshot()
        if inputs.held:
            X_copy = _matrix(chunk, net.n[0])
        if targets.held:
            T_copy = _matrix(chunk, net.n[net.L])
        try:
            for first in range(0, count, chunk):
                stop = min(first + chunk, count)
                X = _chunk_of(inputs, first, stop, X_copy)
                T = _chunk_of(targets, first, stop, T_copy)
                if X is None or T is None:
                    raise ValueError("%s changed during train_many: rows %d to %d now hold a value that is not "
                                     "finite or larger than any the call measured before its first step; the "
                                     "network is as it was before the call"
                                     % ("input_rows" if X is None else "target_rows", first, stop - 1))
                total = self._train_part(X, T, rate, exact, bias, threads, patience, total)
        except BaseException:  # (a chunk changed, or memory ran out for a chunk's copy or panels)
            self.restore(saved)
            raise
        return total / count

    def _train_part(self, const double[:, ::1] X, const double[:, ::1] T, double rate, bint exact, bint bias,
                    int threads, long patience, double total):
        """``total`` plus the losses of a training step on each row pair of X and T, on two
        threads when the call and the helper allow it (train_rows)."""
        cdef const Layout* net = &self.net
        cdef Py_ssize_t count = X.shape[0], n_in = net.n[0], n_out = net.n[1]
        cdef double[::1] panel = None
        cdef double* W1 = NULL
        if threads > 1 and CAN_SPLIT and net.n[1] >= SPLIT_COLUMNS and count > 1:
            if self.split_rest == 0:
                split_total = self._train_rows_split(X, T, rate, exact, bias, patience, total)
                if split_total is not None:
                    return split_total
            else:
                self.split_rest -= 1
        if count > 1 and pieces_in(n_out) > 1:  # W(1) in pieces for the call (see pieces_in)
            panel = _block(panel_size(n_in, n_out))
            W1 = &panel[0]
        with nogil:
            if panel is not None:
                to_panel(&self.P[net.w[1]], W1, n_in, n_out, 0, n_out)
            total = train_rows(net, &self.P[0], W1, &self.S[0], &self.S_next[0], &X[0, 0], X.shape[1],
                               &T[0, 0], T.shape[1], count, rate, exact, bias, total)
            if panel is not None:
                from_panel(&self.P[net.w[1]], W1, n_in, n_out, 0, n_out)
        return total

    @property
    def query_columns(self):
        """The columns of W(1) a query on two threads leaves to the calling thread (0: none yet)."""
        return self.query_split.at

    @property
    def query_handovers(self):
        """Queries the helper helped with, by how their input reached it: (in place, streamed)."""
        return self.query_split.handed[0], self.query_split.handed[1]

    @property
    def reply_numbers(self):
        """For tests: the share numbers the lines of this network's runs on two threads carry
        (both threads' lines, both sets; reply_lines), or [] before its first."""
        cdef Py_ssize_t line, s = left_columns(self.net.n[1])
        cdef Run run
        if self.H.shape[0] == 0:
            return []
        run = run_in(&self.H[0], self.P.shape[0], self.S.shape[0], self.net.n[1], s)
        return ([reply_mark(run.mine, line)[0] for line in range(2 * reply_lines(s))]
                + [reply_mark(run.theirs, line)[0] for line in range(2 * reply_lines(self.net.n[1] - s))])

    @property
    def threads_used(self):
        """How many threads the last train_rows ran on."""
        return 1 if self.split_counts is None else 2

    def _train_rows_split(self, const double[:, ::1] X, const double[:, ::1] T, double rate, bint exact,
                          bint bias, long patience, double total):
        """train_rows on two threads (_split.pxi): ``total`` plus the losses; None, with nothing
        done, when the helper thread is not to be had. split_counts adds up over the parts
        of one train_rows."""
        cdef const Layout* net = &self.net
        cdef Py_ssize_t n_in = net.n[0], n_out = net.n[1], s = left_columns(net.n[1])
        cdef double[::1] panels = _block(panels_size(n_in, n_out, s))
        cdef double* left = &panels[0]
        cdef double* right = left + right_panel_at(n_in, s)
        cdef long counts[3]
        cdef Py_ssize_t p_size = self.P.shape[0], s_size = self.S.shape[0]
        cdef Run run
        cdef Handover* h = take_helper()
        if h == NULL:
            return None
        if self.H.shape[0] == 0:
            self.H = _block(run_size(p_size, s_size, n_out, s))
        run = run_in(&self.H[0], p_size, s_size, n_out, s)
        with nogil:
            to_panels(&self.P[net.w[1]], left, right, n_in, n_out, s)
            total = train_rows_split(net, &self.P[0], p_size, &self.S[0], &self.S_next[0], s_size, &X[0, 0],
                                     X.shape[1], &T[0, 0], T.shape[1], X.shape[0], rate, exact, bias, h, patience,
                                     left, right, s, &run, counts, total)
            from_panels(&self.P[net.w[1]], left, right, n_in, n_out, s)
            give_helper(h)
        if self.split_counts is None:
            self.split_counts = (counts[0], counts[1])
        else:
            self.split_counts = (self.split_counts[0] + counts[0], self.split_counts[1] + counts[1])
        if counts[0] > 0 and 2 * counts[0] < X.shape[0] - 1 - counts[2]:
            # the helper came, but did fewer than half of the steps from then on: the cores
            # are busy, and the next calls keep to one thread (a helper that had not come yet,
            # on a machine slow to run a woken thread, is offered the next call's steps)
            self.split_rest = max(1, self.split_backoff)
            self.split_backoff = min(2 * self.split_rest, 64)
        else:
            self.split_backoff = 1
        return total

    def query_rows(self, Rows rows not None, int threads=1):
        """query_many on rows from :meth:`rows`: a list of output lists, or None when a value is not finite.

        With ``threads`` > 1 the rows are split into that many runs, each computed by
        its own thread without the GIL (the weights are only read); each row's outputs
        are the same bits however the rows are split.
        """
        cdef const double[:, ::1] inputs = rows.values
        cdef Py_ssize_t count = inputs.shape[0], n_out = self.net.n[self.net.L], k, j, share
        cdef double[:, ::1] out
        if inputs.shape[1] != self.net.n[0]:
            raise ValueError("rows do not fit this network")
        if count == 0:
            return []
        self.flush()
        out = _matrix(count, n_out)
        threads = max(1, min(threads, count // BATCH))
        share = (count // threads + BATCH - 1) // BATCH * BATCH  # whole batches, but the last
        if not all(_in_runs(lambda first, stop: self._query_run(inputs, out, first, stop), count, share)):
            return None
        return [[out[k, j] for j in range(n_out)] for k in range(count)]

    def _query_run(self, const double[:, ::1] inputs, double[:, ::1] out, Py_ssize_t first, Py_ssize_t stop):
        """The outputs of rows first ... stop - 1 into those of out, in scratch space of its own, without
        the GIL; False when one of its rows holds a value that is not finite."""
        cdef const Layout* net = &self.net
        cdef Py_ssize_t qs = self.q_width, wide = _aligned(net.n[0])
        cdef double[::1] Q = _block(net.L * BATCH * qs + BATCH * wide)
        cdef bint finite
        if stop <= first:
            return True
        with nogil:
            finite = query_rows(net, &self.P[0], &Q[0], qs, &Q[net.L * BATCH * qs], &inputs[first, 0],
                                stop - first, &out[first, 0])
        return finite


def _in_runs(run, Py_ssize_t count, Py_ssize_t share):
    """``run(first, stop)`` for the runs [0, share), [share, 2 share) ... of ``count`` items.

    The first run on this thread, each other on a thread of its own (or on this one when
    no thread is to be had). Returns the runs' results in order: None for a run whose
    thread failed.
    """
    import threading
    firsts = range(0, count, share)
    results = [None] * len(firsts)

    def one(index):
        results[index] = run(firsts[index], min(firsts[index] + share, count))

    started, left = [], []
    for index in range(1, len(firsts)):
        thread = threading.Thread(target=one, args=(index,))
        try:
            thread.start()
        except RuntimeError:  # no thread to be had: this one does that run too
            left.append(index)
        else:
            started.append(thread)
    try:
        one(0)
        for index in left:
            one(index)
    finally:
        for thread in started:
            thread.join()
    return results


def _measure_part(const double[:, ::1] M, double[:, ::1] copy, Py_ssize_t first, Py_ssize_t stop):
    """The largest magnitude in rows first ... stop - 1 of M (inf: a value not finite), without
    the GIL; the rows are copied into the same rows of copy on the way, unless it is None."""
    cdef double largest
    cdef Py_ssize_t n = (stop - first) * M.shape[1]
    if copy is None:
        with nogil:
            largest = largest_of(&M[first, 0], n)
    else:
        with nogil:
            largest = copy_measured(&M[first, 0], &copy[first, 0], n)
    return largest


cdef double _measure_on_threads(const double[:, ::1] M, double[:, ::1] copy, int threads) except? -1.0:
    """_measure_part of all of M, a run of whole rows for each of ``threads`` threads."""
    cdef double largest = 0.0
    if threads <= 1:
        return _measure_part(M, copy, 0, M.shape[0])
    found = _in_runs(lambda first, stop: _measure_part(M, copy, first, stop), M.shape[0],
                     (M.shape[0] + threads - 1) // threads)
    for value in found:
        if value is None:
            raise RuntimeError("a thread measuring rows for train_many failed")
        largest = max_or_inf(largest, value)
    return largest


cdef object _chunk_of(Rows rows, Py_ssize_t first, Py_ssize_t stop, double[:, ::1] copy):
    """Rows first ... stop - 1 of ``rows`` for train_rows: of held rows, a copy in ``copy``,
    measured, or None when a value is beyond the Rows' measure; else the rows in place."""
    cdef double largest
    if not rows.held:
        return rows.values[first:stop]
    with nogil:
        largest = copy_measured(&rows.values[first, 0], &copy[0, 0], (stop - first) * rows.values.shape[1])
    if not largest <= rows.largest:
        return None
    return copy[:stop - first]


include "_augment.pxi"


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
