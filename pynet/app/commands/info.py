"""``pynet info``: what a model file holds and how it was trained (its record)."""

import json

from ... import modelfile
from ...network import NeuralNetwork
from ..errors import EXIT_OK, UserError, describe
from ..record import describe as describe_record, weights_sha256


def add_parser(commands):
    info = commands.add_parser("info", help="a model's shape and its training record",
                               description="Show a model file's network (shape, rule, bias, learning rate, "
                                           "a SHA-256 of its weights) and the record of every run that "
                                           "trained it: versions, backend, seed, options, data and results.")
    info.add_argument("model", metavar="MODEL.json")
    info.add_argument("--json", action="store_true", help="print one JSON object")
    return info


def read_model(path):
    """``(network, file format version)`` of the model file at ``path``, or a ``UserError``."""
    try:
        data = modelfile.load(path)
        network = NeuralNetwork.from_dict(data)
    except (ValueError, TypeError, OSError) as error:
        message = describe(error)
        raise UserError(message if path in message else "%s: %s" % (path, message))
    return network, data["version"]


def summary(network, version):
    return {"format_version": version, "layer_sizes": list(network.layer_sizes), "rule": network.rule,
            "bias": network.bias, "learning_rate": network.learning_rate,
            "weights_sha256": weights_sha256(network), "training": network.training}


def run(args, out, err):
    network, version = read_model(args.model)
    facts = summary(network, version)
    if args.json:
        json.dump(dict(facts, model=args.model), out)
        out.write("\n")
        return EXIT_OK
    out.write("%s: pynet model (file format version %d)\n" % (args.model, version))
    out.write("%s, rule %s, %s, learning rate %g\n" % (
        "-".join(str(n) for n in network.layer_sizes), network.rule, "bias" if network.bias else "no bias",
        network.learning_rate))
    out.write("weights sha256 %s\n" % facts["weights_sha256"])
    runs = network.training
    out.write("training record: %d run%s\n" % (len(runs), "" if len(runs) == 1 else "s"))
    for line in describe_record(runs):
        out.write(line + "\n")
    return EXIT_OK
