"""Property tests: generated calls to every public method, on both backends at once.

Each generated call either works as documented or raises ``TypeError``/``ValueError``
whose message names the argument; after an error the weights are bit-identical to
before; and both backends give the same outcome (the same result, bit for bit, or
the same type of error) and end with the same weights.

The number of cases is set by the hypothesis profile ``pynet`` (``PYNET_HYPOTHESIS_CASES``
per test, default 400): with the six tests below, at least 2,400 generated calls per
backend per run.
"""

import os
import struct

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, assume, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from helpers import EXPECTED, IMPLEMENTATIONS, load_backend, require_fast, snapshot  # noqa: E402
from generated import FLOATS, NICE, build, build_rows, row_sets, scalars, build_scalar, vectors  # noqa: E402

CASES = int(os.environ.get("PYNET_HYPOTHESIS_CASES", "400"))
settings.register_profile("pynet", max_examples=CASES, deadline=None, derandomize=False,
                          suppress_health_check=list(HealthCheck))
PROFILE = settings.get_profile("pynet")
COUNTS = {}

SIZES = (3, [4, 2], 2)


def backends():
    """Both backends; without a compiled build, the pure one alone (unless it is required)."""
    modules = []
    for name in sorted(IMPLEMENTATIONS):
        try:
            modules.append(__import__(IMPLEMENTATIONS[name]))
        except ImportError:
            if require_fast():
                load_backend(name)  # fails the test
    return modules


def _bits(value):
    if isinstance(value, (list, tuple)):
        return [_bits(v) for v in value]
    if isinstance(value, float):
        return struct.pack("<d", value).hex()
    return value


def outcome(network, call, names):
    """``('ok', result bits)`` or ``('error', type)``; anything else, or a message naming nothing, fails."""
    before = snapshot(network)
    try:
        result = call(network)
    except (TypeError, ValueError) as error:
        message = str(error)
        assert any(name in message for name in names), "the message names nothing: %r" % message
        assert snapshot(network) == before, "a failed call changed the network: %s" % message
        return ("error", type(error).__name__)
    except ArithmeticError as error:  # raised by the caller's own __float__: passed on, nothing changed
        assert str(error) == "no float here"
        assert snapshot(network) == before
        return ("caller's error", type(error).__name__)
    return ("ok", _bits(result))


def compare(call, names, bias=True, rule="seed", rate=0.3, test=""):
    """Run ``call`` on a fresh network of each backend; the outcomes and final states must agree."""
    results = []
    for module in backends():
        network = module.NeuralNetwork(*SIZES, rate, seed=11, bias=bias, rule=rule)
        results.append((outcome(network, call, names), snapshot(network)))
        COUNTS[(test, module.__name__)] = COUNTS.get((test, module.__name__), 0) + 1
    for other in results[1:]:
        assert other == results[0]
    return results[0][0]


@settings(PROFILE)
@given(vectors(3), vectors(2), st.booleans(), st.sampled_from(["seed", "exact"]),
       st.sampled_from([0.3, 1e-300, 1e150, 1.7e308]))
def test_train(x, t, bias, rule, rate):
    compare(lambda n: n.train(build(x), build(t)), ["inputs", "targets", "training diverged"], bias, rule, rate,
            "train")


@settings(PROFILE)
@given(row_sets(3), row_sets(2), st.booleans(), st.sampled_from([0.3, 1e200]))
def test_train_many(rows, targets, bias, rate):
    compare(lambda n: n.train_many(build_rows(rows), build_rows(targets)),
            ["input_rows", "target_rows", "training diverged"], bias, "seed", rate, "train_many")


@settings(PROFILE)
@given(vectors(3), row_sets(3), st.sampled_from(["query", "predict", "query_many"]))
def test_queries(x, rows, method):
    if method == "query_many":
        compare(lambda n: n.query_many(build_rows(rows)), ["rows"], test="query")
    else:
        compare(lambda n: getattr(n, method)(build(x)), ["inputs"], test="query")


@settings(PROFILE)
@given(vectors(2))
def test_backquery(y):
    compare(lambda n: n.backquery(build(y)), ["outputs"], test="backquery")


def weight_recipes():
    """Recipes for set_weights' arguments: the network's own, with one part replaced by something generated."""
    where = st.tuples(st.integers(0, 2), st.integers(0, 4))
    return st.tuples(where, vectors(4), st.one_of(st.none(), st.tuples(st.integers(0, 2), vectors(2))),
                     st.sampled_from(["row", "matrix", "whole", "none"]))


@settings(PROFILE)
@given(weight_recipes(), st.booleans())
def test_set_weights(recipe, bias):
    (layer, row), replacement, bias_part, scope = recipe

    def call(network):
        weights, biases = network.get_weights(), network.get_biases()
        if scope == "row" and row < len(weights[layer]):
            weights[layer][row] = build(replacement)
        elif scope == "matrix":
            weights[layer] = [build(replacement)]
        elif scope == "whole":
            weights = build(replacement)
        if bias_part is not None:
            biases[min(bias_part[0], len(biases) - 1)] = build(bias_part[1])
        return network.set_weights(weights, biases if bias_part is not None else None)

    compare(call, ["weights", "biases"], bias, test="set_weights")


@settings(PROFILE)
@given(st.one_of(scalars(), st.tuples(st.just("list-of"), st.lists(scalars(), max_size=3))),
       scalars(), scalars(), st.sampled_from(["hidden", "inputs", "rate", "setter", "from_dict"]))
def test_constructor_and_settings(value, other, third, where):
    for recipe in (value, other) + tuple(value[1] if value[0] == "list-of" else ()):
        # sizes that fit in memory but take long to build are left to test_hostile_inputs
        assume(not (recipe[0] == "int" and 64 < recipe[1] < 10 ** 13))

    def made(recipe):
        if recipe[0] == "list-of":
            return [build_scalar(r) for r in recipe[1]]
        return build_scalar(recipe)

    if where == "hidden":
        call = lambda n: type(n)(3, made(value), 2, 0.3, seed=1).layer_sizes
        names = ["hidden_nodes"]
    elif where == "inputs":
        call = lambda n: type(n)(made(value), 2, made(other), 0.3, seed=1).layer_sizes
        names = ["input_nodes", "output_nodes"]
    elif where == "rate":
        call = lambda n: type(n)(3, 2, 2, made(value), seed=1).learning_rate
        names = ["learning_rate"]
    elif where == "setter":
        def call(n):
            n.learning_rate = made(value)
            return n.learning_rate
        names = ["learning_rate"]
    else:
        def call(n):
            data = n.to_dict()  # in version 1, whose numbers are nested lists that can hold anything
            data.pop("training", None)
            data.update(version=1, weights=n.get_weights(), biases=n.get_biases())
            data["learning_rate"] = made(value)
            data["weights"][0][0][0] = made(other)
            data["biases"][0] = [made(third)] * 4 if value[0] != "list-of" else made(value)
            return type(n).from_dict(data).get_weights()
        names = ["learning_rate", "weights", "biases"]
    compare(call, names, test="constructor")


def test_the_generated_cases_were_counted():
    """Each backend met at least CASES generated calls in each test above (when they all ran)."""
    if len(set(test for test, _ in COUNTS)) < 6:
        pytest.skip(EXPECTED + "run the whole module to count")
    for (test, module), count in sorted(COUNTS.items()):
        assert count >= CASES, (test, module, count)
    totals = {}
    for (test, module), count in COUNTS.items():
        totals[module] = totals.get(module, 0) + count
    print("generated calls per backend: %s" % totals)
    assert all(total >= 2000 for total in totals.values()) or CASES < 334
