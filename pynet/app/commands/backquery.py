"""``pynet backquery``: what the network imagines for each label, as pictures."""

import os

from ... import conventions
from .. import images
from ..backend import choose_backend, image_side, load_model
from ..errors import EXIT_OK, UsageError, UserError, check_writable, describe
from ..files import write_atomic
from ..grids import backquery_png
from ..options import add_backend, positive_int


def add_parser(commands):
    back = commands.add_parser("backquery", help="draw what the network imagines for each label",
                               description="Run the network backwards ((Q1)-(Q4) in docs/maths.md) from each label's "
                                           "target vector, and write the imagined inputs: one picture of all "
                                           "ten with --grid, a PNG file per label with --out.")
    back.add_argument("model", metavar="MODEL.json")
    back.add_argument("--grid", metavar="FILE.png", help="one PNG of all the labels' images, each under its digit")
    back.add_argument("--out", metavar="DIR", help="folder for label-0.png ... label-9.png")
    back.add_argument("--scale", type=positive_int, default=None, metavar="N",
                      help="enlarge each image N times (default 1 for --out, 3 for --grid)")
    add_backend(back)
    return back


# --scale: each picture at most 4096 x 4096 pixels, a --grid at most 8192 wide; refused before any work
MAX_SIDE = 4096
MAX_GRID_WIDTH = 8192


def check_scale(args, side, classes):
    """A one-line error for a --scale whose pictures would not fit in memory."""
    if args.out and side * (args.scale or 1) > MAX_SIDE:
        raise UserError("--scale %d would make images of %d x %d pixels; the largest written is %d x %d"
                        % (args.scale, side * args.scale, side * args.scale, MAX_SIDE, MAX_SIDE))
    if args.grid and classes * side * (args.scale or 3) > MAX_GRID_WIDTH:
        raise UserError("--scale %d would make a grid %d pixels wide; the widest written is %d"
                        % (args.scale, classes * side * args.scale, MAX_GRID_WIDTH))


def imagined(network, side):
    """The image the network imagines for each label, as ``images.Image``."""
    classes = network.layer_sizes[-1]
    pictures = []
    for label in range(classes):
        values = network.backquery(conventions.targets(label, classes))  # (Q1)-(Q4), in [0.01, 0.99]
        pictures.append(images.Image(side, side, bytes(conventions.pixel_byte(v) for v in values)))
    return pictures


def run(args, out, err):
    if not args.grid and not args.out:
        raise UsageError("say where to write the images: --grid FILE.png, --out DIR, or both", "backquery")
    if args.grid:
        if not args.grid.lower().endswith(".png"):
            raise UsageError("--grid writes a PNG: name it .png, not %s" % args.grid, "backquery")
        check_writable(args.grid, "picture")
    backend = choose_backend(args.backend)
    network = load_model(backend, args.model)
    check_scale(args, image_side(network.layer_sizes[0]), network.layer_sizes[-1])
    pictures = imagined(network, image_side(network.layer_sizes[0]))
    if args.grid:
        write_atomic(args.grid, backquery_png(pictures, args.scale or 3))
        out.write("%s\n" % args.grid)
    if args.out:
        try:
            os.makedirs(args.out, exist_ok=True)
        except OSError as error:
            raise UserError("cannot make the folder %s: %s" % (args.out, describe(error)))
        for label, image in enumerate(pictures):
            if (args.scale or 1) > 1:
                image = images.enlarge(image, args.scale)
            path = os.path.join(args.out, "label-%d.png" % label)
            images.write_png(path, image)
            out.write("%s\n" % path)
    return EXIT_OK
