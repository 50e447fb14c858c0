"""pynet: a small neural network in pure Python, after the seed's numpy class.

``NeuralNetwork(784, 100, 10, 0.3)`` builds the seed's three-layer network;
``train(inputs, targets)`` takes one step of gradient descent and ``query(inputs)``
runs the network forward. Equation labels in the code refer to SPEC.md.
"""

from .network import NeuralNetwork, neuralNetwork

__version__ = "0.1.0"
__all__ = ["NeuralNetwork", "neuralNetwork", "__version__"]
