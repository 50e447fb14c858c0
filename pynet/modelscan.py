"""Reading a model file in a small heap: the long base64 texts stay in the file.

``load(path)`` gives what ``json.load`` would, except that the ``"float64"`` text
of each matrix in ``"weights"`` and ``"biases"`` is a :class:`Stored`: where that
text lies in the file. ``modelfile`` then decodes it a piece at a time, straight
into the rows of the network. What is parsed as JSON is the rest of the file (the
shapes, the description and the training record), a few kilobytes, so a model of
any size loads with little more memory than its rows. MicroPython uses this;
CPython and PyPy, with memory to spare, read the file with ``json.load``.

The file is read in chunks of bytes. Between strings, brackets are counted to know
the depth; a string followed by ``:`` is a key. A string is taken as stored text
when it is the value of the key ``"float64"`` in an object of the top-level lists
``"weights"`` or ``"biases"`` (depth 3), and is not read into memory at all.
"""

import json

_CHUNK = 4096
_QUOTE = 34  # ord('"')
_BACKSLASH = 92  # ord('\\')
_STORED_PARENTS = ("weights", "biases")


class Stored:
    """Text of ``length`` bytes at ``offset`` in the file at ``path``."""

    def __init__(self, path, offset, length):
        self.path = path
        self.offset = offset
        self.length = length

    def __len__(self):
        return self.length

    def pieces(self, size):
        """The text as bytes, ``size`` at a time."""
        with open(self.path, "rb") as f:
            f.seek(self.offset)
            left = self.length
            while left > 0:
                piece = f.read(min(size, left))
                if not piece:
                    raise ValueError("%s changed while it was read" % self.path)
                left -= len(piece)
                yield piece


class _Scanner:
    """Walks the file's bytes, writing everything but the stored texts to ``self.out``."""

    def __init__(self, f):
        self.f = f
        self.buf = f.read(_CHUNK)
        self.base = 0  # the file offset of buf[0]
        self.at = 0
        self.out = []
        self.stored = []

    def more(self, keep_from):
        """Read the next chunk, keeping ``buf[keep_from:]``; False at the end of the file."""
        chunk = self.f.read(_CHUNK)
        if not chunk:
            return False
        self.base += keep_from
        self.buf = self.buf[keep_from:] + chunk
        self.at -= keep_from
        return True

    def string_end(self, start):
        """The index of the quote that closes the string opened at ``start``, reading on as needed."""
        look = start + 1
        while True:
            end = self.buf.find(b'"', look)
            if end < 0:
                look = len(self.buf) - start
                if not self.more(start):
                    raise ValueError("the file ends inside a string (is it truncated?)")
                look, start = look, 0
                continue
            slashes = 0
            while self.buf[end - 1 - slashes] == _BACKSLASH:
                slashes += 1
            if slashes % 2 == 0:
                return start, end
            look = end + 1

    def skip_stored(self, start):
        """Pass over the stored text opened at ``start``; its ``(offset, length)`` in the file."""
        offset = self.base + start + 1
        end = self.buf.find(b'"', start + 1)
        while end < 0:
            self.base += len(self.buf)
            self.buf = self.f.read(_CHUNK)
            if not self.buf:
                raise ValueError("the file ends inside the numbers of a matrix (is it truncated?)")
            end = self.buf.find(b'"')
        self.at = end + 1
        return offset, self.base + end - offset

    def scan(self):
        depth, gap, key, top_key = 0, b"", None, None
        while True:
            quote = self.buf.find(b'"', self.at)
            segment = self.buf[self.at:] if quote < 0 else self.buf[self.at:quote]
            self.out.append(segment)
            depth += segment.count(b"{") + segment.count(b"[") - segment.count(b"}") - segment.count(b"]")
            gap = gap + segment if len(gap) + len(segment) <= 64 else b"-"  # only ever asked: is it ":"?
            if quote < 0:
                self.at = len(self.buf)
                if not self.more(len(self.buf)):
                    return
                continue
            if key == b"float64" and depth == 3 and top_key in _STORED_PARENTS and gap.strip() == b":":
                offset, length = self.skip_stored(quote)
                self.out.append(('"%d"' % len(self.stored)).encode())
                self.stored.append((offset, length))
                key = None
            else:
                start, end = self.string_end(quote)
                text = self.buf[start:end + 1]
                self.out.append(text)
                self.at = end + 1
                key = text[1:-1] if len(text) < 64 else None
                if depth == 1 and key is not None:
                    top_key = key.decode() if self._is_key() else top_key
            gap = b""

    def _is_key(self):
        """Whether the string just read is followed by ``:`` (reading on past white space)."""
        while True:
            rest = self.buf[self.at:].lstrip()
            if rest:
                return rest[:1] == b":"
            if not self.more(self.at):
                return False


def load(path):
    """The model dict at ``path``, its matrices' numbers left in the file as :class:`Stored`."""
    with open(path, "rb") as f:
        scanner = _Scanner(f)
        scanner.scan()
    data = json.loads(b"".join(scanner.out).decode("utf-8"))
    if isinstance(data, dict):
        for name in _STORED_PARENTS:
            entries = data.get(name)
            for entry in entries if isinstance(entries, list) else ():
                text = entry.get("float64") if isinstance(entry, dict) else None
                if isinstance(text, str) and text.isdigit() and int(text) < len(scanner.stored):
                    entry["float64"] = Stored(path, *scanner.stored[int(text)])
    return data
