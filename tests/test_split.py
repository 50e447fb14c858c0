"""train_many on two threads gives pynet's bits, in every compiled build.

When a call has enough rows and W(1) is wide enough, pynet_fast splits each step's fused
pass over W(1) by columns between the calling thread and a helper thread, on a copy of
W(1) in two panels (_split.pxi). Column j is still computed by one thread, in one order,
so nothing may differ from pynet: not the losses, not a weight, not a bias. These tests
check that the split really ran (``Core.threads_used``), for every width around the
point where the columns are divided, with biases, both error rules and two hidden
layers, and that a refused call leaves the weights as they were.
"""

import sys

import pytest

import pynet
from helpers import ROOT, bits, load_backend
from test_kernel_builds import build, runnable_builds, with_build  # noqa: F401 (build is a fixture)
from test_parity import made_data


@pytest.fixture
def split_network(monkeypatch):
    """pynet_fast's network module with train_many splitting whenever it can."""
    load_backend("fast")
    from pynet_fast import network

    monkeypatch.setattr(network, "TRAIN_THREADS", 2)
    return network


def train_both(build, hidden, bias=False, rule="seed", count=None, n_in=23, n_out=4):  # noqa: F811
    from pynet_fast import network

    count = count or network.ROWS_TO_SPLIT + 3
    inputs, targets = made_data(count, n_in, n_out, state=sum(hidden) * 31 + n_in)
    pure = pynet.NeuralNetwork(n_in, hidden, n_out, 0.3, seed=len(hidden) + hidden[0], bias=bias, rule=rule)
    fast = load_backend("fast")
    compiled = with_build(fast.NeuralNetwork(n_in, hidden, n_out, 0.3, seed=len(hidden) + hidden[0], bias=bias,
                                             rule=rule), build)
    losses = [bits(net.train_many(inputs, targets)) for net in (pure, compiled)]
    assert losses[0] == losses[1], hidden
    assert bits([pure.get_weights(), pure.get_biases()]) == bits(
        [compiled.get_weights(), compiled.get_biases()]), hidden
    assert bits(pure.query_many(inputs[:4])) == bits(compiled.query_many(inputs[:4])), hidden
    return compiled


@pytest.mark.parametrize("width", [32, 33, 39, 40, 41, 47, 48, 49, 55, 56, 57, 100, 113, 150, 233])
def test_each_split_width_matches_pynet(split_network, build, width):  # noqa: F811
    # from 113 columns on, a panel is held in two pieces or more (pieces_in, _train.pxi)
    net = train_both(build, [width], bias=width % 2 == 1, rule="exact" if width % 3 == 0 else "seed")
    assert net._core.threads_used == 2, "the split did not run"


@pytest.mark.parametrize("width", [56, 57, 100, 150, 233])
def test_each_width_on_one_thread_matches_pynet(split_network, monkeypatch, build, width):  # noqa: F811
    # one thread: from 57 columns on, W(1) is held in pieces for the call
    monkeypatch.setattr(split_network, "TRAIN_THREADS", 1)
    net = train_both(build, [width], bias=width % 2 == 0, rule="exact" if width % 3 == 0 else "seed")
    assert net._core.threads_used == 1


@pytest.mark.parametrize("width", [1, 3, 4, 55, 56, 57, 60, 64, 100, 104, 111, 112, 113, 150, 200, 233, 1000])
def test_panels_are_held_in_pieces_of_at_most_56_columns(build, width):  # noqa: F811
    module = load_backend("fast")._select.load(build)
    pieces = module._panel_pieces(width)
    assert sum(pieces) == width and min(pieces) > 0
    if build == "avx512":  # its pass walks columns down, in runs of its own: one piece
        assert pieces == [width]
    else:
        assert len(pieces) == -(-width // 56) and max(pieces) <= 56
        assert all(piece % 4 == 0 for piece in pieces[:-1]) and max(pieces) - min(pieces) <= 7
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import floor
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    assert floor.pieces(width, build) == pieces  # the benchmark's copy of the rule


@pytest.mark.parametrize("first, second", [(40, 3), (64, 33), (35, 70)])
def test_two_hidden_layers_split_the_first(split_network, build, first, second):  # noqa: F811
    net = train_both(build, [first, second], bias=True)
    assert net._core.threads_used == 2


@pytest.mark.serial  # times the helper thread: with no other tests beside it
@pytest.mark.parametrize("bias", [False, True])
def test_no_hidden_layer_splits_the_output_layer(split_network, build, bias):  # noqa: F811
    # W(1) is the output layer: each thread computes every output's error from the whole
    # Y(1), and its own columns' deltas; calls until the helper has been in a run (on a
    # busy machine it may come late, and a call after one it did little in keeps to one
    # thread)
    import time

    inputs, targets = made_data(300, 30, 40, state=2)
    pure = pynet.NeuralNetwork(30, [], 40, 0.3, seed=1, bias=bias)
    compiled = with_build(load_backend("fast").NeuralNetwork(30, [], 40, 0.3, seed=1, bias=bias), build)
    helped, calls = 0, 0
    deadline = time.monotonic() + 60
    while (helped == 0 or calls < 4) and time.monotonic() < deadline:
        assert bits(pure.train_many(inputs, targets)) == bits(compiled.train_many(inputs, targets))
        assert calls > 0 or compiled._core.threads_used == 2
        if compiled._core.split_counts is not None:
            helped += compiled._core.split_counts[0]
        calls += 1
        assert bits([pure.get_weights(), pure.get_biases()]) == bits(
            [compiled.get_weights(), compiled.get_biases()])
    assert helped > 0


def test_mnist_sized_network_matches_pynet(split_network, build):  # noqa: F811
    net = train_both(build, [100], n_in=784, n_out=10)
    assert net._core.threads_used == 2


def test_narrow_layers_and_short_calls_keep_to_one_thread(split_network):
    net = train_both("portable", [31])
    assert net._core.threads_used == 1
    net = train_both("portable", [64], count=split_network.ROWS_TO_SPLIT - 1)
    assert net._core.threads_used == 1


def test_one_thread_when_told(split_network, monkeypatch):
    monkeypatch.setattr(split_network, "TRAIN_THREADS", 1)
    net = train_both("portable", [64])
    assert net._core.threads_used == 1


def test_successive_split_calls_continue_from_each_others_weights(split_network, build):  # noqa: F811
    inputs, targets = made_data(150, 30, 5, state=7)
    pure = pynet.NeuralNetwork(30, 50, 5, 0.2, seed=11, bias=True)
    compiled = with_build(load_backend("fast").NeuralNetwork(30, 50, 5, 0.2, seed=11, bias=True), build)
    for first in (0, 80):  # two calls, a single train and a query between them
        for net in (pure, compiled):
            net.train_many(inputs[first:first + 70], targets[first:first + 70])
        # (the second call keeps to one thread if the helper did not help in the first:
        # the machine is busy then)
        assert compiled._core.threads_used == 2 or first > 0
        for net in (pure, compiled):
            net.train(inputs[first], targets[first])
        assert bits(pure.query(inputs[3])) == bits(compiled.query(inputs[3]))
    assert bits([pure.get_weights(), pure.get_biases()]) == bits([compiled.get_weights(), compiled.get_biases()])


def test_a_diverging_split_call_is_refused_and_changes_nothing(split_network):
    fast = load_backend("fast")
    net = fast.NeuralNetwork(6, 40, 2, 1e300, seed=5, bias=True)
    before = bits([net.get_weights(), net.get_biases()])
    rows = [[0.5] * 6] * 60 + [[1e10] * 6] * 10
    with pytest.raises(ValueError, match="training diverged"):
        net.train_many(rows, [[0.9, 0.1]] * 60 + [[1e10, -1e10]] * 10)
    assert net._core.threads_used == 2
    assert bits([net.get_weights(), net.get_biases()]) == before


IMPATIENT = r"""
import sys
import time
sys.path.insert(0, sys.argv[1])
import pynet
from helpers import bits, load_backend
from test_parity import made_data

fast = load_backend("fast")
inputs, targets = made_data(3000, 20, 3, state=5)
pure = pynet.NeuralNetwork(20, 40, 3, 0.3, seed=2)
loss = pure.train_many(inputs, targets)
deadline = time.monotonic() + 60
while True:  # until the helper has taken two steps (on a busy machine it may be slow to wake)
    compiled = fast.NeuralNetwork(20, 40, 3, 0.3, seed=2)
    core = compiled._core
    assert bits(core.train_rows(core.rows(inputs, 20), core.rows(targets, 3), 0.3, False, False, 2, 0)) == bits(loss)
    assert bits(pure.get_weights()) == bits(compiled.get_weights()), "weights"
    if core.split_counts[0] > 1 or time.monotonic() > deadline:
        break
print(core.threads_used, *core.split_counts)
"""


@pytest.mark.serial  # times the helper thread: with no other tests beside it
def test_steps_kept_from_the_helper_after_a_long_wait_still_match_pynet(split_network, tmp_path):
    # patience 0: every wait for the helper counts as long, so after the first the caller
    # keeps 32 steps to itself, then 64, ... and the two threads must still agree on whose
    # step is whose
    # (a mistake there hangs both: hence a process of its own, with a time limit)
    import os
    import subprocess
    import sys

    here = os.path.dirname(os.path.abspath(__file__))
    script = tmp_path / "impatient.py"
    script.write_text(IMPATIENT)
    done = subprocess.run([sys.executable, str(script), here], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    threads, helped, long_waits = map(int, done.stdout.split())
    assert threads == 2
    assert helped == long_waits  # each step the helper did was a long wait, and then a pause
    # one step at the first run, one at the run offered at once after it, then one after each
    # pause of 32, 64, 128 ... steps that ends within the call's 3,000 (the helper had gone to
    # sleep during each, and was woken when steps were offered again)
    assert 2 <= long_waits <= 2 + len([m for m in range(1, 12) if 32 * (2 ** m - 1) < 3000])


@pytest.fixture
def helper_mode():
    """``helper_mode(mode)``: every compiled build's helper becomes ``mode`` (1: no thread to be
    had; 2: a helper that never helps) until the test ends, then a real helper again."""
    fast = load_backend("fast")
    modules = [fast._select.load(name) for name in runnable_builds()]

    def switch(mode):
        for module in modules:
            module._set_helper_mode(mode)
            module._forget_helper()

    yield switch
    switch(0)


def calls_on_two_threads(helper_mode, mode, calls, rows=70):
    """Which calls of train_many ran on two threads (and the counts of each), with helper ``mode``;
    each call's bits are pynet's."""
    helper_mode(mode)
    inputs, targets = made_data(rows, 12, 3, state=3)
    pure = pynet.NeuralNetwork(12, 40, 3, 0.3, seed=4)
    compiled = load_backend("fast").NeuralNetwork(12, 40, 3, 0.3, seed=4)
    used, counts = [], []
    for _ in range(calls):
        assert bits(pure.train_many(inputs, targets)) == bits(compiled.train_many(inputs, targets))
        used.append(compiled._core.threads_used)
        counts.append(compiled._core.split_counts)
    assert bits(pure.get_weights()) == bits(compiled.get_weights())
    return used, counts


@pytest.mark.serial  # times the helper thread: with no other tests beside it
def test_a_helper_that_never_comes_costs_nothing_and_is_offered_every_call(split_network, helper_mode):
    # a thread that has not come yet is no sign of busy cores (a virtual machine can take
    # milliseconds to run a woken thread): every call offers it the steps, and does them
    used, counts = calls_on_two_threads(helper_mode, 2, 6)
    assert used == [2] * 6
    assert counts == [(0, 0)] * 6


@pytest.mark.serial  # times the helper thread: with no other tests beside it
def test_a_helper_that_stops_helping_is_paused_and_tried_less_often(split_network, helper_mode):
    # mode 4 takes one step each time it is woken: of the 64 steps offered from its first
    # on it took one, so the call offers it a new run at once, then pauses (32 steps, then
    # 64 ...) and wakes it again; it
    # did far fewer than half of the steps, so the next calls keep to one thread, 1, then
    # 2, then 4 ... of them
    import time

    def paused_as_ruled(used, helped):
        # from the first call the helper took steps in: two threads, then one, then two, two
        # calls on one, two, four on one, two ... and the helper woken a few times a call
        if not any(helped[:5]):  # a new thread may come only in a later call
            return False
        first = next(k for k, n in enumerate(helped) if n)
        return (used[first:first + 11] == [2, 1, 2, 1, 1, 2, 1, 1, 1, 1, 2]
                and all(1 <= n <= 5 for n in helped[first:first + 11] if n is not None))

    # on a loaded machine a woken helper may not come within a call (a count of 0): such a
    # call is no sign of a helper that stops helping, so the next call offers it the steps
    # again, and the pattern starts over; each try starts a new helper, for up to a minute
    deadline = time.monotonic() + 60
    while True:
        used, counts = calls_on_two_threads(helper_mode, 4, 16, rows=2000)
        helped = [c[0] if c else None for c in counts]
        if paused_as_ruled(used, helped) or time.monotonic() > deadline:
            break
    assert paused_as_ruled(used, helped), (used, counts)


@pytest.mark.serial  # times the helper thread: with no other tests beside it
def test_a_helper_late_now_and_then_is_offered_a_new_run_at_once(split_network, helper_mode):
    # mode 8 idles 50 µs before it claims every 1,500th share (the host stopped its CPU for
    # a moment): the calling thread takes that share back and the helper leaves the run.
    # Such a leaving, 1,024 steps or more after the last, is offered a new run at the next
    # step, so the helper misses only the steps of its absence, some 25-50 of a 12-40-3
    # network's, two or three times a call (pausing it 256 steps, then 512, as every leaving
    # once did, lost 800 or more). Mode 9, late every 64th share, leaves too often: the call
    # pauses it, 32 steps, then 64 ..., and it does few.
    import time

    def lost_steps(mode):
        """Of three 4,000-row calls, the fewest steps the helper did not do in one (a call the
        one before kept to one thread, the helper having done fewer than half, counts none)."""
        deadline = time.monotonic() + 60
        while True:  # a new thread may not come within a call on a loaded machine
            used, counts = calls_on_two_threads(helper_mode, mode, 3, rows=4000)
            helped = max(c[0] if c else 0 for c in counts)
            if helped or time.monotonic() > deadline:
                break
        assert helped, (used, counts)
        return used, counts, 3999 - helped

    used, counts, lost = lost_steps(9)
    assert lost > 2000, (used, counts)  # paused for longer and longer
    deadline = time.monotonic() + 60
    while True:  # (a real moment without its CPU, besides the hiccups, may cost a pause)
        used, counts, lost = lost_steps(8)
        if lost < 500 or time.monotonic() > deadline:
            break
    assert lost < 500, (used, counts)


@pytest.mark.serial  # times the helper thread: with no other tests beside it
def test_a_helper_slow_to_come_still_helps_once_it_is_there(split_network, helper_mode):
    # mode 5 idles 5 ms before its first share (a slow wake), long past the first 64 steps
    # of a 12-40-3 network: it is judged from the step it first takes, and helps the rest
    import time

    fast = load_backend("fast")
    inputs, targets = made_data(20000, 12, 3, state=3)
    pure = pynet.NeuralNetwork(12, 40, 3, 0.3, seed=4)
    loss = pure.train_many(inputs, targets)
    # on a loaded machine the new thread may get no core for the whole call: each try
    # starts a new late helper, until one has come, or a minute has passed
    deadline = time.monotonic() + 60
    while True:
        helper_mode(5)
        compiled = fast.NeuralNetwork(12, 40, 3, 0.3, seed=4)
        assert bits(compiled.train_many(inputs, targets)) == bits(loss)
        assert bits(compiled.get_weights()) == bits(pure.get_weights())
        assert compiled._core.threads_used == 2
        helped, _ = compiled._core.split_counts
        if helped > 1000 or time.monotonic() > deadline:
            break
    assert helped > 1000, compiled._core.split_counts  # (a long wait or two: its core taken for a moment)


STALLING = r"""
import sys
import time
sys.path.insert(0, sys.argv[1])
import pynet
from helpers import bits, load_backend
from test_kernel_builds import with_build
from test_parity import made_data

fast = load_backend("fast")
module = fast._select.load(sys.argv[2])
module._set_helper_mode(7)
module._forget_helper()
inputs, targets = made_data(3000, 20, 3, state=6)
pure = pynet.NeuralNetwork(20, 40, 3, 0.3, seed=3, bias=True)
loss = pure.train_many(inputs, targets)
deadline = time.monotonic() + 60
helped = 0
while helped < 1000 and time.monotonic() < deadline:  # (a busy machine may run the helper late)
    compiled = with_build(fast.NeuralNetwork(20, 40, 3, 0.3, seed=3, bias=True), sys.argv[2])
    core = compiled._core
    assert type(core).__module__ == module.__name__
    assert bits(core.train_rows(core.rows(inputs, 20), core.rows(targets, 3), 0.3, False, True, 2)) == bits(loss)
    assert bits([pure.get_weights(), pure.get_biases()]) == bits([compiled.get_weights(), compiled.get_biases()])
    helped = core.split_counts[0]
print(helped)
"""


def test_either_thread_a_step_ahead_of_the_other_still_matches_pynet(split_network, build, tmp_path):  # noqa: F811
    # mode 7: now and then the helper idles after sending its part of Y(1), so that the
    # calling thread runs a step ahead and sends its next lines before the helper has read
    # the last; and the calling thread idles after sending its lines, so that the helper
    # runs ahead. Each way there are two sets of lines, for odd and even shares: with one,
    # the thread ahead would write over lines not read yet (wrong bits, or both threads
    # waiting for ever: hence a process of its own, with a time limit).
    import os
    import subprocess
    import sys

    here = os.path.dirname(os.path.abspath(__file__))
    script = tmp_path / "stalling.py"
    script.write_text(STALLING)
    done = subprocess.run([sys.executable, str(script), here, build], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) >= 1000  # the steps the helper did, of 2,999


@pytest.mark.serial  # times the helper thread: with no other tests beside it
def test_a_new_helper_never_takes_an_old_reply_for_its_own(split_network, helper_mode):
    # the helper sends each step's outputs back in lines marked with the step's share number
    # (_helper.pxi, reply_lines); a new helper numbers its shares from 1 again, so a
    # network's lines may still carry an old helper's number. Here the new helper never
    # helps, and the calling thread must not take the old lines for its replies when the
    # new numbers pass the old one.
    import time

    fast = load_backend("fast")
    helper_mode(0)
    compiled = fast.NeuralNetwork(12, 40, 3, 0.3, seed=6)
    first_inputs, first_targets = made_data(500, 12, 3, state=8)
    deadline = time.monotonic() + 60
    while True:  # until the helper did a call's last step (on a loaded machine it may come late)
        compiled.train_many(first_inputs, first_targets)
        old = max(compiled._core.reply_numbers)
        if old > 0 or time.monotonic() > deadline:
            break
    assert old > 0, compiled._core.split_counts

    pure = pynet.NeuralNetwork(12, 40, 3, 0.3, seed=6)
    compiled.set_weights(pure.get_weights())  # (the reply's lines stay as they are)
    helper_mode(2)
    if old > 60:  # the new helper's numbers brought to just short of the old one, on another network
        burn_inputs, burn_targets = made_data(old - 49, 12, 3, state=9)
        fast.NeuralNetwork(12, 40, 3, 0.3, seed=7).train_many(burn_inputs, burn_targets)
    inputs, targets = made_data(100, 12, 3, state=5)
    for _ in range(70):  # (after a helper that came late, the next calls may keep to one thread)
        losses = [bits(net.train_many(inputs, targets)) for net in (pure, compiled)]
        assert losses[0] == losses[1]
        if compiled._core.split_counts is not None:
            break
    assert compiled._core.split_counts == (0, 0)
    assert bits(pure.get_weights()) == bits(compiled.get_weights())


def test_no_thread_to_be_had_means_one_thread(split_network, helper_mode):
    helper_mode(1)
    net = train_both("portable", [48])
    assert net._core.threads_used == 1


@pytest.mark.parametrize("value, expected", [("1", "1 1"), ("", None), ("no", None), ("0", None)])
def test_pynet_fast_threads_caps_the_threads(value, expected, tmp_path):
    import os
    import subprocess
    import sys

    load_backend("fast")
    from pynet_fast.network import _cpus

    env = dict(os.environ, PYNET_FAST_THREADS=value)
    done = subprocess.run([sys.executable, "-W", "always", "-c",
                           "from pynet_fast import network; print(network.TRAIN_THREADS, network.QUERY_THREADS)"],
                          capture_output=True, text=True, env=env, timeout=60,
                          cwd=str(tmp_path))  # the installed pynet_fast, not a source tree in the folder run from
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == (expected or "%d %d" % (min(2, _cpus()), _cpus())).split()
    assert ("PYNET_FAST_THREADS" in done.stderr) == (value in ("no", "0"))
