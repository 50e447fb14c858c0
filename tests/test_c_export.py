"""The C export: the header compiles as C99 and gives pynet's outputs bit for bit.

Each test compiles a small driver with the system's C compiler (``cc``, or ``$CC``)
at ``-std=c99 -ffp-contract=off``, feeds it rows as raw doubles, and compares what
``pynet_query`` writes with ``pynet``'s ``query`` on the same rows.
"""

import os
import shutil
import struct
import subprocess
import sys

import pytest

from helpers import EXPECTED, bits

CC = os.environ.get("CC", "cc")
FLAGS = ["-std=c99", "-O2", "-ffp-contract=off", "-Wall", "-Wextra", "-pedantic", "-Werror"]
DRIVER = r"""
#include <stdio.h>
#include "model.h"

/* Reads rows of PYNET_INPUTS doubles from stdin; writes PYNET_OUTPUTS doubles per row to stdout. */
int main(void)
{
    double in[PYNET_INPUTS], out[PYNET_OUTPUTS];
    %(t)s x[PYNET_INPUTS], y[PYNET_OUTPUTS];
    int k;
    while (fread(in, sizeof in[0], PYNET_INPUTS, stdin) == PYNET_INPUTS) {
        for (k = 0; k < PYNET_INPUTS; ++k)
            x[k] = (%(t)s)in[k];
        if (pynet_query(x, y) != 0)
            return 2;
        for (k = 0; k < PYNET_OUTPUTS; ++k)
            out[k] = y[k];
        fwrite(out, sizeof out[0], PYNET_OUTPUTS, stdout);
    }
    return pynet_query(0, y) == -1 ? 0 : 3;
}
"""

pytestmark = pytest.mark.skipif(shutil.which(CC) is None, reason=EXPECTED + "no C compiler (%s) found" % CC)


def compiled(tmp_path, header_text, c_type="double"):
    (tmp_path / "model.h").write_text(header_text)
    (tmp_path / "driver.c").write_text(DRIVER % {"t": c_type})
    program = tmp_path / "driver"
    subprocess.run([CC] + FLAGS + ["-o", str(program), str(tmp_path / "driver.c"), "-lm"],
                   check=True, cwd=str(tmp_path))
    return program


def run(program, rows, n_out):
    data = b"".join(struct.pack("<%dd" % len(row), *row) for row in rows)
    result = subprocess.run([str(program)], input=data, stdout=subprocess.PIPE, check=True)
    values = struct.unpack("<%dd" % (len(rows) * n_out), result.stdout)
    return [list(values[k * n_out:(k + 1) * n_out]) for k in range(len(rows))]


@pytest.fixture(scope="module")
def digits():
    from pynet.app import mnist

    train, test = mnist.bundled()
    return train, [test.scaled(k) for k in range(1000)], [test.label(k) for k in range(1000)]


def trained(backend, digits, hidden, bias, rule="seed", count=300):
    """A network of ``backend`` trained on ``count`` digits (by the fastest backend here: the same bits)."""
    from pynet import backends

    train = digits[0]
    net = backends.choose("auto").NeuralNetwork(784, hidden, 10, 0.2, seed=17, bias=bias, rule=rule)
    net.train_many([train.scaled(k) for k in range(count)], [mnist_targets(train.label(k)) for k in range(count)])
    return backend.NeuralNetwork.from_dict(net.to_dict())


def mnist_targets(label):
    targets = [0.01] * 10
    targets[label] = 0.99
    return targets


@pytest.mark.parametrize("hidden, bias, rule", [(100, False, "seed"), ([32, 16], True, "exact"), ([], True, "seed"),
                                                ([20, 12, 8], False, "exact")])
def test_the_header_gives_pynets_bits_on_a_thousand_rows(backend, digits, tmp_path, hidden, bias, rule):
    from pynet.app import c_export

    net = trained(backend, digits, hidden, bias, rule)
    program = compiled(tmp_path, c_export.header(net))
    rows = digits[1]
    assert bits(run(program, rows, 10)) == bits([net.query(row) for row in rows])


def test_the_float_header_makes_the_same_predictions(digits, tmp_path):
    from pynet import backends
    from pynet.app import c_export

    net = trained(backends.choose("auto"), digits, 100, True)
    program = compiled(tmp_path, c_export.header(net, "float"), "float")
    rows = digits[1]
    ours, theirs = run(program, rows, 10), [net.query(row) for row in rows]
    agree = sum(1 for a, b in zip(ours, theirs) if a.index(max(a)) == b.index(max(b)))
    worst = max(abs(x - y) for a, b in zip(ours, theirs) for x, y in zip(a, b))
    print("float header: %d of %d predictions agree, largest output difference %.3g" % (agree, len(rows), worst))
    assert agree >= 995
    assert worst < 1e-4


def test_the_header_uses_only_math_h_and_states_the_flag(pure):
    from pynet.app import c_export

    text = c_export.header(pure.NeuralNetwork(3, 2, 1, 0.1, seed=1))
    includes = [line.strip() for line in text.splitlines() if line.lstrip().startswith("#include")]
    assert includes == ["#include <math.h>"]
    assert "-ffp-contract=off" in text
    for word in ("malloc", "calloc", "realloc", "free("):
        assert word not in text
    assert "#define PYNET_INPUTS 3\n" in text and "#define PYNET_OUTPUTS 1\n" in text
    assert "#define PYNET_LAYERS 2 " in text


def test_numbers_are_written_exactly(pure, tmp_path):
    from pynet.app import c_export

    net = pure.NeuralNetwork(2, 2, 1, 0.1, seed=1, bias=True)
    odd = [[[5e-324, -2.2250738585072014e-308], [1e300, 0.1 + 0.2]], [[1 / 3], [-0.0]]]
    net.set_weights(odd, [[1e-310, -1e-310], [2 / 3]])
    program = compiled(tmp_path, c_export.header(net))
    rows = [[0.0, 0.0], [1e-300, 1.0], [-1.0, 1e-5], [0.5, -0.25]]
    assert bits(run(program, rows, 1)) == bits([net.query(row) for row in rows])


def test_a_weight_too_large_for_float_is_refused(pure):
    from pynet.app import c_export

    net = pure.NeuralNetwork(2, 1, 1, 0.1, seed=1)
    net.set_weights([[[1e39], [0.5]], [[0.5]]])
    with pytest.raises(ValueError, match="too large for a float"):
        c_export.header(net, "float")
    assert "0x1." in c_export.header(net)  # double precision takes it


def test_the_command_writes_the_header(pure, tmp_path):
    net = pure.NeuralNetwork(5, [4, 3], 2, 0.1, seed=9, bias=True)
    net.save(tmp_path / "m.json")
    out = tmp_path / "m.h"
    done = subprocess.run([sys.executable, "-m", "pynet", "export", str(tmp_path / "m.json"), "--c", str(out)],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
    assert done.returncode == 0, done.stderr
    assert "m.h" in done.stdout
    program = compiled(tmp_path, out.read_text())
    rows = [[(k * 3 + i) % 5 / 5 for i in range(5)] for k in range(20)]
    assert bits(run(program, rows, 2)) == bits([net.query(row) for row in rows])


@pytest.mark.parametrize("args, words", [
    (["missing.json", "--c", "x.h"], "missing.json"),
    (["m.json"], "--c"),
    (["m.json", "--c", "x.h", "--c-type", "half"], "invalid choice"),
    (["m.json", "--c", "nowhere/x.h"], "nowhere"),
])
def test_the_command_refuses_bad_arguments(pure, tmp_path, args, words):
    pure.NeuralNetwork(5, 4, 2, 0.1, seed=9).save(tmp_path / "m.json")
    done = subprocess.run([sys.executable, "-m", "pynet", "export"] + args, cwd=str(tmp_path),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
    assert done.returncode in (1, 2)
    assert words in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.json"]
