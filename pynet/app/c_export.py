"""A trained network as one self-contained C99 header, for boards without Python.

``header(network, c_type)`` returns the text of a header that holds the weights
(and biases) as ``static const`` arrays and defines

    int pynet_query(const double *inputs, double *outputs);

which runs the network forward (SPEC F1, F2) and returns 0. The sums run in
pynet's order (``Z(l)[j]`` starts from ``B(l)[j]`` and adds ``Y(l-1)[i] * W(l)[i][j]``
for ``i = 0, 1, ...``) and the sigmoid is pynet's two-branch form, so that, compiled
without floating-point contraction (``-ffp-contract=off``: no fused multiply-add),
the outputs equal ``pynet``'s ``query`` bit for bit on the same machine (the same
``exp`` from the same C library). The numbers are written as hexadecimal float
literals (C99), which the compiler reads exactly.

With ``c_type="float"`` the weights are rounded to single precision and the
arithmetic is done in ``float`` with ``expf``, for boards without double-precision
hardware: not the same bits, the same prediction on nearly every input.
"""

import struct

C_TYPES = ("double", "float")
_FLOAT_MAX = 3.4028234663852886e38


def header(network, c_type="double", title="model"):
    """The C99 header for ``network`` (any pynet backend's ``NeuralNetwork``)."""
    if c_type not in C_TYPES:
        raise ValueError("c_type must be 'double' or 'float', not %r" % (c_type,))
    sizes = list(network.layer_sizes)
    weights = network.get_weights()
    biases = network.get_biases() if network.bias else None
    widest = max(sizes[1:-1]) if len(sizes) > 2 else 1
    parts = [_preamble(sizes, network, c_type, title, widest)]
    for l in range(1, len(sizes)):
        W = weights[l - 1]
        parts.append(_array("pynet_W%d" % l, c_type, [w for row in W for w in row],
                            "W(%d): %d x %d, row i (a neuron of layer %d), column j at [i * %d + j]" % (
                                l, sizes[l - 1], sizes[l], l - 1, sizes[l])))
        if biases is not None:
            parts.append(_array("pynet_B%d" % l, c_type, biases[l - 1], "B(%d): %d numbers" % (l, sizes[l])))
    parts.append(_functions(sizes, c_type, biases is not None))
    return "".join(parts)


def _literal(value, c_type):
    """``value`` as an exact C hexadecimal float literal of type ``c_type``."""
    if c_type == "float":
        if abs(value) > _FLOAT_MAX:
            raise ValueError("the weight %r is too large for a float" % value)
        value = struct.unpack("<f", struct.pack("<f", value))[0]  # rounded to the nearest float
        return value.hex() + "f"
    return value.hex()


def _array(name, c_type, values, comment, per_line=4):
    lines = ["/* %s */\n" % comment, "static const %s %s[%d] = {\n" % (c_type, name, len(values))]
    for start in range(0, len(values), per_line):
        lines.append("    " + ", ".join(_literal(v, c_type) for v in values[start:start + per_line]) + ",\n")
    lines.append("};\n\n")
    return "".join(lines)


def _preamble(sizes, network, c_type, title, widest):
    guard = "PYNET_%s_H" % "".join(c if c.isalnum() else "_" for c in title.upper())
    shape = "-".join(str(n) for n in sizes)
    precision = ("the outputs equal pynet's query bit for bit on the same machine" if c_type == "double" else
                 "single precision: not pynet's bits, the same prediction on nearly every input")
    return """/* %(title)s: a pynet network (%(shape)s, sigmoid, %(bias)s) as C99.
 *
 *   int pynet_query(const %(t)s *inputs, %(t)s *outputs);
 *
 * takes PYNET_INPUTS numbers and writes PYNET_OUTPUTS numbers, and returns 0
 * (or -1 for a null pointer). It uses only <math.h> (link with -lm) and allocates
 * nothing: its scratch space, two rows of PYNET_WIDEST numbers, is static (one call at
 * a time; define PYNET_SCRATCH as empty to keep it on the stack instead).
 *
 * Compile without floating-point contraction, for example
 *     cc -std=c99 -O2 -ffp-contract=off program.c -lm
 * (no fused multiply-add, no -ffast-math). Then
 * %(precision)s.
 *
 * Written by pynet export. The numbers are hexadecimal float literals, read exactly.
 */
#ifndef %(guard)s
#define %(guard)s

#include <math.h>

#define PYNET_INPUTS %(inputs)d
#define PYNET_OUTPUTS %(outputs)d
#define PYNET_LAYERS %(layers)d /* weight layers L: W(1) ... W(L) */
#define PYNET_WIDEST %(widest)d /* the largest hidden layer */
#ifndef PYNET_SCRATCH
#define PYNET_SCRATCH static
#endif

/* Layer sizes %(shape)s. */

""" % {"title": title, "shape": shape, "bias": "with biases" if network.bias else "no biases", "t": c_type,
       "precision": precision, "guard": guard, "inputs": sizes[0], "outputs": sizes[-1],
       "layers": len(sizes) - 1, "widest": widest}


def _functions(sizes, c_type, has_bias):
    t = c_type
    exp = "expf" if c_type == "float" else "exp"
    one, zero = ("1.0f", "0.0f") if c_type == "float" else ("1.0", "0.0")
    calls = []
    for l in range(1, len(sizes)):
        source = "inputs" if l == 1 else ("a" if l % 2 == 0 else "b")
        target = "outputs" if l == len(sizes) - 1 else ("b" if l % 2 == 0 else "a")
        calls.append("    pynet_layer(pynet_W%d, %s, %d, %d, %s, %s);\n" % (
            l, "pynet_B%d" % l if has_bias else "0", sizes[l - 1], sizes[l], source, target))
    return """/* pynet's sigmoid (SPEC F2): 1 / (1 + e^-x), as e^x / (1 + e^x) below 0 so that it never overflows. */
static %(t)s pynet_sigmoid(%(t)s x)
{
    %(t)s e;
    if (x >= %(zero)s)
        return %(one)s / (%(one)s + %(exp)s(-x));
    e = %(exp)s(x);
    return e / (%(one)s + e);
}

/* One layer: y = Act(W^T x + B) (SPEC F1, F2). Row by row, as pynet adds: y[j] starts
 * from B[j] (0 without biases) and gains x[i] * W[i][j] for i = 0, 1, ... in turn. */
static void pynet_layer(const %(t)s *W, const %(t)s *B, int n_in, int n_out, const %(t)s *x, %(t)s *y)
{
    int i, j;
    for (j = 0; j < n_out; ++j)
        y[j] = B ? B[j] : %(zero)s;
    for (i = 0; i < n_in; ++i) {
        const %(t)s x_i = x[i];
        const %(t)s *row = W + (long)i * n_out;
        for (j = 0; j < n_out; ++j)
            y[j] += x_i * row[j]; /* (F1) */
    }
    for (j = 0; j < n_out; ++j)
        y[j] = pynet_sigmoid(y[j]); /* (F2) */
}

static int pynet_query(const %(t)s *inputs, %(t)s *outputs)
{
    PYNET_SCRATCH %(t)s a[PYNET_WIDEST], b[PYNET_WIDEST];
    (void)a;
    (void)b;
    if (!inputs || !outputs)
        return -1;
%(calls)s    return 0;
}

#endif
""" % {"t": t, "exp": exp, "one": one, "zero": zero, "calls": "".join(calls)}
