"""A query on two threads, and the helper thread that train_many and query share.

A query whose W(1) is large enough offers the right-hand columns of its pass over W(1)
to the process's helper thread (_helper.pxi, _split.pxi); output j of Y(1) is still
computed by one thread, in one order, so every query must give pynet's bits, whoever did
which columns. These tests check that the split path really ran (``Core.query_helped``
is not None), that the helper does take shares, and what a demanding user would check of
a thread the library starts: that it sleeps when idle, survives a fork, and serves one
call at a time when several threads query several networks.
"""

import os
import subprocess
import sys
import threading
import time

import pytest

import pynet
from helpers import bits, load_backend
from test_kernel_builds import build, runnable_builds, with_build  # noqa: F401 (build is a fixture)
from test_parity import made_data
from test_split import helper_mode  # noqa: F401 (a fixture)

HERE = os.path.dirname(os.path.abspath(__file__))


@pytest.fixture
def split_queries(monkeypatch):
    """pynet_fast's network module with queries splitting whenever they can: never kept to
    one thread after a long wait for the helper (on a busy machine any wait may be long)."""
    fast = load_backend("fast")
    from pynet_fast import network

    modules = [fast._select.load(name) for name in runnable_builds()]
    monkeypatch.setattr(network, "QUERY_SPLIT", 2)
    for module in modules:
        module._set_query_patience(1 << 62)
        module._reset_helper()
    yield network
    for module in modules:
        module._set_query_patience(-1)


def twins(n_in, hidden, n_out, bias=False, build=None):  # noqa: F811
    pure = pynet.NeuralNetwork(n_in, hidden, n_out, 0.3, seed=n_in + hidden[0], bias=bias)
    compiled = load_backend("fast").NeuralNetwork(n_in, hidden, n_out, 0.3, seed=n_in + hidden[0], bias=bias)
    if bias:  # biases that are not all zero
        inputs, targets = made_data(5, n_in, n_out, state=n_in)
        pure.train_many(inputs, targets)
        compiled.train_many(inputs, targets)
    return pure, (with_build(compiled, build) if build else compiled)


def large_enough(width):
    """Inputs enough for a W(1) of ``width`` columns to be split (QUERY_SPLIT_WEIGHTS weights)."""
    return (1 << 14) // width + 3


@pytest.mark.parametrize("width", [32, 33, 39, 40, 41, 47, 55, 56, 57, 100])
def test_each_split_width_queries_as_pynet(split_queries, build, width):  # noqa: F811
    n_in = large_enough(width)
    pure, compiled = twins(n_in, [width], 3, bias=True, build=build)
    rows, _ = made_data(6, n_in, 3, state=width)
    for row in rows:
        assert bits(pure.query(row)) == bits(compiled.query(row))
        assert compiled._core.query_helped is not None  # the split path ran
        assert bits(pure.query(tuple(row))) == bits(compiled.query(tuple(row)))  # (the loaded path)
        assert compiled._core.query_helped is not None


def test_two_hidden_layers_split_the_first(split_queries, build):  # noqa: F811
    pure, compiled = twins(700, [40, 17], 5, bias=True, build=build)
    rows, _ = made_data(4, 700, 5, state=2)
    for row in rows:
        assert bits(pure.query(row)) == bits(compiled.query(row))
        assert compiled._core.query_helped is not None


def test_small_layers_and_one_thread_do_not_split(split_queries, monkeypatch):
    pure, compiled = twins(64, [40], 10)  # 2,560 weights: not worth a second thread
    row = made_data(1, 64, 10, state=1)[0][0]
    assert bits(pure.query(row)) == bits(compiled.query(row))
    assert compiled._core.query_helped is None
    pure, compiled = twins(600, [31], 10)  # too narrow
    row = made_data(1, 600, 10, state=1)[0][0]
    assert bits(pure.query(row)) == bits(compiled.query(row))
    assert compiled._core.query_helped is None
    monkeypatch.setattr(split_queries, "QUERY_SPLIT", 1)
    pure, compiled = twins(600, [40], 10)
    assert bits(pure.query(row)) == bits(compiled.query(row))
    assert compiled._core.query_helped is None


@pytest.mark.serial  # times the helper thread: with no other tests beside it
def test_the_helper_takes_shares_of_queries_in_a_burst(split_queries):
    if split_queries._cpus() < 2:
        pytest.skip("one CPU: the helper may never get to run while a query waits")
    pure, compiled = twins(784, [100], 10)
    row = made_data(1, 784, 10, state=5)[0][0]
    expected = bits(pure.query(row))
    helped = 0
    deadline = time.monotonic() + 10
    while helped < 10 and time.monotonic() < deadline:
        assert bits(compiled.query(row)) == expected
        helped += compiled._core.query_helped is True
    assert helped >= 10  # within ten seconds of back-to-back queries, on two CPUs


@pytest.mark.serial  # times the helper thread: with no other tests beside it
def test_a_slow_helper_is_left_fewer_columns_of_a_query(split_queries, helper_mode):  # noqa: F811
    # the helper idles three times as long as each share took: every 32 queries it helps
    # with, the calling thread's share of W(1)'s 100 columns (56 to begin with) grows by 8
    if split_queries._cpus() < 2:
        pytest.skip("one CPU: the helper may never get to run while a query waits")
    helper_mode(3)
    pure, compiled = twins(200, [100], 10)
    rows = made_data(50, 200, 10, state=4)[0]
    expected = [bits(pure.query(row)) for row in rows]
    deadline = time.monotonic() + 30
    assert compiled._core.query_columns == 0  # none chosen before the first query
    while compiled._core.query_columns < 80 and time.monotonic() < deadline:
        for row, wanted in zip(rows, expected):
            assert bits(compiled.query(row)) == wanted
    assert compiled._core.query_columns >= 80
    assert compiled._core.query_columns <= 96  # the helper keeps a line of columns at least


@pytest.fixture
def handover():
    """Sets how every build's queries hand their input to the helper: 0, as they choose; 1,
    in place; 2, streamed to a copy (choose_handover)."""
    modules = [load_backend("fast")._select.load(name) for name in runnable_builds()]

    def choose(way):
        for module in modules:
            module._set_query_handover(way)

    yield choose
    choose(0)


@pytest.mark.serial  # times the helper thread: with no other tests beside it
@pytest.mark.parametrize("way", [1, 2])
@pytest.mark.parametrize("n_in", [784, 785, 1001])
def test_each_handover_of_the_input_gives_pynet_bits(split_queries, handover, n_in, way):
    # lists (streamed as they are read, counted after 64, 192, 448, 960 values and at the end)
    # and loaded inputs (streamed whole), of lengths that end past the last count, some with
    # an odd value at the end
    if split_queries._cpus() < 2:
        pytest.skip("one CPU: the helper may never get to run while a query waits")
    handover(way)
    pure, compiled = twins(n_in, [100], 10, bias=True)
    rows, _ = made_data(20, n_in, 10, state=n_in)
    expected = [bits(pure.query(row)) for row in rows]
    before = compiled._core.query_handovers
    helped = 0
    deadline = time.monotonic() + 20
    while helped < 20 and time.monotonic() < deadline:
        for row, wanted in zip(rows, expected):
            assert bits(compiled.query(row)) == wanted
            helped += compiled._core.query_helped is True
            assert bits(compiled.query(tuple(row))) == wanted  # (the loaded path)
            helped += compiled._core.query_helped is True
    assert helped >= 20
    after = compiled._core.query_handovers
    assert after[way - 1] - before[way - 1] == helped  # every query the helper helped with went that way
    assert after[2 - way] == before[2 - way]


@pytest.mark.serial  # times the helper thread: with no other tests beside it
def test_queries_try_both_handovers(split_queries, handover):
    # 32 queries helped with in the handover chosen, then 32 the other way, then the faster
    if split_queries._cpus() < 2:
        pytest.skip("one CPU: the helper may never get to run while a query waits")
    handover(0)
    pure, compiled = twins(784, [100], 10)
    row = made_data(1, 784, 10, state=7)[0][0]
    expected = bits(pure.query(row))
    deadline = time.monotonic() + 30
    while sum(compiled._core.query_handovers) < 64 and time.monotonic() < deadline:
        assert bits(compiled.query(row)) == expected
    in_place, streamed = compiled._core.query_handovers
    assert in_place + streamed >= 64
    assert in_place >= 32 and streamed >= 32


@pytest.mark.serial  # times the helper thread: with no other tests beside it
@pytest.mark.parametrize("at", [8, 16, 48])
def test_a_query_split_moves_back_from_any_width(at):
    # balance_query, fed timings: every 32 queries the helper helped with, the split moves a
    # line of columns (8) toward the thread that finished first, when the other finished
    # later by over ten of the calling thread's columns' time on average
    fast = load_backend("fast")
    columns = 100
    for name in runnable_builds():
        balanced = fast._select.load(name)._balanced_split
        per_column = 1e-7
        took = at * per_column
        helper_late = [(20 * per_column, took)] * 32  # the helper ends 20 columns' time later
        caller_late = [(-20 * per_column, took)] * 32
        assert balanced(at, columns, helper_late) == at + 8
        assert balanced(at, columns, caller_late) == max(at - 8, 8)  # a line of columns stays
        assert balanced(at, columns, helper_late[:31]) == at  # 32 queries between moves
        assert balanced(at, columns, [(5 * per_column, took)] * 32) == at  # a gap of 5 is left alone
        # a lag of a thread that lost its core for a moment counts as 20 columns at most: one
        # such query among 32 on time moves nothing
        assert balanced(at, columns, [(1e-3, took)] + [(0.0, took)] * 31) == at
        # ... on each thread
        assert balanced(96, columns, [(20 * per_column, 96 * per_column)] * 32) == 96


@pytest.mark.serial  # times the helper thread: with no other tests beside it
def test_a_helper_that_never_helps_or_none_at_all_changes_no_bit(split_queries, helper_mode):  # noqa: F811
    pure, compiled = twins(784, [100], 10)
    rows, _ = made_data(3, 784, 10, state=6)
    helper_mode(2)
    for row in rows:
        assert bits(pure.query(row)) == bits(compiled.query(row))
        assert compiled._core.query_helped is False
    helper_mode(1)
    for row in rows:
        assert bits(pure.query(row)) == bits(compiled.query(row))
        assert compiled._core.query_helped is None


@pytest.mark.serial  # times the helper thread: with no other tests beside it
def test_an_idle_helper_sleeps(split_queries):
    # after a burst of work the helper spins for about 50 µs, then sleeps: a process whose
    # networks are idle uses no CPU (a helper spinning for ever would use all of a core)
    pure, compiled = twins(784, [100], 10)
    inputs, targets = made_data(200, 784, 10, state=7)
    for row in inputs[:50]:
        compiled.query(row)
    compiled.train_many(inputs, targets)
    time.sleep(0.1)
    started_cpu, started = time.process_time(), time.monotonic()
    time.sleep(0.5)
    used, elapsed = time.process_time() - started_cpu, time.monotonic() - started
    assert used < 0.2 * elapsed, (used, elapsed)


FORKED = r"""
import os, sys, warnings
sys.path.insert(0, sys.argv[1])
warnings.simplefilter("ignore", DeprecationWarning)  # 3.12+: fork() with a thread running
from helpers import bits, load_backend
import pynet
from test_parity import made_data
from pynet_fast import network
network.QUERY_SPLIT = network.TRAIN_THREADS = 2
inputs, targets = made_data(80, 784, 10, state=8)
pure = pynet.NeuralNetwork(784, [100], 10, 0.3, seed=1)
compiled = load_backend("fast").NeuralNetwork(784, [100], 10, 0.3, seed=1)
sys.modules[type(compiled._core).__module__]._set_query_patience(1 << 62)  # no query kept to one thread
for net in (pure, compiled):
    net.train_many(inputs, targets)
for row in inputs[:20]:
    assert bits(pure.query(row)) == bits(compiled.query(row))
child = os.fork()
if child == 0:  # the helper thread is not in this process: a call must not wait for it
    try:
        for row in inputs[:20]:
            assert bits(pure.query(row)) == bits(compiled.query(row))
            assert compiled._core.query_helped is not None
        # new networks: no calls kept to one thread after the parent's
        fresh_pure = pynet.NeuralNetwork(784, [100], 10, 0.3, seed=2)
        fresh = load_backend("fast").NeuralNetwork(784, [100], 10, 0.3, seed=2)
        assert bits(fresh_pure.train_many(inputs, targets)) == bits(fresh.train_many(inputs, targets))
        assert fresh._core.threads_used == 2
        assert bits(fresh_pure.get_weights()) == bits(fresh.get_weights())
    except BaseException:
        import traceback
        traceback.print_exc()
        os._exit(1)
    os._exit(0)
_, status = os.waitpid(child, 0)
assert status == 0, status
for row in inputs[:20]:  # and the parent's helper still serves the parent
    assert bits(pure.query(row)) == bits(compiled.query(row))
    assert compiled._core.query_helped is not None
print("ok")
"""


@pytest.mark.serial  # times the helper thread: with no other tests beside it
@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork() here")
def test_a_forked_child_starts_a_helper_of_its_own(split_queries, tmp_path):
    script = tmp_path / "forked.py"
    script.write_text(FORKED)
    done = subprocess.run([sys.executable, str(script), HERE], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["ok"]


def test_threads_querying_and_training_networks_at_once_each_get_pynet_bits(split_queries, monkeypatch):
    # one call at a time has the helper; the others run on one thread, and all agree with pynet
    monkeypatch.setattr(split_queries, "TRAIN_THREADS", 2)
    pairs = [twins(784, [100], 10) for _ in range(3)]
    inputs, targets = made_data(70, 784, 10, state=9)
    failures = []

    def work(pure, compiled):
        try:
            for _ in range(3):
                for row in inputs[:15]:
                    if bits(pure.query(row)) != bits(compiled.query(row)):
                        failures.append("query")
                if bits(pure.train_many(inputs, targets)) != bits(compiled.train_many(inputs, targets)):
                    failures.append("train_many")
        except Exception as error:  # pragma: no cover (reported below)
            failures.append(repr(error))

    threads = [threading.Thread(target=work, args=pair) for pair in pairs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not any(thread.is_alive() for thread in threads)
    assert failures == []
    for pure, compiled in pairs:
        assert bits(pure.get_weights()) == bits(compiled.get_weights())


@pytest.mark.serial  # times the helper thread: with no other tests beside it
def test_train_many_wakes_a_sleeping_helper(split_queries, monkeypatch):
    if split_queries._cpus() < 2:
        pytest.skip("one CPU: the helper may never get to run while a step waits")
    monkeypatch.setattr(split_queries, "TRAIN_THREADS", 2)
    inputs, targets = made_data(400, 784, 10, state=10)
    helped = []
    for attempt in range(5):
        pure, compiled = twins(784, [100], 10)
        compiled.query(inputs[0])  # the helper is started (by the first call that wants it)
        time.sleep(0.05)  # and has long gone to sleep
        assert bits(pure.train_many(inputs, targets)) == bits(compiled.train_many(inputs, targets))
        assert compiled._core.threads_used == 2
        helped.append(compiled._core.split_counts[0])
        if helped[-1] > 0:
            break
    assert helped[-1] > 0, helped  # the steps the helper did, in each call


@pytest.mark.serial  # times the helper thread: with no other tests beside it
def test_queries_kept_from_the_helper_after_a_long_wait(split_queries, helper_mode):  # noqa: F811
    # patience 0: every wait for the helper counts as long, so after a query the helper
    # did, the next 256 keep to one thread, and the one after offers its share again
    if split_queries._cpus() < 2:
        pytest.skip("one CPU: the helper may never get to run while a query waits")
    helper_mode(0)  # a helper of this test's own, with no queries kept back yet
    pure, compiled = twins(784, [100], 10)
    core = compiled._core
    row = made_data(1, 784, 10, state=11)[0][0]
    expected = bits(pure.query(row))
    deadline = time.monotonic() + 10
    while core.query_helped is not True and time.monotonic() < deadline:
        assert bits(core.query_floats(row, 2, 0)) == expected
    assert core.query_helped is True
    kept = []
    for _ in range(256):
        assert bits(core.query_floats(row, 2, 0)) == expected
        kept.append(core.query_helped)
    assert kept == [None] * 256
    assert bits(core.query_floats(row, 2, 0)) == expected
    assert core.query_helped is not None


def placed_helper(helper_mode):  # noqa: F811
    """(pure, compiled, row, the compiled build's module, this thread's CPUs): a helper of mode 6
    started for the compiled network (with every CPU this thread has), on the lowest of them."""
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        pytest.skip("one CPU: nowhere for the helper to go")
    helper_mode(6)
    pure, compiled = twins(784, [100], 10)
    row = made_data(1, 784, 10, state=13)[0][0]
    assert bits(compiled.query(row)) == bits(pure.query(row))  # (the helper starts)
    return pure, compiled, row, sys.modules[type(compiled._core).__module__], cpus


def query_until(compiled, row, expected, done, seconds=30):
    """Query until done() or the deadline; how many of the queries the helper helped with."""
    helped = 0
    deadline = time.monotonic() + seconds
    while not done(helped) and time.monotonic() < deadline:
        assert bits(compiled.query(row)) == expected
        helped += compiled._core.query_helped is True
    return helped


@pytest.mark.serial  # times the helper thread: with no other tests beside it
@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="no CPU affinity to set here")
def test_a_helper_put_on_the_calling_threads_cpu_leaves_it(split_queries, helper_mode):  # noqa: F811
    # A system may queue a woken thread on the CPU of the thread that woke it while another
    # CPU idles; there the helper would wait behind the calling thread, or hold the CPU
    # while the calling thread waits for it. Mode 6 starts the helper on the lowest of its
    # CPUs alone; with the calling thread kept to that CPU as well, the helper must leave
    # it for its other CPUs, keep off it, and help.
    pure, compiled, row, module, cpus = placed_helper(helper_mode)
    expected = bits(pure.query(row))
    os.sched_setaffinity(0, {cpus[0]})
    try:
        helped = query_until(compiled, row, expected, lambda helped: helped >= 100 and module._helper_moves() > 0)
    finally:
        os.sched_setaffinity(0, cpus)
    assert module._helper_moves() >= 1
    assert helped >= 100
    assert os.sched_getaffinity(module._helper_thread_id()) == set(cpus[1:])


@pytest.mark.serial  # times the helper thread: with no other tests beside it
@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="no CPU affinity to set here")
def test_a_helper_that_left_a_cpu_may_use_every_cpu_again_once_paused_three_times(split_queries,
                                                                                  helper_mode):  # noqa: F811
    # Patience 0 makes every wait for the helper long: each query it helps with pauses it
    # (the next 256, 512 ... queries keep to one thread). Kept to its other CPUs, a helper
    # that keeps being paused only competes with other work there: after three pauses it
    # may use all of its CPUs again.
    pure, compiled, row, module, cpus = placed_helper(helper_mode)
    expected = bits(pure.query(row))
    os.sched_setaffinity(0, {cpus[0]})
    try:
        query_until(compiled, row, expected, lambda helped: module._helper_moves() > 0)
        assert os.sched_getaffinity(module._helper_thread_id()) == set(cpus[1:])
        module._set_query_patience(0)
        query_until(compiled, row, expected,
                    lambda helped: os.sched_getaffinity(module._helper_thread_id()) == set(cpus))
    finally:
        os.sched_setaffinity(0, cpus)
    assert os.sched_getaffinity(module._helper_thread_id()) == set(cpus)


class Real(float):
    """A float of a kind the compiled reading leaves to pynet.checks (it has a __float__ of its own)."""

    def __float__(self):
        return float.__float__(self)


def test_a_list_whose_reading_stops_midway_still_queries_as_pynet(split_queries):
    # the helper starts on its columns while the list is read: a list the compiled reading
    # gives up on half way (an item of another kind, a bad value) must leave the helper's
    # share over before the query goes the other way
    pure, compiled = twins(784, [100], 10)
    rows, _ = made_data(30, 784, 10, state=12)
    for k, row in enumerate(rows):
        assert bits(pure.query(row)) == bits(compiled.query(row))
        odd = list(row)
        odd[500 + k] = Real(odd[500 + k])
        assert bits(pure.query(odd)) == bits(compiled.query(odd))
        bad = list(row)
        bad[400 + k] = float("nan")
        for net in (pure, compiled):
            with pytest.raises(ValueError, match="finite"):
                net.query(bad)
        bad[400 + k] = "0.5"
        for net in (pure, compiled):
            with pytest.raises(TypeError):
                net.query(bad)
