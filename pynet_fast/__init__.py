"""pynet_fast: pynet's network, compiled.

``pynet_fast.NeuralNetwork`` has exactly ``pynet.NeuralNetwork``'s API and gives
bit for bit the same weights and outputs; only the storage (contiguous float64
blocks) and the arithmetic (Cython kernels, run without the GIL) differ. A model
saved by either backend loads in the other.

``scale_pixels(pixels)`` is ``pynet.app.mnist.scale_pixels`` (MNIST bytes to float64
inputs) in compiled code, ``transform_image`` the sampling of ``pynet.app.augment``, and
``jitter_samples`` its ``Jitter.samples`` (the jittered chunks of an augmented epoch).

``KERNELS`` names the compiled kernels in use: ``"portable"`` (any CPU of the platform),
``"avx512"`` or ``"avx2"`` (x86-64 CPUs with AVX-512F, AVX2; the widest built and
supported is chosen at import) or ``"native"`` (built with ``PYNET_NATIVE=1`` for the
building machine). All give the same bits. ``PYNET_FAST_KERNELS`` in the environment
forces one: ``portable``, ``avx2`` or ``avx512`` (see ``pynet_fast._select``).
"""

try:
    from . import _core
except ImportError as error:  # a pure install (PYNET_NO_EXTENSIONS=1), or the compiler failed
    import importlib.util

    if importlib.util.find_spec(__name__ + "._core") is not None:  # there, but it does not load
        raise ImportError("pynet_fast's compiled module does not load (%s): reinstall pynet from "
                          "source for this Python, `pip install --force-reinstall --no-cache-dir .`" % error)
    raise ImportError(
        "pynet_fast is not compiled in this installation, which holds the pure-Python pynet only "
        "(it was installed with PYNET_NO_EXTENSIONS=1, or its C compiler failed). To build it, install "
        "a C compiler and the Python headers (e.g. gcc and python3-dev), unset PYNET_NO_EXTENSIONS and "
        "reinstall: `pip install --force-reinstall --no-cache-dir -v .` shows the build's messages. "
        "`import pynet` is the same network in pure Python.") from None

from pynet import __version__
from pynet.conventions import PIXEL_SCALE

from ._select import KERNELS
from ._select import core as _kernels  # the compiled module in use
from . import network as _network
from .network import NeuralNetwork, neuralNetwork

BACKEND = "fast"  # what pynet.backends.choose calls this implementation


def transform_image(image, rows, cols, dx, dy, inverse, nearest):
    """``pynet.app.augment``'s sampling of one image in compiled code, bit for bit.

    ``image``: ``rows * cols`` bytes; ``inverse``: the map ``(a, b, c, d)`` from an
    output offset to the input offset (``augment._inverse``); ``dx``, ``dy``: the shift;
    ``nearest``: the nearest pixel instead of bilinear interpolation. Returns ``bytes``.
    The arguments are checked by ``pynet.app.augment``, which calls this when
    ``pynet_fast`` is installed.
    """
    a, b, c, d = inverse
    return _kernels.transform_image(image, rows, cols, dx, dy, a, b, c, d, nearest)


def jitter_samples(images, rows, cols, count, picked, random, bounds, nearest):
    """``pynet.app.augment.Jitter.samples`` in compiled code, bit for bit: the samples ``picked``
    of an epoch over the ``count`` images joined in ``images``, joined in one ``bytes``.

    Sample ``s`` is image ``s % count``, as it is for ``s < count`` and under the next random
    transform otherwise, drawn as ``Jitter.draw`` draws it: ``random`` is the ``random`` method
    of the Jitter's ``random.Random``, ``bounds`` its ``(shift, rotate, scale, shear)``. The
    transforms are drawn in order; the images are then sampled on up to ``QUERY_THREADS`` threads.
    The arguments are checked by ``pynet.app.augment``, which calls this when ``pynet_fast``
    is installed.
    """
    shift, rotate, scale, shear = bounds
    return _kernels.jitter_samples(images, rows, cols, count, picked, random, shift, rotate, scale, shear,
                                   nearest, _network.QUERY_THREADS)


def scale_pixels(pixels):
    """``pynet.app.mnist.scale_pixels`` in compiled code: bytes-like ``pixels`` -> ``array('d')``.

    Pixel ``p`` becomes ``pynet.conventions.PIXEL_SCALE[p]``, bit for bit. The result is flat,
    as pynet's; ``memoryview(result).cast("B").cast("d", (n, 784))`` makes it the rows
    that ``train_many`` and ``query_many`` of either backend take without a copy.
    """
    try:
        return _kernels.scale_pixels(pixels, PIXEL_SCALE)
    except (TypeError, ValueError, BufferError):  # not a buffer of unsigned bytes
        return _kernels.scale_pixels(bytes(pixels), PIXEL_SCALE)


__all__ = ["NeuralNetwork", "neuralNetwork", "scale_pixels", "transform_image", "jitter_samples", "KERNELS",
           "BACKEND", "__version__"]
