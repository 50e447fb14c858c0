"""Run a piece of code in a child process with an address-space limit and a time limit.

Hostile-input cases run there, so that a blow-up (gigabytes allocated, a loop that
never ends) fails the test instead of taking the machine down. Under AddressSanitizer
(``PYNET_SANITIZER=asan``, set by ``.ci/sanitize``) the address-space limit is left
out, since ASan reserves terabytes of address space for its shadow memory; the time
limit stays.
"""

import os
import subprocess
import sys
import textwrap

MEGABYTE = 1 << 20
CHILD_PRELUDE = """
import os, resource, sys
if os.environ.get("PYNET_SANITIZER") != "asan":  # AddressSanitizer's shadow memory needs address space
    resource.setrlimit(resource.RLIMIT_AS, ({memory}, {memory}))
resource.setrlimit(resource.RLIMIT_CPU, ({seconds}, {seconds} + 1))
sys.path[:0] = {paths!r}
"""


def child_env():
    """The environment for a child: the pynet under test first, and not this tree's by accident."""
    import pynet

    env = dict(os.environ)
    parent = os.path.dirname(os.path.dirname(os.path.abspath(pynet.__file__)))
    env["PYTHONPATH"] = os.pathsep.join([parent] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    return env


def run_bounded(code, memory_mb=1024, seconds=60, cwd=None):
    """Run ``code`` (Python source) in a child under the limits; returns the CompletedProcess.

    A child that outlives twice ``seconds`` of wall time is killed and the test fails.
    """
    import pynet

    parent = os.path.dirname(os.path.dirname(os.path.abspath(pynet.__file__)))
    here = os.path.dirname(os.path.abspath(__file__))
    source = CHILD_PRELUDE.format(memory=memory_mb * MEGABYTE, seconds=seconds, paths=[parent, here])
    source += textwrap.dedent(code)
    try:
        return subprocess.run([sys.executable, "-c", source], cwd=cwd, env=child_env(), timeout=2 * seconds,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
    except subprocess.TimeoutExpired as expired:
        raise AssertionError("the child ran for more than %d s: %s" % (2 * seconds, expired))


def expect_clean_error(result, words=()):
    """A child that ended by printing ``ERROR <type>: <message>`` for a TypeError/ValueError."""
    assert result.returncode == 0, "exit %d\n%s" % (result.returncode, result.stderr[-3000:])
    line = result.stdout.strip().splitlines()[-1]
    assert line.startswith("ERROR "), result.stdout
    for word in words:
        assert word in line, line
    return line
