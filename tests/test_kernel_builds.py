"""Every compiled build of pynet_fast's kernels that this machine runs gives pynet's bits.

``import pynet_fast`` uses one build (the widest the CPU runs); the others are tested
here directly: a network's compiled storage is swapped for a ``Core`` of each build in
turn, and every entry point is compared with the pure ``pynet``, bit for bit. The sizes
are chosen to reach each kernel's remainders (rows not a multiple of four, outputs not
a multiple of any vector width) as well as the 784-100-10 network itself.
"""

import pytest

from helpers import bits, load_backend, skip_expected
from test_parity import made_data


def runnable_builds():
    fast = load_backend("fast")
    return ["portable"] + fast._select.runnable()


def with_build(network, build):
    """``network`` (pynet_fast) computing with the kernels of ``build``, from its present parameters."""
    fast = load_backend("fast")
    weights, biases = network.get_weights(), network.get_biases()
    core = fast._select.load(build).Core(network.layer_sizes)
    core.store(weights, biases)
    network._core = core
    return network


@pytest.fixture(params=["portable", "avx2", "avx512"])
def build(request):
    if request.param not in runnable_builds():
        skip_expected("the %s kernels are not built, or this CPU does not run them" % request.param)
    return request.param


SHAPES = [
    (784, [100], 10, False, "seed"),
    (37, [23, 13], 10, True, "exact"),
    (5, [3], 1, True, "seed"),
    (9, [33, 17, 2], 7, False, "exact"),
]


@pytest.mark.parametrize("n_in, hidden, n_out, bias, rule", SHAPES)
def test_every_entry_point_matches_pynet(build, n_in, hidden, n_out, bias, rule):
    import pynet

    fast = load_backend("fast")
    count = 12 if n_in == 784 else 41
    inputs, targets = made_data(count, n_in, n_out)
    pure = pynet.NeuralNetwork(n_in, hidden, n_out, 0.3, seed=11, bias=bias, rule=rule)
    compiled = with_build(fast.NeuralNetwork(n_in, hidden, n_out, 0.3, seed=11, bias=bias, rule=rule), build)
    assert type(compiled._core).__module__ == fast._select.load(build).__name__
    for x, t in zip(inputs[:3], targets[:3]):  # one sample at a time
        assert bits(pure.train(x, t)) == bits(compiled.train(x, t))
    # many samples: the fused update-then-forward pass of train_many
    assert bits(pure.train_many(inputs, targets)) == bits(compiled.train_many(inputs, targets))
    assert bits(pure.get_weights()) == bits(compiled.get_weights())
    assert bits(pure.get_biases()) == bits(compiled.get_biases())
    assert bits(pure.train_many(inputs[:1], targets[:1])) == bits(compiled.train_many(inputs[:1], targets[:1]))
    assert bits(pure.get_weights()) == bits(compiled.get_weights())
    assert bits([pure.query(x) for x in inputs[:5]]) == bits([compiled.query(x) for x in inputs[:5]])
    assert bits(pure.query_many(inputs)) == bits(compiled.query_many(inputs))
    assert bits(pure.backquery([0.3] * n_out)) == bits(compiled.backquery([0.3] * n_out))


@pytest.mark.parametrize("threads", [1, 2, 3, 5])
def test_query_rows_give_the_same_bits_however_they_are_split_over_threads(build, threads):
    import pynet

    fast = load_backend("fast")
    inputs, _ = made_data(83, 30, 4)  # not a whole number of batches, nor of threads
    pure = pynet.NeuralNetwork(30, [21], 4, 0.3, seed=2, bias=True)
    compiled = with_build(fast.NeuralNetwork(30, [21], 4, 0.3, seed=2, bias=True), build)
    rows = compiled._core.rows(inputs, 30)
    assert bits(compiled._core.query_rows(rows, threads)) == bits(pure.query_many(inputs))


def test_many_rows_are_queried_on_several_threads_with_the_same_bits(monkeypatch):
    import pynet

    fast = load_backend("fast")
    monkeypatch.setattr(fast.network, "QUERY_THREADS", 2)
    monkeypatch.setattr(fast.network, "ROWS_PER_THREAD", 16)
    inputs, _ = made_data(70, 12, 3)
    pure = pynet.NeuralNetwork(12, 9, 3, 0.3, seed=4)
    compiled = fast.NeuralNetwork(12, 9, 3, 0.3, seed=4)
    assert bits(compiled.query_many(inputs)) == bits(pure.query_many(inputs))


def test_a_train_whose_update_waits_for_the_next_call_matches_pynet_in_any_order_of_calls(build):
    # pynet_fast applies a train's weight update fused with the next train's forward pass,
    # or before any other call: every order of calls must see pynet's weights
    import pickle
    import random

    import pynet

    fast = load_backend("fast")
    inputs, targets = made_data(40, 11, 3)
    pure = pynet.NeuralNetwork(11, [7, 5], 3, 0.4, seed=9, bias=True)
    compiled = with_build(fast.NeuralNetwork(11, [7, 5], 3, 0.4, seed=9, bias=True), build)
    rng = random.Random(1)
    for step in range(120):
        k = rng.randrange(len(inputs))
        action = rng.choice(["train", "train", "train", "query", "many", "query_many", "weights", "back", "bad",
                             "pickle"])
        if action == "train":
            assert bits(pure.train(inputs[k], targets[k])) == bits(compiled.train(inputs[k], targets[k]))
        elif action == "query":
            assert bits(pure.query(inputs[k])) == bits(compiled.query(inputs[k]))
        elif action == "many":
            rows = slice(k, k + 3)
            assert bits(pure.train_many(inputs[rows], targets[rows])) == bits(
                compiled.train_many(inputs[rows], targets[rows]))
        elif action == "query_many":
            assert bits(pure.query_many(inputs[:9])) == bits(compiled.query_many(inputs[:9]))
        elif action == "weights":
            assert bits([pure.get_weights(), pure.get_biases()]) == bits([compiled.get_weights(), compiled.get_biases()])
        elif action == "back":
            assert bits(pure.backquery([0.4, 0.5, 0.6])) == bits(compiled.backquery([0.4, 0.5, 0.6]))
        elif action == "bad":  # refused, and nothing changes
            for network in (pure, compiled):
                try:
                    network.train(inputs[k][:-1] + ["x"], targets[k])
                except TypeError:
                    pass
                else:
                    raise AssertionError("a bad input was taken")
        else:
            copy = pickle.loads(pickle.dumps(compiled))
            assert bits(copy.get_weights()) == bits(pure.get_weights())
    assert bits([pure.get_weights(), pure.get_biases()]) == bits([compiled.get_weights(), compiled.get_biases()])
