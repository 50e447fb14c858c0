"""Small grayscale images in and out, with the standard library: PNG, PGM, and MNIST's form.

Reading gives an ``Image``: ``width``, ``height`` and ``pixels``, one byte of gray per
pixel, row-major, 0 black and 255 white.

- PNG (``read_png``): every colour type (gray, RGB, palette, gray with alpha, RGBA) at the
  bit depths PNG allows (1, 2, 4, 8 for gray and palette; 8 and 16 for the rest), all five
  row filters, not interlaced. Colour becomes gray by ITU-R BT.601 luma; transparency is
  composed over white, as a viewer shows it; 16-bit samples keep their high byte.
- PGM (``read_pgm``): binary ``P5`` and text ``P2``, any maximum value up to 65535.
- ``write_png`` writes 8-bit grayscale PNG; ``encode_png_rgb`` makes 8-bit RGB PNG (for charts).

``to_mnist`` turns any such image into what the network takes: 28x28, a light digit on a
dark ground, as in MNIST. An image whose border is bright on average is taken to be dark
on light (a photo or a drawing of ink on paper) and inverted, as the seed's lineage does
for its own photos. An image of another size is padded to a square with its border's
mean and averaged down (or up) to 28x28; for the best results give a 28x28 image with
the digit centred in about the middle 20x20, as MNIST's digits are.
"""

import struct
import zlib

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}  # PNG colour type -> samples per pixel
_DEPTHS = {0: (1, 2, 4, 8, 16), 2: (8, 16), 3: (1, 2, 4, 8), 4: (8, 16), 6: (8, 16)}
_MAX_PIXELS = 1 << 26  # refuse images whose header promises more than this


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

    def border_mean(self):
        """The mean of the pixels on the image's outer edge."""
        w, h, p = self.width, self.height, self.pixels
        edge = list(p[:w]) + list(p[(h - 1) * w:])
        for y in range(1, h - 1):
            edge.append(p[y * w])
            edge.append(p[y * w + w - 1])
        return sum(edge) / len(edge)

    def inverted(self):
        return Image(self.width, self.height, self.pixels.translate(bytes(range(255, -1, -1))))


# -- PNG ----------------------------------------------------------------------------


def _chunks(data, name):
    """``(type, body)`` for each chunk of a PNG file, with its CRC checked."""
    pos = len(_PNG_SIGNATURE)
    while pos < len(data):
        if pos + 8 > len(data):
            raise ValueError("%s: PNG truncated in a chunk header" % name)
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        crc = data[pos + 8 + length:pos + 12 + length]
        if len(body) < length or len(crc) < 4:
            raise ValueError("%s: PNG truncated in its %s chunk" % (name, kind.decode("latin-1")))
        if zlib.crc32(kind + body) & 0xFFFFFFFF != struct.unpack(">I", crc)[0]:
            raise ValueError("%s: PNG %s chunk fails its CRC" % (name, kind.decode("latin-1")))
        yield kind, body
        if kind == b"IEND":
            return
        pos += 12 + length
    raise ValueError("%s: PNG has no IEND chunk (truncated?)" % name)


def _paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def unfilter(raw, height, stride, bpp, name="image"):
    """Undo PNG's per-row filters (types 0 to 4); returns the rows joined, as a bytearray."""
    if len(raw) < height * (stride + 1):
        raise ValueError("%s: PNG image data is truncated" % name)
    out = bytearray(height * stride)
    previous = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind = raw[start]
        row = bytearray(raw[start + 1:start + 1 + stride])
        if kind == 0:
            pass
        elif kind == 1:  # Sub
            for i in range(bpp, stride):
                row[i] = (row[i] + row[i - bpp]) & 0xFF
        elif kind == 2:  # Up
            for i in range(stride):
                row[i] = (row[i] + previous[i]) & 0xFF
        elif kind == 3:  # Average
            for i in range(stride):
                left = row[i - bpp] if i >= bpp else 0
                row[i] = (row[i] + ((left + previous[i]) >> 1)) & 0xFF
        elif kind == 4:  # Paeth
            for i in range(stride):
                if i >= bpp:
                    row[i] = (row[i] + _paeth(row[i - bpp], previous[i], previous[i - bpp])) & 0xFF
                else:
                    row[i] = (row[i] + previous[i]) & 0xFF
        else:
            raise ValueError("%s: PNG row %d has unknown filter type %d" % (name, y, kind))
        out[y * stride:(y + 1) * stride] = row
        previous = row
    return out


def _samples(rows, width, height, stride, depth, channels):
    """The samples of each pixel, row by row, as a list of ints at the file's depth."""
    if depth == 8:
        out = []
        for y in range(height):
            out.extend(rows[y * stride:y * stride + width * channels])
        return out
    if depth == 16:
        out = []
        for y in range(height):
            out.extend(rows[y * stride:y * stride + width * channels * 2:2])  # high bytes
        return out
    per_byte = 8 // depth
    mask = (1 << depth) - 1
    out = []
    for y in range(height):
        line = rows[y * stride:(y + 1) * stride]
        for x in range(width):
            byte = line[x // per_byte]
            shift = 8 - depth * (x % per_byte + 1)
            out.append((byte >> shift) & mask)
    return out


def _luma(r, g, b):
    return (299 * r + 587 * g + 114 * b + 500) // 1000


def _over_white(gray, alpha):
    return (gray * alpha + 255 * (255 - alpha) + 127) // 255


def decode_png(data, name="image"):
    """An ``Image`` from the bytes of a PNG file."""
    if not data.startswith(_PNG_SIGNATURE):
        raise ValueError("%s: not a PNG file" % name)
    header = None
    palette = None
    alphas = b""
    idat = []
    for kind, body in _chunks(data, name):
        if kind == b"IHDR":
            if len(body) != 13:
                raise ValueError("%s: PNG IHDR chunk has %d bytes, not 13" % (name, len(body)))
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"PLTE":
            palette = body
        elif kind == b"tRNS":
            alphas = body
        elif kind == b"IDAT":
            idat.append(body)
    if header is None:
        raise ValueError("%s: PNG has no IHDR chunk" % name)
    width, height, depth, colour, compression, filtering, interlace = header
    if colour not in _CHANNELS or depth not in _DEPTHS[colour]:
        raise ValueError("%s: PNG colour type %d at bit depth %d is not valid" % (name, colour, depth))
    if compression != 0 or filtering != 0:
        raise ValueError("%s: PNG uses an unknown compression or filter method" % name)
    if interlace != 0:
        raise ValueError("%s: interlaced PNG is not supported; save it without interlacing" % name)
    if not 0 < width * height <= _MAX_PIXELS:
        raise ValueError("%s: PNG of %dx%d pixels is empty or too large" % (name, width, height))
    if colour == 3 and (palette is None or len(palette) % 3):
        raise ValueError("%s: palette PNG without a valid PLTE chunk" % name)
    if not idat:
        raise ValueError("%s: PNG has no image data" % name)
    channels = _CHANNELS[colour]
    stride = (width * channels * depth + 7) // 8
    bpp = max(1, channels * depth // 8)
    expected = height * (stride + 1)  # each row: a filter byte, then the row
    try:
        # At most one byte more than the header allows: a small file cannot expand into gigabytes.
        raw = zlib.decompressobj().decompress(b"".join(idat), expected + 1)
    except zlib.error as error:
        raise ValueError("%s: PNG image data is damaged (%s)" % (name, error))
    if len(raw) > expected:
        raise ValueError("%s: PNG holds more image data than its %dx%d header says" % (name, width, height))
    rows = unfilter(raw, height, stride, bpp, name)
    s = _samples(rows, width, height, stride, depth, channels)
    if colour == 0:
        if depth < 8:
            top = (1 << depth) - 1
            gray = bytes((v * 255 + top // 2) // top for v in s)
        else:
            gray = bytes(s)
    elif colour == 4:
        gray = bytes(_over_white(s[i], s[i + 1]) for i in range(0, len(s), 2))
    elif colour == 2:
        gray = bytes(_luma(s[i], s[i + 1], s[i + 2]) for i in range(0, len(s), 3))
    elif colour == 6:
        gray = bytes(_over_white(_luma(s[i], s[i + 1], s[i + 2]), s[i + 3]) for i in range(0, len(s), 4))
    else:
        entries = len(palette) // 3
        lut = []
        for k in range(256):
            if k < entries:
                value = _luma(palette[3 * k], palette[3 * k + 1], palette[3 * k + 2])
                if k < len(alphas):
                    value = _over_white(value, alphas[k])
            else:
                value = None
            lut.append(value)
        out = bytearray()
        for k in s:
            if lut[k] is None:
                raise ValueError("%s: PNG pixel uses palette entry %d of %d" % (name, k, entries))
            out.append(lut[k])
        gray = bytes(out)
    return Image(width, height, gray)


def _encode(width, height, colour_type, samples_per_pixel, data):
    """The bytes of an 8-bit PNG of colour type ``colour_type`` (rows unfiltered, zlib level 9)."""
    stride = width * samples_per_pixel
    raw = b"".join(b"\x00" + data[y * stride:(y + 1) * stride] for y in range(height))

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    return (_PNG_SIGNATURE
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


# -- PGM ----------------------------------------------------------------------------


def decode_pgm(data, name="image"):
    """An ``Image`` from the bytes of a PGM file (``P5`` binary or ``P2`` text)."""
    magic = data[:2]
    if magic not in (b"P2", b"P5"):
        raise ValueError("%s: not a PGM file (P2 or P5)" % name)
    fields = []
    pos = 2
    # the header: width, height and maximum value, separated by white space and comments
    while len(fields) < 3:
        while pos < len(data) and data[pos:pos + 1].isspace():
            pos += 1
        if data[pos:pos + 1] == b"#":
            end = data.find(b"\n", pos)
            pos = len(data) if end < 0 else end + 1
            continue
        start = pos
        while pos < len(data) and not data[pos:pos + 1].isspace() and data[pos:pos + 1] != b"#":
            pos += 1
        token = data[start:pos]
        if not token.isdigit():
            raise ValueError("%s: PGM header is malformed" % name)
        fields.append(int(token))
    width, height, top = fields
    if not 0 < width * height <= _MAX_PIXELS or not 0 < top < 65536:
        raise ValueError("%s: PGM of %dx%d with maximum %d is not valid" % (name, width, height, top))
    count = width * height
    if magic == b"P5":
        pos += 1  # exactly one white-space byte ends the header
        size = 1 if top < 256 else 2
        body = data[pos:pos + count * size]
        if len(body) < count * size:
            raise ValueError("%s: PGM is truncated" % name)
        values = body if size == 1 else struct.unpack(">%dH" % count, body)
    else:
        text = data[pos:].split()
        if len(text) < count:
            raise ValueError("%s: PGM is truncated (%d of %d values)" % (name, len(text), count))
        try:
            values = [int(v) for v in text[:count]]
        except ValueError:
            raise ValueError("%s: PGM holds a value that is not a number" % name)
    if max(values) > top:
        raise ValueError("%s: PGM value above its maximum %d" % (name, top))
    if top != 255:
        values = [(v * 255 + top // 2) // top for v in values]
    return Image(width, height, bytes(values))


def encode_pgm(image):
    """The bytes of a binary (``P5``) PGM of ``image``."""
    return b"P5\n%d %d\n255\n" % (image.width, image.height) + image.pixels


# -- any of them -----------------------------------------------------------------------


def read_image(path):
    """An ``Image`` from a PNG or PGM file, told apart by their first bytes."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as error:
        raise ValueError("%s: cannot read (%s)" % (path, error.strerror or error))
    if data.startswith(_PNG_SIGNATURE):
        return decode_png(data, path)
    if data[:2] in (b"P2", b"P5"):
        return decode_pgm(data, path)
    raise ValueError("%s: not a PNG or PGM image" % path)


# -- MNIST's form -------------------------------------------------------------------------


def is_dark_on_light(image):
    """True when the image's border is bright on average (ink on paper)."""
    return image.border_mean() > 127.5


def _weights(n_in, n_out):
    """For each output index, ``[(input index, share), ...]``: box filter coverage."""
    scale = n_in / n_out
    table = []
    for o in range(n_out):
        lo, hi = o * scale, (o + 1) * scale
        row = []
        i = int(lo)
        while i < hi and i < n_in:
            share = min(hi, i + 1) - max(lo, i)
            if share > 1e-12:
                row.append((i, share / scale))
            i += 1
        table.append(row)
    return table


def resize(image, width, height):
    """``image`` averaged over boxes to ``width x height`` (each output the mean of its area)."""
    if (image.width, image.height) == (width, height):
        return image
    wx = _weights(image.width, width)
    wy = _weights(image.height, height)
    w, p = image.width, image.pixels
    across = []  # each input row, resampled to the new width
    for y in range(image.height):
        line = p[y * w:(y + 1) * w]
        across.append([sum(line[i] * s for i, s in wx[x]) for x in range(width)])
    out = bytearray()
    for y in range(height):
        for x in range(width):
            value = sum(across[i][x] * s for i, s in wy[y])
            out.append(min(255, max(0, int(value + 0.5))))
    return Image(width, height, out)


def pad_square(image, fill):
    """``image`` centred on a square of value ``fill``."""
    w, h = image.width, image.height
    side = max(w, h)
    if w == h:
        return image
    left, top = (side - w) // 2, (side - h) // 2
    out = bytearray([fill]) * (side * side)
    for y in range(h):
        start = (top + y) * side + left
        out[start:start + w] = image.pixels[y * w:(y + 1) * w]
    return Image(side, side, out)


def to_mnist(image, size=28):
    """``(pixels, inverted)``: ``size*size`` bytes, light on dark, and whether it was inverted."""
    inverted = is_dark_on_light(image)
    if inverted:
        image = image.inverted()
    if (image.width, image.height) != (size, size):
        image = pad_square(image, int(image.border_mean() + 0.5))
        image = resize(image, size, size)
    return image.pixels, inverted


def enlarge(image, factor):
    """``image`` made ``factor`` times wider and taller, each pixel a ``factor x factor`` block."""
    w = image.width
    rows = []
    for y in range(image.height):
        line = bytes(b for b in image.pixels[y * w:(y + 1) * w] for _ in range(factor))
        rows.extend([line] * factor)
    return Image(w * factor, image.height * factor, b"".join(rows))
