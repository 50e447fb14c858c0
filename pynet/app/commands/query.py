"""``pynet query``: the digit a model sees in a picture."""

import json

from ... import conventions
from .. import images
from ..backend import choose_backend, image_side, load_model
from ..errors import EXIT_OK
from ..metrics import argmax
from ..options import add_backend


def add_parser(commands):
    query = commands.add_parser("query", help="the digit a model sees in a 28x28 PNG or PGM image",
                                description="Classify one image. Dark-on-light images are inverted first.")
    query.add_argument("model", metavar="MODEL.json")
    query.add_argument("image", metavar="IMAGE", help="a PNG or PGM file, ideally 28x28 grayscale")
    query.add_argument("--json", action="store_true", help="print one JSON object")
    add_backend(query)

    return query


def run(args, out, err):
    backend = choose_backend(args.backend)
    network = load_model(backend, args.model)
    image = images.read_image(args.image)
    side = image_side(network.layer_sizes[0])
    pixels, inverted = images.to_mnist(image, side)
    outputs = network.query(conventions.scale_row(pixels))
    digit = argmax(outputs)
    if args.json:
        json.dump({"prediction": digit, "outputs": outputs, "inverted": inverted,
                   "image": {"width": image.width, "height": image.height}}, out)
        out.write("\n")
        return EXIT_OK
    notes = []
    if (image.width, image.height) != (side, side):
        notes.append("resized from %dx%d" % (image.width, image.height))
    if inverted:
        notes.append("dark on light, so inverted")
    out.write("%s: %d%s\n" % (args.image, digit, " (%s)" % ", ".join(notes) if notes else ""))
    for label, value in enumerate(outputs):
        out.write("%3d  %.4f  %s\n" % (label, value, "#" * int(round(value * 40))))
    return EXIT_OK
