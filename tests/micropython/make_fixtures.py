"""Write the reference data that ``core_checks.py`` compares MicroPython against.

    python tests/micropython/make_fixtures.py OUT_DIR [MNIST_DIR]

MNIST_DIR (canonical gzipped IDX files) defaults to the subset bundled with pynet.

Runs on CPython. Everything MicroPython cannot do itself is prepared here: the
exact bits of seeded initial weights, a model trained by ``pynet_fast`` (or by
``pynet`` where the compiled backend is not built), MNIST rows as raw bytes,
and the weights after 100 training steps.
"""

import gzip
import json
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

INITIAL_CASES = [  # (layer sizes, seed)
    ([784, 100, 10], 1),
    ([784, 100, 10], 2024),
    ([5, 4, 3, 2], 0),
    ([3, 1, 1], 123456789012345678901234567890),
]
TRAINING_CASES = [  # (input, hidden, output, learning rate, seed, bias, rule)
    (784, 100, 10, 0.3, 7, False, "seed"),
    (784, [32, 16], 10, 0.1, 8, True, "exact"),
]


def read_idx(mnist_dir, kind, count):
    with gzip.open(os.path.join(mnist_dir, "%s-images-idx3-ubyte.gz" % kind)) as f:
        f.read(16)
        pixels = f.read(count * 784)
    with gzip.open(os.path.join(mnist_dir, "%s-labels-idx1-ubyte.gz" % kind)) as f:
        f.read(8)
        labels = f.read(count)
    return pixels, labels


def write_doubles(path, values):
    """``values`` as raw little-endian doubles: exact, and cheap for MicroPython to read."""
    with open(path, "wb") as f:
        f.write(struct.pack("<%dd" % len(values), *values))


def parameters(net):
    return [w for W in net.get_weights() for row in W for w in row] + [b for B in net.get_biases() for b in B]


def main():
    out = sys.argv[1]
    from pynet.app.mnist import BUNDLED_DIR
    mnist_dir = sys.argv[2] if len(sys.argv) > 2 else BUNDLED_DIR
    os.makedirs(out, exist_ok=True)
    import pynet
    from pynet.conventions import scale_row as scale, targets as one_hot
    try:
        import pynet_fast as trainer
    except ImportError as error:
        if os.environ.get("PYNET_REQUIRE_FAST") == "1":
            raise
        print("make_fixtures: pynet_fast is not built (%s); the model is trained by pynet" % error)
        trainer = pynet

    initial = []
    for k, (sizes, seed) in enumerate(INITIAL_CASES):
        net = pynet.NeuralNetwork(sizes[0], sizes[1:-1], sizes[-1], 0.3, seed=seed)
        write_doubles(os.path.join(out, "initial_%d.bin" % k), parameters(net))
        initial.append({"sizes": sizes, "seed": seed, "file": "initial_%d.bin" % k})

    train_pixels, train_labels = read_idx(mnist_dir, "train", 1000)
    test_pixels, test_labels = read_idx(mnist_dir, "t10k", 200)
    with open(os.path.join(out, "train_rows.bin"), "wb") as f:
        f.write(train_pixels[:100 * 784])
    with open(os.path.join(out, "train_labels.bin"), "wb") as f:
        f.write(train_labels[:100])
    with open(os.path.join(out, "test_rows.bin"), "wb") as f:
        f.write(test_pixels)
    with open(os.path.join(out, "test_labels.bin"), "wb") as f:
        f.write(test_labels)

    # A model trained by the compiled backend, shipped to MicroPython as a model file.
    model = trainer.NeuralNetwork(784, 100, 10, 0.3, seed=11)
    model.train_many([scale(train_pixels[k * 784:(k + 1) * 784]) for k in range(1000)],
                     [one_hot(label) for label in train_labels])
    model.training = [{"seed": 11, "images": 1000, "loss": [0.5, 0.25, 0.125], "note": "r\u00e9sum\u00e9"}]
    model.save(os.path.join(out, "trained_model.json"))
    write_doubles(os.path.join(out, "trained_model.bin"), parameters(model))
    test_rows = [scale(test_pixels[k * 784:(k + 1) * 784]) for k in range(200)]
    predictions = [model.predict(row) for row in test_rows]
    write_doubles(os.path.join(out, "imagined_3.bin"), model.backquery(one_hot(3)))

    # 100 training steps of pure pynet on CPython, for MicroPython to repeat.
    training = []
    for k, (n_in, hidden, n_out, rate, seed, bias, rule) in enumerate(TRAINING_CASES):
        net = pynet.NeuralNetwork(n_in, hidden, n_out, rate, seed=seed, bias=bias, rule=rule)
        losses = [net.train(scale(train_pixels[k * 784:(k + 1) * 784]), one_hot(train_labels[k])) for k in range(100)]
        training.append({"args": [n_in, hidden, n_out, rate], "seed": seed, "bias": bias, "rule": rule,
                         "file": "trained_%d.bin" % k, "last_loss": losses[-1]})
        write_doubles(os.path.join(out, "trained_%d.bin" % k), parameters(net))
        write_doubles(os.path.join(out, "queried_%d.bin" % k),
                      [y for j in range(20) for y in net.query(scale(test_pixels[j * 784:(j + 1) * 784]))])

    # The board example, one epoch of 64-32-10 on the 8 x 8 digits, for MicroPython to repeat in 256 KB.
    sys.path.insert(0, os.path.join(HERE, "..", "..", "examples", "board"))
    import digits8x8
    data = os.path.join(HERE, "..", "..", "pynet", "app", "data")
    small = pynet.NeuralNetwork(64, 32, 10, 0.3, seed=1)
    digits8x8.train(small, os.path.join(data, digits8x8.TRAIN))
    write_doubles(os.path.join(out, "digits8x8.bin"), parameters(small))
    right, _ = digits8x8.evaluate(small, os.path.join(data, digits8x8.TEST))

    with open(os.path.join(out, "reference.json"), "w") as f:
        json.dump({"trainer": trainer.__name__, "initial": initial, "predictions": predictions,
                   "training": training, "digits8x8_right": right}, f)
    print("make_fixtures: wrote %s (model trained by %s)" % (out, trainer.__name__))


if __name__ == "__main__":
    main()
