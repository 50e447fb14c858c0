"""pynet_fast: pynet's network, compiled.

``pynet_fast.NeuralNetwork`` has exactly ``pynet.NeuralNetwork``'s API and gives
bit for bit the same weights and outputs; only the storage (contiguous float64
blocks) and the arithmetic (Cython kernels, run without the GIL) differ. A model
saved by either backend loads in the other.

``scale_pixels(pixels)`` is ``pynet.app.mnist.scale_pixels`` (MNIST bytes to float64
inputs) in compiled code.

``KERNELS`` names the compiled kernels in use: ``"portable"`` (any CPU of the platform),
``"avx2"`` (x86-64 CPUs with AVX2; chosen at import where built and supported) or
``"native"`` (built with ``PYNET_NATIVE=1`` for the building machine). All give the
same bits. ``PYNET_FAST_KERNELS=portable`` in the environment forces the portable ones.
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
from .network import NeuralNetwork, neuralNetwork

BACKEND = "fast"  # what pynet.backends.choose calls this implementation


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


__all__ = ["NeuralNetwork", "neuralNetwork", "scale_pixels", "KERNELS", "BACKEND", "__version__"]
