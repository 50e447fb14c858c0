"""pynet within a board's memory: MicroPython with a small heap.

    micropython -X heapsize=8M   tests/micropython/board_checks.py large FIXTURES_DIR PYNET_PARENT
    micropython -X heapsize=256K tests/micropython/board_checks.py small FIXTURES_DIR PYNET_PARENT

``large`` (an ESP32-S3 with PSRAM has about 8 MB): the seeded 784-100-10 network is
built, trained on 100 images, queried and saved, with CPython's bits at every step, and
a 784-100-10 model saved by CPython loads with the same bits. ``small`` (an RP2040 or
RP2350): a 64-32-10 network is built, trained and queried on the 8 x 8 digits that
ship with pynet. ``FIXTURES_DIR`` comes from ``make_fixtures.py``; the data is read a
row at a time, as a board would read it from its flash. The heap in use is measured
with ``gc.mem_alloc()`` after a collection at each stage; the last lines report it.
It also runs on CPython (without the measurements), which is how it is tested itself.
"""

import gc
import json
import struct
import sys

CASE, FIXTURES = sys.argv[1], sys.argv[2]
sys.path.insert(0, sys.argv[3])
MICROPYTHON = sys.implementation.name == "micropython"


class Meter:
    """The heap in use after a collection, stage by stage, and the most seen."""

    def __init__(self):
        self.stages = []
        self.peak = 0

    def __call__(self, stage):
        gc.collect()
        used = gc.mem_alloc() if MICROPYTHON else 0
        self.peak = max(self.peak, used)
        self.stages.append((stage, used))

    def report(self):
        if not MICROPYTHON:
            print("%s: (the heap is measured under MicroPython only)" % CASE)
            return
        for stage, used in self.stages:
            print("    %-44s %8d bytes in use" % (stage, used))
        print("%s: largest heap in use at a stage %d bytes (%.2f MB)" % (CASE, self.peak, self.peak / 1e6))


measure = Meter()
measure("start")
import pynet  # noqa: E402
from pynet.conventions import scale_row as scale, targets as one_hot  # noqa: E402

measure("pynet imported")




def each_row(name, width, count):
    """The first ``count`` rows of ``width`` bytes in a fixture, read one at a time."""
    with open(FIXTURES + "/" + name, "rb") as f:
        for _ in range(count):
            yield f.read(width)


def same_bits_as(net, name):
    """Whether ``net``'s weights, then biases, are bit for bit the doubles in the fixture ``name``.

    The rows are read where the network keeps them (``_parameters``): ``get_weights``
    would copy every weight into a list of floats, three times the network's own size here.
    """
    weights, biases = net._parameters()
    with open(FIXTURES + "/" + name, "rb") as f:
        for W in weights:
            for row in W:
                if f.read(8 * len(row)) != struct.pack("<%dd" % len(row), *row):
                    return False
        for B in biases:
            if f.read(8 * len(B)) != struct.pack("<%dd" % len(B), *B):
                return False
        return f.read(1) == b""


def large():
    net = pynet.NeuralNetwork(784, 100, 10, 0.3, seed=1)
    measure("784-100-10 built (seed 1)")
    assert same_bits_as(net, "initial_0.bin"), "seeded weights differ from CPython's"
    net = None
    net = pynet.NeuralNetwork(784, 100, 10, 0.3, seed=7)
    with open(FIXTURES + "/train_labels.bin", "rb") as f:
        labels = f.read()
    for k, pixels in enumerate(each_row("train_rows.bin", 784, 100)):
        net.train(scale(pixels), one_hot(labels[k]))
        if k == 0:
            measure("after one training step")
    measure("trained on 100 images (seed 7)")
    assert same_bits_as(net, "trained_0.bin"), "training differs from CPython's"
    with open(FIXTURES + "/queried_0.bin", "rb") as f:
        for pixels in each_row("test_rows.bin", 784, 20):
            outputs = net.query(scale(pixels))
            assert struct.pack("<10d", *outputs) == f.read(80), "a query differs from CPython's"
    measure("queried 20 test images")
    path = FIXTURES + "/saved_on_board.json"
    net.save(path)
    measure("saved")
    net = None
    net = pynet.NeuralNetwork.load(path)
    assert same_bits_as(net, "trained_0.bin"), "what was saved here does not load back the same"
    net = None
    measure("own model loaded back")
    net = pynet.NeuralNetwork.load(FIXTURES + "/trained_model.json")
    measure("784-100-10 saved by CPython loaded")
    assert same_bits_as(net, "trained_model.bin"), "a model saved by CPython loads with other bits"
    right = 0
    with open(FIXTURES + "/test_labels.bin", "rb") as f:
        labels = f.read()
    for k, pixels in enumerate(each_row("test_rows.bin", 784, 200)):
        right += net.predict(scale(pixels)) == labels[k]
    measure("200 test images predicted")
    print("    the model saved by CPython: %d of 200 test digits right" % right)


def small():
    sys.path.insert(0, sys.argv[3] + "/examples/board")
    import digits8x8

    measure("example imported")
    net = pynet.NeuralNetwork(64, 32, 10, 0.3, seed=1)
    measure("64-32-10 built")
    data = sys.argv[3] + "/pynet/app/data/"
    digits8x8.train(net, data + digits8x8.TRAIN, epochs=1)
    measure("trained one epoch on 6,000 8x8 digits")
    assert same_bits_as(net, "digits8x8.bin"), "training differs from CPython's"
    right, total = digits8x8.evaluate(net, data + digits8x8.TEST)
    measure("queried 1,000 test digits")
    print("    64-32-10 after one epoch: %d of %d test digits right" % (right, total))
    with open(FIXTURES + "/reference.json") as f:
        assert right == json.load(f)["digits8x8_right"], "CPython names another number of digits right"


def main():
    try:
        {"large": large, "small": small}[CASE]()
    except Exception as error:
        print("FAIL %s: %s: %s" % (CASE, type(error).__name__, error))
        if hasattr(sys, "print_exception"):
            sys.print_exception(error)
        measure.report()
        print("micropython %s: 0 passed, 1 failed" % CASE)
        return 1
    measure.report()
    print("micropython %s: 1 passed, 0 failed" % CASE)
    return 0


if __name__ == "__main__":
    sys.exit(main())
