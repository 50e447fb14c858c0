"""Pictures of many small images at once: a grid of cells, each with a caption beneath.

``grid_png(cells, ...)`` lays out ``cells`` (``Cell(image, caption)``, a caption being
``(text, colour)`` pieces drawn side by side) row by row on a white canvas under a
title, and returns the bytes of a PNG file. ``backquery_png`` and
``misclassified_png`` are the two grids the command line writes.
"""

from .canvas import BLACK, Canvas
from .font import ADVANCE, HEIGHT, text_width

RED = (200, 0, 0)
GAP = 8        # pixels between cells and around the grid
TEXT_SCALE = 2  # captions and titles: the 5x7 font at twice its size


class Cell:
    """One image in a grid and its caption, a list of ``(text, colour)`` pieces."""

    def __init__(self, image, caption):
        self.image = image
        self.caption = caption


def grid_png(cells, columns, scale=2, title="", subtitle=None):
    """The bytes of a PNG of ``cells``, ``columns`` to a row, each image ``scale`` times its size."""
    if not cells:
        raise ValueError("a grid needs at least one image")
    columns = max(1, min(columns, len(cells)))
    rows = (len(cells) + columns - 1) // columns
    cell_w = max(max(c.image.width for c in cells) * scale,
                 max(text_width("".join(t for t, _ in c.caption), TEXT_SCALE) for c in cells))
    image_h = max(c.image.height for c in cells) * scale
    cell_h = image_h + 6 + HEIGHT * TEXT_SCALE
    line_h = (HEIGHT + 4) * TEXT_SCALE
    header = GAP + line_h * (int(bool(title)) + len(subtitle or []))
    width = max(GAP + columns * (cell_w + GAP),
                2 * GAP + max([text_width(line, TEXT_SCALE) for line in [title] + list(subtitle or [])]))
    canvas = Canvas(width, header + rows * (cell_h + GAP) + GAP // 2)
    y = GAP
    for line in ([title] if title else []) + list(subtitle or []):
        canvas.text(GAP, y, line, BLACK, TEXT_SCALE)
        y += line_h
    for k, cell in enumerate(cells):
        x = GAP + (k % columns) * (cell_w + GAP)
        y = header + (k // columns) * (cell_h + GAP)
        canvas.paste_gray(x + (cell_w - cell.image.width * scale) // 2, y, cell.image, scale)
        caption_w = text_width("".join(t for t, _ in cell.caption), TEXT_SCALE)
        cx = x + (cell_w - caption_w) // 2
        for text, colour in cell.caption:
            canvas.text(cx, y + image_h + 6, text, colour, TEXT_SCALE)
            cx += len(text) * ADVANCE * TEXT_SCALE
    return canvas.png()


def backquery_png(images, scale=3):
    """The images a network imagines for each label (``images[label]``), in one row, each under its digit."""
    cells = [Cell(image, [(str(label), BLACK)]) for label, image in enumerate(images)]
    return grid_png(cells, columns=len(cells), scale=scale, title="back query: what each label looks like")


def misclassified_png(missed, total, limit=400):
    """A grid of the missed images: ``missed`` lists ``(image, label, prediction)``.

    Each cell's caption is the true label in black and, after it, the prediction in red.
    At most ``limit`` are drawn (the first ones); the title says how many there were.
    """
    if not missed:
        raise ValueError("no image was misclassified, so there is nothing to draw")
    shown = missed[:limit]
    cells = [Cell(image, [(str(label), BLACK), (">", BLACK), (str(prediction), RED)])
             for image, label, prediction in shown]
    title = "%d of %d misclassified" % (len(missed), total)
    subtitle = ["label > prediction (red)"]
    if len(shown) < len(missed):
        subtitle.append("the first %d shown" % len(shown))
    return grid_png(cells, columns=10 if len(cells) <= 100 else 20, scale=2, title=title, subtitle=subtitle)
