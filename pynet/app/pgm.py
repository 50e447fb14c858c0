"""Reading PGM a row at a time, binary ``P5`` and text ``P2``, any maximum up to 65535.

``open_pgm(stream, name, check_size)`` reads the header (``check_size(width, height)`` may
refuse the size before any pixel is read) and returns ``(width, height, rows)``: ``rows``
yields one row of gray bytes (0 black, 255 white) after another, read from the stream as
it goes, so memory stays at a row or two whatever the file claims or holds.
"""

import struct

_HEADER_LIMIT = 1 << 16  # bytes of header (comments included) before the pixels


class _Reader:
    """Bytes from a stream, a piece at a time, with a position inside the current piece."""

    def __init__(self, stream, first=b""):
        self.stream = stream
        self.buffer = bytearray(first)
        self.taken = 0  # bytes consumed in total

    def peek(self):
        """The next byte as a one-byte ``bytes``, or ``b""`` at the end; not consumed."""
        if not self.buffer:
            self.buffer += self.stream.read(4096)
        return bytes(self.buffer[:1])

    def take(self, count):
        """Up to ``count`` bytes, fewer only at the end of the stream."""
        while len(self.buffer) < count:
            more = self.stream.read(max(4096, count - len(self.buffer)))
            if not more:
                break
            self.buffer += more
        out = bytes(self.buffer[:count])
        del self.buffer[:count]
        self.taken += len(out)
        return out


def _header(reader, name):
    """Width, height and maximum value, separated by white space and comments."""
    fields = []
    while len(fields) < 3:
        if reader.taken > _HEADER_LIMIT:
            raise ValueError("%s: PGM header is longer than %d bytes" % (name, _HEADER_LIMIT))
        byte = reader.peek()
        if byte == b"":
            raise ValueError("%s: PGM header is truncated" % name)
        if byte.isspace():
            reader.take(1)
        elif byte == b"#":
            while reader.peek() not in (b"\n", b"\r", b"") and reader.taken <= _HEADER_LIMIT:
                reader.take(1)
        else:
            token = b""
            while reader.peek().isdigit() and len(token) < 12:
                token += reader.take(1)
            if not token or not (reader.peek().isspace() or reader.peek() == b"#"):
                raise ValueError("%s: PGM header is malformed" % name)
            fields.append(int(token))
    return fields


def open_pgm(stream, magic, name, check_size=None):
    """``(width, height, rows)`` of the PGM in ``stream``, its two-byte ``magic`` already read."""
    reader = _Reader(stream)
    width, height, top = _header(reader, name)
    if width == 0 or height == 0 or not 0 < top < 65536:
        raise ValueError("%s: PGM of %dx%d with maximum %d is not valid" % (name, width, height, top))
    if check_size is not None:
        check_size(width, height)
    scale = None if top == 255 else [(v * 255 + top // 2) // top for v in range(top + 1)]
    if magic == b"P5":
        reader.take(1)  # exactly one white-space byte ends the header
        rows = _binary_rows(reader, width, height, top, scale, name)
    else:
        rows = _text_rows(reader, width, height, top, scale, name)
    return width, height, rows


def _scaled(values, top, scale, name):
    if max(values) > top:
        raise ValueError("%s: PGM value above its maximum %d" % (name, top))
    return bytes(values) if scale is None else bytes(scale[v] for v in values)


def _binary_rows(reader, width, height, top, scale, name):
    size = 1 if top < 256 else 2
    for y in range(height):
        body = reader.take(width * size)
        if len(body) < width * size:
            raise ValueError("%s: PGM is truncated (row %d of %d)" % (name, y + 1, height))
        values = body if size == 1 else struct.unpack(">%dH" % width, body)
        yield _scaled(values, top, scale, name)


def _text_rows(reader, width, height, top, scale, name):
    tokens = _tokens(reader, name)
    for y in range(height):
        row = []
        for token in tokens:
            row.append(token)
            if len(row) == width:
                break
        if len(row) < width:
            raise ValueError("%s: PGM is truncated (row %d of %d)" % (name, y + 1, height))
        yield _scaled(row, top, scale, name)


def _tokens(reader, name):
    """The numbers of a ``P2`` body, read a block at a time."""
    rest = b""
    while True:
        block = reader.take(1 << 16)
        words = (rest + block).split()
        if block and words and not block[-1:].isspace():
            rest = words.pop()  # it may go on in the next block
        else:
            rest = b""
        for word in words:
            if not word.isdigit() or len(word) > 6:
                raise ValueError("%s: PGM holds a value that is not a number" % name)
            yield int(word)
        if not block:
            return
        if len(rest) > 6:
            raise ValueError("%s: PGM holds a value that is not a number" % name)
