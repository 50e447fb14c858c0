"""pynet_fast gives pynet's results bit for bit, takes every kind of input pynet takes,
and refuses bad input with pynet's errors.

Floats are compared by their bit patterns (``conftest.bits``), never with a tolerance.
"""

import array
import pickle

import pytest

import pynet
from helpers import bits, load_backend, one_hot, read_pixels, snapshot

try:
    from hypothesis import given, settings
    from hypothesis import strategies as st
except ImportError:  # pragma: no cover - hypothesis is in the test extra
    given = None

@pytest.fixture(scope="module")
def fast():
    return load_backend("fast")


@pytest.fixture(scope="module")
def mnist_300():
    """300 training samples and 20 test inputs of canonical MNIST (the bundled head), scaled."""
    pixels, labels, size = read_pixels("train", 300)
    test_pixels, _, _ = read_pixels("t10k", 20)
    scale = pynet.conventions.PIXEL_SCALE
    inputs = [[scale[p] for p in pixels[k * size:(k + 1) * size]] for k in range(300)]
    tests = [[scale[p] for p in test_pixels[k * size:(k + 1) * size]] for k in range(20)]
    return inputs, [one_hot(label) for label in labels], tests, pixels


def made_data(count, n_in, n_out, state=2024):
    """Deterministic rows from a linear congruential generator: inputs in (0, 1), one-hot targets."""
    inputs, targets = [], []
    for k in range(count):
        row = []
        for _ in range(n_in):
            state = (state * 6364136223846793005 + 1442695040888963407) % 2 ** 64
            row.append(((state >> 11) + 0.5) / 2 ** 53)
        inputs.append(row)
        targets.append(one_hot(k % n_out, n_out))
    return inputs, targets


def twins(fast, *args, **kwargs):
    return pynet.NeuralNetwork(*args, **kwargs), fast.NeuralNetwork(*args, **kwargs)


def assert_same_network(a, b):
    assert bits(a.get_weights()) == bits(b.get_weights())
    assert bits(a.get_biases()) == bits(b.get_biases())


# -- the required parity cases ---------------------------------------------------------


@pytest.mark.parametrize("sizes", [(784, 100, 10), (3, [], 2), (1, 1, 1), (5, [1, 7, 1], 3), (30, [20, 10], 5)])
def test_the_same_seed_gives_the_same_initial_weights(fast, sizes):
    a, b = twins(fast, *sizes, 0.3, seed=12345)
    assert_same_network(a, b)


def test_300_mnist_samples_on_784_100_10(fast, mnist_300):
    inputs, targets, tests, pixels = mnist_300
    a, b = twins(fast, 784, 100, 10, 0.3, seed=1)
    losses_a = [a.train(x, t) for x, t in zip(inputs, targets)]
    losses_b = [b.train(x, t) for x, t in zip(inputs, targets)]
    assert bits(losses_a) == bits(losses_b)
    assert_same_network(a, b)
    assert bits(a.query_many(tests)) == bits(b.query_many(tests))
    assert [a.predict(x) for x in tests] == [b.predict(x) for x in tests]
    assert bits(a.backquery([0.01] * 9 + [0.99])) == bits(b.backquery([0.01] * 9 + [0.99]))

    # train_many on the compiled pixel scaling's rows: the same steps in one call
    c = fast.NeuralNetwork(784, 100, 10, 0.3, seed=1)
    rows = memoryview(fast.scale_pixels(pixels)).cast("B").cast("d", (300, 784))
    mean = c.train_many(rows, targets)
    total = 0.0
    for loss in losses_a:
        total += loss
    assert bits(mean) == bits(total / 300)
    assert_same_network(a, c)


def test_two_epochs_of_64_32_16_10_with_bias_and_the_exact_rule(fast):
    inputs, targets = made_data(150, 64, 10)
    a, b = twins(fast, 64, [32, 16], 10, 0.2, seed=7, bias=True, rule="exact")
    for _ in range(2):
        assert bits(a.train_many(inputs, targets)) == bits(b.train_many(inputs, targets))
    assert_same_network(a, b)
    assert any(v != 0.0 for B in b.get_biases() for v in B)
    assert bits(a.query_many(inputs[:20])) == bits(b.query_many(inputs[:20]))
    for label in range(10):
        outputs = [0.99 if k == label else 0.01 for k in range(10)]
        assert bits(a.backquery(outputs)) == bits(b.backquery(outputs))


def test_train_many_is_a_loop_of_train_and_query_many_is_query_per_row(fast):
    inputs, targets = made_data(40, 9, 4)
    for backend in (pynet, fast):
        one, many = (backend.NeuralNetwork(9, [6, 5], 4, 0.5, seed=3, bias=True) for _ in range(2))
        total = 0.0
        for x, t in zip(inputs, targets):
            total += one.train(x, t)
        assert bits(many.train_many(inputs, targets)) == bits(total / len(inputs))
        assert_same_network(one, many)
        assert bits(many.query_many(inputs)) == bits([one.query(x) for x in inputs])


if given is not None:
    layer = st.integers(min_value=1, max_value=9)
    unit = st.floats(min_value=-2.0, max_value=2.0, allow_nan=False, allow_infinity=False)

    @st.composite
    def cases(draw):
        sizes = draw(st.lists(layer, min_size=2, max_size=5))
        count = draw(st.integers(min_value=1, max_value=6))
        return {
            "sizes": sizes,
            "rate": draw(st.floats(min_value=1e-3, max_value=5.0)),
            "bias": draw(st.booleans()),
            "rule": draw(st.sampled_from(["seed", "exact"])),
            "seed": draw(st.integers(min_value=0, max_value=2 ** 64)),
            "inputs": draw(st.lists(st.lists(unit, min_size=sizes[0], max_size=sizes[0]),
                                    min_size=count, max_size=count)),
            "targets": draw(st.lists(st.lists(st.floats(0.0, 1.0), min_size=sizes[-1], max_size=sizes[-1]),
                                     min_size=count, max_size=count)),
            "outputs": draw(st.lists(st.floats(0.001, 0.999), min_size=sizes[-1], max_size=sizes[-1])),
        }

    @settings(max_examples=150, deadline=None)
    @given(case=cases())
    def test_any_shape_rate_and_input(fast, case):
        sizes = case["sizes"]
        a, b = twins(fast, sizes[0], sizes[1:-1], sizes[-1], case["rate"],
                     seed=case["seed"], bias=case["bias"], rule=case["rule"])
        assert_same_network(a, b)
        for x, t in zip(case["inputs"], case["targets"]):
            assert bits(a.train(x, t)) == bits(b.train(x, t))
        assert bits(a.train_many(case["inputs"], case["targets"])) == bits(b.train_many(case["inputs"], case["targets"]))
        assert_same_network(a, b)
        assert bits(a.query_many(case["inputs"])) == bits(b.query_many(case["inputs"]))
        assert bits(a.backquery(case["outputs"])) == bits(b.backquery(case["outputs"]))


def test_extreme_values_give_the_same_bits(fast):
    # huge weights saturate the sigmoid on both sides and overflow the sums to inf and nan
    a, b = twins(fast, 3, 2, 2, 1e300, seed=1, bias=True)
    weights = [[[1e300, -1e300], [1e300, 1e300], [-1e300, 5.0]], [[1e308, -1e308], [1e308, 1e308]]]
    for net in (a, b):
        net.set_weights(weights, [[1e300, -1e300], [0.0, 0.0]])
    for x in ([1.0, 1.0, 1.0], [-1.0, 0.5, 1e-300], [0.0, 0.0, 0.0]):
        assert bits(a.query(x)) == bits(b.query(x))
        assert bits(a.train(x, [0.5, 0.5])) == bits(b.train(x, [0.5, 0.5]))
        assert bits(a.get_weights()) == bits(b.get_weights())
    assert bits(a.backquery([0.5, 0.25])) == bits(b.backquery([0.5, 0.25]))


def test_backquery_when_all_values_are_equal(fast):
    a, b = twins(fast, 3, 2, 2, 0.3, seed=1)
    for net in (a, b):
        net.set_weights([[[0.0, 0.0]] * 3, [[0.5, 0.5], [0.5, 0.5]]])
    assert bits(a.backquery([0.3, 0.6])) == bits(b.backquery([0.3, 0.6])) == bits([0.5] * 3)


# -- the model file and pickling across backends ------------------------------------------


def test_a_model_saved_by_either_backend_loads_in_the_other(fast, tmp_path):
    inputs, targets = made_data(30, 12, 3)
    for source, target in ((pynet, fast), (fast, pynet)):
        net = source.NeuralNetwork(12, [8, 5], 3, 0.4, seed=9, bias=True, rule="exact")
        net.train_many(inputs, targets)
        path = str(tmp_path / ("model-%s.json" % source.__name__))
        net.save(path)
        loaded = target.NeuralNetwork.load(path)
        assert type(loaded) is target.NeuralNetwork
        assert (loaded.layer_sizes, loaded.rule, loaded.bias, loaded.learning_rate) == (
            net.layer_sizes, net.rule, net.bias, net.learning_rate)
        assert_same_network(net, loaded)
        assert bits(loaded.query_many(inputs)) == bits(net.query_many(inputs))
        assert [loaded.predict(x) for x in inputs] == [net.predict(x) for x in inputs]
        # and both keep training alike
        assert bits(loaded.train_many(inputs, targets)) == bits(net.train_many(inputs, targets))
        assert_same_network(net, loaded)


def test_pickles_and_dicts_round_trip_exactly(fast):
    import copy

    net = fast.NeuralNetwork(6, 4, 2, 0.3, seed=2, bias=True)
    net.train([0.5] * 6, [0.99, 0.01])
    for other in (pickle.loads(pickle.dumps(net)), copy.deepcopy(net), fast.NeuralNetwork.from_dict(net.to_dict())):
        assert type(other) is fast.NeuralNetwork
        assert_same_network(net, other)
        other.train([0.1] * 6, [0.01, 0.99])  # a copy has storage of its own
    assert pickle.loads(pickle.dumps(net)).to_dict() == net.to_dict()
    assert pynet.NeuralNetwork.from_dict(net.to_dict()).to_dict() == net.to_dict()


# -- every form of input gives the same bits ------------------------------------------------


def input_forms(rows):
    """The same rows as lists, tuples, array('d') rows, a 2-D memoryview, a list of memoryviews."""
    flat = array.array("d", [v for row in rows for v in row])
    width = len(rows[0])
    yield "lists", rows
    yield "tuples", tuple(tuple(row) for row in rows)
    yield "array rows", [array.array("d", row) for row in rows]
    yield "2-D memoryview", memoryview(flat).cast("B").cast("d", (len(rows), width))
    yield "read-only 2-D memoryview", memoryview(flat.tobytes()).cast("d", (len(rows), width))
    yield "memoryview rows", [memoryview(array.array("d", row)) for row in rows]
    yield "ints and floats", [[int(v > 0.5) if k % 3 == 0 else v for k, v in enumerate(row)] for row in rows]
    yield "a generator", (row for row in rows)


def test_every_input_form_gives_the_same_bits(fast):
    inputs, targets = made_data(12, 7, 3)
    # every third value 0.0 or 1.0, so that the "ints and floats" form holds the same numbers
    inputs = [[float(int(v > 0.5)) if k % 3 == 0 else v for k, v in enumerate(row)] for row in inputs]
    reference = pynet.NeuralNetwork(7, 5, 3, 0.3, seed=4)
    expected_loss = reference.train_many(inputs, targets)
    expected = bits(reference.get_weights())
    expected_outputs = bits([reference.query(x) for x in inputs])
    for name, rows in input_forms(inputs):
        for backend in (pynet, fast):
            net = backend.NeuralNetwork(7, 5, 3, 0.3, seed=4)
            if name == "a generator":  # one per use
                rows = (row for row in inputs)
            target_rows = [tuple(t) for t in targets] if name == "tuples" else targets
            assert bits(net.train_many(rows, target_rows)) == bits(expected_loss), (backend.__name__, name)
            assert bits(net.get_weights()) == expected, (backend.__name__, name)
            assert bits(net.query_many(rows if name != "a generator" else inputs)) == expected_outputs, name
            if name not in ("a generator", "2-D memoryview", "read-only 2-D memoryview"):
                assert bits([net.query(x) for x in rows]) == expected_outputs, name


def test_numpy_arrays_take_the_fast_path_and_agree(fast):
    np = pytest.importorskip("numpy")
    inputs, targets = made_data(25, 10, 4)
    a, b, c = (fast.NeuralNetwork(10, 6, 4, 0.3, seed=8) for _ in range(3))
    p = pynet.NeuralNetwork(10, 6, 4, 0.3, seed=8)
    X, T = np.array(inputs), np.array(targets)
    assert bits(a.train_many(X, T)) == bits(p.train_many(inputs, targets))
    for x, t in zip(X, T):  # 1-D float64 rows
        b.train(x, t)
    c.train_many(np.asfortranarray(X), T[::1])  # not C-contiguous: converted row by row
    for net in (a, b, c):
        assert_same_network(p, net)
    assert bits(a.query_many(X)) == bits(p.query_many(inputs))
    assert bits(a.query_many(X.astype(np.float32))) == bits(p.query_many(X.astype(np.float32).tolist()))
    assert a.query_many(np.zeros((0, 10))) == p.query_many(np.zeros((0, 10))) == []
    before = snapshot(a)
    with pytest.raises(ValueError, match="input_rows is empty"):
        a.train_many(np.zeros((0, 10)), np.zeros((0, 4)))
    X[-1, 3] = np.nan
    with pytest.raises(ValueError, match=r"input_rows\[24\]\[3\] must be finite"):
        a.train_many(X, T)
    assert snapshot(a) == before


# -- bad input: pynet's errors, and nothing changes -----------------------------------------


NAN = float("nan")


def bad_row_sets():
    good = [[0.1, 0.2, 0.3]] * 4
    flat = array.array("d", [0.1, 0.2, 0.3] * 4)
    with_nan = array.array("d", flat)
    with_nan[10] = NAN
    yield "nan in the last list row", good[:3] + [[0.1, NAN, 0.3]], [[0.5, 0.5]] * 4
    yield "nan in a 2-D buffer", memoryview(with_nan).cast("B").cast("d", (4, 3)), [[0.5, 0.5]] * 4
    yield "short last row", good[:3] + [[0.1, 0.2]], [[0.5, 0.5]] * 4
    yield "wide buffer", memoryview(flat).cast("B").cast("d", (3, 4)), [[0.5, 0.5]] * 3
    yield "flat buffer", flat, [[0.5, 0.5]] * 12
    yield "row counts differ", good, [[0.5, 0.5]] * 3
    yield "row counts differ (buffers)", memoryview(flat).cast("B").cast("d", (4, 3)), \
        memoryview(array.array("d", [0.5] * 6)).cast("B").cast("d", (3, 2))
    yield "no rows", [], []
    yield "a string in a target", good, [[0.5, 0.5]] * 3 + [[0.5, "0.5"]]
    yield "targets not rows", good, 0.5
    yield "inf in a tuple target", good, [(0.5, 0.5)] * 3 + [(0.5, float("inf"))]


@pytest.mark.parametrize("name, inputs, targets", list(bad_row_sets()), ids=[c[0] for c in bad_row_sets()])
def test_bad_rows_raise_pynets_error_and_change_nothing(fast, name, inputs, targets):
    outcomes = []
    for backend in (pynet, fast):
        net = backend.NeuralNetwork(3, 2, 2, 0.3, seed=6, bias=True)
        before = snapshot(net)
        with pytest.raises((TypeError, ValueError)) as raised:
            net.train_many(inputs, targets)
        assert snapshot(net) == before
        outcomes.append((raised.type, str(raised.value)))
    assert outcomes[0] == outcomes[1]


@pytest.mark.parametrize("inputs", [
    [0.1, NAN, 0.3], (0.1, 0.2), array.array("d", [0.1, 0.2, float("-inf")]), array.array("f", [0.1, 0.2]),
    memoryview(array.array("d", [0.1] * 6)).cast("B").cast("d", (2, 3)), "abc", None, [0.1, 0.2, 1j],
])
def test_bad_single_inputs_raise_pynets_error(fast, inputs):
    outcomes = []
    for backend in (pynet, fast):
        net = backend.NeuralNetwork(3, 2, 2, 0.3, seed=6)
        before = snapshot(net)
        for call in (lambda: net.train(inputs, [0.5, 0.5]), lambda: net.query(inputs),
                     lambda: net.query_many([inputs]), lambda: net.predict(inputs)):
            with pytest.raises((TypeError, ValueError)) as raised:
                call()
            outcomes.append((backend.__name__, raised.type, str(raised.value)))
        assert snapshot(net) == before
    half = len(outcomes) // 2
    assert [o[1:] for o in outcomes[:half]] == [o[1:] for o in outcomes[half:]]


# -- the pixel scaling -------------------------------------------------------------------------


def test_scale_pixels_matches_the_data_layer(fast):
    pixels = bytes(range(256)) * 5 + bytes([0, 255, 7])
    expected = pynet.app.mnist.scale_pixels(pixels)
    for form in (pixels, bytearray(pixels), memoryview(pixels), list(pixels)):
        got = fast.scale_pixels(form)
        assert isinstance(got, array.array) and got.typecode == "d"
        assert got.tobytes() == expected.tobytes()
    assert bits(list(fast.scale_pixels(bytes(range(256))))) == bits(pynet.conventions.PIXEL_SCALE)
    assert len(fast.scale_pixels(b"")) == 0
