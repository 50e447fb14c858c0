"""``pynet train``: train a network on MNIST (a new one, or a saved one with ``--resume``).

The work is ``pynet.app.training.train``; this module turns the options into its
arguments, refuses what cannot work before anything is trained, and reports.
"""

from .. import train_options
from ..backend import check_fits, choose_backend, load_data, load_model
from ..errors import EXIT_INTERRUPTED, EXIT_OK, UsageError, UserError, check_writable
from ..metrics import percent
from ..mnist import CLASSES
from ..options import add_backend, add_data, count, hidden_sizes, positive_float, positive_int
from ..progress import Progress, StopRequest
from ..training import TRAIN_ACCURACY, chunk_size, draw_seed, layers, train

NEW_MODEL_DEFAULTS = {"hidden": [100], "lr": 0.3, "rule": "seed", "bias": False}


def add_parser(commands):
    parser = commands.add_parser(
        "train", help="train a network (or continue a saved one) and report its accuracy",
        description="Train a network on MNIST by per-sample gradient descent. The first line printed is the "
                    "seed (drawn when --seed is not given); the same command with that --seed gives the same "
                    "weights on either backend. The model file records the run (see 'pynet info').")
    add_data(parser)
    model = parser.add_argument_group("the network (a new one; with --resume they come from the file)")
    model.add_argument("--resume", metavar="MODEL.json",
                       help="continue training this saved model: its shape, rule, bias and learning rate "
                            "(unless --lr is given) come from the file, and its record gains this run")
    model.add_argument("--hidden", type=hidden_sizes, default=None, metavar="N[,N...]",
                       help="hidden layer sizes, e.g. 200 or 200,100 (default 100)")
    model.add_argument("--rule", choices=("seed", "exact"), default=None,
                       help="back-propagation rule: the seed's (default) or the exact chain rule")
    model.add_argument("--bias", action="store_true", default=None, help="give the layers biases")
    parser.add_argument("--lr", type=positive_float, default=None,
                        help="learning rate (default 0.3, or the saved model's with --resume)")
    parser.add_argument("--lr-decay", type=positive_float, default=1.0, metavar="FACTOR",
                        help="multiply the learning rate by this after each epoch (default 1)")
    parser.add_argument("--epochs", type=positive_int, default=1, help="passes over the training set (default 1)")
    parser.add_argument("--seed", type=count, default=None,
                        help="seed for the initial weights, the shuffling and the jitter of --augment "
                             "(default: drawn at random and printed)")
    parser.add_argument("--shuffle", action="store_true", help="shuffle the training set every epoch (seeded)")
    parser.add_argument("--limit", type=positive_int, default=None, metavar="N",
                        help="train on the first N training images only")
    train_options.add_validation(parser)
    train_options.add_augmentation(parser)
    parser.add_argument("--train-accuracy", type=count, default=TRAIN_ACCURACY, metavar="N",
                        help="measure the accuracy on N of the images trained on, evenly spread, after each "
                             "epoch (default %d; 0: not at all)" % TRAIN_ACCURACY)
    parser.add_argument("--test-limit", type=positive_int, default=None, metavar="N",
                        help="test on the first N test images only")
    parser.add_argument("--chunk", type=positive_int, default=None, metavar="N",
                        help="samples per train_many call, at most (default 250, and never more than 1/50 of an "
                             "epoch); Ctrl-C stops after the chunk in progress")
    add_backend(parser)
    parser.add_argument("--save", metavar="MODEL.json", help="write the trained model here")
    parser.add_argument("--plot", metavar="CURVE.svg|CURVE.png",
                        help="write the learning curve (running loss, accuracies per epoch): SVG or PNG by the "
                             "name's ending")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


def check(args):
    """The checks that need several options together, before anything is loaded."""
    train_options.check_augmentation(args)
    if args.keep == "best" and not args.validation:
        raise UsageError("--keep best needs --validation N to choose the best epoch by", "train")
    if args.keep == "best" and not args.save:
        raise UsageError("--keep best needs --save MODEL.json to keep the best epoch in", "train")
    if args.resume:
        given = [name for name in ("hidden", "rule", "bias") if getattr(args, name) is not None]
        if given:
            raise UsageError("--%s comes from the model file with --resume; leave it out" % given[0], "train")
    if args.plot:
        train_options.check_plot_name(args.plot)


def new_network(args, backend, train_set, seed):
    options = {name: (NEW_MODEL_DEFAULTS[name] if getattr(args, name) is None else getattr(args, name))
               for name in NEW_MODEL_DEFAULTS}
    hidden = options["hidden"][0] if len(options["hidden"]) == 1 else options["hidden"]
    return backend.network_class(train_set.size, hidden, CLASSES, options["lr"], seed=seed,
                                 bias=options["bias"], rule=options["rule"])


def run(args, out, err):
    check(args)
    backend = choose_backend(args.backend)
    for path, what in ((args.save, "model"), (args.plot, "plot")):
        if path:
            check_writable(path, what)
    network = load_model(backend, args.resume) if args.resume else None
    train_set, test_set = load_data(args.data)
    train_set, test_set = train_set.head(args.limit), test_set.head(args.test_limit)
    for dataset in (train_set, test_set):
        if not len(dataset):
            raise UserError("%s holds no images" % dataset.name)
    if train_set.size != test_set.size:
        raise UserError("training images are %dx%d but test images are %dx%d"
                        % (train_set.rows, train_set.cols, test_set.rows, test_set.cols))
    if args.validation >= len(train_set):
        raise UserError("--validation %d leaves none of the %d training images to train on"
                        % (args.validation, len(train_set)))
    seed = draw_seed() if args.seed is None else args.seed
    if network is None:
        network = new_network(args, backend, train_set, seed)
    else:
        check_fits(network, train_set, "training")
        if args.lr is not None:
            network.learning_rate = args.lr
    out.write("seed %d\n" % seed)
    describe_start(out, args, network, backend, train_set, test_set)
    out.flush()
    chunk = chunk_size(args.chunk, (len(train_set) - args.validation) * (1 + args.augment))
    what = "the current sample" if chunk == 1 else "the current chunk of %d samples" % chunk
    with StopRequest(err, what) as stop:
        history = train(
            network, train_set, epochs=args.epochs, validation=args.validation, test_set=test_set,
            test_each_epoch=args.test_each_epoch, keep=args.keep, shuffle=args.shuffle, seed=seed,
            lr_decay=args.lr_decay, augment=args.augment, jitter_bounds=train_options.jitter_bounds(args),
            chunk=chunk, resumed=bool(args.resume), stop=stop, train_accuracy=args.train_accuracy,
            on_epoch=lambda history: report_epoch(out, history, args.epochs, test_set),
            progress=lambda total, prefix: Progress(err, total, prefix, not args.quiet))
    report_end(out, err, history, test_set)
    if args.save:
        network.save(args.save)
        out.write("saved the model to %s\n" % args.save)
    if args.plot:
        from ..plot import write_curve
        write_curve(args.plot, history, title="%s, lr %g, %s" % (
            layers(network.layer_sizes), history.record["learning_rate"], train_set.name))
        out.write("wrote the learning curve to %s\n" % args.plot)
    return EXIT_INTERRUPTED if history.stopped_early else EXIT_OK


# -- what it says --------------------------------------------------------------------------


def describe_start(out, args, network, backend, train_set, test_set):
    held_out = " (the last %d held out for validation)" % args.validation if args.validation else ""
    out.write("%s %s (rule %s, %s, lr %g) on %d images of %s%s, testing on %d; backend %s\n" % (
        "resuming" if args.resume else "training", layers(network.layer_sizes), network.rule,
        "bias" if network.bias else "no bias", network.learning_rate, len(train_set), train_set.name, held_out,
        len(test_set), backend.name))
    if args.augment:
        bounds = dict(train_options.JITTER_DEFAULTS, **train_options.jitter_bounds(args))
        out.write("augmenting: %d jittered cop%s of each image per epoch (shift %g px, rotate %g deg, scale %g, "
                  "shear %g)\n" % (args.augment, "y" if args.augment == 1 else "ies", bounds["shift"],
                                    bounds["rotate"], bounds["scale"], bounds["shear"]))


def _count(fraction, total):
    return "%s (%d/%d)" % (percent(fraction), int(round(fraction * total)), total)


def report_epoch(out, history, epochs, test_set):
    epoch = history.epochs[-1]
    parts = ["epoch %d/%d" % (epoch["epoch"], epochs), "loss %.5f" % epoch["loss"]]
    for name in ("train", "validation"):
        if epoch.get(name + "_accuracy") is not None:
            parts.append("%s %s" % (name, percent(epoch[name + "_accuracy"])))
    if epoch.get("test_accuracy") is not None:
        parts.append("test accuracy %s" % _count(epoch["test_accuracy"], len(test_set)))
    parts += ["lr %g" % epoch["learning_rate"], "%.1f s" % epoch["seconds"]]
    out.write("  ".join(parts) + "\n")
    out.flush()


def report_end(out, err, history, test_set):
    if history.stopped_early:
        epoch, done, total = history.stopped_at
        where = ("in epoch %d after %d of %d samples" % (epoch, done, total) if done is not None
                 else "after epoch %d" % epoch)
        err.write("pynet: stopped early, %s; keeping what was trained%s\n" % (
            where, "" if history.test_accuracy is not None else " (the test set was not evaluated)"))
    run = history.record
    if run["keep"] == "best" and history.kept_epoch is not None:
        best = history.epochs[history.kept_epoch - 1]["validation_accuracy"]
        out.write("kept epoch %d (best validation accuracy %s)\n" % (history.kept_epoch, percent(best)))
    if history.test_accuracy is not None:
        out.write("test accuracy %s\n" % _count(history.test_accuracy, len(test_set)))
