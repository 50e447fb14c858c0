"""What ``--augment 1`` costs: seconds of a plain epoch and of an augmented one, through the command line.

    python benchmarks/bench_augment.py --data DIR [--rounds 5] [--backend fast] [--baseline PYTHON]

Runs ``pynet train --data DIR --epochs 1 --quiet`` with and without ``--augment 1``
(twice the samples: each image as it is and one jittered copy), once with
``--train-accuracy 0`` (the epoch is the training alone) and once with the default
(the epoch also measures the accuracy on 1,000 training images). The commands take
turns, plain then augmented, round after round, so that load on a shared machine hits
both alike; each figure is the median of the rounds (with the spread, min to max), and
the ratio is the median of each round's augmented epoch over its plain one.

The seconds are the epoch's own, as the model file records them (``--save``): loading
the data and testing at the end are left out. With ``--baseline PYTHON`` the same two
commands run with that interpreter's ``pynet`` too (another environment: a previous
release), in the same rounds, each after this one's.
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
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, cwd=folder)  # the interpreter's own pynet
    with open(path) as f:
        return json.load(f)["training"][-1]["history"][0]["seconds"]


def spread(values):
    return "%.2f (%.2f-%.2f)" % (statistics.median(values), min(values), max(values))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", required=True, help="a folder of the MNIST IDX files")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--backend", default="fast", choices=("fast", "pure", "auto"))
    parser.add_argument("--baseline", metavar="PYTHON", help="another environment's interpreter, timed alongside")
    args = parser.parse_args(argv)
    data = os.path.abspath(args.data)
    contenders = [("this pynet", sys.executable)] + ([("baseline", args.baseline)] if args.baseline else [])
    print("| %s epochs, %d rounds | pynet | plain s | --augment 1 s | ratio |" % (args.backend, args.rounds))
    print("|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as folder:
        for label, extra in SETTINGS:
            times = {name: ([], []) for name, _ in contenders}
            for round_ in range(args.rounds):
                for name, python in contenders:
                    for augment in (0, 1):
                        times[name][augment].append(
                            epoch_seconds(python, data, args.backend, augment, extra, round_, folder))
            for name, _ in contenders:
                plain, augmented = times[name]
                ratios = [a / p for a, p in zip(augmented, plain)]
                print("| %s | %s | %s | %s | %s |" % (label, name, spread(plain), spread(augmented), spread(ratios)))
            sys.stdout.flush()


if __name__ == "__main__":
    main()
