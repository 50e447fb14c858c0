"""A 3-2-1 network worked through by hand with the seed's formulas.

The expected numbers come from the equations written out here with ``math``
alone, one scalar at a time, not from pynet's own code.
"""

import math

import pytest

W1 = [[0.9, 0.3], [0.2, 0.8], [0.1, 0.5]]  # W_ih: 3 inputs x 2 hidden
W2 = [[0.3], [0.6]]  # W_ho: 2 hidden x 1 output
X = [0.9, 0.1, 0.8]
T = [0.99]
RATE = 0.3


def act(x):
    return 1.0 / (1.0 + math.exp(-x))


def by_hand(rule):
    # forward
    h_in = [X[0] * W1[0][j] + X[1] * W1[1][j] + X[2] * W1[2][j] for j in range(2)]
    h = [act(z) for z in h_in]
    o_in = h[0] * W2[0][0] + h[1] * W2[1][0]
    o = act(o_in)
    # errors
    e_out = T[0] - o
    d_out = e_out * o * (1 - o)
    passed_back = e_out if rule == "seed" else d_out
    e_hid = [W2[0][0] * passed_back, W2[1][0] * passed_back]
    d_hid = [e_hid[j] * h[j] * (1 - h[j]) for j in range(2)]
    # updates
    new_W2 = [[W2[j][0] + RATE * h[j] * d_out] for j in range(2)]
    new_W1 = [[W1[i][j] + RATE * X[i] * d_hid[j] for j in range(2)] for i in range(3)]
    loss = 0.5 * e_out ** 2
    return o, loss, new_W1, new_W2


def close(a, b):
    assert a == pytest.approx(b, rel=1e-14, abs=1e-16)


@pytest.mark.parametrize("rule", ["seed", "exact"])
def test_one_step_matches_the_hand_computation(backend, rule):
    net = backend.NeuralNetwork(3, 2, 1, RATE, rule=rule)
    net.set_weights([W1, W2])
    output, loss, new_W1, new_W2 = by_hand(rule)

    close(net.query(X)[0], output)
    close(net.train(X, T), loss)
    got_W1, got_W2 = net.get_weights()
    for i in range(3):
        for j in range(2):
            close(got_W1[i][j], new_W1[i][j])
    for j in range(2):
        close(got_W2[j][0], new_W2[j][0])


def test_the_known_numbers(backend):
    # The same example with its numbers written down once, as a guard against
    # the hand computation and the code drifting together.
    net = backend.NeuralNetwork(3, 2, 1, RATE)
    net.set_weights([W1, W2])
    # hidden inputs 0.91 and 0.75; output input 0.3 * act(0.91) + 0.6 * act(0.75)
    assert net.query(X)[0] == pytest.approx(0.6505385420862, rel=1e-12)
    assert net.train(X, T) == pytest.approx(0.0576170407045, rel=1e-12)
    W1_after, W2_after = net.get_weights()
    assert W2_after[0][0] == pytest.approx(0.3165072098468, rel=1e-12)
    assert W1_after[2][1] == pytest.approx(0.5106512411246, rel=1e-12)


def test_the_rules_differ_only_below_the_output_layer(backend):
    seed_rule = backend.NeuralNetwork(3, 2, 1, RATE, rule="seed")
    exact_rule = backend.NeuralNetwork(3, 2, 1, RATE, rule="exact")
    for net in (seed_rule, exact_rule):
        net.set_weights([W1, W2])
        net.train(X, T)
    assert seed_rule.get_weights()[1] == exact_rule.get_weights()[1]
    assert seed_rule.get_weights()[0] != exact_rule.get_weights()[0]
