"""Argument types and options that several commands share."""

import argparse

from .. import backends


def whole_number(least):
    """An argparse type: a whole number of at least ``least``."""
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError("%r is not a whole number" % text)
        if value < least:
            raise argparse.ArgumentTypeError("%r must be at least %d" % (text, least))
        return value
    return parse


positive_int = whole_number(1)
count = whole_number(0)


def positive_float(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError("%r is not a number" % text)
    if not 0.0 < value < float("inf"):
        raise argparse.ArgumentTypeError("%r must be a finite number above 0" % text)
    return value


def bound(text, below=None):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError("%r is not a number" % text)
    if not 0.0 <= value < float("inf") or (below is not None and value >= below):
        raise argparse.ArgumentTypeError("%r must be at least 0%s" % (
            text, " and below %g" % below if below is not None else " and finite"))
    return value


def hidden_sizes(text):
    """``200`` or ``200,100``: the sizes of the hidden layers."""
    try:
        sizes = [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError("%r is not a size or a comma-separated list of sizes" % text)
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError("%r: every hidden layer needs at least 1 node" % text)
    return sizes


def add_data(parser):
    parser.add_argument("--data", metavar="DATA", default=None,
                        help="bundled (the default: a subset shipped with pynet), a folder of MNIST IDX "
                             "files (gzipped or not), 'downloaded' (see 'pynet download'), or "
                             "TRAIN.csv,TEST.csv")


def add_backend(parser):
    parser.add_argument("--backend", choices=backends.NAMES, default="auto",
                        help="pure Python, the compiled pynet_fast, or fast when it is built (default)")
