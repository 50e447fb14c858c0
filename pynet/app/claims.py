"""Headers that promise data, checked against what a file can really hold before reading.

A header of a few bytes can claim gigabytes (an IDX file of dimensions 2^32 - 1):
``check_claim`` refuses such a claim from the file's size alone, and ``read_bounded``
then reads in pieces, so memory follows what the file really holds.
"""

import io
import os

# Deflate packs at most 1032 bytes into one (RFC 1951: a 258-byte match in under 2 bits);
# a gzip file of n bytes cannot hold more than this many times as much data.
_DEFLATE_RATIO = 1032


def check_claim(path, raw, compressed, header, count):
    """Refuse a header that promises more data than the file could hold, before reading it.

    An uncompressed file must hold exactly ``header + count`` bytes; a gzipped one at
    most ``_DEFLATE_RATIO`` times its own size.
    """
    size = os.fstat(raw.fileno()).st_size
    if compressed:
        if count > size * _DEFLATE_RATIO:
            raise ValueError("%s: the header promises %d bytes of data, more than a gzip file of %d bytes can hold"
                             % (path, count, size))
    elif count != size - header:
        which = "truncated" if count > size - header else "has data after the %d bytes its header promises" % count
        if count > size - header:
            raise ValueError("%s: %s: the header promises %d bytes of data, the file has %d"
                             % (path, which, count, max(0, size - header)))
        raise ValueError("%s: %s" % (path, which))


def read_bounded(stream, count):
    """Up to ``count`` bytes, read in pieces, so memory follows what the file really holds.

    The pieces, a megabyte each, go into one growing ``io.BytesIO``, whose value is then
    taken without a copy: the peak is about the data itself, where a list of pieces
    joined at the end would hold it twice.
    """
    out = io.BytesIO()
    left = count
    while left > 0:
        part = stream.read(min(left, 1 << 20))
        if not part:
            break
        out.write(part)
        left -= len(part)
    return out.getvalue()
