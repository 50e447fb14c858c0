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


def _base64_pieces(rows, width):
    """The base64 text of ``rows`` as little-endian doubles, in pieces of about one row.

    Rows are packed one at a time and encoded as soon as 3 bytes or more are waiting
    (base64 turns 3 bytes into 4 characters), so no piece ever needs a large block.
    """
    import binascii

    layout = "<%dd" % width
    pending = b""
    for row in rows:
        pending += struct.pack(layout, *row)
        ready = len(pending) - len(pending) % 3
        if ready:
            yield binascii.b2a_base64(pending[:ready]).decode("ascii").rstrip("\n")
            pending = pending[ready:]
    if pending:
        yield binascii.b2a_base64(pending).decode("ascii").rstrip("\n")


def _encode(rows, shape):
    """``{"shape": shape, "float64": base64}`` for ``rows`` (each a sequence of floats)."""
    return {"shape": list(shape), _ENCODING: "".join(_base64_pieces(rows, shape[-1]))}


_PIECE = 4096  # base64 characters decoded at a time (a multiple of 4): 3,072 bytes


def _decode(entry, shape, name):
    """The rows (``shape[0]`` of ``shape[-1]`` finite floats) stored in ``entry``.

    The text is decoded a piece at a time into rows, so that no block the size of
    the whole matrix is ever needed besides the rows themselves.
    """
    if not isinstance(entry, dict):
        raise TypeError("%s must be a JSON object with 'shape' and %r, not %s" % (name, _ENCODING, type(entry).__name__))
    if entry.get("shape") != shape:
        raise ValueError("%s has the shape %r; expected %r" % (name, entry.get("shape"), shape))
    text = entry.get(_ENCODING)
    if not isinstance(text, str) and not _stored(text):
        raise TypeError("%s[%r] must be a base64 string, not %s" % (name, _ENCODING, type(text).__name__))
    count = 1
    for n in shape:
        count *= n
    if len(text) != 4 * ((8 * count + 2) // 3):
        raise ValueError("%s holds %d base64 characters; %d doubles need %d" % (
            name, len(text), count, 4 * ((8 * count + 2) // 3)))
    width = shape[-1]
    rows = [None] * (count // width if width else 0)
    pending, i = b"", 0
    if isinstance(text, str):
        pieces = (text[start:start + _PIECE] for start in range(0, len(text), _PIECE))
    else:
        pieces = text.pieces(_PIECE)  # read from the file now
    for piece in pieces:
        pending += _unbase64(piece, name)
        size = 8 * width
        at = 0
        while len(pending) - at >= size and i < len(rows):
            rows[i] = _finite_row(storage.row_from_doubles(pending, at, width), name, i)
            at += size
            i += 1
        pending = pending[at:]
    if i != len(rows) or pending:
        raise ValueError("%s is not valid base64 for %d doubles" % (name, count))
    return rows


def _stored(text):
    """Whether ``text`` is a ``modelscan.Stored``: numbers left in the file by the scanning reader."""
    from .modelscan import Stored  # (imported here: a program that loads no file never needs it)

    return isinstance(text, Stored)


def _unbase64(text, name):
    import binascii

    try:
        return binascii.a2b_base64(text)
    except ValueError as error:  # binascii.Error is a ValueError
        raise ValueError("%s is not valid base64: %s" % (name, error))


def _finite_row(row, name, i):
    for j in range(len(row)):
        if not -_INF < row[j] < _INF:
            raise ValueError("%s[%d][%d] must be finite, got %r" % (name, i, j, row[j]))
    return row


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


def _dumps(value):
    try:
        return json.dumps(value, separators=(",", ":"))
    except TypeError:
        return json.dumps(value)


def _write_model(f, layer_sizes, rule, bias, learning_rate, weights, biases, training):
    """The version-2 file, written as it is encoded: one row at a time, never the whole text."""
    head = {"format": FORMAT, "version": VERSION, "layer_sizes": list(layer_sizes), "rule": rule,
            "bias": bias, "learning_rate": learning_rate}
    f.write(_dumps(head)[:-1])  # without its closing brace
    f.write(',"training":%s,"weights":[' % _dumps(training))
    for l, W in enumerate(weights):
        f.write('%s{"shape":%s,"%s":"' % ("," if l else "", _dumps([len(W), layer_sizes[l + 1]]), _ENCODING))
        for piece in _base64_pieces(W, layer_sizes[l + 1]):
            f.write(piece)
        f.write('"}')
    f.write('],"biases":[')
    for l, B in enumerate(biases):
        f.write('%s{"shape":[%d],"%s":"%s"}' % ("," if l else "", len(B), _ENCODING,
                                                 "".join(_base64_pieces([B], len(B)))))
    f.write("]}")


def save_network(path, layer_sizes, rule, bias, learning_rate, weights, biases, training):
    """Write a network's model file (version 2) to ``path`` atomically, a row at a time."""
    training = checks.training(training, "training")  # a malformed record stops the save before it starts
    _atomically(path, lambda f: _write_model(f, layer_sizes, rule, bias, learning_rate, weights, biases, training))


def save(data, path):
    """Write the model dict ``data`` (as ``to_dict`` makes it) as JSON to ``path`` atomically."""
    _atomically(path, lambda f: _dump(data, f))


def _atomically(path, write):
    """Call ``write(f)`` on a temporary file beside ``path``, then rename it over ``path``
    (``pynet.atomicfile.replace``: the old file or the new one, never half of one)."""
    from .atomicfile import replace

    replace(path, write)


def load(path):
    """The dict stored in the model file at ``path`` (not yet checked).

    Only a regular file is read (``pynet.atomicfile.read_text``, bounded by its size);
    it must be UTF-8 JSON. On MicroPython the matrices' numbers stay in the file until
    they are decoded (``modelscan``).
    """
    text = None
    if not storage.MICROPYTHON:
        from .atomicfile import read_text

        text = read_text(path, "model file")  # its own errors say what is wrong with the file
        _check_nesting(text, path)
    try:
        if text is None:
            from . import modelscan

            return modelscan.load(path)
        return json.loads(text)
    except ValueError as error:
        raise ValueError("%s is not a valid model file (is it truncated?): %s" % (_shown(path), error))
    except RuntimeError as error:  # RecursionError on CPython; MicroPython has no such name
        raise ValueError("%s is not a valid model file: it is nested too deeply (%s)" % (_shown(path), error))


MAX_NESTING = 64  # a model file nests about 20 deep at most (its training records included)


def _check_nesting(text, path):
    """Refuse JSON nested more than ``MAX_NESTING`` deep before parsing it: the parser recurses,
    and on some Pythons (3.8) running out of stack there is a fatal error, not an exception."""
    import re

    depth = 0
    for token in re.finditer(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', text):
        mark = token.group()
        if mark in "[{":
            depth += 1
            if depth > MAX_NESTING:
                raise ValueError("%s is not a valid model file: it is nested more than %d deep"
                                 % (_shown(path), MAX_NESTING))
        elif mark in "]}":
            depth -= 1


def _shown(path):
    return path.decode("utf-8", "backslashreplace") if isinstance(path, bytes) else path
