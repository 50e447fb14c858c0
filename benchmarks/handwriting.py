"""Pictures of digits as people take them, made from MNIST test digits, and how many a model names.

    python benchmarks/handwriting.py MODEL.json [--data DIR] [--count N] [--out DIR]

Each MNIST test digit (from the start of the test set) is drawn into pictures of several
kinds, written as files (PNG, and JPEG for the photo kinds), read back by the package's
own pipeline (``pynet.app.prepare``) and queried. The table gives, per kind, the share the
model names correctly. Needs Pillow (``pip install "pynet[images]"``) to draw the pictures.

Kinds:
  mnist        the 28 x 28 test image as it is (the baseline)
  photo        cream paper 320 x 240, light falling off across it and in a corner,
               sensor noise, the digit ink-dark and a little blurred, off the centre
  photo-jpeg   the same, saved as JPEG at quality 70 (what phones write)
  grey-paper   evenly lit grey paper, grey ink, 112 x 112
  small        a small digit (about 36 px high) far from the centre of 240 x 240 white
  marker       a thick, black marker stroke on white, 200 x 200
  pencil       a grey pencil line 3 px wide (the digit thinned to its skeleton) on
               off-white paper with a little noise, 224 x 224
"""

import argparse
import io
import os
import random
import sys
import time

from PIL import Image, ImageChops, ImageFilter

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
try:  # the installed pynet (with its compiled backend), else this checkout's source
    import pynet  # noqa: F401
except ImportError:
    sys.path.insert(0, ROOT)

import pynet  # noqa: E402
from pynet.app import mnist, prepare  # noqa: E402

KINDS = ["mnist", "photo", "photo-jpeg", "grey-paper", "small", "marker", "pencil"]


def digit_image(pixels):
    """The MNIST digit as a Pillow image, ink light on black."""
    return Image.frombytes("L", (28, 28), bytes(pixels))


def crisp(ink, side):
    """The digit enlarged to ``side`` pixels smoothly, its edges sharpened like a pen line."""
    big = ink.resize((side, side), Image.BICUBIC)
    return big.point(lambda v: max(0, min(255, (v - 70) * 2)))


def on_paper(ink, size, at, paper, colour):
    """``ink`` (light = ink) laid on ``size`` paper of gray ``paper`` at ``at``, in gray ``colour``."""
    sheet = Image.new("L", size, paper)
    stroke = Image.new("L", ink.size, colour)
    sheet.paste(stroke, at, ink)
    return sheet


def light_falloff(sheet, rng):
    """Light that falls off across the sheet and towards one corner, as under a lamp."""
    w, h = sheet.size
    angle_x, angle_y = rng.uniform(-1, 1), rng.uniform(-1, 1)
    gain = Image.new("L", (w, h))
    gain.putdata([int(255 * max(0.35, min(1.0, 0.8 + 0.25 * (angle_x * (x / w - 0.5) + angle_y * (y / h - 0.5))
                                          - 0.35 * ((x / w - 0.9) ** 2 + (y / h - 0.9) ** 2))))
                  for y in range(h) for x in range(w)])
    return ImageChops.multiply(sheet, gain)


def noisy(sheet, sigma, rng):
    noise = Image.effect_noise(sheet.size, sigma)  # Gaussian around 128
    return ImageChops.add(sheet, noise, 1.0, -128)


def photo(pixels, rng):
    ink = crisp(digit_image(pixels), 150).filter(ImageFilter.GaussianBlur(1.5))
    at = (85 + rng.randint(-50, 50), 45 + rng.randint(-25, 25))
    sheet = Image.merge("RGB", [on_paper(ink, (320, 240), at, tone, c) for tone, c in ((236, 40), (226, 38), (200, 45))])
    lit = Image.merge("RGB", [light_falloff(band, random.Random(rng.random())) for band in sheet.split()])
    return Image.merge("RGB", [noisy(band, 9, rng) for band in lit.split()])


def grey_paper(pixels, rng):
    ink = crisp(digit_image(pixels), 80)
    return on_paper(ink, (112, 112), (16 + rng.randint(-6, 6), 16 + rng.randint(-6, 6)), 150, 70)


def small(pixels, rng):
    ink = crisp(digit_image(pixels), 48)
    corner = rng.choice([(10, 10), (180, 12), (14, 178), (176, 182), (30, 100), (160, 40)])
    return on_paper(ink, (240, 240), (corner[0] + rng.randint(-6, 6), corner[1] + rng.randint(-6, 6)), 255, 0)


def marker(pixels, rng):
    ink = crisp(digit_image(pixels), 140).filter(ImageFilter.MaxFilter(9))
    return on_paper(ink, (200, 200), (30 + rng.randint(-10, 10), 30 + rng.randint(-10, 10)), 255, 0)


def thin(mask, w, h):
    """Zhang and Suen's thinning: ``mask`` (a list of 0/1, ``w x h``) worn down to lines one pixel wide."""
    mask = list(mask)
    changed = True
    while changed:
        changed = False
        for step in (0, 1):
            gone = []
            for y in range(1, h - 1):
                for x in range(1, w - 1):
                    if not mask[y * w + x]:
                        continue
                    p = [mask[(y - 1) * w + x], mask[(y - 1) * w + x + 1], mask[y * w + x + 1],
                         mask[(y + 1) * w + x + 1], mask[(y + 1) * w + x], mask[(y + 1) * w + x - 1],
                         mask[y * w + x - 1], mask[(y - 1) * w + x - 1]]
                    b = sum(p)
                    a = sum(p[i] == 0 and p[(i + 1) % 8] == 1 for i in range(8))
                    if step == 0:
                        ok = p[0] * p[2] * p[4] == 0 and p[2] * p[4] * p[6] == 0
                    else:
                        ok = p[0] * p[2] * p[6] == 0 and p[0] * p[4] * p[6] == 0
                    if 2 <= b <= 6 and a == 1 and ok:
                        gone.append(y * w + x)
            for i in gone:
                mask[i] = 0
            changed = changed or bool(gone)
    return mask


def pencil(pixels, rng):
    big = digit_image(pixels).resize((56, 56), Image.BICUBIC)
    lines = thin([1 if v > 100 else 0 for v in big.tobytes()], 56, 56)
    line = Image.new("L", (56, 56))
    line.putdata([255 * v for v in lines])
    ink = line.resize((168, 168), Image.NEAREST).filter(ImageFilter.GaussianBlur(1.0))
    ink = ink.point(lambda v: min(255, 2 * v))
    sheet = on_paper(ink, (224, 224), (32 + rng.randint(-12, 12), 32 + rng.randint(-12, 12)), 242, 120)
    return noisy(sheet, 5, rng)


def picture_file(kind, pixels, rng):
    """The bytes of the file for one digit drawn as ``kind``, and its suffix."""
    if kind == "mnist":
        picture = digit_image(pixels)
    elif kind in ("photo", "photo-jpeg"):
        picture = photo(pixels, rng)
    else:
        picture = {"grey-paper": grey_paper, "small": small, "marker": marker, "pencil": pencil}[kind](pixels, rng)
    buffer = io.BytesIO()
    if kind == "photo-jpeg":
        picture.save(buffer, "JPEG", quality=70)
        return buffer.getvalue(), "jpg"
    picture.save(buffer, "PNG")
    return buffer.getvalue(), "png"


def argmax(values):
    return max(range(len(values)), key=values.__getitem__)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("model")
    parser.add_argument("--data", default="bundled", help="MNIST folder, or 'bundled' (default)")
    parser.add_argument("--count", type=int, default=200, help="test digits per kind (default 200)")
    parser.add_argument("--kinds", default=",".join(KINDS))
    parser.add_argument("--out", help="also write every picture into this folder")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    network = pynet.NeuralNetwork.load(args.model)
    test = mnist.load(args.data)[1]
    print("model %s, %d digits of %s per kind" % (args.model, args.count, test.name))
    print("%-12s %9s %8s" % ("kind", "correct", "s/pic"))
    for kind in args.kinds.split(","):
        rng = random.Random("%s-%d" % (kind, args.seed))
        right = 0
        started = time.perf_counter()
        for k in range(args.count):
            data, suffix = picture_file(kind, test.image(k), rng)
            if args.out:
                os.makedirs(args.out, exist_ok=True)
                with open(os.path.join(args.out, "%s-%04d-%d.%s" % (kind, k, test.labels[k], suffix)), "wb") as f:
                    f.write(data)
            guess = argmax(network.query(prepare.digit_inputs(data)))
            right += guess == test.labels[k]
        spent = (time.perf_counter() - started) / args.count
        print("%-12s %8.1f%% %8.3f" % (kind, 100.0 * right / args.count, spent))
        sys.stdout.flush()


if __name__ == "__main__":
    main()
