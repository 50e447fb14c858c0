"""Training as a function: what ``pynet train`` does, for a notebook or a script.

    from pynet import NeuralNetwork
    from pynet.app import mnist, training

    train_set, test_set = mnist.load()                # the bundled subset
    network = NeuralNetwork(784, 100, 10, 0.3, seed=7)
    history = training.train(network, train_set, epochs=3, validation=1000, keep="best",
                             test_set=test_set, shuffle=True, seed=7)
    history.epochs[-1]["validation_accuracy"], history.test_accuracy
    network.training[-1]                              # the run's record, saved with the model

``train`` holds out the last ``validation`` training images (never trained on),
trains ``epochs`` passes over the rest (shuffled each epoch with ``shuffle``, with
``augment`` jittered copies of every image), measures after each epoch the accuracy
on some of the images trained on (``train_accuracy`` of them, evenly spread; all
with ``None``; none with 0), on the held-out ones, and on
``test_set`` when ``test_each_epoch`` asks (else the test set is evaluated once, at
the end, on the weights kept), and keeps the last epoch's weights or, with
``keep="best"``, those of the epoch with the best validation accuracy. It returns a
``pynet.app.history.History``; its ``record`` (see ``pynet.app.record``) is appended
to ``network.training``. Every argument is checked before the first step, so a
refused call changes nothing. Either backend's network trains here, and the same
``seed`` gives the same weights on both: the seed orders the shuffling and the
jitter (the initial weights come from the network's own ``seed``).

Ctrl-C (or ``stop.requested``, for a ``stop`` object of one's own) ends the run after
the training step in progress; the history then says ``stopped_early`` and the
network keeps what was trained (with ``keep="best"``: the best finished epoch).
"""

import contextlib
import math
import random
import sys
import time

from ..initial import random_seed
from . import record
from .augment import JITTER_DEFAULTS, Jitter
from .backend import Backend
from .history import History
from .metrics import accuracy
from .mnist import CLASSES, Dataset

DEFAULT_CHUNK = 250  # samples per train_many call, at most
LOSS_POINTS = 50  # running-loss points per epoch, at least
TRAIN_ACCURACY = 1000  # training images whose accuracy is measured after each epoch, by default


def layers(sizes):
    return "-".join(str(n) for n in sizes)


def chunk_size(chunk, samples):
    """Samples per ``train_many`` call: ``chunk`` (default ``DEFAULT_CHUNK``), but no more than
    ``1/LOSS_POINTS`` of an epoch of ``samples``. The same on both backends, so that they report
    the same losses to the last bit (a chunk's loss is the mean of its samples')."""
    return max(1, min(chunk or DEFAULT_CHUNK, int(math.ceil(samples / float(LOSS_POINTS)))))


def draw_seed():
    """A fresh seed, short enough to read and type again (below 10**9)."""
    return random_seed() % 1000000000


def backend_of(network):
    """The ``pynet.app.backend.Backend`` whose class ``network`` is (``pynet`` or ``pynet_fast``)."""
    module = sys.modules.get(type(network).__module__.split(".")[0])
    if module is None or getattr(module, "NeuralNetwork", None) is None or not hasattr(module, "BACKEND"):
        raise TypeError("network must be a pynet or pynet_fast NeuralNetwork, not %s" % type(network).__name__)
    return Backend(module)


def kernels_of(backend):
    """``"python"`` for the pure backend, else the compiled kernels in use (``pynet_fast.KERNELS``)."""
    return getattr(backend.module, "KERNELS", "python")


def split_validation(dataset, count):
    """``(rest, held_out)``: ``dataset`` without and with only its last ``count`` images."""
    if not count:
        return dataset, None
    keep = len(dataset) - count
    size = dataset.size
    held_out = Dataset(dataset.images[keep * size:], dataset.labels[keep:], dataset.rows, dataset.cols,
                       dataset.name)
    return dataset.head(keep), held_out


def spread(dataset, count):
    """``count`` of ``dataset``'s images, evenly spread (all of them for ``None``; ``None`` for 0)."""
    if count == 0:
        return None
    if count is None or count >= len(dataset):
        return dataset
    picked = [k * len(dataset) // count for k in range(count)]
    return Dataset(dataset.pixels(picked), bytes([dataset.labels[k] for k in picked]), dataset.rows, dataset.cols,
                   dataset.name)


def jitter_for(augment, seed, dataset, bounds=None):
    """The ``Jitter`` of ``augment`` copies per image (``None`` for 0), seeded from ``seed``."""
    if not augment:
        return None
    merged = dict(JITTER_DEFAULTS)
    merged.update(bounds or {})
    return Jitter(seed="pynet augment %d" % seed, rows=dataset.rows, cols=dataset.cols, **merged)


# -- checks -------------------------------------------------------------------------------


def _whole(value, name, least):
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError("%s must be a whole number, not %r" % (name, value))
    if value < least:
        raise ValueError("%s must be at least %d, got %d" % (name, least, value))
    return value


def _check(network, train_set, epochs, validation, test_set, keep, lr_decay, augment, seed, train_accuracy):
    _whole(epochs, "epochs", 1)
    _whole(validation, "validation", 0)
    _whole(augment, "augment", 0)
    if train_accuracy is not None:
        _whole(train_accuracy, "train_accuracy", 0)
    if seed is not None:
        _whole(seed, "seed", 0)
    if keep not in record.KEEP:
        raise ValueError("keep must be 'last' or 'best', not %r" % (keep,))
    if keep == "best" and not validation:
        raise ValueError("keep='best' needs validation images to choose the best epoch by")
    if not (isinstance(lr_decay, (int, float)) and 0 < lr_decay < float("inf")):
        raise ValueError("lr_decay must be a finite number above 0, got %r" % (lr_decay,))
    if validation >= len(train_set):
        raise ValueError("cannot hold out %d of %d training images for validation: none would be left to train on"
                         % (validation, len(train_set)))
    sizes = network.layer_sizes
    for dataset, what in ((train_set, "training"), (test_set, "test")):
        if dataset is None:
            continue
        if not len(dataset):
            raise ValueError("%s holds no %s images" % (dataset.name, what))
        if dataset.size != sizes[0]:
            raise ValueError("the network takes %d inputs but the %s images have %dx%d = %d pixels"
                             % (sizes[0], what, dataset.rows, dataset.cols, dataset.size))
    if sizes[-1] < CLASSES:
        raise ValueError("the network has %d outputs; MNIST needs %d" % (sizes[-1], CLASSES))


# -- one epoch ------------------------------------------------------------------------------


def _samples(dataset, picked, jitter):
    """The pixels and labels of the samples ``picked`` (sample ``s`` is image ``s % len``, jittered
    when ``s`` is at least ``len``)."""
    size, count = dataset.size, len(dataset)
    images = dataset.images
    parts = []
    for s in picked:
        k = s % count
        image = images[k * size:(k + 1) * size]
        parts.append(image if s < count or jitter is None else jitter.image(image))
    return b"".join(parts), bytes([dataset.labels[s % count] for s in picked])


def train_epoch(network, backend, dataset, order, chunk, stop, on_loss, jitter=None):
    """One pass over ``dataset`` in ``order``, at most ``chunk`` samples per ``train_many`` call.

    ``on_loss(done, loss)`` hears the mean loss of each chunk after it. Stops between two
    chunks once ``stop.requested`` is set. Returns ``(sum of the samples' losses, samples trained)``.
    """
    size = dataset.size
    in_order = order == range(len(order))
    total_loss = 0.0
    done = 0
    for start in range(0, len(order), chunk):
        stop_at = min(start + chunk, len(order))
        count = stop_at - start
        if in_order and stop_at <= len(dataset):  # plain images in order: the chunk is one slice
            pixels, labels = dataset.images[start * size:stop_at * size], dataset.labels[start:stop_at]
        else:
            pixels, labels = _samples(dataset, order[start:stop_at], jitter)
        inputs, targets = backend.input_rows(pixels, count, size), backend.target_rows(labels)
        stop.in_step = True
        try:
            loss = network.train_many(inputs, targets)
        finally:
            stop.in_step = False
        total_loss += loss * count
        done += count
        on_loss(done, loss, count)
        if stop.requested:
            break
    return total_loss, done


class _RunningLoss:
    """Turns each chunk's loss into points of ``history.running_loss``, one every ``step`` samples."""

    def __init__(self, history, epoch, total, progress):
        self.history = history
        self.epoch = epoch
        self.total = total
        self.step = max(1, int(math.ceil(total / float(LOSS_POINTS))))
        self.progress = progress
        self.sum = 0.0
        self.count = 0
        self.epoch_sum = 0.0

    def __call__(self, done, loss, count):
        self.sum += loss * count
        self.count += count
        self.epoch_sum += loss * count
        if self.count >= self.step or done == self.total:
            self.history.running_loss.append((self.epoch - 1 + done / float(self.total), self.sum / self.count))
            self.sum, self.count = 0.0, 0
        self.progress.update(done, self.epoch_sum / done)


class _Quiet:
    def update(self, done, loss):
        pass

    def close(self):
        pass


def _no_progress(total, prefix):
    return _Quiet()


def _measure(network, backend, dataset, progress, what):
    meter = progress(len(dataset), what)
    correct, count = accuracy(network, backend, dataset, lambda n: meter.update(n, None))
    meter.close()
    return correct / count


# -- the run --------------------------------------------------------------------------------


def train(network, train_set, *, epochs=1, validation=0, test_set=None, test_each_epoch=False, keep="last",
          shuffle=False, seed=None, lr_decay=1.0, augment=0, jitter_bounds=None, train_accuracy=TRAIN_ACCURACY,
          chunk=None, resumed=None, on_epoch=None, progress=None, stop=None):
    """Train ``network`` on ``train_set`` (a ``pynet.app.mnist.Dataset``); returns a ``History``.

    See the module's description. ``seed`` (drawn when None, and recorded) orders the
    shuffling and the jitter; ``lr_decay`` multiplies the learning rate after every epoch
    but the last; ``chunk`` is the samples per ``train_many`` call (see ``chunk_size``: the
    running loss has at least 50 points per epoch);
    ``on_epoch(history)`` is called after each finished epoch; ``progress(total, what)``
    makes an object with ``update(done, loss)`` and ``close()`` (e.g. a
    ``pynet.app.progress.Progress``); ``stop`` is an object with ``requested`` and
    ``in_step`` (default: Ctrl-C asks to stop, ``pynet.app.progress.StopRequest``).
    """
    backend = backend_of(network)
    _check(network, train_set, epochs, validation, test_set, keep, lr_decay, augment, seed, train_accuracy)
    seed = draw_seed() if seed is None else seed
    trained_on, held_out = split_validation(train_set, validation)
    measured_on = spread(trained_on, train_accuracy)
    jitter = jitter_for(augment, seed, trained_on, jitter_bounds)
    if resumed is None:
        resumed = bool(network.training)
    run = record.new_run(
        backend=backend.name, kernels=kernels_of(backend), seed=seed, resumed=resumed, network=network,
        lr_decay=lr_decay, epochs=epochs, shuffle=shuffle, keep=keep, train=trained_on, validation=held_out,
        test=test_set, augment=None if jitter is None else dict(
            copies=augment, shift=jitter.shift, rotate=jitter.rotate, scale=jitter.scale, shear=jitter.shear))
    chunk = chunk_size(chunk, len(trained_on) * (1 + augment))
    run["chunk"] = chunk
    run["train_accuracy_images"] = 0 if measured_on is None else len(measured_on)
    if stop is None:
        from .progress import StopRequest
        what = "the current sample" if chunk == 1 else "the current chunk of %d samples" % chunk
        stopper = StopRequest(sys.stderr, what)
    else:
        stopper = contextlib.nullcontext(stop)
    with stopper as stop:
        return _run(network, backend, run, trained_on, held_out, test_set, epochs, test_each_epoch, keep,
                    shuffle, seed, lr_decay, augment, jitter, measured_on, chunk, on_epoch,
                    progress or _no_progress, stop)


def _run(network, backend, run, trained_on, held_out, test_set, epochs, test_each_epoch, keep, shuffle, seed,
         lr_decay, augment, jitter, measured_on, chunk, on_epoch, progress, stop):
    """The epochs of ``train``, its arguments checked and prepared."""
    history = History()
    history.record = run
    started = time.monotonic()
    best = None  # (validation accuracy, epoch, weights, biases, learning rate)
    order_rng = random.Random(seed)
    try:
        for epoch in range(1, epochs + 1):
            if stop.requested:  # Ctrl-C came while measuring the previous epoch
                break
            epoch_started = time.monotonic()
            rate = network.learning_rate
            order = range(len(trained_on) * (1 + augment))
            if shuffle:
                order = list(order)
                order_rng.shuffle(order)
            bar = progress(len(order), "epoch %d/%d" % (epoch, epochs))
            total_loss, done = train_epoch(network, backend, trained_on, order, chunk, stop,
                                           _RunningLoss(history, epoch, len(order), bar), jitter)
            bar.close()
            if stop.requested:
                history.stopped_at = (epoch, done, len(order))
                break
            measured = {"epoch": epoch, "loss": total_loss / done, "learning_rate": rate}
            if measured_on is not None:
                measured["train_accuracy"] = _measure(network, backend, measured_on, progress, "train accuracy")
            if held_out is not None:
                measured["validation_accuracy"] = _measure(network, backend, held_out, progress, "validation")
                if best is None or measured["validation_accuracy"] > best[0]:
                    best = (measured["validation_accuracy"], epoch, network.get_weights(), network.get_biases(),
                            rate)
            if test_set is not None and test_each_epoch:
                measured["test_accuracy"] = _measure(network, backend, test_set, progress, "testing")
            measured["seconds"] = round(time.monotonic() - epoch_started, 3)
            history.epochs.append(measured)
            history.kept_epoch = epoch
            if on_epoch is not None:
                on_epoch(history)
            if lr_decay != 1.0 and epoch < epochs:
                network.learning_rate = network.learning_rate * lr_decay
    except KeyboardInterrupt:  # a second Ctrl-C, between two steps
        stop.requested = True
        if history.stopped_at is None:
            history.stopped_at = (len(history.epochs), None, None)
    history.stopped_early = bool(stop.requested)
    if history.stopped_early and history.stopped_at is None:  # Ctrl-C while measuring the last epoch
        history.stopped_at = (len(history.epochs), None, None)
    if history.stopped_early and (not history.epochs or len(history.running_loss) > 0
                                  and history.running_loss[-1][0] > len(history.epochs)):
        history.kept_epoch = None  # the weights are those of an unfinished epoch
    if keep == "best" and best is not None:
        network.set_weights(best[2], best[3])
        network.learning_rate = best[4]
        history.kept_epoch = best[1]
    if test_set is not None and not stop.requested and history.kept_epoch is not None:
        if test_each_epoch:
            history.test_accuracy = history.epochs[history.kept_epoch - 1].get("test_accuracy")
        else:
            try:
                history.test_accuracy = _measure(network, backend, test_set, progress, "testing")
            except KeyboardInterrupt:  # a second Ctrl-C while testing: what was trained is kept all the same
                history.stopped_early = True
                history.stopped_at = (len(history.epochs), None, None)
    record.finish_run(run, history, time.monotonic() - started)
    network.training = network.training + [run]
    return history
