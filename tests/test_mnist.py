"""The data layer: scaling, the IDX and CSV readers, ``load`` and the bundled subset."""

import gzip
import hashlib
import os
import random
import shutil
import struct
import subprocess
import sys
from array import array

import pytest

from helpers import ROOT, full_mnist_dir
from pynet.app import mnist


def idx_images(pixels, count, rows=28, cols=28):
    return struct.pack(">IIII", 0x803, count, rows, cols) + bytes(pixels)


def idx_labels(labels):
    return struct.pack(">II", 0x801, len(labels)) + bytes(labels)


def write(path, data, compress=False):
    path.write_bytes(gzip.compress(data) if compress else data)
    return path


def sample_data(count, seed=0, size=784):
    rng = random.Random(seed)
    pixels = bytes(rng.randrange(256) for _ in range(count * size))
    labels = bytes(rng.randrange(10) for _ in range(count))
    return pixels, labels


def write_idx_folder(folder, train_count=5, test_count=3, compress=(True, False, True, False)):
    folder.mkdir(parents=True, exist_ok=True)
    train = sample_data(train_count, 1)
    test = sample_data(test_count, 2)
    parts = [("train-images-idx3-ubyte", idx_images(train[0], train_count)),
             ("train-labels-idx1-ubyte", idx_labels(train[1])),
             ("t10k-images-idx3-ubyte", idx_images(test[0], test_count)),
             ("t10k-labels-idx1-ubyte", idx_labels(test[1]))]
    for (name, data), gz in zip(parts, compress):
        write(folder / (name + (".gz" if gz else "")), data, gz)
    return train, test


def csv_text(pixels, labels, size=784):
    lines = []
    for k, label in enumerate(labels):
        lines.append(",".join([str(label)] + [str(p) for p in pixels[k * size:(k + 1) * size]]))
    return "\n".join(lines) + "\n"


# -- scaling ------------------------------------------------------------------------------


def test_pixel_scale_is_the_spec_expression_bit_for_bit():
    assert len(mnist.PIXEL_SCALE) == 256
    for p in range(256):
        assert struct.pack("<d", mnist.PIXEL_SCALE[p]) == struct.pack("<d", (p / 255) * 0.99 + 0.01)
    assert mnist.PIXEL_SCALE[0] == 0.01
    assert mnist.PIXEL_SCALE[255] == 1.0


def test_scale_pixels_matches_the_table_bit_for_bit():
    every = bytes(range(256))
    rng = random.Random(5)
    noise = bytes(rng.randrange(256) for _ in range(784 * 7))
    blocks = bytes(rng.randrange(256) for _ in range(2 * mnist._BLOCK + 5))  # two whole blocks and a part
    for pixels in (every, noise, every[::-1] * 3, blocks, blocks[:mnist._BLOCK]):
        scaled = mnist.scale_pixels(pixels)
        assert isinstance(scaled, array) and scaled.typecode == "d"
        expected = array("d", [mnist.PIXEL_SCALE[p] for p in pixels])
        assert scaled.tobytes() == expected.tobytes()


def test_scale_pixels_takes_any_bytes_like_and_empty():
    pixels = bytes([0, 128, 255])
    expected = [mnist.PIXEL_SCALE[p] for p in pixels]
    assert list(mnist.scale_pixels(bytearray(pixels))) == expected
    assert list(mnist.scale_pixels(memoryview(pixels))) == expected
    assert list(mnist.scale_pixels([0, 128, 255])) == expected
    assert len(mnist.scale_pixels(b"")) == 0


def test_scale_row_and_targets():
    assert mnist.scale_row(b"\x00\xff") == [0.01, 1.0]
    assert mnist.targets(3) == [0.01, 0.01, 0.01, 0.99, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01]
    assert mnist.targets(1, n=3) == [0.01, 0.99, 0.01]
    with pytest.raises(ValueError):
        mnist.targets(10)
    rows = mnist.target_rows(b"\x02\x00")
    assert list(rows) == mnist.targets(2) + mnist.targets(0)
    with pytest.raises(ValueError):
        mnist.target_rows(b"\x0a")


# -- Dataset --------------------------------------------------------------------------------


def test_dataset_rows_and_head():
    pixels, labels = sample_data(4)
    data = mnist.Dataset(pixels, labels)
    assert len(data) == 4 and data.size == 784
    assert data.image(2) == pixels[2 * 784:3 * 784]
    assert data.label(3) == labels[3]
    assert data.scaled(1) == [mnist.PIXEL_SCALE[p] for p in pixels[784:2 * 784]]
    assert data.pixels([3, 0]) == pixels[3 * 784:] + pixels[:784]
    head = data.head(2)
    assert len(head) == 2 and head.images == pixels[:2 * 784] and head.labels == labels[:2]
    assert data.head(None) is data and data.head(99) is data
    with pytest.raises(IndexError):
        data.image(4)
    with pytest.raises(ValueError):
        mnist.Dataset(pixels[:-1], labels)


# -- IDX ------------------------------------------------------------------------------------


@pytest.mark.parametrize("compress", [False, True])
def test_read_idx_pair_plain_and_gzipped(tmp_path, compress):
    pixels, labels = sample_data(3, size=6)
    images = write(tmp_path / "i", idx_images(pixels, 3, 2, 3), compress)
    label_file = write(tmp_path / "l", idx_labels(labels), compress)
    data = mnist.read_idx_pair(images, label_file)
    assert (len(data), data.rows, data.cols) == (3, 2, 3)
    assert data.images == pixels and data.labels == labels
    assert isinstance(data.images, bytes)


@pytest.mark.parametrize("compress", [False, True])
def test_read_idx_errors_name_the_file_and_problem(tmp_path, compress):
    good = idx_images(bytes(2 * 784), 2)
    cases = {
        "magic": (b"\x00\x00\x0d\x03" + good[4:], "not an IDX file of unsigned bytes"),
        "truncated": (good[:-10], "truncated"),
        "header": (good[:10], "truncated in its header"),
        "extra": (good + b"\x00", "data after"),
        "tiny": (b"\x00", "not an IDX file"),
    }
    for name, (data, message) in cases.items():
        path = write(tmp_path / name, data, compress)
        with pytest.raises(ValueError) as error:
            mnist.read_idx_images(path)
        assert str(path) in str(error.value) and message in str(error.value), name
    labels = write(tmp_path / "labels", idx_labels(b"\x01\x02"), compress)
    with pytest.raises(ValueError, match="has 1 dimensions, expected 3"):
        mnist.read_idx_images(labels)


def test_damaged_gzip_is_a_value_error(tmp_path):
    packed = bytearray(gzip.compress(idx_images(bytes(range(256)) * 49, 16)))
    packed[len(packed) // 2] ^= 0xFF
    path = write(tmp_path / "bad.gz", bytes(packed))
    with pytest.raises(ValueError, match="bad.gz"):
        mnist.read_idx_images(path)
    cut = write(tmp_path / "cut.gz", bytes(packed[:40]))
    with pytest.raises(ValueError, match="cut.gz"):
        mnist.read_idx_images(cut)


def test_idx_pair_mismatches(tmp_path):
    images = write(tmp_path / "i", idx_images(bytes(2 * 784), 2))
    with pytest.raises(ValueError, match="2 images .* 3 labels"):
        mnist.read_idx_pair(images, write(tmp_path / "l3", idx_labels(b"\x01\x02\x03")))
    with pytest.raises(ValueError, match="label 12 is outside"):
        mnist.read_idx_pair(images, write(tmp_path / "l2", idx_labels(b"\x01\x0c")))


# -- CSV ------------------------------------------------------------------------------------


def test_read_csv(tmp_path):
    pixels, labels = sample_data(3)
    path = tmp_path / "mnist_train_3.csv"
    path.write_text(csv_text(pixels, labels) + "\n")
    data = mnist.read_csv(path)
    assert data.images == pixels and data.labels == labels and len(data) == 3
    headed = tmp_path / "headed.csv"
    headed.write_text("label," + ",".join("pixel%d" % k for k in range(784)) + "\n" + csv_text(pixels, labels))
    assert mnist.read_csv(headed).images == pixels


def test_read_csv_errors_name_file_and_line(tmp_path):
    pixels, labels = sample_data(2)
    good = csv_text(pixels, labels).splitlines()
    cases = {
        "short": (good[1].rsplit(",", 1)[0], "784 values, expected a label and 784 pixels"),
        "pixel": (good[1].rsplit(",", 1)[0] + ",256", "a pixel is outside 0..255"),
        "label": ("11" + good[1][1:], "label 11 is outside 0..9"),
        "word": (good[1].rsplit(",", 1)[0] + ",x", "a value is not a whole number"),
        "negative": (good[1].rsplit(",", 1)[0] + ",-1", "a pixel is outside 0..255"),
    }
    for name, (line, message) in cases.items():
        path = tmp_path / (name + ".csv")
        path.write_text(good[0] + "\n" + line + "\n")
        with pytest.raises(ValueError) as error:
            mnist.read_csv(path)
        assert "%s, line 2: %s" % (path, message) in str(error.value), name
    empty = tmp_path / "empty.csv"
    empty.write_text("\n")
    with pytest.raises(ValueError, match="no images"):
        mnist.read_csv(empty)
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(ValueError, match="binary.csv"):
        mnist.read_csv(binary)


# -- load ------------------------------------------------------------------------------------


def test_load_idx_folder_gz_or_not(tmp_path):
    train, test = write_idx_folder(tmp_path / "idx")
    got_train, got_test = mnist.load(tmp_path / "idx")
    assert (got_train.images, got_train.labels) == train
    assert (got_test.images, got_test.labels) == test


def test_load_csv_pair_and_csv_folder(tmp_path):
    train = sample_data(4, 1)
    test = sample_data(2, 2)
    folder = tmp_path / "csv"
    folder.mkdir()
    (folder / "mnist_train_4.csv").write_text(csv_text(*train))
    (folder / "mnist_test_2.csv").write_text(csv_text(*test))
    pair = "%s,%s" % (folder / "mnist_train_4.csv", folder / "mnist_test_2.csv")
    for source in (pair, folder):
        got_train, got_test = mnist.load(source)
        assert (got_train.images, got_train.labels) == train
        assert (got_test.images, got_test.labels) == test
    (folder / "mnist_test_other.csv").write_text(csv_text(*test))
    with pytest.raises(ValueError, match="2 files named mnist_test"):
        mnist.load(folder)


def test_load_errors(tmp_path):
    with pytest.raises(ValueError, match="no such file or folder"):
        mnist.load(tmp_path / "absent")
    with pytest.raises(ValueError, match="missing.csv: no such file"):
        mnist.load("%s,%s" % (tmp_path / "missing.csv", tmp_path / "other.csv"))
    single = tmp_path / "one.csv"
    single.write_text("1" + ",0" * 784 + "\n")
    with pytest.raises(ValueError, match="a single file is not enough"):
        mnist.load(single)
    (tmp_path / "partial").mkdir()
    write(tmp_path / "partial" / "train-images-idx3-ubyte", idx_images(b"", 0))
    with pytest.raises(ValueError, match="no train-labels-idx1-ubyte"):
        mnist.load(tmp_path / "partial")


# -- the bundled subset ------------------------------------------------------------------------


def test_bundled_subset_is_the_default_and_small():
    train, test = mnist.load()
    assert (len(train), len(test)) == (mnist.BUNDLED_COUNTS["train"], mnist.BUNDLED_COUNTS["test"]) == (6000, 1000)
    assert (train.rows, train.cols) == (28, 28)
    assert mnist.load("bundled")[0].images == train.images
    total = sum(os.path.getsize(os.path.join(mnist.BUNDLED_DIR, name + ".gz")) for name in mnist.BUNDLED_SHA256)
    assert total <= 2 * 1024 * 1024
    # every digit is there in fair numbers
    for digit in range(10):
        assert train.labels.count(digit) > 450 and test.labels.count(digit) > 70


def test_bundled_subset_is_the_head_of_canonical_mnist():
    folder = full_mnist_dir()
    train, test = mnist.load()
    full_train, full_test = mnist.load(folder)
    assert (len(full_train), len(full_test)) == (60000, 10000)
    assert full_train.head(6000).images == train.images and full_train.head(6000).labels == train.labels
    assert full_test.head(1000).images == test.images and full_test.head(1000).labels == test.labels


def test_make_subset_regenerates_the_bundled_files(tmp_path):
    folder = full_mnist_dir()
    script = ROOT / "benchmarks" / "make_subset.py"
    subprocess.run([sys.executable, str(script), str(folder), str(tmp_path)], check=True,
                   stdout=subprocess.DEVNULL, timeout=120)
    for name, digest in mnist.BUNDLED_SHA256.items():
        data = gzip.decompress((tmp_path / (name + ".gz")).read_bytes())
        assert hashlib.sha256(data).hexdigest() == digest


def test_damaged_bundled_file_is_refused(tmp_path, monkeypatch):
    copy = tmp_path / "data"
    shutil.copytree(mnist.BUNDLED_DIR, str(copy))
    labels = copy / "t10k-labels-idx1-ubyte.gz"
    raw = bytearray(gzip.decompress(labels.read_bytes()))
    raw[100] = (raw[100] + 1) % 10
    labels.write_bytes(gzip.compress(bytes(raw)))
    monkeypatch.setattr(mnist, "BUNDLED_DIR", str(copy))
    with pytest.raises(ValueError, match="fails its checksum"):
        mnist.load()
    labels.unlink()
    with pytest.raises(ValueError, match="missing or damaged"):
        mnist.load()
