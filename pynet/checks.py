"""Checks on everything that comes in from outside, shared by both backends.

Each check either returns a clean value (plain ints, floats and lists of floats)
or raises ``TypeError`` (the wrong kind of thing) or ``ValueError`` (the right
kind, a wrong value) with a message that names the problem. Nothing is changed
before every check has passed.

Every input is read exactly once: each value is converted once, into a list (or,
for many rows, an ``array('d')``) that the caller then uses, so an object whose
``__float__`` or ``__len__`` answers differently on a second call cannot make a
step use something other than what was checked. One rule for odd inputs, which
both backends follow (``pynet_fast`` hands everything it does not take itself to
these checks):

- a sequence of numbers is anything with a length that iteration agrees with;
  ``str``, ``bytes``, sets and dicts are refused (``TypeError``), and so is a
  sequence whose length changes as it is read (``ValueError``);
- a number is anything ``float()`` takes except ``bool`` (also numpy's),
  ``complex``, ``str`` and ``bytes``;
- an object with a buffer (``array``, ``memoryview``, numpy arrays, ``numpy.matrix``)
  is read through it: native ints, float16, float32 or float64 only (``TypeError``
  names any other format, such as big-endian or complex), one dimension for a
  vector and two for rows (``ValueError``), in any memory order;
- numpy masked arrays are refused (``TypeError``): a masked value has no number.
"""

_INF = float("inf")
_NOT_NUMBERS = (str, bytes, bytearray, complex)
_NOT_SEQUENCES = (set, frozenset, dict)
_BUFFER_FORMATS = "bBhHiIlLqQnNfd"  # what memoryview.tolist() reads; "e" (float16) is read by struct
RULES = ("seed", "exact")


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _is_bool(value):
    """``bool`` and numpy's ``bool_``, which ``float()`` would quietly take as 0.0 or 1.0."""
    return isinstance(value, bool) or type(value).__name__ in ("bool_", "bool")


def _kind(value):
    return type(value).__name__


def _is_masked(value):
    return type(value).__name__ == "MaskedArray" or (hasattr(value, "mask") and hasattr(value, "filled"))


def layer_size(value, name):
    """A layer size: an int of at least 1."""
    if not _is_int(value):
        raise TypeError("%s must be an int, not %s" % (name, _kind(value)))
    if value < 1:
        raise ValueError("%s must be at least 1, got %d" % (name, value))
    return int(value)


def layer_sizes(input_nodes, hidden_nodes, output_nodes):
    """``(n(0), n(1), ..., n(L))`` from the constructor's three arguments."""
    if _is_int(hidden_nodes) or isinstance(hidden_nodes, (bool, float, str, bytes)):
        hidden = [layer_size(hidden_nodes, "hidden_nodes")]
    elif isinstance(hidden_nodes, _NOT_SEQUENCES) or hidden_nodes is None:
        raise TypeError("hidden_nodes must be an int or a sequence of ints, not %s" % _kind(hidden_nodes))
    else:
        try:
            hidden = list(hidden_nodes)
        except TypeError:
            raise TypeError("hidden_nodes must be an int or a sequence of ints, not %s" % _kind(hidden_nodes))
        hidden = [layer_size(n, "hidden_nodes[%d]" % k) for k, n in enumerate(hidden)]
    sizes = [layer_size(input_nodes, "input_nodes")] + hidden + [layer_size(output_nodes, "output_nodes")]
    return tuple(sizes)


BYTES_PER_PARAMETER = 32  # a float object and the list slot that holds it, as the weights are first built


def parameter_count(sizes):
    """``sum over l of n(l-1) * n(l) + n(l)``: the weights and biases of a network."""
    return sum(sizes[l - 1] * sizes[l] + sizes[l] for l in range(1, len(sizes)))


def memory_bytes():
    """This machine's memory in bytes (or a lower address-space limit), or None where unknown."""
    try:
        import os

        total = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ImportError, AttributeError, ValueError, OSError):
        return None
    try:
        import resource

        soft = resource.getrlimit(resource.RLIMIT_AS)[0]
        if soft != resource.RLIM_INFINITY and soft < total:
            total = soft
    except (ImportError, AttributeError, ValueError, OSError):
        pass
    return total if total > 0 else None


def _amount(number):
    """A count for a message: three figures, and no float overflow for huge ints."""
    if number < 10 ** 15:
        return "%d" % number
    digits = len(str(number)) - 1
    return "%.2fe%d" % (number / 10 ** (digits - 2) / 100.0, digits) if digits < 300 else "about 10^%d" % digits


def fits_in_memory(sizes):
    """Refuse at once (``ValueError``) a network whose parameters could not fit in memory."""
    count = parameter_count(sizes)
    available = memory_bytes()
    needed = count * BYTES_PER_PARAMETER
    if available is not None and needed > available:
        raise ValueError("the layer sizes (input_nodes, hidden_nodes, output_nodes) [%s] make %s weights and biases, "
                         "%s bytes (%s GB) as they are built; this process may use at most %.1f GB of memory"
                         % (", ".join(_amount(n) for n in sizes), _amount(count), _amount(needed),
                            _amount(needed // 10 ** 9), available / 1e9))
    return count


def real(value, name):
    """A finite real number as a float; strings, bools, complex numbers and None are refused.

    ``float(value)`` is called once, and its answer is the value used.
    """
    if type(value) is not float:
        if isinstance(value, _NOT_NUMBERS) or value is None or _is_bool(value):
            raise TypeError("%s must be a real number, not %s" % (name, _kind(value)))
        try:
            value = float(value)
        except OverflowError:  # an int too large for a float
            raise ValueError("%s must be finite, got a number too large for a float" % name)
        except (TypeError, ValueError):
            raise TypeError("%s must be a real number, not %s" % (name, _kind(value)))
        if type(value) is not float:  # a float subclass from __float__
            value = value + 0.0
    if not -_INF < value < _INF:
        raise ValueError("%s must be finite, got %r" % (name, value))
    return value


def learning_rate(value):
    """A learning rate: a finite real number above 0."""
    rate = real(value, "learning_rate")
    if not rate > 0.0:
        raise ValueError("learning_rate must be above 0, got %r" % rate)
    return rate


def rule(value):
    if not isinstance(value, str) or value not in RULES:
        raise ValueError("rule must be 'seed' or 'exact', got %r" % (value,))
    return value


def flag(value, name):
    if not isinstance(value, bool):
        raise TypeError("%s must be True or False, not %s" % (name, _kind(value)))
    return value


def seed(value):
    if value is not None and not _is_int(value):
        raise TypeError("seed must be an int or None, not %s" % _kind(value))
    return value


# -- buffers -------------------------------------------------------------------------

def _view(values):
    """A memoryview of ``values`` when it has a buffer (and says what its format is), else None."""
    if isinstance(values, (list, tuple)):
        return None
    try:
        view = memoryview(values)
    except TypeError:
        return None
    if getattr(view, "format", None) is None:  # MicroPython: no format to check; iterate instead
        return None
    return view


def _buffer_values(view, name):
    """The values of a buffer as (nested) lists of numbers, in C order, whatever its memory order."""
    if view.format in _BUFFER_FORMATS:
        return view.tolist()
    if view.format == "e":  # float16: memoryview cannot index it, struct can
        import struct

        flat = list(struct.unpack("=%de" % (view.nbytes // 2), view.tobytes()))
        if view.ndim == 2:
            width = view.shape[1]
            return [flat[k * width:(k + 1) * width] for k in range(view.shape[0])]
        return flat
    raise TypeError("%s is a buffer of format %r; pynet reads native integers and floats only "
                    "(float64 'd', float32 'f', float16 'e', ...)" % (name, view.format))


def _dimensions(view, wanted, name):
    if view.ndim != wanted:
        raise ValueError("%s must be %s, got a %d-dimensional %s" % (
            name, "one-dimensional" if wanted == 1 else "two-dimensional (rows)", view.ndim, "buffer"))


def _refuse_odd(values, name, what):
    if (isinstance(values, _NOT_NUMBERS) or isinstance(values, _NOT_SEQUENCES) or values is None
            or isinstance(values, (int, float))):
        raise TypeError("%s must be a %s, not %s" % (name, what, _kind(values)))
    if _is_masked(values):
        raise TypeError("%s is a masked array, which pynet does not read: fill it first "
                        "(masked_array.filled(value))" % name)


# -- vectors ---------------------------------------------------------------------------

def _read_once(values, length, name):
    """The items of a sequence, read by one iteration and checked against its length."""
    try:
        count = len(values)
    except TypeError:
        raise TypeError("%s must be a sequence of numbers, not %s" % (name, _kind(values)))
    if count != length:
        raise ValueError("%s has %d values; the network expects %d" % (name, count, length))
    items = []
    for value in values:
        items.append(value)
        if len(items) > length:
            break
    if len(items) != length:
        raise ValueError("%s changed as it was read: its length is %d but it gave %s%d values"
                         % (name, length, "more than " if len(items) > length else "", len(items)))
    return items


def vector(values, length, name):
    """``values`` as a new list of ``length`` finite floats, each read once."""
    _refuse_odd(values, name, "sequence of numbers")
    view = _view(values)
    if view is not None:
        _dimensions(view, 1, name)
        items = _buffer_values(view, name)
        if len(items) != length:
            raise ValueError("%s has %d values; the network expects %d" % (name, len(items), length))
    else:
        if getattr(values, "ndim", 1) != 1:
            raise ValueError("%s must be one-dimensional, got a %d-dimensional %s" % (name, values.ndim, _kind(values)))
        items = _read_once(values, length, name)
    out = []
    for i, value in enumerate(items):
        if type(value) is float and -_INF < value < _INF:
            out.append(value)
        else:
            out.append(real(value, "%s[%d]" % (name, i)))
    return out


def probabilities(values, length, name):
    """A vector whose entries all lie strictly between 0 and 1 (for back query)."""
    out = vector(values, length, name)
    for i, y in enumerate(out):
        if not 0.0 < y < 1.0:
            raise ValueError("%s[%d] is %r: back query needs outputs strictly between 0 and 1" % (name, i, y))
    return out


# -- many rows -------------------------------------------------------------------------

def _store_row(row):
    """One checked row as compact storage: an ``array('d')`` where there is one."""
    try:
        from array import array
    except ImportError:
        return row
    return array("d", row)


def row_list(values, name):
    """The rows of ``values`` as a list, read once (each row still unchecked)."""
    _refuse_odd(values, name, "sequence of rows")
    view = _view(values)
    if view is not None:
        _dimensions(view, 2, name)
        return _buffer_values(view, name)
    if isinstance(values, (list, tuple)) and type(values) in (list, tuple):
        return list(values)
    try:
        count = len(values)
    except TypeError:
        count = None
    try:
        items = list(values)
    except TypeError:
        raise TypeError("%s must be a sequence of rows, not %s" % (name, _kind(values)))
    if count is not None and count != len(items):
        raise ValueError("%s changed as it was read: its length is %d but it gave %d rows" % (name, count, len(items)))
    return items


def vectors(values, length, name):
    """Every row of ``values`` checked as a vector of ``length``, read once, as compact storage."""
    return [_store_row(vector(row, length, "%s[%d]" % (name, k))) for k, row in enumerate(row_list(values, name))]


def paired_rows(input_rows, target_rows, n_in, n_out):
    """Every input and target row, checked and copied once: two lists of rows of floats."""
    inputs = row_list(input_rows, "input_rows")
    targets = row_list(target_rows, "target_rows")
    if len(inputs) != len(targets):
        raise ValueError("input_rows has %d rows but target_rows has %d" % (len(inputs), len(targets)))
    if len(inputs) == 0:
        raise ValueError("input_rows is empty: there is nothing to train on")
    inputs = [_store_row(vector(row, n_in, "input_rows[%d]" % k)) for k, row in enumerate(inputs)]
    targets = [_store_row(vector(row, n_out, "target_rows[%d]" % k)) for k, row in enumerate(targets)]
    return inputs, targets


# -- parameters ----------------------------------------------------------------------------

def _sequence(values, count, name, describe):
    """The ``count`` items of a sequence, read once; ``describe(length)`` words a wrong length."""
    _refuse_odd(values, name, "sequence")
    if isinstance(values, (int, float)):
        raise TypeError("%s must be a sequence, not %s" % (name, _kind(values)))
    try:
        length = len(values)
    except TypeError:
        raise TypeError("%s must be a sequence, not %s" % (name, _kind(values)))
    if length != count:
        raise ValueError(describe(length))
    return _read_once(values, count, name)


def matrix(values, n_rows, n_cols, name):
    """``values`` as an ``n_rows x n_cols`` list of lists of finite floats."""
    view = _view(values) if not isinstance(values, _NOT_NUMBERS) else None
    if view is not None:
        _dimensions(view, 2, name)
        values = _buffer_values(view, name)
    rows = _sequence(values, n_rows, name, lambda count: "%s has %d rows; expected %d" % (name, count, n_rows))
    return [vector(row, n_cols, "%s[%d]" % (name, i)) for i, row in enumerate(rows)]


def weights(values, sizes):
    """``[W(1), ..., W(L)]`` with ``W(l)`` of shape ``n(l-1) x n(l)``."""
    layers = len(sizes) - 1
    matrices = _sequence(values, layers, "weights", lambda count: "weights has %d matrices; a network of layer sizes %s needs %d" % (count, list(sizes), layers))
    return [matrix(matrices[l], sizes[l], sizes[l + 1], "weights[%d]" % l) for l in range(layers)]


def biases(values, sizes, enabled):
    """``[B(1), ..., B(L)]``, each with ``n(l)`` entries; all zero where biases are off."""
    layers = len(sizes) - 1
    vectors_ = _sequence(values, layers, "biases", lambda count: "biases has %d vectors; a network of layer sizes %s needs %d" % (count, list(sizes), layers))
    out = [vector(vectors_[l], sizes[l + 1], "biases[%d]" % l) for l in range(layers)]
    if not enabled:
        for l, b in enumerate(out):
            for j, value in enumerate(b):
                if value != 0.0:
                    raise ValueError("biases[%d][%d] is %r but this network has no biases (bias=False)" % (l, j, value))
    return out


TRAINING_DEPTH = 16  # how deeply the JSON in one training record may nest
TRAINING_ITEMS = 1000000  # how many values (numbers, strings, list and object entries) all records may hold


def training(records, name):
    """A fresh copy of a model's training history: a list of JSON objects.

    Each record may hold plain JSON values only (None, True/False, ints, finite
    floats, strings, lists, and objects with string keys), nested at most
    ``TRAINING_DEPTH`` deep, with at most ``TRAINING_ITEMS`` values in all.
    """
    if not isinstance(records, list):
        raise TypeError("%s must be a list of JSON objects, not %s" % (name, _kind(records)))
    budget = [TRAINING_ITEMS]
    out = []
    for k, record in enumerate(records):
        if not isinstance(record, dict):
            raise TypeError("%s[%d] must be a JSON object (a dict), not %s" % (name, k, _kind(record)))
        out.append(_json_value(record, "%s[%d]" % (name, k), 1, budget))
    return out


def _json_value(value, name, depth, budget):
    """A copy of ``value`` if it is plain JSON; ``budget[0]`` counts the values still allowed."""
    budget[0] -= 1
    if budget[0] < 0:
        raise ValueError("%s: the training records hold more than %d values" % (name, TRAINING_ITEMS))
    if value is None or isinstance(value, (bool, str)) or _is_int(value):
        return value
    if type(value) is float:
        if not -_INF < value < _INF:
            raise ValueError("%s must be finite, got %r" % (name, value))
        return value
    if depth >= TRAINING_DEPTH and isinstance(value, (list, dict)):
        raise ValueError("%s is nested more than %d deep" % (name, TRAINING_DEPTH))
    if isinstance(value, (list, tuple)):
        return [_json_value(item, "%s[%d]" % (name, i), depth + 1, budget) for i, item in enumerate(value)]
    if isinstance(value, dict):
        copy = {}
        for key in value:
            if not isinstance(key, str):
                raise TypeError("%s has a key %r that is not a string" % (name, key))
            copy[key] = _json_value(value[key], "%s[%r]" % (name, key), depth + 1, budget)
        return copy
    raise TypeError("%s must be a plain JSON value, not %s" % (name, _kind(value)))
