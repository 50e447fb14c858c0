"""Regenerate the MNIST subset bundled in ``pynet/app/data/`` from the canonical files.

The rule (also in ``pynet/app/mnist.py``): the first 6,000 training images and labels and
the first 1,000 test images and labels, in their original order, written as IDX files
under the canonical names and gzipped at level 9 with a zero timestamp, so that running
this again gives the same bytes. It prints the SHA-256 of each decompressed file, the
values ``pynet.app.mnist.BUNDLED_SHA256`` must hold.

    python benchmarks/make_subset.py [CANONICAL_DIR] [OUT_DIR]

CANONICAL_DIR is a folder of the four canonical files (for example what ``pynet download``
fetched: ``~/.cache/pynet/mnist``); OUT_DIR defaults to ``pynet/app/data``.
"""

import gzip
import hashlib
import os
import struct
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
try:  # the installed pynet (with its compiled backend), else this checkout's source
    import pynet  # noqa: F401
except ImportError:
    sys.path.insert(0, ROOT)

from pynet.app import mnist  # noqa: E402


def subset_files(canonical_dir):
    """``{name: bytes}``: the decompressed subset files, named as the canonical ones."""
    files = {}
    for part, prefix in (("train", "train"), ("test", "t10k")):
        count = mnist.BUNDLED_COUNTS[part]
        images = mnist.read_idx_pair(
            mnist._find_idx(canonical_dir, prefix + "-images-idx3-ubyte"),
            mnist._find_idx(canonical_dir, prefix + "-labels-idx1-ubyte")).head(count)
        files[prefix + "-images-idx3-ubyte"] = (
            struct.pack(">IIII", 0x803, count, images.rows, images.cols) + images.images)
        files[prefix + "-labels-idx1-ubyte"] = struct.pack(">II", 0x801, count) + images.labels
    return files


def main(argv=None):
    args = sys.argv[1:] if argv is None else argv
    if not args:
        print(__doc__)
        return 2
    canonical_dir = args[0]
    out_dir = args[1] if len(args) > 1 else os.path.join(ROOT, "pynet", "app", "data")
    os.makedirs(out_dir, exist_ok=True)
    total = 0
    for name, data in sorted(subset_files(canonical_dir).items()):
        packed = gzip.compress(data, compresslevel=9, mtime=0)
        with open(os.path.join(out_dir, name + ".gz"), "wb") as f:
            f.write(packed)
        total += len(packed)
        print('    "%s": "%s",  # %d bytes gzipped' % (name, hashlib.sha256(data).hexdigest(), len(packed)))
    print("total %d bytes in %s" % (total, out_dir))
    return 0


if __name__ == "__main__":
    sys.exit(main())
