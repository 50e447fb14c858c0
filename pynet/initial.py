"""Initial weights (I), drawn the same way on every machine and runtime.

The seed draws ``W(l)[i][j]`` from ``Normal(0, n(l)^-1/2)`` with numpy's generator.
Here the draws come from a small generator written in plain integer arithmetic,
so that CPython, PyPy, MicroPython and the compiled backend all produce the same
numbers from the same seed:

- SplitMix64 (Steele, Lea and Flood, 2014) turns a 64-bit state into a stream of
  64-bit integers;
- the top 52 bits of each integer make a uniform number in ``(0, 1]``;
- the Box-Muller transform turns two uniforms ``u1, u2`` into two independent
  standard normals ``sqrt(-2 ln u1) * cos(2 pi u2)`` and ``... * sin(2 pi u2)``.

Weights are drawn layer by layer, row by row (``i``), column by column (``j``).
Each draw works on 64-bit integers, which MicroPython keeps as heap-allocated big
integers: a draw leaves a few hundred bytes of garbage behind it (measured on the
Unix port: about 880 bytes per weight), none of it kept. All the rows of a matrix
are allocated at their full size, side by side after a ``gc.collect()``, before
the draws that fill them (``storage.zeros``): what stays is one block per row, in
one stretch of the heap, and the garbage of the draws lies elsewhere.
"""

import math

from . import storage

_MASK64 = 0xFFFFFFFFFFFFFFFF
_TWO_TO_MINUS_52 = 1.0 / 4503599627370496.0  # 2**-52
_TWO_PI = 2.0 * math.pi


def random_seed():
    """A fresh 63-bit seed from the operating system (or the clock, where it has none)."""
    try:
        import os

        return int.from_bytes(os.urandom(8), "little") >> 1
    except (ImportError, AttributeError, NotImplementedError):
        import time

        return (time.time_ns() if hasattr(time, "time_ns") else int(time.time() * 1e9)) & (_MASK64 >> 1)


class SplitMix64:
    """A 64-bit generator: tiny, fast, and the same in any language."""

    def __init__(self, seed):
        self.state = seed & _MASK64

    def next_int(self):
        """The next integer in ``[0, 2**64)``."""
        self.state = (self.state + 0x9E3779B97F4A7C15) & _MASK64
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
        return z ^ (z >> 31)

    def uniform(self):
        """A uniform number in ``(0, 1]``: ``(k + 1) / 2**52`` for a 52-bit ``k``."""
        return ((self.next_int() >> 12) + 1) * _TWO_TO_MINUS_52


class NormalStream:
    """Standard normal numbers from a :class:`SplitMix64`, two per Box-Muller step."""

    def __init__(self, seed):
        self.uniforms = SplitMix64(seed)
        self.spare = None

    def next(self):
        if self.spare is not None:
            value, self.spare = self.spare, None
            return value
        radius = math.sqrt(-2.0 * math.log(self.uniforms.uniform()))
        angle = _TWO_PI * self.uniforms.uniform()
        self.spare = radius * math.sin(angle)
        return radius * math.cos(angle)


def initial_weights(layer_sizes, seed):
    """``[W(1), ..., W(L)]`` with ``W(l)`` of ``n(l-1) x n(l)`` normals of deviation ``n(l)^-1/2``.

    ``seed`` is an int (the same weights on every run) or None (fresh ones).
    """
    if seed is None:
        seed = random_seed()
    normals = NormalStream(seed)
    weights = []
    for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:]):
        deviation = 1.0 / math.sqrt(n_out)  # (I) n(l)^-1/2, with a correctly rounded sqrt
        storage.collect()  # the last matrix's garbage goes first, so that this one lies in one stretch
        W = [storage.zeros(n_out) for _ in range(n_in)]  # made at full size before any draw, never grown
        for row in W:
            for j in range(n_out):
                row[j] = deviation * normals.next()  # (I) W(l)[i][j]
        weights.append(W)
    storage.collect()
    return weights
