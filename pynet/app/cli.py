"""The ``pynet`` command: train on MNIST, evaluate, query, back query, serve, download.

    pynet train [--data DATA] [--hidden 200[,100]] [--lr 0.1] [--epochs 5] ...
    pynet info model.json [--json]
    pynet evaluate model.json [--data DATA] [--json] [--misclassified FILE.png]
    pynet query model.json PICTURE [--show] [--save-input FILE.png]
    pynet backquery model.json [--out DIR] [--grid FILE.png]
    pynet serve model.json [--host 127.0.0.1] [--port 8000]
    pynet download [DIR]
    pynet export model.json --c model.h [--c-type float]

Each command is a module of ``pynet.app.commands`` with ``add_parser(commands)`` and
``run(args, out, err)``; this module builds the parser from them and runs one.

``--data`` takes the forms of ``pynet.app.mnist.load``: nothing (the subset bundled
with the package), a folder of the canonical IDX files, ``downloaded`` (what ``pynet
download`` fetched), or CSV files as ``TRAIN.csv,TEST.csv``. ``--backend`` takes the
names of ``pynet.backends.choose``: ``pure``, ``fast``, or ``auto`` (the default:
``fast`` when it is built).

``pynet train`` is a thin layer over ``pynet.app.training.train``: it prints the seed
first (drawn when ``--seed`` is not given), holds out ``--validation`` images, keeps the
last or the best epoch (``--keep``), continues a saved model (``--resume``), and
writes the model (with the record of the run, shown by ``pynet info``) and the
learning curve (``--plot``, SVG or PNG). It feeds ``train_many`` a chunk of samples at
a time (``--chunk``: at most 250 by default, and at most 1/50 of an epoch). The first
Ctrl-C asks training to stop once the chunk in progress is done; the model is then
saved and the curve plotted as asked, the message says it stopped early, and the
exit status is 130. A second Ctrl-C interrupts at once, except during a training
step, which is always completed so that the saved model is never half-updated (what
``--save`` asked for is still written).

Errors in the arguments, missing files and malformed data end the command with one
line ``pynet: error: ...`` on stderr and a non-zero exit status: 2 for bad arguments,
1 for everything else. The maths behind every command is in docs/maths.md.
"""

import argparse
import sys

from .. import __version__
from .commands import backquery, download, evaluate, export, info, query, serve, train
from .errors import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_USAGE, UserError, describe

#: the commands, in the order ``pynet --help`` lists them
COMMANDS = {"train": train, "info": info, "evaluate": evaluate, "query": query, "backquery": backquery,
            "serve": serve, "download": download, "export": export}


class _Parser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose errors are one line: ``pynet: error: ...``."""

    def error(self, message):
        hint = " (see '%s --help')" % self.prog
        self.exit(EXIT_USAGE, "pynet: error: %s%s\n" % (message.replace("\n", " "), hint))


def build_parser():
    parser = _Parser(prog="pynet", description="Train a small sigmoid network on handwritten digits (MNIST). "
                                                "The maths: docs/maths.md in pynet's source.")
    parser.add_argument("--version", action="version", version="pynet " + __version__)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True
    for module in COMMANDS.values():
        module.add_parser(commands)
    return parser


def main(argv=None):
    """Run the command line ``argv`` (default ``sys.argv[1:]``); returns the exit status."""
    out, err = sys.stdout, sys.stderr
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exit:  # argparse: --help, --version, or a usage error already printed
        return exit.code if isinstance(exit.code, int) else EXIT_USAGE
    try:
        return COMMANDS[args.command].run(args, out, err)
    except UserError as error:
        err.write("pynet: error: %s\n" % error)
        return error.status
    except (ValueError, OSError) as error:
        err.write("pynet: error: %s\n" % describe(error))
    except KeyboardInterrupt:
        err.write("pynet: interrupted\n")
        return EXIT_INTERRUPTED
    return EXIT_ERROR
