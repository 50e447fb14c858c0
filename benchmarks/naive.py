"""The seed's three-layer network with plain index loops, for comparison only.

This is how the equations read at first sight: ``W[i][j]`` looked up one at a
time, the transpose walked column by column. pynet computes the same numbers.
"""

import math


def _act(x):
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


class NaiveNetwork:
    def __init__(self, W_ih, W_ho, learning_rate):
        self.W_ih = [row[:] for row in W_ih]
        self.W_ho = [row[:] for row in W_ho]
        self.lr = learning_rate

    def _layer(self, W, x):
        n_in, n_out = len(W), len(W[0])
        out = [0.0] * n_out
        for j in range(n_out):
            z = 0.0
            for i in range(n_in):
                z += W[i][j] * x[i]
            out[j] = _act(z)
        return out

    def query(self, x):
        return self._layer(self.W_ho, self._layer(self.W_ih, x))

    def train(self, x, t):
        h = self._layer(self.W_ih, x)
        y = self._layer(self.W_ho, h)
        e_out = [t[k] - y[k] for k in range(len(y))]
        e_hid = [0.0] * len(h)
        for i in range(len(h)):
            for k in range(len(y)):
                e_hid[i] += self.W_ho[i][k] * e_out[k]
        for i in range(len(h)):
            for k in range(len(y)):
                self.W_ho[i][k] += self.lr * h[i] * (e_out[k] * y[k] * (1.0 - y[k]))
        for i in range(len(x)):
            for j in range(len(h)):
                self.W_ih[i][j] += self.lr * x[i] * (e_hid[j] * h[j] * (1.0 - h[j]))
