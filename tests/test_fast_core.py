"""pynet_fast's ``Core`` on its own: the one-pass copy that measures many rows, and the
split of a training step into loading a sample and training on it.

``Core.rows`` copies the rows and finds their largest magnitude in the same pass (in
vectors of lanes, four vectors a step, then single vectors, then the rest); the divergence
guard trusts that figure, and a value that is not finite must make it inf wherever it
sits, in every build of the kernels. ``Core.load_floats`` reads a
sample of plain floats for ``Core.train_loaded``; any other call in between makes the
Core forget it, so a step never runs on a sample that is not the one loaded.
"""

import math
from array import array

import pytest

from helpers import bits, load_backend, skip_expected


def core_of(sizes):
    fast = load_backend("fast")
    return fast.NeuralNetwork(sizes[0], list(sizes[1:-1]), sizes[-1], 0.3, seed=5)._core


def buffer(rows):
    width = len(rows[0])
    flat = array("d", [v for row in rows for v in row])
    return memoryview(flat).cast("B").cast("d", (len(rows), width))


@pytest.mark.parametrize("width", list(range(1, 20)) + [784])
def test_rows_measure_the_largest_magnitude_of_every_width(width):
    core = core_of((width, 3, 2))
    rows = [[(-1) ** (i + k) * (0.5 + ((i * 7 + k * 3) % 11) / 4) for i in range(width)] for k in range(3)]
    expected = max(abs(v) for row in rows for v in row)
    for given in (rows, buffer(rows)):
        measured = core.rows(given, width)
        assert len(measured) == 3
        assert measured.largest == expected


@pytest.mark.parametrize("width", [1, 7, 8, 9, 16, 17, 784])
@pytest.mark.parametrize("bad", [math.inf, -math.inf, math.nan])
def test_a_value_that_is_not_finite_makes_the_largest_inf_wherever_it_is(width, bad):
    core = core_of((width, 3, 2))
    for row in range(3):
        for place in sorted({0, width // 2, width - 1}):
            rows = [[0.25] * width for _ in range(3)]
            rows[row][place] = bad
            assert core.rows(buffer(rows), width).largest == math.inf, (row, place)


@pytest.fixture(params=["portable", "avx2", "avx512"])
def build_core(request):
    """A function making a ``Core`` of the given layer sizes from one kernel build."""
    from test_kernel_builds import runnable_builds

    if request.param not in runnable_builds():
        skip_expected("the %s kernels are not built, or this CPU does not run them" % request.param)
    module = load_backend("fast")._select.load(request.param)
    return module.Core


def test_every_build_finds_the_largest_magnitude_in_every_place(build_core):
    core = build_core((3, 2, 1))
    for n in list(range(0, 70)) + [784]:
        values = [(-1) ** i * (0.25 + (i * 5 % 13) / 16) for i in range(n)]
        assert core.magnitude(array("d", values)) == max([abs(v) for v in values] + [0.0]), n
        for place in range(n):  # every lane of every vector, and the tail
            for top in (3.5, -3.5, 1.7976931348623157e308, -1.7976931348623157e308):
                changed = list(values)
                changed[place] = top
                assert core.magnitude(array("d", changed)) == abs(top), (n, place, top)
            small = [5e-324 * (i % 3) for i in range(n)]  # subnormal magnitudes: the sign bit is all that goes
            small[place] = -1e-310
            assert core.magnitude(array("d", small)) == 1e-310, (n, place)


def test_every_build_finds_a_value_that_is_not_finite_in_every_place(build_core):
    core = build_core((3, 2, 1))
    for n in list(range(1, 70)) + [784]:
        for place in range(n):
            for bad in (math.inf, -math.inf, math.nan, -math.nan):
                values = [0.5] * n
                values[place] = bad
                assert core.magnitude(array("d", values)) == math.inf, (n, place, bad)
    assert core.magnitude(array("d", [-0.0] * 40)) == 0.0


def test_a_row_of_zeros_measures_zero():
    assert core_of((9, 2, 1)).rows(buffer([[0.0] * 9, [-0.0] * 9]), 9).largest == 0.0


def test_train_many_refuses_a_non_finite_value_in_a_buffer_and_changes_nothing():
    fast = load_backend("fast")
    net = fast.NeuralNetwork(17, 5, 3, 0.3, seed=2)
    before = bits(net.get_weights())
    rows = [[0.5] * 17 for _ in range(4)]
    rows[3][16] = math.nan  # in the tail, past the last whole group of eight
    with pytest.raises(ValueError):
        net.train_many(buffer(rows), buffer([[0.0, 1.0, 0.0]] * 4))
    assert bits(net.get_weights()) == before


def test_load_floats_reads_plain_numbers_and_their_magnitudes():
    core = core_of((4, 3, 2))
    assert core.load_floats([0.5, -2.0, 0.25, 1.0], [0.01, 0.99]) == (2.0, 0.99)
    assert core.load_floats([0.5, -3, 0.25, 1.0], [0, 1]) == (3.0, 1.0)  # ints, converted as float() does
    for inputs, targets in [
        ([0.5, 2.0, 0.25], [0.01, 0.99]),              # too short
        ([0.5, 2.0, 0.25, 1.0], [0.01, 0.99, 0.5]),    # target too long
        ((0.5, 2.0, 0.25, 1.0), [0.01, 0.99]),         # a tuple: not taken here
        ([0.5, 2.0, True, 1.0], [0.01, 0.99]),         # a bool is not a number to pynet
        ([0.5, 10 ** 400, 0.25, 1.0], [0.01, 0.99]),   # an int too large for a float
        ([0.5, math.nan, 0.25, 1.0], [0.01, 0.99]),    # not finite
        ([0.5, 2.0, 0.25, 1.0], [0.01, math.inf]),
    ]:
        assert core.load_floats(inputs, targets) is None


def test_a_loaded_sample_is_trained_once_and_forgotten_by_any_other_call():
    core = core_of((4, 3, 2))
    with pytest.raises(ValueError, match="no sample is loaded"):
        core.train_loaded(0.3, False, False)
    assert core.load_floats([0.5, 0.2, 0.25, 1.0], [0.01, 0.99]) is not None
    core.train_loaded(0.3, False, False)
    with pytest.raises(ValueError, match="no sample is loaded"):  # once only
        core.train_loaded(0.3, False, False)
    for other in (lambda: core.query_floats([0.1] * 4), core.export, core.snapshot, core.largest_parameter):
        assert core.load_floats([0.5, 0.2, 0.25, 1.0], [0.01, 0.99]) is not None
        other()
        with pytest.raises(ValueError, match="no sample is loaded"):
            core.train_loaded(0.3, False, False)


def test_steps_through_load_floats_give_pynets_bits_between_other_calls():
    """Loaded steps fused with the update waiting from the last one, with queries and
    measures in between (each applies the waiting update first)."""
    import pynet

    fast = load_backend("fast")
    pure = pynet.NeuralNetwork(13, 9, 4, 0.3, seed=3, bias=True)
    compiled = fast.NeuralNetwork(13, 9, 4, 0.3, seed=3, bias=True)
    rows = [[((k * 13 + i) % 17) / 17 + 0.01 for i in range(13)] for k in range(12)]
    targets = [[0.99 if j == k % 4 else 0.01 for j in range(4)] for k in range(12)]
    for k in range(12):
        assert bits(pure.train(rows[k], targets[k])) == bits(compiled.train(rows[k], targets[k]))
        if k % 3 == 0:
            assert bits(pure.query(rows[k])) == bits(compiled.query(rows[k]))
        if k % 4 == 1:
            assert bits(pure.get_weights()) == bits(compiled.get_weights())
    assert bits(pure.get_weights()) == bits(compiled.get_weights())
    assert bits(pure.get_biases()) == bits(compiled.get_biases())


@pytest.mark.parametrize("threads", [1, 2, 3])
def test_query_rows_check_a_held_buffer_a_batch_at_a_time(threads):
    """query_many does not copy a 2-D buffer whole: each thread copies a batch of rows into
    its own scratch space, checks it there and computes from the copy. A value that is
    not finite anywhere, in any thread's share, makes the whole call answer None."""
    import pynet

    fast = load_backend("fast")
    pure = pynet.NeuralNetwork(9, 5, 3, 0.3, seed=4)
    compiled = fast.NeuralNetwork(9, 5, 3, 0.3, seed=4)
    rows = [[((k * 9 + i) % 13) / 13 for i in range(9)] for k in range(53)]
    held = compiled._core.rows(buffer(rows), 9, False)
    assert math.isnan(held.largest)  # held, not measured
    assert bits(compiled._core.query_rows(held, threads)) == bits(pure.query_many(rows))
    for k in (0, 7, 8, 26, 52):
        for bad in (math.nan, math.inf):
            spoiled = [list(row) for row in rows]
            spoiled[k][k % 9] = bad
            assert compiled._core.query_rows(compiled._core.rows(buffer(spoiled), 9, False), threads) is None
            with pytest.raises(ValueError):
                compiled.query_many(buffer(spoiled))


@pytest.mark.parametrize("threads", [1, 2, 3])
def test_a_large_buffer_is_copied_and_measured_alike_on_threads(threads):
    # 400 rows of 784: 313,600 values, enough for two copying threads (2**17 values each)
    core = core_of((784, 3, 2))
    flat = array("d", [((k * 37) % 1001 - 500) / 250.0 for k in range(400 * 784)])
    rows = memoryview(flat).cast("B").cast("d", (400, 784))
    copied = core.rows(rows, 784, True, threads)
    assert copied.largest == max(abs(v) for v in flat)
    for k in range(400):
        assert bits(copied.row(k)) == bits(list(flat[k * 784:(k + 1) * 784])), k
    for place in (0, 133 * 784 + 5, 200 * 784, 399 * 784 + 783):  # a bad value in every thread's run
        for bad in (math.inf, math.nan):
            spoiled = array("d", flat)
            spoiled[place] = bad
            measured = core.rows(memoryview(spoiled).cast("B").cast("d", (400, 784)), 784, True, threads)
            assert measured.largest == math.inf, (place, bad)
