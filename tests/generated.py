"""Hypothesis strategies for hostile inputs, as recipes built fresh for each backend.

An input that changes as it is read (a ``__float__`` that answers differently each
time, a list whose ``__len__`` lies) must be built anew for each backend, or the second
backend would see what the first left of it. So the strategies here draw *recipes*
(nested tuples), and :func:`build` turns a recipe into the object.
"""

import array
import math
from decimal import Decimal
from fractions import Fraction

from hypothesis import strategies as st

try:
    import numpy
except ImportError:  # numpy is optional: its cases are simply not drawn
    numpy = None


class Changing:
    """A number whose ``float()`` is each of ``values`` in turn, then the last one again."""

    def __init__(self, values):
        self.values = list(values)

    def __float__(self):
        return self.values.pop(0) if len(self.values) > 1 else self.values[0]


class LyingList(list):
    """A list whose ``len()`` is off by ``lie`` from what iteration gives."""

    def __init__(self, items, lie):
        list.__init__(self, items)
        self.lie = lie

    def __len__(self):
        return max(0, list.__len__(self) + self.lie)


class Exploding:
    """Something whose ``float()`` raises an unexpected exception."""

    def __float__(self):
        raise ArithmeticError("no float here")


FLOATS = st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from(
    [0.0, -0.0, 5e-324, 1e-300, 1e300, 1.7976931348623157e308, -1e308, 0.5, 1.0])
NICE = st.floats(min_value=-4.0, max_value=4.0, allow_nan=False)
NUMPY_DTYPES = ["f8", ">f8", "f4", "f2", "i8", "u1", "?", "c16"]


def scalars():
    """A recipe for one value that may or may not be a number."""
    options = [
        NICE.map(lambda x: ("float", x)),
        NICE.map(lambda x: ("float", x)),
        FLOATS.map(lambda x: ("float", x)),
        st.integers(min_value=-10 ** 400, max_value=10 ** 400).map(lambda n: ("int", n)),
        st.booleans().map(lambda b: ("bool", b)),
        st.sampled_from([("none",), ("str",), ("bytes",), ("complex",), ("set",), ("dict",), ("list",),
                         ("exploding",)]),
        st.lists(FLOATS, min_size=1, max_size=3).map(lambda xs: ("changing", tuple(xs))),
        NICE.map(lambda x: ("fraction", x)),
        NICE.map(lambda x: ("decimal", x)),
    ]
    if numpy is not None:
        options.append(st.tuples(st.just("numpy"), st.sampled_from(NUMPY_DTYPES), NICE))
    return st.one_of(*options)


CONTAINERS = ["list", "list", "list", "tuple", "lying+1", "lying-1", "generator", "set", "dict", "str", "none",
              "array-d", "array-f", "array-i", "memoryview-d", "memoryview-b", "2-d"]
NUMPY_CONTAINERS = ["np-" + dtype for dtype in NUMPY_DTYPES] + ["np-fortran", "np-strided", "np-2d", "np-masked",
                                                                 "np-matrix"]


def vectors(length):
    """A recipe for a vector that is usually of ``length`` values, but may be anything."""
    size = st.one_of(st.just(length), st.just(length), st.integers(min_value=0, max_value=length + 2))
    kinds = CONTAINERS + (NUMPY_CONTAINERS if numpy is not None else [])
    good = st.lists(NICE, min_size=length, max_size=length).map(lambda xs: ("list", tuple(("float", x) for x in xs)))
    odd = st.tuples(st.sampled_from(kinds), size.flatmap(lambda n: st.lists(scalars(), min_size=n, max_size=n)))
    return st.one_of(good, good, odd.map(lambda pair: (pair[0], tuple(pair[1]))))


def build_scalar(recipe):
    kind = recipe[0]
    if kind == "float":
        return recipe[1]
    if kind in ("int", "bool"):
        return recipe[1]
    if kind == "changing":
        return Changing(recipe[1])
    if kind == "fraction":
        return Fraction(recipe[1])
    if kind == "decimal":
        return Decimal(recipe[1])
    if kind == "numpy":
        return numpy.array([recipe[2]]).astype(recipe[1])[0]
    return {"none": None, "str": "0.5", "bytes": b"0.5", "complex": 0.5 + 0j, "set": {0.5}, "dict": {0: 0.5},
            "list": [0.5], "exploding": Exploding()}[kind]


def _plain(items):
    """The float values of recipes when all are plain numbers (for typed containers), else None."""
    values = []
    for item in items:
        if item[0] not in ("float", "int", "bool"):
            return None
        try:
            values.append(float(item[1]))
        except OverflowError:
            return None
    return values


def _set_of(values):
    """A set of the hashable values; a value whose comparison with one already in it raises
    (numpy 2.4's integers against a Decimal: "argument must be an integer") is left out."""
    chosen = set()
    for value in values:
        if value.__hash__ is not None:
            try:
                chosen.add(value)
            except TypeError:
                pass
    return chosen


def build(recipe):
    """The object a vector recipe describes, built fresh."""
    kind, items = recipe
    values = [build_scalar(item) for item in items]
    if kind == "list":
        return values
    if kind == "tuple":
        return tuple(values)
    if kind == "lying+1":
        return LyingList(values, 1)
    if kind == "lying-1":
        return LyingList(values, -1)
    if kind == "generator":
        return (v for v in values)
    if kind == "set":
        return _set_of(values)
    if kind == "dict":
        return dict(enumerate(values))
    if kind == "str":
        return ",".join(map(str, values))
    if kind == "none":
        return None
    plain = _plain(items)
    if plain is None:
        return values
    if kind in ("array-d", "memoryview-d"):
        built = array.array("d", plain)
        return memoryview(built) if kind.startswith("memoryview") else built
    if kind == "array-f":
        return array.array("f", [v if abs(v) < 1e38 else 0.0 for v in plain])
    if kind == "array-i":
        return array.array("i", [int(v) if abs(v) < 2 ** 31 and v == v else 0 for v in plain])
    if kind == "memoryview-b":
        return memoryview(array.array("b", [int(v) if abs(v) < 128 and v == v else 0 for v in plain]))
    if kind == "2-d":
        return memoryview(array.array("d", plain)).cast("B").cast("d", (1, len(plain))) if plain else values
    with numpy.errstate(all="ignore"):
        if kind.startswith("np-") and kind[3:] in NUMPY_DTYPES:
            return numpy.array(plain).astype(kind[3:])
        if kind == "np-fortran":
            return numpy.asfortranarray(numpy.array([plain, plain]))[0]
        if kind == "np-strided":
            return numpy.array(plain * 2)[::2] if plain else numpy.array(plain)
        if kind == "np-2d":
            return numpy.array([plain])
        if kind == "np-masked":
            return numpy.ma.array(plain, mask=[i % 2 == 0 for i in range(len(plain))])
        if kind == "np-matrix":
            import warnings

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return numpy.matrix([plain]) if plain else values
    raise AssertionError(kind)


def row_sets(width, count_max=4):
    """A recipe for a sequence of rows: ``(container kind, [vector recipes])``."""
    kinds = st.sampled_from(["list", "list", "tuple", "lying+1", "lying-1", "generator", "dict", "none", "2-d",
                             "np-2d", "np-fortran"] if numpy is not None else
                            ["list", "list", "tuple", "lying+1", "lying-1", "generator", "dict", "none", "2-d"])
    return st.tuples(kinds, st.lists(vectors(width), min_size=0, max_size=count_max))


def build_rows(recipe):
    kind, rows = recipe
    if kind in ("2-d", "np-2d", "np-fortran"):
        plain = [_plain(items) if row_kind == "list" else None for row_kind, items in rows]
        if rows and all(p is not None for p in plain) and len(set(len(p) for p in plain)) == 1 and plain[0]:
            if kind == "2-d":
                flat = [v for p in plain for v in p]
                return memoryview(array.array("d", flat)).cast("B").cast("d", (len(plain), len(plain[0])))
            matrix = numpy.array(plain)
            return numpy.asfortranarray(matrix) if kind == "np-fortran" else matrix
        kind = "list"
    built = [build(row) for row in rows]
    return build((kind, ())) if kind in ("dict", "none") and not built else {
        "list": lambda: built, "tuple": lambda: tuple(built), "lying+1": lambda: LyingList(built, 1),
        "lying-1": lambda: LyingList(built, -1), "generator": lambda: (r for r in built),
        "dict": lambda: dict(enumerate(built)), "none": lambda: None}[kind]()


def is_finite_number(x):
    return isinstance(x, float) and math.isfinite(x)
