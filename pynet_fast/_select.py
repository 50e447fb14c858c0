"""Which compiled module does pynet_fast's arithmetic: ``core``, named by ``KERNELS``.

The modules are the same source compiled several times, and give the same bits:

- ``pynet_fast._core``: the portable kernels, for any CPU of the platform (or, built
  with ``PYNET_NATIVE=1``, for the machine that built it: then it is the only one);
- ``pynet_fast._core_avx512`` (AVX-512F) and ``pynet_fast._core_avx2`` (AVX2): x86-64,
  built where GCC or Clang compile the package. Each is imported only when ``_core``
  says that this CPU (and its operating system) runs it.

``PYNET_FAST_KERNELS`` in the environment chooses: unset, empty or ``auto``, the widest
that runs here; ``portable``, ``avx2`` or ``avx512``, that build (to compare, or to
rule the wider vector code out), or, if the CPU does not run it or it was not built,
the widest narrower one that runs, with a warning.
"""

import importlib
import importlib.util
import os
import warnings

from . import _core

ENVIRONMENT = "PYNET_FAST_KERNELS"
# the vector builds, widest first: (name, module, whether this CPU runs it)
VECTOR_BUILDS = (
    ("avx512", __package__ + "._core_avx512", "cpu_has_avx512"),
    ("avx2", __package__ + "._core_avx2", "cpu_has_avx2"),
)
CHOICES = ("auto", "portable") + tuple(name for name, _, _ in VECTOR_BUILDS)


def runnable():
    """The names of the vector builds installed that this CPU runs, widest first."""
    names = []
    for name, module, check in VECTOR_BUILDS:
        if getattr(_core, check)() and importlib.util.find_spec(module) is not None:
            names.append(name)
    return names


def load(name):
    """The compiled module of the build ``name`` ("portable", "avx2", "avx512")."""
    if name == "portable":
        return _core
    return importlib.import_module(dict((n, m) for n, m, _ in VECTOR_BUILDS)[name])


def _choose():
    wanted = os.environ.get(ENVIRONMENT, "").strip().lower() or "auto"
    if wanted not in CHOICES:
        warnings.warn("%s=%r is not one of %s: taken as 'auto'" % (ENVIRONMENT, wanted, ", ".join(map(repr, CHOICES))),
                      RuntimeWarning, stacklevel=3)
        wanted = "auto"
    if not hasattr(_core, "cpu_has_avx512"):  # a module left from an older build of this source
        raise ImportError("pynet_fast's compiled module %s is out of date: reinstall pynet" % _core.__file__)
    if wanted == "portable" or _core.BUILD == "native":
        return _core
    names = [name for name, _, _ in VECTOR_BUILDS]
    candidates = runnable()
    if wanted != "auto":
        if wanted not in candidates:
            warnings.warn("%s=%r: those kernels do not run on this CPU or were not built; using the widest narrower ones that do"
                          % (ENVIRONMENT, wanted), RuntimeWarning, stacklevel=3)
        candidates = [name for name in candidates if names.index(name) >= names.index(wanted)]
    for name in candidates:
        try:
            return load(name)
        except ImportError as error:  # there, but it does not load: the narrower ones do the same
            warnings.warn("pynet_fast's %s kernels do not load (%s); using narrower ones" % (name, error),
                          RuntimeWarning, stacklevel=3)
    return _core


core = _choose()
KERNELS = core.BUILD  # "portable", "avx2", "avx512" or "native"
