"""What the picture and page tests share: digits drawn as a person draws them on the
page's pad, a network that reads them, and the environment for child processes.

``STROKES[d]`` is a list of strokes, each a list of ``(x, y)`` points on a 280 x 280 pad.
"""

import math
import os
from pathlib import Path

from pynet.app.backend import choose_backend

from helpers import run_cli


def _arc(cx, cy, rx, ry, start, stop, steps=24):
    return [(cx + rx * math.cos(math.radians(a)), cy + ry * math.sin(math.radians(a)))
            for a in (start + (stop - start) * k / steps for k in range(steps + 1))]


STROKES = {
    0: [_arc(140, 140, 62, 95, -90, 270)],
    1: [[(150, 45), (146, 120), (140, 235)]],
    2: [_arc(140, 100, 60, 55, 200, 360) + [(185, 150), (95, 235), (210, 232)]],
    3: [_arc(135, 90, 55, 45, 210, 450) + _arc(135, 185, 62, 52, -90, 150)],
    4: [[(150, 40), (80, 170), (205, 170)], [(170, 100), (168, 240)]],
    7: [[(80, 50), (205, 50), (120, 240)]],
}


def train_model(path, quick=False):
    """Train a 784-N-10 network on the bundled MNIST subset and save it to ``path``.

    With ``pynet_fast`` built: 100 hidden nodes, 3 epochs; without it (pure Python), fewer.
    """
    backend = choose_backend("auto")
    fast = backend.name == "fast"
    hidden, epochs = ("100", "3") if fast and not quick else ("40", "1")
    argv = ["train", "--hidden", hidden, "--lr", "0.1", "--epochs", epochs, "--shuffle", "--bias",
            "--seed", "1", "--save", str(path), "--quiet"]
    code, out, err = run_cli(argv)
    assert code == 0, err
    return path


def child_env():
    """The environment for a child ``python``: the pynet under test (installed or not) first."""
    import pynet
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(Path(pynet.__file__).resolve().parents[1])]
                                        + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    return env


def _smooth(pixels, x, y):
    """MNIST ``pixels`` (28 x 28) read at a fractional position, bilinearly; 0 outside."""
    x0, y0 = int(math.floor(x)), int(math.floor(y))
    total = 0.0
    for yy, wy in ((y0, 1 - (y - y0)), (y0 + 1, y - y0)):
        for xx, wx in ((x0, 1 - (x - x0)), (x0 + 1, x - x0)):
            if 0 <= xx < 28 and 0 <= yy < 28:
                total += pixels[yy * 28 + xx] * wx * wy
    return total


def photo_like(pixels, rng, size=(200, 160), digit=110, paper=228, ink=45, noise=8.0):
    """A gray "photo" of MNIST ``pixels`` written on paper: the digit ``digit`` pixels high
    somewhere off the centre, light falling off across the sheet and into a corner, noise."""
    from pynet.app import images
    w, h = size
    left = rng.randint(0, w - digit)
    top = rng.randint(0, h - digit)
    tilt_x, tilt_y = rng.uniform(-0.3, 0.3), rng.uniform(-0.3, 0.3)
    out = bytearray()
    for y in range(h):
        for x in range(w):
            light = 0.85 + tilt_x * (x / w - 0.5) + tilt_y * (y / h - 0.5) - 0.4 * ((x / w - 1) ** 2 + (y / h - 1) ** 2) / 2
            u = (x - left) * 28.0 / digit - 0.5
            v = (y - top) * 28.0 / digit - 0.5
            amount = min(1.0, max(0.0, (_smooth(pixels, u, v) - 60) / 120)) if -1 < u < 28 and -1 < v < 28 else 0.0
            value = (paper * (1 - amount) + ink * amount) * light + rng.gauss(0, noise)
            out.append(min(255, max(0, int(value))))
    return images.Image(w, h, out)
