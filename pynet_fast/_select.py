"""Which compiled module does pynet_fast's arithmetic: ``core``, named by ``KERNELS``.

The two modules are the same source compiled twice, and give the same bits:

- ``pynet_fast._core``: the portable kernels, for any CPU of the platform (or, built
  with ``PYNET_NATIVE=1``, for the machine that built it: then it is the only one);
- ``pynet_fast._core_avx2``: x86-64 with AVX2, built where GCC or Clang compile the
  package. It is imported only when ``_core.cpu_has_avx2()`` says that this CPU runs it.

``PYNET_FAST_KERNELS=portable`` in the environment forces ``_core`` (to compare, or to
rule the vector code out); unset, empty or ``auto``: the fastest that runs here.
"""

import importlib
import importlib.util
import os
import warnings

from . import _core

ENVIRONMENT = "PYNET_FAST_KERNELS"
AVX2_MODULE = __package__ + "._core_avx2"


def _choose():
    wanted = os.environ.get(ENVIRONMENT, "").strip().lower() or "auto"
    if wanted not in ("auto", "portable"):
        warnings.warn("%s=%r is not 'portable' or 'auto': taken as 'auto'" % (ENVIRONMENT, wanted),
                      RuntimeWarning, stacklevel=3)
    if not hasattr(_core, "cpu_has_avx2"):  # a module left from an older build of this source
        raise ImportError("pynet_fast's compiled module %s is out of date: reinstall pynet" % _core.__file__)
    if wanted == "portable" or _core.BUILD == "native" or not _core.cpu_has_avx2():
        return _core
    if importlib.util.find_spec(AVX2_MODULE) is None:  # not built for this platform or compiler
        return _core
    try:
        return importlib.import_module(AVX2_MODULE)
    except ImportError as error:  # there, but it does not load: the portable kernels do the same
        warnings.warn("pynet_fast's AVX2 kernels do not load (%s); using the portable ones" % error,
                      RuntimeWarning, stacklevel=3)
        return _core


core = _choose()
KERNELS = core.BUILD  # "portable", "avx2" or "native"
