"""How much the data layer costs next to the network's own work.

    python benchmarks/data_overhead.py [--data DIR] [--hidden 100] [--backend fast]

1. ``scale_pixels`` on all 60,000 training images, a chunk of 1,000 rows at a time:
   pynet's (``bytes.translate``), pynet_fast's when it is built, and a plain list
   comprehension over ``PIXEL_SCALE`` for comparison; all must give the same bits.
2. One epoch of the network alone: ``train_many`` on rows converted beforehand
   (the kernel time), then the same epoch through ``pynet train`` in this process
   (reading the files, converting every chunk, testing after the epoch), and the
   ratio of the two.

``--data`` takes what ``pynet train --data`` takes; the default is the subset bundled with
the package (6,000 training images), so the script runs in a bare clone; give a folder of
full MNIST for the figures in the README.
"""

import argparse
import io
import os
import sys
import time
from array import array

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
try:  # the installed pynet (with its compiled backend), else this checkout's source
    import pynet  # noqa: F401
except ImportError:
    sys.path.insert(0, ROOT)

from pynet.app import cli, mnist  # noqa: E402
from pynet.app.backend import choose_backend  # noqa: E402
from pynet.conventions import PIXEL_SCALE  # noqa: E402

CHUNK = 1000


def comprehension(pixels):
    table = PIXEL_SCALE
    return array("d", [table[p] for p in pixels])


def time_scaling(name, function, pixels, size):
    started = time.perf_counter()
    for start in range(0, len(pixels), CHUNK * size):
        function(pixels[start:start + CHUNK * size])
    seconds = time.perf_counter() - started
    print("scale_pixels %-22s %6.3f s for %d rows" % (name, seconds, len(pixels) // size))
    return seconds


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default="bundled", help="MNIST as pynet train --data takes it (default: bundled)")
    parser.add_argument("--hidden", default="100")
    parser.add_argument("--lr", default="0.3")
    parser.add_argument("--backend", default="fast")
    args = parser.parse_args()

    train, test = mnist.load(args.data)
    size = train.size
    reference = comprehension(train.images[:CHUNK * size]).tobytes()
    candidates = [("pynet (translate)", mnist.scale_pixels), ("list comprehension", comprehension)]
    try:
        import pynet_fast
        candidates.insert(1, ("pynet_fast (compiled)", pynet_fast.scale_pixels))
    except ImportError as error:
        print("pynet_fast is not built: %s" % error)
    for name, function in candidates:
        assert array("d", function(train.images[:CHUNK * size])).tobytes() == reference, name
        time_scaling(name, function, train.images, size)

    backend = choose_backend(args.backend)
    hidden = [int(n) for n in args.hidden.split(",")]
    network = backend.network_class(size, hidden if len(hidden) > 1 else hidden[0], 10, float(args.lr), seed=1)
    chunks = []
    for start in range(0, len(train), CHUNK):
        stop = min(start + CHUNK, len(train))
        chunks.append((backend.input_rows(train.images[start * size:stop * size], stop - start, size),
                       backend.target_rows(train.labels[start:stop])))
    started = time.perf_counter()
    for rows, targets in chunks:
        network.train_many(rows, targets)
    kernel = time.perf_counter() - started
    del chunks
    print("kernel alone (%s, 784-%s-10): %.2f s for one epoch of train_many" % (backend.name, args.hidden, kernel))

    out = io.StringIO()
    argv = ["train", "--data", args.data, "--hidden", args.hidden, "--lr", args.lr, "--seed", "1",
            "--backend", args.backend, "--quiet"]
    saved = sys.stdout
    sys.stdout = out
    started = time.perf_counter()
    try:
        assert cli.main(argv) == 0
    finally:
        sys.stdout = saved
    whole = time.perf_counter() - started
    print(out.getvalue().strip())
    print("pynet train, one epoch with loading and testing: %.2f s = %.2fx the kernel time" % (whole, whole / kernel))


if __name__ == "__main__":
    main()
