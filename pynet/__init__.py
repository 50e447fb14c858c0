"""pynet: a small neural network in pure Python, after the seed's numpy class.

``NeuralNetwork(784, 100, 10, 0.3)`` builds the seed's three-layer network;
``train(inputs, targets)`` takes one step of gradient descent and ``query(inputs)``
runs the network forward. Equation labels in the code (F1, E-l, U-W, ...) refer to
the project's maths document, ``docs/maths.md``.

This package is the learning core (network, matrix arithmetic, initial weights,
checks, the model file, the data conventions); ``pynet.app`` is the application built
on it (the command line, data sets, images, plots), which the core never imports.
"""

from .network import NeuralNetwork, neuralNetwork

__version__ = "0.2.0"
BACKEND = "pure"  # what pynet.backends.choose calls this implementation
__all__ = ["NeuralNetwork", "neuralNetwork", "BACKEND", "__version__"]
