"""What the tests share: the backends under test, MNIST rows, bit-exact comparisons.

Every test module imports from here (``from helpers import ...``); ``conftest.py``
holds only fixtures and hooks.

MNIST comes from the subset bundled with the package (the first 6,000 training and
1,000 test images of canonical MNIST), so every test runs in a bare clone. Tests that
need the full canonical files call ``full_mnist_dir()``, which reads the folder named by
``PYNET_MNIST_DIR`` and otherwise skips with an *expected* skip (see ``skip_expected``).
"""

import os
import struct
from pathlib import Path

import pytest

from pynet import backends, conventions

ROOT = Path(__file__).resolve().parents[1]
IMPLEMENTATIONS = {"pure": backends.MODULES["pure"], "fast": backends.MODULES["fast"]}
MNIST_DIR_ENV = "PYNET_MNIST_DIR"
EXPECTED = "expected: "  # the prefix of a skip the suite declares expected


def skip_expected(reason):
    """Skip a test for a reason the suite expects (CI fails on any other skip)."""
    pytest.skip(EXPECTED + reason)


def require_fast():
    return os.environ.get("PYNET_REQUIRE_FAST") == "1"


def load_backend(name):
    """The module for ``name`` (``pure`` or ``fast``), chosen by ``pynet.backends.choose``.

    Where ``pynet_fast`` is not built its tests skip (expected in a pure install), unless
    ``PYNET_REQUIRE_FAST=1``: then a missing build is a failure.
    """
    try:
        return backends.choose(name)
    except ImportError as error:
        if require_fast():
            pytest.fail("PYNET_REQUIRE_FAST=1 but %s does not import: %s" % (IMPLEMENTATIONS[name], error))
        skip_expected("%s is not built: %s" % (IMPLEMENTATIONS[name], error))


def full_mnist_dir():
    """The folder of canonical MNIST named by ``PYNET_MNIST_DIR``; an expected skip when it is unset."""
    folder = os.environ.get(MNIST_DIR_ENV)
    if not folder:
        skip_expected("full MNIST: set %s to a folder of the canonical files" % MNIST_DIR_ENV)
    path = Path(folder)
    if not (path / "train-images-idx3-ubyte.gz").exists():
        pytest.fail("%s=%s holds no canonical MNIST" % (MNIST_DIR_ENV, folder))
    return path


_BUNDLED = {}


def bundled_mnist():
    """``(train, test)`` of the bundled subset (``pynet.app.mnist.Dataset``), read once."""
    if not _BUNDLED:
        from pynet.app import mnist
        _BUNDLED["sets"] = mnist.bundled()
    return _BUNDLED["sets"]


def read_mnist(kind, count):
    """The first ``count`` (inputs, label) pairs of MNIST ``kind`` ('train' or 't10k'), scaled.

    The bundled subset is the head of canonical MNIST, so these are canonical rows.
    """
    train, test = bundled_mnist()
    dataset = train if kind == "train" else test
    assert count <= len(dataset), "the bundled subset has %d %s images" % (len(dataset), kind)
    return [(dataset.scaled(k), dataset.labels[k]) for k in range(count)]


def read_pixels(kind, count):
    """``(pixels, labels, size)``: the first ``count`` images of ``kind`` as raw bytes."""
    train, test = bundled_mnist()
    dataset = train if kind == "train" else test
    assert count <= len(dataset)
    return dataset.images[:count * dataset.size], dataset.labels[:count], dataset.size


def one_hot(label, n=10):
    return conventions.targets(label, n)


def bits(values):
    """Nested floats as their exact bit patterns, for comparisons that allow no rounding."""
    if isinstance(values, (list, tuple)):
        return [bits(v) for v in values]
    return struct.pack("<d", values).hex()


def snapshot(network):
    """Everything a failed call must leave alone, bit for bit."""
    return bits([network.get_weights(), network.get_biases()]), network.learning_rate, network.layer_sizes


def reproducible_model(path):
    """The model file at ``path`` as a dict, its training record without the fields that say
    where and when each run ran (``pynet.app.record.MACHINE_FIELDS``): two runs of the same
    command and seed give equal dicts, whichever backend, machine or time."""
    import json

    from pynet.app.record import reproducible_part

    with open(str(path)) as f:
        data = json.load(f)
    data["training"] = [reproducible_part(run) for run in data.get("training", [])]
    return data


def run_cli(argv):
    """``pynet.app.cli.main(argv)`` in this process: ``(exit status, stdout, stderr)``."""
    import io
    import sys

    from pynet.app import cli

    out, err = io.StringIO(), io.StringIO()
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = out, err
    try:
        code = cli.main(argv)
    finally:
        sys.stdout, sys.stderr = saved
    return code, out.getvalue(), err.getvalue()


def read_rgb_png(data):
    """``(width, height, rows of (r, g, b))`` of an 8-bit RGB PNG as pynet writes them (rows unfiltered)."""
    import zlib

    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height, depth, colour = struct.unpack(">IIBB", data[16:26])
    assert (depth, colour) == (8, 2)
    pos, idat = 8, b""
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        if kind == b"IDAT":
            idat += data[pos + 8:pos + 8 + length]
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = 3 * width + 1
    rows = []
    for y in range(height):
        assert raw[y * stride] == 0  # filter type None
        line = raw[y * stride + 1:(y + 1) * stride]
        rows.append([tuple(line[3 * x:3 * x + 3]) for x in range(width)])
    return width, height, rows
