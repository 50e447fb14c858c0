"""The core of pynet under MicroPython, checked against CPython's results.

    micropython -X heapsize=256M tests/micropython/core_checks.py FIXTURES_DIR PYNET_PARENT

``FIXTURES_DIR`` comes from ``make_fixtures.py`` (run on CPython);
``PYNET_PARENT`` is the folder that holds the ``pynet`` package. A tiny test
runner of its own (MicroPython has no pytest): every ``check_*`` function runs,
and the last line reads ``micropython: N passed, N failed``. It also runs on
CPython, which is how it is tested itself.
"""

import json
import struct
import sys

FIXTURES = sys.argv[1]
sys.path.insert(0, sys.argv[2])

_BEFORE = set(sys.modules)
import pynet  # noqa: E402
from pynet.conventions import scale_row as scale, targets as one_hot  # noqa: E402

IMPORTED_BY_PYNET = set(sys.modules) - _BEFORE

with open(FIXTURES + "/reference.json") as _f:
    REFERENCE = json.load(_f)




def read_rows(name, count):
    with open(FIXTURES + "/" + name, "rb") as f:
        data = f.read()
    return [scale(data[k * 784:(k + 1) * 784]) for k in range(count)]


def read_labels(name):
    with open(FIXTURES + "/" + name, "rb") as f:
        return list(f.read())


def doubles(name):
    """The raw little-endian doubles CPython wrote: ``(bytes, count)``."""
    with open(FIXTURES + "/" + name, "rb") as f:
        data = f.read()
    return data, len(data) // 8


def double_at(data, k):
    return struct.unpack("<d", data[8 * k:8 * k + 8])[0]


def same_bits(x, data, k):
    return struct.pack("<d", x) == data[8 * k:8 * k + 8]


def parameters(net):
    return [w for W in net.get_weights() for row in W for w in row] + [b for B in net.get_biases() for b in B]


def check_the_core_imports_nothing_outside_it():
    # The core may use these modules (all of them MicroPython has) and nothing else:
    # not the command line's, nor numpy.
    allowed = ("json", "math", "os", "time", "struct", "sys", "array", "binascii", "gc")
    for name in IMPORTED_BY_PYNET:
        top = name.split(".")[0]
        assert top == "pynet" or top.lstrip("u_") in allowed, name
    for name in IMPORTED_BY_PYNET:
        assert name.split(".")[-1] not in ("cli", "mnist", "download", "images", "plot", "augment"), name


def check_same_seed_same_initial_weights_bit_for_bit():
    for case in REFERENCE["initial"]:
        sizes = case["sizes"]
        net = pynet.NeuralNetwork(sizes[0], sizes[1:-1], sizes[-1], 0.3, seed=case["seed"])
        data, count = doubles(case["file"])
        ours = parameters(net)
        assert len(ours) == count
        for k, w in enumerate(ours):
            assert same_bits(w, data, k), "seed %d, sizes %s: weight %d differs: %r, not %r" % (
                case["seed"], sizes, k, w, double_at(data, k))


def check_a_model_trained_by_pynet_fast_predicts_the_same_digits():
    net = pynet.NeuralNetwork.load(FIXTURES + "/trained_model.json")
    rows = read_rows("test_rows.bin", 200)
    predictions = [net.predict(row) for row in rows]
    assert predictions == REFERENCE["predictions"], "predictions differ"
    labels = read_labels("test_labels.bin")
    correct = sum(1 for p, label in zip(predictions, labels) if p == label)
    print("    model trained by %s: %d of 200 test digits right here" % (REFERENCE["trainer"], correct))


def check_a_model_saved_by_cpython_loads_bit_for_bit():
    net = pynet.NeuralNetwork.load(FIXTURES + "/trained_model.json")
    data, count = doubles("trained_model.bin")
    ours = parameters(net)
    assert len(ours) == count
    differ = [k for k, w in enumerate(ours) if not same_bits(w, data, k)]
    assert not differ, "%d of %d numbers differ, the first at %d" % (len(differ), count, differ[0])
    assert net.training == [{"seed": 11, "images": 1000, "loss": [0.5, 0.25, 0.125], "note": "r\u00e9sum\u00e9"}]


def check_backquery_agrees():
    net = pynet.NeuralNetwork.load(FIXTURES + "/trained_model.json")
    ours = net.backquery(one_hot(3))
    data, count = doubles("imagined_3.bin")
    assert len(ours) == count
    worst = max(abs(a - double_at(data, k)) for k, a in enumerate(ours))
    assert worst <= 1e-12, worst


def check_100_training_steps_agree_with_cpython():
    rows = read_rows("train_rows.bin", 100)
    labels = read_labels("train_labels.bin")
    for case in REFERENCE["training"]:
        n_in, hidden, n_out, rate = case["args"]
        net = pynet.NeuralNetwork(n_in, hidden, n_out, rate, seed=case["seed"], bias=case["bias"], rule=case["rule"])
        for k in range(100):
            loss = net.train(rows[k], one_hot(labels[k]))
        data, count = doubles(case["file"])
        ours = parameters(net)
        assert len(ours) == count
        worst, identical = 0.0, True
        for k, a in enumerate(ours):
            worst = max(worst, abs(a - double_at(data, k)))
            identical = identical and same_bits(a, data, k)
        print("    %s rule, bias %s: largest difference %r (%s)" % (
            case["rule"], case["bias"], worst, "bit for bit" if identical else "not bit for bit"))
        assert worst <= 1e-12, worst
        assert abs(loss - case["last_loss"]) <= 1e-12


def check_train_many_query_many_and_predict():
    rows = read_rows("train_rows.bin", 20)
    targets = [one_hot(label) for label in read_labels("train_labels.bin")[:20]]
    one = pynet.NeuralNetwork(784, 30, 10, 0.2, seed=5)
    many = pynet.NeuralNetwork(784, 30, 10, 0.2, seed=5)
    for x, t in zip(rows, targets):
        one.train(x, t)
    many.train_many(rows, targets)
    assert parameters(one) == parameters(many)
    outputs = many.query_many(rows[:3])
    assert outputs == [many.query(row) for row in rows[:3]]
    assert many.predict(rows[0]) == outputs[0].index(max(outputs[0]))


def check_save_and_load_round_trip():
    net = pynet.NeuralNetwork(784, [20, 10], 10, 0.3, seed=3, bias=True, rule="exact")
    net.train(read_rows("train_rows.bin", 1)[0], one_hot(5))
    path = FIXTURES + "/saved_here.json"
    net.training.append({"here": "micropython", "loss": [0.1, 0.2]})
    net.save(path)
    again = pynet.NeuralNetwork.load(path)
    assert all(struct.pack("<d", a) == struct.pack("<d", b) for a, b in zip(parameters(again), parameters(net)))
    assert again.training == [{"here": "micropython", "loss": [0.1, 0.2]}]
    assert (again.layer_sizes, again.rule, again.bias) == (net.layer_sizes, net.rule, net.bias)


def check_bad_input_changes_nothing():
    net = pynet.NeuralNetwork(4, 3, 2, 0.3, seed=1)
    before = parameters(net)
    for inputs, targets in (([0.1, 0.2], [0.5, 0.5]), ([0.1, 0.2, "x", 0.4], [0.5, 0.5]),
                            ([0.1, 0.2, float("nan"), 0.4], [0.5, 0.5])):
        try:
            net.train(inputs, targets)
        except (TypeError, ValueError):
            pass
        else:
            raise AssertionError("no error for %r" % (inputs,))
    assert parameters(net) == before


def main():
    checks = [(name, value) for name, value in sorted(globals().items())
              if name.startswith("check_") and callable(value)]
    passed = failed = 0
    for name, check in checks:
        try:
            check()
        except Exception as error:  # report every failure, then carry on
            failed += 1
            print("FAIL %s: %s: %s" % (name, type(error).__name__, error))
        else:
            passed += 1
            print("ok   %s" % name)
    print("micropython: %d passed, %d failed" % (passed, failed))
    return failed


if __name__ == "__main__":
    sys.exit(1 if main() else 0)
