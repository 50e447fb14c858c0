"""The learning curve's ``Layout`` (``pynet.app.plot``) drawn on a ``Canvas`` as PNG."""

from .canvas import BLACK, Canvas
from .font import text_width

GRID = (228, 228, 228)
KEPT = (110, 110, 110)
SCALE = 2  # text: the 5x7 font drawn at twice its size


def render(layout):
    left, top, right, bottom = layout.box
    canvas = Canvas(layout.width, layout.height)
    glyph_h = 7 * SCALE
    for y, _ in layout.loss_ticks:
        canvas.line(left, y, right, y, GRID)
    canvas.text(layout.width // 2, 14, layout.title, BLACK, SCALE, "centre")
    for y, label in layout.loss_ticks:
        canvas.line(left - 4, y, left, y, BLACK)
        canvas.text(left - 8, y - glyph_h // 2, label, BLACK, SCALE, "right")
    for y, label in layout.accuracy_ticks:
        canvas.line(right, y, right + 4, y, BLACK)
        canvas.text(right + 8, y - glyph_h // 2, label, BLACK, SCALE)
    for x, label in layout.x_ticks:
        canvas.line(x, bottom, x, bottom + 4, BLACK)
        canvas.text(x, bottom + 8, label, BLACK, SCALE, "centre")
    canvas.text((left + right) // 2, bottom + 30, layout.x_label, BLACK, SCALE, "centre")
    middle = (top + bottom) // 2
    canvas.text_up(12, middle, layout.loss_label, BLACK, SCALE)
    canvas.text_up(layout.width - 12 - glyph_h, middle, layout.accuracy_label, BLACK, SCALE)
    canvas.line(left, top, right, top, BLACK)
    canvas.line(left, bottom, right, bottom, BLACK)
    canvas.line(left, top, left, bottom, BLACK)
    canvas.line(right, top, right, bottom, BLACK)
    if layout.kept_x is not None:
        for y in range(top, bottom, 8):
            canvas.line(layout.kept_x, y, layout.kept_x, min(y + 3, bottom), KEPT)
        canvas.text(layout.kept_x, top - 10 - 7 * SCALE // 2, "kept", KEPT, 1 + SCALE // 2, "centre")
    if layout.loss_line:
        canvas.polyline(layout.loss_line, (31, 119, 180), 1)
    for name, colour, points in layout.accuracies:
        if len(points) > 1:
            canvas.polyline(points, colour, 2)
        for x, y in points:
            canvas.dot(x, y, colour, 8)
    x = left
    for name, colour in layout.legend:
        canvas.fill(x, bottom + 62, x + 16, bottom + 66, colour)
        canvas.text(x + 22, bottom + 57, name, BLACK, SCALE)
        x += 22 + text_width(name, SCALE) + 24
    if layout.note:
        canvas.text(right - 8, top + 8, layout.note, BLACK, SCALE, "right")
    return canvas.png()
