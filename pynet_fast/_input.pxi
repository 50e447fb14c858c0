# What pynet_fast's compiled code takes as it is: real numbers in lists and tuples, converted
# as pynet.checks converts them, and C-contiguous float64 buffers; anything else is left to
# pynet.checks (the functions answer False). The one-pass copy that checks and measures many
# rows (Rows, for train_many and query_many, and the divergence guard's measure), and the
# blocks of memory that Core allocates.
#
# Included by _core.pxi, before the kernels (query_rows copies its batches with copy_measured).

# ---------------------------------------------------------------------------------
# Input: what compiled code can take without help
# ---------------------------------------------------------------------------------

from array import array as _array
from numbers import Real as _Real  # numpy's integer and floating scalars register as Real; complex does not

cdef PyTypeObject* _by_value = NULL  # the last subclass of float found to convert by its stored value


cdef bint _converts_by_value(object value) noexcept:
    """True when float(value) is the double stored in it: a subclass of float whose __float__
    is float's own, or numpy.float64 (whose __float__ returns its double)."""
    global _by_value
    cdef PyTypeObject* kind = Py_TYPE(<PyObject*>value)
    if kind == _by_value:
        return True
    if not PyFloat_Check(<PyObject*>value):
        return False
    cls = type(value)
    try:
        plain = cls.__float__ is float.__float__ or (cls.__module__ == "numpy" and cls.__name__ == "float64")
    except Exception:
        return False
    if plain:
        _by_value = kind
    return plain


cdef inline bint _int_value(PyObject* value, double* out) noexcept:
    """An int as float() converts it (PyLong_AsDouble, C only); False when it is too large for a float."""
    cdef double v = int_value(value)
    if v == -1.0 and PyErr_Occurred() != NULL:
        PyErr_Clear()
        return False
    out[0] = v
    return True


cdef bint _real(object value, double* out) noexcept:
    """A finite real number, as pynet.checks.real takes it, into out; False for anything else.

    Only values whose conversion cannot change or call back are taken here, so that an
    input is read exactly once whichever way it goes: a float, a subclass of float that
    converts by its stored value (numpy.float64), an int, and numpy's other real scalars.
    Anything else, a value with a __float__ of its own included, is left to checks.real
    (which reads it once), as are bools (numpy's too), which are not numbers to pynet.
    """
    cdef double v
    if PyFloat_CheckExact(<PyObject*>value) or _converts_by_value(value):
        v = PyFloat_AS_DOUBLE(value)
    elif PyLong_CheckExact(<PyObject*>value):
        if not _int_value(<PyObject*>value, &v):
            return False
    elif (type(value).__module__ == "numpy" and isinstance(value, _Real)
          and type(value).__name__ != "bool_"):
        try:
            v = float(value)
        except Exception:  # too large for a float, or not a real number: checks.real says which
            return False
    else:
        return False
    if not isfinite(v):
        return False
    out[0] = v
    return True


cdef bint _copy_floats(object values, double[::1] out) noexcept:
    """Copy a list or tuple of exactly ``len(out)`` finite real numbers (see _real); False for anything else."""
    cdef Py_ssize_t i, length = out.shape[0]
    cdef PyObject* item
    if PyList_CheckExact(values):
        if PyList_GET_SIZE(values) != length:
            return False
        for i in range(length):
            item = PyList_GET_ITEM(values, i)
            if PyFloat_CheckExact(item):  # the common case, without reference counting
                out[i] = float_value(item)
                if not isfinite(out[i]):
                    return False
            elif not _real(<object>item, &out[i]) or PyList_GET_SIZE(values) != length:
                return False  # (float() may run Python code that changes the list: then checks.vector decides)
        return True
    if PyTuple_CheckExact(values):
        if PyTuple_GET_SIZE(values) != length:
            return False
        for i in range(length):
            if not _real(<object>PyTuple_GET_ITEM(values, i), &out[i]):
                return False
        return True
    return False


cdef extern from *:
    # The list's array of pointers is read once: it is fetched ahead, marked as data to be
    # used once, so that it does not push the weights (which the query reads next) out of
    # the core's cache (measured: 0.2-0.3 µs a query of 784 floats, 1,000 different lists).
    # The empty asm keeps the loop of prefetches (see pynet_prefetch_lines).
    """
    #if (defined(__GNUC__) || defined(__clang__)) && !defined(PYPY_VERSION)
    #define pynet_prefetch_item(o, i) \
        do { __builtin_prefetch(&((PyListObject*)(o))->ob_item[i], 0, 0); __asm__ __volatile__(""); } while (0)
    #else
    #define pynet_prefetch_item(o, i) ((void)0)
    #endif
    """
    void prefetch_item "pynet_prefetch_item"(object values, Py_ssize_t i) noexcept

cdef enum:
    AHEAD = 64  # items: eight cache lines of pointers


cdef extern from *:
    # A query's input as the helper thread reads it, when it is streamed (_split.pxi): the
    # stores go to memory without first taking the lines from the helper's core, which
    # read them in the last query. Taking them first cost 2.2-2.9 µs for 784 values when
    # the two CPUs were far apart (every line a trip to the other chiplet and back), a
    # streamed copy 0.7-0.8. pynet_streamed() must run before the count that says the
    # values are in (they are not ordered with later stores). Without SSE2, plain stores.
    """
    #if defined(__SSE2__) || defined(_M_X64)
    #include <emmintrin.h>
    static void pynet_stream(double* to, const double* from, Py_ssize_t n) {
        Py_ssize_t i = 0;
        for (; i + 2 <= n; i += 2)  /* to: 16-byte aligned (a block's start plus whole lines) */
            _mm_stream_pd(to + i, _mm_loadu_pd(from + i));
        for (; i < n; i++)
            to[i] = from[i];
    }
    static inline void pynet_streamed(void) { _mm_sfence(); }
    #else
    static void pynet_stream(double* to, const double* from, Py_ssize_t n) {
        Py_ssize_t i;
        for (i = 0; i < n; i++)
            to[i] = from[i];
    }
    static inline void pynet_streamed(void) {}
    #endif
    """
    void stream "pynet_stream"(double* to, const double* src, Py_ssize_t n) noexcept nogil
    void streamed "pynet_streamed"() noexcept nogil


cdef bint _read_plain_floats(object values, double* out, Py_ssize_t length, double* largest,
                             long* ready, double* stream_to=NULL) noexcept:
    """Copy a list of exactly ``length`` finite numbers into out, and their largest magnitude
    into largest; False for anything else, with out partly written. Unless ``ready`` is
    NULL, the count of values in and checked so far is stored there after every AHEAD
    values (for a helper thread that follows the input: _split.pxi): the helper only
    ever reads finite numbers. Unless ``stream_to`` is NULL, the values are also streamed
    there (pynet_stream), and counted after AHEAD values, then after twice as many more
    each time (64, 192, 448, 960, ...) and at the end: each count waits for the streamed
    stores to land (a fence, about one trip between the cores), so there are few of them,
    and the first comes early, for the helper to start on. Counted every 256 values, the
    helper of a 784-100-10 query, far apart, had done 271 rows of its share on average
    when it saw the last count (0.75 µs after the list was read); counted this way, 392,
    and the queries took 0.967 times as long (docs/speed.md).

    Only the numbers whose reading cannot run Python code are taken: float itself, the
    subclass of float already found to convert by its stored value (numpy.float64, see
    _converts_by_value), and int (not bool). So this may run while the network's lock is held: nothing it
    reads can call back into the network. Anything else is left to _load_vector.

    AHEAD values at a time: first each one's kind is checked and its value copied, then
    the copies are measured (largest_of, vectorised: inf when one is not finite). One
    loop that did all of it, with a running maximum and two counters' tests per value,
    took 1.45-1.75 µs for a list of 784 floats, these two 1.2-1.25 µs.
    """
    cdef Py_ssize_t i, k, first = 0, stop, count_at = AHEAD
    cdef PyObject* item
    cdef double m = 0.0
    if not PyList_CheckExact(values) or PyList_GET_SIZE(values) != length:
        return False
    while first < length:
        stop = min(first + <Py_ssize_t>AHEAD, length)
        for k in range(stop, min(stop + <Py_ssize_t>AHEAD, length), 8):
            prefetch_item(values, k)
        for i in range(first, stop):
            item = PyList_GET_ITEM(values, i)
            if PyFloat_CheckExact(item) or Py_TYPE(item) == _by_value:
                out[i] = float_value(item)
            elif not (PyLong_CheckExact(item) and _int_value(item, out + i)):
                return False
        m = max_or_inf(m, largest_of(out + first, stop - first))
        if not m < INFINITY:
            return False
        if stream_to != NULL:
            stream(stream_to + first, out + first, stop - first)
            if stop >= count_at or stop == length:
                streamed()
                split_store(ready, stop)
                count_at = 2 * count_at + AHEAD  # (64, 192, 448, 960, ...: the gaps double)
        elif ready != NULL:
            split_store(ready, stop)
        first = stop
    largest[0] = m
    return True


cdef extern from *:
    # numpy.ndarray itself (no subclass), known by its C type's name without importing
    # numpy or running any Python code: a type of C's own, named "numpy.ndarray".
    """
    #include <string.h>
    static int pynet_is_ndarray(PyObject* o) {
        PyTypeObject* t = Py_TYPE(o);
        return !(t->tp_flags & Py_TPFLAGS_HEAPTYPE) && t->tp_name != NULL
               && strcmp(t->tp_name, "numpy.ndarray") == 0;
    }
    """
    bint is_ndarray "pynet_is_ndarray"(object o) noexcept


cdef bint _read_plain_buffer(object values, double* out, Py_ssize_t length, double* largest) noexcept:
    """Copy a 1-D C-contiguous buffer of exactly ``length`` finite float64 values (format
    "d") into out, and their largest magnitude into largest; False for anything else, with
    out partly written and no exception set.

    Only the buffers whose export cannot run Python code are taken: exactly numpy.ndarray,
    array.array and memoryview (a memoryview holds a buffer taken before: from a Python
    class, when the memoryview was made). So this may run while the network's lock is
    held, as _read_plain_floats may. Anything else, a subclass of those included (numpy's
    masked arrays), is left to _load_vector.
    """
    cdef Py_buffer view
    cdef bint fits
    if not (is_ndarray(values) or type(values) is _array or type(values) is memoryview):
        return False
    try:
        PyObject_GetBuffer(values, &view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT)
    except Exception:  # (not C-contiguous, or a released memoryview)
        return False
    # (the strides are checked too: PyPy's C API hands a strided memoryview's buffer over
    # as it is, steps and all, when asked for a C-contiguous one)
    fits = (view.ndim == 1 and view.shape[0] == length and view.itemsize == sizeof(double)
            and view.format != NULL and strcmp(view.format, "d") == 0
            and (view.strides == NULL or length == 1 or view.strides[0] == sizeof(double)))
    if fits:
        largest[0] = copy_measured(<const double*>view.buf, out, length)
        fits = largest[0] < INFINITY
    PyBuffer_Release(&view)
    return fits


cdef inline bint _read_plain(object values, double* out, Py_ssize_t length, double* largest) noexcept:
    """A list of plain numbers (_read_plain_floats) or a plain float64 buffer
    (_read_plain_buffer) into out: no Python code runs; False for anything else."""
    if PyList_CheckExact(values):
        return _read_plain_floats(values, out, length, largest, NULL)
    return _read_plain_buffer(values, out, length, largest)


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


cdef enum:
    CHUNK = 1024  # values copy_measured copies, then measures while they are in the nearest cache


# The divergence guard's measures (pynet.guard), and the copy of many rows that takes one

cdef inline double max_or_inf(double a, double b) noexcept nogil:
    return b if (b > a or b != b) else a


cdef extern from *:
    # largest_of's loop: the largest of the magnitudes, and whether a value is NaN (x != x).
    # An infinite value needs no test of its own: its magnitude, inf, is the largest. The
    # maximum is the same in any order, so the loop keeps maxima in lanes side by side
    # (value i in lane i % step).
    #
    # GCC and Clang get the lanes as their vector extension, in vectors as wide as the
    # build's registers (AVX-512 8 doubles, AVX 4, else 2), four vectors a step; a
    # comparison gives a mask of all-ones lanes, which picks the larger (and marks a
    # NaN). Per value, on Zen 4 with the value in the nearest cache: 0.11 ns in the AVX2
    # and AVX-512 builds and 0.27 ns in the SSE2 one, against 0.33 ns for the loop over an
    # array of lanes it replaces, which GCC left scalar (that loop took half the time of
    # train_many's copy of its rows). Three ways to lose it, all measured: vectors wider
    # than the registers (GCC splits their comparisons into scalar code), vectors kept in
    # arrays (GCC keeps them in memory, and the AVX2 build stalls on every load), and
    # finding a value that is not finite by adding up x - x (0.14 ns a value: Zen 4's
    # adders are the bottleneck).
    """
    #if defined(__GNUC__) || defined(__clang__)
    #if defined(__AVX512F__)
    #define PYNET_LANE_BYTES 64
    #elif defined(__AVX__)
    #define PYNET_LANE_BYTES 32
    #else
    #define PYNET_LANE_BYTES 16
    #endif
    #define PYNET_PER_VECTOR (PYNET_LANE_BYTES / 8)
    typedef double pynet_lanes __attribute__((vector_size(PYNET_LANE_BYTES), aligned(8)));
    typedef long long pynet_mask __attribute__((vector_size(PYNET_LANE_BYTES), aligned(8)));

    /* top = the larger of top and size in each lane. */
    #define PYNET_TAKE_LARGER(top, size) do { \
            pynet_mask larger_ = (size) > (top);  /* all ones where larger */ \
            (top) = (pynet_lanes)((larger_ & (pynet_mask)(size)) | (~larger_ & (pynet_mask)(top))); \
        } while (0)

    /* One vector of values from at: their magnitudes into the maxima top, a NaN into marks. */
    #define PYNET_MEASURE(top, marks, at) do { \
            pynet_lanes x_ = *(const pynet_lanes*)(at);  /* aligned(8): at any double */ \
            pynet_lanes size_ = (pynet_lanes)((pynet_mask)x_ & magnitude);  /* fabs */ \
            PYNET_TAKE_LARGER(top, size_); \
            (marks) = (marks) | (x_ != x_); \
        } while (0)
    #endif

    static double pynet_largest_of(const double* v, Py_ssize_t n) {
        double largest = 0.0, a;
        int saw_nan = 0;
        Py_ssize_t i = 0;
    #if defined(__GNUC__) || defined(__clang__)
        const Py_ssize_t w = PYNET_PER_VECTOR;
        pynet_lanes t0 = {0.0}, t1 = {0.0}, t2 = {0.0}, t3 = {0.0};
        pynet_mask n0 = {0}, n1 = {0}, n2 = {0}, n3 = {0}, magnitude;
        int k;
        for (k = 0; k < PYNET_PER_VECTOR; k++)
            magnitude[k] = 0x7fffffffffffffffLL;  /* all but the sign */
        for (; i + 4 * w <= n; i += 4 * w) {
            PYNET_MEASURE(t0, n0, v + i);
            PYNET_MEASURE(t1, n1, v + i + w);
            PYNET_MEASURE(t2, n2, v + i + 2 * w);
            PYNET_MEASURE(t3, n3, v + i + 3 * w);
        }
        for (; i + w <= n; i += w)
            PYNET_MEASURE(t0, n0, v + i);
        PYNET_TAKE_LARGER(t0, t1);  /* the four vectors' lanes into one vector's */
        PYNET_TAKE_LARGER(t2, t3);
        PYNET_TAKE_LARGER(t0, t2);
        n0 = n0 | n1 | n2 | n3;
        for (k = 0; k < PYNET_PER_VECTOR; k++) {
            largest = t0[k] > largest ? t0[k] : largest;
            saw_nan = saw_nan | (n0[k] != 0);
        }
    #endif
        for (; i < n; i++) {  /* the last few, or all of them */
            a = fabs(v[i]);
            largest = a > largest ? a : largest;
            saw_nan = saw_nan | (v[i] != v[i]);
        }
        return saw_nan ? INFINITY : largest;
    }
    """
    double pynet_largest_of(const double* v, Py_ssize_t n) noexcept nogil


cdef inline double largest_of(in_ptr v, Py_ssize_t n) noexcept nogil:
    """``max |v[i]|`` over n values; inf when one is inf or NaN (pynet.guard.largest_magnitude)."""
    return pynet_largest_of(v, n)


cdef double copy_measured(const double* src, double* dst, Py_ssize_t n) noexcept nogil:
    """dst[i] = src[i] for n values; returns max |src[i]|, or inf when one is inf or NaN.

    A chunk at a time: copied, then measured from the copy while it is in the nearest
    cache, so that the input is read from memory once.
    """
    cdef Py_ssize_t i = 0, size
    cdef double largest = 0.0
    while i < n:
        size = min(<Py_ssize_t>CHUNK, n - i)
        memcpy(dst + i, src + i, size * sizeof(double))
        largest = max_or_inf(largest, largest_of(dst + i, size))
        i += size
    return largest


cdef class Rows:
    """Rows of real numbers read once into a float64 block of their own (``Core.rows``).

    ``values`` is the ``count x width`` block the steps use; ``largest`` the largest
    magnitude among them, measured as they were copied (inf when one is inf or NaN).
    Two kinds hold a caller's buffer instead: ``held``, a large buffer measured in place,
    which the steps copy a chunk at a time (Core.train_rows); and, with ``largest``
    NaN, a buffer left unmeasured for query_rows, which copies and checks it a batch at
    a time.
    """
    cdef const double[:, ::1] values
    cdef readonly double largest
    cdef readonly bint held

    def __len__(self):
        return self.values.shape[0]

    def row(self, Py_ssize_t k):
        """Row k of the values, as a list of floats."""
        if not 0 <= k < self.values.shape[0]:
            raise IndexError("row %d of %d" % (k, self.values.shape[0]))
        return [self.values[k, j] for j in range(self.values.shape[1])]


cdef object _matrix(Py_ssize_t rows, Py_ssize_t cols):
    return cvarray(shape=(rows, cols), itemsize=sizeof(double), format="d")


cdef double[::1] _block(Py_ssize_t size):
    """A zeroed contiguous run of ``size`` doubles starting on a 64-byte boundary."""
    cdef double[::1] raw = cvarray(shape=(size + ALIGN,), itemsize=sizeof(double), format="d")
    cdef Py_ssize_t skip = ((ALIGN * sizeof(double) - (<uintptr_t>&raw[0]) % (ALIGN * sizeof(double)))
                            % (ALIGN * sizeof(double))) // sizeof(double)
    raw[:] = 0.0
    return raw[skip:skip + size]


cdef inline Py_ssize_t _aligned(Py_ssize_t offset) noexcept nogil:
    return (offset + ALIGN - 1) // ALIGN * ALIGN
