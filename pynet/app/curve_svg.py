"""The learning curve's ``Layout`` (``pynet.app.plot``) drawn as SVG text."""

from xml.sax.saxutils import escape

GRID = "#e4e4e4"


def _hex(colour):
    return "#%02x%02x%02x" % colour


def render(layout):
    left, top, right, bottom = layout.box
    mid_y = (top + bottom) / 2.0
    loss_colour = _hex((31, 119, 180))
    parts = [
        '<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" '
        'font-family="sans-serif" font-size="13">' % (layout.width, layout.height, layout.width, layout.height),
        '<rect width="100%" height="100%" fill="white"/>',
        '<text class="title" x="%d" y="26" text-anchor="middle" font-size="16">%s</text>'
        % (layout.width // 2, escape(layout.title)),
    ]
    for y, label in layout.loss_ticks:
        parts.append('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="%s"/>' % (left, y, right, y, GRID))
        parts.append('<text class="loss-tick" x="%d" y="%.1f" text-anchor="end">%s</text>' % (left - 6, y + 4, label))
    for y, label in layout.accuracy_ticks:
        parts.append('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="black"/>' % (right, y, right + 4, y))
        parts.append('<text class="accuracy-tick" x="%d" y="%.1f">%s</text>' % (right + 7, y + 4, label))
    for x, label in layout.x_ticks:
        parts.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="black"/>' % (x, bottom, x, bottom + 5))
        parts.append('<text class="epoch-tick" x="%.1f" y="%d" text-anchor="middle">%s</text>'
                     % (x, bottom + 19, label))
    parts.append('<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="black"/>'
                 % (left, top, right - left, bottom - top))
    parts.append('<text class="axis" x="%.1f" y="%d" text-anchor="middle">%s</text>'
                 % ((left + right) / 2.0, bottom + 38, layout.x_label))
    parts.append('<text class="axis" transform="translate(22 %.1f) rotate(-90)" text-anchor="middle">%s</text>'
                 % (mid_y, layout.loss_label))
    parts.append('<text class="axis" transform="translate(%d %.1f) rotate(90)" text-anchor="middle">%s</text>'
                 % (layout.width - 22, mid_y, layout.accuracy_label))
    if layout.kept_x is not None:
        parts.append('<line class="kept" x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#888888" '
                     'stroke-dasharray="4 4"/>' % (layout.kept_x, top, layout.kept_x, bottom))
        parts.append('<text class="kept" x="%.1f" y="%d" text-anchor="middle" fill="#666666">kept</text>'
                     % (layout.kept_x, top - 6))
    if layout.loss_line:
        points = " ".join("%.1f,%.1f" % p for p in layout.loss_line)
        parts.append('<polyline class="loss" points="%s" fill="none" stroke="%s" stroke-width="1.5"/>'
                     % (points, loss_colour))
    for name, colour, points in layout.accuracies:
        if len(points) > 1:
            parts.append('<polyline class="%s" points="%s" fill="none" stroke="%s" stroke-width="2"/>'
                         % (name, " ".join("%.1f,%.1f" % p for p in points), _hex(colour)))
        for x, y in points:
            parts.append('<circle class="%s" cx="%.1f" cy="%.1f" r="4" fill="%s"/>' % (name, x, y, _hex(colour)))
    x = left
    for name, colour in layout.legend:
        parts.append('<rect x="%d" y="%d" width="14" height="4" fill="%s"/>' % (x, bottom + 60, _hex(colour)))
        parts.append('<text class="legend" x="%d" y="%d">%s</text>' % (x + 19, bottom + 66, name))
        x += 30 + 8 * len(name)
    if layout.note:
        parts.append('<text class="note" x="%d" y="%d" text-anchor="end">%s</text>'
                     % (right - 6, top + 18, escape(layout.note)))
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
