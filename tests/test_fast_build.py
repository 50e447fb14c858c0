"""The compiled build of pynet_fast: what was installed, and how it says it is missing."""

import importlib
import importlib.machinery
import importlib.util
import os
import platform
import shutil
import subprocess
import sys
import tempfile

import pytest

from helpers import EXPECTED, load_backend


VECTOR_MODULES = {"avx2": "pynet_fast._core_avx2", "avx512": "pynet_fast._core_avx512"}


def compiled_modules(fast):
    """The compiled modules installed that this CPU runs: ``_core``, and the vector builds."""
    return [fast._core] + [fast._select.load(name) for name in fast._select.runnable()]


def compiled_files(fast):
    """``(name, path)`` of every compiled module installed, whether this CPU runs it or not."""
    files = [("portable", fast._core.__file__)]
    for name, module in sorted(VECTOR_MODULES.items()):
        spec = importlib.util.find_spec(module)
        if spec is not None:
            files.append((name, spec.origin))
    return files


def run_with(environment, script):
    """Run ``script`` in a fresh interpreter that imports the pynet_fast under test.

    It runs outside the source tree, whose uncompiled ``pynet_fast`` would otherwise
    shadow the installed one when the tests are run from the project's folder.
    """
    fast = load_backend("fast")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.path.dirname(os.path.dirname(os.path.abspath(fast.__file__)))
    env.update(environment)
    with tempfile.TemporaryDirectory() as elsewhere:
        return subprocess.run([sys.executable, "-c", script], env=env, cwd=elsewhere, stdout=subprocess.PIPE,
                              universal_newlines=True, check=True).stdout


def test_the_kernels_are_a_compiled_extension_module():
    fast = load_backend("fast")
    assert fast.KERNELS in ("portable", "avx2", "avx512", "native")
    assert fast._kernels.BUILD == fast.KERNELS
    assert fast.NeuralNetwork(3, 2, 1, 0.3)._core.__class__ is fast._kernels.Core
    assert fast._core.BUILD in ("portable", "native")
    for module in compiled_modules(fast):
        assert module.__file__.endswith(tuple(importlib.machinery.EXTENSION_SUFFIXES)), module.__file__


def test_the_widest_kernels_that_the_cpu_runs_are_used():
    fast = load_backend("fast")
    built = [name for name, module in VECTOR_MODULES.items() if importlib.util.find_spec(module) is not None]
    runs = {"avx2": fast._core.cpu_has_avx2(), "avx512": fast._core.cpu_has_avx512()}
    if fast._core.BUILD == "native":
        assert fast.KERNELS == "native"  # PYNET_NATIVE=1: the only module
    elif os.environ.get("PYNET_FAST_KERNELS", "") not in ("", "auto"):
        pytest.skip(EXPECTED + "PYNET_FAST_KERNELS chooses the kernels")
    elif not built and platform.machine() in ("x86_64", "AMD64") and sys.platform.startswith("linux"):
        pytest.skip("the vector kernels were not built here (see the build's warnings)")
    else:
        widest = [name for name in ("avx512", "avx2") if name in built and runs[name]]
        assert fast.KERNELS == (widest[0] if widest else "portable")
        assert fast._select.runnable() == widest


@pytest.mark.skipif(platform.machine() not in ("x86_64", "AMD64"), reason="AVX2 and AVX-512 are x86-64's")
def test_the_cpu_check_agrees_with_the_operating_system():
    fast = load_backend("fast")
    if not os.path.exists("/proc/cpuinfo"):
        pytest.skip("no /proc/cpuinfo to compare with")
    with open("/proc/cpuinfo") as f:
        flags = next((line.split(":", 1)[1].split() for line in f if line.startswith("flags")), None)
    if flags is None:
        pytest.skip("/proc/cpuinfo lists no flags")
    assert fast._core.cpu_has_avx2() == ("avx2" in flags)
    assert fast._core.cpu_has_avx512() == ("avx512f" in flags)


def test_portable_kernels_can_be_forced_and_give_the_same_bits():
    # the parity check of test_parity.py in a fresh interpreter with PYNET_FAST_KERNELS=portable,
    # and the same run with the kernels chosen as usual: the bits of both match pynet's
    fast = load_backend("fast")
    script = """
import pynet, pynet_fast
from helpers import bits
from test_parity import made_data
inputs, targets = made_data(60, 37, 10)
nets = [backend.NeuralNetwork(37, [23, 13], 10, 0.2, seed=5, bias=True, rule=rule)
        for rule in ("seed", "exact") for backend in (pynet, pynet_fast)]
for a, b in (nets[:2], nets[2:]):
    for x, t in zip(inputs[:10], targets[:10]):
        assert bits(a.train(x, t)) == bits(b.train(x, t))
    assert bits(a.train_many(inputs, targets)) == bits(b.train_many(inputs, targets))
    assert bits(a.get_weights()) == bits(b.get_weights()) and bits(a.get_biases()) == bits(b.get_biases())
    assert bits(a.query_many(inputs)) == bits(b.query_many(inputs))
    assert bits([a.query(x) for x in inputs[:9]]) == bits([b.query(x) for x in inputs[:9]])
    assert bits(a.backquery([0.2] * 10)) == bits(b.backquery([0.2] * 10))
print(pynet_fast.KERNELS, type(nets[1]._core).__module__)
"""
    tests = os.path.dirname(os.path.abspath(__file__))
    script = "import sys; sys.path.insert(0, %r)\n" % tests + script
    forced = run_with({"PYNET_FAST_KERNELS": "portable"}, script).split()
    assert forced == [fast._core.BUILD, "pynet_fast._core"]  # "native" when built with PYNET_NATIVE=1
    chosen = run_with({"PYNET_FAST_KERNELS": ""}, script).split()
    assert chosen[0] in ("portable", "avx2", "avx512", "native")
    for name in fast._select.runnable():  # each vector build the CPU runs, forced
        assert run_with({"PYNET_FAST_KERNELS": name}, script).split() == [name, VECTOR_MODULES[name]]


def test_an_unknown_kernel_choice_warns_and_chooses_as_usual():
    load_backend("fast")
    out = run_with({"PYNET_FAST_KERNELS": "sse9"}, "import warnings\n"
                   "with warnings.catch_warnings(record=True) as caught:\n"
                   "    warnings.simplefilter('always')\n"
                   "    import pynet_fast\n"
                   "print(pynet_fast.KERNELS, *[str(w.message) for w in caught])")
    kernels, message = out.split(" ", 1)
    assert kernels in ("portable", "avx2", "avx512", "native")
    assert "PYNET_FAST_KERNELS='sse9'" in message and "'auto', 'portable', 'avx512', 'avx2'" in message


@pytest.mark.skipif(platform.machine() not in ("x86_64", "AMD64") or not shutil.which("objdump"),
                    reason="checks x86-64 machine code with objdump")
def test_no_fused_multiply_add_in_the_machine_code():
    # a*b+c fused into one instruction rounds once instead of twice: other bits than pynet's;
    # nor vector versions of libm's functions (_ZGV...), which round otherwise than exp and log
    # every module built, whether this CPU runs it or not
    fast = load_backend("fast")
    for build, path in compiled_files(fast):
        code = subprocess.run(["objdump", "-d", path], stdout=subprocess.PIPE,
                              universal_newlines=True, check=True).stdout
        fused = [line for line in code.splitlines() if "vfmadd" in line or "vfmsub" in line or "vfnm" in line]
        assert fused == [], (path, fused[:5])
        assert "_ZGV" not in code, path
        # the prefetches of the lines another thread wrote (pynet_prefetch_lines), two loops:
        # GCC once deleted both, which left the cores to fetch those lines one at a time
        assert code.count("prefetcht0") >= 2, path
        if build == "avx2":
            assert "ymm" in code  # the point of the module: four doubles to a register
        if build == "avx512":
            assert "zmm" in code  # eight


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
