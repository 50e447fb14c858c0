"""MNIST data: readers, the pixel scaling of the data conventions, and the bundled subset.

A data set is kept as it is stored, one byte per pixel: ``Dataset.images`` is a single
``bytes`` object of ``len(dataset) * rows * cols`` pixels, row-major, image after image,
and ``Dataset.labels`` a ``bytes`` object of one label per image. Full MNIST thus takes
about 55 MB; rows become floats only when they are used, a chunk at a time.

Scaling (``pynet.conventions``; docs/maths.md, "Data"): pixel ``p`` in 0..255 becomes ``p / 255 * 0.99 + 0.01``
(computed in that order, so that every backend gets the same bits), and a label ``d``
becomes the target vector with 0.99 at index ``d`` and 0.01 elsewhere.

Where the data comes from (``load``):

- ``None`` or ``"bundled"``: the subset shipped inside the package (below);
- a folder holding the four canonical IDX files, each gzipped or not:
  ``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte``, ``t10k-images-idx3-ubyte``,
  ``t10k-labels-idx1-ubyte`` (with or without ``.gz``), as ``pynet download`` leaves them;
- ``"downloaded"``: the folder ``pynet download`` fills by default (``default_cache_dir()``; ``pynet.app.download`` fills it);
- CSV files in the form of the seed's lineage (``mnist_train_100.csv``: a label, then 784
  pixel values 0-255, per line): either ``"TRAIN.csv,TEST.csv"``, two paths joined by a
  comma, or a folder holding exactly one ``mnist_train*.csv`` and one ``mnist_test*.csv``.

A path that exists always wins over the words ``bundled`` and ``downloaded``.

The bundled subset (``pynet/app/data/``) is drawn from canonical MNIST by a fixed rule: the
first 6,000 training images and labels and the first 1,000 test images and labels, in
their original order, stored as IDX files with the canonical names, gzipped at level 9
with a zero timestamp so that the files are reproducible. ``benchmarks/make_subset.py``
regenerates them from the canonical files; ``BUNDLED_SHA256`` below holds the SHA-256 of
each decompressed file and is checked on every load.
"""

import gzip
import hashlib
import os
import struct
import zlib
from array import array

from ..conventions import PIXEL_SCALE, scale_row, targets  # noqa: F401 (part of this module's API)
from .claims import check_claim, read_bounded

ROWS = COLS = 28
CLASSES = 10


#: the file names of canonical MNIST, without ``.gz``
IDX_NAMES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}

def default_cache_dir():
    """Where ``pynet download`` puts full MNIST: ``$XDG_CACHE_HOME/pynet/mnist`` or ``~/.cache/pynet/mnist``."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "pynet", "mnist")


#: the rule the bundled subset follows: the first images of each canonical file
BUNDLED_COUNTS = {"train": 6000, "test": 1000}

#: SHA-256 of each bundled file after decompression
BUNDLED_SHA256 = {
    "train-images-idx3-ubyte": "2782ff6f3467f3487a520503c34fe99b761aa97623af029969e59716ac3585c3",
    "train-labels-idx1-ubyte": "0d830540a6191e75a9f5cd63cd5b4bde38960b893784bbf456d560179296d7cd",
    "t10k-images-idx3-ubyte": "de7c252b04f05e1f8309634180ccdf286dc6dbac8c579b74e76e02ae0331ca52",
    "t10k-labels-idx1-ubyte": "832c0d20f0dc42e575488c75a83a970787d4c8d4d05831b2ef03701b4a478a90",
}

BUNDLED_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")

_IDX_UBYTE = 0x08
_GZIP_MAGIC = b"\x1f\x8b"


# -- scaling ----------------------------------------------------------------------


def _byte_tables():
    """Eight ``bytes.translate`` tables: table ``k`` maps a pixel to byte ``k`` of its double."""
    packed = [struct.pack("=d", value) for value in PIXEL_SCALE]  # native order, as array('d')
    return [bytes(double[k] for double in packed) for k in range(8)]


_TABLES = _byte_tables()


_BLOCK = 8192  # pixels per step of scale_pixels: its 64 KB of doubles stay in the CPU's cache


def scale_pixels(pixels):
    """Scale many pixels at once: bytes-like ``pixels`` -> ``array('d')`` of the same length.

    Bit for bit the same values as ``PIXEL_SCALE[p]`` for each pixel. For each block of
    pixels, byte ``k`` of every double is looked up by one ``bytes.translate`` and
    spread into place by one extended-slice assignment into a reused buffer, so the work
    runs in C. On 60,000 MNIST rows this is about four times faster than
    ``array('d', [PIXEL_SCALE[p] for p in pixels])``. Convert a chunk of rows at a time
    (say 1,000): the result takes 8 bytes per pixel.
    """
    if not isinstance(pixels, (bytes, bytearray)):
        pixels = bytes(pixels)
    out = array("d")
    buffer = bytearray(8 * _BLOCK)
    tables = _TABLES
    for start in range(0, len(pixels), _BLOCK):
        block = pixels[start:start + _BLOCK]
        if len(block) != _BLOCK:
            buffer = bytearray(8 * len(block))
        for k in range(8):
            buffer[k::8] = block.translate(tables[k])
        out.frombytes(buffer)
    return out


_TARGET_BYTES = [array("d", targets(label)).tobytes() for label in range(CLASSES)]


def target_rows(labels):
    """The target vectors of many labels (bytes-like), as one flat ``array('d')``."""
    try:
        joined = b"".join([_TARGET_BYTES[label] for label in labels])
    except IndexError:
        raise ValueError("a label is outside 0..%d" % (CLASSES - 1))
    return array("d", joined)


# -- the data set -------------------------------------------------------------------------


class Dataset:
    """Images and labels kept as bytes: ``images[k*size:(k+1)*size]`` is image ``k``."""

    def __init__(self, images, labels, rows=ROWS, cols=COLS, name="data"):
        self.images = images
        self.labels = labels
        self.rows = rows
        self.cols = cols
        self.name = name
        size = rows * cols
        if size <= 0 or len(images) != len(labels) * size:
            raise ValueError("%s: %d pixels do not make %d images of %dx%d"
                             % (name, len(images), len(labels), rows, cols))

    @property
    def size(self):
        """Pixels per image (784 for MNIST)."""
        return self.rows * self.cols

    def __len__(self):
        return len(self.labels)

    def __repr__(self):
        return "Dataset(%r, %d images of %dx%d)" % (self.name, len(self), self.rows, self.cols)

    def image(self, k):
        """Image ``k``'s pixels as bytes."""
        if not 0 <= k < len(self):
            raise IndexError("image %d of %d" % (k, len(self)))
        size = self.size
        return self.images[k * size:(k + 1) * size]

    def label(self, k):
        return self.labels[k]

    def scaled(self, k):
        """Image ``k`` scaled for the network, a list of floats."""
        return scale_row(self.image(k))

    def pixels(self, indices):
        """The pixels of the images at ``indices`` (any iterable of ints), one bytes object."""
        size = self.size
        images = self.images
        return b"".join([images[k * size:(k + 1) * size] for k in indices])

    def head(self, count):
        """A data set of the first ``count`` images (all of them when ``count`` is None)."""
        if count is None or count >= len(self):
            return self
        if count < 0:
            raise ValueError("count must be at least 0, got %d" % count)
        return Dataset(self.images[:count * self.size], self.labels[:count],
                       self.rows, self.cols, self.name)


# -- IDX --------------------------------------------------------------------------------


def _open(path):
    """The file at ``path``, decompressing on the fly when it starts like a gzip file."""
    f = open(path, "rb")
    try:
        start = f.read(2)
        f.seek(0)
    except BaseException:
        f.close()
        raise
    if start == _GZIP_MAGIC:
        return gzip.GzipFile(fileobj=f, mode="rb"), f
    return f, f


def read_idx(path, expected_dims=None):
    """Read an IDX file of unsigned bytes (gzipped or not): returns ``(dims, data)``.

    ``dims`` is the tuple of dimensions from the header and ``data`` the bytes after
    it. A wrong magic number, a wrong number of dimensions, a truncated file or data
    left over after the last item raise ``ValueError`` naming the file and the problem.
    """
    path = os.fspath(path)
    stream, raw = _open(path)
    try:
        try:
            header = stream.read(4)
            if len(header) < 4:
                raise ValueError("%s: not an IDX file (only %d bytes)" % (path, len(header)))
            zero, kind, ndim = struct.unpack(">HBB", header)
            if zero != 0 or kind != _IDX_UBYTE or ndim == 0:
                raise ValueError("%s: not an IDX file of unsigned bytes (magic number 0x%s)"
                                 % (path, header.hex()))
            if expected_dims is not None and ndim != expected_dims:
                raise ValueError("%s: has %d dimensions, expected %d" % (path, ndim, expected_dims))
            shape = stream.read(4 * ndim)
            if len(shape) < 4 * ndim:
                raise ValueError("%s: truncated in its header" % path)
            dims = struct.unpack(">%dI" % ndim, shape)
            count = 1
            for d in dims:
                count *= d
            check_claim(path, raw, stream is not raw, 4 + 4 * ndim, count)
            data = read_bounded(stream, count)
            if len(data) < count:
                raise ValueError("%s: truncated: the header promises %d bytes of data, the file has %d"
                                 % (path, count, len(data)))
            if stream.read(1):
                raise ValueError("%s: has data after the %d bytes its header promises" % (path, count))
        except (OSError, EOFError, zlib.error) as error:
            raise ValueError("%s: damaged compressed file (%s)" % (path, error))
    finally:
        stream.close()
        raw.close()
    return dims, data


def read_idx_images(path):
    """``(count, rows, cols, pixels)`` from an IDX3 image file."""
    (count, rows, cols), pixels = read_idx(path, 3)
    if rows == 0 or cols == 0:
        raise ValueError("%s: images of %d x %d pixels" % (os.fspath(path), rows, cols))
    return count, rows, cols, pixels


def read_idx_labels(path):
    """The labels of an IDX1 label file, as bytes."""
    (count,), labels = read_idx(path, 1)
    return labels


def _check_labels(labels, name):
    bad = labels.translate(None, bytes(range(CLASSES)))
    if bad:
        raise ValueError("%s: label %d is outside 0..%d" % (name, bad[0], CLASSES - 1))


def read_idx_pair(images_path, labels_path):
    """A ``Dataset`` from an IDX image file and its IDX label file."""
    count, rows, cols, pixels = read_idx_images(images_path)
    labels = read_idx_labels(labels_path)
    if len(labels) != count:
        raise ValueError("%s holds %d images but %s holds %d labels"
                         % (images_path, count, labels_path, len(labels)))
    _check_labels(labels, os.fspath(labels_path))
    return Dataset(pixels, labels, rows, cols, name=os.fspath(images_path))


def _find_idx(folder, base):
    for name in (base, base + ".gz"):
        path = os.path.join(folder, name)
        if os.path.isfile(path):
            return path
    return None


def read_idx_folder(folder):
    """``(train, test)`` from a folder holding the four canonical IDX files."""
    paths = {}
    for key, base in IDX_NAMES.items():
        paths[key] = _find_idx(folder, base)
        if paths[key] is None:
            raise ValueError("%s: no %s or %s.gz" % (folder, base, base))
    train = read_idx_pair(paths["train_images"], paths["train_labels"])
    test = read_idx_pair(paths["test_images"], paths["test_labels"])
    train.name = "MNIST in %s (train)" % folder
    test.name = "MNIST in %s (test)" % folder
    return train, test


# -- CSV ------------------------------------------------------------------------------


def read_csv(path, rows=ROWS, cols=COLS):
    """A ``Dataset`` from a CSV file: per line a label, then ``rows*cols`` pixels 0..255.

    Blank lines are skipped, and so is a first line that is a header (its first field
    not a number). Anything else that is not right raises ``ValueError`` naming the
    file and line.
    """
    path = os.fspath(path)
    size = rows * cols
    pixels = bytearray()
    labels = bytearray()
    try:
        f = open(path, "r", encoding="ascii", newline="")
    except OSError as error:
        raise ValueError("%s: cannot open (%s)" % (path, error.strerror or error))
    with f:
        try:
            longest = 16 * (size + 1) + 1024  # room for a header "label,pixel0,..." and for spaces
            number = 0
            while True:
                line = f.readline(longest + 1)
                if not line:
                    break
                number += 1
                if len(line) > longest:
                    raise ValueError("%s, line %d: longer than %d characters, more than a label and %d pixels take"
                                     % (path, number, longest, size))
                line = line.strip()
                if not line:
                    continue
                fields = line.split(",")
                if number == 1 and not fields[0].strip().lstrip("+-").isdigit():
                    continue  # a header such as "label,pixel0,..." (a label such as -1 is data)
                if len(fields) != size + 1:
                    raise ValueError("%s, line %d: %d values, expected a label and %d pixels"
                                     % (path, number, len(fields), size))
                try:
                    values = [int(field) for field in fields]
                    label = values[0]
                    if not 0 <= label < CLASSES:
                        raise ValueError("label %d is outside 0..%d" % (label, CLASSES - 1))
                    pixels.extend(values[1:])
                except ValueError as error:
                    message = str(error)
                    if message.startswith("byte must be"):
                        message = "a pixel is outside 0..255"
                    elif message.startswith("invalid literal"):
                        message = "a value is not a whole number"
                    raise ValueError("%s, line %d: %s" % (path, number, message))
                labels.append(label)
        except UnicodeDecodeError:
            raise ValueError("%s: not a text file of numbers" % path)
    if not labels:
        raise ValueError("%s: no images" % path)
    return Dataset(bytes(pixels), bytes(labels), rows, cols, name=path)


def _csv_in_folder(folder, prefix):
    found = sorted(name for name in os.listdir(folder)
                   if name.startswith(prefix) and name.endswith(".csv"))
    if len(found) != 1:
        what = "no" if not found else "%d" % len(found)
        raise ValueError("%s: %s files named %s*.csv; expected exactly one" % (folder, what, prefix))
    return os.path.join(folder, found[0])


# -- the bundled subset --------------------------------------------------------------


def _read_bundled(base):
    path = os.path.join(BUNDLED_DIR, base + ".gz")
    try:
        with open(path, "rb") as f:
            data = gzip.decompress(f.read())
    except (OSError, EOFError, zlib.error) as error:
        raise ValueError("bundled data %s is missing or damaged (%s); reinstall pynet" % (path, error))
    if hashlib.sha256(data).hexdigest() != BUNDLED_SHA256[base]:
        raise ValueError("bundled data %s fails its checksum; reinstall pynet" % path)
    return data


def _parse_idx_bytes(data, ndim):
    """``(dims, body)`` of an IDX file held in memory (the bundled ones, already checksummed)."""
    header = 4 + 4 * ndim
    dims = struct.unpack(">%dI" % ndim, data[4:header])
    return dims, data[header:]


def bundled():
    """``(train, test)``: the subset of MNIST shipped with the package, checksums verified."""
    sets = []
    for part in ("train", "test"):
        prefix = "t10k" if part == "test" else "train"
        images = _read_bundled(prefix + "-images-idx3-ubyte")
        labels = _read_bundled(prefix + "-labels-idx1-ubyte")
        (count, rows, cols), pixels = _parse_idx_bytes(images, 3)
        del images
        _, label_bytes = _parse_idx_bytes(labels, 1)
        sets.append(Dataset(pixels, label_bytes, rows, cols, name="bundled MNIST subset (%s)" % part))
    return sets[0], sets[1]


# -- one entry point ------------------------------------------------------------------


def load(data=None):
    """``(train, test)`` data sets from ``data``; see the module docstring for the forms.

    Raises ``ValueError`` with a message naming the file and the problem when the
    data cannot be found or read.
    """
    if data is None:
        return bundled()
    data = os.fspath(data)
    if not os.path.exists(data):
        if data == "bundled":
            return bundled()
        if data == "downloaded":
            folder = default_cache_dir()
            if not os.path.isdir(folder):
                raise ValueError("no downloaded MNIST in %s; run 'pynet download' first" % folder)
            return read_idx_folder(folder)
        if "," in data:
            parts = [part.strip() for part in data.split(",")]
            if len(parts) != 2 or not all(parts):
                raise ValueError("%r: give CSV data as TRAIN.csv,TEST.csv" % data)
            for part in parts:
                if not os.path.isfile(part):
                    raise ValueError("%s: no such file" % part)
            return read_csv(parts[0]), read_csv(parts[1])
        raise ValueError("%s: no such file or folder" % data)
    if os.path.isdir(data):
        if all(_find_idx(data, base) for base in IDX_NAMES.values()):
            return read_idx_folder(data)
        names = os.listdir(data)
        if any(name.endswith(".csv") for name in names):
            return read_csv(_csv_in_folder(data, "mnist_train")), read_csv(_csv_in_folder(data, "mnist_test"))
        return read_idx_folder(data)  # names the first missing IDX file
    raise ValueError("%s: a single file is not enough; give a folder, or CSV files as TRAIN.csv,TEST.csv"
                     % data)
