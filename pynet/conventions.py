"""The data conventions: how pixels become inputs and labels become targets (docs/maths.md, "Data").

Both backends, the command line and any program that feeds the network pictures use
these, so that a model trained anywhere reads the same numbers everywhere:

- a pixel ``p`` in 0..255 becomes ``p / 255 * 0.99 + 0.01``, computed in exactly that
  order of operations, so the input lies in [0.01, 1.0] and every runtime gets the same
  bits (``PIXEL_SCALE`` holds all 256 values);
- a label ``d`` becomes the target vector with 0.99 at index ``d`` and 0.01 elsewhere:
  the sigmoid never reaches 0 or 1, so the targets stay inside its range.
"""

#: pixel value -> scaled input, in this exact order of operations
PIXEL_SCALE = [p / 255 * 0.99 + 0.01 for p in range(256)]

#: the target for the right label and for every other one
TARGET_ON = 0.99
TARGET_OFF = 0.01


def scale_row(pixels):
    """One image's pixels (bytes-like, or a sequence of ints 0..255) as a list of inputs."""
    table = PIXEL_SCALE
    return [table[p] for p in pixels]


def targets(label, n=10):
    """The target vector for ``label`` among ``n`` classes: 0.99 at that index, 0.01 elsewhere."""
    if not 0 <= label < n:
        raise ValueError("label %r is outside 0..%d" % (label, n - 1))
    row = [TARGET_OFF] * n
    row[label] = TARGET_ON
    return row


def pixel_byte(value):
    """An input (or a back-query value) in [0.01, 0.99]-ish back to a pixel 0..255, clamped."""
    level = int((value - 0.01) / 0.98 * 255 + 0.5)
    return 0 if level < 0 else 255 if level > 255 else level
