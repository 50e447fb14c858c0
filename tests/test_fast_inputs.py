"""What pynet_fast's compiled code takes as it is: real numbers whose conversion cannot change.

Floats, subclasses of float that convert by their stored value (numpy.float64), ints and
numpy's real scalars go straight to the kernels; anything else whose ``float()`` could
call back or change (a ``__float__`` of its own, a Fraction) is read once by
``pynet.checks``; either way the bits are pynet's. So do float64 buffers whose export runs
no Python code (numpy.ndarray, array.array, memoryview, exactly those types); other buffers
take the slower paths, with the same results."""

import platform
from fractions import Fraction

import pytest

from helpers import EXPECTED, bits, load_backend

# PyPy's C API (7.3) crashes the process when a released memoryview is handed to any
# function of a C extension, one that does nothing with it included: no C code can refuse it
PYPY_CRASHES = pytest.mark.skipif(platform.python_implementation() == "PyPy",
                                  reason=EXPECTED + "PyPy crashes when a released memoryview reaches any C extension")


class Half(float):
    """A subclass of float that keeps float's own conversion."""


class Liar(float):
    """A subclass of float whose float() is not its stored value: converted by float(), as pynet does."""

    def __float__(self):
        return 0.25


def networks():
    import pynet

    fast = load_backend("fast")
    return pynet.NeuralNetwork(6, 4, 3, 0.3, seed=8), fast.NeuralNetwork(6, 4, 3, 0.3, seed=8)


@pytest.mark.parametrize("row, compiled", [
    ([Half(0.5)] * 6, True),
    ([Liar(0.5)] * 6, False),
    ([1, 0, 7, 2, 3, 0], True),
    ((0.5, 1, Half(0.1), 0.2, 0.3, 0.0), True),
    ((0.5, 1, Fraction(1, 3), Half(0.1), 0.2, 0.3), False),
], ids=["float-subclass", "float-subclass-own-float", "ints", "mixed-tuple", "fraction"])
def test_real_numbers_give_pynets_bits_by_either_path(row, compiled):
    pure, fast = networks()
    assert (fast._core.vector(row, 6) is not None) == compiled  # straight to the kernels, or read by the checks
    assert bits(fast.query(row)) == bits(pure.query(row))
    assert bits(fast.train(row, [0.1, 0.9, 0.5])) == bits(pure.train(row, [0.1, 0.9, 0.5]))
    assert bits(fast.train_many([row, row], [[0.1, 0.9, 0.5]] * 2)) == bits(pure.train_many([row, row], [[0.1, 0.9, 0.5]] * 2))
    assert bits(fast.get_weights()) == bits(pure.get_weights())


def test_a_list_of_numpy_floats_takes_the_compiled_path():
    np = pytest.importorskip("numpy")
    pure, fast = networks()
    row = list(np.linspace(0.0, 1.0, 6))
    assert type(row[0]) is np.float64
    assert fast._core.vector(row, 6) is not None
    assert bits(fast.query(row)) == bits(pure.query(row))
    assert bits(fast.query_many([row] * 3)) == bits(pure.query_many([row] * 3))


@pytest.mark.parametrize("bad", [["0.5"] * 6, [None] * 6, [1j] * 6, [float("nan")] * 6, [10 ** 400] * 6,
                                 [True] * 6])
def test_what_pynet_refuses_is_left_to_its_checks(bad):
    pure, fast = networks()
    assert fast._core.vector(bad, 6) is None
    with pytest.raises((TypeError, ValueError)) as compiled:
        fast.query(bad)
    with pytest.raises((TypeError, ValueError)) as reference:
        pure.query(bad)
    assert type(compiled.value) is type(reference.value) and str(compiled.value) == str(reference.value)


def test_a_list_changed_by_a_conversion_is_left_to_the_checks():
    pure, fast = networks()
    row = [0.5] * 6

    class Shrinker(float):
        def __float__(self):
            del row[3:]
            return 0.5

    row[1] = Shrinker(0.5)
    assert fast._core.vector(row, 6) is None


# -- float64 buffers: read under the network's lock, as lists of plain numbers are ---------------------

ROW = [0.5, -2.0, 0.25, 1.0, 0.125, 0.0]
TARGET = [0.01, 0.99, 0.5]


def plain_buffers(values):
    """The buffers whose export runs no Python code, each holding ``values`` as float64."""
    from array import array

    numbers = array("d", values)
    return {"array": numbers, "memoryview": memoryview(numbers),
            "memoryview-cast": memoryview(bytes(numbers)).cast("d")}


@pytest.mark.parametrize("kind", ["array", "memoryview", "memoryview-cast"])
def test_a_float64_buffer_is_read_by_the_compiled_code_at_once(kind):
    pure, fast = networks()
    row, target = plain_buffers(ROW)[kind], plain_buffers(TARGET)[kind]
    assert fast._core.load_floats(row, target) == (2.0, 0.99)
    assert bits(fast._core.query_floats(row)) == bits(pure.query(ROW))
    assert bits(fast.query(row)) == bits(pure.query(ROW))
    for _ in range(3):
        assert bits(fast.train(row, target)) == bits(pure.train(ROW, TARGET))
    assert bits(fast.get_weights()) == bits(pure.get_weights())


def test_a_numpy_row_is_read_by_the_compiled_code_at_once():
    np = pytest.importorskip("numpy")
    pure, fast = networks()
    row, target = np.array(ROW), np.array(TARGET)
    assert fast._core.load_floats(row, target) == (2.0, 0.99)
    assert fast._core.load_floats(row, np.array(TARGET, dtype=np.float32)) is None
    assert bits(fast._core.query_floats(row)) == bits(pure.query(ROW))
    row_of_matrix = np.array([ROW, ROW])[1]  # a view into a C-contiguous matrix
    assert bits(fast._core.query_floats(row_of_matrix)) == bits(pure.query(ROW))
    for _ in range(3):
        assert bits(fast.train(row, target)) == bits(pure.train(ROW, TARGET))
    assert bits(fast.get_weights()) == bits(pure.get_weights())


def other_buffers():
    """Buffers the compiled code leaves to the other paths: another type, shape or layout,
    a subclass, or values that are not finite."""
    from array import array

    class Numbers(array):
        """A subclass of array.array: its buffer could come from Python code."""

    wide = array("d", ROW * 2)
    released = memoryview(array("d", ROW))
    released.release()
    made = {"float32": array("f", ROW), "short": array("d", ROW[:-1]), "long": array("d", ROW + [0.5]),
            "2-d": memoryview(array("d", ROW)).cast("B").cast("d", (2, 3)),
            "strided": memoryview(wide)[::2], "subclass": Numbers("d", ROW),
            "nan": array("d", ROW[:-1] + [float("nan")]), "inf": array("d", [float("inf")] + ROW[1:]),
            "released": released}
    try:
        import numpy as np
    except ImportError:
        return made

    class Row(np.ndarray):
        """A subclass of numpy's array: its buffer could come from Python code."""

    made.update({"numpy-float32": np.array(ROW, dtype=np.float32), "numpy-strided": np.array(ROW * 2)[::2],
                 "numpy-column": np.array([ROW]).T, "numpy-subclass": np.array(ROW).view(Row),
                 "numpy-masked": np.ma.masked_array(ROW, mask=[False] * 6),
                 "numpy-big-endian": np.array(ROW, dtype=">f8"), "numpy-nan": np.array(ROW[:-1] + [np.nan])})
    return made


@pytest.mark.parametrize("kind", [pytest.param(kind, marks=PYPY_CRASHES) if kind == "released" else kind
                                  for kind in sorted(other_buffers())])
def test_other_buffers_are_left_to_the_other_paths_with_the_same_results(kind):
    pure, fast = networks()
    value = other_buffers()[kind]
    assert fast._core.query_floats(value) is None
    assert fast._core.load_floats(value, TARGET) is None
    outcomes = []
    for net in (pure, fast):
        try:
            outcomes.append(("query", bits(net.query(value))))
        except Exception as error:  # (each refusal must be pynet's own, word for word)
            outcomes.append((type(error), str(error)))
    assert outcomes[0] == outcomes[1]
    assert bits(fast.get_weights()) == bits(pure.get_weights())


@PYPY_CRASHES
def test_a_released_memoryview_is_refused_as_pynet_refuses_it_by_every_call():
    from array import array

    def released(shape=None):
        view = memoryview(array("d", ROW))
        view = view.cast("B").cast("d", shape) if shape else view
        view.release()
        return view

    calls = {"query": lambda net: net.query(released()), "train": lambda net: net.train(released(), TARGET),
             "train-target": lambda net: net.train(ROW, released()),
             "train_many": lambda net: net.train_many(released((1, 6)), [TARGET]),
             "train_many-row": lambda net: net.train_many([released()], [TARGET]),
             "query_many": lambda net: net.query_many(released((1, 6))),
             "query_many-row": lambda net: net.query_many([ROW, released()])}
    pure, fast = networks()
    for name, call in calls.items():
        with pytest.raises((TypeError, ValueError)) as reference:
            call(pure)
        with pytest.raises((TypeError, ValueError)) as compiled:
            call(fast)
        assert (type(compiled.value), str(compiled.value)) == (type(reference.value), str(reference.value)), name
    assert bits(fast.get_weights()) == bits(pure.get_weights())
