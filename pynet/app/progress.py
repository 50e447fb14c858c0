"""Progress on a terminal or in a log, and Ctrl-C as a request to stop between steps."""

import signal
import threading
import time


def clock(seconds):
    seconds = int(seconds + 0.5)
    hours, rest = divmod(seconds, 3600)
    return ("%d:%02d:%02d" % (hours, rest // 60, rest % 60)) if hours else "%d:%02d" % divmod(rest, 60)


class Progress:
    """A progress line on ``stream``: samples/s, ETA and the running loss.

    On a terminal it is a bar redrawn in place (``\\r``) a few times a second; elsewhere
    (a log file, a pipe) it is a plain line every ``interval`` seconds and one at the end.
    """

    def __init__(self, stream, total, prefix, enabled=True, interval=None):
        self.stream = stream
        self.total = total
        self.prefix = prefix
        self.enabled = enabled
        try:
            self.tty = stream.isatty()
        except (AttributeError, ValueError):
            self.tty = False
        self.interval = interval if interval is not None else (0.2 if self.tty else 10.0)
        self.start = time.monotonic()
        self.last = self.start
        self.width = 0

    def line(self, done, loss):
        elapsed = max(time.monotonic() - self.start, 1e-9)
        rate = done / elapsed
        eta = clock((self.total - done) / rate) if rate > 0 else "?"
        loss_text = "%.4f" % loss if loss is not None else "-"
        percent = 100.0 * done / self.total if self.total else 100.0
        text = "%s %d/%d %3.0f%%  %.0f samples/s  ETA %s  loss %s" % (
            self.prefix, done, self.total, percent, rate, eta, loss_text)
        if self.tty:
            filled = int(20 * done / self.total) if self.total else 20
            text = "%s [%s%s]%s" % (self.prefix, "#" * filled, "." * (20 - filled), text[len(self.prefix):])
        return text

    def update(self, done, loss):
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self.last < self.interval and done < self.total:
            return
        self.last = now
        text = self.line(done, loss)
        if self.tty:
            pad = max(0, self.width - len(text))
            self.stream.write("\r" + text + " " * pad)
            self.width = len(text)
        else:
            self.stream.write(text + "\n")
        self.stream.flush()

    def close(self):
        """Clear the bar from the terminal."""
        if self.enabled and self.tty and self.width:
            self.stream.write("\r" + " " * self.width + "\r")
            self.stream.flush()
            self.width = 0


class StopRequest:
    """Ctrl-C as a request: the first one sets ``requested``, a second one interrupts.

    Installed only in the main thread (where Python delivers signals); elsewhere
    Ctrl-C stays a plain ``KeyboardInterrupt``.
    """

    def __init__(self, stream, what="the current sample"):
        self.stream = stream
        self.what = what
        self.requested = False
        self.in_step = False  # set by the training loop around each train_many call
        self._previous = None

    def _handle(self, signum, frame):
        if self.requested:
            if self.in_step:  # the step in progress ends first: a saved model is never half-updated
                return
            raise KeyboardInterrupt
        self.requested = True
        self.stream.write("\npynet: stopping after %s (Ctrl-C again to stop at once)\n" % self.what)
        self.stream.flush()

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def __exit__(self, *exc):
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
        return False
