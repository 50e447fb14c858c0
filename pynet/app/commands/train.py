"""``pynet train``: train a network on MNIST and report its accuracy after each epoch."""

import random
import time

from .. import mnist
from ..augment import JITTER_DEFAULTS
from ..backend import choose_backend, load_data
from ..errors import EXIT_INTERRUPTED, EXIT_OK, UsageError, UserError, check_writable
from ..metrics import accuracy
from ..options import add_backend, add_data, bound, count, hidden_sizes, positive_float, positive_int
from ..progress import Progress, StopRequest
from ..training import DEFAULT_CHUNK, layers, make_jitter, train_epoch


def add_parser(commands):
    train = commands.add_parser("train", help="train a network and report test accuracy after each epoch",
                                description="Train a network on MNIST by per-sample gradient descent.")
    add_data(train)
    train.add_argument("--hidden", type=hidden_sizes, default=[100], metavar="N[,N...]",
                       help="hidden layer sizes, e.g. 200 or 200,100 (default 100)")
    train.add_argument("--lr", type=positive_float, default=0.3, help="learning rate (default 0.3)")
    train.add_argument("--lr-decay", type=positive_float, default=1.0, metavar="FACTOR",
                       help="multiply the learning rate by this after each epoch (default 1)")
    train.add_argument("--epochs", type=positive_int, default=1, help="passes over the training set (default 1)")
    train.add_argument("--seed", type=int, default=None,
                       help="seed for the initial weights, the shuffling and the jitter of --augment")
    train.add_argument("--rule", choices=("seed", "exact"), default="seed",
                       help="back-propagation rule: the seed's (default) or the exact chain rule")
    train.add_argument("--bias", action="store_true", help="give the layers biases")
    train.add_argument("--shuffle", action="store_true", help="shuffle the training set every epoch (seeded)")
    train.add_argument("--limit", type=positive_int, default=None, metavar="N",
                       help="train on the first N training images only")
    jitter = train.add_argument_group(
        "augmentation", "With --augment N, every epoch trains on each training image as it is and on N "
                        "copies of it, each under its own random affine jitter about the centre (bilinear "
                        "interpolation, background outside), drawn afresh every epoch from --seed. An "
                        "epoch then has (N+1) times as many samples; with --shuffle they are shuffled "
                        "together, without it the epoch is the plain pass followed by N jittered passes. "
                        "Copies are made a chunk at a time, never all held in memory.")
    jitter.add_argument("--augment", type=count, default=0, metavar="N",
                        help="jittered copies of each image per epoch (default 0: no augmentation)")
    jitter.add_argument("--aug-shift", type=bound, default=None, metavar="PIXELS",
                        help="largest shift, in pixels, across and down (default %g)" % JITTER_DEFAULTS["shift"])
    jitter.add_argument("--aug-rotate", type=lambda text: bound(text, 180.0), default=None, metavar="DEGREES",
                        help="largest rotation either way, in degrees (default %g)" % JITTER_DEFAULTS["rotate"])
    jitter.add_argument("--aug-scale", type=lambda text: bound(text, 1.0), default=None, metavar="FRACTION",
                        help="largest change of size: 0.1 scales by 0.9 to 1.1 (default %g)"
                             % JITTER_DEFAULTS["scale"])
    jitter.add_argument("--aug-shear", type=bound, default=None, metavar="FACTOR",
                        help="largest horizontal shear, pixels per row (default %g)" % JITTER_DEFAULTS["shear"])
    train.add_argument("--test-limit", type=positive_int, default=None, metavar="N",
                       help="test on the first N test images only")
    train.add_argument("--chunk", type=positive_int, default=None, metavar="N",
                       help="samples per train_many call (default 1 for pure, 1000 for fast)")
    add_backend(train)
    train.add_argument("--save", metavar="MODEL.json", help="write the trained model here")
    train.add_argument("--plot", metavar="CURVE.svg", help="write an SVG of loss and test accuracy per epoch")
    train.add_argument("--quiet", action="store_true", help="no progress bar")

    return train


def check(args):
    """The checks that need several options together, before anything is loaded."""
    if not args.augment:
        given = [name for name in JITTER_DEFAULTS if getattr(args, "aug_" + name) is not None]
        if given:
            raise UsageError("--aug-%s takes effect only with --augment N" % given[0], "train")


def run(args, out, err):
    check(args)
    backend = choose_backend(args.backend)
    if args.save:
        check_writable(args.save, "model")
    if args.plot:
        check_writable(args.plot, "plot")
    train_set, test_set = load_data(args.data)
    train_set = train_set.head(args.limit)
    test_set = test_set.head(args.test_limit)
    for dataset in (train_set, test_set):
        if not len(dataset):
            raise UserError("%s holds no images" % dataset.name)
    if train_set.size != test_set.size:
        raise UserError("training images are %dx%d but test images are %dx%d"
                        % (train_set.rows, train_set.cols, test_set.rows, test_set.cols))
    jitter = make_jitter(args, train_set)
    hidden = args.hidden[0] if len(args.hidden) == 1 else args.hidden
    network = backend.network_class(train_set.size, hidden, mnist.CLASSES, args.lr,
                                    seed=args.seed, bias=args.bias, rule=args.rule)
    chunk = args.chunk or DEFAULT_CHUNK[backend.name]
    order_rng = random.Random(args.seed)
    out.write("training %s (rule %s, %s, lr %g) on %d images of %s, testing on %d; backend %s\n"
              % (layers(network.layer_sizes), args.rule, "bias" if args.bias else "no bias", args.lr,
                 len(train_set), train_set.name, len(test_set), backend.name))
    if jitter is not None:
        out.write("augmenting: %d jittered cop%s of each image per epoch (shift %g px, rotate %g deg, "
                  "scale %g, shear %g)\n" % (args.augment, "y" if args.augment == 1 else "ies", jitter.shift,
                                              jitter.rotate, jitter.scale, jitter.shear))
    out.flush()

    losses, accuracies = [], []
    interrupted = False
    epoch = done = 0
    what = "the current sample" if chunk == 1 else "the current chunk of %d samples" % chunk
    with StopRequest(err, what) as stop:
        try:
            for epoch in range(1, args.epochs + 1):
                done = 0
                if stop.requested:  # Ctrl-C came while testing the previous epoch
                    break
                started = time.monotonic()
                order = list(range(len(train_set) * (1 + args.augment)))
                if args.shuffle:
                    order_rng.shuffle(order)
                progress = Progress(err, len(order), "epoch %d/%d" % (epoch, args.epochs), not args.quiet)
                total_loss, done = train_epoch(network, backend, train_set, order, args.shuffle, chunk,
                                               progress, stop, jitter)
                progress.close()
                if stop.requested:
                    break
                testing = Progress(err, len(test_set), "testing", not args.quiet)
                correct, count = accuracy(network, backend, test_set, lambda n: testing.update(n, None))
                testing.close()
                losses.append(total_loss / done)
                accuracies.append(correct / count)
                out.write("epoch %d/%d  loss %.5f  test accuracy %.2f%% (%d/%d)  lr %g  %.1f s\n"
                          % (epoch, args.epochs, losses[-1], 100.0 * correct / count, correct, count,
                             network.learning_rate, time.monotonic() - started))
                out.flush()
                if args.lr_decay != 1.0 and epoch < args.epochs:
                    network.learning_rate = network.learning_rate * args.lr_decay
        except KeyboardInterrupt:  # a second Ctrl-C, or one outside the main thread
            interrupted = True
        interrupted = interrupted or stop.requested
    if interrupted:
        err.write("pynet: interrupted in epoch %d after %d of %d samples\n"
                  % (epoch, done, len(train_set) * (1 + args.augment)))
    if args.save:
        network.save(args.save)
        out.write("saved the model to %s\n" % args.save)
    if args.plot:
        from ..plot import write_learning_curve
        write_learning_curve(args.plot, losses, accuracies,
                             title="%s, lr %g, %s" % (layers(network.layer_sizes), args.lr, train_set.name))
        out.write("wrote the learning curve to %s\n" % args.plot)
    return EXIT_INTERRUPTED if interrupted else EXIT_OK
