"""Checks on everything that comes in from outside, shared by both backends.

Each check either returns a clean value (plain ints, floats and lists of floats)
or raises ``TypeError`` (the wrong kind of thing) or ``ValueError`` (the right
kind, a wrong value) with a message that names the problem. Nothing is changed
before every check has passed.
"""

_INF = float("inf")
_NOT_NUMBERS = (str, bytes, bytearray, complex)
_NOT_SEQUENCES = (set, frozenset, dict)
RULES = ("seed", "exact")


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _kind(value):
    return type(value).__name__


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
    else:
        try:
            hidden = list(hidden_nodes)
        except TypeError:
            raise TypeError("hidden_nodes must be an int or a sequence of ints, not %s" % _kind(hidden_nodes))
        hidden = [layer_size(n, "hidden_nodes[%d]" % k) for k, n in enumerate(hidden)]
    sizes = [layer_size(input_nodes, "input_nodes")] + hidden + [layer_size(output_nodes, "output_nodes")]
    return tuple(sizes)


def real(value, name):
    """A finite real number as a float; strings, complex numbers and None are refused."""
    if type(value) is not float:
        if isinstance(value, _NOT_NUMBERS) or value is None:
            raise TypeError("%s must be a real number, not %s" % (name, _kind(value)))
        try:
            value = float(value)
        except OverflowError:  # an int too large for a float
            raise ValueError("%s must be finite, got a number too large for a float" % name)
        except (TypeError, ValueError):
            raise TypeError("%s must be a real number, not %s" % (name, _kind(value)))
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
    if value not in RULES:
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


def _length(values, name):
    """The length of a sequence; sets and dicts, whose order is not the inputs', are refused."""
    if isinstance(values, _NOT_NUMBERS) or isinstance(values, _NOT_SEQUENCES) or values is None:
        raise TypeError("%s must be a sequence of numbers, not %s" % (name, _kind(values)))
    if getattr(values, "ndim", 1) != 1 and isinstance(values, memoryview):
        raise ValueError("%s must be one-dimensional, got a %d-dimensional memoryview" % (name, values.ndim))
    try:
        return len(values)
    except TypeError:
        raise TypeError("%s must be a sequence of numbers, not %s" % (name, _kind(values)))


def vector(values, length, name):
    """``values`` as a list of ``length`` finite floats."""
    count = _length(values, name)
    if count != length:
        raise ValueError("%s has %d values; the network expects %d" % (name, count, length))
    out = []
    for i, value in enumerate(values):
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


class _BufferRows:
    """The rows of a 2-D memoryview (which cannot be indexed by row itself)."""

    def __init__(self, view):
        self.count, self.width = view.shape
        self.flat = view.cast("B").cast(view.format) if view.format != "B" else view.cast("B")

    def __len__(self):
        return self.count

    def __getitem__(self, k):
        if not 0 <= k < self.count:
            raise IndexError(k)
        return self.flat[k * self.width:(k + 1) * self.width]


def rows(values, name):
    """A sequence of rows: lists and tuples as they are, any other iterable as a list."""
    if isinstance(values, _NOT_NUMBERS) or values is None:
        raise TypeError("%s must be a sequence of rows, not %s" % (name, _kind(values)))
    if isinstance(values, (list, tuple)):
        return values
    if isinstance(values, memoryview) and getattr(values, "ndim", 1) == 2:
        if not values.c_contiguous:
            raise ValueError("%s must be C-contiguous" % name)
        return _BufferRows(values)
    try:
        return list(values)
    except TypeError:
        raise TypeError("%s must be a sequence of rows, not %s" % (name, _kind(values)))


def paired_rows(input_rows, target_rows, n_in, n_out):
    """Check every input and target row; returns the two sequences of rows.

    Rows are only checked here, not kept: the caller converts each one again as it
    uses it, so a long data set never has to be held as Python floats all at once.
    """
    input_rows = rows(input_rows, "input_rows")
    target_rows = rows(target_rows, "target_rows")
    if len(input_rows) != len(target_rows):
        raise ValueError("input_rows has %d rows but target_rows has %d" % (len(input_rows), len(target_rows)))
    if len(input_rows) == 0:
        raise ValueError("input_rows is empty: there is nothing to train on")
    for k in range(len(input_rows)):
        vector(input_rows[k], n_in, "input_rows[%d]" % k)
        vector(target_rows[k], n_out, "target_rows[%d]" % k)
    return input_rows, target_rows


def matrix(values, n_rows, n_cols, name):
    """``values`` as an ``n_rows x n_cols`` list of lists of finite floats."""
    count = _length(values, name)
    if count != n_rows:
        raise ValueError("%s has %d rows; expected %d" % (name, count, n_rows))
    return [vector(row, n_cols, "%s[%d]" % (name, i)) for i, row in enumerate(values)]


def weights(values, sizes):
    """``[W(1), ..., W(L)]`` with ``W(l)`` of shape ``n(l-1) x n(l)``."""
    layers = len(sizes) - 1
    count = _length(values, "weights")
    if count != layers:
        raise ValueError("weights has %d matrices; a network of layer sizes %s needs %d" % (count, list(sizes), layers))
    return [matrix(values[l], sizes[l], sizes[l + 1], "weights[%d]" % l) for l in range(layers)]


def biases(values, sizes, enabled):
    """``[B(1), ..., B(L)]``, each with ``n(l)`` entries; all zero where biases are off."""
    layers = len(sizes) - 1
    count = _length(values, "biases")
    if count != layers:
        raise ValueError("biases has %d vectors; a network of layer sizes %s needs %d" % (count, list(sizes), layers))
    out = [vector(values[l], sizes[l + 1], "biases[%d]" % l) for l in range(layers)]
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
