"""Divergence: a training step that would make a weight or bias non-finite is refused.

A learning rate that is far too large, or inputs and targets of huge size, can carry
the weights past the largest float, to infinity and then NaN, and a network full of
NaN can neither be saved nor learn again. Both backends therefore raise ``ValueError``
instead, and leave the network exactly as it was before the call.

Checking every new weight would cost a pass over all of them per step. Instead each
network keeps ``bound``, an upper bound on ``max |W(l)|`` and ``max |B(l)|``, and
before a call works out, in a few scalar operations per layer and step, how far
``steps`` steps could possibly move it (:func:`bound_after`):

- the forward sums (F1) have ``n(l-1)`` terms of at most ``max|Y(l-1)| * bound``;
  outputs (F2) lie in ``[0, 1]``;
- ``|E(L)| <= max|T| + 1`` (E-L); ``|delta(l)| <= |E(l)|`` since ``0 <= y (1-y) <= 1/4`` (D);
  ``|E(l-1)| <= n(l) * bound * max|E(l)|`` under either rule (E-l, X-l);
- a step moves a weight by at most ``lambda * max|Y(l-1)| * max|delta(l)|`` (U-W), and
  a bias by ``lambda * max|delta(l)|`` (U-B).

While all of these stay below ``LIMIT`` (``2**1020``, a factor 16 under the largest
float, far more than the rounding of any sum can add), no sum in the step can
overflow, so no weight can become non-finite and the call runs as it is. Otherwise
(and for calls of more than ``MAX_STEPS`` steps, where the bound is not worth its
cost) the backend saves a copy of the parameters, runs the call, and looks at every
parameter once afterwards: if any is non-finite it restores the copy and raises;
if not, the largest magnitude found becomes the new, exact ``bound``.

For ``train_many`` the whole call is one unit: a step that diverges anywhere in it
undoes the whole call (weights bit-identical to before it), not only that step.
"""

LIMIT = 2.0 ** 1020
MAX_STEPS = 64


def bound_after(sizes, rate, bias, bound, x_max, t_max, steps):
    """An upper bound on every ``|W|`` and ``|B|`` after ``steps`` steps, or None when it may reach LIMIT.

    ``x_max`` and ``t_max`` bound the magnitudes of every input and target of the steps.
    """
    if steps > MAX_STEPS or not (bound < LIMIT and x_max < LIMIT and t_max < LIMIT):
        return None
    L = len(sizes) - 1
    for _ in range(steps):
        # (F1): no forward sum may overflow, or it could turn into NaN; the inputs of W(1)
        # are at most x_max, those of the layers above outputs (F2) in [0, 1]
        if not sizes[0] * x_max * bound + bound < LIMIT:
            return None
        for l in range(2, L + 1):
            if not sizes[l - 1] * bound + bound < LIMIT:
                return None
        e_max = t_max + 1.0  # (E-L)
        growth = 0.0
        for l in range(L, 1, -1):  # W(L) down to W(2): inputs at most 1
            if rate * e_max > growth:  # (U-W), and (U-B) the same
                growth = rate * e_max
            e_max = sizes[l] * bound * e_max  # (E-l) or (X-l), for the layer below
            if not e_max < LIMIT:
                return None
        if rate * x_max * e_max > growth:  # (U-W) of W(1)
            growth = rate * x_max * e_max
        if bias and rate * e_max > growth:  # (U-B) of B(1)
            growth = rate * e_max
        bound = bound + growth
        if not bound < LIMIT:
            return None
    return bound


def largest_magnitude(rows):
    """``max |v|`` over nested lists (rows) of floats: inf when one is inf or NaN."""
    largest = 0.0
    for row in rows:
        for v in row:
            a = abs(v)
            if not a <= largest:
                if a != a:
                    return float("inf")
                largest = a
    return largest


class DivergenceError(ValueError):
    """A training call that would have made a weight or bias non-finite (the network is unchanged)."""


def diverged(rate):
    return DivergenceError(
        "training diverged: a step would make a weight or bias infinite or NaN (learning_rate %r is too "
        "large for these inputs and targets); the network is unchanged" % rate)
