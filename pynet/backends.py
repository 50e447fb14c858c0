"""The one place that chooses between the two implementations of the network.

``choose("pure")`` is the pure-Python ``pynet``; ``choose("fast")`` is the compiled
``pynet_fast`` (same API, bit-identical results); ``choose("auto")`` takes ``fast``
when it is built and ``pure`` otherwise. The command line, the benchmarks and the
tests all choose through here.
"""

NAMES = ("auto", "pure", "fast")
MODULES = {"pure": "pynet", "fast": "pynet_fast"}


class BackendUnavailable(ImportError):
    """The backend asked for cannot be imported here; the message says why."""


def _import(module_name):
    module = __import__(module_name)
    return module


def choose(name="auto"):
    """The module (``pynet`` or ``pynet_fast``) for ``name``: ``auto``, ``pure`` or ``fast``.

    Its ``BACKEND`` attribute names what was chosen. Raises ``ValueError`` for an
    unknown name and ``BackendUnavailable`` when ``fast`` is asked for but not built.
    """
    if name not in NAMES:
        raise ValueError("backend must be one of %s, not %r" % (", ".join(NAMES), name))
    if name in ("auto", "fast"):
        try:
            return _import(MODULES["fast"])
        except ImportError as error:
            if name == "fast":
                raise BackendUnavailable("the fast backend is not available (%s)" % error)
    return _import(MODULES["pure"])
