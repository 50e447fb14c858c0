"""The shape of the code: a learning core and an application on top of it, arrows one way.

- The core (``pynet/*.py``) and ``pynet_fast`` never import the application (``pynet.app``).
- No module imports itself back through others (no import cycles).
- Importing either backend, training, saving and loading load no module of the application.
- No module grows past what a reader takes in at one sitting.
"""

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import ROOT, load_backend

PACKAGES = ("pynet", "pynet_fast")
LONGEST_MODULE = 450  # lines


def modules():
    """``{dotted name: path}`` of every module of the two packages (Python, and Cython's ``.pyx``)."""
    found = {}
    for package in PACKAGES:
        for path in sorted(list((ROOT / package).rglob("*.py")) + list((ROOT / package).rglob("*.pyx"))):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def imports_of(name, path, known):
    """The modules of the two packages that ``name`` imports, at any depth of its code."""
    if path.suffix != ".py":  # compiled: its cimports are C, not Python imports
        return set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module
            for alias in node.names:  # "from . import checks" imports the module pynet.checks
                submodule = "%s.%s" % (module, alias.name)
                targets.add(submodule if submodule in known else module)
    return {target for target in targets if target in known and target != name}


def import_graph():
    known = modules()
    return {name: imports_of(name, path, known) for name, path in known.items()}


def is_core(name):
    return name == "pynet" or (name.startswith("pynet.") and not name.startswith("pynet.app") and name != "pynet.__main__")


def test_the_core_and_pynet_fast_never_import_the_application():
    graph = import_graph()
    wrong = {name: sorted(t for t in targets if t.startswith("pynet.app"))
             for name, targets in graph.items() if is_core(name) or name.startswith("pynet_fast")}
    assert not {name: targets for name, targets in wrong.items() if targets}
    assert any(t.startswith("pynet.app") for t in graph["pynet.app.cli"])  # the graph sees imports at all


def find_cycle(graph):
    """A list of names that import each other round in a circle, or None."""
    state = {}

    def visit(name, path):
        state[name] = "open"
        for target in sorted(graph.get(name, ())):
            if state.get(target) == "open":
                return path + [name, target]
            if target not in state:
                cycle = visit(target, path + [name])
                if cycle:
                    return cycle
        state[name] = "done"
        return None

    for name in sorted(graph):
        if name not in state:
            cycle = visit(name, [])
            if cycle:
                return cycle
    return None


def test_no_import_cycles():
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: %s" % " -> ".join(cycle)


def test_the_cycle_check_finds_cycles():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


def test_modules_stay_readable_in_one_sitting():
    long = {name: n for name, n in ((name, len(path.read_text(encoding="utf-8").splitlines()))
                                     for name, path in modules().items() if path.suffix == ".py")
            if n > LONGEST_MODULE}
    assert not long, "modules over %d lines: %s" % (LONGEST_MODULE, long)


PROGRAM = r"""
import sys, tempfile, os
import pynet, pynet.backends
module = pynet.backends.choose(sys.argv[1])
net = module.NeuralNetwork(16, 4, 3, 0.3, seed=1)
net.train_many([[0.5] * 16] * 3, [[0.01, 0.99, 0.01]] * 3)
net.query([0.25] * 16)
path = os.path.join(tempfile.mkdtemp(), "m.json")
net.save(path)
module.NeuralNetwork.load(path)
print(sorted(m for m in sys.modules if m == "pynet.app" or m.startswith("pynet.app.")))
"""


@pytest.mark.parametrize("name", ["pure", "fast"])
def test_using_a_backend_loads_no_module_of_the_application(name, tmp_path):
    module = load_backend(name)
    import pynet
    parents = {str(Path(pynet.__file__).resolve().parents[1]), str(Path(module.__file__).resolve().parents[1])}
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sorted(parents)))
    out = subprocess.run([sys.executable, "-c", PROGRAM, name], cwd=str(tmp_path), env=env, check=True,
                         stdout=subprocess.PIPE, universal_newlines=True, timeout=120).stdout
    assert out.strip() == "[]"
