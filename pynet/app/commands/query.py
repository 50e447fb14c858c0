"""``pynet query MODEL PICTURE``: the digit a model reads in a picture, and what it saw."""

import json

from ... import conventions
from .. import images, prepare
from ..backend import choose_backend, load_model
from ..errors import EXIT_OK, UserError
from ..metrics import argmax
from ..options import add_backend

SIDE = prepare.FRAME


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "query", help="the digit a model reads in a picture (PNG, PGM; JPEG and more with pynet[images])",
        description="Classify the digit in a picture: a scan, a photo of paper, a drawing. The picture is "
                    "prepared as MNIST's digits were (ink made light on dark, uneven light evened out, "
                    "levels stretched, specks removed, cropped, fitted to 20x20 and centred by mass in "
                    "28x28). PNG and PGM are read as they are; JPEG and other formats need Pillow: "
                    + images.INSTALL_HINT + ".")
    parser.add_argument("model", metavar="MODEL.json")
    parser.add_argument("image", metavar="IMAGE", help="a picture of one digit")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--show", action="store_true",
                        help="also print the 28x28 the network read, as characters")
    parser.add_argument("--save-input", metavar="FILE.png",
                        help="write the 28x28 the network read as a PNG, to see why an answer is wrong")
    add_backend(parser)
    return parser


def run(args, out, err):
    backend = choose_backend(args.backend)
    network = load_model(backend, args.model)
    if network.layer_sizes[0] != SIDE * SIDE:
        raise UserError("%s takes %d inputs; pictures are prepared as %dx%d = %d"
                        % (args.model, network.layer_sizes[0], SIDE, SIDE, SIDE * SIDE))
    seen, notes = prepare.prepare_with_notes(args.image)
    if args.save_input:
        try:
            images.write_png(args.save_input, seen)
        except OSError as error:
            raise UserError("cannot write %s: %s" % (args.save_input, error.strerror or error))
    outputs = list(network.query(conventions.scale_row(seen.pixels)))
    digit = argmax(outputs)
    if args.json:
        report = {"prediction": digit, "outputs": outputs, "inverted": notes["inverted"], "ink": notes["ink"],
                  "image": {"width": notes["width"], "height": notes["height"]},
                  "input": list(seen.pixels)}
        json.dump(report, out)
        out.write("\n")
        return EXIT_OK
    said = ["%dx%d" % (notes["width"], notes["height"])]
    if notes["inverted"]:
        said.append("ink on paper, so inverted")
    if not notes["ink"]:
        said.append("no ink found: the picture looks blank")
    out.write("%s: %d (%s)\n" % (args.image, digit, ", ".join(said)))
    for label, value in enumerate(outputs):
        out.write("%3d  %.4f  %s\n" % (label, value, "#" * int(round(value * 40))))
    if args.show:
        out.write("the %dx%d the network read:\n" % (SIDE, SIDE))
        out.write(images.as_text(seen) + "\n")
    return EXIT_OK
