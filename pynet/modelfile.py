"""The model file: one versioned JSON format, written by both backends.

A model file (version 2) is a JSON object::

    {"format": "pynet-model", "version": 2,
     "layer_sizes": [784, 100, 10], "rule": "seed", "bias": false,
     "learning_rate": 0.3,
     "weights": [{"shape": [784, 100], "float64": "<base64>"}, ...],   W(1) ... W(L)
     "biases": [{"shape": [100], "float64": "<base64>"}, ...],         B(1) ... B(L)
     "training": [{...}, ...]}                                         one record per run

Each ``"float64"`` holds the matrix's numbers, row after row, as little-endian IEEE
754 doubles encoded in base64: every runtime reads them back bit for bit, including
MicroPython, whose decimal float parser is not correctly rounded. ``W(l)`` has the
shape ``[n(l-1), n(l)]`` and ``B(l)`` the shape ``[n(l)]``. Everything else is plain
JSON (the learning rate is a decimal number, shortest round-trip form). The
optional ``"training"`` list holds JSON objects describing how the model was
trained; pynet checks their structure (see ``checks.training``), not their contents.

Version 1 files, with the numbers as nested JSON lists, still load. Model files are
plain data and never pickles: loading one runs no code. Everything is checked
before a network is built. A matrix is decoded one at a time, so that a small
heap (MicroPython on a board) never holds two copies of all the weights.
"""

import json
import struct

from . import checks
from . import storage

FORMAT = "pynet-model"
VERSION = 2
READS = (1, 2)
_FIELDS = ("format", "version", "layer_sizes", "rule", "bias", "learning_rate", "weights", "biases")
_ENCODING = "float64"
_INF = float("inf")


def to_dict(layer_sizes, rule, bias, learning_rate, weights, biases, training=()):
    """The version-2 model dict; ``weights`` and ``biases`` are rows of floats (lists or arrays)."""
    return {
        "format": FORMAT,
        "version": VERSION,
        "layer_sizes": list(layer_sizes),
        "rule": rule,
        "bias": bias,
        "learning_rate": learning_rate,
        "weights": [_encode(W, [len(W), layer_sizes[l + 1]]) for l, W in enumerate(weights)],
        "biases": [_encode([B], [len(B)]) for B in biases],
        "training": checks.training(training, "training"),
    }


def from_dict(data):
    """The checked fields of a model dict; raises ``ValueError``/``TypeError`` naming the problem."""
    if not isinstance(data, dict):
        raise TypeError("a model must be a dict (a JSON object), not %s" % type(data).__name__)
    if data.get("format") != FORMAT:
        raise ValueError("not a pynet model: 'format' is %r, expected %r" % (data.get("format"), FORMAT))
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise ValueError("model 'version' must be an int, got %r" % (version,))
    if version not in READS:
        raise ValueError("model file version %d is not supported: this pynet reads versions %s" % (
            version, " and ".join(str(v) for v in READS)))
    for field in _FIELDS:
        if field not in data:
            raise ValueError("model lacks the field %r" % field)
    sizes = data["layer_sizes"]
    if not isinstance(sizes, list) or len(sizes) < 2:
        raise ValueError("model 'layer_sizes' must be a list of at least 2 sizes, got %r" % (sizes,))
    sizes = tuple(checks.layer_size(n, "layer_sizes[%d]" % k) for k, n in enumerate(sizes))
    bias = checks.flag(data["bias"], "bias")
    fields = {
        "layer_sizes": sizes,
        "rule": checks.rule(data["rule"]),
        "bias": bias,
        "learning_rate": checks.learning_rate(data["learning_rate"]),
        "training": checks.training(data.get("training", []), "training") if version >= 2 else [],
    }
    if version == 1:
        fields["weights"] = checks.weights(data["weights"], sizes)
        fields["biases"] = checks.biases(data["biases"], sizes, bias)
    else:
        fields["weights"] = _decode_weights(data["weights"], sizes)
        fields["biases"] = checks.biases(_decode_biases(data["biases"], sizes), sizes, bias)
    return fields


# -- numbers as base64 little-endian doubles ------------------------------------------------


def _encode(rows, shape):
    """``{"shape": shape, "float64": base64}`` for ``rows`` (each a sequence of floats)."""
    import binascii

    width = shape[-1]
    packed = bytearray(8 * width * len(rows))
    layout = "<%dd" % width
    for i, row in enumerate(rows):
        struct.pack_into(layout, packed, 8 * width * i, *row)
    text = binascii.b2a_base64(packed)
    return {"shape": list(shape), _ENCODING: text.decode("ascii").rstrip("\n")}


def _decode(entry, shape, name):
    """The rows (``shape[0]`` of ``shape[-1]`` finite floats) stored in ``entry``."""
    import binascii

    if not isinstance(entry, dict):
        raise TypeError("%s must be a JSON object with 'shape' and %r, not %s" % (name, _ENCODING, type(entry).__name__))
    if entry.get("shape") != shape:
        raise ValueError("%s has the shape %r; expected %r" % (name, entry.get("shape"), shape))
    text = entry.get(_ENCODING)
    if not isinstance(text, str):
        raise TypeError("%s[%r] must be a base64 string, not %s" % (name, _ENCODING, type(text).__name__))
    count = 1
    for n in shape:
        count *= n
    if len(text) != 4 * ((8 * count + 2) // 3):
        raise ValueError("%s holds %d base64 characters; %d doubles need %d" % (
            name, len(text), count, 4 * ((8 * count + 2) // 3)))
    try:
        data = binascii.a2b_base64(text)
    except ValueError as error:  # binascii.Error is a ValueError
        raise ValueError("%s is not valid base64: %s" % (name, error))
    if len(data) != 8 * count:
        raise ValueError("%s is not valid base64 for %d doubles" % (name, count))
    width = shape[-1]
    rows = []
    for i in range(count // width if width else 0):
        row = storage.row_from_doubles(data, 8 * width * i, width)
        for j in range(width):
            if not -_INF < row[j] < _INF:
                raise ValueError("%s[%d][%d] must be finite, got %r" % (name, i, j, row[j]))
        rows.append(row)
    return rows


def _decode_weights(values, sizes):
    layers = len(sizes) - 1
    if not isinstance(values, list) or len(values) != layers:
        raise ValueError("weights must be a list of %d matrices for layer sizes %s" % (layers, list(sizes)))
    return [_decode(values[l], [sizes[l], sizes[l + 1]], "weights[%d]" % l) for l in range(layers)]


def _decode_biases(values, sizes):
    layers = len(sizes) - 1
    if not isinstance(values, list) or len(values) != layers:
        raise ValueError("biases must be a list of %d vectors for layer sizes %s" % (layers, list(sizes)))
    return [_decode(values[l], [sizes[l + 1]], "biases[%d]" % l)[0] for l in range(layers)]


# -- the file ---------------------------------------------------------------------------------


def _dump(data, f):
    try:
        json.dump(data, f, separators=(",", ":"))
    except TypeError:  # MicroPython's json takes no separators (and writes to the stream as it goes)
        json.dump(data, f)


def save(data, path):
    """Write ``data`` as JSON to ``path`` atomically (see ``pynet.atomicfile.replace``)."""
    from .atomicfile import replace

    replace(path, lambda f: _dump(data, f))


def load(path):
    """The dict stored in the model file at ``path`` (not yet checked).

    Only a regular file is read (``pynet.atomicfile.read_text``); it must be UTF-8 JSON.
    """
    from .atomicfile import read_text

    text = read_text(path, "model file")
    try:
        return json.loads(text)
    except ValueError as error:
        raise ValueError("%s is not a valid model file (is it truncated?): %s" % (_shown(path), error))
    except RuntimeError as error:  # RecursionError on CPython; MicroPython has no such name
        raise ValueError("%s is not a valid model file: it is nested too deeply (%s)" % (_shown(path), error))


def _shown(path):
    return path.decode("utf-8", "backslashreplace") if isinstance(path, bytes) else path
