"""The training record's checks, digests and descriptions (``pynet.app.record``)."""

import copy

import pytest

from helpers import bundled_mnist

from pynet import NeuralNetwork
from pynet.app import record, training


@pytest.fixture(scope="module")
def run():
    network = NeuralNetwork(784, 6, 10, 0.3, seed=1)
    train_set, test_set = bundled_mnist()
    training.train(network, train_set.head(60), epochs=2, validation=20, keep="best", test_set=test_set.head(20),
                   augment=1, seed=3)
    return network.training[0]


def test_a_run_records_everything_the_issue_lists(run):
    for field in ("pynet", "python", "backend", "kernels", "date", "seed", "layer_sizes", "rule", "bias",
                  "learning_rate", "lr_decay", "epochs", "shuffle", "augment", "data", "history", "kept_epoch",
                  "test_accuracy", "wall_seconds", "stopped_early", "resumed", "keep", "chunk"):
        assert field in run
    assert run["augment"]["copies"] == 1 and run["date"].endswith("Z") and run["kernels"] == "python"
    assert [sorted(e) for e in run["history"]] == [
        ["epoch", "learning_rate", "loss", "seconds", "train_accuracy", "validation_accuracy"]] * 2


def test_data_summary_hashes_pixels_then_labels():
    import hashlib
    train_set = bundled_mnist()[0].head(3)
    summary = record.data_summary(train_set)
    assert summary == {"name": train_set.name, "images": 3,
                       "sha256": hashlib.sha256(train_set.images + train_set.labels).hexdigest()}
    assert record.data_summary(None) is None


@pytest.mark.parametrize("change, words", [
    (lambda r: r.pop("seed"), "lacks the field 'seed'"),
    (lambda r: r.update(seed=1.5), "'seed' must be a whole number"),
    (lambda r: r.update(backend="gpu"), "'backend' must be 'pure' or 'fast'"),
    (lambda r: r.update(layer_sizes=[784]), "'layer_sizes'"),
    (lambda r: r.update(keep="first"), "'keep'"),
    (lambda r: r.update(test_accuracy=1.5), "'test_accuracy'"),
    (lambda r: r["data"]["train"].update(sha256="abc"), "'data.train'"),
    (lambda r: r["history"][0].update(validation_accuracy=-0.1), "history[0]: 'validation_accuracy'"),
    (lambda r: r["history"][1].update(epoch=0), "history[1]: 'epoch'"),
    (lambda r: r.update(augment={"copies": 1}), "'augment'"),
])
def test_check_run_names_the_bad_field(run, change, words):
    bad = copy.deepcopy(run)
    change(bad)
    with pytest.raises(ValueError, match=words.replace("[", r"\[").replace("]", r"\]").replace(".", r"\.")):
        record.check_run(bad)
    assert "not a record pynet understands" in record.describe([bad])[0]


def test_reproducible_part_drops_only_where_and_when(run):
    part = record.reproducible_part(run)
    assert set(run) - set(part) == set(record.MACHINE_FIELDS)
    assert all("seconds" not in e for e in part["history"]) and "seconds" in run["history"][0]


def test_weights_digest_follows_every_bit():
    network = NeuralNetwork(3, 2, 2, 0.1, seed=1)
    before = record.weights_sha256(network)
    assert record.weights_sha256(NeuralNetwork.from_dict(network.to_dict())) == before
    weights = network.get_weights()
    weights[0][0][0] = weights[0][0][0] * (1 + 2 ** -52)  # one unit in the last place
    network.set_weights(weights)
    assert record.weights_sha256(network) != before


def test_describe_and_summarise(run):
    lines = record.describe([run])
    assert lines[0].startswith("run 1: ") and "backend pure (python)" in lines[0]
    assert "seed 3" in lines[1] and "augmented: 1 jittered copies" in lines[2]
    assert any(line.strip().startswith("validation") and "held out" in line for line in lines)
    assert lines[-1].strip().startswith("kept epoch %d (best validation accuracy)" % run["kept_epoch"])
    assert record.describe([]) == [record.describe([])[0]] and "no training record" in record.describe([])[0]
    assert record.summarise([run, run]).startswith("trained in 2 runs, 4 epochs in all")
