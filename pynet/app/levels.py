"""The light of a picture: which way round it is, the paper's uneven light, levels, specks.

Each function takes a grid, a flat list of ``w * h`` numbers (0 dark to 255 light) row by
row, and returns a new one; ``prepare`` strings them together.
"""

CELLS = 12  # the paper's light is estimated on about this many blocks a side
CONTRAST = 24  # ink less than this above the paper (out of 255) is taken to be no ink
FLOOR = 0.08  # and within this share of the ink's level above the paper is paper too


def _percentile(ordered, q):
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def border(grid, w, h):
    """The pixels of the outer ring, about a twentieth of the smaller side thick."""
    t = max(1, min(w, h) // 20)
    ring = []
    for y in range(h):
        line = grid[y * w:(y + 1) * w]
        ring.extend(line if y < t or y >= h - t else line[:t] + line[w - t:])
    return ring


def is_dark_on_light(grid, w, h):
    """True when the border (the paper) is nearer the picture's light end than its dark end."""
    ordered = sorted(grid)
    dark, light = _percentile(ordered, 0.001), _percentile(ordered, 0.999)
    paper = _percentile(sorted(border(grid, w, h)), 0.5)
    return light - paper < paper - dark


def _block_level(grid, w, h, size, q):
    """A coarse grid: the ``q`` percentile of each ``size x size`` block."""
    cw, ch = -(-w // size), -(-h // size)
    coarse = []
    for cy in range(ch):
        for cx in range(cw):
            values = []
            for y in range(cy * size, min(h, (cy + 1) * size)):
                values.extend(grid[y * w + cx * size:y * w + min(w, (cx + 1) * size)])
            values.sort()
            coarse.append(_percentile(values, q))
    return coarse, cw, ch


def _neighbours(coarse, cw, ch, combine):
    """Each cell replaced by ``combine`` of itself and its (up to 8) neighbours."""
    out = []
    for cy in range(ch):
        for cx in range(cw):
            near = [coarse[y * cw + x] for y in range(max(0, cy - 1), min(ch, cy + 2))
                    for x in range(max(0, cx - 1), min(cw, cx + 2))]
            out.append(combine(near))
    return out


def _linear(n_out, n_coarse, size):
    """For each output index, the two coarse cells around it and the weight of the second."""
    table = []
    for i in range(n_out):
        f = min(max((i + 0.5) / size - 0.5, 0.0), n_coarse - 1.0)
        j = min(int(f), max(0, n_coarse - 2))
        table.append((j, min(j + 1, n_coarse - 1), f - j))
    return table


def paper(grid, w, h, light):
    """The paper's local level at every pixel: uneven light, estimated.

    Each block of about a twelfth of the picture gives a percentile that is paper, not
    ink (high when the paper is ``light``, low when dark); each block then takes the
    most paper-like of its neighbours (so that a thick stroke filling a block does not
    count as paper) and the mean of its neighbours (a wide box blur), and the result is
    interpolated back to every pixel, row by row.
    """
    size = max(1, -(-max(w, h) // CELLS))
    coarse, cw, ch = _block_level(grid, w, h, size, 0.75 if light else 0.25)
    coarse = _neighbours(coarse, cw, ch, max if light else min)
    coarse = _neighbours(coarse, cw, ch, lambda near: sum(near) / len(near))
    across = _linear(w, cw, size)
    rows = [[coarse[cy * cw + a] * (1 - t) + coarse[cy * cw + b] * t for a, b, t in across]
            for cy in range(ch)]
    out = []
    for a, b, t in _linear(h, ch, size):
        out.extend(u * (1 - t) + d * t for u, d in zip(rows[a], rows[b]))
    return out


def flatten(grid, w, h, light):
    """The ink's strength at every pixel, 0 on paper, with uneven light made even: how
    far each pixel is from the paper's local level, towards the ink (darker on ``light``
    paper, lighter on a dark ground as in MNIST). Never below 0.

    A difference rather than a ratio: in dim corners a ratio would magnify the noise
    and the estimate's errors as much as the ink.
    """
    ground = paper(grid, w, h, light)
    if light:
        return [p - v if v < p else 0.0 for v, p in zip(grid, ground)]
    return [v - p if v > p else 0.0 for v, p in zip(grid, ground)]


def otsu(values):
    """The threshold that best splits ``values`` (0..255) into two classes (Otsu's method)."""
    counts = [0] * 256
    for v in values:
        counts[min(255, int(v))] += 1
    total = len(values)
    sum_all = sum(i * c for i, c in enumerate(counts))
    best, threshold = -1.0, 0
    below = sum_below = 0
    for t in range(256):
        below += counts[t]
        sum_below += t * counts[t]
        above = total - below
        if below == 0 or above == 0:
            continue
        mean_below = sum_below / below
        mean_above = (sum_all - sum_below) / above
        between = below * above * (mean_below - mean_above) ** 2
        if between > best:
            best, threshold = between, t
    return threshold


def stretch(grid):
    """Paper to 0 and ink to 255: levels from percentiles, with the paper's noise set to 0."""
    ordered = sorted(grid)
    paper = _percentile(ordered, 0.5)
    noise = 1.4826 * (paper - _percentile(ordered, 0.25))  # a quartile's distance, as a deviation
    t = otsu(ordered)
    ink = [v for v in ordered if v > t]
    if not ink:
        return [0.0] * len(grid)
    top = _percentile(ink, 0.9)
    if top - paper < CONTRAST:
        return [0.0] * len(grid)
    floor = max(paper + 3 * noise, paper + FLOOR * (top - paper))
    if top <= floor:
        return [0.0] * len(grid)
    gain = 255.0 / (top - floor)
    return [min(255.0, (v - floor) * gain) if v > floor else 0.0 for v in grid]


def remove_specks(grid, w, h, share):
    """``grid`` without the pieces of ink (8-connected) lighter than ``share`` of the largest."""
    piece = [0] * (w * h)  # 0: not yet seen; k > 0: the k-th piece
    masses = [0.0]
    for start in range(w * h):
        if grid[start] <= 0 or piece[start]:
            continue
        k = len(masses)
        piece[start] = k
        stack, mass = [start], 0.0
        while stack:
            i = stack.pop()
            mass += grid[i]
            y, x = divmod(i, w)
            for ny in (y - 1, y, y + 1):
                if 0 <= ny < h:
                    for nx in (x - 1, x, x + 1):
                        if 0 <= nx < w:
                            j = ny * w + nx
                            if grid[j] > 0 and not piece[j]:
                                piece[j] = k
                                stack.append(j)
        masses.append(mass)
    if len(masses) <= 2:
        return grid
    keep = [m >= share * max(masses) for m in masses]
    return [v if keep[piece[i]] else 0.0 for i, v in enumerate(grid)]


def stroke_width(grid, w, h):
    """The ink's mean stroke width in pixels: twice its area over its outline's length."""
    area = edge = 0
    for i, v in enumerate(grid):
        if v >= 128:
            area += 1
            y, x = divmod(i, w)
            if (x == 0 or grid[i - 1] < 128 or x == w - 1 or grid[i + 1] < 128
                    or y == 0 or grid[i - w] < 128 or y == h - 1 or grid[i + w] < 128):
                edge += 1
    return 2.0 * area / edge if edge else 0.0


def _along(line, r, pick):
    return [pick(line[max(0, i - r):i + r + 1]) for i in range(len(line))]


def widen(grid, w, h, r, pick=max):
    """``grid`` with every stroke ``r`` pixels wider on each side (``pick=max``, a square
    maximum filter) or narrower (``pick=min``)."""
    rows = [_along(grid[y * w:(y + 1) * w], r, pick) for y in range(h)]
    columns = [_along([rows[y][x] for y in range(h)], r, pick) for x in range(w)]
    return [columns[x][y] for y in range(h) for x in range(w)]
