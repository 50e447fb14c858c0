"""The training workflow on the command line: seeds, records, validation, resume, pictures."""

import json

import pytest

from helpers import load_backend, reproducible_model, run_cli as run_main

from pynet import NeuralNetwork
from pynet.app import images, record

SMALL = ["--limit", "240", "--test-limit", "80", "--hidden", "12", "--quiet"]


def one_error_line(text):
    assert "Traceback" not in text
    lines = text.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("pynet: error: "), text
    return lines[0]


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    """A model trained with validation and --keep best: its path and the command's output."""
    path = tmp_path_factory.mktemp("model") / "m.json"
    code, out, err = run_main(["train"] + SMALL + ["--epochs", "3", "--validation", "60", "--keep", "best",
                                                   "--shuffle", "--seed", "21", "--backend", "pure",
                                                   "--save", str(path)])
    assert code == 0, err
    return path, out


def test_a_drawn_seed_is_printed_first_and_repeats_the_run(tmp_path):
    code, out, err = run_main(["train"] + SMALL + ["--shuffle", "--backend", "pure",
                                                   "--save", str(tmp_path / "a.json")])
    assert code == 0, err
    first = out.splitlines()[0]
    assert first.startswith("seed ") and first.split()[1].isdigit()
    seed = first.split()[1]
    assert NeuralNetwork.load(str(tmp_path / "a.json")).training[0]["seed"] == int(seed)
    code, again, err = run_main(["train"] + SMALL + ["--shuffle", "--backend", "pure", "--seed", seed,
                                                     "--save", str(tmp_path / "b.json")])
    assert code == 0 and again.splitlines()[0] == first
    assert reproducible_model(tmp_path / "a.json") == reproducible_model(tmp_path / "b.json")


def test_the_same_seed_gives_the_same_model_on_either_backend(tmp_path):
    load_backend("fast")
    digests = []
    for backend in ("pure", "fast"):
        path = tmp_path / (backend + ".json")
        code, out, err = run_main(["train"] + SMALL + ["--epochs", "2", "--validation", "40", "--keep", "best",
                                                       "--augment", "1", "--shuffle", "--bias", "--seed", "77",
                                                       "--backend", backend, "--save", str(path)])
        assert code == 0, err
        code, info, err = run_main(["info", str(path)])
        digests.append([line for line in info.splitlines() if line.startswith("weights sha256")])
    assert reproducible_model(tmp_path / "pure.json") == reproducible_model(tmp_path / "fast.json")
    pure, fast = (json.loads((tmp_path / (name + ".json")).read_text()) for name in ("pure", "fast"))
    assert pure["weights"] == fast["weights"] and pure["biases"] == fast["biases"]  # the same bytes
    assert digests[0] == digests[1] and len(digests[0]) == 1


def test_validation_and_keep_best_are_reported_and_recorded(model):
    path, out = model
    epochs = [line for line in out.splitlines() if line.startswith("epoch ")]
    assert len(epochs) == 3 and all("train " in line and "validation " in line for line in epochs)
    assert all("test" not in line for line in epochs)  # the test set: once, at the end
    validation = [float(line.split("validation ")[1].split("%")[0]) for line in epochs]
    run = NeuralNetwork.load(str(path)).training[0]
    best = validation.index(max(validation)) + 1
    assert "kept epoch %d (best validation accuracy" % best in out
    assert run["kept_epoch"] == best and run["keep"] == "best"
    assert out.splitlines()[-2].startswith("test accuracy ") and out.splitlines()[-2].endswith("/80)")
    assert run["data"]["train"]["images"] == 180 and run["data"]["validation"]["images"] == 60
    assert run["data"]["test"]["images"] == 80 and len(run["data"]["test"]["sha256"]) == 64
    assert record.check_run(run) is run


@pytest.mark.parametrize("extra, words", [
    (["--keep", "best", "--save", "m.json"], "--keep best needs --validation N"),
    (["--keep", "best", "--validation", "10"], "--keep best needs --save"),
    (["--plot", "curve.jpg"], "name it .svg or .png"),
    (["--plot", "curve"], "name it .svg or .png"),
    (["--resume", "m.json", "--hidden", "20"], "--hidden comes from the model file"),
    (["--resume", "m.json", "--bias"], "--bias comes from the model file"),
    (["--resume", "m.json", "--rule", "exact"], "--rule comes from the model file"),
])
def test_refused_before_training(tmp_path, monkeypatch, extra, words):
    monkeypatch.chdir(tmp_path)
    code, out, err = run_main(["train", "--limit", "240", "--quiet"] + extra)
    assert code == 2 and out == ""
    assert words in one_error_line(err)
    assert list(tmp_path.iterdir()) == []


def test_validation_too_large_is_one_line(tmp_path):
    code, out, err = run_main(["train", "--limit", "50", "--validation", "50", "--save", str(tmp_path / "m.json")])
    assert code == 1 and "leaves none of the 50 training images" in one_error_line(err)
    assert not (tmp_path / "m.json").exists()


def test_resume_continues_the_model_and_its_record(model, tmp_path):
    path, _ = model
    first = NeuralNetwork.load(str(path))
    resumed = tmp_path / "resumed.json"
    code, out, err = run_main(["train", "--resume", str(path), "--limit", "240", "--test-limit", "80", "--quiet",
                               "--seed", "5", "--backend", "pure", "--save", str(resumed)])
    assert code == 0, err
    assert out.splitlines()[1].startswith("resuming 784-12-10 (rule seed, no bias, lr 0.3)")
    network = NeuralNetwork.load(str(resumed))
    assert network.layer_sizes == first.layer_sizes and network.learning_rate == first.learning_rate
    assert network.get_weights() != first.get_weights()
    runs = network.training
    assert len(runs) == 2 and runs[0] == first.training[0]
    assert runs[1]["resumed"] is True and runs[1]["seed"] == 5 and runs[1]["learning_rate"] == 0.3
    # the same resume, from scratch in code: the weights of the file, trained one more epoch
    from pynet.app import training
    from helpers import bundled_mnist
    again = NeuralNetwork.load(str(path))
    training.train(again, bundled_mnist()[0].head(240), seed=5)
    assert again.get_weights() == network.get_weights()
    code, out, err = run_main(["train", "--resume", str(resumed), "--lr", "0.05", "--limit", "100",
                               "--test-limit", "20", "--quiet", "--backend", "pure", "--save", str(resumed)])
    assert code == 0, err
    runs = NeuralNetwork.load(str(resumed)).training
    assert len(runs) == 3 and runs[2]["learning_rate"] == 0.05


def test_resume_of_a_broken_file_changes_nothing(model, tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text(model[0].read_text()[:-40])
    target = tmp_path / "target.json"
    target.write_text("old")
    code, out, err = run_main(["train", "--resume", str(broken), "--save", str(target), "--plot",
                               str(tmp_path / "c.png")])
    assert code == 1 and out == ""
    assert "broken.json" in one_error_line(err)
    assert target.read_text() == "old" and not (tmp_path / "c.png").exists()
    code, out, err = run_main(["train", "--resume", str(tmp_path / "absent.json")])
    assert code == 1 and "absent.json" in one_error_line(err)


def test_info_shows_the_record(model, tmp_path):
    path, _ = model
    code, out, err = run_main(["info", str(path)])
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "%s: pynet model (file format version 2)" % path
    assert lines[1] == "784-12-10, rule seed, no bias, learning rate 0.3"
    assert lines[2].startswith("weights sha256 ") and len(lines[2].split()[-1]) == 64
    assert lines[3] == "training record: 1 run"
    assert "seed 21" in out and "shuffled" in out and "backend pure (python)" in out
    assert "validation     60 images" in out and "kept epoch" in out and "(best validation accuracy)" in out
    assert sum(1 for line in lines if line.strip().startswith("epoch ")) == 3
    code, out, err = run_main(["info", str(path), "--json"])
    facts = json.loads(out)
    assert facts["layer_sizes"] == [784, 12, 10] and facts["training"][0]["seed"] == 21
    assert facts["weights_sha256"] == record.weights_sha256(NeuralNetwork.load(str(path)))


def test_info_of_a_model_without_record_and_of_a_broken_file(tmp_path):
    plain = tmp_path / "plain.json"
    NeuralNetwork(4, 3, 2, 0.1, seed=1).save(str(plain))
    code, out, err = run_main(["info", str(plain)])
    assert code == 0 and "training record: 0 runs" in out and "no training record" in out
    plain.write_text('{"format": "pynet-model", "version": 2}')
    code, out, err = run_main(["info", str(plain)])
    assert code == 1 and "plain.json" in one_error_line(err)


def test_evaluate_lists_and_draws_the_misclassified(model, tmp_path):
    path, _ = model
    code, out, err = run_main(["evaluate", str(path), "--limit", "80", "--json", "--backend", "pure"])
    report = json.loads(out)
    missed = report["misclassified"]
    assert len(missed) == report["count"] - report["correct"] > 0
    network = NeuralNetwork.load(str(path))
    from helpers import bundled_mnist
    test_set = bundled_mnist()[1]
    for entry in missed:
        assert sorted(entry) == ["index", "label", "prediction"]
        assert entry["label"] == test_set.labels[entry["index"]] != entry["prediction"]
        assert network.predict(test_set.scaled(entry["index"])) == entry["prediction"]
    assert report["training"] == network.training
    picture = tmp_path / "missed.png"
    code, out, err = run_main(["evaluate", str(path), "--limit", "80", "--misclassified", str(picture),
                               "--backend", "pure"])
    assert code == 0, err
    assert "drew the %d misclassified images in %s" % (len(missed), picture) in out
    assert "trained in 1 run, 3 epochs in all" in out.splitlines()[1]
    image = images.read_image(str(picture))
    assert image.width > 10 * 56 if len(missed) >= 10 else image.width > len(missed) * 56


def test_evaluate_refuses_a_picture_name_first(model, tmp_path):
    code, out, err = run_main(["evaluate", str(model[0]), "--misclassified", str(tmp_path / "m.jpg")])
    assert code == 2 and out == "" and "name it .png" in one_error_line(err)


def test_backquery_grid(model, tmp_path):
    grid = tmp_path / "grid.png"
    code, out, err = run_main(["backquery", str(model[0]), "--grid", str(grid), "--backend", "pure"])
    assert code == 0 and out.strip() == str(grid)
    image = images.read_image(str(grid))
    assert image.width >= 10 * 28 * 3 and image.height >= 28 * 3
    assert list(tmp_path.iterdir()) == [grid]
    code, out, err = run_main(["backquery", str(model[0]), "--grid", str(tmp_path / "grid.txt")])
    assert code == 2 and "name it .png" in one_error_line(err)


def test_plot_png_from_train(tmp_path):
    curve = tmp_path / "curve.png"
    code, out, err = run_main(["train"] + SMALL + ["--epochs", "2", "--validation", "40", "--seed", "2",
                                                   "--backend", "pure", "--plot", str(curve)])
    assert code == 0, err
    data = curve.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[25] == 2  # RGB
    assert images.decode_png(data).width == 800
    svg = tmp_path / "curve.svg"
    code, out, err = run_main(["train"] + SMALL + ["--seed", "2", "--backend", "pure", "--plot", str(svg)])
    assert code == 0 and svg.read_text().startswith("<svg")
