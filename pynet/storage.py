"""The rows the core keeps its numbers in, and what they cost.

A weight matrix is a list of rows and a bias a single row. On CPython and PyPy a
row is a ``list`` of floats: reading an entry returns the float object already
stored, which is the fastest form there. On MicroPython a row is an
``array('d')``: 8 bytes per number in one block, where a list costs 8 bytes per
slot plus 16 bytes for each boxed float, and arithmetic that replaces a float in
a list leaves its old box behind as garbage. On a MicroPython port whose floats
are single precision (the ESP32 and RP2 ports' default) a row is an ``array('f')``
of 4 bytes per number, the precision that port computes in anyway; nothing else
in the core depends on the precision. The memory plan, in bytes per weight:

=============================================  =====  ===========================
where                                          bytes  784-100-10 (79,510 numbers)
=============================================  =====  ===========================
CPython, list of floats                        32     8 per slot, 24 per float
MicroPython, list of boxed floats              24     8 per slot, 16 per float
MicroPython, ``array('d')`` rows (this)        8      0.68 MB in use, measured
MicroPython single precision, ``array('f')``   4      0.37 MB in use, measured
=============================================  =====  ===========================

(Measured on MicroPython's Unix port: the seeded 784-100-10 network holds 0.68 MB of
heap once built; as lists grown one float at a time it held 3.4 MB, and could not be
built at all in a 32 MB heap, so fragmented was it.) A training step allocates only
temporaries: the layers' outputs and errors (one list per layer) and a float for
each arithmetic result, all garbage at once.

Rows are made at their full length at once (never grown by appends), all the rows
of a matrix together, so the heap holds one block per row in one stretch rather than
rows scattered among garbage; ``collect()`` is ``gc.collect()`` on MicroPython, called
where it keeps the heap whole (before a matrix is allocated), and nothing elsewhere.
"""

import struct
import sys

MICROPYTHON = sys.implementation.name == "micropython"
#: whether this runtime's floats are single precision (MicroPython's default on ESP32 and RP2 boards)
SINGLE = 1.0 + 1.0 / (1 << 30) == 1.0
#: the array type code of a row on MicroPython: one number of the runtime's own float
TYPECODE = "f" if SINGLE else "d"
_LITTLE = sys.byteorder == "little"

if MICROPYTHON:
    import gc
    from array import array

    collect = gc.collect

    def zeros(n):
        """A row of ``n`` zeros, allocated once."""
        return array(TYPECODE, bytearray((4 if SINGLE else 8) * n))

    def rows(M):
        """``M``'s rows as ``array('d')`` rows, converted in place (a row already an array stays)."""
        for i in range(len(M)):
            if not isinstance(M[i], array):
                M[i] = array(TYPECODE, M[i])
        return M

    def row_from_doubles(data, offset, width):
        """A row of the ``width`` little-endian doubles at ``data[offset:]``."""
        if _LITTLE and not SINGLE:
            return array("d", data[offset:offset + 8 * width])  # the raw bytes, copied as they are
        return array(TYPECODE, struct.unpack_from("<%dd" % width, data, offset))  # each double rounded to a float
else:
    def collect():
        """Nothing to do: CPython and PyPy free what is no longer used as they go."""

    def zeros(n):
        """A row of ``n`` zeros."""
        return [0.0] * n

    def rows(M):
        """``M`` as it is: a list of lists of floats is already the fastest form here."""
        return M

    def row_from_doubles(data, offset, width):
        """A row of the ``width`` little-endian doubles at ``data[offset:]``."""
        return list(struct.unpack_from("<%dd" % width, data, offset))
