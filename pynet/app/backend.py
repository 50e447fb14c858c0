"""A backend for the application: a network class from ``pynet.backends`` and the
functions that feed it MNIST data in the form it takes fastest."""

from .. import backends, conventions
from . import mnist
from .errors import UserError, describe

_TARGETS = [conventions.targets(label) for label in range(mnist.CLASSES)]  # shared rows: nothing changes them


class Backend:
    """The network class of a backend and the functions that feed it data."""

    def __init__(self, module):
        self.module = module
        self.name = module.BACKEND
        self.network_class = module.NeuralNetwork
        self.scale_pixels = getattr(module, "scale_pixels", mnist.scale_pixels)

    def input_rows(self, pixels, count, size):
        """``count`` images' ``pixels`` (bytes) as rows the network's ``*_many`` methods take."""
        if self.name == "pure":
            table = conventions.PIXEL_SCALE
            return [[table[p] for p in pixels[k * size:(k + 1) * size]] for k in range(count)]
        return memoryview(self.scale_pixels(pixels)).cast("B").cast("d", (count, size))

    def target_rows(self, labels):
        """The target vectors (the data conventions) of ``labels`` (bytes), as rows."""
        if self.name == "pure":
            return [_TARGETS[label] for label in labels]
        return memoryview(mnist.target_rows(labels)).cast("B").cast("d", (len(labels), mnist.CLASSES))


def choose_backend(name):
    """The ``Backend`` for ``auto``, ``pure`` or ``fast`` (see ``pynet.backends.choose``)."""
    try:
        return Backend(backends.choose(name))
    except backends.BackendUnavailable as error:
        raise UserError(str(error))


def load_data(data):
    """``(train, test)`` from ``--data``, or a ``UserError`` naming what is wrong."""
    try:
        return mnist.load(data)
    except (ValueError, OSError) as error:
        raise UserError(describe(error))


def load_model(backend, path):
    """The model file at ``path`` as a network of ``backend``, or a ``UserError``."""
    try:
        return backend.network_class.load(path)
    except (ValueError, TypeError, OSError) as error:
        message = describe(error)
        raise UserError(message if path in message else "%s: %s" % (path, message))


def check_fits(network, dataset, what):
    """Refuse a model whose inputs or outputs do not match ``dataset``'s images and classes."""
    sizes = network.layer_sizes
    if sizes[0] != dataset.size:
        raise UserError("the model takes %d inputs but the %s images have %dx%d = %d pixels"
                        % (sizes[0], what, dataset.rows, dataset.cols, dataset.size))
    if sizes[-1] < mnist.CLASSES:
        raise UserError("the model has %d outputs; MNIST needs %d" % (sizes[-1], mnist.CLASSES))


def image_side(inputs):
    """The side of the square image a model with ``inputs`` inputs reads."""
    side = int(round(inputs ** 0.5))
    if side * side != inputs:
        raise UserError("the model takes %d inputs, which is not a square image" % inputs)
    return side
