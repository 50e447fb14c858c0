"""What the picture and page tests share: digits drawn as a person draws them on the
page's pad, a network that reads them, and the environment for child processes.

``STROKES[d]`` is a list of strokes, each a list of ``(x, y)`` points on a 280 x 280 pad.
"""

import io
import math
import os
import sys
from pathlib import Path

from pynet.app import cli
from pynet.app.backend import choose_backend


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
    saved = sys.stdout
    sys.stdout = io.StringIO()
    try:
        assert cli.main(argv) == 0
    finally:
        sys.stdout = saved
    return path


def child_env():
    """The environment for a child ``python``: the pynet under test (installed or not) first."""
    import pynet
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(Path(pynet.__file__).resolve().parents[1])]
                                        + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    return env
