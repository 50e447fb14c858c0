"""``pynet_fast.NeuralNetwork``: pynet's network with compiled storage and arithmetic.

Everything but the numbers comes from ``pynet.base.NetworkBase``: the constructor,
the checks, the seed's names, the model file and pickling. This class keeps the
parameters in a ``Core`` of the compiled kernels in use (``_core``, ``_core_avx2`` or
``_core_avx512``, as ``pynet_fast._select`` chose) and overrides the entry points that
can skip the Python-level checks: when the input is already in a form the compiled code
checks completely (finite real numbers in lists or tuples, or C-contiguous float64
buffers such as ``array('d')``, memoryviews and numpy arrays), it goes straight to the
kernels; anything else goes through ``NetworkBase``, so that it is converted, or refused
with pynet's own error, exactly as in ``pynet``.
"""

import os
import threading
import warnings

_INF = float("inf")

from pynet import guard
from pynet.base import NetworkBase

from ._select import core as _kernels

Core = _kernels.Core


def _cpus():
    """The CPUs this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not Linux
        return max(1, os.cpu_count() or 1)


THREADS_VARIABLE = "PYNET_FAST_THREADS"


def _threads_allowed():
    """The CPUs, or fewer if ``PYNET_FAST_THREADS`` says so (``1``: every call on one thread)."""
    cpus = _cpus()
    wanted = os.environ.get(THREADS_VARIABLE, "").strip()
    if not wanted:
        return cpus
    try:
        number = int(wanted)
        if number < 1:
            raise ValueError
    except ValueError:
        warnings.warn("%s=%r is not a whole number from 1: ignored" % (THREADS_VARIABLE, wanted),
                      RuntimeWarning, stacklevel=2)
        return cpus
    return min(number, cpus)


# query_many splits its rows over this many threads when there are enough of them
# (each thread's share is worth more than starting it)
QUERY_THREADS = _threads_allowed()
ROWS_PER_THREAD = 256

# train_many shares each step's pass over W(1) with a second thread when two CPUs are
# there and the call has enough rows to repay starting it (1 keeps it to one thread)
TRAIN_THREADS = min(2, QUERY_THREADS)
ROWS_TO_SPLIT = 64

# query shares its pass over W(1) with the helper thread too, when 2 (for a large W(1)
# only, and only when the helper is awake: queries in a burst; see _helper.pxi)
QUERY_SPLIT = min(2, QUERY_THREADS)


class NeuralNetwork(NetworkBase):
    """A fully connected sigmoid network trained by per-sample gradient descent.

    ``NeuralNetwork(input_nodes, hidden_nodes, output_nodes, learning_rate, *,
    seed=None, bias=False, rule="seed")``: the same network as
    ``pynet.NeuralNetwork``, giving bit for bit the same results.
    """

    # -- the backend's five methods (their arguments are checked already) --------------

    # The kernels run without the GIL, in scratch space that belongs to the network, so
    # one network serves one call at a time: ``_lock`` makes other threads wait their
    # turn (different networks still run in parallel).

    def _store(self, weights, biases):
        if getattr(self, "_lock", None) is None:
            self._lock = threading.Lock()
        with self._lock:
            core = getattr(self, "_core", None)
            if core is None or core.layer_sizes != self._layer_sizes:
                core = Core(self._layer_sizes)
            core.store(weights, biases)
            self._core = core

    def _export(self):
        with self._lock:
            return self._core.export()

    def _train_one(self, inputs, targets):
        x = self._core.vector(inputs, self._layer_sizes[0])
        t = self._core.vector(targets, self._layer_sizes[-1])
        with self._lock:
            return self._core.train(x, t, self._learning_rate, self._rule == "exact", self._bias, TRAIN_THREADS)

    def _query_one(self, inputs):
        x = self._core.vector(inputs, self._layer_sizes[0])
        with self._lock:
            return self._core.query(x)

    def _backquery_one(self, outputs):
        with self._lock:
            return self._core.backquery(outputs)

    # The divergence guard's hooks (pynet.guard), in compiled code.

    def _snapshot(self):
        with self._lock:
            return self._core.snapshot()

    def _restore(self, saved):
        with self._lock:
            self._core.restore(saved)

    def _largest_parameter(self):
        with self._lock:
            return self._core.largest_parameter()

    # -- fast paths past the Python-level checks -------------------------------------------

    # Every input is read (copied into storage of its own; a large buffer for train_many
    # held and measured, its memory then read with no Python code run) before the lock is
    # taken, so that an input whose buffer or __float__ calls back into this network does
    # not deadlock; except lists of plain numbers (float, numpy.float64 and int) and
    # float64 buffers of numpy.ndarray, array.array and memoryview (exactly those types),
    # whose reading runs no Python code: they are read under the lock, straight into the
    # network's scratch space.

    def train(self, inputs, targets):
        core = self._core
        rate, exact, bias = self._learning_rate, self._rule == "exact", self._bias
        with self._lock:  # plain numbers and buffers: read under the lock, which runs no code of theirs
            bound = getattr(self, "_bound", None)
            if bound is None:  # (before the load: measuring applies a waiting update, which moves the load's place)
                bound = self._bound = core.largest_parameter()
            read = core.load_floats(inputs, targets)
            if read is not None:
                after = guard.bound_after(self._layer_sizes, rate, bias, bound, read[0], read[1], 1)
                if after is not None:  # the guard's quick answer, as in NetworkBase._guarded: this step is safe
                    loss = core.train_loaded(rate, exact, bias, TRAIN_THREADS)
                    self._bound = after
                    return loss
        x = core.vector(inputs, self._layer_sizes[0])
        t = core.vector(targets, self._layer_sizes[-1]) if x is not None else None
        if t is None:
            return NetworkBase.train(self, inputs, targets)
        x_max, t_max = core.magnitude(x), core.magnitude(t)
        bound = guard.bound_after(self._layer_sizes, rate, bias, self._parameter_bound(), x_max, t_max, 1)
        if bound is not None:
            with self._lock:
                loss = core.train(x, t, rate, exact, bias, TRAIN_THREADS)
            self._bound = bound
            return loss

        def step():
            with self._lock:
                return core.train(x, t, rate, exact, bias, TRAIN_THREADS)

        return self._guarded(1, x_max, t_max, step)

    train.__doc__ = NetworkBase.train.__doc__

    def train_many(self, input_rows, target_rows):
        core = self._core
        inputs = core.rows(input_rows, self._layer_sizes[0], True, TRAIN_THREADS)
        targets = core.rows(target_rows, self._layer_sizes[-1]) if inputs is not None else None
        if targets is not None and len(inputs) == len(targets):
            x_max, t_max = inputs.largest, targets.largest
            if x_max < _INF and t_max < _INF:
                threads = TRAIN_THREADS if len(inputs) >= ROWS_TO_SPLIT else 1

                def steps():
                    with self._lock:
                        return core.train_rows(inputs, targets, self._learning_rate, self._rule == "exact",
                                               self._bias, threads)

                return self._guarded(len(inputs), x_max, t_max, steps)
        return NetworkBase.train_many(self, input_rows, target_rows)

    train_many.__doc__ = NetworkBase.train_many.__doc__ + """
        The whole loop runs in compiled code, without the GIL, when both are C-contiguous
        2-D float64 buffers or lists (tuples) of rows of floats or float64 buffers. Either
        way the rows are first copied into storage of the network's own, except a buffer
        of 32 MB or more: it is measured where it is, then copied a chunk of rows at a
        time as the steps reach them, so it must not change during the call. A copy that
        finds a value the first measure did not allow (not finite, or larger) raises
        ``ValueError`` and leaves the network as it was before the call.
        """

    def query(self, inputs):
        with self._lock:  # plain numbers or a buffer: read under the lock, which runs no code of theirs
            outputs = self._core.query_floats(inputs, QUERY_SPLIT)
        if outputs is not None:
            return outputs
        x = self._core.vector(inputs, self._layer_sizes[0])
        if x is None:
            return NetworkBase.query(self, inputs)
        with self._lock:
            return self._core.query(x, QUERY_SPLIT)

    query.__doc__ = NetworkBase.query.__doc__

    def query_many(self, rows):
        # a 2-D buffer is not copied whole: the kernels copy and check it a batch at a time
        checked = self._core.rows(rows, self._layer_sizes[0], False)
        if checked is not None:
            threads = max(1, min(QUERY_THREADS, len(checked) // ROWS_PER_THREAD))
            with self._lock:
                outputs = self._core.query_rows(checked, threads)
            if outputs is not None:
                return outputs
        return NetworkBase.query_many(self, rows)

    query_many.__doc__ = NetworkBase.query_many.__doc__ + """
        In compiled code, without the GIL, for the same inputs as ``train_many``; many
        rows are split over the CPUs (``QUERY_THREADS`` threads at most), each row's
        outputs the same bits however they are split.
        """


neuralNetwork = NeuralNetwork  # the seed's name for the class
