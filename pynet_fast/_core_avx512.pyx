# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False, cdivision=True
"""``pynet_fast._core`` compiled for x86-64 CPUs with AVX-512F (``-mavx512f -mno-fma``): the same
source (``_core.pxi``), the same results bit for bit, eight doubles to a register. Import it only
where ``pynet_fast._core.cpu_has_avx512()`` is true; ``pynet_fast`` does so.
"""

include "_core.pxi"
