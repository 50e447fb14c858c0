"""An SVG line chart of a training run: loss and test accuracy per epoch.

``learning_curve_svg(losses, accuracies)`` returns the text of a standalone SVG file
with the epochs along the bottom, the mean training loss on the left axis (blue) and
the test accuracy in percent on the right axis (orange). Standard library only.
"""

import math
from xml.sax.saxutils import escape

WIDTH, HEIGHT = 640, 400
LEFT, RIGHT, TOP, BOTTOM = 70, 70, 40, 50
LOSS_COLOUR = "#1f77b4"
ACCURACY_COLOUR = "#d95f02"


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


def _label(value):
    text = "%.6g" % value
    return "0" if text in ("-0", "0") else text


def learning_curve_svg(losses, accuracies, title="Training"):
    """The SVG text for mean training loss and test accuracy (fractions 0..1) per epoch.

    ``losses[k]`` and ``accuracies[k]`` belong to epoch ``k + 1``; either list may be
    shorter than the other (or empty).
    """
    epochs = max(len(losses), len(accuracies), 1)
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM
    x_ticks = list(range(1, epochs + 1))
    if epochs > 10:
        step = (epochs + 9) // 10
        x_ticks = list(range(1, epochs + 1, step))

    def x_of(epoch):
        return LEFT + (plot_w * (epoch - 1) / (epochs - 1) if epochs > 1 else plot_w / 2)

    loss_ticks = nice_ticks(0.0, max(losses) if losses else 1.0)
    acc_values = [100.0 * a for a in accuracies]
    acc_low = min(acc_values) if acc_values else 0.0
    acc_ticks = nice_ticks(max(0.0, acc_low - 1.0) if acc_values else 0.0, 100.0)

    def y_of(value, ticks):
        lo, hi = ticks[0], ticks[-1]
        return TOP + plot_h * (1 - (value - lo) / (hi - lo))

    parts = [
        '<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" '
        'font-family="sans-serif" font-size="12">' % (WIDTH, HEIGHT, WIDTH, HEIGHT),
        '<rect width="100%" height="100%" fill="white"/>',
        '<text x="%d" y="22" text-anchor="middle" font-size="15">%s</text>' % (WIDTH // 2, escape(title)),
    ]
    # grid and axes
    for t in loss_ticks:
        y = y_of(t, loss_ticks)
        parts.append('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#e4e4e4"/>' % (LEFT, y, LEFT + plot_w, y))
        parts.append('<text x="%d" y="%.1f" text-anchor="end" fill="%s">%s</text>'
                     % (LEFT - 6, y + 4, LOSS_COLOUR, _label(t)))
    for t in acc_ticks:
        y = y_of(t, acc_ticks)
        parts.append('<text x="%d" y="%.1f" fill="%s">%s%%</text>'
                     % (LEFT + plot_w + 6, y + 4, ACCURACY_COLOUR, _label(t)))
    for e in x_ticks:
        x = x_of(e)
        parts.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="black"/>'
                     % (x, TOP + plot_h, x, TOP + plot_h + 5))
        parts.append('<text x="%.1f" y="%d" text-anchor="middle">%d</text>' % (x, TOP + plot_h + 19, e))
    parts.append('<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="black"/>'
                 % (LEFT, TOP, plot_w, plot_h))
    parts.append('<text x="%d" y="%d" text-anchor="middle">epoch</text>' % (LEFT + plot_w // 2, HEIGHT - 12))
    parts.append('<text transform="translate(18 %d) rotate(-90)" text-anchor="middle" fill="%s">'
                 'mean training loss</text>' % (TOP + plot_h // 2, LOSS_COLOUR))
    parts.append('<text transform="translate(%d %d) rotate(90)" text-anchor="middle" fill="%s">'
                 'test accuracy</text>' % (WIDTH - 14, TOP + plot_h // 2, ACCURACY_COLOUR))
    # the two series
    for values, ticks, colour, name in ((losses, loss_ticks, LOSS_COLOUR, "loss"),
                                        (acc_values, acc_ticks, ACCURACY_COLOUR, "accuracy")):
        points = ["%.1f,%.1f" % (x_of(k + 1), y_of(v, ticks)) for k, v in enumerate(values)]
        if len(points) > 1:
            parts.append('<polyline class="%s" points="%s" fill="none" stroke="%s" stroke-width="2"/>'
                         % (name, " ".join(points), colour))
        for p in points:
            x, y = p.split(",")
            parts.append('<circle class="%s" cx="%s" cy="%s" r="3" fill="%s"/>' % (name, x, y, colour))
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def write_learning_curve(path, losses, accuracies, title="Training"):
    """Write :func:`learning_curve_svg` to ``path``."""
    with open(path, "w", encoding="utf-8") as f:
        f.write(learning_curve_svg(losses, accuracies, title))
