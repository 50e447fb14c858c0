"""The network in plain Python, equation by equation (read beside SPEC.md).

The parameters are ``W[l-1] = W(l)`` and ``B[l-1] = B(l)`` for ``l = 1 ... L``;
``W(l)`` has ``n(l-1)`` rows of ``n(l)`` weights, as in the seed, so the forward
pass multiplies by its transpose. Every line that computes an equation names
its label.
"""

from . import storage
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
        self.W = [storage.rows(W) for W in weights]  # as they are on CPython; array('d') rows on MicroPython
        self.B = storage.rows(biases)

    def _export(self):
        return [[list(row) for row in W] for W in self.W], [list(B) for B in self.B]

    def _parameters(self):
        return self.W, self.B  # read only, by the model file: no copy of every weight

    def _forward(self, X):
        """``[Y(0), Y(1), ..., Y(L)]`` for the input ``X = Y(0)``."""
        Y = [X]
        for W, B in zip(self.W, self.B):
            Z = transpose_times(W, Y[-1], B)  # (F1) Z(l) = W(l)^T Y(l-1) + B(l)
            Y.append([sigmoid(z) for z in Z])  # (F2) Y(l) = Act(Z(l))
        return Y

    def _query_one(self, X):
        return self._forward(X)[-1]

    def _train_one(self, X, T):
        Y = self._forward(X)
        L = len(self.W)
        E = [t - y for t, y in zip(T, Y[L])]  # (E-L) E(L) = T - Y(L)
        loss = half_sum_of_squares(E)  # (L1)

        # Errors and deltas for every layer first, with the weights as they were
        # before this sample: delta[l-1] = delta(l).
        delta = [None] * L
        for l in range(L, 0, -1):
            delta[l - 1] = [e * y * (1.0 - y) for e, y in zip(E, Y[l])]  # (D) E(l) * Y(l) * (1 - Y(l))
            if l > 1:
                if self._rule == "seed":
                    E = times(self.W[l - 1], E)  # (E-l) E(l-1) = W(l) . E(l)
                else:
                    E = times(self.W[l - 1], delta[l - 1])  # (X-l) E(l-1) = W(l) . delta(l)

        # Then the step down the gradient.
        rate = self._learning_rate
        for l in range(1, L + 1):
            add_outer(self.W[l - 1], rate, Y[l - 1], delta[l - 1])  # (U-W) W(l) += lambda Y(l-1) delta(l)^T
            if self._bias:
                add_scaled(self.B[l - 1], rate, delta[l - 1])  # (U-B) B(l) += lambda delta(l)
        return loss

    def _backquery_one(self, outputs):
        Z = [logit(y) for y in outputs]  # (Q1) Z(L) = logit(Y(L))
        for l in range(len(self.W), 0, -1):
            shifted = [z - b for z, b in zip(Z, self.B[l - 1])]
            Y = rescale(times(self.W[l - 1], shifted))  # (Q2) Y(l-1) = W(l) . (Z(l) - B(l)), (Q3)
            if l > 1:
                Z = [logit(y) for y in Y]  # (Q4) Z(l-1) = logit(Y(l-1))
        return Y


neuralNetwork = NeuralNetwork  # the seed's name for the class
