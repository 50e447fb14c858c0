"""What pynet_fast's compiled code takes as it is: real numbers whose conversion cannot change.

Floats, subclasses of float that convert by their stored value (numpy.float64), ints and
numpy's real scalars go straight to the kernels; anything else whose ``float()`` could
call back or change (a ``__float__`` of its own, a Fraction) is read once by
``pynet.checks``; either way the bits are pynet's."""

from fractions import Fraction

import pytest

from helpers import bits, load_backend


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
