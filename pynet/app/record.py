"""The training record: one JSON object per run that trained a model, kept in its file.

A model's ``training`` list (``network.training``) gains one run each time it is
trained by ``pynet.app.training.train`` (and so by ``pynet train``). A run says

- what did the work: ``pynet`` (version), ``python`` (implementation and version),
  ``backend`` (``pure`` or ``fast``) and ``kernels`` (``python``, or pynet_fast's
  ``portable``/``avx2``/``native``), ``date`` (UTC, ISO 8601, when the run began);
- how: ``seed`` (of the shuffling and the jitter; for a new model also of its initial
  weights), ``resumed`` (whether it continued a trained model), ``layer_sizes``,
  ``rule``, ``bias``, ``learning_rate`` (at the start of the run), ``lr_decay``,
  ``epochs`` (asked for), ``shuffle``, ``augment`` (``null``, or the copies per image
  and the jitter's bounds), ``keep`` (``last`` or ``best``), ``chunk`` (samples per
  ``train_many`` call: the losses are means over chunks), ``train_accuracy_images``
  (how many of the images trained on, evenly spread, measure the train accuracy);
- on what: ``data``: for ``train``, ``validation`` (the last training images, held
  out) and ``test`` (``null`` when not used), the data's ``name``, the number of
  ``images`` and the ``sha256`` of what was read (the images' pixel bytes, then their
  label bytes, in order: the same for the same images in any file format);
- with what result: ``history`` (per epoch: ``epoch``, ``loss``, ``learning_rate``,
  ``seconds`` and the accuracies measured), ``kept_epoch``, ``test_accuracy`` (of the
  kept weights, when the test set was evaluated once at the end), ``stopped_early`` and
  ``wall_seconds``.

``check_run`` checks a run's fields and types; ``describe`` turns a list of runs into
lines of text for ``pynet info`` and ``pynet evaluate``.
"""

import datetime
import hashlib
import math
import platform
import struct

from .. import __version__

KEEP = ("last", "best")
#: the fields of a run that say where and when it ran: all the others are the same for the
#: same command and seed on either backend (and so are the weights, bit for bit)
MACHINE_FIELDS = ("python", "backend", "kernels", "date", "wall_seconds")
MACHINE_EPOCH_FIELDS = ("seconds",)
AUGMENT_FIELDS = ("copies", "shift", "rotate", "scale", "shear")


def data_summary(dataset):
    """``{"name", "images", "sha256"}`` of a ``pynet.app.mnist.Dataset``, or ``None`` for ``None``."""
    if dataset is None:
        return None
    digest = hashlib.sha256()
    digest.update(dataset.images)
    digest.update(dataset.labels)
    return {"name": dataset.name, "images": len(dataset), "sha256": digest.hexdigest()}


def reproducible_part(run):
    """``run`` without its ``MACHINE_FIELDS`` (and each epoch without its ``seconds``)."""
    kept = {key: value for key, value in run.items() if key not in MACHINE_FIELDS}
    if isinstance(kept.get("history"), list):
        kept["history"] = [{key: value for key, value in epoch.items() if key not in MACHINE_EPOCH_FIELDS}
                           if isinstance(epoch, dict) else epoch for epoch in kept["history"]]
    return kept


def weights_sha256(network):
    """The SHA-256 of a network's weights, then its biases, as little-endian IEEE doubles, row by row:
    equal for equal weights, whichever backend or file holds them."""
    digest = hashlib.sha256()
    weights, biases = network.get_weights(), network.get_biases()
    for row in [row for W in weights for row in W] + biases:
        digest.update(struct.pack("<%dd" % len(row), *row))
    return digest.hexdigest()


def runtime():
    """``"CPython 3.12.1"``: the interpreter that runs pynet."""
    return "%s %s" % (platform.python_implementation(), platform.python_version())


def now():
    """The current UTC time as ``2026-11-26T14:35:07Z``."""
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def new_run(*, backend, kernels, seed, resumed, network, lr_decay, epochs, shuffle, augment, keep,
            train, validation, test):
    """The record of a run that is about to begin (its results are filled in by ``finish_run``)."""
    return {
        "pynet": __version__, "python": runtime(), "backend": backend, "kernels": kernels, "date": now(),
        "seed": seed, "resumed": resumed, "layer_sizes": list(network.layer_sizes), "rule": network.rule,
        "bias": network.bias, "learning_rate": network.learning_rate, "lr_decay": lr_decay, "epochs": epochs,
        "shuffle": shuffle, "augment": augment, "keep": keep,
        "data": {"train": data_summary(train), "validation": data_summary(validation),
                 "test": data_summary(test)},
        "history": [], "kept_epoch": None, "test_accuracy": None, "stopped_early": False, "wall_seconds": 0.0,
    }


def finish_run(run, history, wall_seconds):
    """Fill ``run``'s results in from a ``pynet.app.history.History``."""
    run["history"] = [dict(epoch) for epoch in history.epochs]
    run["kept_epoch"] = history.kept_epoch
    run["test_accuracy"] = history.test_accuracy
    run["stopped_early"] = history.stopped_early
    run["wall_seconds"] = round(wall_seconds, 3)
    return run


# -- checks ------------------------------------------------------------------------------


def _fail(where, field, wanted, value):
    raise ValueError("training record %s: %r must be %s, got %r" % (where, field, wanted, value))


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value):
    return (_is_int(value) or isinstance(value, float)) and math.isfinite(value)


def _fraction(value):
    return _is_number(value) and 0 <= value <= 1


_SIMPLE = (  # field, what it must be, the test
    ("pynet", "a string", lambda v: isinstance(v, str)),
    ("python", "a string", lambda v: isinstance(v, str)),
    ("backend", "'pure' or 'fast'", lambda v: v in ("pure", "fast")),
    ("kernels", "a string", lambda v: isinstance(v, str)),
    ("date", "a string", lambda v: isinstance(v, str)),
    ("seed", "a whole number", _is_int),
    ("resumed", "true or false", lambda v: isinstance(v, bool)),
    ("layer_sizes", "a list of at least 2 whole numbers above 0",
     lambda v: isinstance(v, list) and len(v) >= 2 and all(_is_int(n) and n > 0 for n in v)),
    ("rule", "'seed' or 'exact'", lambda v: v in ("seed", "exact")),
    ("bias", "true or false", lambda v: isinstance(v, bool)),
    ("learning_rate", "a number above 0", lambda v: _is_number(v) and v > 0),
    ("lr_decay", "a number above 0", lambda v: _is_number(v) and v > 0),
    ("epochs", "a whole number of at least 1", lambda v: _is_int(v) and v >= 1),
    ("shuffle", "true or false", lambda v: isinstance(v, bool)),
    ("keep", "'last' or 'best'", lambda v: v in KEEP),
    ("kept_epoch", "null or a whole number of at least 1", lambda v: v is None or (_is_int(v) and v >= 1)),
    ("test_accuracy", "null or a fraction from 0 to 1", lambda v: v is None or _fraction(v)),
    ("stopped_early", "true or false", lambda v: isinstance(v, bool)),
    ("wall_seconds", "a number of at least 0", lambda v: _is_number(v) and v >= 0),
)


def _check_data(where, data):
    if not isinstance(data, dict) or not isinstance(data.get("train"), dict):
        _fail(where, "data", "an object with a 'train' part", data)
    for part in ("train", "validation", "test"):
        value = data.get(part)
        if value is None:
            continue
        if (not isinstance(value, dict) or not isinstance(value.get("name"), str)
                or not _is_int(value.get("images")) or value["images"] < 0
                or not isinstance(value.get("sha256"), str) or len(value["sha256"]) != 64):
            _fail(where, "data." + part, "null or {\"name\", \"images\", \"sha256\": 64 hex digits}", value)


def _check_history(where, history):
    if not isinstance(history, list):
        _fail(where, "history", "a list", history)
    for k, epoch in enumerate(history):
        at = "%s history[%d]" % (where, k)
        if not isinstance(epoch, dict):
            _fail(at, "epoch", "an object", epoch)
        if not _is_int(epoch.get("epoch")) or epoch["epoch"] < 1:
            _fail(at, "epoch", "a whole number of at least 1", epoch.get("epoch"))
        if not _is_number(epoch.get("loss")) or epoch["loss"] < 0:
            _fail(at, "loss", "a number of at least 0", epoch.get("loss"))
        for name in ("train_accuracy", "validation_accuracy", "test_accuracy"):
            if epoch.get(name) is not None and not _fraction(epoch[name]):
                _fail(at, name, "a fraction from 0 to 1", epoch[name])


def check_run(run, k=0):
    """``run`` if it is a well-formed record of one run; ``ValueError`` naming the field otherwise."""
    where = "run %d" % k
    if not isinstance(run, dict):
        raise ValueError("training record run %d must be an object, got %s" % (k, type(run).__name__))
    for field, wanted, test in _SIMPLE:
        if field not in run:
            raise ValueError("training record %s lacks the field %r" % (where, field))
        if not test(run[field]):
            _fail(where, field, wanted, run[field])
    augment = run.get("augment")
    if augment is not None and not (isinstance(augment, dict) and _is_int(augment.get("copies"))
                                    and all(_is_number(augment.get(f)) for f in AUGMENT_FIELDS)):
        _fail(where, "augment", "null or {copies, shift, rotate, scale, shear}", augment)
    _check_data(where, run.get("data"))
    _check_history(where, run.get("history"))
    return run


# -- text ---------------------------------------------------------------------------------------


def _percent(value):
    return "-" if value is None else "%.2f%%" % (100.0 * value)


def describe_run(k, run):
    """Lines of text about one run (``run`` already checked)."""
    augment = run["augment"]
    lines = ["run %d: %s, pynet %s on %s, backend %s (%s)%s" % (
        k + 1, run["date"], run["pynet"], run["python"], run["backend"], run["kernels"],
        ", resumed" if run["resumed"] else "")]
    lines.append("  %s, rule %s, %s, lr %g (decay %g), %d epoch%s asked, %s, seed %d" % (
        "-".join(str(n) for n in run["layer_sizes"]), run["rule"], "bias" if run["bias"] else "no bias",
        run["learning_rate"], run["lr_decay"], run["epochs"], "" if run["epochs"] == 1 else "s",
        "shuffled" if run["shuffle"] else "in order", run["seed"]))
    if augment:
        lines.append("  augmented: %d jittered copies per image (shift %g, rotate %g, scale %g, shear %g)"
                     % tuple(augment[f] for f in AUGMENT_FIELDS))
    data = run["data"]
    for part in ("train", "validation", "test"):
        if data.get(part):
            lines.append("  %-10s %6d images of %s%s, sha256 %s" % (
                part, data[part]["images"], data[part]["name"], ", the last ones held out" if part == "validation"
                else "", data[part]["sha256"][:16]))
    for epoch in run["history"]:
        measured = ["%s %s" % (name, _percent(epoch.get(name + "_accuracy")))
                    for name in ("train", "validation", "test") if epoch.get(name + "_accuracy") is not None]
        lines.append("  epoch %d  loss %.5f  %s" % (epoch["epoch"], epoch["loss"], "  ".join(measured)))
    ending = "kept epoch %s" % (run["kept_epoch"] if run["kept_epoch"] is not None else "-")
    if run["keep"] == "best":
        ending += " (best validation accuracy)"
    if run["test_accuracy"] is not None:
        ending += ", test accuracy %s" % _percent(run["test_accuracy"])
    if run["stopped_early"]:
        ending += ", stopped early"
    lines.append("  %s; %.1f s" % (ending, run["wall_seconds"]))
    return lines


def summarise(runs):
    """One line about a model's record: how many runs and epochs, and the last run's result."""
    if not runs:
        return "no training record"
    try:
        for k, run in enumerate(runs):
            check_run(run, k)
    except ValueError:
        return "%d run%s in the training record (see 'pynet info')" % (len(runs), "" if len(runs) == 1 else "s")
    last = runs[-1]
    epochs = sum(len(run["history"]) for run in runs)
    text = "trained in %d run%s, %d epoch%s in all; the last on %s, seed %d, %s backend" % (
        len(runs), "" if len(runs) == 1 else "s", epochs, "" if epochs == 1 else "s", last["date"], last["seed"],
        last["backend"])
    if last["test_accuracy"] is not None:
        text += ", test accuracy %s then" % _percent(last["test_accuracy"])
    return text


def describe(runs):
    """Lines of text about every run in a model's ``training`` list."""
    if not runs:
        return ["no training record (the model was made before records were kept, or built in code)"]
    lines = []
    for k, run in enumerate(runs):
        try:
            check_run(run, k)
        except ValueError as error:
            lines.append("run %d: not a record pynet understands (%s)" % (k + 1, error))
            continue
        lines.extend(describe_run(k, run))
    return lines
