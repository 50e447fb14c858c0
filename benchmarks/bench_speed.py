"""Microseconds per training step and per query: pynet_fast, pynet, and the seed's numpy class.

    python benchmarks/bench_speed.py [--data DIR] [--baseline PYTHON] [--samples 1000]
                                     [--pure-samples 10] [--repeats 7]

Runs on the MNIST subset bundled with pynet (the first training images, and the test
images for ``query_many``), or on full MNIST with ``--data DIR`` (a folder of the four
IDX files), for 784-100-10 and 784-200-10. Prints one Markdown table.

Each contender runs in a process of its own, so that its peak memory (data included)
is its own; the processes take turns, each call timed in one contender after the other,
so that load on a shared machine hits all alike, and each figure is the median of the
rounds (with the spread, min to max):

- ``pynet_fast`` with the kernels it chooses (``KERNELS``: ``avx512``, ``avx2`` ...),
  and with the portable kernels forced (``PYNET_FAST_KERNELS=portable``): ``train`` and
  ``query`` called per sample on lists of floats, ``train_many`` and ``query_many`` on
  one 2-D float64 buffer (``train_many`` as it comes, on two threads when two CPUs are
  there, and again kept to one thread: ``pynet_fast.network.TRAIN_THREADS = 1``; calls of
  ``train`` in a row share their pass with the second CPU too);
- with ``--baseline PYTHON``, the same for the ``pynet_fast`` installed for that
  interpreter (a previous release, built in another environment): the table then gives
  this release's speed over it, call for call, kernels for kernels;
- the seed's numpy class (``tests/seed_numpy.py``, when numpy is installed), fed numpy
  rows as the seed's notebook feeds it; its ``query_many`` is numpy's two batched
  matrix products, ``sigmoid(sigmoid(X @ W1) @ W2)``, over all the test rows at once
  (with numpy's BLAS threads). Every "vs numpy" ratio is its time over the other's:
  per-sample ``train`` for ``train`` and ``train_many`` (the seed has no batched step);
- ``pynet``, the pure backend: ``train`` and ``query`` on ``--pure-samples`` rows.

Before each call's turn, ``placement.py``'s probe (a few milliseconds of C on the first two
CPUs) notes where the host runs them: two cores, or one core's two hyperthreads, whose
shared cache bounds what a second thread can do. Below the table, a line counts the
probes of each placement; when more than one was seen, a second table gives pynet_fast's
calls on two CPUs again, for the rounds of each placement apart.
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time

from statistics import median_high as median  # (the middle value, or the higher of the two)

from placement import PLACEMENTS, Probe, placement_of, summary

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SHAPES = ((784, 100, 10), (784, 200, 10))
CALLS = ("train", "train_many", "train_many_1", "query", "query_many")
REFERENCE = {"train": "train", "train_many": "train", "train_many_1": "train", "query": "query",
             "query_many": "query_many"}
TWO_THREADS = ("train", "train_many", "query", "query_many")  # the calls that use a second CPU
SHOWN = {"train_many_1": "`train_many`, one thread"}  # as the table names a call; else `call`
RATE = 0.3


# -- the worker: one contender in a process of its own -----------------------------------

def read_data(folder):
    """``(train_pixels, train_labels, test_pixels)`` as the main process wrote them."""
    parts = []
    for name in ("train_pixels", "train_labels", "test_pixels"):
        with open(os.path.join(folder, name), "rb") as f:
            parts.append(f.read())
    return parts


SCALE = [p / 255 * 0.99 + 0.01 for p in range(256)]  # docs/maths.md's pixel scaling


def scaled(pixels):
    """Rows of 784 floats (lists)."""
    return [[SCALE[p] for p in pixels[k:k + 784]] for k in range(0, len(pixels), 784)]


def scaled_buffer(pixels):
    """The same rows as one 2-D float64 buffer, made without lists."""
    from array import array
    flat = array("d", map(SCALE.__getitem__, pixels))
    return memoryview(flat).cast("B").cast("d", (len(pixels) // 784, 784))


def target_buffer(labels):
    from array import array
    flat = array("d", [0.01]) * (10 * len(labels))
    for k, label in enumerate(labels):
        flat[10 * k + label] = 0.99
    return memoryview(flat).cast("B").cast("d", (len(labels), 10))


class Contender:
    """The timings of one implementation: ``run(shape, call)`` -> µs per sample, or None."""

    def __init__(self, kind, data, samples, pure_samples):
        train_pixels, labels, test_pixels = data
        count = pure_samples if kind == "pynet" else samples
        self.kind = kind
        self.inputs = scaled(train_pixels[:count * 784])
        self.targets = [[0.99 if d == label else 0.01 for d in range(10)] for label in labels[:count]]
        if kind == "numpy":
            import numpy as np
            sys.path.insert(0, os.path.join(ROOT, "tests"))
            import seed_numpy
            self.np, self.seed = np, seed_numpy
            self.inputs = [np.asarray(x) for x in self.inputs]
            self.targets = [np.asarray(t) for t in self.targets]
            self.tests = np.asarray(SCALE)[np.frombuffer(test_pixels, dtype=np.uint8)].reshape(-1, 784)
        else:
            self.module = __import__(kind)
            if kind == "pynet_fast":
                self.input_rows = scaled_buffer(train_pixels[:count * 784])
                self.target_rows = target_buffer(labels[:count])
                self.test_rows = scaled_buffer(test_pixels)

    def info(self):
        if self.kind == "numpy":
            return {"version": self.np.__version__, "kernels": ""}
        return {"version": getattr(self.module, "__version__", "?"), "kernels": getattr(self.module, "KERNELS", "")}

    def network(self, shape):
        if self.kind == "numpy":
            net = self.seed.neuralNetwork(*shape, RATE)
            self.np.random.seed(1)
            return net
        return self.module.NeuralNetwork(*shape, RATE, seed=1)

    def run(self, shape, call):
        net = self.network(shape)
        if call == "train":
            return timed(lambda: [net.train(x, t) for x, t in zip(self.inputs, self.targets)], len(self.inputs))
        if call == "query":
            return timed(lambda: [net.query(x) for x in self.inputs], len(self.inputs))
        if self.kind == "pynet_fast" and call == "train_many":
            return timed(lambda: net.train_many(self.input_rows, self.target_rows), len(self.input_rows))
        if self.kind == "pynet_fast" and call == "train_many_1":  # the helper thread turned off
            network = sys.modules.get("pynet_fast.network")
            threads = getattr(network, "TRAIN_THREADS", None)
            if threads is not None:
                network.TRAIN_THREADS = 1
            try:
                return timed(lambda: net.train_many(self.input_rows, self.target_rows), len(self.input_rows))
            finally:
                if threads is not None:
                    network.TRAIN_THREADS = threads
        if self.kind == "pynet_fast" and call == "query_many":
            return timed(lambda: net.query_many(self.test_rows), len(self.test_rows))
        if self.kind == "numpy" and call == "query_many":
            expit, X = net.activate_func, self.tests
            return timed(lambda: expit(expit(X @ net.W_ih) @ net.W_ho), len(X))
        return None


def timed(run, count):
    begin = time.perf_counter()
    run()
    return (time.perf_counter() - begin) / count * 1e6


def peak_rss_mb():
    import resource
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024.0 * 1024.0) if sys.platform == "darwin" else peak / 1024.0


def worker(kind, folder, samples, pure_samples):
    """Answer one JSON line per command line on stdin: info, a timing, or the peak memory."""
    try:
        contender = Contender(kind, read_data(folder), samples, pure_samples)
    except ImportError as error:  # not installed for this interpreter: say so, and time nothing
        contender = None
        missing = "%s does not import (%s)" % (kind, error)
    for line in sys.stdin:
        command = json.loads(line)
        if contender is None:
            answer = {"error": missing}
        elif command["call"] == "info":
            answer = contender.info()
        elif command["call"] == "peak":
            answer = {"mb": peak_rss_mb()}
        else:
            answer = {"us": contender.run(tuple(command["shape"]), command["call"])}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


# -- the main process: data, the workers, the table ---------------------------------------

class Process:
    """A worker process and its name in the table."""

    def __init__(self, name, kind, python, env, args, folder, cwd):
        command = [python, os.path.abspath(__file__), "--worker", kind, "--worker-data", folder,
                   "--samples", str(args.samples), "--pure-samples", str(args.pure_samples)]
        self.name, self.kind = name, kind
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, cwd=cwd,
                                        universal_newlines=True)

    def ask(self, **command):
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError("%s stopped (exit status %s)" % (self.name, self.process.wait()))
        return json.loads(line)

    def close(self):
        self.process.stdin.close()
        self.process.wait()


def load_mnist(folder, samples):
    """``(train_pixels, train_labels, test_pixels, description)`` from this checkout's pynet."""
    try:
        from pynet.app import mnist
    except ImportError:
        sys.path.insert(0, ROOT)
        from pynet.app import mnist
    train, test = mnist.load(folder)
    count = min(samples, len(train.labels))
    return train.images[:count * 784], train.labels[:count], test.images, train.name


def environment(extra, source_tree):
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    if source_tree:  # this checkout's pynet, as the main process imports it
        import pynet
        env["PYTHONPATH"] = os.path.dirname(os.path.dirname(os.path.abspath(pynet.__file__)))
    env.update(extra)
    return env


def start_workers(args, folder, cwd):
    this = environment({}, True)
    plans = [("pynet_fast", "pynet_fast", sys.executable, this),
             ("pynet_fast, portable kernels", "pynet_fast", sys.executable, dict(this, PYNET_FAST_KERNELS="portable"))]
    if args.baseline:
        before = environment({}, False)
        plans += [("previous pynet_fast", "pynet_fast", args.baseline, before),
                  ("previous pynet_fast, portable kernels", "pynet_fast", args.baseline,
                   dict(before, PYNET_FAST_KERNELS="portable"))]
    plans += [("the seed's numpy class", "numpy", sys.executable, this), ("pynet (pure)", "pynet", sys.executable, this)]
    workers = []
    for name, kind, python, env in plans:
        process = Process(name, kind, python, env, args, folder, cwd)
        try:
            info = process.ask(call="info")
        except (RuntimeError, ValueError) as error:
            info = {"error": str(error)}
        if "error" in info:
            print("%s left out: %s" % (name, info["error"]), file=sys.stderr)
            process.close()
            continue
        process.info = info
        workers.append(process)
    return workers


def figure(us):
    return "%.0f" % us if us >= 100 else "%.1f" % us if us >= 10 else "%.2f" % us


def ratio(r):
    return "%.3fx" % r if r < 0.095 else "%.2fx" % r if r < 10 else "%.0fx" % r


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="a folder of full MNIST (IDX files); default: the bundled subset")
    parser.add_argument("--baseline", metavar="PYTHON", help="another environment's interpreter, whose "
                        "pynet_fast (a previous release) is timed beside this one")
    parser.add_argument("--samples", type=int, default=1000, help="training rows per timing (pynet_fast, numpy)")
    parser.add_argument("--pure-samples", type=int, default=10, help="rows per timing for pure pynet")
    parser.add_argument("--repeats", type=int, default=7, help="rounds of timings (the median is kept)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--worker-data", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(args.worker, args.worker_data, args.samples, args.pure_samples)

    train_pixels, labels, test_pixels, source = load_mnist(args.data, args.samples)
    with tempfile.TemporaryDirectory() as folder:
        for name, data in (("train_pixels", train_pixels), ("train_labels", labels), ("test_pixels", test_pixels)):
            with open(os.path.join(folder, name), "wb") as f:
                f.write(data)
        probe = Probe(folder)
        workers = start_workers(args, folder, folder)
        times = {}  # (worker name, shape, call) -> [µs], one per round
        placements = {}  # (shape, call) -> [the probe's (ns, slowdown) before that call's turn], one per round
        try:
            for process in workers:  # a first round, not counted: code and data warm
                for call in CALLS:
                    process.ask(shape=list(SHAPES[0]), call=call)
            for _ in range(args.repeats):
                for shape in SHAPES:
                    for call in CALLS:  # the contenders one after the other on each call
                        placements.setdefault((shape, call), []).append(probe.probe())
                        for process in workers:
                            us = process.ask(shape=list(shape), call=call)["us"]
                            if us is not None:
                                times.setdefault((process.name, shape, call), []).append(us)
            peaks = {process.name: process.ask(call="peak")["mb"] for process in workers}
        finally:
            for process in workers:
                process.close()
    print_table(workers, times, peaks, args, source, len(labels), len(test_pixels) // 784)
    print_placements(workers, times, placements, probe)


def print_table(workers, times, peaks, args, source, train_rows, test_rows):
    print("%s, %d CPUs; %s %s on %s" % (cpu_name(), os.cpu_count() or 1, platform.python_implementation(),
                                        platform.python_version(), platform.machine()))
    for process in workers:
        info = process.info
        print("- %s: %s%s" % (process.name, info["version"], ", kernels: %s" % info["kernels"] if info["kernels"] else ""))
    print("%s: %d training rows per timing (pynet: %d), %d test rows for query_many; median of %d rounds"
          % (source, train_rows, args.pure_samples, test_rows, args.repeats))
    print()
    print("| network | implementation | call | µs per sample | spread | vs numpy | vs previous | peak RSS |")
    print("|---|---|---|---:|---:|---:|---:|---:|")
    for shape in SHAPES:
        for process in workers:
            name = process.name
            kernels = process.info["kernels"]
            label = name + (" (%s)" % kernels if kernels and "portable" not in name else "")
            previous = "previous " + name if not name.startswith("previous") else None
            for call in CALLS:
                values = times.get((name, shape, call))
                if not values:
                    continue
                us = median(values)
                numpy = times.get(("the seed's numpy class", shape, REFERENCE[call]))
                before = times.get((previous, shape, call)) if previous else None
                print("| %s | %s | %s | %s | %s-%s | %s | %s | %.0f MB |" % (
                    "-".join(map(str, shape)), label, SHOWN.get(call, "`%s`" % call), figure(us), figure(min(values)), figure(max(values)),
                    ratio(median(numpy) / us) if numpy else "", ratio(median(before) / us) if before else "",
                    peaks[name]))


def print_placements(workers, times, placements, probe):
    """Where the host ran the two CPUs during the rounds; with more than one placement, the
    first implementation's figures for the calls that use two CPUs, again for the rounds of
    each placement apart."""
    print()
    if probe.program is None:
        print("Placement of the CPUs: not probed (%s)." % probe.reason)
        return
    seen = [p for turns in placements.values() for p in turns]
    print("Placement of CPUs %d and %d, probed before each call's turn (benchmarks/placement.py): %s."
          % (probe.cpus[0], probe.cpus[1], summary(seen)))
    named = {turn: [placement_of(p) for p in probes] for turn, probes in placements.items()}
    classes = [name for name in PLACEMENTS if any(name in names for names in named.values())]
    if len(classes) < 2 or not workers:
        return
    first = workers[0].name

    def in_placement(name, shape, call, placement):
        """The median of ``name``'s times for ``call`` over the rounds of ``placement``; None: none."""
        chosen = [us for us, p in zip(times.get((name, shape, call), []), named[(shape, call)]) if p == placement]
        return median(chosen) if chosen else None

    print()
    print("%s, by placement (medians of the rounds whose probe suggested it):" % first)
    print()
    print("| network | call | placement | rounds | µs per sample | vs numpy | vs previous |")
    print("|---|---|---|---:|---:|---:|---:|")
    for shape in SHAPES:
        for call in TWO_THREADS:
            for placement in classes:
                us = in_placement(first, shape, call, placement)
                if us is None:
                    continue
                numpy = in_placement("the seed's numpy class", shape, REFERENCE[call], placement)
                before = in_placement("previous " + first, shape, call, placement)
                print("| %s | %s | %s | %d | %s | %s | %s |" % (
                    "-".join(map(str, shape)), SHOWN.get(call, "`%s`" % call), placement,
                    named[(shape, call)].count(placement), figure(us),
                    ratio(numpy / us) if numpy else "", ratio(before / us) if before else ""))


if __name__ == "__main__":
    main()
