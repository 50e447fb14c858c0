"""The ``pynet`` command: train on MNIST, evaluate, query, back query, download.

    pynet train [--data DATA] [--hidden 200[,100]] [--lr 0.1] [--epochs 5] ...
    pynet evaluate model.json [--data DATA] [--json]
    pynet query model.json IMAGE
    pynet backquery model.json --out DIR
    pynet download [DIR]

``--data`` takes the forms of ``pynet.mnist.load``: nothing (the subset bundled with
the package), a folder of the canonical IDX files, ``downloaded`` (what ``pynet
download`` fetched), or CSV files as ``TRAIN.csv,TEST.csv``.

The backend (``--backend``): ``pure`` is ``pynet.NeuralNetwork``; ``fast`` is
``pynet_fast.NeuralNetwork``; ``auto`` (the default) takes ``fast`` when it is built.

Training feeds ``train_many`` a chunk of samples at a time (``--chunk``). With
``--augment N`` an epoch also trains on N randomly jittered copies of every training
image (``pynet.augment``: small shifts, rotations, scalings, shears), made a chunk at a
time and drawn afresh every epoch from the seed. The first
Ctrl-C asks training to stop once the chunk in progress is done, which with the pure
backend's default chunk of one sample means after the current sample; the model is
then saved and the curve plotted as asked, and the exit status is 130. A second
Ctrl-C interrupts at once, except during a training step, which is always completed
so that the saved model is never half-updated (what ``--save`` asked for is still written).

Errors in the arguments, missing files and malformed data end the command with one
line ``pynet: error: ...`` on stderr and a non-zero exit status: 2 for bad arguments,
1 for everything else.
"""

import argparse
import json
import os
import random
import signal
import sys
import threading
import time

from . import __version__
from . import augment, mnist

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
DEFAULT_CHUNK = {"pure": 1, "fast": 1000}
EVAL_CHUNK = 1000
#: bounds of the random jitter of --augment: see pynet.augment.Jitter
AUGMENT_DEFAULTS = augment.JITTER_DEFAULTS


class UserError(Exception):
    """A problem the user can fix; reported as one line, exit status 1."""


# -- arguments ----------------------------------------------------------------------------


class _Parser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose errors are one line: ``pynet: error: ...``."""

    def error(self, message):
        hint = " (see '%s --help')" % self.prog
        self.exit(EXIT_USAGE, "pynet: error: %s%s\n" % (message.replace("\n", " "), hint))


def _whole_number(least):
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


_positive_int = _whole_number(1)
_count = _whole_number(0)


def _positive_float(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError("%r is not a number" % text)
    if not 0.0 < value < float("inf"):
        raise argparse.ArgumentTypeError("%r must be a finite number above 0" % text)
    return value


def _bound(text, below=None):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError("%r is not a number" % text)
    if not 0.0 <= value < float("inf") or (below is not None and value >= below):
        raise argparse.ArgumentTypeError("%r must be at least 0%s" % (
            text, " and below %g" % below if below is not None else " and finite"))
    return value


def _hidden(text):
    """``200`` or ``200,100``: the sizes of the hidden layers."""
    try:
        sizes = [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError("%r is not a size or a comma-separated list of sizes" % text)
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError("%r: every hidden layer needs at least 1 node" % text)
    return sizes


def _add_data(parser):
    parser.add_argument("--data", metavar="DATA", default=None,
                        help="bundled (the default: a subset shipped with pynet), a folder of MNIST IDX "
                             "files (gzipped or not), 'downloaded' (see 'pynet download'), or "
                             "TRAIN.csv,TEST.csv")


def _add_backend(parser):
    parser.add_argument("--backend", choices=("auto", "pure", "fast"), default="auto",
                        help="pure Python, the compiled pynet_fast, or fast when it is built (default)")


def build_parser():
    parser = _Parser(prog="pynet", description="Train a small sigmoid network on handwritten digits (MNIST).")
    parser.add_argument("--version", action="version", version="pynet " + __version__)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True

    train = commands.add_parser("train", help="train a network and report test accuracy after each epoch",
                                description="Train a network on MNIST by per-sample gradient descent.")
    _add_data(train)
    train.add_argument("--hidden", type=_hidden, default=[100], metavar="N[,N...]",
                       help="hidden layer sizes, e.g. 200 or 200,100 (default 100)")
    train.add_argument("--lr", type=_positive_float, default=0.3, help="learning rate (default 0.3)")
    train.add_argument("--lr-decay", type=_positive_float, default=1.0, metavar="FACTOR",
                       help="multiply the learning rate by this after each epoch (default 1)")
    train.add_argument("--epochs", type=_positive_int, default=1, help="passes over the training set (default 1)")
    train.add_argument("--seed", type=int, default=None,
                       help="seed for the initial weights, the shuffling and the jitter of --augment")
    train.add_argument("--rule", choices=("seed", "exact"), default="seed",
                       help="back-propagation rule: the seed's (default) or the exact chain rule")
    train.add_argument("--bias", action="store_true", help="give the layers biases")
    train.add_argument("--shuffle", action="store_true", help="shuffle the training set every epoch (seeded)")
    train.add_argument("--limit", type=_positive_int, default=None, metavar="N",
                       help="train on the first N training images only")
    jitter = train.add_argument_group(
        "augmentation", "With --augment N, every epoch trains on each training image as it is and on N "
                        "copies of it, each under its own random affine jitter about the centre (bilinear "
                        "interpolation, background outside), drawn afresh every epoch from --seed. An "
                        "epoch then has (N+1) times as many samples; with --shuffle they are shuffled "
                        "together, without it the epoch is the plain pass followed by N jittered passes. "
                        "Copies are made a chunk at a time, never all held in memory.")
    jitter.add_argument("--augment", type=_count, default=0, metavar="N",
                        help="jittered copies of each image per epoch (default 0: no augmentation)")
    jitter.add_argument("--aug-shift", type=_bound, default=None, metavar="PIXELS",
                        help="largest shift, in pixels, across and down (default %g)" % AUGMENT_DEFAULTS["shift"])
    jitter.add_argument("--aug-rotate", type=lambda text: _bound(text, 180.0), default=None, metavar="DEGREES",
                        help="largest rotation either way, in degrees (default %g)" % AUGMENT_DEFAULTS["rotate"])
    jitter.add_argument("--aug-scale", type=lambda text: _bound(text, 1.0), default=None, metavar="FRACTION",
                        help="largest change of size: 0.1 scales by 0.9 to 1.1 (default %g)"
                             % AUGMENT_DEFAULTS["scale"])
    jitter.add_argument("--aug-shear", type=_bound, default=None, metavar="FACTOR",
                        help="largest horizontal shear, pixels per row (default %g)" % AUGMENT_DEFAULTS["shear"])
    train.add_argument("--test-limit", type=_positive_int, default=None, metavar="N",
                       help="test on the first N test images only")
    train.add_argument("--chunk", type=_positive_int, default=None, metavar="N",
                       help="samples per train_many call (default 1 for pure, 1000 for fast)")
    _add_backend(train)
    train.add_argument("--save", metavar="MODEL.json", help="write the trained model here")
    train.add_argument("--plot", metavar="CURVE.svg", help="write an SVG of loss and test accuracy per epoch")
    train.add_argument("--quiet", action="store_true", help="no progress bar")

    evaluate = commands.add_parser("evaluate", help="accuracy, precision, recall and confusion matrix",
                                   description="Evaluate a saved model on the test set.")
    evaluate.add_argument("model", metavar="MODEL.json")
    _add_data(evaluate)
    evaluate.add_argument("--split", choices=("test", "train"), default="test",
                          help="which part of the data to evaluate on (default test)")
    evaluate.add_argument("--limit", type=_positive_int, default=None, metavar="N",
                          help="evaluate on the first N images only")
    evaluate.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    _add_backend(evaluate)

    query = commands.add_parser("query", help="the digit a model sees in a 28x28 PNG or PGM image",
                                description="Classify one image. Dark-on-light images are inverted first.")
    query.add_argument("model", metavar="MODEL.json")
    query.add_argument("image", metavar="IMAGE", help="a PNG or PGM file, ideally 28x28 grayscale")
    query.add_argument("--json", action="store_true", help="print one JSON object")
    _add_backend(query)

    back = commands.add_parser("backquery", help="write what the network imagines for each label as PNGs",
                               description="Run the network backwards (SPEC Q1-Q4) from each label's "
                                           "target vector and write the imagined inputs as PNG files.")
    back.add_argument("model", metavar="MODEL.json")
    back.add_argument("--out", required=True, metavar="DIR", help="folder for label-0.png ... label-9.png")
    back.add_argument("--scale", type=_positive_int, default=1, metavar="N",
                      help="enlarge each image N times (default 1: 28x28)")
    _add_backend(back)

    download = commands.add_parser("download", help="fetch full canonical MNIST into a cache folder",
                                   description="Fetch the four canonical MNIST files, verifying each by "
                                               "SHA-256, trying the mirrors in order.")
    download.add_argument("dir", nargs="?", default=None, metavar="DIR",
                          help="destination folder (default: $XDG_CACHE_HOME/pynet/mnist)")
    download.add_argument("--mirror", action="append", metavar="URL",
                          help="base URL of a mirror; repeat for several (default: $PYNET_MNIST_MIRRORS "
                               "or a built-in list)")
    download.add_argument("--timeout", type=_positive_float, default=30.0, metavar="SECONDS",
                          help="network timeout per connection and read (default 30)")
    parser.train_parser = train  # for the checks that need several options together (main)
    return parser


# -- backends, data and models -------------------------------------------------------------


class Backend:
    """The network class of a backend and the functions that feed it data."""

    def __init__(self, name, network_class, scale_pixels):
        self.name = name
        self.network_class = network_class
        self.scale_pixels = scale_pixels

    def input_rows(self, pixels, count, size):
        """``count`` images' ``pixels`` (bytes) as rows the network's ``*_many`` methods take."""
        if self.name == "pure":
            table = mnist.PIXEL_SCALE
            return [[table[p] for p in pixels[k * size:(k + 1) * size]] for k in range(count)]
        return memoryview(self.scale_pixels(pixels)).cast("B").cast("d", (count, size))

    def target_rows(self, labels):
        """The target vectors (SPEC data conventions) of ``labels`` (bytes), as rows."""
        if self.name == "pure":
            return [_TARGETS[label] for label in labels]
        return memoryview(mnist.target_rows(labels)).cast("B").cast("d", (len(labels), mnist.CLASSES))


_TARGETS = [mnist.targets(label) for label in range(mnist.CLASSES)]  # shared rows: nothing changes them


def choose_backend(name):
    """The ``Backend`` for ``auto``, ``pure`` or ``fast``."""
    if name in ("auto", "fast"):
        try:
            import pynet_fast
        except ImportError as error:
            if name == "fast":
                raise UserError("the fast backend is not available (%s)" % error)
        else:
            return Backend("fast", pynet_fast.NeuralNetwork,
                           getattr(pynet_fast, "scale_pixels", mnist.scale_pixels))
    from . import NeuralNetwork
    return Backend("pure", NeuralNetwork, mnist.scale_pixels)


def load_data(data):
    try:
        return mnist.load(data)
    except (ValueError, OSError) as error:
        raise UserError(_describe(error))


def load_model(backend, path):
    try:
        return backend.network_class.load(path)
    except (ValueError, TypeError, OSError) as error:
        message = _describe(error)
        raise UserError(message if path in message else "%s: %s" % (path, message))


def _describe(error):
    if isinstance(error, OSError) and error.strerror:
        return "%s: %s" % (error.filename, error.strerror) if error.filename else error.strerror
    return " ".join(str(error).split()) or type(error).__name__


def _check_writable(path, what):
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise UserError("cannot write the %s to %s: no folder %s" % (what, path, folder))
    if os.path.isdir(path):
        raise UserError("cannot write the %s to %s: it is a folder" % (what, path))


def _check_fits(network, dataset, what):
    sizes = network.layer_sizes
    if sizes[0] != dataset.size:
        raise UserError("the model takes %d inputs but the %s images have %dx%d = %d pixels"
                        % (sizes[0], what, dataset.rows, dataset.cols, dataset.size))
    if sizes[-1] < mnist.CLASSES:
        raise UserError("the model has %d outputs; MNIST needs %d" % (sizes[-1], mnist.CLASSES))


def predictions(network, backend, dataset, on_progress=None):
    """The predicted label of every image in ``dataset`` (largest output, first on a tie)."""
    out = bytearray()
    size = dataset.size
    for start in range(0, len(dataset), EVAL_CHUNK):
        stop = min(start + EVAL_CHUNK, len(dataset))
        rows = backend.input_rows(dataset.images[start * size:stop * size], stop - start, size)
        for outputs in network.query_many(rows):
            out.append(_argmax(outputs))
        if on_progress:
            on_progress(stop)
    return bytes(out)


def _argmax(values):
    best = 0
    for k in range(1, len(values)):
        if values[k] > values[best]:
            best = k
    return best


def accuracy(network, backend, dataset, on_progress=None):
    """``(correct, count)`` of the network's predictions on ``dataset``."""
    guesses = predictions(network, backend, dataset, on_progress)
    correct = sum(1 for k in range(len(dataset)) if guesses[k] == dataset.labels[k])
    return correct, len(dataset)


# -- progress --------------------------------------------------------------------------------


def _clock(seconds):
    seconds = int(seconds + 0.5)
    hours, rest = divmod(seconds, 3600)
    return ("%d:%02d:%02d" % (hours, rest // 60, rest % 60)) if hours else "%d:%02d" % divmod(rest, 60)


class Progress:
    """A progress line on ``stream``: samples/s, ETA and the running loss.

    On a terminal it is a bar redrawn in place (``\\r``) a few times a second; elsewhere
    (a log file, a pipe) it is a plain line every ``interval`` seconds and one at the end.
    """

    def __init__(self, stream, total, prefix, enabled=True, interval=None):
        self.stream = stream
        self.total = total
        self.prefix = prefix
        self.enabled = enabled
        try:
            self.tty = stream.isatty()
        except (AttributeError, ValueError):
            self.tty = False
        self.interval = interval if interval is not None else (0.2 if self.tty else 10.0)
        self.start = time.monotonic()
        self.last = self.start
        self.width = 0

    def line(self, done, loss):
        elapsed = max(time.monotonic() - self.start, 1e-9)
        rate = done / elapsed
        eta = _clock((self.total - done) / rate) if rate > 0 else "?"
        loss_text = "%.4f" % loss if loss is not None else "-"
        percent = 100.0 * done / self.total if self.total else 100.0
        text = "%s %d/%d %3.0f%%  %.0f samples/s  ETA %s  loss %s" % (
            self.prefix, done, self.total, percent, rate, eta, loss_text)
        if self.tty:
            filled = int(20 * done / self.total) if self.total else 20
            text = "%s [%s%s]%s" % (self.prefix, "#" * filled, "." * (20 - filled), text[len(self.prefix):])
        return text

    def update(self, done, loss):
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self.last < self.interval and done < self.total:
            return
        self.last = now
        text = self.line(done, loss)
        if self.tty:
            pad = max(0, self.width - len(text))
            self.stream.write("\r" + text + " " * pad)
            self.width = len(text)
        else:
            self.stream.write(text + "\n")
        self.stream.flush()

    def close(self):
        """Clear the bar from the terminal."""
        if self.enabled and self.tty and self.width:
            self.stream.write("\r" + " " * self.width + "\r")
            self.stream.flush()
            self.width = 0


class StopRequest:
    """Ctrl-C as a request: the first one sets ``requested``, a second one interrupts.

    Installed only in the main thread (where Python delivers signals); elsewhere
    Ctrl-C stays a plain ``KeyboardInterrupt``.
    """

    def __init__(self, stream, what="the current sample"):
        self.stream = stream
        self.what = what
        self.requested = False
        self.in_step = False  # set by the training loop around each train_many call
        self._previous = None

    def _handle(self, signum, frame):
        if self.requested:
            if self.in_step:  # the step in progress ends first: a saved model is never half-updated
                return
            raise KeyboardInterrupt
        self.requested = True
        self.stream.write("\npynet: stopping after %s (Ctrl-C again to stop at once)\n" % self.what)
        self.stream.flush()

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def __exit__(self, *exc):
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
        return False


# -- train -------------------------------------------------------------------------------------


def _layers(sizes):
    return "-".join(str(n) for n in sizes)


def train_epoch(network, backend, dataset, order, shuffled, chunk, progress, stop, jitter=None):
    """One pass over ``dataset`` in ``order``, ``chunk`` samples per ``train_many`` call.

    A sample ``s`` in ``order`` is image ``s % len(dataset)``: as it is when ``s`` is below
    ``len(dataset)``, else under the next random transform of ``jitter`` (a
    ``pynet.augment.Jitter``). Returns ``(sum of the samples' losses, samples trained)``;
    stops early, between two chunks, once ``stop.requested`` is set.
    """
    size = dataset.size
    count_images = len(dataset)
    total_loss = 0.0
    done = 0
    for start in range(0, len(order), chunk):
        stop_at = min(start + chunk, len(order))
        count = stop_at - start
        if jitter is not None:
            picked = order[start:stop_at]
            images = dataset.images
            parts = []
            for s in picked:
                k = s % count_images
                image = images[k * size:(k + 1) * size]
                parts.append(image if s < count_images else jitter.image(image))
            pixels = b"".join(parts)
            labels = bytes([dataset.labels[s % count_images] for s in picked])
        elif shuffled:
            picked = order[start:stop_at]
            pixels = dataset.pixels(picked)
            labels = bytes([dataset.labels[k] for k in picked])
        else:  # order is 0, 1, 2, ...: the chunk is one slice
            pixels = dataset.images[start * size:stop_at * size]
            labels = dataset.labels[start:stop_at]
        inputs, targets = backend.input_rows(pixels, count, size), backend.target_rows(labels)
        stop.in_step = True
        try:
            loss = network.train_many(inputs, targets)
        finally:
            stop.in_step = False
        total_loss += loss * count
        done += count
        progress.update(done, total_loss / done)
        if stop.requested:
            break
    return total_loss, done


def _jitter(args, train_set):
    """The ``pynet.augment.Jitter`` that ``--augment`` and ``--aug-*`` ask for, or None."""
    if not args.augment:
        return None
    from .augment import Jitter
    bounds = {}
    for name, default in AUGMENT_DEFAULTS.items():
        value = getattr(args, "aug_" + name)
        bounds[name] = default if value is None else value
    seed = None if args.seed is None else "pynet augment %d" % args.seed
    return Jitter(seed=seed, rows=train_set.rows, cols=train_set.cols, **bounds)


def train(args, out, err):
    backend = choose_backend(args.backend)
    if args.save:
        _check_writable(args.save, "model")
    if args.plot:
        _check_writable(args.plot, "plot")
    train_set, test_set = load_data(args.data)
    train_set = train_set.head(args.limit)
    test_set = test_set.head(args.test_limit)
    for dataset in (train_set, test_set):
        if not len(dataset):
            raise UserError("%s holds no images" % dataset.name)
    if train_set.size != test_set.size:
        raise UserError("training images are %dx%d but test images are %dx%d"
                        % (train_set.rows, train_set.cols, test_set.rows, test_set.cols))
    jitter = _jitter(args, train_set)
    hidden = args.hidden[0] if len(args.hidden) == 1 else args.hidden
    network = backend.network_class(train_set.size, hidden, mnist.CLASSES, args.lr,
                                    seed=args.seed, bias=args.bias, rule=args.rule)
    chunk = args.chunk or DEFAULT_CHUNK[backend.name]
    order_rng = random.Random(args.seed)
    out.write("training %s (rule %s, %s, lr %g) on %d images of %s, testing on %d; backend %s\n"
              % (_layers(network.layer_sizes), args.rule, "bias" if args.bias else "no bias", args.lr,
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
        from .plot import write_learning_curve
        write_learning_curve(args.plot, losses, accuracies,
                             title="%s, lr %g, %s" % (_layers(network.layer_sizes), args.lr, train_set.name))
        out.write("wrote the learning curve to %s\n" % args.plot)
    return EXIT_INTERRUPTED if interrupted else EXIT_OK


# -- evaluate ------------------------------------------------------------------------------------


def confusion_matrix(labels, guesses, classes):
    """``matrix[actual][predicted]`` counts."""
    matrix = [[0] * classes for _ in range(classes)]
    for actual, guess in zip(labels, guesses):
        matrix[actual][guess] += 1
    return matrix


def _ratio(numerator, denominator):
    return numerator / denominator if denominator else None


def evaluate(args, out, err):
    backend = choose_backend(args.backend)
    network = load_model(backend, args.model)
    train_set, test_set = load_data(args.data)
    dataset = (test_set if args.split == "test" else train_set).head(args.limit)
    if not len(dataset):
        raise UserError("%s holds no images" % dataset.name)
    _check_fits(network, dataset, args.split)
    classes = network.layer_sizes[-1]
    guesses = predictions(network, backend, dataset)
    matrix = confusion_matrix(dataset.labels, guesses, classes)
    correct = sum(matrix[c][c] for c in range(classes))
    count = len(dataset)
    precision = [_ratio(matrix[c][c], sum(matrix[r][c] for r in range(classes))) for c in range(classes)]
    recall = [_ratio(matrix[c][c], sum(matrix[c])) for c in range(classes)]
    if args.json:
        json.dump({"accuracy": correct / count, "correct": correct, "count": count, "confusion": matrix,
                   "precision": precision, "recall": recall, "model": args.model,
                   "data": dataset.name, "split": args.split, "backend": backend.name}, out)
        out.write("\n")
        return EXIT_OK
    out.write("%s on %d %s images of %s\n" % (args.model, count, args.split, dataset.name))
    out.write("accuracy %.2f%% (%d/%d)\n\n" % (100.0 * correct / count, correct, count))
    out.write("label  precision   recall  count\n")
    for c in range(classes):
        out.write("%5d  %9s  %7s  %5d\n" % (c, _percent(precision[c]), _percent(recall[c]), sum(matrix[c])))
    out.write("\nconfusion matrix (rows: true label, columns: predicted)\n")
    width = max(4, len(str(count)) + 1)
    out.write("      " + "".join("%*d" % (width, c) for c in range(classes)) + "\n")
    for c in range(classes):
        out.write("%5d " % c + "".join("%*d" % (width, v) for v in matrix[c]) + "\n")
    return EXIT_OK


def _percent(value):
    return "-" if value is None else "%.2f%%" % (100.0 * value)


# -- query and back query ------------------------------------------------------------------------


def query(args, out, err):
    from . import images
    backend = choose_backend(args.backend)
    network = load_model(backend, args.model)
    image = images.read_image(args.image)
    side = _side(network.layer_sizes[0])
    pixels, inverted = images.to_mnist(image, side)
    outputs = network.query(mnist.scale_row(pixels))
    digit = _argmax(outputs)
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


def _side(inputs):
    side = int(round(inputs ** 0.5))
    if side * side != inputs:
        raise UserError("the model takes %d inputs, which is not a square image" % inputs)
    return side


MAX_BACKQUERY_SIDE = 4096  # --scale: images of at most 4096 x 4096 pixels (16 MB each)
MAX_BACKQUERY_PIXELS = MAX_BACKQUERY_SIDE ** 2


def backquery(args, out, err):
    from . import images
    backend = choose_backend(args.backend)
    network = load_model(backend, args.model)
    side = _side(network.layer_sizes[0])
    if (side * args.scale) ** 2 > MAX_BACKQUERY_PIXELS:
        raise UserError("--scale %d would make images of %d x %d pixels; the largest written is %d x %d"
                        % (args.scale, side * args.scale, side * args.scale, MAX_BACKQUERY_SIDE, MAX_BACKQUERY_SIDE))
    try:
        os.makedirs(args.out, exist_ok=True)
    except OSError as error:
        raise UserError("cannot make the folder %s: %s" % (args.out, _describe(error)))
    classes = network.layer_sizes[-1]
    for label in range(classes):
        values = network.backquery(mnist.targets(label, classes))  # (Q1)-(Q4), in [0.01, 0.99]
        pixels = bytes(min(255, max(0, int((v - 0.01) / 0.98 * 255 + 0.5))) for v in values)
        image = images.Image(side, side, pixels)
        if args.scale > 1:
            image = images.enlarge(image, args.scale)
        path = os.path.join(args.out, "label-%d.png" % label)
        images.write_png(path, image)
        out.write("%s\n" % path)
    return EXIT_OK


# -- download -------------------------------------------------------------------------------------


def download(args, out, err):
    from . import download as fetch
    dest = args.dir or fetch.default_cache_dir()
    tty = err.isatty() if hasattr(err, "isatty") else False
    shown = {}

    def report(name, size):
        if tty and size - shown.get(name, 0) >= (1 << 20):
            shown[name] = size
            err.write("\r%s: %.1f MB" % (name, size / 1e6))
            err.flush()

    try:
        paths = fetch.download(dest, mirrors=args.mirror, timeout=args.timeout, report=report)
    except (fetch.DownloadError, OSError) as error:
        raise UserError(_describe(error))
    finally:
        if shown:
            err.write("\n")
    for name in sorted(paths):
        out.write("%s\n" % paths[name])
    out.write("MNIST is ready in %s; train on it with: pynet train --data %s\n"
              % (dest, "downloaded" if args.dir is None else dest))
    return EXIT_OK


COMMANDS = {"train": train, "evaluate": evaluate, "query": query, "backquery": backquery, "download": download}


def main(argv=None):
    """Run the command line ``argv`` (default ``sys.argv[1:]``); returns the exit status."""
    out, err = sys.stdout, sys.stderr
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        if args.command == "train" and not args.augment:
            given = [name for name in AUGMENT_DEFAULTS if getattr(args, "aug_" + name) is not None]
            if given:
                parser.train_parser.error("--aug-%s takes effect only with --augment N" % given[0])
    except SystemExit as exit:  # argparse: --help, --version, or a usage error already printed
        return exit.code if isinstance(exit.code, int) else EXIT_USAGE
    try:
        return COMMANDS[args.command](args, out, err)
    except UserError as error:
        err.write("pynet: error: %s\n" % error)
    except (ValueError, OSError) as error:
        err.write("pynet: error: %s\n" % _describe(error))
    except KeyboardInterrupt:
        err.write("pynet: interrupted\n")
        return EXIT_INTERRUPTED
    return EXIT_ERROR
