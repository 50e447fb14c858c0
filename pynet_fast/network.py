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

from pynet.base import NetworkBase

from ._select import core as _kernels

Core = _kernels.Core


def _cpus():
    """The CPUs this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not Linux
        return max(1, os.cpu_count() or 1)


# query_many splits its rows over this many threads when there are enough of them
# (each thread's share is worth more than starting it)
QUERY_THREADS = _cpus()
ROWS_PER_THREAD = 256


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
        with self._lock:
            return self._core.train(inputs, targets, self._learning_rate, self._rule == "exact", self._bias)

    def _query_one(self, inputs):
        with self._lock:
            return self._core.query(inputs)

    def _backquery_one(self, outputs):
        with self._lock:
            return self._core.backquery(outputs)

    # -- fast paths past the Python-level checks -------------------------------------------

    def train(self, inputs, targets):
        with self._lock:
            loss = self._core.train(inputs, targets, self._learning_rate, self._rule == "exact", self._bias)
        return NetworkBase.train(self, inputs, targets) if loss is None else loss

    train.__doc__ = NetworkBase.train.__doc__

    def train_many(self, input_rows, target_rows):
        core = self._core
        inputs = core.rows(input_rows, self._layer_sizes[0])
        targets = core.rows(target_rows, self._layer_sizes[-1]) if inputs is not None else None
        if targets is not None and len(inputs) == len(targets) and len(inputs) > 0:
            with self._lock:
                mean = core.train_rows(inputs, targets, self._learning_rate, self._rule == "exact", self._bias)
            if mean is not None:
                return mean
        return NetworkBase.train_many(self, input_rows, target_rows)

    train_many.__doc__ = NetworkBase.train_many.__doc__ + """
        The whole loop runs in compiled code, without the GIL, when both are C-contiguous
        2-D float64 buffers or lists (tuples) of rows of floats or float64 buffers.
        """

    def query(self, inputs):
        with self._lock:
            outputs = self._core.query(inputs)
        return NetworkBase.query(self, inputs) if outputs is None else outputs

    query.__doc__ = NetworkBase.query.__doc__

    def query_many(self, rows):
        checked = self._core.rows(rows, self._layer_sizes[0])
        if checked is not None:
            threads = max(1, min(QUERY_THREADS, len(checked) // ROWS_PER_THREAD))
        with self._lock:
            outputs = None if checked is None else self._core.query_rows(checked, threads)
        return NetworkBase.query_many(self, rows) if outputs is None else outputs

    query_many.__doc__ = NetworkBase.query_many.__doc__ + """
        In compiled code, without the GIL, for the same inputs as ``train_many``; many
        rows are split over the CPUs (``QUERY_THREADS`` threads at most), each row's
        outputs the same bits however they are split.
        """


neuralNetwork = NeuralNetwork  # the seed's name for the class
