"""Hostile pictures: each is read in a child process with its address space and time limited.

A picture that blows up fails its test (a MemoryError, a kill or a timeout in the child)
instead of taking the machine with it. Every stage of reading and preparing a picture
must stay within memory proportional to what it makes plus a window of the file, and
refuse, naming the file, what is beyond ``images.MAX_PIXELS`` or ``images.MAX_ASPECT``.
"""

import os
import struct
import subprocess
import sys
import zlib

import pytest

from pynet.app import images

from digits import child_env

resource = pytest.importorskip("resource", reason="address-space limits need the resource module (Unix)")

MEMORY = 256 * 1024 * 1024  # bytes of address space for the child
SECONDS = 60

CHILD = """
import sys
from pynet.app import prepare
try:
    image = prepare.prepare(sys.argv[1])
except ValueError as error:
    print("refused: %s" % error)
else:
    print("prepared: %d" % sum(image.pixels))
"""


def chunk(kind, body):
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


def zeros(size, count):
    """A zlib stream of ``count * size`` zero bytes, made without compressing them all: one
    block of ``size`` zeros after a full flush (which forgets the history) is the same bytes
    every time, so it is repeated; then an empty final block and the Adler-32 of the zeros."""
    packer = zlib.compressobj(9)
    first = packer.compress(bytes(size)) + packer.flush(zlib.Z_FULL_FLUSH)
    again = packer.compress(bytes(size)) + packer.flush(zlib.Z_FULL_FLUSH)
    adler = ((size * count) % 65521) << 16 | 1
    return first + again * (count - 1) + b"\x03\x00" + struct.pack(">I", adler)


def test_the_stream_of_zeros_is_valid():
    assert zlib.decompress(zeros(1000, 5)) == bytes(5000)


def png(width, height, depth=8, colour=0, rows=None, idat=None):
    """A valid PNG whose rows (filter byte included) come from ``rows(y)``, zeros by default,
    compressed a row at a time so that even a huge one is made in little memory."""
    if idat is None:
        channels = {0: 1, 2: 3, 4: 2, 6: 4}[colour]
        stride = (width * channels * depth + 7) // 8
        if rows is None and (stride + 1) * height <= 1 << 24:
            idat = zlib.compress(bytes((stride + 1) * height), 9)
        elif rows is None:
            idat = zeros(stride + 1, height)
        else:
            packer = zlib.compressobj(9)
            idat = b"".join(packer.compress(rows(y)) for y in range(height)) + packer.flush()
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, 0))
            + chunk(b"IDAT", idat) + chunk(b"IEND", b""))


def limited():
    # Under AddressSanitizer (PYNET_SANITIZER=asan, set by .ci/sanitize) its shadow memory needs
    # terabytes of address space: the child then keeps its time limit only (see tests/bounded.py).
    if os.environ.get("PYNET_SANITIZER") != "asan":
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def prepare_in_child(path):
    """``prepare(path)`` in a child limited to ``MEMORY`` and ``SECONDS``: its one line of output."""
    try:
        done = subprocess.run([sys.executable, "-c", CHILD, str(path)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, universal_newlines=True, timeout=SECONDS,
                              preexec_fn=limited, env=child_env())
    except subprocess.TimeoutExpired:
        pytest.fail("%s took more than %d s" % (path.name, SECONDS))
    assert done.returncode == 0, "%s: exit %d\n%s" % (path.name, done.returncode, done.stderr[-2000:])
    assert "Traceback" not in done.stderr
    return done.stdout.strip()


def test_the_limits_are_as_documented():
    assert images.MAX_PIXELS == 1 << 24 and images.MAX_ASPECT == 20
    assert "16.7 million" in images.__doc__ and "MAX_ASPECT`` (20)" in images.__doc__


@pytest.mark.parametrize("width, height, depth, colour, why", [
    (1, 50000, 8, 0, "more than 20 times"),
    (1, 100000, 8, 0, "more than 20 times"),
    (100000, 1, 8, 0, "more than 20 times"),
    (8192, 8192, 16, 6, "larger than the limit"),
    (65535, 65535, 1, 0, "larger than the limit"),
])
def test_png_beyond_the_limits_is_refused_naming_the_file(tmp_path, width, height, depth, colour, why):
    path = tmp_path / ("hostile-%dx%d.png" % (width, height))
    path.write_bytes(png(width, height, depth, colour))
    if (width, height) == (1, 50000):
        assert len(path.read_bytes()) < 250  # a few hundred bytes that once took gigabytes
    if (width, height, depth) == (8192, 8192, 16):
        assert len(path.read_bytes()) < 1 << 20  # half a megabyte, that once took 3 GB
    line = prepare_in_child(path)
    assert line.startswith("refused: %s: " % path) and why in line


def test_a_large_png_within_the_limits_is_read_in_bounded_memory(tmp_path):
    side = 4000  # 16 million pixels: as bytes, lists of them would not fit in the child's memory
    ink = bytes([0]) + bytes(1500) + bytes([255]) * 1000 + bytes(1500)

    def rows(y):
        return ink if 1000 <= y < 3000 else bytes(side + 1)

    path = tmp_path / "large.png"
    path.write_bytes(png(side, side, rows=rows))
    line = prepare_in_child(path)
    assert line.startswith("prepared: ") and int(line.split()[1]) > 0


def test_png_data_beyond_its_header_is_not_inflated(tmp_path):
    bomb = zeros(1 << 20, 1024)  # 1 GB of zeros in 1 MB
    path = tmp_path / "bomb.png"
    path.write_bytes(png(100, 100, idat=bomb))
    line = prepare_in_child(path)
    assert line.startswith("refused: %s: " % path) and "more image data than" in line


def test_png_chunk_lengths_that_lie_are_refused(tmp_path):
    head = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 28, 28, 8, 0, 0, 0, 0))
    path = tmp_path / "lying.png"
    path.write_bytes(head + struct.pack(">I", 0x7FFFFFFF) + b"IDAT" + bytes(100))
    line = prepare_in_child(path)
    assert line.startswith("refused: %s: " % path) and ("truncated" in line or "damaged" in line)
    path.write_bytes(head + struct.pack(">I", 0x7FFFFFFF) + b"tEXt" + bytes(100))
    assert "truncated" in prepare_in_child(path)


@pytest.mark.parametrize("header, why", [
    (b"P5\n1 100000\n255\n", "more than 20 times"),
    (b"P5\n8192 8192\n65535\n", "larger than the limit"),
    (b"P2\n99999999 99999999\n255\n", "larger than the limit"),
    (b"P5\n" + b"#" * 100000 + b"\n28 28\n255\n", "header is longer"),
    (b"P2\n" + b" " * 100000 + b"28 28 255\n", "header is longer"),
    (b"P5\n100 100\n255\n", "truncated"),
    (b"P5\n1234567890123 1\n255\n", "malformed"),
])
def test_pgm_beyond_the_limits_or_malformed_is_refused_naming_the_file(tmp_path, header, why):
    path = tmp_path / "hostile.pgm"
    path.write_bytes(header + bytes(1000))
    line = prepare_in_child(path)
    assert line.startswith("refused: %s: " % path) and why in line


def test_a_large_pgm_within_the_limits_is_read_in_bounded_memory(tmp_path):
    side = 4000
    path = tmp_path / "large.pgm"
    with open(str(path), "wb") as f:
        f.write(b"P5\n%d %d\n255\n" % (side, side))
        for y in range(side):
            f.write(bytes([255]) * side if y % 500 else bytes([255]) * 1000 + bytes(2000) + bytes([255]) * 1000)
    line = prepare_in_child(path)
    assert line.startswith("prepared: ")


def test_huge_pictures_in_other_formats_are_refused_from_their_header(tmp_path):
    pytest.importorskip("PIL", reason="Pillow (the images extra) is not installed")
    # a GIF whose logical screen and image claim 65535 x 65535 pixels, in 40-odd bytes
    gif = (b"GIF89a" + struct.pack("<HH", 65535, 65535) + b"\x80\x00\x00" + bytes(6)
           + b"\x2c" + struct.pack("<HHHH", 0, 0, 65535, 65535) + b"\x00\x02\x02\x44\x01\x00\x3b")
    path = tmp_path / "huge.gif"
    path.write_bytes(gif)
    line = prepare_in_child(path)
    assert line.startswith("refused: %s: " % path) and ("larger than the limit" in line or "Bomb" in line)
