"""Every remainder of every kernel loop, in every compiled build, gives pynet's bits.

The kernels walk W(l) several rows per trip (eight, then four, then one at a time; how
many depends on the build) and vectorise along a row (two, four or eight doubles to a
register, then the columns left); the AVX-512 build's fused update walks down the
columns instead, up to seven lines of eight columns per pass, the columns left (4, 2, 1)
with the last pass. Networks with 1 to 17 inputs and 1 to 17 hidden and
output nodes reach every one of those remainders, for rows and for columns, in train,
train_many (whose update runs fused with the next sample's forward pass) and query;
784-100-10 and 784-200-10 are the networks the benchmarks time.
"""

import pytest

import pynet
from helpers import bits, load_backend
from test_kernel_builds import build, with_build  # noqa: F401 (build is a fixture)
from test_parity import made_data

SMALL = range(1, 18)


def assert_same_bits(build, n_in, hidden, n_out, bias, count):
    fast = load_backend("fast")
    inputs, targets = made_data(count, n_in, n_out, state=n_in * 1000 + n_out)
    pure = pynet.NeuralNetwork(n_in, hidden, n_out, 0.3, seed=n_in + n_out, bias=bias)
    compiled = with_build(fast.NeuralNetwork(n_in, hidden, n_out, 0.3, seed=n_in + n_out, bias=bias), build)
    shape = (n_in, hidden, n_out)
    for x, t in zip(inputs[:3], targets[:3]):  # train's update is fused with the next train's forward pass
        assert bits(pure.train(x, t)) == bits(compiled.train(x, t)), shape
    assert bits(pure.train_many(inputs, targets)) == bits(compiled.train_many(inputs, targets)), shape
    assert bits([pure.get_weights(), pure.get_biases()]) == bits(
        [compiled.get_weights(), compiled.get_biases()]), shape
    assert bits([pure.query(x) for x in inputs[:3]]) == bits([compiled.query(x) for x in inputs[:3]]), shape


@pytest.mark.parametrize("n_in", SMALL)
def test_small_networks_match_pynet_for_every_hidden_size(build, n_in):  # noqa: F811
    for n_hidden in SMALL:
        n_out = (n_in * n_hidden) % 17 + 1  # 1 to 17 as well, in no fixed relation to the others
        assert_same_bits(build, n_in, [n_hidden], n_out, bias=n_hidden % 2 == 0, count=9)


@pytest.mark.parametrize("n_first, n_second", [(k, 18 - k) for k in SMALL])
def test_two_hidden_layers_match_pynet(build, n_first, n_second):  # noqa: F811
    # the middle layer's fused pass has n_first rows and n_second columns
    assert_same_bits(build, 13, [n_first, n_second], 3, bias=True, count=9)


@pytest.mark.parametrize("n_hidden", [23, 31, 39, 45, 54, 56, 57, 61, 63, 64, 65, 71, 103, 105, 119, 121, 211])
def test_wide_layers_match_pynet(build, n_hidden):  # noqa: F811
    # 2 to 26 lines of eight columns, in one to three passes, each remainder in the last pass
    assert_same_bits(build, 11, [n_hidden], n_hidden % 13 + 1, bias=n_hidden % 2 == 1, count=9)


@pytest.mark.parametrize("n_in, n_hidden", [(784, 100), (784, 200), (789, 7)])
def test_mnist_sized_networks_match_pynet(build, n_in, n_hidden):  # noqa: F811
    # 789 rows: 98 trips of eight, one of four, one row alone
    assert_same_bits(build, n_in, [n_hidden], 10, bias=False, count=5)
