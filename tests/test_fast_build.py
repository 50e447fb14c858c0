"""The compiled build of pynet_fast: what was installed, and how it says it is missing."""

import importlib.machinery
import os
import platform
import shutil
import subprocess
import sys

import pytest

from conftest import load_backend


def test_the_kernels_are_a_compiled_extension_module():
    fast = load_backend("fast")
    path = fast._core.__file__
    assert path.endswith(tuple(importlib.machinery.EXTENSION_SUFFIXES)), path
    assert fast._core.BUILD in ("portable", "native")


@pytest.mark.skipif(platform.machine() not in ("x86_64", "AMD64") or not shutil.which("objdump"),
                    reason="checks x86-64 machine code with objdump")
def test_no_fused_multiply_add_in_the_machine_code():
    # a*b+c fused into one instruction rounds once instead of twice: other bits than pynet's
    fast = load_backend("fast")
    code = subprocess.run(["objdump", "-d", fast._core.__file__], stdout=subprocess.PIPE,
                          universal_newlines=True, check=True).stdout
    fused = [line for line in code.splitlines() if "vfmadd" in line or "vfmsub" in line or "vfnm" in line]
    assert fused == [], fused[:5]


def test_a_missing_build_says_so_and_how_to_fix_it(tmp_path):
    # the installed packages, copied without the compiled module as a pure install leaves them,
    # and imported from there alone (-S: no site-packages, so no editable-install finder either)
    import pynet

    fast = load_backend("fast")
    shutil.copytree(os.path.dirname(pynet.__file__), str(tmp_path / "pynet"))
    os.mkdir(str(tmp_path / "pynet_fast"))
    for name in os.listdir(os.path.dirname(fast.__file__)):
        if name.endswith(".py"):
            shutil.copy(os.path.join(os.path.dirname(fast.__file__), name), str(tmp_path / "pynet_fast"))
    script = (
        "import pynet\n"
        "assert pynet.__file__.startswith(%r)\n"
        "try:\n"
        "    import pynet_fast\n"
        "except ImportError as error:\n"
        "    print(error)\n"
        "print(len(pynet.NeuralNetwork(2, 2, 1, 0.3, seed=1).query([0.5, 0.5])))\n" % str(tmp_path))
    out = subprocess.run([sys.executable, "-S", "-c", script], cwd=str(tmp_path), stdout=subprocess.PIPE,
                         universal_newlines=True, check=True).stdout
    assert "pynet_fast is not compiled" in out
    assert "pip install" in out and "PYNET_NO_EXTENSIONS" in out
    assert out.strip().endswith("1")  # the pure package still works
