"""Reading PNG a row at a time, with the standard library, in bounded memory.

``open_png(stream, name, check_size)`` reads the chunks up to the first image data, checks
the header (``check_size(width, height)`` may refuse the size before anything is
decompressed) and returns ``(width, height, rows)``: ``rows`` yields one row of gray bytes
(0 black, 255 white) after another. Compressed data is read from the stream in pieces and
inflated only as far as the next row needs, so memory stays at a few rows whatever the
file claims or holds.

Every colour type (gray, RGB, palette, gray with alpha, RGBA) at the bit depths PNG allows,
all five row filters, not interlaced. Colour becomes gray by ITU-R BT.601 luma;
transparency is composed over white, as a viewer shows it; 16-bit samples keep their
high byte. CRCs are checked; the file must end with an IEND chunk.
"""

import struct
import zlib

SIGNATURE = b"\x89PNG\r\n\x1a\n"
_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}  # colour type -> samples per pixel
_DEPTHS = {0: (1, 2, 4, 8, 16), 2: (8, 16), 3: (1, 2, 4, 8), 4: (8, 16), 6: (8, 16)}
_PIECE = 1 << 16  # compressed bytes read at a time
_SMALL_CHUNK = 1 << 12  # header-like chunks (IHDR, PLTE, tRNS) are read whole up to this


class _Chunks:
    """The chunks of a PNG stream, read in pieces with their CRC checked."""

    def __init__(self, stream, name):
        self.stream = stream
        self.name = name

    def fail(self, message):
        raise ValueError("%s: PNG %s" % (self.name, message))

    def header(self):
        """``(length, kind)`` of the next chunk."""
        head = self.stream.read(8)
        if len(head) == 0:
            self.fail("has no IEND chunk (truncated?)")
        if len(head) < 8:
            self.fail("truncated in a chunk header")
        return struct.unpack(">I4s", head)

    def pieces(self, length, kind):
        """The chunk's body in pieces of at most ``_PIECE`` bytes; its CRC is checked at the end."""
        crc = zlib.crc32(kind)
        left = length
        while left:
            piece = self.stream.read(min(left, _PIECE))
            if not piece:
                self.fail("truncated in its %s chunk" % kind.decode("latin-1"))
            crc = zlib.crc32(piece, crc)
            left -= len(piece)
            yield piece
        tail = self.stream.read(4)
        if len(tail) < 4:
            self.fail("truncated in its %s chunk" % kind.decode("latin-1"))
        if crc & 0xFFFFFFFF != struct.unpack(">I", tail)[0]:
            self.fail("%s chunk fails its CRC" % kind.decode("latin-1"))

    def body(self, length, kind):
        """A small chunk's whole body; a large one is skipped (read and checked, not kept)."""
        kept = []
        for piece in self.pieces(length, kind):
            if length <= _SMALL_CHUNK:
                kept.append(piece)
        return b"".join(kept)


def _paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def unfilter_row(kind, row, previous, bpp):
    """Undo PNG's filter ``kind`` (0-4) on ``row`` (a bytearray, changed in place)."""
    stride = len(row)
    if kind == 0:
        return row
    if kind == 1:  # Sub
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
        raise ValueError("unknown filter type %d" % kind)
    return row


def _luma(r, g, b):
    return (299 * r + 587 * g + 114 * b + 500) // 1000


def _over_white(gray, alpha):
    return (gray * alpha + 255 * (255 - alpha) + 127) // 255


def _unpack(line, width, depth):
    """The samples of a row of sub-byte ``depth`` (1, 2 or 4 bits), as a list of ints."""
    per_byte = 8 // depth
    mask = (1 << depth) - 1
    out = []
    for x in range(width):
        shift = 8 - depth * (x % per_byte + 1)
        out.append((line[x // per_byte] >> shift) & mask)
    return out


def _gray_maker(width, depth, colour, palette, alphas, name):
    """A function from one unfiltered row to its ``width`` gray bytes."""
    if colour == 3:
        entries = len(palette) // 3
        lut = []
        for k in range(entries):
            value = _luma(palette[3 * k], palette[3 * k + 1], palette[3 * k + 2])
            lut.append(_over_white(value, alphas[k]) if k < len(alphas) else value)

        def gray(row):
            indices = row[:width] if depth == 8 else _unpack(row, width, depth)
            try:
                return bytes(lut[k] for k in indices)
            except IndexError:
                bad = max(indices)
                raise ValueError("%s: PNG pixel uses palette entry %d of %d" % (name, bad, entries))
        return gray
    step = 2 if depth == 16 else 1  # 16-bit samples: keep the high byte

    def samples(row):
        return row[::step] if step == 2 else row

    if colour == 0:
        if depth >= 8:
            return lambda row: bytes(samples(row))
        top = (1 << depth) - 1
        scale = [(v * 255 + top // 2) // top for v in range(top + 1)]
        return lambda row: bytes(scale[v] for v in _unpack(row, width, depth))
    if colour == 4:
        def gray(row):
            s = samples(row)
            return bytes(map(_over_white, s[0::2], s[1::2]))
        return gray
    if colour == 2:
        def gray(row):
            s = samples(row)
            return bytes(map(_luma, s[0::3], s[1::3], s[2::3]))
        return gray

    def gray(row):  # colour 6, RGBA
        s = samples(row)
        return bytes(map(_over_white, map(_luma, s[0::4], s[1::4], s[2::4]), s[3::4]))
    return gray


def _check_header(body, name):
    if len(body) != 13:
        raise ValueError("%s: PNG IHDR chunk has %d bytes, not 13" % (name, len(body)))
    width, height, depth, colour, compression, filtering, interlace = struct.unpack(">IIBBBBB", body)
    if colour not in _CHANNELS or depth not in _DEPTHS[colour]:
        raise ValueError("%s: PNG colour type %d at bit depth %d is not valid" % (name, colour, depth))
    if compression != 0 or filtering != 0:
        raise ValueError("%s: PNG uses an unknown compression or filter method" % name)
    if interlace != 0:
        raise ValueError("%s: interlaced PNG is not supported; save it without interlacing" % name)
    if width == 0 or height == 0:
        raise ValueError("%s: PNG of %dx%d pixels is empty" % (name, width, height))
    return width, height, depth, colour


def open_png(stream, name, check_size=None):
    """``(width, height, rows)`` of the PNG in ``stream`` (its signature already read)."""
    chunks = _Chunks(stream, name)
    length, kind = chunks.header()
    if kind != b"IHDR":
        raise ValueError("%s: PNG has no IHDR chunk" % name)
    width, height, depth, colour = _check_header(chunks.body(length, kind), name)
    if check_size is not None:
        check_size(width, height)
    palette, alphas = None, b""
    while True:
        length, kind = chunks.header()
        if kind == b"IDAT":
            break
        if kind == b"IEND":
            raise ValueError("%s: PNG has no image data" % name)
        body = chunks.body(length, kind)
        if kind == b"PLTE":
            palette = body
        elif kind == b"tRNS":
            alphas = body
    if colour == 3 and (palette is None or len(palette) % 3 or not palette):
        raise ValueError("%s: palette PNG without a valid PLTE chunk" % name)
    gray = _gray_maker(width, depth, colour, palette, alphas, name)
    return width, height, _rows(chunks, length, width, height, depth, colour, gray)


def _compressed(chunks, length):
    """The compressed image data: the pieces of this IDAT chunk and of any that follow."""
    kind = b"IDAT"
    while kind == b"IDAT":
        for piece in chunks.pieces(length, kind):
            yield piece
        length, kind = chunks.header()
    # the chunks after the image data, up to IEND, are read and checked but not kept
    while kind != b"IEND":
        for _ in chunks.pieces(length, kind):
            pass
        length, kind = chunks.header()
    for _ in chunks.pieces(length, kind):
        pass


def _rows(chunks, length, width, height, depth, colour, gray):
    """Each row's gray bytes, inflating and unfiltering only as far as that row."""
    name = chunks.name
    channels = _CHANNELS[colour]
    stride = (width * channels * depth + 7) // 8
    bpp = max(1, channels * depth // 8)
    inflate = zlib.decompressobj()
    source = _compressed(chunks, length)
    pending = b""  # compressed bytes not yet inflated
    buffer = bytearray()
    previous = bytearray(stride)
    try:
        for y in range(height):
            while len(buffer) < stride + 1:
                if not pending:
                    pending = next(source, None)
                    if pending is None:
                        raise ValueError("%s: PNG image data is truncated" % name)
                buffer += inflate.decompress(pending, stride + 1 - len(buffer))
                pending = inflate.unconsumed_tail
            kind = buffer[0]
            row = buffer[1:stride + 1]
            del buffer[:stride + 1]
            try:
                unfilter_row(kind, row, previous, bpp)
            except ValueError:
                raise ValueError("%s: PNG row %d has unknown filter type %d" % (name, y, kind))
            yield gray(row)
            previous = row
        # nothing may follow the last row: at most one more byte is inflated to find out
        extra = bytes(buffer)
        if not extra and pending:
            extra = inflate.decompress(pending, 1)
            pending = inflate.unconsumed_tail
        while not extra and not inflate.eof:
            pending = next(source, None)
            if pending is None:
                break
            extra = inflate.decompress(pending, 1)
            pending = inflate.unconsumed_tail
        if extra:
            raise ValueError("%s: PNG holds more image data than its %dx%d header says" % (name, width, height))
        for _ in source:  # the rest of the file, to its IEND, with CRCs checked
            pass
    except zlib.error as error:
        raise ValueError("%s: PNG image data is damaged (%s)" % (name, error))
