"""The command line, run in-process through ``main([...])`` and as ``python -m pynet``."""

import io
import json
import os
import signal
import struct
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from helpers import reproducible_model

from pynet import NeuralNetwork
from pynet.app import cli, images, mnist
from pynet.app.backend import choose_backend
from pynet.app.progress import Progress

ROOT = Path(__file__).resolve().parents[1]
TRAIN, TEST = 300, 100


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    """A small IDX folder (plain and gzipped files) cut from the bundled subset."""
    import gzip
    folder = tmp_path_factory.mktemp("idx")
    train, test = mnist.load()
    for prefix, data, count, gz in (("train", train, TRAIN, True), ("t10k", test, TEST, False)):
        part = data.head(count)
        files = {"%s-images-idx3-ubyte" % prefix: struct.pack(">IIII", 0x803, count, 28, 28) + part.images,
                 "%s-labels-idx1-ubyte" % prefix: struct.pack(">II", 0x801, count) + part.labels}
        for name, content in files.items():
            if gz:
                (folder / (name + ".gz")).write_bytes(gzip.compress(content))
            else:
                (folder / name).write_bytes(content)
    return folder


@pytest.fixture(scope="module")
def csv_data(tmp_path_factory):
    folder = tmp_path_factory.mktemp("csv")
    train, test = mnist.load()
    for name, data in (("mnist_train_60.csv", train.head(60)), ("mnist_test_20.csv", test.head(20))):
        lines = [",".join([str(data.label(k))] + [str(p) for p in data.image(k)]) for k in range(len(data))]
        (folder / name).write_text("\n".join(lines) + "\n")
    return "%s,%s" % (folder / "mnist_train_60.csv", folder / "mnist_test_20.csv")


@pytest.fixture(scope="module")
def trained(data_dir, tmp_path_factory):
    """One training run: its exit status, output, model file and plot."""
    folder = tmp_path_factory.mktemp("run")
    out, err = io.StringIO(), io.StringIO()
    argv = ["train", "--data", str(data_dir), "--hidden", "30", "--lr", "0.3", "--epochs", "2", "--seed", "3",
            "--backend", "pure", "--shuffle", "--test-each-epoch", "--save", str(folder / "model.json"),
            "--plot", str(folder / "curve.svg")]
    code = run_main(argv, out, err)
    return code, out.getvalue(), err.getvalue(), folder / "model.json", folder / "curve.svg"


def run_main(argv, out=None, err=None):
    """``cli.main(argv)`` with stdout and stderr caught in ``out`` and ``err``."""
    out = out if out is not None else io.StringIO()
    err = err if err is not None else io.StringIO()
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = out, err
    try:
        return cli.main(argv)
    finally:
        sys.stdout, sys.stderr = saved


def module_env():
    """The environment for ``python -m pynet``: the pynet under test (installed or not) first."""
    import pynet
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(Path(pynet.__file__).resolve().parents[1])]
                                        + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    return env


def run_module(*args, timeout=120):
    return subprocess.run([sys.executable, "-m", "pynet"] + list(args), cwd=str(ROOT.parent), env=module_env(),
                          timeout=timeout, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)


def one_error_line(text):
    assert "Traceback" not in text
    lines = text.strip().splitlines()
    assert len(lines) == 1, text
    assert lines[0].startswith("pynet: error: ")
    return lines[0]


# -- train ------------------------------------------------------------------------------------------


def test_train_reports_each_epoch_and_saves(trained):
    code, out, err, model, curve = trained
    assert code == 0, err
    epochs = [line for line in out.splitlines() if line.startswith("epoch ")]
    assert [line.split()[1] for line in epochs] == ["1/2", "2/2"]
    accuracies = [float(line.split("test accuracy ")[1].split("%")[0]) for line in epochs]
    assert all(a > 40.0 for a in accuracies)  # 300 samples of a 784-30-10 net: far above chance
    network = NeuralNetwork.load(str(model))
    assert network.layer_sizes == (784, 30, 10) and network.rule == "seed" and not network.bias
    assert "epoch 2/2" in err and "samples/s" in err and "ETA" in err and "loss" in err  # plain progress lines
    assert "\r" not in err


def test_plot_is_an_svg_with_the_running_loss_and_accuracies(trained):
    curve = trained[4]
    root = ET.parse(str(curve)).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    classes = [el.get("class") for el in root.iter() if el.get("class")]
    assert classes.count("loss") == 1  # one line ...
    loss = [el for el in root.iter() if el.get("class") == "loss"][0]
    assert len(loss.get("points").split()) >= 2 * 20  # ... with at least 20 points per epoch
    assert classes.count("train") == 3 and classes.count("test") == 3  # a line and 2 points each
    assert "validation" not in classes  # not measured: not drawn
    text = " ".join(el.text or "" for el in root.iter())
    assert "epoch" in text and "accuracy %" in text and "loss (running mean)" in text


def test_evaluate_json_agrees_with_training(trained, data_dir):
    out = io.StringIO()
    assert run_main(["evaluate", str(trained[3]), "--data", str(data_dir), "--json", "--backend", "pure"], out) == 0
    report = json.loads(out.getvalue())
    assert report["count"] == TEST
    matrix = report["confusion"]
    assert len(matrix) == 10 and all(len(row) == 10 for row in matrix)
    assert sum(map(sum, matrix)) == TEST
    correct = sum(matrix[c][c] for c in range(10))
    assert report["accuracy"] == correct / TEST
    last_epoch = [line for line in trained[1].splitlines() if line.startswith("epoch 2/2")][0]
    assert "(%d/%d)" % (correct, TEST) in last_epoch
    labels = mnist.load(str(data_dir))[1].labels
    assert [sum(row) for row in matrix] == [labels.count(c) for c in range(10)]
    for c in range(10):
        column = sum(matrix[r][c] for r in range(10))
        assert report["precision"][c] == (matrix[c][c] / column if column else None)


def test_evaluate_tables(trained, data_dir):
    out = io.StringIO()
    assert run_main(["evaluate", str(trained[3]), "--data", str(data_dir), "--backend", "pure"], out) == 0
    text = out.getvalue()
    assert "accuracy " in text and "precision" in text and "recall" in text and "confusion matrix" in text
    matrix_rows = [line for line in text.splitlines()[-10:]]
    assert [int(line.split()[0]) for line in matrix_rows] == list(range(10))


def test_train_on_csv_with_limits_and_bias(csv_data, tmp_path):
    out, err = io.StringIO(), io.StringIO()
    code = run_main(["train", "--data", csv_data, "--hidden", "8,6", "--bias", "--rule", "exact", "--limit", "40",
                     "--test-limit", "10", "--lr-decay", "0.5", "--epochs", "2", "--quiet", "--seed", "1",
                     "--save", str(tmp_path / "m.json")], out, err)
    assert code == 0, err.getvalue()
    assert err.getvalue() == ""
    text = out.getvalue()
    lines = text.splitlines()
    assert lines[0] == "seed 1"
    assert lines[1].startswith("training 784-8-6-10 (rule exact, bias, lr 0.3) on 40 images")
    assert "testing on 10" in lines[1]
    assert lines[2].startswith("epoch 1/2") and "test" not in lines[2] and "  lr 0.3  " in lines[2]
    assert lines[3].startswith("epoch 2/2") and "  lr 0.15  " in lines[3]  # --lr-decay 0.5
    assert lines[4].startswith("test accuracy ") and lines[4].endswith("/10)")  # once, at the end
    network = NeuralNetwork.load(str(tmp_path / "m.json"))
    assert network.layer_sizes == (784, 8, 6, 10) and network.bias and network.rule == "exact"


def test_same_seed_same_model(data_dir, tmp_path):
    for name in ("a", "b"):
        argv = ["train", "--data", str(data_dir), "--hidden", "5", "--limit", "50", "--test-limit", "5",
                "--seed", "9", "--shuffle", "--quiet", "--backend", "pure", "--save", str(tmp_path / (name + ".json"))]
        assert run_main(argv) == 0
    assert reproducible_model(tmp_path / "a.json") == reproducible_model(tmp_path / "b.json")


def test_fast_and_pure_backends_train_the_same_model(data_dir, tmp_path):
    from helpers import load_backend
    fast = load_backend("fast")
    assert choose_backend("auto").network_class is fast.NeuralNetwork
    outputs = {}
    for backend in ("pure", "fast"):
        out = io.StringIO()
        argv = ["train", "--data", str(data_dir), "--hidden", "12,7", "--bias", "--limit", "120", "--test-limit", "40",
                "--epochs", "2", "--seed", "4", "--shuffle", "--chunk", "50", "--quiet", "--backend", backend,
                "--save", str(tmp_path / (backend + ".json"))]
        assert run_main(argv, out) == 0
        outputs[backend] = [line.rsplit("  ", 1)[0] for line in out.getvalue().splitlines()
                            if line.startswith("epoch")]  # less the time
    assert outputs["pure"] == outputs["fast"] and len(outputs["pure"]) == 2
    assert reproducible_model(tmp_path / "pure.json") == reproducible_model(tmp_path / "fast.json")
    reports = {}
    for backend in ("pure", "fast"):
        out = io.StringIO()
        assert run_main(["evaluate", str(tmp_path / "pure.json"), "--data", str(data_dir), "--json",
                         "--backend", backend], out) == 0
        report = json.loads(out.getvalue())
        assert report.pop("backend") == backend
        reports[backend] = report
    assert reports["pure"] == reports["fast"]


# -- query and back query ------------------------------------------------------------------------------


def test_query_a_png_dark_on_light(trained, tmp_path):
    from pynet.app import prepare

    test = mnist.load()[1]
    image = images.enlarge(images.Image(28, 28, test.image(0)).inverted(), 3)  # ink on paper, 84x84
    path = tmp_path / "digit.png"
    images.write_png(str(path), image)
    out = io.StringIO()
    assert run_main(["query", str(trained[3]), str(path), "--json", "--backend", "pure"], out) == 0
    report = json.loads(out.getvalue())
    network = NeuralNetwork.load(str(trained[3]))
    seen = prepare.prepare(str(path))
    assert report["input"] == list(seen.pixels)
    assert report["outputs"] == network.query(mnist.scale_row(seen.pixels))
    assert report["inverted"] is True and report["image"] == {"width": 84, "height": 84}
    assert report["prediction"] == test.labels[0] == network.predict(mnist.scale_row(seen.pixels))
    out = io.StringIO()
    saved = tmp_path / "seen.png"
    argv = ["query", str(trained[3]), str(path), "--show", "--save-input", str(saved), "--backend", "pure"]
    assert run_main(argv, out) == 0
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("%s: %d" % (path, report["prediction"])) and "inverted" in lines[0]
    assert lines[11] == "the 28x28 the network read:"
    assert lines[12:] == images.as_text(seen).splitlines() and len(lines[12:]) == 28
    assert images.read_image(str(saved)).pixels == seen.pixels


def test_query_refuses_what_is_not_a_picture_in_one_line(trained, tmp_path):
    err = io.StringIO()
    text = tmp_path / "notes.txt"
    text.write_text("not a picture")
    assert run_main(["query", str(trained[3]), str(text)], err=err) == 1
    assert err.getvalue().count("\n") == 1 and str(text) in err.getvalue()


def test_backquery_writes_ten_pngs(trained, tmp_path):
    out_dir = tmp_path / "imagined"
    out = io.StringIO()
    argv = ["backquery", str(trained[3]), "--out", str(out_dir), "--scale", "2", "--backend", "pure"]
    assert run_main(argv, out) == 0
    network = NeuralNetwork.load(str(trained[3]))
    for label in range(10):
        image = images.read_image(str(out_dir / ("label-%d.png" % label)))
        assert (image.width, image.height) == (56, 56)
        values = network.backquery(mnist.targets(label))
        expected = bytes(min(255, max(0, int((v - 0.01) / 0.98 * 255 + 0.5))) for v in values)
        assert image.pixels[::2][:28] == expected[:28]  # first row, each pixel doubled
        assert min(image.pixels) <= 1 and max(image.pixels) >= 254  # Q3 stretches to the full range
    assert len(out.getvalue().splitlines()) == 10


# -- errors ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("argv, code, message", [
    (["train", "--hidden", "0"], 2, "every hidden layer needs at least 1 node"),
    (["train", "--hidden", "10,x"], 2, "not a size"),
    (["train", "--lr", "-1"], 2, "must be a finite number above 0"),
    (["train", "--epochs", "0"], 2, "must be at least 1"),
    (["train", "--backend", "gpu"], 2, "invalid choice"),
    (["train", "--data", "/nonexistent/folder"], 1, "/nonexistent/folder: no such file or folder"),
    (["train", "--save", "/nonexistent/folder/m.json"], 1, "no folder /nonexistent/folder"),
    (["fly"], 2, "invalid choice"),
    ([], 2, "required"),
    (["evaluate", "/nonexistent/model.json"], 1, "/nonexistent/model.json: No such file or directory"),
    (["query", "/nonexistent/model.json"], 2, "required: IMAGE"),
    (["backquery", "m.json"], 2, "--grid FILE.png, --out DIR, or both"),
])
def test_bad_arguments_give_one_line(argv, code, message):
    err = io.StringIO()
    assert run_main(argv, err=err) == code
    assert message in one_error_line(err.getvalue())


def test_malformed_data_and_model_give_one_line(tmp_path, trained):
    bad_csv = tmp_path / "bad.csv"
    bad_csv.write_text("3,1,2,3\n")
    err = io.StringIO()
    assert run_main(["train", "--data", "%s,%s" % (bad_csv, bad_csv)], err=err) == 1
    assert "bad.csv, line 1: 4 values" in one_error_line(err.getvalue())
    bad_model = tmp_path / "model.json"
    bad_model.write_text('{"format": "something else"}')
    err = io.StringIO()
    assert run_main(["evaluate", str(bad_model)], err=err) == 1
    assert "not a pynet model" in one_error_line(err.getvalue())
    not_image = tmp_path / "x.png"
    not_image.write_bytes(b"hello")
    err = io.StringIO()
    assert run_main(["query", str(trained[3]), str(not_image)], err=err) == 1
    assert "not a PNG or PGM image" in one_error_line(err.getvalue())


def test_fast_backend_missing_is_a_clear_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "pynet_fast", None)  # as where it is not built: its import fails
    err = io.StringIO()
    assert run_main(["train", "--backend", "fast"], err=err) == 1
    assert "the fast backend is not available" in one_error_line(err.getvalue())
    assert choose_backend("auto").name == "pure"


def test_help_and_version():
    out = io.StringIO()
    assert run_main(["--version"], out) == 0
    assert run_main(["train", "--help"], out) == 0
    assert "--hidden" in out.getvalue() and "pynet " in out.getvalue()


# -- progress -------------------------------------------------------------------------------------


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_plain_lines_and_terminal_bar():
    plain = io.StringIO()
    progress = Progress(plain, 100, "epoch 1/1", interval=0)
    progress.update(50, 0.125)
    progress.close()
    line = plain.getvalue()
    assert line.endswith("\n") and "\r" not in line
    assert "50/100" in line and "samples/s" in line and "ETA" in line and "loss 0.1250" in line
    terminal = _Terminal()
    progress = Progress(terminal, 100, "epoch 1/1", interval=0)
    progress.update(50, 0.125)
    progress.update(100, 0.1)
    progress.close()
    text = terminal.getvalue()
    assert text.startswith("\r") and "[##########..........]" in text and "\n" not in text
    assert text.endswith("\r")


# -- as a program ----------------------------------------------------------------------------------


def test_python_m_pynet_trains_and_evaluates(data_dir, tmp_path):
    model = tmp_path / "m.json"
    done = run_module("train", "--data", str(data_dir), "--hidden", "10", "--limit", "100", "--test-limit", "50",
                      "--backend", "pure", "--save", str(model))
    assert done.returncode == 0, done.stderr
    assert "epoch 1/1" in done.stdout and "test accuracy" in done.stdout
    done = run_module("evaluate", str(model), "--data", str(data_dir), "--json", "--limit", "50", "--backend", "pure")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["count"] == 50


def test_python_m_pynet_bad_argument():
    done = run_module("train", "--hidden", "-3")
    assert done.returncode == 2
    assert done.stdout == ""
    assert "hidden" in one_error_line(done.stderr)


@pytest.mark.skipif(not hasattr(signal, "SIGINT") or os.name != "posix", reason="needs POSIX signals")
def test_ctrl_c_stops_and_still_saves(tmp_path):
    model = tmp_path / "m.json"
    process = subprocess.Popen([sys.executable, "-m", "pynet", "train", "--backend", "pure", "--hidden", "50",
                                "--epochs", "1000", "--save", str(model), "--plot", str(tmp_path / "c.svg")],
                               cwd=str(tmp_path), env=module_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               universal_newlines=True)
    try:
        deadline = time.monotonic() + 30
        first = process.stdout.readline()  # the seed, then "training ..." once the data is loaded
        assert first.startswith("seed "), first
        assert process.stdout.readline().startswith("training")
        time.sleep(1.0)
        assert process.poll() is None and time.monotonic() < deadline
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 130, err
    # (1000 epochs cannot end in the second before Ctrl-C, however fast the interpreter)
    assert "stopping after the current chunk of 120 samples" in err
    # in an epoch, or (when Ctrl-C lands while an epoch's accuracy is measured) after one
    assert "stopped early, in epoch " in err or "stopped early, after epoch " in err, err
    assert "Traceback" not in err
    assert NeuralNetwork.load(str(model)).layer_sizes == (784, 50, 10)
    assert "saved the model" in out
    assert "stopped early" in (tmp_path / "c.svg").read_text()  # the curve of what was measured, saying so
    assert NeuralNetwork.load(str(model)).training[0]["stopped_early"] is True
