"""``pynet backquery``: what the network imagines for each label, as pictures."""

import os

from ... import conventions
from .. import images
from ..backend import choose_backend, image_side, load_model
from ..errors import EXIT_OK, UserError, describe
from ..options import add_backend, positive_int


def add_parser(commands):
    back = commands.add_parser("backquery", help="write what the network imagines for each label as PNGs",
                               description="Run the network backwards (Q1)-(Q4) from each label's "
                                           "target vector and write the imagined inputs as PNG files.")
    back.add_argument("model", metavar="MODEL.json")
    back.add_argument("--out", required=True, metavar="DIR", help="folder for label-0.png ... label-9.png")
    back.add_argument("--scale", type=positive_int, default=1, metavar="N",
                      help="enlarge each image N times (default 1: 28x28)")
    add_backend(back)

    return back


# --scale: images of at most 4096 x 4096 pixels (16 MB each), refused before any work
MAX_SIDE = 4096


def run(args, out, err):
    backend = choose_backend(args.backend)
    network = load_model(backend, args.model)
    side = image_side(network.layer_sizes[0])
    if side * args.scale > MAX_SIDE:
        raise UserError("--scale %d would make images of %d x %d pixels; the largest written is %d x %d"
                        % (args.scale, side * args.scale, side * args.scale, MAX_SIDE, MAX_SIDE))
    try:
        os.makedirs(args.out, exist_ok=True)
    except OSError as error:
        raise UserError("cannot make the folder %s: %s" % (args.out, describe(error)))
    classes = network.layer_sizes[-1]
    for label in range(classes):
        values = network.backquery(conventions.targets(label, classes))  # (Q1)-(Q4), in [0.01, 0.99]
        pixels = bytes(conventions.pixel_byte(v) for v in values)
        image = images.Image(side, side, pixels)
        if args.scale > 1:
            image = images.enlarge(image, args.scale)
        path = os.path.join(args.out, "label-%d.png" % label)
        images.write_png(path, image)
        out.write("%s\n" % path)
    return EXIT_OK
