"""What every backend shares: the constructor, checks, names, and the model file.

``NetworkBase`` holds the network's description (layer sizes, learning rate, rule,
bias) and checks everything that comes in. A backend subclasses it and supplies
the storage and the arithmetic through a handful of methods whose arguments have
already been checked:

- ``_store(weights, biases)``: take these lists of floats as the parameters;
- ``_export()``: the parameters as fresh lists, ``(weights, biases)``;
- ``_train_one(inputs, targets)``: one training step, returning its loss;
- ``_query_one(inputs)``: the output column ``Y(L)`` as a list;
- ``_backquery_one(outputs)``: (Q1)-(Q4).

``pynet.NeuralNetwork`` implements them in plain Python; ``pynet_fast`` in compiled
code. Validation, the model file, pickling and the seed's names live here once.
"""

from . import checks
from . import guard
from . import modelfile
from .initial import initial_weights
from .interrupt import HeldInterrupt

_INF = float("inf")


class NetworkBase:
    """A fully connected sigmoid network trained by per-sample gradient descent."""

    def __init__(self, input_nodes, hidden_nodes, output_nodes, learning_rate, *, seed=None, bias=False, rule="seed"):
        sizes = checks.layer_sizes(input_nodes, hidden_nodes, output_nodes)
        checks.fits_in_memory(sizes)
        rate = checks.learning_rate(learning_rate)
        self._describe(sizes, rate, checks.rule(rule), checks.flag(bias, "bias"))
        weights = initial_weights(sizes, checks.seed(seed))  # (I)
        self._store(weights, [[0.0] * n for n in sizes[1:]])  # biases start at 0

    def _describe(self, sizes, learning_rate, rule, bias, training=None):
        self._layer_sizes = sizes
        self._learning_rate = learning_rate
        self._rule = rule
        self._bias = bias
        self._training = [] if training is None else training

    # -- description -------------------------------------------------------

    @property
    def layer_sizes(self):
        """``(n(0), n(1), ..., n(L))``: inputs, each hidden layer, outputs."""
        return self._layer_sizes

    @property
    def learning_rate(self):
        """``lambda`` in (U-W); any finite number above 0 may be set."""
        return self._learning_rate

    @learning_rate.setter
    def learning_rate(self, value):
        self._learning_rate = checks.learning_rate(value)

    @property
    def rule(self):
        """``'seed'`` (rule (E-l), the default) or ``'exact'`` (rule (X-l))."""
        return self._rule

    @property
    def bias(self):
        """Whether the layers have biases ``B(l)`` (F1), (U-B)."""
        return self._bias

    @property
    def training(self):
        """How the model was trained: a list of JSON objects, one per training run.

        Empty for a new network. The list may be changed in place (a run appends
        its record); it is checked (plain JSON, bounded in size) when it is assigned
        and whenever the network is saved, and travels with the model file, pickles
        and copies.
        """
        return self._training

    @training.setter
    def training(self, records):
        self._training = checks.training(records, "training")

    def __repr__(self):
        return "%s(layer_sizes=%r, learning_rate=%r, rule=%r, bias=%r)" % (
            type(self).__name__, self._layer_sizes, self._learning_rate, self._rule, self._bias)

    # -- the seed's names ----------------------------------------------------

    @property
    def in_nodes(self):
        return self._layer_sizes[0]

    @property
    def hid_nodes(self):
        """The hidden layer's size; a tuple of sizes when there are several (or none)."""
        hidden = self._layer_sizes[1:-1]
        return hidden[0] if len(hidden) == 1 else hidden

    @property
    def out_nodes(self):
        return self._layer_sizes[-1]

    @property
    def LR(self):
        return self._learning_rate

    @LR.setter
    def LR(self, value):
        self.learning_rate = value

    @property
    def W_ih(self):
        """A copy of the first weight matrix ``W(1)`` (``in_nodes x hid_nodes``).

        Without hidden layers ``W_ih`` and ``W_ho`` are the same matrix, ``in_nodes x out_nodes``.
        """
        return self._export()[0][0]

    @property
    def W_ho(self):
        """A copy of the last weight matrix ``W(L)`` (``hid_nodes x out_nodes``)."""
        return self._export()[0][-1]

    # -- training and querying -------------------------------------------------

    def train(self, inputs, targets):
        """One step of gradient descent on one sample; returns its loss (L1).

        The loss is that of the forward pass before the step. A step that would make a
        weight or bias infinite or NaN raises ``ValueError`` instead (``pynet.guard``).
        """
        x = checks.vector(inputs, self._layer_sizes[0], "inputs")
        t = checks.vector(targets, self._layer_sizes[-1], "targets")
        with HeldInterrupt():
            return self._guarded(1, _largest(x), _largest(t), lambda: self._train_one(x, t))

    def train_many(self, input_rows, target_rows):
        """``train`` on each pair of rows in order; returns the mean loss.

        Every row is read once and checked before the first step, so bad data anywhere
        changes nothing; so does a step that would make a weight or bias non-finite,
        anywhere in the call: it raises ``ValueError`` and the network is as it was
        before the call. Ctrl-C stops between two samples, never inside one.
        """
        n_in, n_out = self._layer_sizes[0], self._layer_sizes[-1]
        inputs, targets = checks.paired_rows(input_rows, target_rows, n_in, n_out)
        x_max = max(_largest(x) for x in inputs)
        t_max = max(_largest(t) for t in targets)

        def run():
            total = 0.0
            with HeldInterrupt() as interrupt:
                for k in range(len(inputs)):
                    total += self._train_one(inputs[k], targets[k])
                    interrupt.check()
            return total / len(inputs)

        return self._guarded(len(inputs), x_max, t_max, run)

    def _guarded(self, steps, x_max, t_max, run):
        """``run()`` (``steps`` training steps), refused and undone if a parameter turns non-finite."""
        bound = guard.bound_after(self._layer_sizes, self._learning_rate, self._bias,
                                  self._parameter_bound(), x_max, t_max, steps)
        if bound is not None:  # no parameter can leave the finite floats
            result = run()
            self._bound = bound
            return result
        saved = self._snapshot()
        try:
            result = run()
        finally:  # also after Ctrl-C between two samples: never keep a non-finite parameter
            largest = self._largest_parameter()
            if not largest < _INF:
                self._restore(saved)
                self._bound = None
                raise guard.diverged(self._learning_rate)
            self._bound = largest
        return result

    def _parameter_bound(self):
        if getattr(self, "_bound", None) is None:
            self._bound = self._largest_parameter()
        return self._bound

    # Hooks for the divergence guard; a backend may do them faster.

    def _snapshot(self):
        return self._export()

    def _restore(self, saved):
        self._store(*saved)

    def _largest_parameter(self):
        weights, biases = self._export()
        return max(max(guard.largest_magnitude(W) for W in weights), guard.largest_magnitude(biases))

    def query(self, inputs):
        """The network's output ``Y(L)`` for one input, as a list."""
        return self._query_one(checks.vector(inputs, self._layer_sizes[0], "inputs"))

    def query_many(self, rows):
        """``query`` for each row; every row is read once and checked first."""
        rows = checks.vectors(rows, self._layer_sizes[0], "rows")
        return [self._query_one(row) for row in rows]

    def predict(self, inputs):
        """The index of the largest output (the first one, on a tie)."""
        outputs = self.query(inputs)
        best = 0
        for k in range(1, len(outputs)):
            if outputs[k] > outputs[best]:
                best = k
        return best

    def backquery(self, outputs):
        """The input the network "imagines" for ``outputs`` ((Q1)-(Q4)).

        ``outputs`` has one value per output neuron, each strictly between 0 and 1,
        for example 0.99 for one label and 0.01 for the rest.
        """
        y = checks.probabilities(outputs, self._layer_sizes[-1], "outputs")
        return self._backquery_one(y)

    # -- parameters ------------------------------------------------------------

    def get_weights(self):
        """Copies of ``[W(1), ..., W(L)]``, ``W(l)`` as ``n(l-1)`` rows of ``n(l)``."""
        return self._export()[0]

    def get_biases(self):
        """Copies of ``[B(1), ..., B(L)]``, each a flat list (zeros when biases are off)."""
        return [list(B) for B in self._parameters()[1]]  # (not a copy of every weight as well)

    def set_weights(self, weights, biases=None):
        """Replace the weights (and the biases, unless ``biases`` is None).

        Shapes are those of :meth:`get_weights` and :meth:`get_biases`; every value
        must be a finite number. Nothing changes unless all of it is right.
        """
        w = checks.weights(weights, self._layer_sizes)
        b = self.get_biases() if biases is None else checks.biases(biases, self._layer_sizes, self._bias)
        self._store(w, b)
        self._bound = None

    # -- the model file ------------------------------------------------------------

    def _parameters(self):
        """``(weights, biases)`` to read, not to change: a backend may return its own rows."""
        return self._export()

    def to_dict(self):
        """The whole network as a dict of plain JSON types (see ``pynet.modelfile``)."""
        weights, biases = self._parameters()
        return modelfile.to_dict(self._layer_sizes, self._rule, self._bias, self._learning_rate, weights, biases,
                                 self._training)

    @classmethod
    def from_dict(cls, data):
        """A network from :meth:`to_dict`'s form; every field is checked first."""
        fields = modelfile.from_dict(data)
        network = object.__new__(cls)  # (MicroPython has no cls.__new__)
        network._describe(fields["layer_sizes"], fields["learning_rate"], fields["rule"], fields["bias"],
                          fields["training"])
        network._store(fields["weights"], fields["biases"])
        return network

    def save(self, path):
        """Write the model file to ``path`` atomically (a temporary file, then a rename)."""
        weights, biases = self._parameters()
        modelfile.save_network(path, self._layer_sizes, self._rule, self._bias, self._learning_rate, weights, biases,
                               self._training)

    @classmethod
    def load(cls, path):
        """A network from a model file written by :meth:`save` (by either backend)."""
        return cls.from_dict(modelfile.load(path))

    def __reduce__(self):
        return (type(self).from_dict, (self.to_dict(),))


def _largest(values):
    """``max |v|`` over a checked vector (finite floats)."""
    largest = 0.0
    for v in values:
        if v > largest:
            largest = v
        elif -v > largest:
            largest = -v
    return largest
