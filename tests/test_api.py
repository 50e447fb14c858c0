"""The public API: names, shapes, seeds, the kinds of input accepted."""

import array
import math

import pytest

from helpers import bits


def test_layer_sizes_and_names(backend):
    net = backend.NeuralNetwork(5, [4, 3], 2, 0.25)
    assert net.layer_sizes == (5, 4, 3, 2)
    assert (net.in_nodes, net.hid_nodes, net.out_nodes, net.LR) == (5, (4, 3), 2, 0.25)
    assert [(len(W), len(W[0])) for W in net.get_weights()] == [(5, 4), (4, 3), (3, 2)]
    assert net.get_biases() == [[0.0] * 4, [0.0] * 3, [0.0] * 2]
    assert net.W_ih == net.get_weights()[0] and net.W_ho == net.get_weights()[-1]
    assert (net.rule, net.bias) == ("seed", False)
    assert "layer_sizes=(5, 4, 3, 2)" in repr(net)


def test_the_seeds_class_name_and_call(backend):
    n = backend.neuralNetwork(784, 100, 10, 0.3)
    assert (n.in_nodes, n.hid_nodes, n.out_nodes, n.LR) == (784, 100, 10, 0.3)
    assert len(n.W_ih) == 784 and len(n.W_ih[0]) == 100
    assert len(n.W_ho) == 100 and len(n.W_ho[0]) == 10
    n.LR = 0.1
    assert n.learning_rate == 0.1


def test_a_network_with_no_hidden_layer(backend):
    net = backend.NeuralNetwork(3, [], 2, 0.3, seed=1)
    assert net.layer_sizes == (3, 2)
    net.train([0.1, 0.2, 0.3], [0.99, 0.01])
    assert len(net.query([0.1, 0.2, 0.3])) == 2


def test_the_same_seed_gives_the_same_weights(backend):
    a = backend.NeuralNetwork(30, [20, 10], 5, 0.3, seed=42)
    b = backend.NeuralNetwork(30, [20, 10], 5, 0.3, seed=42)
    c = backend.NeuralNetwork(30, [20, 10], 5, 0.3, seed=43)
    assert bits(a.get_weights()) == bits(b.get_weights())
    assert a.get_weights() != c.get_weights()
    assert backend.NeuralNetwork(3, 2, 1, 0.3).get_weights() != backend.NeuralNetwork(3, 2, 1, 0.3).get_weights()


def test_the_generator_is_splitmix64():
    from pynet.initial import SplitMix64

    # the reference implementation's first outputs for seed 1234567
    stream = SplitMix64(1234567)
    assert [stream.next_int() for _ in range(3)] == [6457827717110365317, 3203168211198807973, 9817491932198370423]
    assert hex(SplitMix64(0).next_int()) == "0xe220a8397b1dcdaf"


def test_seeded_weights_are_pinned(backend):
    # The initial weights are part of the contract: a model seeded today must be
    # the same model on every machine and runtime, and in every later version.
    W = backend.NeuralNetwork(3, 2, 1, 0.3, seed=0).get_weights()
    assert [float.hex(w) for w in W[0][0] + W[1][0]] == ["-0x1.47d4e52da23ffp-2", "0x1.2ce09ae0f82e8p-3",
                                                          "0x1.0285969ebe6b5p-2"]


def test_initial_weights_have_the_seeds_spread(backend):
    # (I): deviation n(l)^-1/2, i.e. 0.1 for 100 neurons and about 0.316 for 10
    W1, W2 = backend.NeuralNetwork(784, 100, 10, 0.3, seed=9).get_weights()
    for W, expected in ((W1, 0.1), (W2, 10 ** -0.5)):
        values = [w for row in W for w in row]
        mean = sum(values) / len(values)
        deviation = math.sqrt(sum((w - mean) ** 2 for w in values) / len(values))
        assert abs(mean) < 4 * expected / math.sqrt(len(values))
        assert deviation == pytest.approx(expected, rel=0.05)


def test_train_returns_the_loss_of_the_forward_pass(backend):
    net = backend.NeuralNetwork(4, 3, 2, 0.3, seed=1)
    x, t = [0.1, 0.5, 0.9, 0.3], [0.99, 0.01]
    y = net.query(x)
    assert net.train(x, t) == pytest.approx(0.5 * ((t[0] - y[0]) ** 2 + (t[1] - y[1]) ** 2), rel=1e-15)


def test_train_many_is_a_loop_of_train(backend):
    rows = [[((k * 5 + i) % 7) / 7 + 0.01 for i in range(4)] for k in range(12)]
    targets = [[0.99, 0.01] if k % 2 else [0.01, 0.99] for k in range(12)]
    one, many = (backend.NeuralNetwork(4, [3, 3], 2, 0.3, seed=2, bias=True) for _ in range(2))
    losses = [one.train(x, t) for x, t in zip(rows, targets)]
    mean = many.train_many(rows, targets)
    assert bits(one.get_weights()) == bits(many.get_weights())
    assert bits(one.get_biases()) == bits(many.get_biases())
    total = 0.0
    for loss in losses:
        total += loss
    assert mean == total / len(losses)


def test_query_many_and_predict(backend):
    net = backend.NeuralNetwork(4, 5, 3, 0.3, seed=4)
    rows = [[0.1 * k, 0.2, 0.3, 0.05 * k] for k in range(6)]
    assert bits(net.query_many(rows)) == bits([net.query(r) for r in rows])
    for r in rows:
        y = net.query(r)
        assert net.predict(r) == y.index(max(y))


def test_every_kind_of_sequence_gives_the_same_answer(backend):
    net = backend.NeuralNetwork(4, 3, 2, 0.3, seed=8)
    x = [0.25, 0.5, 0.75, 1.0]
    expected = bits(net.query(x))
    doubles = array.array("d", x)
    for given in (tuple(x), doubles, memoryview(doubles), array.array("f", x), iter_free(x)):
        assert bits(net.query(given)) == expected
    assert bits(net.query([1, 0, 1, 0])) == bits(net.query([1.0, 0.0, 1.0, 0.0]))
    assert bits(net.query(array.array("B", [1, 0, 1, 0]))) == bits(net.query([1.0, 0.0, 1.0, 0.0]))


def iter_free(x):
    """A sequence type that is neither a list nor a tuple."""
    class Seq:
        def __len__(self):
            return len(x)

        def __getitem__(self, i):
            return x[i]
    return Seq()


def test_numpy_arrays_are_accepted_when_given(backend):
    np = pytest.importorskip("numpy")
    net = backend.NeuralNetwork(4, 3, 2, 0.3, seed=8)
    x = [0.25, 0.5, 0.75, 1.0]
    assert bits(net.query(np.array(x))) == bits(net.query(x))
    rows = np.array([x, x[::-1]])
    assert bits(net.query_many(rows)) == bits(net.query_many([x, x[::-1]]))
    a, b = (backend.NeuralNetwork(4, 3, 2, 0.3, seed=8) for _ in range(2))
    a.train_many(rows, np.array([[0.99, 0.01], [0.01, 0.99]]))
    b.train_many([x, x[::-1]], [[0.99, 0.01], [0.01, 0.99]])
    assert bits(a.get_weights()) == bits(b.get_weights())


def test_two_dimensional_buffers_are_rows(backend):
    x = [0.25, 0.5, 0.75, 1.0, 0.1, 0.2, 0.3, 0.4]
    view = memoryview(array.array("d", x)).cast("B").cast("d", (2, 4))
    net = backend.NeuralNetwork(4, 3, 2, 0.3, seed=8)
    assert bits(net.query_many(view)) == bits(net.query_many([x[:4], x[4:]]))


def test_backquery_gives_an_input_shaped_image_in_range(backend):
    net = backend.NeuralNetwork(6, [5, 4], 3, 0.3, seed=3, bias=True)
    image = net.backquery([0.99, 0.01, 0.01])
    assert len(image) == 6
    assert min(image) == pytest.approx(0.01) and max(image) == pytest.approx(0.99)


def test_backquery_by_hand(backend):
    # (Q1)-(Q4) on a 2-2-1 network, written out with math alone.
    net = backend.NeuralNetwork(2, 2, 1, 0.3)
    W1, W2 = [[0.5, -0.3], [0.2, 0.7]], [[0.4], [-0.6]]
    net.set_weights([W1, W2])
    z_out = math.log(0.8 / 0.2)
    hidden = [W2[0][0] * z_out, W2[1][0] * z_out]
    lo, hi = min(hidden), max(hidden)
    hidden = [(h - lo) / (hi - lo) * 0.98 + 0.01 for h in hidden]
    z_hidden = [math.log(h / (1 - h)) for h in hidden]
    image = [W1[i][0] * z_hidden[0] + W1[i][1] * z_hidden[1] for i in range(2)]
    lo, hi = min(image), max(image)
    expected = [(v - lo) / (hi - lo) * 0.98 + 0.01 for v in image]
    assert net.backquery([0.8]) == pytest.approx(expected, rel=1e-14)


def test_one_network_shared_by_threads_gives_the_same_answers(backend):
    import threading

    net = backend.NeuralNetwork(784, 100, 10, 0.3, seed=6)
    rows = [[((k * 31 + i * 7) % 256) / 255 * 0.99 + 0.01 for i in range(784)] for k in range(8)]
    expected = bits([net.query(r) for r in rows])
    expected_many = bits(net.query_many(rows))
    wrong = []

    def work():
        for _ in range(40):
            if bits([net.query(r) for r in rows]) != expected or bits(net.query_many(rows)) != expected_many:
                wrong.append(1)

    threads = [threading.Thread(target=work) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not wrong
