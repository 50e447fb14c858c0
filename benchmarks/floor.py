"""The machine's floor for one step: how long it takes only to stream W(1) through the core.

    python benchmarks/floor.py [--repeats 15] [--cc CC] [--flags "..."]

A training step reads every weight of W(1) and writes it back once (the fused update and
forward pass, _train.pxi), and a query reads it once; for 784-100-10 that is 627 KB, more
than the nearest caches hold, so the step cannot be faster than the memory system moves
those bytes, nor than the core does the step's arithmetic. This compiles a small C program
(with the compiler and the vector flags of pynet_fast's widest build this CPU runs) that
times, for each network of bench_speed.py,

- ``read once``: a sum over every weight of W(1) (the bytes a query must read);
- ``read and write once``: ``W[k] = W[k] + 1.0`` over W(1) (the bytes a step must move);
- ``fused pass``: train_many's fused update and forward pass over W(1) on one thread, as
  the SSE2 and AVX2 builds run it (four rows per trip along the columns, W(1) held in
  pieces of at most 56 columns; the AVX-512 build walks down the columns instead);
- ``its arithmetic alone``: the same trips, as many, over 16 rows that stay in the
  first-level cache: what the pass costs the core when no byte has to come from farther;
- ``fused pass, two threads``: W(1) split into two panels of columns as train_many splits
  it, one pass over each at once on two threads (spinning between passes, as
  train_many's threads do); each pass takes as long as the slower of the two;

and prints the median of the rounds in µs (and the fastest and slowest round) beside the
size of W(1). Compare them with ``bench_speed.py``'s ``query`` and ``train_many`` in the same
session: what the kernels take beyond these figures is the rest of the step and the call.

A second table gives the fused pass over one panel of 784 rows by its width: the cycles
of the time-stamp counter (x86; elsewhere ns) per 16 weights, the median of the rounds,
the widths taking turns. It is what PIECE_COLUMNS in pynet_fast/_train.pxi rests on.
"""

import argparse
import os
import platform
import shutil
import subprocess
import sys
import sysconfig
import tempfile

SHAPES = ((784, 100, 10), (784, 200, 10))
KINDS = ("read", "read+write", "fused", "fused-in-cache", "fused-two-threads")  # the program's lines, in order
WIDTHS = (24, 32, 40, 48, 56, 64, 80, 96, 104, 128, 160, 200)  # the second table's panels
PIECE_COLUMNS = 56  # as in pynet_fast/_train.pxi


def left_columns(n_out):
    """The columns of W(1) that train_many's calling thread takes (``left_columns`` in
    pynet_fast/_split.pxi): half or a little more, in whole cache lines of eight."""
    return ((n_out + 1) // 2 + 7) // 8 * 8


def pieces(width, kernels):
    """The widths of the pieces a panel of ``width`` columns is held in (``pieces_in`` and
    ``piece_width`` in pynet_fast/_train.pxi): one piece in the AVX-512 build."""
    count = 1 if kernels == "avx512" or width <= PIECE_COLUMNS else -(-width // PIECE_COLUMNS)
    base = width // count // 4 * 4
    wider = (width - base * count) // 4
    widths = [base + 4 if piece < wider else base for piece in range(count - 1)]
    return widths + [width - sum(widths)]

# The clock and the comparison for qsort of the C programs here (placement.py's too).
TIMING = r"""
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
#include <pthread.h>

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

/* train_many's fused pass as the SSE2 and AVX2 builds run it (update_then_add_4 in
   pynet_fast/_train.pxi): four rows of W (stride apart) per trip along the columns, each
   weight updated (U-W) and at once added into the next sample's sums (F1), in row order. */
static inline void trip_of_4(double* restrict o, double* restrict w0, double* restrict w1,
                             double* restrict w2, double* restrict w3, const double* c,
                             const double* a, const double* restrict d, long n) {
    double c0 = c[0], c1 = c[1], c2 = c[2], c3 = c[3], a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3];
    long j;
    for (j = 0; j < n; j++) {
        double dj = d[j];
        double p = w0[j] + c0 * dj, q = w1[j] + c1 * dj, u = w2[j] + c2 * dj, v = w3[j] + c3 * dj;
        w0[j] = p; w1[j] = q; w2[j] = u; w3[j] = v;
        o[j] = o[j] + a0 * p + a1 * q + a2 * u + a3 * v;
    }
}

__attribute__((noinline)) static void fused_pass(double* W, long rows, long cols, const double* y,
                                                 const double* d, const double* x, double* o) {
    double c[4];
    long i, r;
    for (i = 0; i + 4 <= rows; i += 4) {
        double* row = W + i * cols;
        for (r = 0; r < 4; r++)
            c[r] = 1e-3 * y[i + r];
        trip_of_4(o, row, row + cols, row + 2 * cols, row + 3 * cols, c, x + i, d, cols);
    }
}

/* One panel of W(1) (rows x cols, contiguous) and its vectors. */
typedef struct { double *W, *y, *d, *x, *o; long rows, cols; } Panel;

/* A panel held in pieces side by side, each a panel of its own (to_panel in _train.pxi). */
#define MOST_PIECES 16
typedef struct { Panel piece[MOST_PIECES]; long count; } Pieces;

static void make_panel(Panel* p, long rows, long cols) {
    long k;
    p->rows = rows;
    p->cols = cols;
    p->W = aligned_alloc(64, (rows * cols * sizeof(double) + 63) / 64 * 64);
    p->y = malloc(rows * sizeof(double));
    p->x = malloc(rows * sizeof(double));
    p->d = malloc(cols * sizeof(double));
    p->o = malloc(cols * sizeof(double));
    for (k = 0; k < rows * cols; k++)
        p->W[k] = 1e-3 * (k % 97);
    for (k = 0; k < rows; k++)
        p->y[k] = p->x[k] = 0.5;
    for (k = 0; k < cols; k++) {
        p->d[k] = 1e-6;
        p->o[k] = 0.0;
    }
}

/* "52,52": pieces of those widths, rows deep */
static void make_pieces(Pieces* p, long rows, const char* widths) {
    char* end;
    p->count = 0;
    while (*widths && p->count < MOST_PIECES) {
        make_panel(&p->piece[p->count++], rows, strtol(widths, &end, 10));
        widths = *end == ',' ? end + 1 : end;
    }
}

static void fused_pieces(Pieces* p) {
    long k;
    for (k = 0; k < p->count; k++)
        fused_pass(p->piece[k].W, p->piece[k].rows, p->piece[k].cols, p->piece[k].y, p->piece[k].d,
                   p->piece[k].x, p->piece[k].o);
}

/* The helper of the two-thread pass: it starts pass k when the calling thread has posted
   it (started), and posts that it is done (finished); both threads spin, as train_many's do. */
static Pieces right;
static long passes, started, finished;

static inline void spin(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

static void* helper(void* unused) {
    long k;
    (void)unused;
    for (k = 1; k <= passes; k++) {
        while (__atomic_load_n(&started, __ATOMIC_ACQUIRE) < k)
            spin();
        fused_pieces(&right);
        __atomic_store_n(&finished, k, __ATOMIC_RELEASE);
    }
    return NULL;
}

#define BLOCK_ROWS 16  /* a block of W(1)'s rows that stays in the first-level cache */

static void report(const char* name, double* times, long rounds) {
    qsort(times, rounds, sizeof(double), by_value);
    printf("%s %.3f %.3f %.3f\n", name, times[rounds / 2], times[0], times[rounds - 1]);
}

/* The cycles of the time-stamp counter (x86), else ns. */
static double ticks(void) {
#if defined(__x86_64__) || defined(__i386__)
    return (double)__builtin_ia32_rdtsc();
#else
    return now() * 1e9;
#endif
}

/* widths ROWS ROUNDS W...: the fused pass over a panel of each width, per 16 weights; the
   widths take turns, round by round, and each round times the second half of 20 passes */
static int by_width(int argc, char** argv) {
    long rows = atol(argv[2]), rounds = atol(argv[3]), count = argc - 4, w, r, k;
    Panel* panels = malloc(count * sizeof(Panel));
    double* times = malloc(count * rounds * sizeof(double));
    double t = 0.0;
    for (w = 0; w < count; w++)
        make_panel(&panels[w], rows, atol(argv[4 + w]));
    for (r = 0; r < rounds; r++)
        for (w = 0; w < count; w++) {
            for (k = 0; k < 20; k++) {
                if (k == 10)
                    t = ticks();
                fused_pass(panels[w].W, rows, panels[w].cols, panels[w].y, panels[w].d, panels[w].x, panels[w].o);
                __asm__ volatile("" ::: "memory");
            }
            times[w * rounds + r] = (ticks() - t) / 10 / (rows * panels[w].cols / 16.0);
        }
    for (w = 0; w < count; w++) {
        qsort(times + w * rounds, rounds, sizeof(double), by_value);
        printf("%ld %.2f\n", panels[w].cols, times[w * rounds + rounds / 2]);
    }
    return 0;
}

int main(int argc, char** argv) {
    long n_in, n_out, rounds, split, n, calls = 100, r, c, b;
    double* times;
    double sink = 0.0, t;
    Panel whole;
    Pieces all, block, left;
    pthread_t thread;
    if (strcmp(argv[1], "widths") == 0)
        return by_width(argc, argv);
    n_in = atol(argv[1]), n_out = atol(argv[2]), rounds = atol(argv[3]), split = atol(argv[4]);
    n = n_in * n_out;
    times = malloc(rounds * sizeof(double));
    make_panel(&whole, n_in, n_out);
    make_pieces(&all, n_in, argv[5]);
    for (r = 0; r < rounds; r++) {  /* read: the bytes a query must read */
        t = now();
        for (c = 0; c < calls; c++) {
            sink += read_all(whole.W, n);
            __asm__ volatile("" ::: "memory");  /* every call really runs */
        }
        times[r] = (now() - t) / calls * 1e6;
    }
    report("read", times, rounds);
    for (r = 0; r < rounds; r++) {  /* read+write: the bytes a training step must move */
        t = now();
        for (c = 0; c < calls; c++) {
            read_write_all(whole.W, n);
            __asm__ volatile("" ::: "memory");
        }
        times[r] = (now() - t) / calls * 1e6;
    }
    report("read+write", times, rounds);
    for (r = 0; r < rounds; r++) {  /* the fused pass over all of W(1), in pieces, one thread */
        t = now();
        for (c = 0; c < calls; c++) {
            fused_pieces(&all);
            __asm__ volatile("" ::: "memory");
        }
        times[r] = (now() - t) / calls * 1e6;
    }
    report("fused", times, rounds);
    /* its arithmetic alone: the same number of trips over BLOCK_ROWS rows again and again */
    make_pieces(&block, BLOCK_ROWS, argv[5]);
    for (r = 0; r < rounds; r++) {
        t = now();
        for (c = 0; c < calls; c++) {
            for (b = 0; b + BLOCK_ROWS <= n_in; b += BLOCK_ROWS)
                fused_pieces(&block);
            __asm__ volatile("" ::: "memory");
        }
        times[r] = (now() - t) / calls * 1e6 * n_in / (n_in / BLOCK_ROWS * BLOCK_ROWS);
    }
    report("fused-in-cache", times, rounds);
    /* two threads, each on a panel of its own: columns [0, split) here, the rest on the
       helper, as train_many splits W(1); a pass takes as long as the slower of the two
       (split 0: one CPU, not timed) */
    if (split == 0)
        return sink == 12345.0;
    make_pieces(&left, n_in, argv[6]);
    make_pieces(&right, n_in, argv[7]);
    passes = rounds * calls;
    pthread_create(&thread, NULL, helper, NULL);
    for (r = 0; r < rounds; r++) {
        double total = 0.0;
        for (c = 0; c < calls; c++) {
            long k = r * calls + c + 1;
            t = now();
            __atomic_store_n(&started, k, __ATOMIC_RELEASE);
            fused_pieces(&left);
            while (__atomic_load_n(&finished, __ATOMIC_ACQUIRE) < k)
                spin();
            total += now() - t;
        }
        times[r] = total / calls * 1e6;
    }
    pthread_join(thread, NULL);
    report("fused-two-threads", times, rounds);
    sink += whole.o[0] + block.piece[0].o[0] + all.piece[0].o[0] + left.piece[0].o[0] + right.piece[0].o[0];
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
    subprocess.run(cc.split() + ["-O3", "-ffp-contract=off"] + flags + [source, "-o", program, "-pthread"],
                   check=True)
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
        print("W(1) streamed, and the fused pass, compiled with %s (%s: %s); median of %d rounds, µs"
              % (args.cc, kernels, " ".join(flags) or "no vector flags", args.repeats))
        print()
        print("| network | W(1) | read once | read and write once | fused pass | its arithmetic alone "
              "| fused pass, two threads |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for shape in SHAPES:
            n_in, n_out = shape[0], shape[1]
            split = left_columns(n_out) if (os.cpu_count() or 1) > 1 else 0
            held = [",".join(map(str, pieces(width, kernels))) for width in (n_out, split or 1, n_out - split)]
            lines = subprocess.run([program, str(n_in), str(n_out), str(args.repeats), str(split)] + held,
                                   check=True, stdout=subprocess.PIPE, universal_newlines=True).stdout.split("\n")
            figures = {line.split()[0]: tuple(map(float, line.split()[1:])) for line in lines if line}
            print("| %s | %.0f KB | %s |" % (
                "-".join(map(str, shape)), n_in * n_out * 8 / 1024,
                " | ".join("%.2f (%.2f-%.2f)" % figures[kind] if kind in figures else "(one CPU)" for kind in KINDS)))
        print()
        print("The fused pass over one panel of %d rows, by its width: %s per 16 weights, median of %d rounds"
              % (SHAPES[0][0], "cycles" if platform.machine() in ("x86_64", "AMD64", "i386", "i686") else "ns",
                 args.repeats))
        print()
        lines = subprocess.run([program, "widths", str(SHAPES[0][0]), str(args.repeats)] + list(map(str, WIDTHS)),
                               check=True, stdout=subprocess.PIPE, universal_newlines=True).stdout.split()
        print("| columns | " + " | ".join(lines[0::2]) + " |")
        print("|---|" + "---:|" * len(WIDTHS))
        print("| per 16 weights | " + " | ".join(lines[1::2]) + " |")


if __name__ == "__main__":
    main()
