"""What ``--augment 1`` costs: seconds of a plain epoch and of an augmented one, through the command line.

    python benchmarks/bench_augment.py --data DIR [--rounds 5] [--backend fast] [--python PYTHON]

Runs ``pynet train --data DIR --epochs 1 --quiet`` with and without ``--augment 1``
(twice the samples: each image as it is and one jittered copy), once with
``--train-accuracy 0`` (the epoch is the training alone) and once with the default
(the epoch also measures the accuracy on 1,000 training images). The commands take
turns, plain then augmented, round after round, so that load on a shared machine hits
both alike; each figure is the median of the rounds (with the spread, min to max), and
the ratio is the median of each round's augmented epoch over its plain one.

The seconds are the epoch's own, as the model file records them (``--save``): loading
the data and testing at the end are left out.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

SETTINGS = (("--train-accuracy 0", ["--train-accuracy", "0"]), ("default (1000)", []))


def epoch_seconds(python, data, backend, augment, extra, seed, folder):
    """The seconds of epoch 1 of one ``pynet train`` run, from the model file's record."""
    path = os.path.join(folder, "model.json")
    command = [python, "-m", "pynet", "train", "--data", data, "--epochs", "1", "--quiet", "--seed", str(seed),
               "--backend", backend, "--augment", str(augment), "--save", path] + extra
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    with open(path) as f:
        return json.load(f)["training"][-1]["history"][0]["seconds"]


def spread(values):
    return "%.2f (%.2f-%.2f)" % (statistics.median(values), min(values), max(values))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", required=True, help="a folder of the MNIST IDX files")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--backend", default="fast", choices=("fast", "pure", "auto"))
    parser.add_argument("--python", default=sys.executable, help="the interpreter whose pynet runs")
    args = parser.parse_args(argv)
    print("| epochs of %s, %d rounds | plain s | --augment 1 s | ratio |" % (args.backend, args.rounds))
    print("|---|---|---|---|")
    with tempfile.TemporaryDirectory() as folder:
        for label, extra in SETTINGS:
            plain, augmented = [], []
            for round_ in range(args.rounds):
                plain.append(epoch_seconds(args.python, args.data, args.backend, 0, extra, round_, folder))
                augmented.append(epoch_seconds(args.python, args.data, args.backend, 1, extra, round_, folder))
            ratios = [a / p for a, p in zip(augmented, plain)]
            print("| %s | %s | %s | %s |" % (label, spread(plain), spread(augmented), spread(ratios)))
            sys.stdout.flush()


if __name__ == "__main__":
    main()
