"""``pynet export MODEL --c FILE.h``: a saved model as a self-contained C99 header."""

import os

from .. import c_export
from ..backend import choose_backend, load_model
from ..errors import EXIT_OK, UserError, check_writable, describe
from ..files import write_text


def add_parser(subparsers):
    export = subparsers.add_parser(
        "export", help="write a model as a C99 header for boards without Python",
        description="Write MODEL as one self-contained C99 header: the weights as static const arrays and "
                    "int pynet_query(const double *inputs, double *outputs), using only <math.h>. "
                    "Compiled with -ffp-contract=off, its outputs equal pynet's bit for bit.")
    export.add_argument("model", metavar="MODEL.json")
    export.add_argument("--c", required=True, metavar="FILE.h", dest="c_file", help="the header to write")
    export.add_argument("--c-type", choices=c_export.C_TYPES, default="double",
                        help="the numbers' C type: double (default; pynet's bits) or float (for boards "
                             "without double-precision hardware; the same predictions on nearly all inputs)")
    return export


def run(args, out, err):
    check_writable(args.c_file, "header")
    network = load_model(choose_backend("pure"), args.model)  # pynet's numbers are the reference
    title = os.path.splitext(os.path.basename(args.c_file))[0] or "model"
    try:
        text = c_export.header(network, args.c_type, title)
    except ValueError as error:
        raise UserError("%s: %s" % (args.model, describe(error)))
    write_text(args.c_file, text)
    out.write("wrote %s: %s network, %s, %d numbers\n" % (
        args.c_file, "-".join(str(n) for n in network.layer_sizes), args.c_type,
        sum(len(W) * len(W[0]) for W in network.get_weights()) + (
            sum(network.layer_sizes[1:]) if network.bias else 0)))
    return EXIT_OK
