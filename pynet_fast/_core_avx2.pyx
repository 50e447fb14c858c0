# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False, cdivision=True
"""``pynet_fast._core`` compiled for x86-64 CPUs with AVX2 (``-mavx2 -mno-fma``): the same
source (``_core.pxi``), the same results bit for bit, wider vectors. Import it only where
``pynet_fast._core.cpu_has_avx2()`` is true; ``pynet_fast`` does so.
"""

include "_core.pxi"
