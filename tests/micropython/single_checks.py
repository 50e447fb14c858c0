"""pynet on a MicroPython whose floats are single precision (the ESP32 and RP2 ports' default).

    micropython-float -X heapsize=8M tests/micropython/single_checks.py FIXTURES_DIR PYNET_PARENT

Needs a MicroPython built with ``MICROPY_FLOAT_IMPL_FLOAT`` (the Unix port builds so
with ``CFLAGS_EXTRA=-DMICROPY_FLOAT_IMPL=MICROPY_FLOAT_IMPL_FLOAT``). Such a port does not
give CPython's bits: it computes in 24-bit mantissas. What it must give, and what
this checks against CPython's results from ``make_fixtures.py``: the same seeded
weights to within single precision, the same predictions on nearly all digits from
a model saved by CPython, training that follows CPython's closely, and its own
models saved and loaded exactly. The last line reads ``single: N passed, N failed``.
"""

import json
import struct
import sys

FIXTURES = sys.argv[1]
sys.path.insert(0, sys.argv[2])

import pynet  # noqa: E402
from pynet.conventions import scale_row as scale, targets as one_hot  # noqa: E402
from pynet import storage  # noqa: E402

with open(FIXTURES + "/reference.json") as _f:
    REFERENCE = json.load(_f)




def each_row(name, width, count):
    with open(FIXTURES + "/" + name, "rb") as f:
        for _ in range(count):
            yield f.read(width)


def largest_difference(net, name):
    """The largest difference between ``net``'s numbers and CPython's doubles in ``name``."""
    weights, biases = net._parameters()
    worst = 0.0
    with open(FIXTURES + "/" + name, "rb") as f:
        for row in [row for W in weights for row in W] + list(biases):
            theirs = struct.unpack("<%dd" % len(row), f.read(8 * len(row)))
            for a, b in zip(row, theirs):
                worst = max(worst, abs(a - b))
    return worst


def check_this_port_is_single_precision():
    assert storage.SINGLE, "this MicroPython computes in double precision: run core_checks.py instead"
    assert storage.TYPECODE == "f"


def check_seeded_weights_agree_to_single_precision():
    net = pynet.NeuralNetwork(784, 100, 10, 0.3, seed=1)
    worst = largest_difference(net, "initial_0.bin")
    print("    seeded 784-100-10: largest difference from CPython's weights %.3g" % worst)
    assert worst < 1e-5, worst


def check_a_model_saved_by_cpython_predicts_nearly_the_same():
    net = pynet.NeuralNetwork.load(FIXTURES + "/trained_model.json")
    worst = largest_difference(net, "trained_model.bin")
    agree = 0
    for k, pixels in enumerate(each_row("test_rows.bin", 784, 200)):
        agree += net.predict(scale(pixels)) == REFERENCE["predictions"][k]
    print("    model saved by CPython: every weight CPython's rounded to single precision; "
          "%d of 200 predictions as CPython's" % agree)
    assert worst == 0.0, worst  # (the comparison itself rounds CPython's doubles on this port)
    assert agree >= 196, agree


def check_training_follows_cpython_closely():
    net = pynet.NeuralNetwork(784, 100, 10, 0.3, seed=7)
    with open(FIXTURES + "/train_labels.bin", "rb") as f:
        labels = f.read()
    for k, pixels in enumerate(each_row("train_rows.bin", 784, 100)):
        net.train(scale(pixels), one_hot(labels[k]))
    worst = largest_difference(net, "trained_0.bin")
    print("    100 training steps: largest difference from CPython's weights %.3g" % worst)
    assert worst < 1e-3, worst


def check_own_models_save_and_load_exactly():
    net = pynet.NeuralNetwork(64, [16, 12], 10, 0.3, seed=3, bias=True)
    net.train([k / 64 for k in range(64)], one_hot(4))
    net.save(FIXTURES + "/single_saved.json")
    again = pynet.NeuralNetwork.load(FIXTURES + "/single_saved.json")
    for a, b in zip(net._parameters()[0] + [net._parameters()[1]], again._parameters()[0] + [again._parameters()[1]]):
        for x, y in zip(a, b):
            assert struct.pack("<%df" % len(x), *x) == struct.pack("<%df" % len(y), *y)


def check_the_board_example_learns_as_on_cpython():
    sys.path.insert(0, sys.argv[2] + "/examples/board")
    import digits8x8

    data = sys.argv[2] + "/pynet/app/data/"
    net = pynet.NeuralNetwork(64, 32, 10, 0.3, seed=1)
    digits8x8.train(net, data + digits8x8.TRAIN)
    right, total = digits8x8.evaluate(net, data + digits8x8.TEST)
    print("    8x8 digits, one epoch: %d of %d right here, %d on CPython" % (right, total, REFERENCE["digits8x8_right"]))
    assert abs(right - REFERENCE["digits8x8_right"]) <= 20


def main():
    checks = [(name, value) for name, value in sorted(globals().items())
              if name.startswith("check_") and callable(value)]
    if not storage.SINGLE:  # everything else would only repeat the double-precision checks
        checks = [c for c in checks if c[0] == "check_this_port_is_single_precision"]
    passed = failed = 0
    for name, check in checks:
        try:
            check()
        except Exception as error:
            failed += 1
            print("FAIL %s: %s: %s" % (name, type(error).__name__, error))
        else:
            passed += 1
            print("ok   %s" % name)
    print("single: %d passed, %d failed" % (passed, failed))
    return failed


if __name__ == "__main__":
    sys.exit(1 if main() else 0)
