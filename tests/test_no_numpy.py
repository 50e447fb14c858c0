"""pynet needs nothing outside the standard library."""

import os
import subprocess
import sys
from pathlib import Path

import pynet

PROGRAM = r"""
import sys
sys.modules["numpy"] = None  # any "import numpy" now raises ImportError
before = set(sys.modules)
import pynet
net = pynet.NeuralNetwork(784, 20, 10, 0.3, seed=1)
x = [0.5] * 784
net.train(x, [0.01] * 9 + [0.99])
assert len(net.query(x)) == 10 and 0 <= net.predict(x) < 10
net.backquery([0.01] * 9 + [0.99])
import os, sysconfig
new = sorted({name.split(".")[0] for name in set(sys.modules) - before} - {"pynet"})
stdlib_dirs = tuple(os.path.realpath(sysconfig.get_paths()[key]) for key in ("stdlib", "platstdlib"))
def from_stdlib(name):
    # built into the interpreter, or a file of the standard library's folders
    path = getattr(sys.modules[name], "__file__", None)
    return path is None or os.path.realpath(path).startswith(stdlib_dirs)
outside = [name for name in new if not from_stdlib(name)]
print("outside:", outside)
print("imported:", new)
"""


def test_pynet_imports_and_runs_with_numpy_blocked(tmp_path):
    package_parent = str(Path(pynet.__file__).resolve().parents[1])
    env = dict(os.environ, PYTHONPATH=package_parent)
    result = subprocess.run([sys.executable, "-c", PROGRAM], cwd=str(tmp_path), env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "outside: []" in result.stdout, result.stdout
    assert "numpy" not in result.stdout
