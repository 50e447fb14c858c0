"""The model file: one versioned JSON format, written by both backends.

A model file is a JSON object::

    {"format": "pynet-model", "version": 1,
     "layer_sizes": [784, 100, 10], "rule": "seed", "bias": false,
     "learning_rate": 0.3,
     "weights": [W(1), ..., W(L)],      W(l): n(l-1) lists of n(l) numbers
     "biases": [B(1), ..., B(L)]}       B(l): n(l) numbers (zeros without bias)

Numbers are written with Python's shortest round-trip form, so on CPython and PyPy
every float reads back as exactly the same float. (MicroPython's decimal parser is
not correctly rounded: there a weight can read back one unit in the last place off.) Model files are plain data and never pickles:
loading one runs no code. Everything is checked before a network is built.
"""

import json

from . import checks

FORMAT = "pynet-model"
VERSION = 1
_FIELDS = ("format", "version", "layer_sizes", "rule", "bias", "learning_rate", "weights", "biases")


def to_dict(layer_sizes, rule, bias, learning_rate, weights, biases):
    return {
        "format": FORMAT,
        "version": VERSION,
        "layer_sizes": list(layer_sizes),
        "rule": rule,
        "bias": bias,
        "learning_rate": learning_rate,
        "weights": weights,
        "biases": biases,
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
    if version != VERSION:
        raise ValueError("model file version %d is not supported: this pynet reads version %d" % (version, VERSION))
    for field in _FIELDS:
        if field not in data:
            raise ValueError("model lacks the field %r" % field)
    sizes = data["layer_sizes"]
    if not isinstance(sizes, list) or len(sizes) < 2:
        raise ValueError("model 'layer_sizes' must be a list of at least 2 sizes, got %r" % (sizes,))
    sizes = tuple(checks.layer_size(n, "layer_sizes[%d]" % k) for k, n in enumerate(sizes))
    bias = checks.flag(data["bias"], "bias")
    return {
        "layer_sizes": sizes,
        "rule": checks.rule(data["rule"]),
        "bias": bias,
        "learning_rate": checks.learning_rate(data["learning_rate"]),
        "weights": checks.weights(data["weights"], sizes),
        "biases": checks.biases(data["biases"], sizes, bias),
    }


def _dumps(data):
    try:
        return json.dumps(data, separators=(",", ":"))
    except TypeError:  # MicroPython's json takes no separators
        return json.dumps(data)


def save(data, path):
    """Write ``data`` as JSON to ``path`` atomically (see ``pynet.atomicfile.write_text``)."""
    from .atomicfile import write_text

    write_text(path, _dumps(data))


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
    except RecursionError:
        raise ValueError("%s is not a valid model file: it is nested too deeply" % _shown(path))


def _shown(path):
    return path.decode("utf-8", "backslashreplace") if isinstance(path, bytes) else path
