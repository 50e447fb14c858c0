# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False, cdivision=True
"""The compiled storage and arithmetic of ``pynet_fast`` (read beside docs/maths.md and pynet/matrix.py).

Two parts:

- the kernels (``_forward.pxi``, ``_train.pxi``, ``_helper.pxi``, ``_split.pxi``): functions without the GIL over contiguous float64
  blocks, one per group of equations of docs/maths.md. They repeat the loops of
  ``pynet/matrix.py`` and ``pynet/network.py`` operation for operation, so that every
  result has the same bits as the pure backend's. How the weights are laid out and in
  which order the loops walk them is decided here and nowhere else;
- ``Core``: the parameters and scratch space of one network, and the Python-facing
  methods (input: ``_input.pxi``). They take input only in forms they can check completely in compiled code
  (finite real numbers in lists or tuples, converted as ``pynet.checks`` converts them,
  or C-contiguous float64 buffers, taken as ``const double[:, ::1]`` /
  ``const double[::1]``) and answer ``None`` for anything
  else, so that the caller can hand that input to ``pynet.checks``, which converts it
  or raises pynet's own error. Every shape is checked before a kernel runs.

The code is in ``_core.pxi``, which this module, ``_core_avx2`` and ``_core_avx512``
include: the same source, compiled for any CPU of the platform, and on x86-64 with
AVX2 and with AVX-512F (both without FMA). ``pynet_fast`` imports the widest that
this CPU runs (``_select.py``); all give the same bits.

Storage: all parameters of a network live in one contiguous block ``P``: ``W(l)`` is
an ``n(l-1) x n(l)`` row-major run of it, as in the seed (row ``i`` holds the weights
leaving neuron ``i`` of layer ``l-1``), and ``B(l)`` a run of ``n(l)``; each run
starts on a 64-byte boundary. The outputs ``Y(l)``, errors ``E(l)`` and deltas
``delta(l)`` of one sample live in a second block ``S`` (and of the next sample, in
``train_many``, in ``S_next``); the outputs of a batch of queries in a block of each
querying thread. A ``Layout`` holds the sizes and offsets. Everything a training step
uses is allocated once with the network, so a step allocates nothing; ``train_many`` on
two threads (``_split.pxi``) works for the length of the call on a copy of ``W(1)`` in
two panels of columns, one for each thread.
"""

include "_core.pxi"
