"""The time limit on each test (time_limit.py), checked on small suites run by a child pytest.

A hang must end the run with a failure and every thread's stack, also when the hung code
holds the GIL; a limit counts each test alone, not the run; a bad limit is refused.
"""

import faulthandler
import os
import subprocess
import sys
import textwrap
import time

import pytest

from helpers import skip_expected

# They time hangs and the limit on them: run with no other tests beside them.
pytestmark = pytest.mark.serial

HERE = os.path.dirname(os.path.abspath(__file__))


def run_suite(tmp_path, source, seconds):
    """Run ``source`` as a test module in a child pytest with the limit set to ``seconds``;
    the CompletedProcess and its wall time."""
    if not hasattr(faulthandler, "dump_traceback_later"):
        skip_expected("this interpreter's faulthandler has no dump_traceback_later: tests run without a limit")
    (tmp_path / "test_child.py").write_text(textwrap.dedent(source))
    paths = [HERE] + ([os.environ["PYTHONPATH"]] if os.environ.get("PYTHONPATH") else [])
    env = dict(os.environ, PYNET_TEST_TIMEOUT=str(seconds), PYTHONPATH=os.pathsep.join(paths))
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "time_limit",
               "--rootdir", str(tmp_path), str(tmp_path)]
    started = time.monotonic()
    result = subprocess.run(command, cwd=str(tmp_path), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            universal_newlines=True, timeout=300)
    return result, time.monotonic() - started


def test_a_test_that_hangs_ends_the_run_with_every_stack(tmp_path):
    result, took = run_suite(tmp_path, """
        import time

        def test_waits_for_ever():
            while True:
                time.sleep(0.01)

        def test_never_reached():
            pass
    """, 2)
    assert result.returncode == 1, (result.returncode, result.stdout, result.stderr)
    assert "Timeout (0:00:02)!" in result.stderr, result.stderr
    assert "in test_waits_for_ever" in result.stderr, result.stderr
    assert "passed" not in result.stdout, result.stdout  # the run ended with the hung test
    assert took < 120, took


def test_a_hang_that_holds_the_gil_ends_the_run_too(tmp_path):
    import ctypes

    if not hasattr(ctypes, "PyDLL"):  # PyPy's ctypes
        skip_expected("this interpreter's ctypes has no PyDLL: no call that sleeps holding the GIL")
    result, took = run_suite(tmp_path, """
        import ctypes

        def test_sleeps_holding_the_gil():
            libc = ctypes.PyDLL(None)  # a PyDLL's functions keep the GIL while they run
            libc.sleep(60)
    """, 2)
    assert result.returncode == 1, (result.returncode, result.stdout, result.stderr)
    assert "Timeout (0:00:02)!" in result.stderr, result.stderr
    assert "in test_sleeps_holding_the_gil" in result.stderr, result.stderr
    assert took < 50, took  # well short of the sleep's 60 s


def test_the_limit_is_for_each_test_not_the_run(tmp_path):
    result, took = run_suite(tmp_path, """
        import time

        def test_first():
            time.sleep(1.5)

        def test_second():
            time.sleep(1.5)

        def test_third():
            time.sleep(1.5)
    """, 3)
    assert result.returncode == 0, (result.returncode, result.stdout, result.stderr)
    assert "3 passed" in result.stdout, result.stdout
    assert "Timeout" not in result.stderr, result.stderr


@pytest.mark.parametrize("value", ["soon", "-1", "nan"])
def test_a_limit_that_is_no_number_of_seconds_is_refused(tmp_path, value):
    result, took = run_suite(tmp_path, "def test_nothing():\n    pass\n", value)
    assert result.returncode == 4, (result.returncode, result.stdout, result.stderr)  # pytest's usage error
    assert "PYNET_TEST_TIMEOUT must be" in result.stderr, result.stderr
    assert value in result.stderr, result.stderr
