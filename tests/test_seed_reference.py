"""rule="seed" reproduces the seed's numpy class on real MNIST.

Both start from the same weights and train on the same 200 samples; afterwards
every weight agrees to 1e-12. (numpy's dot products add in another order, so
the last bits may differ; that is all the tolerance allows for.)
"""

import pytest

from helpers import one_hot, read_mnist

np = pytest.importorskip("numpy")


def test_seed_rule_matches_the_seeds_numpy_class(backend):
    from seed_numpy import neuralNetwork

    samples = read_mnist("train", 200)
    net = backend.NeuralNetwork(784, 100, 10, 0.3, seed=2024)
    reference = neuralNetwork(784, 100, 10, 0.3)
    reference.W_ih, reference.W_ho = (np.array(W) for W in net.get_weights())

    for pixels, label in samples:
        net.train(pixels, one_hot(label))
        reference.train(pixels, one_hot(label))

    for got, expected in zip(net.get_weights(), (reference.W_ih, reference.W_ho)):
        assert np.max(np.abs(np.array(got) - expected)) <= 1e-12
    test_pixels, _ = read_mnist("t10k", 1)[0]
    assert np.max(np.abs(np.array(net.query(test_pixels)) - reference.query(test_pixels).ravel())) <= 1e-12
    # the seed's names read the same matrices
    assert np.array_equal(np.array(net.W_ih), np.array(net.get_weights()[0]))
    assert (net.in_nodes, net.hid_nodes, net.out_nodes, net.LR) == (784, 100, 10, 0.3)
