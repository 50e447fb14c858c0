"""The rows the core keeps its numbers in, and what they cost.

A weight matrix is a list of rows and a bias a single row. On CPython and PyPy a
row is a ``list`` of floats: reading an entry returns the float object already
stored, which is the fastest form there. On MicroPython a row is an
``array('d')``: 8 bytes per number in one block, where a list costs 8 bytes per
slot plus 16 bytes for each boxed float, and arithmetic that replaces a float in
a list leaves its old box behind as garbage. The memory plan, per weight:

==============================  ===========================  ====================
                                CPython (list of floats)     MicroPython (array)
==============================  ===========================  ====================
stored weight                   8 (slot) + 24 (float)        8
training step, per weight       new float per update         temporary floats only
==============================  ===========================  ====================

Rows are made at their full length at once (never grown by appends), so the
heap holds one block per row rather than a trail of outgrown copies.
"""

import struct
import sys

MICROPYTHON = sys.implementation.name == "micropython"
_LITTLE = sys.byteorder == "little"

if MICROPYTHON:
    from array import array

    def row(values):
        """A row holding ``values`` (any sequence of floats)."""
        return array("d", values)

    def zeros(n):
        """A row of ``n`` zeros, allocated once."""
        return array("d", bytearray(8 * n))

    def row_from_doubles(data, offset, width):
        """A row of the ``width`` little-endian doubles at ``data[offset:]``."""
        if _LITTLE:
            return array("d", data[offset:offset + 8 * width])  # the raw bytes, copied as they are
        return array("d", struct.unpack_from("<%dd" % width, data, offset))
else:
    def row(values):
        """A row holding ``values`` (any sequence of floats)."""
        return list(values)

    def zeros(n):
        """A row of ``n`` zeros."""
        return [0.0] * n

    def row_from_doubles(data, offset, width):
        """A row of the ``width`` little-endian doubles at ``data[offset:]``."""
        return list(struct.unpack_from("<%dd" % width, data, offset))
