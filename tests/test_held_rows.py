"""pynet_fast's ``train_many`` on a large buffer: held where it is, not copied whole.

``Core.rows`` measures a buffer of ``hold_values`` values or more (32 MB) in place and
gives Rows that hold it (``held``); ``Core.train_rows`` copies such rows a chunk at a time
(``chunk_values`` values' worth of whole rows), measuring each copy again. These tests
make both thresholds small, so that a few rows of a small network take every path: the
chunks must give pynet's bits for every chunk size (one running sum of the losses, a
forward pass of its own at each chunk's first step), and a buffer changed during the
call beyond the first measure must be refused with the network as it was.
"""

import math
from array import array

import pytest

from helpers import bits, load_backend

N_IN, N_HIDDEN, N_OUT, COUNT = 40, 36, 3, 70  # 36 hidden nodes: enough for the split (SPLIT_COLUMNS)


def buffer(rows):
    flat = array("d", [v for row in rows for v in row])
    return memoryview(flat).cast("B").cast("d", (len(rows), len(rows[0])))


def sample_rows():
    inputs = [[((k * 31 + i * 7) % 97) / 97.0 for i in range(N_IN)] for k in range(COUNT)]
    targets = [[0.99 if (k + j) % N_OUT == 0 else 0.01 for j in range(N_OUT)] for k in range(COUNT)]
    return inputs, targets


def network(backend, bias=False, rule="seed"):
    return load_backend(backend).NeuralNetwork(N_IN, N_HIDDEN, N_OUT, 0.3, seed=11, bias=bias, rule=rule)


def holding(net, chunk_rows):
    """net's Core, set to hold any buffer and copy it chunk_rows rows at a time."""
    core = net._core
    core.hold_values = 1
    core.chunk_values = chunk_rows * N_IN
    return core


def test_the_thresholds_default_to_32_mb_held_and_8_mb_chunks():
    core = network("fast")._core
    assert (core.hold_values, core.chunk_values) == (1 << 22, 1 << 20)


@pytest.mark.parametrize("threads", [1, 2])
def test_a_buffer_from_the_threshold_on_is_held_measured_and_not_copied(threads):
    inputs, _ = sample_rows()
    core = network("fast")._core
    core.hold_values = COUNT * N_IN
    flat = array("d", [v for row in inputs for v in row])
    given = memoryview(flat).cast("B").cast("d", (COUNT, N_IN))
    held = core.rows(given, N_IN, True, threads)
    assert held.held and held.largest == max(map(abs, flat))
    flat[5 * N_IN + 2] = 0.125  # the Rows read the caller's memory itself
    assert held.row(5)[2] == 0.125
    smaller = memoryview(flat).cast("B").cast("d", (COUNT, N_IN))[:COUNT - 1]
    copied = core.rows(smaller, N_IN, True, threads)
    assert not copied.held
    flat[5 * N_IN + 2] = 0.5
    assert copied.row(5)[2] == 0.125
    for place in (0, 40 * N_IN + 3, COUNT * N_IN - 1):  # in each thread's run of rows
        for bad in (math.inf, -math.inf, math.nan):
            spoiled = array("d", flat)
            spoiled[place] = bad
            measured = core.rows(memoryview(spoiled).cast("B").cast("d", (COUNT, N_IN)), N_IN, True, threads)
            assert measured.held and measured.largest == math.inf, (place, bad)


@pytest.mark.parametrize("threads", [1, 2, 3])
def test_a_large_held_buffer_is_measured_alike_on_threads(threads):
    # 400 rows of 784: 313,600 values, enough for two measuring threads (2**17 values each)
    core = load_backend("fast").NeuralNetwork(784, 3, 2, 0.3, seed=5)._core
    core.hold_values = 400 * 784
    flat = array("d", [((k * 37) % 1001 - 500) / 250.0 for k in range(400 * 784)])
    held = core.rows(memoryview(flat).cast("B").cast("d", (400, 784)), 784, True, threads)
    assert held.held and held.largest == max(abs(v) for v in flat)
    for place in (0, 133 * 784 + 5, 200 * 784, 399 * 784 + 783):  # a bad value in every thread's run
        for bad in (math.inf, math.nan):
            spoiled = array("d", flat)
            spoiled[place] = bad
            measured = core.rows(memoryview(spoiled).cast("B").cast("d", (400, 784)), 784, True, threads)
            assert measured.held and measured.largest == math.inf, (place, bad)


@pytest.mark.parametrize("chunk_rows", [1, 2, 3, 7, 64, 69, 70, 71])
@pytest.mark.parametrize("bias, rule", [(False, "seed"), (True, "exact")])
def test_held_rows_train_to_pynets_bits_in_chunks_of_any_size(chunk_rows, bias, rule):
    inputs, targets = sample_rows()
    pure = network("pure", bias, rule)
    compiled = network("fast", bias, rule)
    holding(compiled, chunk_rows)
    expected = pure.train_many(inputs, targets)
    assert bits(compiled.train_many(buffer(inputs), buffer(targets))) == bits(expected)
    assert bits(compiled.get_weights()) == bits(pure.get_weights())
    assert bits(compiled.get_biases()) == bits(pure.get_biases())


@pytest.mark.parametrize("chunk_rows", [2, 7, 33])
def test_held_rows_on_two_threads_give_the_same_bits(chunk_rows):
    inputs, targets = sample_rows()
    pure = network("pure")
    compiled = network("fast")
    core = holding(compiled, chunk_rows)
    expected = pure.train_many(inputs, targets)
    loss = core.train_rows(core.rows(buffer(inputs), N_IN), core.rows(buffer(targets), N_OUT), 0.3, False, False, 2, 0)
    assert bits(loss) == bits(expected)
    assert bits(compiled.get_weights()) == bits(pure.get_weights())
    if core.split_counts is not None:  # the counts of the chunks that ran on two threads, added up
        assert 0 <= core.split_counts[0] <= COUNT - 1


def test_held_rows_with_a_value_that_is_not_finite_are_refused_as_pynet_refuses_them():
    inputs, targets = sample_rows()
    inputs[50][3] = math.nan
    pure = network("pure")
    compiled = network("fast")
    holding(compiled, 7)
    before = bits(compiled.get_weights())
    with pytest.raises(ValueError) as raised:
        pure.train_many(inputs, targets)
    with pytest.raises(ValueError) as raised_fast:
        compiled.train_many(buffer(inputs), buffer(targets))
    assert str(raised_fast.value) == str(raised.value)
    assert bits(compiled.get_weights()) == before


@pytest.mark.parametrize("which", ["input_rows", "target_rows"])
@pytest.mark.parametrize("row", [0, 20, 69])
@pytest.mark.parametrize("new", [math.nan, math.inf, -math.inf, 4.0])
def test_a_held_buffer_changed_during_the_call_is_refused_and_the_network_is_as_it_was(which, row, new):
    inputs, targets = sample_rows()
    compiled = network("fast", bias=True)
    compiled.train_many(inputs[:5], targets[:5])  # a network trained a little, so the refusal has something to keep
    core = holding(compiled, 7)
    flat_inputs = array("d", [v for r in inputs for v in r])
    flat_targets = array("d", [v for r in targets for v in r])
    held_inputs = core.rows(memoryview(flat_inputs).cast("B").cast("d", (COUNT, N_IN)), N_IN)
    held_targets = core.rows(memoryview(flat_targets).cast("B").cast("d", (COUNT, N_OUT)), N_OUT)
    assert held_inputs.held and held_targets.held and held_inputs.largest < 1.0 and held_targets.largest < 1.0
    before = (bits(compiled.get_weights()), bits(compiled.get_biases()))
    # the change the call must find: after the measure, before the steps reach the row
    if which == "input_rows":
        flat_inputs[row * N_IN + 11] = new
    else:
        flat_targets[row * N_OUT + 1] = new
    first = row // 7 * 7
    with pytest.raises(ValueError, match=r"^%s changed during train_many: rows %d to %d now hold a value that is "
                                         r"not finite or larger than" % (which, first, min(first + 6, COUNT - 1))):
        core.train_rows(held_inputs, held_targets, 0.3, False, True, 2, 0)
    assert (bits(compiled.get_weights()), bits(compiled.get_biases())) == before
    assert compiled.query(inputs[1]) == network_like(compiled).query(inputs[1])


def network_like(net):
    """A pure network with net's parameters."""
    pure = network("pure", bias=True)
    pure.set_weights(net.get_weights(), net.get_biases())
    return pure


def test_a_change_within_the_first_measure_is_trained_on_as_copied():
    # The contract for a held buffer is that it does not change during the call; a change
    # the measures cannot see (a value within the range measured) is trained on as the
    # chunk's copy found it: as if the buffer had held it from the start.
    inputs, targets = sample_rows()
    compiled = network("fast")
    core = holding(compiled, 7)
    flat = array("d", [v for r in inputs for v in r])
    held = core.rows(memoryview(flat).cast("B").cast("d", (COUNT, N_IN)), N_IN)
    flat[30 * N_IN + 4] = 0.0
    inputs[30][4] = 0.0
    loss = core.train_rows(held, core.rows(buffer(targets), N_OUT), 0.3, False, False, 1)
    pure = network("pure")
    assert bits(loss) == bits(pure.train_many(inputs, targets))
    assert bits(compiled.get_weights()) == bits(pure.get_weights())
