"""Pictures in and out: PNG and PGM with the standard library, other formats with Pillow.

Reading gives an ``Image``: ``width``, ``height`` and ``pixels``, one byte of gray per
pixel, row-major, 0 black and 255 white.

- ``read(source)``: the whole picture as it is. ``source`` is a path, the bytes of a file,
  or a binary file object.
- ``read_small(source, side)``: the picture averaged down while it is read, so that neither
  side exceeds ``side``; memory is the small picture plus a row or two of the file,
  whatever its size.
- PNG: every colour type and bit depth, all row filters, not interlaced (``png``). PGM:
  binary ``P5`` and text ``P2`` (``pgm``). Any other format that Pillow reads (JPEG, GIF,
  WebP, ...) when Pillow is installed (``pip install "pynet[images]"``), with the EXIF
  orientation applied and transparency composed over white.
- Limits: at most ``MAX_PIXELS`` pixels (16.7 million, e.g. 4096 x 4096) and sides no more
  than ``MAX_ASPECT`` (20) times each other. Larger pictures are refused from their header,
  before any pixel is decoded, with a ``ValueError`` naming the file.
- ``write_png`` writes 8-bit grayscale PNG; ``encode_png_rgb`` makes 8-bit RGB PNG (for
  charts); ``encode_pgm`` binary PGM.
"""

import io
import os
import stat
import struct
import zlib
from itertools import accumulate

from . import pgm, png

MAX_PIXELS = 1 << 24
MAX_ASPECT = 20
INSTALL_HINT = 'pip install "pynet[images]"'


class Image:
    """A grayscale image: ``pixels`` holds ``width * height`` bytes, row by row."""

    def __init__(self, width, height, pixels):
        if width < 1 or height < 1 or len(pixels) != width * height:
            raise ValueError("%d bytes do not make a %dx%d image" % (len(pixels), width, height))
        self.width = width
        self.height = height
        self.pixels = bytes(pixels)

    def __repr__(self):
        return "Image(%dx%d)" % (self.width, self.height)

    def row(self, y):
        return self.pixels[y * self.width:(y + 1) * self.width]

    def inverted(self):
        return Image(self.width, self.height, self.pixels.translate(bytes(range(255, -1, -1))))


def check_size(width, height, name):
    """Refuse a picture beyond the limits, naming it: a ``ValueError``."""
    if width * height > MAX_PIXELS:
        raise ValueError("%s: a picture of %dx%d pixels is larger than the limit of %d pixels"
                         % (name, width, height, MAX_PIXELS))
    if max(width, height) > MAX_ASPECT * min(width, height):
        raise ValueError("%s: a picture of %dx%d pixels is more than %d times as long as it is wide"
                         % (name, width, height, MAX_ASPECT))


# -- opening any picture ------------------------------------------------------------------


def _name_of(source, name):
    if name is not None:
        return name
    if isinstance(source, (str, os.PathLike)):
        return os.fspath(source)
    return "image"


def _open_stream(source, name):
    """A binary stream over ``source`` (a path, bytes, or a file object) and whether we own it."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        return io.BytesIO(source), True
    if isinstance(source, (str, os.PathLike)):
        try:
            info = os.stat(source)
            if not stat.S_ISREG(info.st_mode):
                raise ValueError("%s: not a regular file" % name)
            return open(source, "rb"), True
        except OSError as error:
            raise ValueError("%s: cannot read (%s)" % (name, error.strerror or error))
    if hasattr(source, "read"):
        return source, False
    raise TypeError("a picture is a path, bytes or a binary file, not %s" % type(source).__name__)


def open_rows(stream, name, hint=None):
    """``(width, height, rows)`` of the picture in ``stream``: ``rows`` yields gray bytes a row at a time.

    ``hint`` is the side the caller will shrink to, which lets Pillow decode JPEG smaller.
    """
    def limit(width, height):
        check_size(width, height, name)

    head = stream.read(8)
    if head == png.SIGNATURE:
        return png.open_png(stream, name, limit)
    if head[:2] in (b"P2", b"P5"):
        return pgm.open_pgm(_Rest(head[2:], stream), head[:2], name, limit)
    return _pillow_rows(_Rest(head, stream), name, hint)


class _Rest:
    """A stream with some bytes already read from its front put back."""

    def __init__(self, first, stream):
        self.first = first
        self.stream = stream

    def read(self, size=-1):
        if self.first:
            if size is None or size < 0:
                out, self.first = self.first + self.stream.read(), b""
                return out
            out, self.first = self.first[:size], self.first[size:]
            if len(out) < size:
                out += self.stream.read(size - len(out))
            return out
        return self.stream.read(size)


def _pillow_rows(stream, name, hint):
    try:
        from PIL import Image as PillowImage, ImageOps
    except ImportError:
        raise ValueError("%s: not a PNG or PGM image; for JPEG and other formats, %s" % (name, INSTALL_HINT))
    data = stream.read(MAX_PIXELS + 1)  # a compressed picture within the limits is smaller than this
    if len(data) > MAX_PIXELS:
        raise ValueError("%s: a file of more than %d bytes is too large" % (name, MAX_PIXELS))
    try:
        picture = PillowImage.open(io.BytesIO(data))
        check_size(picture.width, picture.height, name)
        if hint and picture.format == "JPEG":
            picture.draft("L", (hint, hint))  # decode at 1/2, 1/4 or 1/8 scale when that is enough
        picture = ImageOps.exif_transpose(picture)
        gray = _flatten_alpha(picture, PillowImage).convert("L")
        if hint and max(gray.size) >= 2 * hint:
            gray = gray.reduce(max(gray.size) // hint)
    except ValueError:
        raise
    except PillowImage.UnidentifiedImageError:
        raise ValueError("%s: not a PNG or PGM image, nor any other format Pillow reads" % name)
    except Exception as error:  # Pillow raises many kinds for a file it cannot decode
        raise ValueError("%s: the picture cannot be decoded (%s: %s)" % (name, type(error).__name__, error))
    width, height = gray.size
    pixels = gray.tobytes()
    return width, height, (pixels[y * width:(y + 1) * width] for y in range(height))


def _flatten_alpha(picture, PillowImage):
    """``picture`` with any transparency composed over white, as a viewer shows it."""
    if picture.mode == "P" and "transparency" in picture.info:
        picture = picture.convert("RGBA")
    if picture.mode in ("RGBA", "LA", "PA"):
        rgba = picture.convert("RGBA")
        white = PillowImage.new("RGBA", rgba.size, (255, 255, 255, 255))
        return PillowImage.alpha_composite(white, rgba)
    return picture


def read(source, name=None):
    """The whole picture as an ``Image`` (within ``MAX_PIXELS``)."""
    name = _name_of(source, name)
    stream, owned = _open_stream(source, name)
    try:
        width, height, rows = open_rows(stream, name)
        pixels = b"".join(rows)
    finally:
        if owned:
            stream.close()
    return Image(width, height, pixels)


def read_small(source, side, name=None):
    """The picture averaged down while it is read so that neither side exceeds ``side``.

    Its ``source_size`` is the picture's ``(width, height)`` before (as Pillow decoded it).
    """
    name = _name_of(source, name)
    stream, owned = _open_stream(source, name)
    try:
        width, height, rows = open_rows(stream, name, hint=side)
        small = shrink(width, height, rows, side)
        small.source_size = (width, height)
        return small
    finally:
        if owned:
            stream.close()


# -- averaging down while reading ------------------------------------------------------


def _spans(n_in, n_out):
    """Each output cell's span ``[lo, hi)`` of the input, as whole index and fraction at each end."""
    scale = n_in / n_out
    spans = []
    for o in range(n_out):
        lo, hi = o * scale, min(n_in, (o + 1) * scale)
        spans.append((int(lo), lo - int(lo), int(hi), hi - int(hi)))
    return spans


def _row_sums(row, spans):
    """The sum of ``row`` over each span: prefix sums read at fractional positions."""
    prefix = list(accumulate(row, initial=0))
    row = bytes(row) + b"\0"  # a span may end at the last pixel's far edge
    return [prefix[i1] + f1 * row[i1] - prefix[i0] - f0 * row[i0] for i0, f0, i1, f1 in spans]


def shrink(width, height, rows, side):
    """An ``Image`` of the ``rows`` averaged over boxes so that neither side exceeds ``side``."""
    factor = max(width, height) / side
    if factor <= 1:
        return Image(width, height, b"".join(rows))
    out_w = max(1, min(side, int(round(width / factor))))
    out_h = max(1, min(side, int(round(height / factor))))
    spans = _spans(width, out_w)
    scale_y = height / out_h
    area = (width / out_w) * scale_y
    sums = [[0.0] * out_w for _ in range(out_h)]
    y = 0
    for row in rows:
        across = _row_sums(row, spans)
        o = int(y / scale_y)  # the output rows that input row y, [y, y+1), falls in
        while o < out_h and o * scale_y < y + 1:
            share = min(y + 1, (o + 1) * scale_y) - max(y, o * scale_y)
            if share > 0:
                sums[o] = [total + value * share for total, value in zip(sums[o], across)]
            o += 1
        y += 1
    pixels = bytes(min(255, max(0, int(v / area + 0.5))) for line in sums for v in line)
    return Image(out_w, out_h, pixels)


# -- the old entry points, on bytes and paths -----------------------------------------------


def decode_png(data, name="image"):
    """An ``Image`` from the bytes of a PNG file."""
    if not bytes(data[:8]) == png.SIGNATURE:
        raise ValueError("%s: not a PNG file" % name)
    return read(data, name)


def decode_pgm(data, name="image"):
    """An ``Image`` from the bytes of a PGM file (``P5`` binary or ``P2`` text)."""
    if bytes(data[:2]) not in (b"P2", b"P5"):
        raise ValueError("%s: not a PGM file (P2 or P5)" % name)
    return read(data, name)


def read_image(path):
    """An ``Image`` from a picture file."""
    return read(path)


# -- writing ------------------------------------------------------------------------------


def _encode(width, height, colour_type, samples_per_pixel, data):
    """The bytes of an 8-bit PNG of colour type ``colour_type`` (rows unfiltered, zlib level 9)."""
    stride = width * samples_per_pixel
    raw = b"".join(b"\x00" + data[y * stride:(y + 1) * stride] for y in range(height))

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    return (png.SIGNATURE
            + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, colour_type, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9))
            + chunk(b"IEND", b""))


def encode_png(image):
    """The bytes of an 8-bit grayscale PNG of ``image``."""
    return _encode(image.width, image.height, 0, 1, image.pixels)


def encode_png_rgb(width, height, rgb):
    """The bytes of an 8-bit RGB PNG: ``rgb`` holds three bytes (red, green, blue) per pixel, row by row."""
    if width < 1 or height < 1 or len(rgb) != 3 * width * height:
        raise ValueError("%d bytes do not make a %dx%d RGB image" % (len(rgb), width, height))
    return _encode(width, height, 2, 3, bytes(rgb))


def write_png(path, image):
    """Write ``image`` to ``path`` as an 8-bit grayscale PNG."""
    with open(path, "wb") as f:
        f.write(encode_png(image))


def encode_pgm(image):
    """The bytes of a binary (``P5``) PGM of ``image``."""
    return b"P5\n%d %d\n255\n" % (image.width, image.height) + image.pixels


def enlarge(image, factor):
    """``image`` made ``factor`` times wider and taller, each pixel a ``factor x factor`` block."""
    if image.width * image.height * factor * factor > MAX_PIXELS:
        raise ValueError("enlarging %dx%d pixels %d times would pass the limit of %d pixels"
                         % (image.width, image.height, factor, MAX_PIXELS))
    w = image.width
    rows = []
    for y in range(image.height):
        line = bytes(b for b in image.pixels[y * w:(y + 1) * w] for _ in range(factor))
        rows.extend([line] * factor)
    return Image(w * factor, image.height * factor, b"".join(rows))


def as_text(image, shades=" .:-=+*#%@"):
    """``image`` as lines of characters, two a pixel (so that it looks square), darker to lighter."""
    top = len(shades) - 1
    lines = []
    for y in range(image.height):
        lines.append("".join(shades[(p * top + 127) // 255] * 2 for p in image.row(y)))
    return "\n".join(lines)
