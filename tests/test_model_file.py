"""The model file round-trips exactly, refuses anything else, and is written atomically."""

import copy
import json
import os
import pickle

import pytest

from helpers import bits, snapshot


@pytest.fixture
def trained(backend):
    net = backend.NeuralNetwork(6, [5, 4], 3, 0.2, seed=11, bias=True, rule="exact")
    for k in range(20):
        net.train([((k * 7 + i) % 10) / 10 + 0.01 for i in range(6)], [0.01, 0.99, 0.01])
    return net


def same_network(a, b):
    assert type(a) is type(b)
    assert (a.layer_sizes, a.learning_rate, a.rule, a.bias) == (b.layer_sizes, b.learning_rate, b.rule, b.bias)
    assert bits([a.get_weights(), a.get_biases()]) == bits([b.get_weights(), b.get_biases()])


def test_save_and_load_round_trip_exactly(backend, trained, tmp_path):
    path = tmp_path / "model.json"
    trained.save(str(path))
    loaded = backend.NeuralNetwork.load(str(path))
    same_network(trained, loaded)
    x = [0.3] * 6
    assert bits(loaded.query(x)) == bits(trained.query(x))
    assert [p.name for p in tmp_path.iterdir()] == ["model.json"]  # no temporary file left behind


def test_the_file_is_plain_versioned_json(trained, tmp_path):
    path = tmp_path / "model.json"
    trained.save(path)
    data = json.loads(path.read_text())
    assert data["format"] == "pynet-model" and data["version"] == 1
    assert data["layer_sizes"] == [6, 5, 4, 3]
    assert (data["rule"], data["bias"], data["learning_rate"]) == ("exact", True, 0.2)
    assert [len(W) for W in data["weights"]] == [6, 5, 4]
    assert [len(B) for B in data["biases"]] == [5, 4, 3]


def test_to_dict_and_from_dict(backend, trained):
    data = trained.to_dict()
    same_network(trained, backend.NeuralNetwork.from_dict(data))
    data["weights"][0][0][0] = 123.0  # the dict is a copy: changing it changes nothing
    assert trained.get_weights()[0][0][0] != 123.0


def test_pickle_and_deepcopy(trained):
    same_network(trained, pickle.loads(pickle.dumps(trained)))
    clone = copy.deepcopy(trained)
    same_network(trained, clone)
    clone.train([0.5] * 6, [0.99, 0.01, 0.01])
    assert clone.get_weights() != trained.get_weights()  # independent copies


def test_learning_rate_set_later_is_saved(backend, trained, tmp_path):
    trained.learning_rate = 0.05
    trained.save(tmp_path / "m.json")
    assert backend.NeuralNetwork.load(tmp_path / "m.json").learning_rate == 0.05


def corrupt(data, how):
    if how == "format":
        data["format"] = "keras"
    elif how == "version":
        data["version"] = 2
    elif how == "missing":
        del data["biases"]
    elif how == "shape":
        data["weights"][1] = data["weights"][1][:-1]
    elif how == "sizes":
        data["layer_sizes"] = [6, 0, 4, 3]
    elif how == "rule":
        data["rule"] = "other"
    elif how == "rate":
        data["learning_rate"] = -1
    return data


@pytest.mark.parametrize("how, words", [
    ("format", "not a pynet model"),
    ("version", "version 2 is not supported"),
    ("missing", "lacks the field 'biases'"),
    ("shape", "weights[1] has 4 rows; expected 5"),
    ("sizes", "layer_sizes[1] must be at least 1"),
    ("rule", "rule must be"),
    ("rate", "learning_rate must be above 0"),
])
def test_bad_model_files_are_refused(backend, trained, tmp_path, how, words):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(corrupt(trained.to_dict(), how)))
    with pytest.raises(ValueError) as raised:
        backend.NeuralNetwork.load(path)
    assert words in str(raised.value)


def test_non_finite_numbers_in_a_model_file(backend, trained, tmp_path):
    # Python's json reads the non-standard literals NaN and Infinity; they must still be refused.
    path = tmp_path / "infinite.json"
    text = json.dumps(trained.to_dict())
    first = text.index("[[[") + 3
    end = text.index(",", first)
    path.write_text(text[:first] + "Infinity" + text[end:])
    with pytest.raises(ValueError, match=r"weights\[0\]\[0\]\[0\] must be finite"):
        backend.NeuralNetwork.load(path)


def test_truncated_model_file(backend, trained, tmp_path):
    path = tmp_path / "cut.json"
    trained.save(path)
    text = path.read_text()
    path.write_text(text[: len(text) // 2])
    with pytest.raises(ValueError, match="is not a valid model file"):
        backend.NeuralNetwork.load(path)


def test_not_a_dict(backend):
    with pytest.raises(TypeError, match="must be a dict"):
        backend.NeuralNetwork.from_dict([1, 2, 3])


def test_a_failed_save_leaves_the_old_file_and_no_temporary(trained, tmp_path, monkeypatch):
    path = tmp_path / "model.json"
    path.write_text("old contents")

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        trained.save(path)
    assert path.read_text() == "old contents"
    assert [p.name for p in tmp_path.iterdir()] == ["model.json"]


def test_save_does_not_change_the_network(trained, tmp_path):
    before = snapshot(trained)
    trained.save(tmp_path / "m.json")
    assert snapshot(trained) == before


def test_a_model_from_one_backend_loads_in_the_other(pure, fast, tmp_path):
    for source, target in ((pure, fast), (fast, pure)):
        net = source.NeuralNetwork(8, 6, 4, 0.3, seed=3, bias=True)
        for k in range(10):
            net.train([(k + i) % 8 / 8 + 0.01 for i in range(8)], [0.01, 0.01, 0.99, 0.01])
        path = tmp_path / ("%s.json" % source.__name__)
        net.save(path)
        other = target.NeuralNetwork.load(path)
        assert bits(other.get_weights()) == bits(net.get_weights())
        for k in range(8):
            x = [(k * 3 + i) % 8 / 8 + 0.01 for i in range(8)]
            assert bits(other.query(x)) == bits(net.query(x))
            assert other.predict(x) == net.predict(x)
