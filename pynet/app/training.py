"""The training loop of ``pynet train``: epochs of ``train_many`` calls, a chunk at a time."""

from .augment import JITTER_DEFAULTS

DEFAULT_CHUNK = {"pure": 1, "fast": 1000}  # samples per train_many call


def layers(sizes):
    return "-".join(str(n) for n in sizes)


def train_epoch(network, backend, dataset, order, shuffled, chunk, progress, stop, jitter=None):
    """One pass over ``dataset`` in ``order``, ``chunk`` samples per ``train_many`` call.

    A sample ``s`` in ``order`` is image ``s % len(dataset)``: as it is when ``s`` is below
    ``len(dataset)``, else under the next random transform of ``jitter`` (a
    ``pynet.app.augment.Jitter``). Returns ``(sum of the samples' losses, samples trained)``;
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


def make_jitter(args, train_set):
    """The ``pynet.app.augment.Jitter`` that ``--augment`` and ``--aug-*`` ask for, or None."""
    if not args.augment:
        return None
    from .augment import Jitter
    bounds = {}
    for name, default in JITTER_DEFAULTS.items():
        value = getattr(args, "aug_" + name)
        bounds[name] = default if value is None else value
    seed = None if args.seed is None else "pynet augment %d" % args.seed
    return Jitter(seed=seed, rows=train_set.rows, cols=train_set.cols, **bounds)
