"""Build script: declares pynet_fast's compiled modules (everything else is in pyproject.toml).

The modules are the same source, ``pynet_fast/_core.pxi``, compiled three times:

- ``pynet_fast._core``, the portable kernels: for any CPU of the platform (on x86-64, SSE2);
- ``pynet_fast._core_avx2``, on x86-64 with GCC or Clang only: AVX2, without FMA;
- ``pynet_fast._core_avx512``, the same: AVX-512F, without FMA.
  ``import pynet_fast`` takes the widest that the CPU runs (``pynet_fast._select``).

- ``PYNET_NO_EXTENSIONS=1``: install the pure package only.
- ``PYNET_NATIVE=1``: compile ``_core`` for this machine's vector units (``-march=native``),
  and no ``_core_avx2``; for local installs only, as the result may not run on another
  CPU. The default is portable.

A failed compile does not fail the install: it warns, and installs the pure package
(``import pynet_fast`` then says that it was not compiled), or, when a vector build
fails, ``pynet_fast`` without it (the next narrower one is used; the same bits).
"""

import os
import sys
from concurrent.futures import ThreadPoolExecutor

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

# Speed, but IEEE arithmetic exactly as written: no -ffast-math, and no fusing of
# a*b+c into one FMA instruction, which would round once instead of twice and
# change the bits that pynet_fast shares with pynet.
UNIX_FLAGS = ["-O3", "-fno-fast-math", "-ffp-contract=off"]
MSVC_FLAGS = ["/O2", "/fp:precise"]
# The vector builds, x86-64 with GCC or Clang only: module -> (its BUILD, flags). Without
# FMA: the same single roundings of each multiply and each add as SSE2, four (AVX2) or
# eight (AVX-512) doubles to a register instead of two.
VECTOR_BUILDS = {
    "pynet_fast._core_avx2": ("avx2", ["-mavx2", "-mno-fma"]),
    "pynet_fast._core_avx512": ("avx512", ["-mavx512f", "-mno-fma", "-mprefer-vector-width=512"]),
}


def _flag(name):
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


class build_optional_ext(build_ext):
    """Compile with the flags above; on failure, warn and go on without the module."""

    def build_extensions(self):
        """Translate each module to C in turn, then compile them side by side (one per CPU).

        Cython runs one module at a time (it is not made to run in threads); the C
        compiler, which takes most of the time, runs once per module at the same time
        (``build_ext -j 1``: one after another). The warnings come after all of them.
        """
        self.check_extensions_list(self.extensions)
        self.failures = []  # (extension, error), appended to from the compiling threads
        wanted = []
        for ext in self.extensions:
            if self.build_and_flags(ext) is None:  # not wanted, or not possible here
                self.remove_output(ext)
            elif self.translate(ext):
                wanted.append(ext)
        workers = self.parallel if isinstance(self.parallel, int) and self.parallel > 0 else (os.cpu_count() or 1)
        with ThreadPoolExecutor(max(1, min(workers, len(wanted)))) as pool:
            list(pool.map(self.build_extension, wanted))
        portable_failed = any(ext.name not in VECTOR_BUILDS for ext, _ in self.failures)
        for ext, error in self.failures:  # without the portable module, its warning says it all
            if not (portable_failed and ext.name in VECTOR_BUILDS):
                self.warn_fallback(ext, error)
        if portable_failed:  # no vector build without the portable one it falls back on
            for ext in self.extensions:
                if ext.name in VECTOR_BUILDS:
                    self.remove_output(ext)

    def build_and_flags(self, ext):
        """The module's BUILD name and compiler flags, or None when it is not built here."""
        msvc = self.compiler.compiler_type == "msvc"
        native = _flag("PYNET_NATIVE") and not msvc
        if ext.name in VECTOR_BUILDS:
            x86_64 = (self.plat_name or "").lower().endswith(("x86_64", "amd64"))
            if native or msvc or not x86_64:
                return None
            return VECTOR_BUILDS[ext.name][0], UNIX_FLAGS + VECTOR_BUILDS[ext.name][1]
        if msvc:
            return "portable", MSVC_FLAGS
        return ("native", UNIX_FLAGS + ["-march=native"]) if native else ("portable", UNIX_FLAGS)

    def translate(self, ext):
        """Cython's C for the module, made here, one module at a time; False if that failed."""
        try:
            from Cython.Build import cythonize
            ext.sources = cythonize([ext], quiet=True, force=self.force)[0].sources
        except Exception as error:  # no Cython, or a Cython compile error
            self.failures.append((ext, error))
            return False
        return True

    def build_extension(self, ext):
        build, flags = self.build_and_flags(ext)
        ext.extra_compile_args = list(flags)
        ext.define_macros = [("PYNET_BUILD", '"%s"' % build)]  # the module's BUILD
        try:
            super().build_extension(ext)
        except Exception as error:  # a missing compiler or Python headers, a compile error
            self.failures.append((ext, error))  # (its output is removed where it is warned about)

    def remove_output(self, ext):
        """An older build's module must not be installed instead of this one's (or as well)."""
        path = self.get_ext_fullpath(ext.name)
        if os.path.exists(path):
            os.remove(path)

    def run(self):
        try:
            super().run()
        except Exception as error:
            self.warn_fallback(None, error)

    def warn_fallback(self, ext, error):
        name = ext.name if ext is not None else "pynet_fast"
        if ext is not None:
            self.remove_output(ext)
        if ext is not None and ext.name in VECTOR_BUILDS:
            consequence = ("WARNING: pynet_fast will go without its %s kernels, on every CPU (the same "
                           "results, more slowly).\n" % VECTOR_BUILDS[ext.name][0])
        else:
            consequence = (
                "WARNING: installing the pure-Python pynet alone; `import pynet_fast` will raise ImportError.\n"
                "WARNING: to build it, install a C compiler and the Python headers, then reinstall.\n")
        sys.stderr.write("\nWARNING: %s could not be compiled (%s: %s).\n%s\n"
                         % (name, type(error).__name__, error, consequence))


SHARED = ["pynet_fast/_core.pxi", "pynet_fast/_forward.pxi", "pynet_fast/_train.pxi", "pynet_fast/_helper.pxi", "pynet_fast/_split.pxi",
          "pynet_fast/_input.pxi", "pynet_fast/_augment.pxi"]  # what every module includes
# optional: a module not built (skipped, or failed and warned about above) is not copied
# into the source tree by an in-place build either
extensions = [] if _flag("PYNET_NO_EXTENSIONS") else [
    Extension("pynet_fast._core", ["pynet_fast/_core.pyx"], depends=SHARED, optional=True),
] + [Extension(name, [name.replace(".", "/") + ".pyx"], depends=SHARED, optional=True) for name in VECTOR_BUILDS]

setup(ext_modules=extensions, cmdclass={"build_ext": build_optional_ext})
