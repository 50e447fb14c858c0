"""Build script: declares pynet_fast's compiled module (everything else is in pyproject.toml).

- ``PYNET_NO_EXTENSIONS=1``: install the pure package only.
- ``PYNET_NATIVE=1``: compile for this machine's vector units (``-march=native``); for
  local installs only, as the result may not run on another CPU. The default is portable.

A failed compile does not fail the install: it warns and installs the pure package,
and ``import pynet_fast`` then says that it was not compiled.
"""

import os
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

# Speed, but IEEE arithmetic exactly as written: no -ffast-math, and no fusing of
# a*b+c into one FMA instruction, which would round once instead of twice and
# change the bits that pynet_fast shares with pynet.
UNIX_FLAGS = ["-O3", "-fno-fast-math", "-ffp-contract=off"]
MSVC_FLAGS = ["/O2", "/fp:precise"]


def _flag(name):
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


class build_optional_ext(build_ext):
    """Compile with the flags above; on failure, warn and go on without the module."""

    def build_extension(self, ext):
        native = _flag("PYNET_NATIVE") and self.compiler.compiler_type != "msvc"
        if self.compiler.compiler_type == "msvc":
            ext.extra_compile_args = list(MSVC_FLAGS)
        else:
            ext.extra_compile_args = UNIX_FLAGS + (["-march=native"] if native else [])
        ext.define_macros = [("PYNET_BUILD", '"native"' if native else '"portable"')]  # pynet_fast._core.BUILD
        try:
            super().build_extension(ext)
        except Exception as error:  # a missing compiler or Cython, a compile error
            self.warn_fallback(ext, error)

    def run(self):
        try:
            super().run()
        except Exception as error:
            self.warn_fallback(None, error)

    def warn_fallback(self, ext, error):
        name = ext.name if ext is not None else "pynet_fast"
        if ext is not None and os.path.exists(self.get_ext_fullpath(ext.name)):
            os.remove(self.get_ext_fullpath(ext.name))  # an older build's module must not be installed instead
        sys.stderr.write(
            "\nWARNING: %s could not be compiled (%s: %s).\n"
            "WARNING: installing the pure-Python pynet alone; `import pynet_fast` will raise ImportError.\n"
            "WARNING: to build it, install a C compiler and the Python headers, then reinstall.\n\n"
            % (name, type(error).__name__, error))


extensions = [] if _flag("PYNET_NO_EXTENSIONS") else [
    Extension("pynet_fast._core", ["pynet_fast/_core.pyx"]),
]

setup(ext_modules=extensions, cmdclass={"build_ext": build_optional_ext})
