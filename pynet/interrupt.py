"""Ctrl-C during training stops between two samples, never inside one.

A ``KeyboardInterrupt`` raised in the middle of a pure-Python step would leave some
weights of the step updated and others not. While a training call runs,
:class:`HeldInterrupt` puts a handler for ``SIGINT`` in place of Python's default one
that only notes the signal; the training loop calls :meth:`HeldInterrupt.check`
between samples, which raises ``KeyboardInterrupt`` there. The handler is put in place
only where Python's default handler is installed (in the main thread); a program with
its own handler keeps it, and MicroPython, without ``signal``, keeps its behaviour.
"""


class HeldInterrupt:
    """A context in which ``SIGINT`` is held back until :meth:`check` (or the end)."""

    def __init__(self):
        self.pending = False
        self._signal = None
        self._previous = None

    def __enter__(self):
        try:
            import signal

            if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
                self._previous = signal.signal(signal.SIGINT, self._note)
                self._signal = signal
        except (ImportError, AttributeError, ValueError):  # no signal module, or not the main thread
            pass
        return self

    def _note(self, signum, frame):
        self.pending = True

    def _release(self):
        if self._signal is not None:
            self._signal.signal(self._signal.SIGINT, self._previous)
            self._signal = None

    def check(self):
        """Between two samples: raise the ``KeyboardInterrupt`` that was held back, if any."""
        if self.pending:
            self.pending = False
            self._release()
            raise KeyboardInterrupt

    def __exit__(self, kind, value, traceback):
        self._release()
        if self.pending and kind is None:
            self.pending = False
            raise KeyboardInterrupt
        return False
