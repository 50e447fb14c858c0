"""A time limit on each test: a test that hangs ends the run, loudly, instead of stalling it.

The compiled backend hands work between two threads that wait for each other by spinning
(pynet_fast/_helper.pxi). A mistake there shows up as a wait that never ends, with or
without the GIL held, and a suite without a limit would then stall until the machine is
stopped. Here each test (its setup and teardown included) runs under
``faulthandler.dump_traceback_later``: its watchdog is a C thread, so it fires even when
the hung code holds the GIL. It prints every thread's Python stack (the hung test's name
is in it) to the terminal's stderr and exits the process with status 1.

``PYNET_TEST_TIMEOUT``: the limit in seconds (default 900; the slowest test, which builds
the sdist and compiles it in a fresh environment, takes about 45 s here, the next about
7 s, so this leaves room for AddressSanitizer and slow machines); 0 turns it off, as a
debugger needs. An interpreter without ``faulthandler.dump_traceback_later`` runs the
tests without a limit (CPython and PyPy have it; MicroPython never runs pytest).

conftest.py imports the hooks below; tests/test_time_limit.py loads this module as a
plugin (``-p time_limit``) in a child to check that a hang does end the run.
"""

import os
import sys

import pytest

DEFAULT_SECONDS = 900.0

_stderr_copy = []  # a copy of the terminal's stderr, taken before the tests run
_limit = [0.0]     # PYNET_TEST_TIMEOUT, read once before the tests run


def limit_seconds():
    """PYNET_TEST_TIMEOUT as seconds; 0 means no limit."""
    text = os.environ.get("PYNET_TEST_TIMEOUT", "")
    try:
        seconds = float(text) if text else DEFAULT_SECONDS
    except ValueError:
        raise pytest.UsageError("PYNET_TEST_TIMEOUT must be a number of seconds, not %r" % text)
    if not seconds >= 0:
        raise pytest.UsageError("PYNET_TEST_TIMEOUT must be 0 or more, not %r" % text)
    return seconds


def pytest_configure(config):
    """Keep a copy of stderr's descriptor: while a test runs, pytest captures fd 2 into a file,
    and a process that exits from the watchdog would leave its report there, unread."""
    _limit[0] = limit_seconds()  # a bad value is a usage error at once
    try:
        _stderr_copy.append(os.dup(sys.stderr.fileno()))
    except (AttributeError, ValueError, OSError):
        _stderr_copy.append(os.dup(sys.__stderr__.fileno()))


def pytest_unconfigure(config):
    """Close the copy of stderr."""
    while _stderr_copy:
        os.close(_stderr_copy.pop())


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    """Run one test (setup, call, teardown) under the watchdog."""
    import faulthandler

    seconds = _limit[0]
    armed = seconds > 0 and _stderr_copy and hasattr(faulthandler, "dump_traceback_later")
    if armed:
        faulthandler.dump_traceback_later(seconds, exit=True, file=_stderr_copy[0])
    try:
        yield
    finally:
        if armed:
            faulthandler.cancel_dump_traceback_later()
