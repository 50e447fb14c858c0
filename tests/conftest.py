"""Shared fixtures: every network test runs against both backends.

The ``backend`` fixture is the module under test: ``pynet`` (id ``pure``) or
``pynet_fast`` (id ``fast``). Where ``pynet_fast`` is not built its tests are
skipped, unless ``PYNET_REQUIRE_FAST=1`` is set (as CI does): then a missing
build is a failure, not a silent skip.
"""

import gzip
import importlib
import os
import struct
from pathlib import Path

import pytest

IMPLEMENTATIONS = {"pure": "pynet", "fast": "pynet_fast"}
MNIST_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "mnist"


def pytest_report_header(config):
    import pynet

    return "pynet under test: %s" % os.path.dirname(pynet.__file__)


def pytest_sessionstart(session):
    """With PYNET_EXPECT_INSTALLED=1 (CI), refuse to test a source tree instead of the installed package."""
    if os.environ.get("PYNET_EXPECT_INSTALLED") != "1":
        return
    import pynet

    source_tree = Path(__file__).resolve().parents[1]
    if Path(pynet.__file__).resolve().parents[1] == source_tree:
        raise pytest.UsageError("PYNET_EXPECT_INSTALLED=1 but pynet comes from the source tree %s" % source_tree)


def require_fast():
    return os.environ.get("PYNET_REQUIRE_FAST") == "1"


def load_backend(name):
    """The module for ``name`` (``pure`` or ``fast``); skips or fails when it is missing."""
    try:
        return importlib.import_module(IMPLEMENTATIONS[name])
    except ImportError as error:
        if require_fast():
            pytest.fail("PYNET_REQUIRE_FAST=1 but %s does not import: %s" % (IMPLEMENTATIONS[name], error))
        pytest.skip("%s is not built: %s" % (IMPLEMENTATIONS[name], error))


@pytest.fixture(params=sorted(IMPLEMENTATIONS), ids=sorted(IMPLEMENTATIONS))
def backend(request):
    return load_backend(request.param)


@pytest.fixture
def pure():
    return load_backend("pure")


@pytest.fixture
def fast():
    return load_backend("fast")


def read_mnist(kind, count):
    """The first ``count`` (pixels, label) pairs of canonical MNIST ``kind`` ('train' or 't10k').

    Pixels are scaled as in SPEC's data conventions. Skips when the data is absent.
    """
    images = MNIST_DIR / ("%s-images-idx3-ubyte.gz" % kind)
    labels = MNIST_DIR / ("%s-labels-idx1-ubyte.gz" % kind)
    if not images.exists() or not labels.exists():
        pytest.skip("canonical MNIST is not at %s" % MNIST_DIR)
    with gzip.open(str(images)) as f:
        magic, n, rows, cols = struct.unpack(">IIII", f.read(16))
        assert magic == 2051 and count <= n
        pixels = f.read(count * rows * cols)
    with gzip.open(str(labels)) as f:
        magic, n = struct.unpack(">II", f.read(8))
        assert magic == 2049
        label_bytes = f.read(count)
    size = rows * cols
    return [([p / 255 * 0.99 + 0.01 for p in pixels[k * size:(k + 1) * size]], label_bytes[k])
            for k in range(count)]


def one_hot(label, n=10):
    targets = [0.01] * n
    targets[label] = 0.99
    return targets


def bits(values):
    """Nested floats as their exact bit patterns, for comparisons that allow no rounding."""
    if isinstance(values, (list, tuple)):
        return [bits(v) for v in values]
    return struct.pack("<d", values).hex()


def snapshot(network):
    """Everything a failed call must leave alone, bit for bit."""
    return bits([network.get_weights(), network.get_biases()]), network.learning_rate, network.layer_sizes
