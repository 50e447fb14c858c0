"""The arithmetic of the network on nested lists.

A vector is a list of floats; a matrix is a list of rows, each a list of floats,
so ``M[i][j]`` is row ``i``, column ``j``. A weight matrix ``W(l)`` has one row per
neuron of layer ``l-1`` and one column per neuron of layer ``l`` (docs/maths.md, "Layers, shapes and names").

Every sum here runs left to right, one addition at a time, in the same order on
every Python version. (Python 3.12's ``sum()`` on floats is compensated and would
give other bits.) The compiled backend ``pynet_fast`` repeats these loops in the
same order, so both give identical results.
"""

import math


def transpose(M):
    """``M^T``: row ``j`` of the result is column ``j`` of ``M``."""
    return [list(column) for column in zip(*M)]


def dot(u, v):
    """``u . v``, added left to right from 0.0."""
    total = 0.0
    for a, b in zip(u, v):
        total += a * b
    return total


def times(M, v):
    """``M . v``: one dot product per row of ``M``."""
    return [dot(row, v) for row in M]


def transpose_times(M, v, start):
    """``M^T . v + start``, without building ``M^T``.

    Entry ``j`` of ``M^T . v`` is ``sum_i M[i][j] * v[i]``. Rather than walk down
    the columns of ``M``, this walks its rows: it starts from ``start`` and adds
    ``v[i] * M[i]`` for ``i = 0, 1, ...``. Each entry still receives its terms
    in the order ``i = 0, 1, ...``, so the result is bit for bit that of
    ``times(transpose(M), v)`` added to ``start`` first, and it reads memory in
    the order it is stored.
    """
    total = list(start)
    columns = range(len(total))
    for v_i, row in zip(v, M):
        for j in columns:
            total[j] += v_i * row[j]
    return total


def add_outer(M, scale, u, v):
    """``M <- M + scale * u . v^T``, in place, row by row.

    Entry ``(i, j)`` gains ``(scale * u[i]) * v[j]``.
    """
    columns = range(len(v))
    for u_i, row in zip(u, M):
        c = scale * u_i
        for j in columns:
            row[j] += c * v[j]


def add_scaled(v, scale, u):
    """``v <- v + scale * u``, in place."""
    for j, u_j in enumerate(u):
        v[j] += scale * u_j


def sigmoid(x):
    """``1 / (1 + e^-x)`` (F2), in a form that never overflows.

    For ``x >= 0``, ``e^-x`` is at most 1; for ``x < 0`` the equal form
    ``e^x / (1 + e^x)`` keeps the exponent negative.
    """
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def logit(y):
    """``ln(y / (1 - y))``, the inverse of the sigmoid (Q1), for ``0 < y < 1``."""
    return math.log(y / (1.0 - y))


def half_sum_of_squares(errors):
    """``1/2 * sum(e^2)``, added left to right ((L1) with ``e = T - Y``)."""
    total = 0.0
    for e in errors:
        total += e * e
    return 0.5 * total


def rescale(values):
    """Map ``values`` linearly onto ``[0.01, 0.99]`` (Q3).

    ``y <- (y - min) / (max - min) * 0.98 + 0.01``. When all values are equal
    there is no spread to keep, and every entry becomes 0.5.
    """
    smallest = min(values)
    span = max(values) - smallest
    if span == 0.0:
        return [0.5] * len(values)
    return [(y - smallest) / span * 0.98 + 0.01 for y in values]
