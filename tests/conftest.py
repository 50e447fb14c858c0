"""Fixtures and hooks: every network test runs against both backends.

The ``backend`` fixture is the module under test: ``pynet`` (id ``pure``) or
``pynet_fast`` (id ``fast``), chosen by ``pynet.backends.choose``. Where
``pynet_fast`` is not built its tests are skipped, unless ``PYNET_REQUIRE_FAST=1``
is set (as CI does): then a missing build is a failure, not a silent skip.

``PYNET_NO_UNEXPECTED_SKIPS=1`` (CI's first run, in a bare clone) turns every skip
into a failure except those the suite declares expected (``helpers.skip_expected``),
so that a test that quietly stops running is noticed. Each test runs under a time
limit (``time_limit.py``, ``PYNET_TEST_TIMEOUT``): a hang ends the run with every
thread's stack. Shared helpers live in ``helpers.py``.
"""

import os
from pathlib import Path

import pytest

from helpers import EXPECTED, IMPLEMENTATIONS, load_backend
# the hooks of a time limit on each test
from time_limit import pytest_configure, pytest_runtest_protocol, pytest_unconfigure  # noqa: F401


def pytest_report_header(config):
    import pynet

    return "pynet under test: %s" % os.path.dirname(pynet.__file__)


def pytest_sessionstart(session):
    """With PYNET_EXPECT_INSTALLED=1 (CI), refuse to test a source tree instead of the installed package."""
    if os.environ.get("PYNET_EXPECT_INSTALLED") != "1":
        return
    import pynet

    source_tree = Path(__file__).resolve().parents[1]
    if Path(pynet.__file__).resolve().parents[1] == source_tree:
        raise pytest.UsageError("PYNET_EXPECT_INSTALLED=1 but pynet comes from the source tree %s" % source_tree)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """With PYNET_NO_UNEXPECTED_SKIPS=1, a skip not declared expected is a failure."""
    outcome = yield
    report = outcome.get_result()
    if not report.skipped or os.environ.get("PYNET_NO_UNEXPECTED_SKIPS") != "1":
        return
    if getattr(report, "wasxfail", None) is not None:
        return
    reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
    if reason.startswith("Skipped: "):
        reason = reason[len("Skipped: "):]
    if not reason.startswith(EXPECTED):
        report.outcome = "failed"
        report.longrepr = "unexpected skip (PYNET_NO_UNEXPECTED_SKIPS=1): %s" % reason


@pytest.fixture(params=sorted(IMPLEMENTATIONS), ids=sorted(IMPLEMENTATIONS))
def backend(request):
    return load_backend(request.param)


@pytest.fixture
def pure():
    return load_backend("pure")


@pytest.fixture
def fast():
    return load_backend("fast")


@pytest.fixture(scope="session")
def digit_model(tmp_path_factory):
    """The path of a 784-N-10 model trained once on the bundled subset (``digits.train_model``)."""
    from digits import train_model

    return train_model(tmp_path_factory.mktemp("digits") / "model.json")
