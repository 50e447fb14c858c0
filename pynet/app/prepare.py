"""A picture of a digit made into what the network reads, the way MNIST itself was made.

``prepare(picture)`` returns the 28 x 28 ``Image`` the network sees; ``digit_inputs(picture)``
returns its 784 inputs, scaled as the training data is. ``picture`` is an ``Image``, a
path, the bytes of a file or a binary file object (PNG and PGM always; JPEG and the rest
with Pillow). The steps, each on the picture averaged down to at most ``WORK_SIDE``
pixels a side (read a row at a time, so memory is bounded whatever the file):

1. polarity: the border is the paper; if it is nearer the picture's light end than its
   dark end, the picture is ink on paper, and ink is made light on black;
2. flatten uneven light: the paper's level is estimated locally (a percentile of each of
   about 12 x 12 blocks, the most paper-like of each block's neighbours, then a box blur
   over them) and the ink measured from it: how much darker than the paper (ink on
   paper) or lighter than the ground (a light digit on dark) each pixel is;
3. levels: the paper's level and its noise from the median and the quartile, the ink's
   level from a high percentile of what Otsu's threshold calls ink; stretched so that
   paper is 0 and ink 255;
4. speckle: connected specks much smaller than the digit's largest stroke are removed;
5. crop to the ink's bounding box and scale it to fit 20 x 20, keeping its aspect ratio
   (averaging when shrinking, interpolating when enlarging), ink at full strength;
6. place it in the 28 x 28 frame with its centre of mass at the centre, (14, 14).
"""

from .. import conventions  # the pixel scale the training data uses
from . import images, levels

WORK_SIDE = 256  # the picture is averaged down to this before the steps
FIT = 20  # the digit's box, as in MNIST
FRAME = 28
CENTRE = 14.0  # MNIST's mean centre of mass, in pixel indices
STROKE = 0.13  # MNIST's strokes are about an eighth of the digit's box wide
THICK = 1.5  # strokes wider than this many times STROKE are worn down
SPECK = 0.08  # specks lighter than this share of the largest piece of ink are removed


def prepare(picture, name=None):
    """The 28 x 28 ``Image`` (light digit on black) that the network reads for ``picture``."""
    return prepare_with_notes(picture, name)[0]


def prepare_with_notes(picture, name=None):
    """``(image, notes)``: ``prepare``'s image, and a dict of what was found on the way:
    ``width`` and ``height`` of the picture, ``inverted`` (it was ink on paper), ``ink``
    (whether any ink was found)."""
    if isinstance(picture, images.Image):
        small = picture
        if max(small.width, small.height) > WORK_SIDE:
            small = images.shrink(small.width, small.height,
                                  (small.row(y) for y in range(small.height)), WORK_SIDE)
        size = (picture.width, picture.height)
    else:
        small = images.read_small(picture, WORK_SIDE, name)
        size = small.source_size
    w, h = small.width, small.height
    grid = [float(p) for p in small.pixels]
    inverted = levels.is_dark_on_light(grid, w, h)
    grid = levels.flatten(grid, w, h, light=inverted)  # ink light on black from here on
    grid = levels.stretch(grid)
    grid = levels.remove_specks(grid, w, h, SPECK)
    pixels = _frame(grid, w, h)
    notes = {"width": size[0], "height": size[1], "inverted": inverted, "ink": any(pixels)}
    return images.Image(FRAME, FRAME, pixels), notes


def digit_inputs(picture, name=None):
    """The network's 784 inputs for ``picture``: ``prepare`` scaled as MNIST's pixels are."""
    return conventions.scale_row(prepare(picture, name).pixels)


def _frame(grid, w, h):
    """The ink cropped, fitted to 20 x 20 and centred by mass in 28 x 28, as bytes."""
    box = _ink_box(grid, w, h)
    if box is None:
        return bytes(FRAME * FRAME)
    x0, y0, x1, y1 = box
    bw, bh = x1 - x0, y1 - y0
    crop = [grid[y * w + x] for y in range(y0, y1) for x in range(x0, x1)]
    crop, bw, bh = _even_stroke(crop, bw, bh)
    scale = FIT / max(bw, bh)
    fw, fh = max(1, int(round(bw * scale))), max(1, int(round(bh * scale)))
    fitted = resample(crop, bw, bh, fw, fh)
    ink = sorted(v for v in fitted if v > 0)
    top = ink[int(0.9 * (len(ink) - 1))]
    fitted = [min(255.0, v * 255.0 / top) for v in fitted]  # thin strokes at full strength
    mass = sum(fitted)
    cx = sum(fitted[i] * (i % fw) for i in range(len(fitted))) / mass
    cy = sum(fitted[i] * (i // fw) for i in range(len(fitted))) / mass
    left, up = int(round(CENTRE - cx)), int(round(CENTRE - cy))
    out = bytearray(FRAME * FRAME)
    for y in range(fh):
        ty = y + up
        if 0 <= ty < FRAME:
            for x in range(fw):
                tx = x + left
                if 0 <= tx < FRAME:
                    out[ty * FRAME + tx] = int(fitted[y * fw + x] + 0.5)
    return bytes(out)


def _even_stroke(crop, bw, bh):
    """The cropped ink with its strokes made about as wide, for its size, as MNIST's pen.

    A thin line (pencil) is widened all round; a very thick one (marker) is worn down
    by half its excess. Returns the new ``(crop, width, height)``.
    """
    wanted = STROKE * max(bw, bh)
    width = levels.stroke_width(crop, bw, bh)
    if width < wanted:
        r = int(round((wanted - width) / 2))
        if r < 1:
            return crop, bw, bh
        pad = [0.0] * r
        blank = [0.0] * ((bw + 2 * r) * r)
        crop = blank + [v for y in range(bh) for v in pad + crop[y * bw:(y + 1) * bw] + pad] + blank
        bw, bh = bw + 2 * r, bh + 2 * r
        return levels.widen(crop, bw, bh, r, max), bw, bh
    r = int(round((width - THICK * wanted) / 4))
    if r < 1:
        return crop, bw, bh
    worn = levels.widen(crop, bw, bh, r, min)
    box = _ink_box(worn, bw, bh)
    if box is None:
        return crop, bw, bh
    x0, y0, x1, y1 = box
    return [worn[y * bw + x] for y in range(y0, y1) for x in range(x0, x1)], x1 - x0, y1 - y0


def _ink_box(grid, w, h):
    """``(x0, y0, x1, y1)``, the bounding box of the pixels above 0, or ``None``."""
    xs, ys = [], []
    for y in range(h):
        line = grid[y * w:(y + 1) * w]
        if any(line):
            ys.append(y)
            xs.extend((x for x in range(w) if line[x] > 0))
    if not ys:
        return None
    return min(xs), ys[0], max(xs) + 1, ys[-1] + 1


def _axis(n_in, n_out):
    """For each output index, ``[(input index, weight), ...]``: boxes when shrinking, linear when enlarging."""
    table = []
    scale = n_in / n_out
    for o in range(n_out):
        if n_out <= n_in:
            lo, hi = o * scale, (o + 1) * scale
            row = []
            i = int(lo)
            while i < hi and i < n_in:
                share = min(hi, i + 1) - max(lo, i)
                if share > 1e-12:
                    row.append((i, share / scale))
                i += 1
        else:
            centre = (o + 0.5) * scale - 0.5
            i = min(max(int(centre // 1), 0), n_in - 1)
            t = min(max(centre - i, 0.0), 1.0)
            row = [(i, 1.0 - t)] + ([(i + 1, t)] if i + 1 < n_in and t > 0 else [])
        table.append(row)
    return table


def resample(grid, w, h, nw, nh):
    """``grid`` (``w x h`` values) resampled to ``nw x nh``, one axis after the other."""
    across = _axis(w, nw)
    down = _axis(h, nh)
    rows = []
    for y in range(h):
        line = grid[y * w:(y + 1) * w]
        rows.append([sum(line[i] * s for i, s in across[x]) for x in range(nw)])
    out = []
    for y in range(nh):
        for x in range(nw):
            out.append(sum(rows[i][x] * s for i, s in down[y]))
    return out
