"""``pynet.app.training.train``: the training a notebook calls, and the record it leaves."""

import pytest

from helpers import bundled_mnist, snapshot

from pynet.app import record, training
from pynet.app.history import History


def small_sets(train=200, test=60):
    train_set, test_set = bundled_mnist()
    return train_set.head(train), test_set.head(test)


def network_of(backend, seed=3, hidden=16, **options):
    return backend.NeuralNetwork(784, hidden, 10, 0.3, seed=seed, **options)


def test_train_returns_a_history_and_records_the_run(backend):
    train_set, test_set = small_sets()
    network = network_of(backend)
    history = training.train(network, train_set, epochs=2, validation=50, test_set=test_set, shuffle=True, seed=8)
    assert isinstance(history, History) and not history.stopped_early
    assert [e["epoch"] for e in history.epochs] == [1, 2]
    for epoch in history.epochs:
        assert 0 <= epoch["train_accuracy"] <= 1 and 0 <= epoch["validation_accuracy"] <= 1
        assert "test_accuracy" not in epoch  # the test set is evaluated once, at the end
        assert epoch["loss"] > 0 and epoch["learning_rate"] == 0.3
    assert history.kept_epoch == 2 and 0 < history.test_accuracy <= 1
    # at least 20 running-loss points per epoch, in order, ending each epoch
    positions = [p for p, _ in history.running_loss]
    assert positions == sorted(positions) and len(positions) >= 2 * 20
    assert positions[-1] == 2.0 and 1.0 in positions
    run = network.training[-1]
    assert run == history.record and record.check_run(run) is run
    assert run["seed"] == 8 and run["resumed"] is False and run["keep"] == "last" and run["shuffle"]
    assert run["backend"] == backend.BACKEND and run["layer_sizes"] == [784, 16, 10]
    assert run["data"]["train"]["images"] == 150 and run["data"]["validation"]["images"] == 50
    assert run["data"]["test"] == record.data_summary(test_set)
    assert run["history"] == history.epochs and run["test_accuracy"] == history.test_accuracy


def test_the_held_out_images_are_never_trained_on(backend):
    train_set, _ = small_sets()
    held_out = network_of(backend)
    training.train(held_out, train_set, validation=50, train_accuracy=0, seed=1)
    head_only = network_of(backend)
    training.train(head_only, train_set.head(150), train_accuracy=0, seed=1)
    assert snapshot(held_out) == snapshot(head_only)


def test_validation_accuracy_is_that_of_the_last_images(backend):
    from pynet.app.backend import Backend
    from pynet.app.metrics import accuracy
    train_set, _ = small_sets()
    network = network_of(backend)
    history = training.train(network, train_set, validation=40, seed=2)
    rest, held_out = training.split_validation(train_set, 40)
    assert len(rest) == 160 and held_out.labels == train_set.labels[160:]
    correct, count = accuracy(network, Backend(backend), held_out)
    assert history.epochs[0]["validation_accuracy"] == correct / count


def test_keep_best_restores_the_best_epoch(backend):
    train_set, test_set = small_sets()
    network = network_of(backend)
    snapshots = []
    history = training.train(network, train_set, epochs=4, validation=50, test_set=test_set, keep="best",
                             lr_decay=3.0, seed=5, on_epoch=lambda h: snapshots.append(snapshot(network)))
    accuracies = [e["validation_accuracy"] for e in history.epochs]
    best = accuracies.index(max(accuracies)) + 1
    assert history.kept_epoch == best and history.record["kept_epoch"] == best
    assert snapshot(network)[0] == snapshots[best - 1][0]
    assert network.learning_rate == history.epochs[best - 1]["learning_rate"]


def test_test_each_epoch(backend):
    train_set, test_set = small_sets()
    history = training.train(network_of(backend), train_set, epochs=2, test_set=test_set, test_each_epoch=True,
                             seed=1)
    assert all(0 <= e["test_accuracy"] <= 1 for e in history.epochs)
    assert history.test_accuracy == history.epochs[-1]["test_accuracy"]


def test_same_seed_same_weights_and_record_on_both_backends(pure, fast):
    train_set, test_set = small_sets()
    runs = []
    for module in (pure, fast):
        network = network_of(module, seed=4, bias=True)
        training.train(network, train_set, epochs=2, validation=30, keep="best", test_set=test_set, shuffle=True,
                       augment=1, seed=4, chunk=7)
        runs.append((snapshot(network), record.reproducible_part(network.training[-1])))
    assert runs[0] == runs[1]


def test_a_seed_is_drawn_and_recorded_when_none_is_given(backend):
    train_set, _ = small_sets(60)
    network = network_of(backend)
    history = training.train(network, train_set)
    assert 0 <= history.record["seed"] < 10 ** 9
    again = network_of(backend)
    training.train(again, train_set, seed=history.record["seed"])
    assert snapshot(again) == snapshot(network)


def test_resuming_appends_a_run(backend):
    train_set, _ = small_sets(80)
    network = network_of(backend)
    training.train(network, train_set, seed=1)
    training.train(network, train_set, epochs=2, seed=2)
    assert [run["resumed"] for run in network.training] == [False, True]
    assert [run["seed"] for run in network.training] == [1, 2]


@pytest.mark.parametrize("options, error, words", [
    ({"epochs": 0}, ValueError, "epochs must be at least 1"),
    ({"epochs": 1.5}, TypeError, "epochs must be a whole number"),
    ({"validation": 200}, ValueError, "none would be left to train on"),
    ({"validation": -1}, ValueError, "validation must be at least 0"),
    ({"keep": "best"}, ValueError, "needs validation images"),
    ({"keep": "first", "validation": 5}, ValueError, "keep must be 'last' or 'best'"),
    ({"lr_decay": 0}, ValueError, "lr_decay"),
    ({"augment": -2}, ValueError, "augment must be at least 0"),
    ({"seed": "x"}, TypeError, "seed must be a whole number"),
])
def test_bad_arguments_change_nothing(backend, options, error, words):
    train_set, _ = small_sets()
    network = network_of(backend)
    before = snapshot(network)
    with pytest.raises(error, match=words):
        training.train(network, train_set, **options)
    assert snapshot(network) == before and network.training == []


def test_data_that_does_not_fit_the_network_changes_nothing(backend):
    train_set, test_set = small_sets()
    network = backend.NeuralNetwork(100, 5, 10, 0.3, seed=1)
    before = snapshot(network)
    with pytest.raises(ValueError, match="takes 100 inputs"):
        training.train(network, train_set)
    few_outputs = backend.NeuralNetwork(784, 5, 3, 0.3, seed=1)
    with pytest.raises(ValueError, match="MNIST needs 10"):
        training.train(few_outputs, train_set)
    assert snapshot(network) == before
    with pytest.raises(TypeError, match="pynet or pynet_fast"):
        training.train(object(), train_set)


class StopAfter:
    """A ``stop`` that asks to stop once ``steps`` train_many calls have been made."""

    def __init__(self, steps):
        self.steps = steps
        self.requested = False
        self._in_step = False

    @property
    def in_step(self):
        return self._in_step

    @in_step.setter
    def in_step(self, value):
        if self._in_step and not value:
            self.steps -= 1
            if self.steps <= 0:
                self.requested = True
        self._in_step = value


def test_stopping_keeps_what_was_trained_and_says_so(backend):
    train_set, test_set = small_sets()
    network = network_of(backend)
    history = training.train(network, train_set, epochs=3, test_set=test_set, chunk=3, seed=1, stop=StopAfter(10))
    assert history.stopped_early and history.record["stopped_early"]
    assert history.epochs == [] and history.kept_epoch is None and history.test_accuracy is None
    assert history.stopped_at == (1, 30, 200)
    assert len(history.running_loss) >= 1 and history.running_loss[-1][0] == 30 / 200
    assert network.training[-1]["stopped_early"] is True


def test_stopping_with_keep_best_keeps_the_best_finished_epoch(backend):
    train_set, _ = small_sets()
    network = network_of(backend)
    snapshots = []
    steps_per_epoch = 150 // 3
    history = training.train(network, train_set, epochs=5, validation=50, keep="best", chunk=3, seed=1,
                             stop=StopAfter(2 * steps_per_epoch + 5),
                             on_epoch=lambda h: snapshots.append(snapshot(network)))
    assert history.stopped_early and len(history.epochs) == 2
    assert history.kept_epoch in (1, 2) and snapshot(network)[0] == snapshots[history.kept_epoch - 1][0]


def test_train_accuracy_on_images_spread_over_the_training_set(backend):
    from pynet.app.backend import Backend
    from pynet.app.metrics import accuracy
    train_set, _ = small_sets()
    picked = training.spread(train_set, 8)
    assert picked.labels == bytes(train_set.labels[k] for k in (0, 25, 50, 75, 100, 125, 150, 175))
    assert training.spread(train_set, None) is train_set and training.spread(train_set, 0) is None
    network = network_of(backend)
    history = training.train(network, train_set, train_accuracy=8, seed=1)
    correct, count = accuracy(network, Backend(backend), picked)
    assert history.epochs[0]["train_accuracy"] == correct / 8 and history.record["train_accuracy_images"] == 8
    history = training.train(network, train_set, train_accuracy=None, seed=1)
    assert history.record["train_accuracy_images"] == 200
    history = training.train(network, train_set, train_accuracy=0, seed=1)
    assert "train_accuracy" not in history.epochs[0] and history.record["train_accuracy_images"] == 0


class StopWhileMeasuring:
    """Asks to stop once the network is queried after training has begun (as Ctrl-C while testing)."""

    requested = False
    in_step = False


def test_a_stop_while_measuring_skips_the_test_and_keeps_the_epoch(backend, monkeypatch):
    train_set, test_set = small_sets()
    network = network_of(backend)
    stop = StopWhileMeasuring()
    real = training._measure

    def measure(*args):
        stop.requested = True
        return real(*args)

    monkeypatch.setattr(training, "_measure", measure)
    history = training.train(network, train_set, epochs=3, test_set=test_set, seed=1, stop=stop)
    assert history.stopped_early and history.stopped_at == (1, None, None)
    assert len(history.epochs) == 1 and history.kept_epoch == 1 and history.test_accuracy is None
