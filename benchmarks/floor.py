"""The machine's floor for one step: how long it takes only to stream W(1) through the core.

    python benchmarks/floor.py [--repeats 15] [--cc CC] [--flags "..."]

A training step reads every weight of W(1) and writes it back once (the fused update and
forward pass, _train.pxi), and a query reads it once; for 784-100-10 that is 627 KB, more
than the nearest caches hold, so the step cannot be faster than the memory system moves
those bytes. This compiles a small C program (with the compiler and the vector flags of
pynet_fast's widest build this CPU runs) that times, for each network of bench_speed.py,

- ``read``: a sum over every weight of W(1) (the bytes a query must read);
- ``read+write``: ``W[k] = W[k] + 1.0`` over W(1) (the bytes a training step must move);

and prints the median of the rounds in µs beside the size of W(1). Compare them with
``bench_speed.py``'s ``query`` and ``train_many`` in the same session: what the kernels take
beyond these figures is the arithmetic, the rest of the step and the call.
"""

import argparse
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile

SHAPES = ((784, 100, 10), (784, 200, 10))

# The clock and the comparison for qsort of the C programs here (placement.py's too).
TIMING = r"""
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static int by_value(const void* a, const void* b) {
    double x = *(const double*)a, y = *(const double*)b;
    return (x > y) - (x < y);
}
"""

PROGRAM = TIMING + r"""

/* LANES sums side by side, so that the loop vectorises into several independent
   chains of additions and only the loads limit it. */
#define LANES 32
__attribute__((noinline)) static double read_all(const double* restrict w, long n) {
    double s[LANES] = {0}, total = 0.0;
    long k, j;
    for (k = 0; k + LANES <= n; k += LANES)
        for (j = 0; j < LANES; j++)
            s[j] += w[k + j];
    for (j = 0; j < LANES; j++)
        total += s[j];
    return total;
}

__attribute__((noinline)) static void read_write_all(double* restrict w, long n) {
    long k;
    for (k = 0; k < n; k++)
        w[k] = w[k] + 1.0;
}

int main(int argc, char** argv) {
    long n = atol(argv[1]), rounds = atol(argv[2]), calls = 200, r, c, k;
    double* w = aligned_alloc(64, (n * sizeof(double) + 63) / 64 * 64);
    double* times = malloc(rounds * sizeof(double));
    double sink = 0.0, t;
    int kind;
    for (k = 0; k < n; k++)
        w[k] = 1e-3 * (k % 97);
    for (kind = 0; kind < 2; kind++) {
        for (r = 0; r < rounds; r++) {
            t = now();
            for (c = 0; c < calls; c++) {
                if (kind == 0)
                    sink += read_all(w, n);
                else
                    read_write_all(w, n);
                __asm__ volatile("" ::: "memory");  /* every call really runs */
            }
            times[r] = (now() - t) / calls * 1e6;
        }
        qsort(times, rounds, sizeof(double), by_value);
        printf("%s %.3f %.3f %.3f\n", kind == 0 ? "read" : "read+write", times[rounds / 2], times[0], times[rounds - 1]);
    }
    return sink == 12345.0;  /* keeps the sums */
}
"""


def widest_flags():
    """The vector flags of the widest pynet_fast build this CPU runs (setup.py's), or none."""
    try:
        import pynet_fast
        kernels = pynet_fast.KERNELS
    except ImportError:
        kernels = "portable"
    return {"avx512": ["-mavx512f", "-mno-fma", "-mprefer-vector-width=512"],
            "avx2": ["-mavx2", "-mno-fma"]}.get(kernels, []), kernels


def compile_program(folder, cc, flags):
    source, program = os.path.join(folder, "floor.c"), os.path.join(folder, "floor")
    with open(source, "w") as f:
        f.write(PROGRAM)
    subprocess.run(cc.split() + ["-O3", "-ffp-contract=off"] + flags + [source, "-o", program], check=True)
    return program


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15, help="rounds of timings (the median is kept)")
    parser.add_argument("--cc", default=os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc",
                        help="the C compiler (default: the one Python was built with)")
    parser.add_argument("--flags", help="vector flags instead of those of pynet_fast's widest build")
    args = parser.parse_args()
    flags, kernels = widest_flags()
    if args.flags is not None:
        flags, kernels = args.flags.split(), "--flags"
    if shutil.which(args.cc.split()[0]) is None:
        sys.exit("floor.py: no C compiler %r (give one with --cc)" % args.cc)
    with tempfile.TemporaryDirectory() as folder:
        program = compile_program(folder, args.cc, flags)
        print("streaming W(1) alone, compiled with %s (%s: %s); median of %d rounds, µs"
              % (args.cc, kernels, " ".join(flags) or "no vector flags", args.repeats))
        print()
        print("| network | W(1) | read once | read and write once |")
        print("|---|---:|---:|---:|")
        for shape in SHAPES:
            weights = shape[0] * shape[1]
            lines = subprocess.run([program, str(weights), str(args.repeats)], check=True,
                                   stdout=subprocess.PIPE, universal_newlines=True).stdout.split("\n")
            figures = {line.split()[0]: line.split()[1:] for line in lines if line}
            print("| %s | %.0f KB | %s | %s |" % ("-".join(map(str, shape)), weights * 8 / 1024,
                                                 "%.2f (%.2f-%.2f)" % tuple(map(float, figures["read"])),
                                                 "%.2f (%.2f-%.2f)" % tuple(map(float, figures["read+write"]))))


if __name__ == "__main__":
    main()
