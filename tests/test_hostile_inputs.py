"""Inputs that lie, change as they are read, or are odd in kind: one rule for both backends.

Each test here failed before the fix it guards (see the README's hardening section).
"""

import array
import math
import os
import signal
import sys
import threading
import time

import pytest

from bounded import expect_clean_error, run_bounded
from helpers import EXPECTED, IMPLEMENTATIONS, load_backend, snapshot

GOOD_X = [0.1, 0.2, 0.3, 0.4]
GOOD_T = [0.01, 0.99]


@pytest.fixture
def net(backend):
    return backend.NeuralNetwork(4, [3, 2], 2, 0.3, seed=5, bias=True)


def both():
    return [load_backend(name) for name in sorted(IMPLEMENTATIONS)]


class LongerThanItSays(list):
    """A list whose len() is one short of what iteration gives."""

    def __len__(self):
        return list.__len__(self) - 1


class ShorterThanItSays(list):
    def __len__(self):
        return list.__len__(self) + 1


class Changing:
    """A number whose value changes each time it is read: ``values`` in turn, then the last."""

    def __init__(self, *values):
        self.values = list(values)

    def __float__(self):
        return self.values.pop(0) if len(self.values) > 1 else self.values[0]


# -- read once ----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", [LongerThanItSays, ShorterThanItSays])
def test_a_row_whose_length_lies_is_refused_and_changes_nothing(net, kind):
    before = snapshot(net)
    lying = kind(GOOD_X + [0.5]) if kind is LongerThanItSays else kind(GOOD_X[:3])
    for call in (lambda: net.train(lying, GOOD_T),
                 lambda: net.train_many([GOOD_X, GOOD_X, lying], [GOOD_T] * 3),
                 lambda: net.query(lying), lambda: net.query_many([GOOD_X, lying])):
        with pytest.raises(ValueError, match="changed as it was read"):
            call()
    assert snapshot(net) == before


def test_a_value_that_changes_is_read_once_and_used_as_read(backend):
    # First read 0.5, later reads NaN: the step must use the 0.5 that was checked.
    reference = backend.NeuralNetwork(4, 3, 2, 0.3, seed=2)
    net = backend.NeuralNetwork(4, 3, 2, 0.3, seed=2)
    reference.train_many([GOOD_X, GOOD_X, [0.5] + GOOD_X[1:]], [GOOD_T] * 3)
    net.train_many([GOOD_X, GOOD_X, [Changing(0.5, math.nan)] + GOOD_X[1:]], [GOOD_T] * 3)
    assert snapshot(net) == snapshot(reference)
    net.train([Changing(0.5, math.nan)] + GOOD_X[1:], GOOD_T)
    reference.train([0.5] + GOOD_X[1:], GOOD_T)
    assert snapshot(net) == snapshot(reference)


def test_a_value_that_starts_bad_changes_nothing(net):
    before = snapshot(net)
    with pytest.raises(ValueError, match=r"input_rows\[1\]\[0\] must be finite"):
        net.train_many([GOOD_X, [Changing(math.nan, 0.5)] + GOOD_X[1:]], [GOOD_T] * 2)
    assert snapshot(net) == before


def test_the_rows_are_read_once_not_once_to_check_and_again_to_train(backend):
    class CountingRows(list):
        reads = 0

        def __getitem__(self, k):
            CountingRows.reads += 1
            return list.__getitem__(self, k)

        def __iter__(self):
            CountingRows.reads += 1
            return list.__iter__(self)

    net = backend.NeuralNetwork(4, 3, 2, 0.3, seed=2)
    net.train_many(CountingRows([GOOD_X] * 5), [GOOD_T] * 5)
    assert CountingRows.reads == 1


# -- all or nothing -------------------------------------------------------------------------------


def test_set_weights_with_a_lying_last_matrix_changes_nothing(net):
    weights = net.get_weights()
    weights[0] = [[1.0] * 3 for _ in range(4)]  # valid, and different from what the network holds
    weights[2][1] = LongerThanItSays(weights[2][1] + [0.5])
    before = snapshot(net)
    with pytest.raises(ValueError, match=r"weights\[2\]\[1\] changed as it was read"):
        net.set_weights(weights)
    assert snapshot(net) == before


def version_1(net):
    """The network's model dict in version 1, whose numbers are nested lists (that can lie)."""
    data = net.to_dict()
    data.pop("training", None)
    data.update(version=1, weights=net.get_weights(), biases=net.get_biases())
    return data


def test_from_dict_with_a_lying_row_builds_nothing(backend, net):
    data = version_1(net)
    data["weights"][1][0] = ShorterThanItSays(data["weights"][1][0][:1])
    with pytest.raises(ValueError, match="changed as it was read"):
        backend.NeuralNetwork.from_dict(data)


def test_the_compiled_store_replaces_all_or_nothing(fast):
    net = fast.NeuralNetwork(2, 2, 1, 0.3, seed=1)
    before = snapshot(net)
    weights, biases = net.get_weights(), net.get_biases()
    weights[0] = [[5.0, 5.0], [5.0, 5.0]]
    weights[1] = [[1.0], ["x"]]
    with pytest.raises(ValueError):
        net._core.store(weights, biases)
    assert snapshot(net) == before


# -- odd inputs: the same outcome on both backends ---------------------------------------------------


def outcome(call):
    """``('ok', result)`` or ``('error', exception type)``."""
    try:
        return ("ok", call())
    except (TypeError, ValueError) as error:
        return ("error", type(error))


def odd_inputs():
    numpy = pytest.importorskip("numpy")
    return {
        "matrix-rows": numpy.matrix([GOOD_X, GOOD_X]),
        "matrix-row": numpy.matrix([GOOD_X]),
        "masked": numpy.ma.array([GOOD_X, GOOD_X], mask=[[0, 1, 0, 0], [0, 0, 0, 0]]),
        "masked-none": numpy.ma.array([GOOD_X, GOOD_X]),
        "big-endian": numpy.array([GOOD_X, GOOD_X], dtype=">f8"),
        "float16": numpy.array([GOOD_X, GOOD_X], dtype=numpy.float16),
        "float32": numpy.array([GOOD_X, GOOD_X], dtype=numpy.float32),
        "complex": numpy.array([GOOD_X, GOOD_X], dtype=complex),
        "bool": numpy.ones((2, 4), dtype=bool),
        "int": numpy.ones((2, 4), dtype=numpy.int64),
        "fortran": numpy.asfortranarray(numpy.array([GOOD_X, GOOD_X])),
        "strided": numpy.array([GOOD_X * 2, GOOD_X * 2])[:, ::2],
        "3-D": numpy.zeros((2, 1, 4)),
        "lying-rows": [LongerThanItSays(GOOD_X + [0.1]), GOOD_X],
    }


@pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")
@pytest.mark.parametrize("name", ["matrix-rows", "matrix-row", "masked", "masked-none", "big-endian", "float16",
                                  "float32", "complex", "bool", "int", "fortran", "strided", "3-D", "lying-rows"])
def test_odd_inputs_have_one_outcome_on_both_backends(name):
    rows = odd_inputs()[name]
    outcomes = []
    for module in both():
        net = module.NeuralNetwork(4, 3, 2, 0.3, seed=4)
        before = snapshot(net)
        result = {"train_many": outcome(lambda: net.train_many(rows, [GOOD_T] * 2))}
        if result["train_many"][0] == "error":
            assert snapshot(net) == before
        result["query_many"] = outcome(lambda: net.query_many(rows))
        first = rows[0]
        result["train"] = outcome(lambda: net.train(first, GOOD_T))
        result["query"] = outcome(lambda: net.query(first))
        outcomes.append((result, snapshot(net)))
    assert outcomes[0] == outcomes[1]


def test_memoryviews_of_any_format_give_a_clean_error_or_work(backend, net):
    numpy = pytest.importorskip("numpy")
    for dtype in (">f8", "<f8", ">f4", "f2", "c16", "c8", "?", "u1", "i2", ">i4", "V8", "U1", "S2", "g"):
        view = memoryview(numpy.zeros(4, dtype=dtype))
        before = snapshot(net)
        try:
            net.query(view)
        except (TypeError, ValueError) as error:
            assert "inputs" in str(error)
        except Exception as error:  # pragma: no cover - the bug this guards
            pytest.fail("%s: %r" % (dtype, error))
        assert snapshot(net) == before


@pytest.mark.parametrize("call, words", [
    (lambda m: m.NeuralNetwork(4, 3, 2, True), "learning_rate must be a real number, not bool"),
    (lambda m: m.NeuralNetwork(4, {3}, 2, 0.3), "hidden_nodes must be an int or a sequence of ints, not set"),
    (lambda m: m.NeuralNetwork(4, {3: 1}, 2, 0.3), "hidden_nodes must be an int or a sequence of ints, not dict"),
    (lambda m: m.NeuralNetwork(4, [True], 2, 0.3), "hidden_nodes[0] must be an int, not bool"),
    (lambda m: m.NeuralNetwork(4, 3, 2, 0.3).train([True, 0.1, 0.2, 0.3], GOOD_T), "inputs[0] must be a real number"),
    (lambda m: m.NeuralNetwork(4, 3, 2, 0.3).query([{1}, 0.1, 0.2, 0.3]), "inputs[0] must be a real number, not set"),
    (lambda m: m.NeuralNetwork(4, 3, 2, 0.3).query([[0.1], 0.1, 0.2, 0.3]), "inputs[0] must be a real number"),
])
def test_bools_sets_and_dicts_are_not_numbers(backend, call, words):
    with pytest.raises(TypeError) as raised:
        call(backend)
    assert words in str(raised.value)


def test_numpy_bools_are_not_numbers(backend, net):
    numpy = pytest.importorskip("numpy")
    with pytest.raises(TypeError, match="learning_rate must be a real number"):
        net.learning_rate = numpy.True_
    with pytest.raises(TypeError, match=r"inputs\[0\] must be a real number"):
        net.query([numpy.True_, 0.1, 0.2, 0.3])


# -- divergence ----------------------------------------------------------------------------------


@pytest.mark.parametrize("rate, x, t", [(1.7e308, GOOD_X, GOOD_T), (0.3, [1e200] * 4, [1e200, -1e200]),
                                        (0.3, GOOD_X, [1e308, -1e308]), (1e300, [1e10] * 4, [1e10, 1e10])])
def test_a_step_that_would_overflow_raises_and_changes_nothing(backend, rate, x, t):
    import copy
    import pickle

    net = backend.NeuralNetwork(4, [3, 2], 2, rate, seed=5, bias=True)
    for _ in range(20):  # train on (x, t) until a step would overflow: that one is refused
        before = snapshot(net)
        try:
            net.train(x, t)
        except ValueError as error:
            assert "training diverged" in str(error)
            break
    else:
        pytest.fail("never diverged")
    assert snapshot(net) == before
    for rows, targets in (([GOOD_X] * 70 + [x] * 5, [GOOD_T] * 70 + [t] * 5), ([GOOD_X] + [x] * 5, [GOOD_T] + [t] * 5)):
        with pytest.raises(ValueError, match="training diverged"):
            net.train_many(rows, targets)  # the whole call is undone
        assert snapshot(net) == before
    # Still finite: it can be saved, pickled and copied.
    assert snapshot(pickle.loads(pickle.dumps(net))) == snapshot(copy.deepcopy(net)) == before


def test_divergence_is_decided_alike_on_both_backends():
    rates = [1e-300, 0.3, 1e10, 1e100, 1e200, 1e300, 1.7e308]
    scales = [1e-300, 1.0, 1e50, 1e150, 1e250, 1e300]
    for rate in rates:
        for scale in scales:
            results = []
            for module in both():
                net = module.NeuralNetwork(3, 4, 2, rate, seed=9, bias=True, rule="exact")
                result = outcome(lambda: net.train_many([[scale, -scale, 0.5]] * 3, [[scale, 0.5]] * 3))
                results.append((result, snapshot(net)))
            assert results[0] == results[1], (rate, scale)


def test_large_but_finite_steps_still_run(backend):
    net = backend.NeuralNetwork(2, 2, 1, 1e300, seed=1)
    net.train([1e-300, 0.0], [0.5])  # a step of size about 1: nothing overflows
    assert all(math.isfinite(w) for W in net.get_weights() for row in W for w in row)


# -- Ctrl-C ----------------------------------------------------------------------------------------


@pytest.mark.skipif(not hasattr(signal, "pthread_kill"), reason="needs pthread_kill")
def test_ctrl_c_in_pure_train_many_stops_between_samples(pure):
    """SIGINT at moments spread over the call: the weights are always those after a whole number of samples."""
    rows = [[0.02 * ((k + i) % 50) for i in range(50)] for k in range(120)]
    targets = [[0.01] * k + [0.99] + [0.01] * (9 - k) for k in range(10)] * 12
    reference = pure.NeuralNetwork(50, 100, 10, 0.3, seed=3)
    states = [reference.get_weights()]
    started = time.monotonic()
    for k in range(len(rows)):
        reference.train(rows[k], targets[k])
        states.append(reference.get_weights())
    call = time.monotonic() - started  # about how long train_many takes
    main = threading.main_thread().ident
    for trial in range(8):
        net = pure.NeuralNetwork(50, 100, 10, 0.3, seed=3)
        timer = threading.Timer(call * (0.1 + 0.1 * trial), signal.pthread_kill, (main, signal.SIGINT))
        timer.start()
        try:
            try:
                net.train_many(rows, targets)
                time.sleep(call + 1)  # the signal may come after the call
            finally:
                timer.join()
        except KeyboardInterrupt:
            pass
        assert net.get_weights() in states, "trial %d left a half-done step" % trial


# -- re-entrancy -----------------------------------------------------------------------------------


@pytest.mark.skipif(sys.version_info < (3, 12), reason=EXPECTED + "a buffer defined in Python needs Python 3.12 or later")
@pytest.mark.parametrize("name", sorted(IMPLEMENTATIONS))
def test_an_input_whose_buffer_calls_back_into_the_network_does_not_deadlock(name):
    load_backend(name)
    result = run_bounded("""
        import array, %s as backend
        net = backend.NeuralNetwork(4, 3, 2, 0.3, seed=1)
        class CallsBack:
            def __buffer__(self, flags):
                net.query([0.1] * 4)
                net.get_weights()
                return memoryview(array.array("d", [0.1] * 4))
        for call in (lambda: net.train(CallsBack(), [0.5, 0.5]), lambda: net.query(CallsBack()),
                     lambda: net.train_many([CallsBack()], [[0.5, 0.5]]), lambda: net.query_many([CallsBack()])):
            call()
        print("done")
    """ % IMPLEMENTATIONS[name], seconds=20)
    assert result.stdout.strip() == "done", result.stderr


# -- size limits -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(IMPLEMENTATIONS))
def test_a_network_too_large_for_memory_is_refused_at_once(name):
    load_backend(name)
    result = run_bounded("""
        import %s as backend
        for sizes in ((10 ** 6, 10 ** 6, 10), (784, 100000000, 10), (10, [10 ** 7] * 3, 10)):
            try:
                backend.NeuralNetwork(sizes[0], sizes[1], sizes[2], 0.1)
            except (TypeError, ValueError) as error:
                print("ERROR %%s: %%s" %% (type(error).__name__, error))
    """ % IMPLEMENTATIONS[name], memory_mb=512, seconds=20)
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 3, result.stderr
    for line in lines:
        assert line.startswith("ERROR ValueError: the layer sizes (input_nodes, hidden_nodes, output_nodes)"), line
        assert "as they are built; this process may use at most" in line, line
