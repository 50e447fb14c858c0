"""Hostile files for every reader this package has (model JSON, IDX, CSV), generated.

Each reader must build what the file describes or raise ValueError/TypeError naming
the problem, in memory and time bounded by what the file really holds. The generated
cases run in a child process under an address-space limit (``RLIMIT_AS``) and a CPU
time limit, so that a blow-up fails the test instead of the machine. (PNG and PGM
files are the image pipeline's, tested with it.)
"""

import gzip
import os
import struct

import pytest

from bounded import expect_clean_error, run_bounded
from helpers import snapshot

pytest.importorskip("hypothesis")

CASES = int(os.environ.get("PYNET_HYPOTHESIS_CASES", "400"))

CHILD = """
import gzip, json, os, struct, sys, tempfile
from hypothesis import HealthCheck, given, settings, strategies as st
import pynet
from pynet.app import mnist

folder = tempfile.mkdtemp()
CASES = {cases}
count = {{"model": 0, "idx": 0, "csv": 0}}
profile = settings(max_examples=CASES, deadline=None, suppress_health_check=list(HealthCheck), database=None)

def expect_clean(read, path, kind):
    count[kind] += 1
    try:
        read(path)
    except (ValueError, TypeError) as error:
        assert str(error), "an error without a message"

# -- model files --------------------------------------------------------------------
network = pynet.NeuralNetwork(3, 2, 2, 0.3, seed=1, bias=True)
good_2 = network.to_dict()
good_1 = dict(good_2, version=1, weights=network.get_weights(), biases=network.get_biases())
del good_1["training"]
JSON = st.recursive(st.none() | st.booleans() | st.integers(-10 ** 30, 10 ** 30) | st.floats() | st.text(max_size=5),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
                    max_leaves=12)
PATHS = st.lists(st.sampled_from(["weights", "biases", "layer_sizes", "version", "format", "rule", "bias",
                                  "learning_rate", 0, 1, 2, -1]), min_size=1, max_size=4)

def mutated(data, path, value):
    data = json.loads(json.dumps(data))
    node = data
    for key in path[:-1]:
        try:
            node = node[key if isinstance(node, dict) == isinstance(key, str) else 0]
        except (KeyError, IndexError, TypeError):
            return data
    try:
        key = path[-1]
        node[key if isinstance(node, dict) == isinstance(key, str) else 0] = value
    except (IndexError, TypeError):
        pass
    return data

@profile
@given(PATHS, JSON, st.sampled_from(["as-is", "truncated", "latin1", "deep", "huge-number", "bytes"]),
       st.binary(max_size=64), st.integers(0, 400), st.booleans())
def test_model(path, value, damage, noise, cut, old_version):
    text = json.dumps(mutated(good_1 if old_version else good_2, path, value)).encode()
    if damage == "truncated":
        text = text[:cut]
    elif damage == "latin1":
        text = text[:cut] + b"\\xe9\\xff" + text[cut:]
    elif damage == "deep":
        text = b"[" * (cut * 100) + text
    elif damage == "huge-number":
        text = text.replace(b"0.", b"1e99999", 1)
    elif damage == "bytes":
        text = noise
    name = os.path.join(folder, "model.json")
    with open(name, "wb") as f:
        f.write(text)
    expect_clean(pynet.NeuralNetwork.load, name, "model")

# -- IDX --------------------------------------------------------------------------
BIG = st.sampled_from([0, 1, 2, 28, 255, 2 ** 16, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1])
@profile
@given(st.sampled_from([0x08, 0x08, 0x08, 0x09, 0x0D, 0x00, 0xFF]), st.sampled_from([1, 3, 1, 3, 0, 2, 4, 255]),
       st.lists(BIG | st.integers(0, 2 ** 32 - 1), min_size=0, max_size=5), st.integers(0, 3000),
       st.booleans(), st.integers(0, 40))
def test_idx(kind, ndim, dims, length, compressed, empty_members):
    data = struct.pack(">HBB", 0, kind, ndim) + b"".join(struct.pack(">I", d) for d in dims[:ndim])
    data += bytes(k % 10 for k in range(length))
    if compressed:
        data = gzip.compress(data) + gzip.compress(b"") * empty_members
    name = os.path.join(folder, "images.idx" + (".gz" if compressed else ""))
    with open(name, "wb") as f:
        f.write(data)
    expect_clean(mnist.read_idx_images, name, "idx")
    expect_clean(mnist.read_idx_labels, name, "idx")

# -- CSV ----------------------------------------------------------------------------
FIELD = st.one_of(st.integers(-300, 300).map(str), st.sampled_from(["", " ", "x", "1e3", "0x1", "-1", "10", "255",
                                                                     "256", "9" * 40, "label", "\\x00"]))
@profile
@given(st.lists(st.one_of(st.lists(FIELD, max_size=6), st.just(None)), max_size=5), st.integers(0, 3),
       st.sampled_from(["\\n", "\\r\\n", "\\r"]), st.booleans())
def test_csv(lines, width, newline, long_line):
    size = width * width
    text = []
    for fields in lines:
        if fields is None:  # a well-formed line
            fields = ["3"] + ["7"] * size
        text.append(",".join(fields))
    if long_line:
        text.append("1" + ",0" * 200000)
    name = os.path.join(folder, "data.csv")
    with open(name, "w", newline="") as f:
        f.write(newline.join(text))
    expect_clean(lambda p: mnist.read_csv(p, width, width), name, "csv")

test_model()
test_idx()
test_csv()
print("cases", json.dumps(count))
"""


def test_generated_hostile_files_in_bounded_memory_and_time(tmp_path):
    result = run_bounded(CHILD.format(cases=CASES), memory_mb=1024, seconds=300, cwd=str(tmp_path))
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-6000:]
    counts = result.stdout.strip().splitlines()[-1]
    assert counts.startswith("cases"), result.stdout
    print(counts)


# -- the cases that were found broken, kept by name -------------------------------------------------


def _idx(dims, data=b"", kind=0x08):
    return struct.pack(">HBB", 0, kind, len(dims)) + b"".join(struct.pack(">I", d) for d in dims) + data


@pytest.mark.parametrize("name, content, words", [
    ("huge-dims", _idx([2 ** 32 - 1] * 3, b"\0" * 100), "the header promises"),
    ("huge-count", _idx([2 ** 31, 28, 28], b"\0" * 784), "the header promises"),
    ("huge-labels", _idx([2 ** 31]), "the header promises"),
    ("zero-size", _idx([5, 0, 28]), "images of 0 x 28 pixels"),
    ("gzip-huge", gzip.compress(_idx([2 ** 31, 28, 28], b"\0" * 784), mtime=0), "more than a gzip file of"),
])
def test_idx_headers_are_checked_against_the_files_size(tmp_path, name, content, words):
    path = tmp_path / name
    path.write_bytes(content)
    result = run_bounded("""
        from pynet.app import mnist
        try:
            mnist.read_idx_images(%r) if %r != "huge-labels" else mnist.read_idx_labels(%r)
        except (TypeError, ValueError) as error:
            print("ERROR %%s: %%s" %% (type(error).__name__, error))
    """ % (str(path), name, str(path)), memory_mb=512, seconds=20)
    expect_clean_error(result, ["ValueError", str(path), words])


def test_pynet_train_on_hostile_idx_says_one_line(tmp_path):
    from pynet.app import mnist

    for base in mnist.IDX_NAMES.values():
        dims = [2 ** 32 - 1] * (3 if "images" in base else 1)
        (tmp_path / base).write_bytes(_idx(dims, b"\0" * 64))
    result = run_bounded("""
        import sys
        from pynet.app import cli
        sys.exit(cli.main(["train", "--data", %r, "--epochs", "1"]))
    """ % str(tmp_path), memory_mb=1024, seconds=30)
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("pynet: error: ") and "the header promises" in lines[0], result.stderr


def test_csv_first_row_with_a_negative_label_is_not_a_header(tmp_path):
    from pynet.app import mnist

    path = tmp_path / "data.csv"
    path.write_text("-1," + ",".join(["0"] * 784) + "\n" + "3," + ",".join(["0"] * 784) + "\n")
    with pytest.raises(ValueError, match="line 1: label -1 is outside 0..9"):
        mnist.read_csv(path)


def test_csv_line_without_end_is_bounded(tmp_path):
    path = tmp_path / "long.csv"
    with open(str(path), "w") as f:
        f.write("1" + ",0" * 3000000)
    result = run_bounded("""
        from pynet.app import mnist
        try:
            mnist.read_csv(%r)
        except (TypeError, ValueError) as error:
            print("ERROR %%s: %%s" %% (type(error).__name__, error))
    """ % str(path), memory_mb=256, seconds=20)
    expect_clean_error(result, ["line 1: longer than"])


def test_model_file_of_spaces_is_read_within_its_size(backend, tmp_path):
    path = tmp_path / "spaces.json"
    with open(str(path), "wb") as f:
        for _ in range(64):
            f.write(b" " * (1 << 20))
    with pytest.raises(ValueError, match="is not a valid model file"):
        backend.NeuralNetwork.load(path)


def test_backquery_scale_too_large_is_one_line(tmp_path):
    import pynet

    model = tmp_path / "model.json"
    pynet.NeuralNetwork(784, 5, 10, 0.3, seed=1).save(model)
    result = run_bounded("""
        import sys
        from pynet.app import cli
        sys.exit(cli.main(["backquery", %r, "--out", %r, "--scale", "100000"]))
    """ % (str(model), str(tmp_path / "out")), memory_mb=512, seconds=20)
    assert "Traceback" not in result.stderr and result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "--scale 100000 would make images of 2800000 x 2800000 pixels" in lines[0], result.stderr
