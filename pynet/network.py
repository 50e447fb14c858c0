"""The network in plain Python, equation by equation (read beside docs/maths.md).

Layers are numbered as in the maths: layer 0 is the input, layers 1 ... L compute.
``W[l]`` is ``W(l)`` and ``B[l]`` is ``B(l)`` for ``l = 1 ... L`` (index 0 holds
nothing, so that the code's numbers are the document's). ``W(l)`` has ``n(l-1)``
rows of ``n(l)`` weights, as in the seed, so the forward pass multiplies by its
transpose. ``Y[l]`` is ``Y(l)``, with ``Y[0] = X``, the input.

(I) The initial weights: ``W(l)[i][j] = n(l)^-1/2 * N``, with ``N`` the next standard
normal of a seeded stream, drawn layer by layer, row by row, column by column
(``pynet/initial.py``); the biases start at 0.

Every line that computes an equation names its label.
"""

from . import storage
from . import guard
from .base import NetworkBase
from .matrix import (add_outer, add_scaled, half_sum_of_squares, logit, rescale, sigmoid,
                     times, transpose_times)


class NeuralNetwork(NetworkBase):
    """A fully connected sigmoid network trained by per-sample gradient descent.

    ``NeuralNetwork(input_nodes, hidden_nodes, output_nodes, learning_rate, *,
    seed=None, bias=False, rule="seed")``; ``hidden_nodes`` is an int or a
    sequence of ints (one per hidden layer).
    """

    def _store(self, weights, biases):
        # W[l] is W(l) and B[l] is B(l), l = 1 ... L; the rows are lists on CPython and PyPy,
        # array('d') on MicroPython (see pynet/storage.py)
        self.W = [None] + [storage.rows(W) for W in weights]
        self.B = [None] + storage.rows(list(biases))

    def _export(self):
        L = len(self.W) - 1
        weights = [[list(row) for row in self.W[l]] for l in range(1, L + 1)]
        biases = [list(self.B[l]) for l in range(1, L + 1)]
        return weights, biases

    def _parameters(self):
        return self.W[1:], self.B[1:]  # read only, by the model file: no copy of every weight

    # The divergence guard's hooks (pynet/guard.py), without boxing every weight as a float
    # object: on a board a copy of the rows costs 8 bytes a weight, a list of floats 24.

    def _largest_parameter(self):
        largest = 0.0
        for l in range(1, len(self.W)):
            for rows in (self.W[l], [self.B[l]]):
                value = guard.largest_magnitude(rows)
                if not value <= largest:  # larger, or inf for a NaN
                    largest = value
        return largest

    def _snapshot(self):
        return [[row[:] for row in self.W[l]] for l in range(1, len(self.W))], [B[:] for B in self.B[1:]]

    def _restore(self, saved):
        weights, biases = saved
        self.W = [None] + weights
        self.B = [None] + biases

    def _forward(self, X):
        """``Y`` with ``Y[l] = Y(l)`` for ``l = 0 ... L``, from the input ``Y[0] = X``."""
        L = len(self.W) - 1
        Y = [X]
        for l in range(1, L + 1):
            Z = transpose_times(self.W[l], Y[l - 1], self.B[l])  # (F1) Z(l) = W(l)^T Y(l-1) + B(l)
            Y.append([sigmoid(z) for z in Z])  # (F2) Y(l) = sigmoid(Z(l))
        return Y

    def _query_one(self, X):
        return self._forward(X)[-1]

    def _train_one(self, X, T):
        L = len(self.W) - 1
        Y = self._forward(X)
        E = [t - y for t, y in zip(T, Y[L])]  # (E-L) E(L) = T - Y(L)
        loss = half_sum_of_squares(E)  # (L1) loss = 1/2 sum E(L)^2

        # Every layer's delta first, with the weights as they were before this sample.
        delta = [None] * (L + 1)  # delta[l] is delta(l)
        for l in range(L, 0, -1):
            delta[l] = [e * y * (1.0 - y) for e, y in zip(E, Y[l])]  # (D) delta(l) = E(l) * Y(l) * (1 - Y(l))
            if l > 1:
                if self._rule == "seed":
                    E = times(self.W[l], E)  # (E-l) E(l-1) = W(l) E(l)
                else:
                    E = times(self.W[l], delta[l])  # (X-l) E(l-1) = W(l) delta(l)

        # Then the step down the gradient.
        rate = self._learning_rate
        for l in range(1, L + 1):
            add_outer(self.W[l], rate, Y[l - 1], delta[l])  # (U-W) W(l) += lambda Y(l-1) delta(l)^T
            if self._bias:
                add_scaled(self.B[l], rate, delta[l])  # (U-B) B(l) += lambda delta(l)
        return loss

    def _backquery_one(self, outputs):
        L = len(self.W) - 1
        Z = [logit(y) for y in outputs]  # (Q1) Z(L) = logit(Y(L))
        for l in range(L, 0, -1):
            Y = times(self.W[l], [z - b for z, b in zip(Z, self.B[l])])  # (Q2) Y(l-1) = W(l) (Z(l) - B(l))
            Y = rescale(Y)  # (Q3) Y(l-1) onto [0.01, 0.99]
            if l > 1:
                Z = [logit(y) for y in Y]  # (Q4) Z(l-1) = logit(Y(l-1))
        return Y


neuralNetwork = NeuralNetwork  # the seed's name for the class
