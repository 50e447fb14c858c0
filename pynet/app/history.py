"""What a training run measured, as it went: the data behind the learning curve.

A ``History`` holds

- ``running_loss``: ``(position, loss)`` pairs, ``position`` in epochs since the run
  began (``1.5`` is half-way through the second epoch) and ``loss`` the mean loss
  (L1 in docs/maths.md) of the samples trained since the pair before: many per epoch;
- ``epochs``: one dict per finished epoch, ``{"epoch", "loss", "learning_rate",
  "seconds"}`` and, where they were measured, ``"train_accuracy"``,
  ``"validation_accuracy"``, ``"test_accuracy"`` (fractions from 0 to 1);
- ``kept_epoch``: the epoch whose weights the run kept (``None`` before any ended);
- ``test_accuracy``: the test accuracy of the kept weights when the test set was
  evaluated once at the end (else ``None``);
- ``stopped_early``: whether Ctrl-C (or ``stop``) ended the run before its last epoch did;
  ``stopped_at``: then ``(epoch, samples trained in it, samples in it)`` (the counts
  are ``None`` when it stopped while measuring);
- ``record``: the run's training record (``pynet.app.record``), once the run has ended.
"""

ACCURACIES = ("train_accuracy", "validation_accuracy", "test_accuracy")


class History:
    def __init__(self):
        self.running_loss = []
        self.epochs = []
        self.kept_epoch = None
        self.test_accuracy = None
        self.stopped_early = False
        self.stopped_at = None
        self.record = None

    def __repr__(self):
        return "History(%d epochs, %d loss points%s)" % (
            len(self.epochs), len(self.running_loss), ", stopped early" if self.stopped_early else "")

    @property
    def losses(self):
        """The mean training loss of each finished epoch."""
        return [epoch["loss"] for epoch in self.epochs]

    def accuracies(self, name):
        """``[(epoch, accuracy), ...]`` for ``name`` (``"train"``, ``"validation"`` or ``"test"``),
        only the epochs where it was measured. The test accuracy measured once at the end
        is placed at the kept epoch."""
        key = name + "_accuracy"
        if key not in ACCURACIES:
            raise ValueError("no accuracy named %r: use train, validation or test" % name)
        points = [(epoch["epoch"], epoch[key]) for epoch in self.epochs if epoch.get(key) is not None]
        if name == "test" and self.test_accuracy is not None and self.kept_epoch is not None:
            points = [p for p in points if p[0] != self.kept_epoch] + [(self.kept_epoch, self.test_accuracy)]
            points.sort()
        return points

    def best_epoch(self, key="validation_accuracy"):
        """The first epoch with the highest ``key`` (``None`` when no epoch measured it)."""
        best = None
        for epoch in self.epochs:
            value = epoch.get(key)
            if value is not None and (best is None or value > best[1]):
                best = (epoch["epoch"], value)
        return None if best is None else best[0]
