"""The learning curve of a training run, as SVG or PNG.

The picture has the epochs along the bottom (``0`` is the start of the run), the
running training loss on the left axis (a line with many points per epoch) and the
accuracies in percent on the right axis: train, validation and test, each a point
at the end of every epoch where it was measured (the test accuracy measured once at
the end sits at the kept epoch). ``write_curve(path, history, title)`` writes SVG for
a ``.svg`` name and PNG for ``.png`` (drawn with pynet's own PNG writer and bitmap
font); ``check_curve_path(path)`` refuses any other name, so that the CLI can refuse
it before training starts. Both renderers draw the same ``Layout``.
"""

import math

WIDTH, HEIGHT = 800, 480
LEFT, RIGHT, TOP, BOTTOM = 84, 84, 56, 86
LOSS = ("loss", (31, 119, 180))
ACCURACY_SERIES = (("train", (44, 160, 44)), ("validation", (230, 120, 0)), ("test", (214, 39, 40)))
FORMATS = (".svg", ".png")


def nice_ticks(low, high, count=5):
    """About ``count`` round tick values (steps of 1, 2, 2.5 or 5 times a power of ten)
    from at most ``low`` to at least ``high``."""
    if not high > low:
        high = low + (abs(low) or 1.0)
    raw = (high - low) / count
    magnitude = 10.0 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        step = factor * magnitude
        if step >= raw * (1 - 1e-9):
            break
    k = math.floor(low / step + 1e-9)
    values = [round(k * step, 12)]
    while values[-1] < high - step * 1e-9:
        k += 1
        values.append(round(k * step, 12))
    return values


def tick_label(value):
    text = "%.6g" % value
    return "0" if text in ("-0", "0") else text


def epoch_ticks(epochs):
    """Whole epochs from 0 to ``epochs``, at most about 10 of them."""
    step = max(1, int(math.ceil(epochs / 10.0)))
    return list(range(0, epochs + 1, step))


class Layout:
    """Everything a renderer draws, in pixels from the top left of a ``WIDTH x HEIGHT`` picture.

    ``box`` is the plot area ``(left, top, right, bottom)``; ``x_ticks``, ``loss_ticks``
    and ``accuracy_ticks`` are ``(pixel, label)`` pairs; ``loss_line`` is the running
    loss as points; ``accuracies`` lists ``(name, colour, points)``; ``legend`` lists
    ``(name, colour)`` of the series drawn; ``note`` is a line of text or ''; ``kept_x``
    marks the epoch whose weights were kept, when it is not the last (else None).
    """

    def __init__(self, history, title):
        self.title = title
        self.width, self.height = WIDTH, HEIGHT
        left, top, right, bottom = LEFT, TOP, WIDTH - RIGHT, HEIGHT - BOTTOM
        self.box = (left, top, right, bottom)
        running = history.running_loss
        epochs = max([len(history.epochs), 1] + [int(math.ceil(p - 1e-9)) for p, _ in running])
        ticks = epoch_ticks(epochs)
        self.x_ticks = [(left + (right - left) * e / epochs, str(e)) for e in ticks]

        losses = [loss for _, loss in running] + history.losses
        loss_ticks = nice_ticks(0.0, max(losses) if losses else 1.0)
        measured = [(name, colour, history.accuracies(name)) for name, colour in ACCURACY_SERIES]
        values = [100.0 * a for _, _, points in measured for _, a in points]
        accuracy_ticks = nice_ticks(max(0.0, min(values) - 1.0) if values else 0.0, 100.0)

        def x_of(position):
            return left + (right - left) * position / epochs

        def y_of(value, scale):
            return bottom - (bottom - top) * (value - scale[0]) / (scale[-1] - scale[0])

        self.loss_ticks = [(y_of(t, loss_ticks), tick_label(t)) for t in loss_ticks]
        self.accuracy_ticks = [(y_of(t, accuracy_ticks), tick_label(t)) for t in accuracy_ticks]
        self.loss_line = [(x_of(p), y_of(loss, loss_ticks)) for p, loss in running]
        self.accuracies = [(name, colour, [(x_of(e), y_of(100.0 * a, accuracy_ticks)) for e, a in points])
                           for name, colour, points in measured if points]
        kept = history.kept_epoch
        self.kept_x = x_of(kept) if kept is not None and kept != len(history.epochs) else None
        self.legend = ([LOSS] if running else []) + [(name, colour) for name, colour, _ in self.accuracies]
        notes = []
        if history.stopped_early:
            notes.append("stopped early")
        if not running and not history.epochs:
            notes.append("nothing measured")
        self.note = ", ".join(notes)
        self.x_label = "epoch"
        self.loss_label = "loss (running mean)"
        self.accuracy_label = "accuracy %"


def curve_svg(history, title="Training"):
    """The text of an SVG file of ``history``'s learning curve."""
    from .curve_svg import render
    return render(Layout(history, title))


def curve_png(history, title="Training"):
    """The bytes of a PNG file of ``history``'s learning curve."""
    from .curve_png import render
    return render(Layout(history, title))


def check_curve_path(path):
    """``path``'s format, ``"svg"`` or ``"png"``, from its name; ``ValueError`` for any other name."""
    lowered = str(path).lower()
    for suffix in FORMATS:
        if lowered.endswith(suffix):
            return suffix[1:]
    raise ValueError("cannot tell the picture format of %s: name it .svg or .png" % path)


def write_curve(path, history, title="Training"):
    """Write ``history``'s learning curve to ``path``: SVG for ``.svg``, PNG for ``.png`` (atomically)."""
    from .files import write_atomic
    if check_curve_path(path) == "svg":
        write_atomic(path, curve_svg(history, title).encode("utf-8"))
    else:
        write_atomic(path, curve_png(history, title))
