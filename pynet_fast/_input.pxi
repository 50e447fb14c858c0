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
    """
    #if (defined(__GNUC__) || defined(__clang__)) && !defined(PYPY_VERSION)
    #define pynet_prefetch_item(o, i) __builtin_prefetch(&((PyListObject*)(o))->ob_item[i], 0, 0)
    #else
    #define pynet_prefetch_item(o, i) ((void)0)
    #endif
    """
    void prefetch_item "pynet_prefetch_item"(object values, Py_ssize_t i) noexcept

cdef enum:
    AHEAD = 64  # items: eight cache lines of pointers


cdef bint _read_plain_floats(object values, double* out, Py_ssize_t length, double* largest,
                             long* ready) noexcept:
    """Copy a list of exactly ``length`` finite numbers into out, and their largest magnitude
    into largest; False for anything else, with out partly written. Unless ``ready`` is
    NULL, the count of values in and checked so far is stored there after every AHEAD
    values (for a helper thread that follows the input: _split.pxi): the helper only
    ever reads finite numbers.

    Only the numbers whose reading cannot run Python code are taken: float itself, the
    subclass of float already found to convert by its stored value (numpy.float64, see
    _converts_by_value), and int (not bool). So this may run while the network's lock is held: nothing it
    reads can call back into the network. Anything else is left to _load_vector.

    AHEAD values at a time: first each one's kind is checked and its value copied, then
    the copies are measured (largest_of, vectorised: inf when one is not finite). One
    loop that did all of it, with a running maximum and two counters' tests per value,
    took 1.45-1.75 µs for a list of 784 floats, these two 1.2-1.25 µs.
    """
    cdef Py_ssize_t i, k, first = 0, stop
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
        if ready != NULL:
            split_store(ready, stop)
        first = stop
    largest[0] = m
    return True


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
    LANES = 8     # running maxima side by side in largest_of: one vector register's worth
    CHUNK = 1024  # values copy_measured copies, then measures while they are in the nearest cache


# The divergence guard's measures (pynet.guard), and the copy of many rows that takes one

cdef inline double max_or_inf(double a, double b) noexcept nogil:
    return b if (b > a or b != b) else a


cdef double largest_of(in_ptr v, Py_ssize_t n) noexcept nogil:
    """``max |v[i]|`` over n values; inf when one is inf or NaN (pynet.guard.largest_magnitude).

    The maxima run in LANES lanes (value i in lane i % LANES), so that the loop
    vectorises; in any order the maximum is the same. For the check, ``x - x`` is 0.0
    when x is finite and NaN when it is inf or NaN: each lane of ``unusual`` adds them
    up, and stays 0.0 only while every value is finite.
    """
    cdef double top[LANES]
    cdef double unusual[LANES]
    cdef double x, a, largest = 0.0, odd = 0.0
    cdef Py_ssize_t i = 0, k
    for k in range(LANES):
        top[k] = 0.0
        unusual[k] = 0.0
    while i + LANES <= n:
        for k in range(LANES):
            x = v[i + k]
            a = fabs(x)
            top[k] = a if a > top[k] else top[k]
            unusual[k] = unusual[k] + (x - x)
        i += LANES
    while i < n:  # the last few
        a = fabs(v[i])
        largest = a if a > largest else largest
        odd = odd + (v[i] - v[i])
        i += 1
    for k in range(LANES):
        largest = top[k] if top[k] > largest else largest
        odd = odd + unusual[k]
    return largest if odd == 0.0 else INFINITY


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
    magnitude among them, measured as they were copied (inf when one is inf or NaN;
    NaN when the Rows hold a caller's buffer, unmeasured: see Core.rows).
    """
    cdef const double[:, ::1] values
    cdef readonly double largest

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


cdef inline Py_ssize_t _aligned(Py_ssize_t offset) noexcept:
    return (offset + ALIGN - 1) // ALIGN * ALIGN
