"""Bad input raises a clear TypeError or ValueError and changes nothing."""

import math

import pytest

from helpers import snapshot

NAN, INF = float("nan"), float("inf")


@pytest.fixture
def net(backend):
    return backend.NeuralNetwork(4, [3, 2], 2, 0.3, seed=5, bias=True)


GOOD_X = [0.1, 0.2, 0.3, 0.4]
GOOD_T = [0.01, 0.99]

BAD_TRAIN = [
    # (inputs, targets, exception, words the message must contain)
    ([0.1, 0.2, 0.3], GOOD_T, ValueError, "inputs has 3 values; the network expects 4"),
    (GOOD_X, [0.5], ValueError, "targets has 1 values; the network expects 2"),
    ([0.1, "0.2", 0.3, 0.4], GOOD_T, TypeError, "inputs[1] must be a real number, not str"),
    ([0.1, None, 0.3, 0.4], GOOD_T, TypeError, "inputs[1] must be a real number, not NoneType"),
    ([0.1, 0.2, 1j, 0.4], GOOD_T, TypeError, "inputs[2] must be a real number, not complex"),
    ([0.1, 0.2, 0.3, NAN], GOOD_T, ValueError, "inputs[3] must be finite"),
    (GOOD_X, [INF, 0.5], ValueError, "targets[0] must be finite"),
    (GOOD_X, [0.5, -INF], ValueError, "targets[1] must be finite"),
    ("0.1 0.2", GOOD_T, TypeError, "inputs must be a sequence of numbers, not str"),
    (42, GOOD_T, TypeError, "inputs must be a sequence of numbers, not int"),
    (GOOD_X, None, TypeError, "targets must be a sequence of numbers, not NoneType"),
]


@pytest.mark.parametrize("inputs, targets, error, words", BAD_TRAIN)
def test_bad_training_data_changes_nothing(net, inputs, targets, error, words):
    before = snapshot(net)
    with pytest.raises(error) as raised:
        net.train(inputs, targets)
    assert words in str(raised.value)
    assert snapshot(net) == before


@pytest.mark.parametrize("inputs, targets, error, words", BAD_TRAIN)
def test_bad_row_anywhere_in_train_many_changes_nothing(net, inputs, targets, error, words):
    before = snapshot(net)
    good = [GOOD_X] * 5, [GOOD_T] * 5
    with pytest.raises(error) as raised:
        net.train_many(good[0] + [inputs], good[1] + [targets])  # the bad pair comes last
    assert "[5]" in str(raised.value)
    assert snapshot(net) == before


@pytest.mark.parametrize("input_rows, target_rows, words", [
    ([GOOD_X] * 3, [GOOD_T] * 2, "input_rows has 3 rows but target_rows has 2"),
    ([], [], "input_rows is empty"),
    (None, [], "input_rows must be a sequence of rows"),
])
def test_mismatched_row_counts(net, input_rows, target_rows, words):
    before = snapshot(net)
    with pytest.raises((ValueError, TypeError)) as raised:
        net.train_many(input_rows, target_rows)
    assert words in str(raised.value)
    assert snapshot(net) == before


@pytest.mark.parametrize("method", ["query", "predict"])
@pytest.mark.parametrize("inputs, error", [([0.1] * 5, ValueError), ([0.1, NAN, 0.1, 0.1], ValueError),
                                           (["a"] * 4, TypeError)])
def test_bad_queries(net, method, inputs, error):
    before = snapshot(net)
    with pytest.raises(error, match="inputs"):
        getattr(net, method)(inputs)
    assert snapshot(net) == before


def test_bad_row_in_query_many(net):
    with pytest.raises(ValueError, match=r"rows\[2\] has 3 values"):
        net.query_many([GOOD_X, GOOD_X, [0.1, 0.2, 0.3]])


@pytest.mark.parametrize("rate, error", [(0, ValueError), (-0.1, ValueError), (NAN, ValueError), (INF, ValueError),
                                         ("0.3", TypeError), (None, TypeError)])
def test_bad_learning_rate(backend, net, rate, error):
    before = snapshot(net)
    with pytest.raises(error, match="learning_rate"):
        net.learning_rate = rate
    with pytest.raises(error, match="learning_rate"):
        net.LR = rate
    assert snapshot(net) == before
    with pytest.raises(error, match="learning_rate"):
        backend.NeuralNetwork(4, 3, 2, rate)


@pytest.mark.parametrize("sizes, error, words", [
    ((0, 3, 2), ValueError, "input_nodes must be at least 1, got 0"),
    ((4, -1, 2), ValueError, "hidden_nodes must be at least 1, got -1"),
    ((4, 3, 0), ValueError, "output_nodes must be at least 1"),
    ((4, [3, 0], 2), ValueError, "hidden_nodes[1] must be at least 1"),
    ((4.0, 3, 2), TypeError, "input_nodes must be an int, not float"),
    ((4, "3", 2), TypeError, "hidden_nodes must be an int, not str"),
    ((4, 3, True), TypeError, "output_nodes must be an int, not bool"),
    ((4, None, 2), TypeError, "hidden_nodes must be an int or a sequence of ints"),
])
def test_bad_layer_sizes(backend, sizes, error, words):
    with pytest.raises(error) as raised:
        backend.NeuralNetwork(*sizes, 0.3)
    assert words in str(raised.value)


@pytest.mark.parametrize("kwargs, error", [({"rule": "magic"}, ValueError), ({"bias": 1}, TypeError),
                                           ({"seed": 1.5}, TypeError), ({"seed": "1"}, TypeError)])
def test_bad_options(backend, kwargs, error):
    with pytest.raises(error):
        backend.NeuralNetwork(4, 3, 2, 0.3, **kwargs)


@pytest.mark.parametrize("outputs", [[0.0, 0.5], [0.5, 1.0], [1.2, 0.5], [-0.1, 0.5], [NAN, 0.5], [0.5]])
def test_backquery_outputs_must_lie_strictly_between_0_and_1(net, outputs):
    before = snapshot(net)
    with pytest.raises(ValueError, match="outputs"):
        net.backquery(outputs)
    assert snapshot(net) == before


def bad_weight_sets(net):
    weights, biases = net.get_weights(), net.get_biases()
    wrong_rows = [weights[0][:-1]] + weights[1:]
    wrong_cols = [[row[:-1] for row in weights[0]]] + weights[1:]
    not_finite = [[row[:] for row in W] for W in weights]
    not_finite[2][1][1] = NAN
    not_number = [[row[:] for row in W] for W in weights]
    not_number[1][0][0] = "x"
    return [
        ((wrong_rows,), ValueError, "weights[0] has 3 rows; expected 4"),
        ((wrong_cols,), ValueError, "weights[0][0] has 2 values; the network expects 3"),
        ((weights[:2],), ValueError, "weights has 2 matrices"),
        ((not_finite,), ValueError, "weights[2][1][1] must be finite"),
        ((not_number,), TypeError, "weights[1][0][0] must be a real number"),
        ((weights, biases[:1]), ValueError, "biases has 1 vectors"),
        ((weights, [biases[0], biases[1], [INF, 0.0]]), ValueError, "biases[2][0] must be finite"),
    ]


def test_bad_weights_change_nothing(net):
    for args, error, words in bad_weight_sets(net):
        before = snapshot(net)
        with pytest.raises(error) as raised:
            net.set_weights(*args)
        assert words in str(raised.value)
        assert snapshot(net) == before


def test_biases_on_a_network_without_them(backend):
    net = backend.NeuralNetwork(2, 2, 1, 0.3, seed=1)
    before = snapshot(net)
    with pytest.raises(ValueError, match="has no biases"):
        net.set_weights(net.get_weights(), [[0.0, 0.5], [0.0]])
    assert snapshot(net) == before
    net.set_weights(net.get_weights(), [[0.0, 0.0], [0.0]])  # zeros are fine
    assert snapshot(net) == before


def test_exception_messages_agree_with_the_checks_module(net):
    # The messages come from one place; a quick spot check that they say what they mean.
    with pytest.raises(ValueError) as raised:
        net.train([0.1, 0.2, 0.3, math.inf], GOOD_T)
    assert str(raised.value) == "inputs[3] must be finite, got inf"


@pytest.mark.parametrize("inputs, error, words", [
    ([10 ** 400, 0.1, 0.2, 0.3], ValueError, "inputs[0] must be finite, got a number too large for a float"),
    ({0.1, 0.2, 0.3, 0.4}, TypeError, "inputs must be a sequence of numbers, not set"),
    ({0: 0.1, 1: 0.2, 2: 0.3, 3: 0.4}, TypeError, "inputs must be a sequence of numbers, not dict"),
    ((x for x in GOOD_X), TypeError, "inputs must be a sequence of numbers, not generator"),
])
def test_inputs_that_are_not_ordered_finite_sequences(net, inputs, error, words):
    before = snapshot(net)
    with pytest.raises(error) as raised:
        net.train(inputs, GOOD_T)
    assert words in str(raised.value)
    assert snapshot(net) == before


def test_a_two_dimensional_view_is_not_one_input(net):
    import array

    view = memoryview(array.array("d", [0.1] * 16)).cast("B").cast("d", (4, 4))
    with pytest.raises(ValueError, match="inputs must be one-dimensional"):
        net.query(view)


def test_huge_integers_as_learning_rate_or_weights(backend, net):
    with pytest.raises(ValueError, match="learning_rate must be finite"):
        backend.NeuralNetwork(4, 3, 2, 10 ** 400)
    data = dict(net.to_dict(), version=1, weights=net.get_weights(), biases=net.get_biases())  # numbers as JSON
    data["weights"][0][1][2] = 10 ** 400
    with pytest.raises(ValueError, match=r"weights\[0\]\[1\]\[2\] must be finite"):
        backend.NeuralNetwork.from_dict(data)


def test_a_model_file_nested_too_deeply(backend, tmp_path):
    path = tmp_path / "deep.json"
    path.write_text("[" * 100000 + "]" * 100000)
    with pytest.raises(ValueError, match="is not a valid model file"):
        backend.NeuralNetwork.load(path)
