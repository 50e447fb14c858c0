# What pynet_fast's compiled code takes as it is: real numbers in lists and tuples, converted
# as pynet.checks converts them, and C-contiguous float64 buffers; anything else is left to
# pynet.checks (the functions answer False). And the blocks of memory that Core allocates.
#
# Included by _core.pxi.

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
    elif type(value) is int or (type(value).__module__ == "numpy" and isinstance(value, _Real)
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
