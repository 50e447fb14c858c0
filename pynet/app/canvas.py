"""A small RGB canvas for charts and picture grids, saved with pynet's own PNG writer.

``Canvas(width, height)`` starts white; coordinates are pixels from the top left. It
draws filled rectangles, straight lines of a given width, square markers, text in the
bitmap font of ``pynet.app.font`` (across, or up the page for a vertical axis), and
grayscale images; everything is clipped at the edges. ``png()`` gives the file's bytes.
Colours are ``(red, green, blue)`` tuples of 0..255.
"""

from . import font
from .images import encode_png_rgb

WHITE = (255, 255, 255)
BLACK = (0, 0, 0)


class Canvas:
    """``width x height`` pixels of RGB, three bytes each, row by row."""

    def __init__(self, width, height, background=WHITE):
        if width < 1 or height < 1:
            raise ValueError("a canvas needs at least 1x1 pixels, not %dx%d" % (width, height))
        self.width = width
        self.height = height
        self.pixels = bytearray(bytes(background) * (width * height))

    def get(self, x, y):
        """The colour at ``(x, y)``."""
        k = 3 * (y * self.width + x)
        return tuple(self.pixels[k:k + 3])

    def fill(self, x0, y0, x1, y1, colour):
        """Paint the pixels with ``x0 <= x < x1`` and ``y0 <= y < y1``."""
        x0, y0 = max(0, int(x0)), max(0, int(y0))
        x1, y1 = min(self.width, int(x1)), min(self.height, int(y1))
        if x0 >= x1 or y0 >= y1:
            return
        run = bytes(colour) * (x1 - x0)
        for y in range(y0, y1):
            k = 3 * (y * self.width + x0)
            self.pixels[k:k + len(run)] = run

    def dot(self, x, y, colour, size=1):
        """A ``size x size`` square centred on ``(x, y)``."""
        x, y = int(round(x)), int(round(y))
        low = (size - 1) // 2
        self.fill(x - low, y - low, x - low + size, y - low + size, colour)

    def line(self, x0, y0, x1, y1, colour, width=1):
        """A straight line from ``(x0, y0)`` to ``(x1, y1)`` (Bresenham's steps), ``width`` pixels thick."""
        x0, y0, x1, y1 = int(round(x0)), int(round(y0)), int(round(x1)), int(round(y1))
        dx, dy = abs(x1 - x0), -abs(y1 - y0)
        sx, sy = (1 if x0 < x1 else -1), (1 if y0 < y1 else -1)
        error = dx + dy
        while True:
            self.dot(x0, y0, colour, width)
            if x0 == x1 and y0 == y1:
                return
            twice = 2 * error
            if twice >= dy:
                error += dy
                x0 += sx
            if twice <= dx:
                error += dx
                y0 += sy

    def polyline(self, points, colour, width=1):
        """Lines joining ``points`` in turn (a single point is drawn as a dot)."""
        if len(points) == 1:
            self.dot(points[0][0], points[0][1], colour, width)
        for (xa, ya), (xb, yb) in zip(points, points[1:]):
            self.line(xa, ya, xb, yb, colour, width)

    def text(self, x, y, text, colour=BLACK, scale=1, align="left"):
        """``text`` with its top at ``y``; ``x`` is its left edge, centre or right edge by ``align``."""
        width = font.text_width(text, scale)
        left = {"left": x, "centre": x - width // 2, "right": x - width}[align]
        for k, character in enumerate(text):
            origin = left + k * font.ADVANCE * scale
            for gx, gy in font.glyph(character):
                self.fill(origin + gx * scale, y + gy * scale, origin + (gx + 1) * scale, y + (gy + 1) * scale,
                          colour)

    def text_up(self, x, y, text, colour=BLACK, scale=1):
        """``text`` reading upwards (turned a quarter left), centred on ``y``, its top at ``x``."""
        width = font.text_width(text, scale)
        bottom = y + width // 2
        for k, character in enumerate(text):
            origin = bottom - k * font.ADVANCE * scale
            for gx, gy in font.glyph(character):
                px, py = x + gy * scale, origin - (gx + 1) * scale
                self.fill(px, py, px + scale, py + scale, colour)

    def paste_gray(self, x, y, image, scale=1):
        """A grayscale ``pynet.app.images.Image`` with its top left at ``(x, y)``, each pixel ``scale`` wide."""
        w = image.width
        for row in range(image.height):
            for column in range(w):
                v = image.pixels[row * w + column]
                self.fill(x + column * scale, y + row * scale, x + (column + 1) * scale, y + (row + 1) * scale,
                          (v, v, v))

    def png(self):
        """The bytes of an RGB PNG file of the canvas."""
        return encode_png_rgb(self.width, self.height, self.pixels)
