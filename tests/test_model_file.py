"""The model file round-trips exactly, refuses anything else, and is written atomically."""

import base64
import copy
import json
import os
import pickle
import struct

import pytest

from helpers import bits, snapshot


@pytest.fixture(params=["json", "scan"], autouse=True)
def reader(request, monkeypatch):
    """Every test here runs with both readers of the file: ``json.load`` (CPython's, PyPy's) and
    ``pynet.modelscan`` (MicroPython's, which leaves the matrices' numbers in the file)."""
    from pynet import storage

    monkeypatch.setattr(storage, "MICROPYTHON", request.param == "scan")
    return request.param


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


def decoded(entry):
    """The numbers of one version-2 matrix, decoded here independently of pynet."""
    raw = base64.b64decode(entry["float64"], validate=True)
    return list(struct.unpack("<%dd" % (len(raw) // 8), raw))


def test_the_file_is_plain_versioned_json(trained, tmp_path):
    path = tmp_path / "model.json"
    trained.save(path)
    data = json.loads(path.read_text())
    assert data["format"] == "pynet-model" and data["version"] == 2
    assert data["layer_sizes"] == [6, 5, 4, 3]
    assert (data["rule"], data["bias"], data["learning_rate"]) == ("exact", True, 0.2)
    assert [W["shape"] for W in data["weights"]] == [[6, 5], [5, 4], [4, 3]]
    assert [B["shape"] for B in data["biases"]] == [[5], [4], [3]]
    assert data["training"] == []
    # little-endian doubles, row after row: exactly the network's numbers
    flat_weights = [[w for row in W for w in row] for W in trained.get_weights()]
    assert bits([decoded(W) for W in data["weights"]]) == bits(flat_weights)
    assert bits([decoded(B) for B in data["biases"]]) == bits(trained.get_biases())


def version_1(net):
    """The network as a version-1 model dict (numbers as JSON lists), as older pynet wrote it."""
    return {"format": "pynet-model", "version": 1, "layer_sizes": list(net.layer_sizes), "rule": net.rule,
            "bias": net.bias, "learning_rate": net.learning_rate,
            "weights": net.get_weights(), "biases": net.get_biases()}


def test_version_1_files_still_load(backend, trained, tmp_path):
    path = tmp_path / "old.json"
    path.write_text(json.dumps(version_1(trained)))
    loaded = backend.NeuralNetwork.load(path)
    same_network(trained, loaded)
    assert loaded.training == []
    loaded.save(path)  # and are written back as version 2
    assert json.loads(path.read_text())["version"] == 2
    same_network(trained, backend.NeuralNetwork.load(path))


def test_to_dict_and_from_dict(backend, trained):
    trained.training = [{"epochs": 1, "loss": [0.5, 0.25]}]
    data = trained.to_dict()
    again = backend.NeuralNetwork.from_dict(data)
    same_network(trained, again)
    assert again.training == trained.training
    data["training"][0]["epochs"] = 99  # the dict is a copy: changing it changes nothing
    assert trained.training[0]["epochs"] == 1 and again.training[0]["epochs"] == 1
    json.dumps(data, allow_nan=False)  # plain JSON throughout


def test_pickle_and_deepcopy(trained):
    trained.training = [{"run": 1, "data": {"set": "mnist", "sha256": "ab" * 32}}]
    unpickled = pickle.loads(pickle.dumps(trained))
    same_network(trained, unpickled)
    assert unpickled.training == trained.training
    for clone in (copy.deepcopy(trained), copy.copy(trained)):
        same_network(trained, clone)
        assert clone.training == trained.training
        clone.train([0.5] * 6, [0.99, 0.01, 0.01])
        clone.training.append({"run": 2})
        assert clone.get_weights() != trained.get_weights()  # independent copies
        assert len(trained.training) == 1


def test_learning_rate_set_later_is_saved(backend, trained, tmp_path):
    trained.learning_rate = 0.05
    trained.save(tmp_path / "m.json")
    assert backend.NeuralNetwork.load(tmp_path / "m.json").learning_rate == 0.05


def corrupt(data, how):
    if how == "format":
        data["format"] = "keras"
    elif how == "version":
        data["version"] = 3
    elif how == "missing":
        del data["biases"]
    elif how == "shape":
        data["weights"][1]["shape"] = [4, 4]
    elif how == "sizes":
        data["layer_sizes"] = [6, 0, 4, 3]
    elif how == "rule":
        data["rule"] = "other"
    elif how == "rate":
        data["learning_rate"] = -1
    elif how == "short":
        data["weights"][2]["float64"] = data["weights"][2]["float64"][:-4]
    elif how == "base64":
        text = data["weights"][0]["float64"]
        data["weights"][0]["float64"] = text[:10] + "*" + text[11:]
    elif how == "entry":
        data["biases"][0] = [0.0] * 5
    elif how == "count":
        data["weights"] = data["weights"][:2]
    elif how == "infinite":
        data["weights"][1]["float64"] = base64.b64encode(struct.pack("<20d", *([0.5] * 7 + [float("inf")] + [0.5] * 12))).decode()
    elif how == "nan":
        data["biases"][2]["float64"] = base64.b64encode(struct.pack("<3d", 0.1, float("nan"), 0.3)).decode()
    elif how == "training":
        data["training"] = {"epochs": 1}
    elif how == "record":
        data["training"] = [{"epochs": 1}, "two"]
    elif how == "record-value":
        data["training"] = [{"loss": [0.5, float("nan")]}]
    elif how == "deep":
        record = {}
        for _ in range(40):
            record = {"inner": record}
        data["training"] = [record]
    return data


@pytest.mark.parametrize("how, error, words", [
    ("format", ValueError, "not a pynet model"),
    ("version", ValueError, "version 3 is not supported"),
    ("missing", ValueError, "lacks the field 'biases'"),
    ("shape", ValueError, "weights[1] has the shape [4, 4]; expected [5, 4]"),
    ("sizes", ValueError, "layer_sizes[1] must be at least 1"),
    ("rule", ValueError, "rule must be"),
    ("rate", ValueError, "learning_rate must be above 0"),
    ("short", ValueError, "weights[2] holds 124 base64 characters; 12 doubles need 128"),
    ("base64", ValueError, "weights[0] is not valid base64"),
    ("entry", TypeError, "biases[0] must be a JSON object"),
    ("count", ValueError, "weights must be a list of 3 matrices"),
    ("infinite", ValueError, "weights[1][1][3] must be finite"),
    ("nan", ValueError, "biases[2][0][1] must be finite"),
    ("training", TypeError, "training must be a list of JSON objects"),
    ("record", TypeError, "training[1] must be a JSON object"),
    ("record-value", ValueError, "training[0]['loss'][1] must be finite"),
    ("deep", ValueError, "is nested more than 16 deep"),
])
def test_bad_model_files_are_refused(backend, trained, tmp_path, how, error, words):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(corrupt(trained.to_dict(), how)))
    with pytest.raises(error) as raised:
        backend.NeuralNetwork.load(path)
    assert words in str(raised.value)


def test_non_finite_numbers_in_a_version_1_file(backend, trained, tmp_path):
    # Python's json reads the non-standard literals NaN and Infinity; they must still be refused.
    path = tmp_path / "infinite.json"
    text = json.dumps(version_1(trained))
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


# -- the training record ------------------------------------------------------------------


def test_a_new_network_has_no_training_record(backend):
    assert backend.NeuralNetwork(3, 2, 1, 0.1, seed=1).training == []


def test_the_training_record_travels_with_the_file(backend, trained, tmp_path):
    records = [{"seed": 1234567, "backend": "pynet", "loss": [0.41, 0.12], "augment": None,
                "data": {"set": "train", "images": 6000}, "stopped_early": False},
               {"seed": 7, "epochs": 2, "note": "r\u00e9sum\u00e9"}]
    trained.training = records
    trained.training.append({"third": [1, [2, [3]]]})  # appending in place is kept
    path = tmp_path / "model.json"
    trained.save(path)
    assert json.loads(path.read_text())["training"] == records + [{"third": [1, [2, [3]]]}]
    loaded = backend.NeuralNetwork.load(path)
    assert loaded.training == records + [{"third": [1, [2, [3]]]}]
    same_network(trained, loaded)


@pytest.mark.parametrize("records, error, words", [
    ({"seed": 1}, TypeError, "training must be a list"),
    ([{"seed": 1}, 5], TypeError, "training[1] must be a JSON object"),
    ([{1: "one"}], TypeError, "has a key 1 that is not a string"),
    ([{"loss": float("inf")}], ValueError, "training[0]['loss'] must be finite"),
    ([{"when": {"a", "b"}}], TypeError, "training[0]['when'] must be a plain JSON value, not set"),
    ([{"x": b"bytes"}], TypeError, "must be a plain JSON value, not bytes"),
    ([{"x": [0.0] * 1000001}], ValueError, "more than 1000000 values"),
])
def test_a_malformed_training_record_is_refused(backend, trained, records, error, words):
    before = trained.training
    with pytest.raises(error) as raised:
        trained.training = records
    assert words in str(raised.value)
    assert trained.training is before
    data = trained.to_dict()
    data["training"] = records
    with pytest.raises(error):
        backend.NeuralNetwork.from_dict(data)


def test_a_malformed_record_appended_in_place_stops_the_save(trained, tmp_path):
    path = tmp_path / "model.json"
    trained.save(path)
    before = path.read_bytes()
    trained.training.append({"loss": float("nan")})
    with pytest.raises(ValueError, match="must be finite"):
        trained.save(path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["model.json"]


def test_the_record_is_copied_in(trained):
    records = [{"loss": [0.5]}]
    trained.training = records
    records[0]["loss"].append(0.25)
    assert trained.training == [{"loss": [0.5]}]


def test_loading_reads_exactly_what_another_runtime_wrote(backend, tmp_path):
    # Doubles whose shortest decimal forms are long: a file read back as numbers parsed from
    # decimals could differ; the base64 form cannot.
    net = backend.NeuralNetwork(3, 2, 2, 0.3, seed=5, bias=True)
    odd = [[[5e-324, -2.2250738585072014e-308], [1.7976931348623157e308, 0.1 + 0.2], [1 / 3, -2 / 3]],
           [[0.30000000000000004, 1e-300], [-1e300, 2.5]]]
    net.set_weights(odd, [[0.7, -0.7], [1 / 7, 0.0]])
    path = tmp_path / "odd.json"
    net.save(path)
    loaded = backend.NeuralNetwork.load(path)
    assert bits(loaded.get_weights()) == bits(odd)
    assert bits(loaded.get_biases()) == bits([[0.7, -0.7], [1 / 7, 0.0]])


def test_the_scanning_reader_leaves_only_the_numbers_in_the_file(reader, trained, tmp_path):
    from pynet import modelfile, modelscan

    trained.training = [{"float64": "not numbers", "weights": [{"float64": "nor these"}], "q": "a \\\" b"}]
    path = tmp_path / "m.json"
    trained.save(path)
    text = json.loads(path.read_text())
    scanned = modelscan.load(str(path))
    assert all(isinstance(entry["float64"], modelscan.Stored) for entry in scanned["weights"] + scanned["biases"])
    assert scanned["training"] == text["training"]  # a record's own "float64" is left alone
    for entry, stored in zip(text["weights"] + text["biases"], scanned["weights"] + scanned["biases"]):
        assert b"".join(stored["float64"].pieces(1000)).decode() == entry["float64"]
    assert modelfile.load(str(path)) is not None


def test_the_scanning_reader_takes_any_layout_of_the_json(reader, trained, tmp_path):
    path = tmp_path / "m.json"
    data = trained.to_dict()
    data["training"] = [{"note": "x" * 10000, "values": list(range(3000))}]
    path.write_text(json.dumps(data, indent=3, sort_keys=True))  # pretty, keys in another order
    loaded = type(trained).load(path)
    same_network(trained, loaded)
    assert loaded.training == data["training"]


def test_a_model_dict_saved_as_it_is(backend, trained, tmp_path):
    from pynet import modelfile

    trained.training = [{"run": 1}]
    modelfile.save(trained.to_dict(), str(tmp_path / "m.json"))
    loaded = backend.NeuralNetwork.load(tmp_path / "m.json")
    same_network(trained, loaded)
    assert loaded.training == [{"run": 1}]


def test_the_training_record_moves_between_backends(pure, fast, tmp_path):
    for source, target in ((pure, fast), (fast, pure)):
        net = source.NeuralNetwork(4, 3, 2, 0.3, seed=3)
        net.training.append({"backend": source.__name__, "loss": [0.25]})
        net.save(tmp_path / "m.json")
        assert target.NeuralNetwork.load(tmp_path / "m.json").training == [{"backend": source.__name__, "loss": [0.25]}]
