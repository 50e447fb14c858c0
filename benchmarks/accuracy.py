"""The accuracy table: each row one ``pynet train`` command on full MNIST, over several seeds.

    python benchmarks/accuracy.py [--data DIR] [--seeds 1,2,3,4,5] [--row NAME ...] [--list]

``DIR`` holds the four canonical MNIST files (gzipped IDX), e.g. what ``pynet download``
fetched. Every run is ``python -m pynet train --data DIR ... --seed S --quiet`` with the
interpreter running this script, one at a time; the script reads the test accuracy
at the end of the run from its output and times it. For each row it prints every run as
it ends (accuracy, wall time, peak resident memory of the process), then a Markdown
table: the command, the accuracy for each seed, mean, minimum, maximum and the mean
time per run.

Times are wall-clock on whatever machine runs this, with the backend ``pynet train``
picks by default (``pynet_fast`` when it is built); pass ``--backend pure`` through
``--extra`` to time the pure backend (expect hours for the larger rows).
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

#: name -> (what the row claims, the arguments of ``pynet train`` besides --data, --seed, --quiet)
ROWS = [
    ("seed-100", "784-100-10, lr 0.3, 1 epoch, no shuffle (the seed's run)",
     ["--hidden", "100", "--lr", "0.3", "--epochs", "1"]),
    ("seed-200", "784-200-10, lr 0.1, 5 epochs, no shuffle",
     ["--hidden", "200", "--lr", "0.1", "--epochs", "5"]),
    ("seed-200-shuffle", "784-200-10, lr 0.1, 5 epochs, shuffled",
     ["--hidden", "200", "--lr", "0.1", "--epochs", "5", "--shuffle"]),
    ("seed-200-shuffle-bias", "784-200-10, lr 0.1, 5 epochs, shuffled, biases",
     ["--hidden", "200", "--lr", "0.1", "--epochs", "5", "--shuffle", "--bias"]),
    ("recipe", "beyond: wider, biases, shuffled, decaying rate, jittered copies",
     ["--hidden", "500", "--bias", "--shuffle", "--lr", "0.1", "--lr-decay", "0.8", "--epochs", "10",
      "--augment", "1"]),
]

ACCURACY = re.compile(r"^test accuracy ([0-9.]+)%", re.M)  # the test set, once, at the end


def run(command):
    """Run ``command``; returns ``(exit status, output, seconds, peak RSS in MB or None)``."""
    with tempfile.TemporaryFile("w+") as out:
        started = time.monotonic()
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, universal_newlines=True)
        peak = None
        if hasattr(os, "wait4"):
            _, status, usage = os.wait4(process.pid, 0)
            process.returncode = os.waitstatus_to_exitcode(status) if hasattr(os, "waitstatus_to_exitcode") \
                else (status >> 8)
            peak = usage.ru_maxrss / 1024.0  # kilobytes on Linux
        else:
            process.wait()
        seconds = time.monotonic() - started
        out.seek(0)
        return process.returncode, out.read(), seconds, peak


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default="bundled", metavar="DIR",
                        help="folder of the canonical MNIST files (default: the bundled subset, a quick check "
                             "that runs anywhere; the README's table is for full MNIST)")
    parser.add_argument("--seeds", default="1,2,3,4,5", help="comma-separated seeds (default 1,2,3,4,5)")
    parser.add_argument("--row", action="append", metavar="NAME", help="run only this row (repeatable)")
    parser.add_argument("--extra", default="", help="more arguments for every pynet train, e.g. '--backend pure'")
    parser.add_argument("--list", action="store_true", help="list the rows and their commands, run nothing")
    args = parser.parse_args(argv)
    seeds = [int(part) for part in args.seeds.split(",") if part.strip()]
    names = [name for name, _, _ in ROWS]
    for name in args.row or ():
        if name not in names:
            parser.error("no row %r; the rows are %s" % (name, ", ".join(names)))
    rows = [row for row in ROWS if not args.row or row[0] in args.row]
    if args.list:
        for name, claim, options in rows:
            print("%-22s %s\n%22s pynet train --data DIR %s --seed S" % (name, claim, "", " ".join(options)))
        return 0

    table = []
    for name, claim, options in rows:
        results = []
        for seed in seeds:
            command = [sys.executable, "-m", "pynet", "train", "--data", args.data] + options \
                + ["--seed", str(seed), "--quiet"] + args.extra.split()
            code, output, seconds, peak = run(command)
            epochs = ACCURACY.findall(output)
            if code != 0 or not epochs:
                sys.stdout.write(output)
                print("%s, seed %d: pynet train failed (exit status %d)" % (name, seed, code))
                return 1
            accuracy = float(epochs[-1])
            results.append((seed, accuracy, seconds, peak))
            print("%s  seed %d  %.2f%%  %.0f s  peak RSS %s" % (
                name, seed, accuracy, seconds, "%.0f MB" % peak if peak is not None else "?"))
            sys.stdout.flush()
        table.append((name, claim, options, results))

    print("\n| command (`pynet train --data DIR ... --seed S`) | accuracy per seed | mean | min | max | "
          "time per run |")
    print("|---|---|---|---|---|---|")
    for name, claim, options, results in table:
        accuracies = [accuracy for _, accuracy, _, _ in results]
        per_seed = ", ".join("%.2f (%d)" % (accuracy, seed) for seed, accuracy, _, _ in results)
        mean_time = sum(seconds for _, _, seconds, _ in results) / len(results)
        print("| %s: `%s` | %s | %.2f%% | %.2f%% | %.2f%% | %s |" % (
            claim, " ".join(options), per_seed, sum(accuracies) / len(accuracies), min(accuracies),
            max(accuracies), _clock(mean_time)))
    return 0


def _clock(seconds):
    seconds = int(seconds + 0.5)
    return "%d min %02d s" % divmod(seconds, 60) if seconds >= 60 else "%d s" % seconds


if __name__ == "__main__":
    sys.exit(main())
