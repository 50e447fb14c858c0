# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False, cdivision=True
"""The compiled storage and arithmetic of ``pynet_fast`` (read beside docs/maths.md and pynet/matrix.py).

Two parts:

- the kernels: functions without the GIL over typed memoryviews (``double[::1]``,
  ``double[:, ::1]``). They repeat the loops of ``pynet/matrix.py`` and
  ``pynet/network.py`` operation for operation, so that every result has the same
  bits as the pure backend's. How the weights are laid out and in which order the
  loops walk them is decided here and nowhere else;
- ``Core``: the parameters and scratch space of one network, and the Python-facing
  methods. They take input only in forms they can check completely in compiled code
  (exact finite floats in lists or tuples, or C-contiguous float64 buffers, taken as
  ``const double[:, ::1]`` / ``const double[::1]``) and answer ``None`` for anything
  else, so that the caller can hand that input to ``pynet.checks``, which converts it
  or raises pynet's own error. Every shape is checked before a kernel runs.

The code is in ``_core.pxi``, which this module and ``_core_avx2`` both include:
the same source, compiled twice, once for any CPU of the platform and once with
AVX2 (without FMA) on x86-64. ``pynet_fast`` imports the one that this CPU runs;
both give the same bits.

Storage: all parameters of a network live in one contiguous block ``P``: ``W(l)`` is
an ``n(l-1) x n(l)`` row-major run of it, as in the seed (row ``i`` holds the weights
leaving neuron ``i`` of layer ``l-1``), and ``B(l)`` a run of ``n(l)``; each run
starts on a 64-byte boundary. The outputs ``Y(l)``, errors ``E(l)`` and deltas
``delta(l)`` of one sample live in a second block ``S``, and the outputs of a batch
of queries in a third, ``Q``. A ``Layout`` holds the sizes and offsets. Everything
is allocated once with the network, so a training step allocates nothing.
"""

include "_core.pxi"
