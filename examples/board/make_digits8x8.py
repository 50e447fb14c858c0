"""Make the 8 x 8 digits of the board example from the MNIST subset bundled with pynet.

    python examples/board/make_digits8x8.py [OUT_DIR]

Each 28 x 28 image is centred (shifted by whole pixels so that the middle of the
box around its ink lies at the middle of the image), then averaged into 8 x 8: the
image is seen as 56 x 56 half pixels (each pixel doubled across and down), and each
of the 8 x 8 cells is the mean of its 7 x 7 half pixels, so every cell covers the
same 3.5 x 3.5 pixels of the original. The mean (0 to 255) is kept as 4 bits,
``level = mean * 16 // 256`` (0 to 15).

Files (in ``pynet/app/data`` by default): ``digits8x8-train.bin`` (the 6,000 training
images) and ``digits8x8-test.bin`` (the 1,000 test images), a record of 33 bytes per
image: the label, then 32 bytes of pixels, row after row, two pixels per byte (the
first in the high nibble). Running this again gives the same bytes.
"""

import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SIDE, SMALL = 28, 8
HALF = 2 * SIDE // SMALL  # 7 half pixels per cell, across and down
RECORD = 1 + SMALL * SMALL // 2
NAMES = {"train": "digits8x8-train.bin", "test": "digits8x8-test.bin"}


def centred(pixels):
    """The image shifted so that the middle of its ink's bounding box is the image's middle."""
    ink = [(r, c) for r in range(SIDE) for c in range(SIDE) if pixels[r * SIDE + c]]
    if not ink:
        return bytes(pixels)
    rows = [r for r, _ in ink]
    cols = [c for _, c in ink]
    down = (SIDE - 1 - min(rows) - max(rows)) // 2
    across = (SIDE - 1 - min(cols) - max(cols)) // 2
    out = bytearray(SIDE * SIDE)
    for r, c in ink:
        if 0 <= r + down < SIDE and 0 <= c + across < SIDE:
            out[(r + down) * SIDE + c + across] = pixels[r * SIDE + c]
    return bytes(out)


def shrunk(pixels):
    """The 64 levels (0 to 15) of the 8 x 8 image, row after row."""
    levels = []
    for cell_row in range(SMALL):
        for cell_col in range(SMALL):
            total = 0
            for half_row in range(cell_row * HALF, (cell_row + 1) * HALF):
                for half_col in range(cell_col * HALF, (cell_col + 1) * HALF):
                    total += pixels[(half_row // 2) * SIDE + half_col // 2]
            levels.append(total * 16 // (256 * HALF * HALF))  # floor(mean * 16 / 256)
    return levels


def record(label, pixels):
    levels = shrunk(centred(pixels))
    return bytes([label] + [levels[k] << 4 | levels[k + 1] for k in range(0, len(levels), 2)])


def main():
    sys.path.insert(0, ROOT)
    from pynet.app import mnist

    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "pynet", "app", "data")
    for part, dataset in zip(("train", "test"), mnist.bundled()):
        data = b"".join(record(dataset.label(k), dataset.image(k)) for k in range(len(dataset)))
        with open(os.path.join(out, NAMES[part]), "wb") as f:
            f.write(data)
        print("%s: %d images, %d bytes" % (NAMES[part], len(dataset), len(data)))


if __name__ == "__main__":
    main()
