"""Milliseconds per 784-100-10 training step in pure Python, beside the alternatives.

    python benchmarks/bench_pure.py [--steps 20] [--repeats 5]

Runs, side by side in one process and on the same MNIST-like rows: pynet,
the naive index-loop version in ``naive.py``, and the seed's numpy class when
numpy is installed. Prints the median of the repeats and the ratios. Works on
any interpreter (PyPy included); numpy is optional.
"""

import argparse
import os
import platform
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
try:  # the installed pynet (with its compiled backend), else this checkout's source
    import pynet  # noqa: F401
except ImportError:
    sys.path.insert(0, ROOT)
sys.path.insert(0, HERE)

import pynet  # noqa: E402
from naive import NaiveNetwork  # noqa: E402


def rows(count, width=784):
    """Deterministic rows shaped like scaled MNIST digits (0.01 background, bright strokes)."""
    out = []
    state = 12345
    for _ in range(count):
        row = []
        for _ in range(width):
            state = (state * 1103515245 + 12345) % 2 ** 31
            p = state % 256 if state % 5 == 0 else 0
            row.append(p / 255 * 0.99 + 0.01)
        out.append(row)
    return out


def median(values):
    values = sorted(values)
    return values[len(values) // 2]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20, help="training steps per timing")
    parser.add_argument("--repeats", type=int, default=5, help="timings per contender (the median is kept)")
    args = parser.parse_args()

    data = rows(args.steps)
    targets = [[0.99 if k == i % 10 else 0.01 for k in range(10)] for i in range(args.steps)]
    start = pynet.NeuralNetwork(784, 100, 10, 0.3, seed=1)
    W_ih, W_ho = start.get_weights()

    contenders = {
        "pynet": lambda: pynet.NeuralNetwork.from_dict(start.to_dict()),
        "naive index loops": lambda: NaiveNetwork(W_ih, W_ho, 0.3),
    }
    try:
        import numpy as np
        sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests"))
        from seed_numpy import neuralNetwork

        def make_numpy():
            net = neuralNetwork(784, 100, 10, 0.3)
            net.W_ih, net.W_ho = np.array(W_ih), np.array(W_ho)
            return net
        contenders["seed numpy class"] = make_numpy
    except ImportError:
        pass

    times = {name: [] for name in contenders}
    for _ in range(args.repeats):  # interleaved, so that load on the machine hits all alike
        for name, make in contenders.items():
            net = make()
            begin = time.perf_counter()
            for x, t in zip(data, targets):
                net.train(x, t)
            times[name].append((time.perf_counter() - begin) / args.steps)

    print("%s %s, 784-100-10, %d steps x %d repeats (median)" % (
        platform.python_implementation(), platform.python_version(), args.steps, args.repeats))
    print("| implementation | ms per training step | vs pynet |")
    print("|---|---:|---:|")
    ours = median(times["pynet"])
    for name in contenders:
        ms = median(times[name]) * 1e3
        print("| %s | %.3f | %.2fx |" % (name, ms, median(times[name]) / ours))


if __name__ == "__main__":
    main()
