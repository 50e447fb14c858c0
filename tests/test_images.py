"""PNG and PGM in and out, and turning an image into MNIST's form."""

import random
import struct
import sys
import zlib

import pytest

from pynet.app import images
from pynet.app.images import Image


def chunk(kind, body):
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def filter_row(kind, row, previous, bpp):
    """PNG's forward filter ``kind`` (0-4) applied to one row of bytes."""
    out = bytearray()
    for i, x in enumerate(row):
        a = row[i - bpp] if i >= bpp else 0
        b = previous[i]
        c = previous[i - bpp] if i >= bpp else 0
        predictor = (0, a, b, (a + b) // 2, paeth(a, b, c))[kind]
        out.append((x - predictor) & 0xFF)
    return bytes([kind]) + bytes(out)


def make_png(width, height, rows, colour=0, depth=8, filters=(0,), plte=None, trns=None, interlace=0,
             bpp=None):
    """A PNG built by hand: ``rows`` are the raw (unfiltered) rows of bytes; row ``y`` gets
    filter ``filters[y % len(filters)]``."""
    channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[colour]
    bpp = bpp or max(1, channels * depth // 8)
    raw = b""
    previous = bytes(len(rows[0]))
    for y, row in enumerate(rows):
        raw += filter_row(filters[y % len(filters)], row, previous, bpp)
        previous = row
    out = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, interlace))
    if plte is not None:
        out += chunk(b"PLTE", plte)
    if trns is not None:
        out += chunk(b"tRNS", trns)
    idat = zlib.compress(raw)
    out += chunk(b"IDAT", idat[:10]) + chunk(b"IDAT", idat[10:])  # split across two IDAT chunks
    return out + chunk(b"IEND", b"")


def noise(count, seed):
    rng = random.Random(seed)
    return bytes(rng.randrange(256) for _ in range(count))


# -- PNG ------------------------------------------------------------------------------------


def test_png_round_trip(tmp_path):
    image = Image(28, 28, noise(784, 1))
    path = tmp_path / "a.png"
    images.write_png(str(path), image)
    back = images.read_image(str(path))
    assert (back.width, back.height, back.pixels) == (28, 28, image.pixels)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("kind", [0, 1, 2, 3, 4])
def test_every_filter_type_gray(kind):
    width, height = 9, 7
    pixels = noise(width * height, kind)
    rows = [pixels[y * width:(y + 1) * width] for y in range(height)]
    image = images.decode_png(make_png(width, height, rows, filters=(kind,)))
    assert image.pixels == pixels


def test_mixed_filters_with_wider_pixels():
    # RGB (3 bytes a pixel) and 16-bit gray (2 bytes a pixel) exercise the filters' pixel width
    width, height = 6, 10
    rgb = noise(width * height * 3, 7)
    rows = [rgb[y * width * 3:(y + 1) * width * 3] for y in range(height)]
    image = images.decode_png(make_png(width, height, rows, colour=2, filters=(0, 1, 2, 3, 4)))
    expected = bytes((299 * rgb[i] + 587 * rgb[i + 1] + 114 * rgb[i + 2] + 500) // 1000
                     for i in range(0, len(rgb), 3))
    assert image.pixels == expected
    wide = noise(width * height * 2, 8)
    rows = [wide[y * width * 2:(y + 1) * width * 2] for y in range(height)]
    image = images.decode_png(make_png(width, height, rows, depth=16, filters=(4, 3, 2, 1, 0)))
    assert image.pixels == wide[::2]  # the high byte of each 16-bit sample


def test_alpha_is_composed_over_white():
    # gray+alpha: (gray 0, alpha 0) is white, (0, 255) is black, (100, 128) is in between
    rows = [bytes([0, 0, 0, 255, 100, 128])]
    mixed = (100 * 128 + 255 * 127 + 127) // 255
    assert images.decode_png(make_png(3, 1, rows, colour=4)).pixels == bytes([255, 0, mixed])
    rows = [bytes([255, 0, 0, 255, 0, 0, 0, 0])]  # RGBA: opaque red, transparent black
    assert images.decode_png(make_png(2, 1, rows, colour=6)).pixels == bytes([(299 * 255 + 500) // 1000, 255])


def test_palette_and_low_bit_depths():
    plte = bytes([0, 0, 0, 255, 255, 255, 10, 20, 30])
    rows = [bytes([0x01, 0x20])]  # 4-bit indices 0,1,2,0
    image = images.decode_png(make_png(4, 1, rows, colour=3, depth=4, plte=plte))
    assert image.pixels == bytes([0, 255, (299 * 10 + 587 * 20 + 114 * 30 + 500) // 1000, 0])
    transparent = images.decode_png(make_png(2, 1, [bytes([0x00, 0x01])], colour=3, plte=plte, trns=b"\x00"))
    assert transparent.pixels == bytes([255, 255])
    one_bit = images.decode_png(make_png(10, 1, [bytes([0b10100000, 0b11000000])], depth=1))
    assert one_bit.pixels == bytes([255, 0, 255, 0, 0, 0, 0, 0, 255, 255])
    two_bit = images.decode_png(make_png(4, 1, [bytes([0b00011011])], depth=2))
    assert two_bit.pixels == bytes([0, 85, 170, 255])
    with pytest.raises(ValueError, match="palette entry 5"):
        images.decode_png(make_png(1, 1, [bytes([5])], colour=3, plte=plte))


def test_png_errors():
    good = make_png(2, 2, [b"\x01\x02", b"\x03\x04"])
    with pytest.raises(ValueError, match="not a PNG"):
        images.decode_png(b"GIF89a")
    with pytest.raises(ValueError, match="interlaced"):
        images.decode_png(make_png(2, 2, [b"\x01\x02", b"\x03\x04"], interlace=1))
    with pytest.raises(ValueError, match="CRC"):
        images.decode_png(good[:30] + bytes([good[30] ^ 0xFF]) + good[31:])
    with pytest.raises(ValueError, match="truncated|no IEND"):
        images.decode_png(good[:-20])
    with pytest.raises(ValueError, match="colour type 2 at bit depth 4"):
        images.decode_png(make_png(2, 1, [bytes(3)], colour=2, depth=4, bpp=1))
    bad_filter = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)) \
        + chunk(b"IDAT", zlib.compress(b"\x07\x00")) + chunk(b"IEND", b"")
    with pytest.raises(ValueError, match="unknown filter type 7"):
        images.decode_png(bad_filter)
    short = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 4, 4, 8, 0, 0, 0, 0)) \
        + chunk(b"IDAT", zlib.compress(b"\x00\x01")) + chunk(b"IEND", b"")
    with pytest.raises(ValueError, match="truncated"):
        images.decode_png(short)
    with pytest.raises(ValueError, match="damaged"):
        images.decode_png(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
                          + chunk(b"IDAT", b"nonsense") + chunk(b"IEND", b""))


# -- PGM ------------------------------------------------------------------------------------


def test_pgm_binary_and_text(tmp_path):
    image = Image(5, 3, noise(15, 3))
    path = tmp_path / "a.pgm"
    path.write_bytes(images.encode_pgm(image))
    assert images.read_image(str(path)).pixels == image.pixels
    text = b"P2\n# a comment\n3 2 # another\n15\n0 15 7\n1 2 3\n"
    got = images.decode_pgm(text)
    assert (got.width, got.height) == (3, 2)
    assert got.pixels == bytes([0, 255, (7 * 255 + 7) // 15, 17, 34, 51])
    wide = b"P5 2 1 65535\n" + struct.pack(">HH", 65535, 257)
    assert images.decode_pgm(wide).pixels == bytes([255, 1])


def test_pgm_errors():
    with pytest.raises(ValueError, match="truncated"):
        images.decode_pgm(b"P5\n4 4\n255\n\x00\x01")
    with pytest.raises(ValueError, match="truncated"):
        images.decode_pgm(b"P2\n2 2\n255\n1 2 3\n")
    with pytest.raises(ValueError, match="header is malformed"):
        images.decode_pgm(b"P5\nfour 4\n255\n")
    with pytest.raises(ValueError, match="above its maximum"):
        images.decode_pgm(b"P2 1 1 10 11")
    with pytest.raises(ValueError, match="not a PGM"):
        images.decode_pgm(b"P6 1 1 255 abc")


def test_other_formats_without_pillow_name_the_extra(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "PIL", None)  # as if Pillow were not installed
    path = tmp_path / "x.jpg"
    path.write_bytes(b"\xff\xd8\xff\xe0 jpeg")
    with pytest.raises(ValueError, match=r"x\.jpg: not a PNG or PGM image; .*pip install \"pynet\[images\]\""):
        images.read_image(str(path))
    with pytest.raises(ValueError, match="absent.png: cannot read"):
        images.read_image(str(tmp_path / "absent.png"))
    with pytest.raises(ValueError, match="not a regular file"):
        images.read_image(str(tmp_path))


def test_other_formats_with_pillow(tmp_path):
    PIL = pytest.importorskip("PIL.Image", reason="Pillow (the images extra) is not installed")
    path = tmp_path / "x.jpg"
    path.write_bytes(b"\xff\xd8\xff\xe0 jpeg")
    with pytest.raises(ValueError, match="x.jpg: "):
        images.read_image(str(path))
    gif = tmp_path / "a.gif"
    PIL.new("L", (3, 2), 200).save(str(gif))
    image = images.read_image(str(gif))
    assert (image.width, image.height) == (3, 2) and set(image.pixels) == {200}


def test_pillow_applies_exif_orientation_and_composes_alpha_over_white(tmp_path):
    PIL = pytest.importorskip("PIL.Image", reason="Pillow (the images extra) is not installed")
    picture = PIL.new("L", (4, 2), 255)
    picture.putpixel((0, 0), 0)  # a dark pixel at the top left, as stored
    exif = PIL.Exif()
    exif[0x0112] = 6  # orientation: rotate 90 degrees clockwise to show
    path = tmp_path / "turned.jpg"
    picture.save(str(path), "JPEG", exif=exif, quality=100)
    shown = images.read_image(str(path))
    assert (shown.width, shown.height) == (2, 4)
    assert shown.pixels[1] < 128 and shown.pixels[0] > 128  # now at the top right
    clear = PIL.new("RGBA", (2, 1), (0, 0, 0, 0))
    clear.putpixel((1, 0), (0, 0, 0, 255))
    path = tmp_path / "clear.webp"
    clear.save(str(path), "WEBP", lossless=True)
    assert images.read_image(str(path)).pixels == bytes([255, 0])


# -- averaging down while reading -------------------------------------------------------------------


def test_shrink_averages_boxes():
    def shrink(image, side):
        return images.shrink(image.width, image.height, (image.row(y) for y in range(image.height)), side)

    big = Image(4, 2, bytes([0, 100, 200, 200, 50, 50, 0, 0]))
    assert shrink(big, 2).pixels == bytes([50, 100])
    third = shrink(Image(3, 3, bytes(range(0, 90, 10))), 2)  # boxes of 1.5 x 1.5 pixels
    assert third.pixels == bytes([13, 27, 53, 67])
    assert shrink(big, 4) is not big and shrink(big, 4).pixels == big.pixels
    tall = shrink(Image(12, 200, noise(2400, 4)), 50)
    assert (tall.width, tall.height) == (3, 50)


def test_read_small_reads_a_large_png_to_the_side_asked(tmp_path):
    rows = [bytes([255 if (x // 50 + y // 50) % 2 else 0 for x in range(400)]) for y in range(300)]
    data = make_png(400, 300, rows, filters=(1, 2))
    small = images.read_small(data, 8)
    assert (small.width, small.height, small.source_size) == (8, 6, (400, 300))
    assert small.pixels[:8] == bytes([0, 255] * 4)


def test_as_text():
    text = images.as_text(Image(2, 2, bytes([0, 255, 128, 0])))
    assert text.splitlines() == ["  @@", "++  "]


def test_enlarge():
    image = images.enlarge(Image(2, 1, b"\x01\x02"), 2)
    assert (image.width, image.height, image.pixels) == (4, 2, b"\x01\x01\x02\x02\x01\x01\x02\x02")


def test_enlarge_refuses_to_pass_the_pixel_limit():
    with pytest.raises(ValueError, match="enlarging 28x28 pixels 100000 times would pass the limit"):
        images.enlarge(Image(28, 28, bytes(784)), 100000)


def test_text_pgm_numbers_split_across_reads():
    values = noise(300 * 300, 6)
    text = b"P2\n300 300\n255\n" + b"\n".join(b" ".join(b"%d" % v for v in values[y * 300:(y + 1) * 300])
                                               for y in range(300))
    assert len(text) > 3 * (1 << 16)  # read in several blocks, numbers cut between them
    assert images.decode_pgm(text).pixels == values
    with pytest.raises(ValueError, match="not a number"):
        images.decode_pgm(b"P2 2 1 255 1 x")
