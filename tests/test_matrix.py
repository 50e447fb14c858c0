"""The list arithmetic in pynet.matrix, checked against its definitions."""

import math

from helpers import bits
from pynet import matrix

M = [[0.1, -0.7, 2.5], [1e-3, 3.0, -0.25], [0.3, 0.3, 1e5], [-2.0, 0.5, 0.125]]  # 4 x 3


def test_transpose():
    assert matrix.transpose(M) == [[0.1, 1e-3, 0.3, -2.0], [-0.7, 3.0, 0.3, 0.5], [2.5, -0.25, 1e5, 0.125]]
    assert matrix.transpose(matrix.transpose(M)) == M


def test_transpose_times_adds_in_the_same_order_as_the_transpose_would():
    v = [0.3, -1.7, 0.01, 2.2]
    start = [0.5, -0.5, 0.0]
    by_columns = [s + d for s, d in zip(start, [0.0] * 3)]
    for j, column in enumerate(matrix.transpose(M)):
        total = start[j]
        for m, x in zip(column, v):
            total += x * m
        by_columns[j] = total
    assert bits(matrix.transpose_times(M, v, start)) == bits(by_columns)


def test_times_and_dot():
    v = [1.0, 2.0, 3.0]
    assert matrix.times(M, v) == [matrix.dot(row, v) for row in M]
    assert matrix.dot([0.1, 0.2, 0.3], [1.0, 1.0, 1.0]) == (0.1 + 0.2) + 0.3


def test_add_outer():
    A = [row[:] for row in M]
    u, v = [1.0, 2.0, 0.5, -1.0], [0.25, -0.5, 4.0]
    matrix.add_outer(A, 0.1, u, v)
    assert bits(A) == bits([[M[i][j] + (0.1 * u[i]) * v[j] for j in range(3)] for i in range(4)])


def test_sigmoid_never_overflows_and_is_symmetric():
    assert matrix.sigmoid(0.0) == 0.5
    assert matrix.sigmoid(1000.0) == 1.0 and matrix.sigmoid(-1000.0) == 0.0
    assert matrix.sigmoid(-800.0) == 0.0
    for x in (0.1, 1.0, 5.0, 30.0):
        assert abs(matrix.sigmoid(x) + matrix.sigmoid(-x) - 1.0) <= 2 ** -52
        assert matrix.sigmoid(x) == 1 / (1 + math.exp(-x))
        assert matrix.sigmoid(-x) == math.exp(-x) / (1 + math.exp(-x))


def test_logit_inverts_the_sigmoid():
    for y in (0.01, 0.3, 0.5, 0.99):
        assert abs(matrix.sigmoid(matrix.logit(y)) - y) < 1e-15


def test_rescale():
    assert matrix.rescale([2.0, 4.0, 3.0]) == [0.01, 0.99, 0.5]
    assert matrix.rescale([7.0, 7.0]) == [0.5, 0.5]


def test_half_sum_of_squares():
    assert matrix.half_sum_of_squares([3.0, 4.0]) == 12.5
