"""Train calls in a row on two threads: W(1) held in panels between calls.

From the PANEL_AFTER-th train call in a row, a compiled network large enough to split
(as a query splits) keeps W(1) in two panels, and each call offers the right-hand one
to the helper thread (``step_columns`` in ``pynet_fast/_split.pxi``); any other call folds
the panels back first. Every column is still computed by one thread in pynet's order,
so each loss, and everything read afterwards, must be pynet's bits, whoever did which
columns and whatever call comes next.
"""

import pytest

import pynet
from helpers import bits, load_backend, snapshot
from test_helper import large_enough
from test_kernel_builds import build, runnable_builds, with_build  # noqa: F401 (build is a fixture)
from test_parity import made_data
from test_split import helper_mode  # noqa: F401 (a fixture)

AFTER = 3  # the panels come with the third train call in a row in these tests


@pytest.fixture
def panels(monkeypatch):
    """pynet_fast's network module, train calls on two threads, panels from the AFTER-th call in a row."""
    fast = load_backend("fast")
    from pynet_fast import network

    modules = [fast._select.load(name) for name in runnable_builds()]
    monkeypatch.setattr(network, "TRAIN_THREADS", 2)
    for module in modules:
        module._set_panel_after(AFTER)
    yield network
    for module in modules:
        module._set_panel_after(0)


def twins(n_in, hidden, n_out, build=None, **options):  # noqa: F811
    pure = pynet.NeuralNetwork(n_in, hidden, n_out, 0.3, seed=n_in + hidden[0], **options)
    compiled = load_backend("fast").NeuralNetwork(n_in, hidden, n_out, 0.3, seed=n_in + hidden[0], **options)
    return pure, (with_build(compiled, build) if build else compiled)


def train_both(pure, compiled, inputs, targets):
    """Each row trained alone by both, the losses compared bit for bit; whether each call left W(1) in panels."""
    held = []
    for x, t in zip(inputs, targets):
        assert bits(pure.train(x, t)) == bits(compiled.train(x, t))
        held.append(compiled._core.paneled)
    return held


@pytest.mark.parametrize("mode", [0, 1, 2, 4])
@pytest.mark.parametrize("shape", [(784, [100], 10, {}), (large_enough(33), [33], 4, {"bias": True}),
                                   (large_enough(57), [57, 17], 3, {"bias": True, "rule": "exact"}),
                                   (large_enough(150), [150], 4, {"bias": True})])  # (panels in pieces)
def test_train_calls_in_a_row_give_pynets_bits(panels, helper_mode, build, mode, shape):  # noqa: F811
    helper_mode(mode)  # a helper, none to be had, one that never helps, one that helps once per wake
    n_in, hidden, n_out, options = shape
    pure, compiled = twins(n_in, hidden, n_out, build, **options)
    inputs, targets = made_data(12, n_in, n_out, state=hidden[0])
    held = train_both(pure, compiled, inputs, targets)
    # (the divergence guard's bound on the weights grows with each step; when it grows too
    # far, a call measures the weights, which folds the panels back: two hidden layers
    # here, now and then)
    assert held[:AFTER] == [False] * (AFTER - 1) + [True] and sum(held) >= 7, held
    assert bits(pure.query(inputs[0])) == bits(compiled.query(inputs[0]))
    assert not compiled._core.paneled
    assert snapshot(pure) == snapshot(compiled)


def saved_and_loaded(net, path):
    net.save(str(path))
    return type(net).load(str(path)).get_weights()


# every other call of a network's, each of which must fold the panels back first
OTHER_CALLS = {
    "query": lambda net, inputs, targets, path: net.query(inputs[1]),
    "query_many": lambda net, inputs, targets, path: net.query_many(inputs[:3]),
    "backquery": lambda net, inputs, targets, path: net.backquery([0.3] * net.layer_sizes[-1]),
    "get_weights": lambda net, inputs, targets, path: net.get_weights(),
    "get_biases": lambda net, inputs, targets, path: net.get_biases(),
    "train_many": lambda net, inputs, targets, path: net.train_many(inputs[:5], targets[:5]),
    "save": lambda net, inputs, targets, path: saved_and_loaded(net, path),
}


@pytest.mark.parametrize("name", sorted(OTHER_CALLS))
def test_any_other_call_folds_the_panels_back(panels, build, name, tmp_path):  # noqa: F811
    pure, compiled = twins(784, [100], 10, build, bias=True)
    inputs, targets = made_data(8, 784, 10, state=len(name))
    train_both(pure, compiled, inputs[:5], targets[:5])
    assert compiled._core.paneled
    call = OTHER_CALLS[name]
    assert bits(call(compiled, inputs, targets, tmp_path / "fast.json")) == bits(
        call(pure, inputs, targets, tmp_path / "pure.json"))
    assert not compiled._core.paneled
    # then train calls in a row again, from the same weights
    assert train_both(pure, compiled, inputs, targets) == [False] * (AFTER - 1) + [True] * (9 - AFTER)
    assert snapshot(pure) == snapshot(compiled)


def test_a_failed_train_call_leaves_the_paneled_network_as_it_was(panels, build):  # noqa: F811
    pure, compiled = twins(784, [100], 10, build, bias=True)
    inputs, targets = made_data(10, 784, 10, state=4)
    train_both(pure, compiled, inputs[:4], targets[:4])
    assert compiled._core.paneled  # (reading the compiled network now would fold them back)
    with pytest.raises(ValueError):
        compiled.train(inputs[4][:-1], targets[4])  # one input short
    with pytest.raises(ValueError):
        compiled.train(inputs[4][:-1] + [float("nan")], targets[4])
    assert compiled._core.paneled
    with pytest.raises(ValueError, match="training diverged"):
        compiled.train(inputs[4], [1e308] * 10)
    assert snapshot(compiled) == snapshot(pure)  # which took none of these calls
    # and the next calls go on from there, as pynet's
    train_both(pure, compiled, inputs[4:], targets[4:])
    assert snapshot(pure) == snapshot(compiled)


def test_small_or_narrow_layers_or_one_thread_keep_w1_whole(panels, monkeypatch):
    for n_in, width in ((64, 40), (600, 31)):  # 2,560 weights: not worth a thread; 31 columns: too narrow
        pure, compiled = twins(n_in, [width], 5)
        inputs, targets = made_data(6, n_in, 5, state=width)
        assert train_both(pure, compiled, inputs, targets) == [False] * 6
    monkeypatch.setattr(panels, "TRAIN_THREADS", 1)
    pure, compiled = twins(784, [100], 10)
    inputs, targets = made_data(6, 784, 10, state=9)
    assert train_both(pure, compiled, inputs, targets) == [False] * 6
    assert snapshot(pure) == snapshot(compiled)


@pytest.mark.serial  # times the helper thread: with no other tests beside it
def test_the_helper_takes_shares_of_train_calls_in_a_burst(panels):
    import time

    if panels._cpus() < 2:
        pytest.skip("one CPU: the helper may never get to run while a train call waits")
    fast = load_backend("fast")
    core = fast._select.core
    pure, compiled = twins(784, [100], 10)
    inputs, targets = made_data(40, 784, 10, state=6)
    expected = pure.get_weights()  # pynet's weights after rounds of the same 40 rows, below
    started = core._helper_steps()
    rounds = 0
    deadline = time.monotonic() + 30
    while core._helper_steps() - started < 50 and time.monotonic() < deadline:
        for x, t in zip(inputs, targets):  # a burst: no pure step between the compiled ones
            compiled.train(x, t)
        pure.train_many(inputs, targets)
        rounds += 1
    assert core._helper_steps() - started >= 50
    expected = pure.get_weights()
    assert bits(compiled.get_weights()) == bits(expected), rounds
