"""A 64-32-10 network that learns 8 x 8 digits on a board, in a 256 KB heap.

Copy to the board ``pynet`` (the core: ``mip install`` it, see the README) and, beside
this file, ``digits8x8-train.bin`` and ``digits8x8-test.bin`` from ``pynet/app/data``
(made by ``make_digits8x8.py``; 33 bytes per image: the label, then 64 pixels of 4 bits).
Then ``import digits8x8; digits8x8.main()`` trains on the 6,000 training digits, tests
on the 1,000 test digits and prints the accuracy and the heap in use. The images are
read from the file one at a time, so the data never has to fit in memory.
It runs unchanged on CPython: ``python examples/board/digits8x8.py DATA_DIR``.
"""

import gc
import sys

import pynet

TRAIN, TEST = "digits8x8-train.bin", "digits8x8-test.bin"
RECORD = 33
LEVELS = [k / 15 * 0.99 + 0.01 for k in range(16)]  # 4-bit pixels scaled as pynet scales MNIST's bytes
TARGETS = [[0.99 if k == label else 0.01 for k in range(10)] for label in range(10)]


def digits(path):
    """``(label, inputs)`` for every image in the file at ``path``, one at a time."""
    with open(path, "rb") as f:
        while True:
            record = f.read(RECORD)
            if len(record) < RECORD:
                return
            inputs = []
            for byte in record[1:]:
                inputs.append(LEVELS[byte >> 4])
                inputs.append(LEVELS[byte & 15])
            yield record[0], inputs


def train(net, path, epochs=1):
    """Train ``net`` on every image in ``path``, ``epochs`` times; the mean loss of the last epoch."""
    for _ in range(epochs):
        total, count = 0.0, 0
        for label, inputs in digits(path):
            total += net.train(inputs, TARGETS[label])
            count += 1
        gc.collect()
    return total / count


def evaluate(net, path):
    """``(right, total)``: how many digits in ``path`` the network names correctly."""
    right = total = 0
    for label, inputs in digits(path):
        right += net.predict(inputs) == label
        total += 1
    return right, total


def main(folder=".", epochs=3, seed=1):
    net = pynet.NeuralNetwork(64, 32, 10, 0.3, seed=seed)
    for epoch in range(1, epochs + 1):
        loss = train(net, folder + "/" + TRAIN)
        right, total = evaluate(net, folder + "/" + TEST)
        gc.collect()
        used = gc.mem_alloc() if hasattr(gc, "mem_alloc") else 0
        print("epoch %d: loss %.4f, %d of %d test digits right (%.1f%%)%s" % (
            epoch, loss, right, total, 100.0 * right / total, ", heap in use %d bytes" % used if used else ""))
    return net


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".")
