"""Microseconds per training sample and per query: pynet_fast, pynet, and the seed's numpy class.

    python benchmarks/bench_speed.py [--samples 1000] [--pure-samples 10] [--repeats 5]

One process, on real MNIST rows (the first training images of ``../shared/data/mnist``,
scaled as in docs/maths.md), for 784-100-10 and 784-200-10. Each timing is repeated and the
median kept; the contenders take turns, so that load on the machine hits all alike.

- the seed's numpy class (``tests/seed_numpy.py``), when numpy is installed, fed
  numpy rows as the seed's notebook feeds it; every ratio is its time over the other's;
- ``pynet_fast``: a loop of ``train`` / ``query`` over lists of floats, and ``train_many``
  / ``query_many`` over one 2-D buffer (``memoryview`` of ``scale_pixels``' output);
- ``pynet``, the pure backend: a loop of ``train`` / ``query`` on fewer samples.

Prints a Markdown table. Which kernels of pynet_fast are measured is printed above
it: ``avx2`` (chosen at import on x86-64 CPUs with AVX2), ``portable`` (elsewhere, or
forced with ``PYNET_FAST_KERNELS=portable``) or ``native`` (built with ``PYNET_NATIVE=1``).
"""

import argparse
import gzip
import os
import platform
import struct
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
MNIST_DIR = os.path.join(os.path.dirname(ROOT), "shared", "data", "mnist")
SHAPES = ((784, 100, 10), (784, 200, 10))


def mnist_rows(count):
    """``(pixels, labels)``: the first ``count`` canonical MNIST training images as bytes."""
    with gzip.open(os.path.join(MNIST_DIR, "train-images-idx3-ubyte.gz")) as f:
        _, n, rows, cols = struct.unpack(">IIII", f.read(16))
        pixels = f.read(min(count, n) * rows * cols)
    with gzip.open(os.path.join(MNIST_DIR, "train-labels-idx1-ubyte.gz")) as f:
        f.read(8)
        labels = f.read(min(count, n))
    return pixels, labels



def sample_loops(net, inputs, targets):
    """``(train, query, count)``: one call of ``net.train`` / ``net.query`` per sample."""
    def train():
        for x, t in zip(inputs, targets):
            net.train(x, t)

    def query():
        for x in inputs:
            net.query(x)
    return train, query, len(inputs)

def median(values):
    values = sorted(values)
    return values[len(values) // 2]


def timed(run, count):
    begin = time.perf_counter()
    run()
    return (time.perf_counter() - begin) / count * 1e6  # microseconds per sample


def contenders(shape, data, args):
    """``{name: (make_network, train_one_timing, query_one_timing)}`` for one network shape."""
    import pynet
    from pynet.mnist import PIXEL_SCALE

    pixels, labels, n = data
    inputs = [[PIXEL_SCALE[p] for p in pixels[k * 784:(k + 1) * 784]] for k in range(n)]
    targets = [[0.99 if d == labels[k] else 0.01 for d in range(10)] for k in range(n)]
    start = pynet.NeuralNetwork(*shape, 0.3, seed=1)
    model = start.to_dict()
    out = {}

    try:
        import pynet_fast
    except ImportError as error:
        print("pynet_fast is not built (%s): its rows are left out" % error, file=sys.stderr)
    else:
        rows = memoryview(pynet_fast.scale_pixels(pixels[:n * 784])).cast("B").cast("d", (n, 784))
        target_rows = memoryview(pynet.mnist.target_rows(labels[:n])).cast("B").cast("d", (n, 10))

        def fast_loop(net):
            return sample_loops(net, inputs, targets)

        def fast_many(net):
            return (lambda: net.train_many(rows, target_rows)), (lambda: net.query_many(rows)), n

        out["pynet_fast `train` / `query` (lists)"] = (lambda: pynet_fast.NeuralNetwork.from_dict(model), fast_loop)
        out["pynet_fast `train_many` / `query_many` (2-D buffer)"] = (
            lambda: pynet_fast.NeuralNetwork.from_dict(model), fast_many)

    def pure_loop(net):
        return sample_loops(net, inputs[:args.pure_samples], targets[:args.pure_samples])

    out["pynet `train` / `query` (lists)"] = (lambda: pynet.NeuralNetwork.from_dict(model), pure_loop)

    try:
        import numpy as np
        sys.path.insert(0, os.path.join(ROOT, "tests"))
        from seed_numpy import neuralNetwork
    except ImportError:
        print("numpy is not installed: the seed's numpy class is left out", file=sys.stderr)
    else:
        W_ih, W_ho = start.get_weights()
        np_inputs = [np.asarray(x) for x in inputs]
        np_targets = [np.asarray(t) for t in targets]

        def make_numpy():
            net = neuralNetwork(*shape, 0.3)
            net.W_ih, net.W_ho = np.array(W_ih), np.array(W_ho)
            return net

        def numpy_loop(net):
            return sample_loops(net, np_inputs, np_targets)

        out["seed's numpy class (numpy rows)"] = (make_numpy, numpy_loop)
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=1000, help="MNIST rows per timing (pynet_fast, numpy)")
    parser.add_argument("--pure-samples", type=int, default=10, help="rows per timing for pure pynet")
    parser.add_argument("--repeats", type=int, default=5, help="timings per contender (the median is kept)")
    args = parser.parse_args()
    try:
        import pynet  # noqa: F401  (the installed package)
    except ImportError:
        sys.path.insert(0, ROOT)  # or this checkout's

    pixels, labels = mnist_rows(args.samples)
    data = (pixels, labels, len(labels))
    try:
        import pynet_fast
        build = "pynet_fast kernels: %s" % pynet_fast.KERNELS
    except ImportError:
        build = "pynet_fast: not built"
    print("%s %s on %s; %s; OPENBLAS_CORETYPE=%s" % (
        platform.python_implementation(), platform.python_version(), platform.machine(), build,
        os.environ.get("OPENBLAS_CORETYPE", "(unset)")))
    print("median of %d timings; %d MNIST rows per timing (pynet: %d)" % (
        args.repeats, len(labels), args.pure_samples))
    print()
    print("| network | implementation | µs per training sample | vs numpy | µs per query | vs numpy |")
    print("|---|---|---:|---:|---:|---:|")
    for shape in SHAPES:
        table = contenders(shape, data, args)
        times = {name: ([], []) for name in table}
        for _ in range(args.repeats):
            for name, (make, timings) in table.items():
                train, query, count = timings(make())
                times[name][0].append(timed(train, count))
                times[name][1].append(timed(query, count))
        reference = [median(t) for t in times.get("seed's numpy class (numpy rows)", ([], []))]
        for name in table:
            train_us, query_us = median(times[name][0]), median(times[name][1])
            ratios = [ratio(ref / us) if ref else "" for ref, us in zip(reference or [0, 0], (train_us, query_us))]
            print("| %s | %s | %s | %s | %s | %s |" % (
                "-".join(map(str, shape)), name, figure(train_us), ratios[0], figure(query_us), ratios[1]))


def ratio(r):
    return "%.1fx" % r if r >= 0.95 else "%.3fx" % r


def figure(us):
    return "%.0f" % us if us >= 100 else "%.1f" % us


if __name__ == "__main__":
    main()
