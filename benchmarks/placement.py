"""Where the host runs this machine's first two CPUs: two cores, or one core's two hyperthreads.

    python benchmarks/placement.py [--seconds 60] [--probe-ms 2] [--every 1] [--cc CC]

On a virtual machine the two CPUs that the guest sees are threads on the host, and the host
moves them: onto two cores that share a cache, onto the two hyperthreads of one core, or
onto cores on different chiplets. Which one holds decides what a second thread is worth to
``pynet_fast``: on two hyperthreads of one core the two threads share one core's cache
bandwidth, and the pass over W(1) on two threads takes about as long as on one.

This compiles a small C program with two threads, each kept to one of the two CPUs. Each
probe (a few milliseconds) measures two things:

- the round trip: the median time to hand one cache line back and forth;
- the slowdown: a pass over an array in one thread's cache while the other thread streams
  its own, over the same pass alone: about 1 on two cores, 1.5 to 2 on one core's two
  hyperthreads, which share its loads and its cache.

The slowdown tells one core from two; the round trip alone does not (on an AMD EPYC (Zen 4)
virtual machine, 53-57 ns between two cores that share a cache, 62 ns within one core).
Between two cores, a round trip of over FAR_APART_NS is taken for cores far apart (on
different chiplets: about 320 ns there). Other CPUs have other figures: read the numbers.

Run alone it probes for ``--seconds`` and prints a timeline and a count per placement;
``bench_speed.py`` imports ``Probe`` and probes before each call it times.
"""

import argparse
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from statistics import median_high as median  # (the middle value, or the higher of the two)

from floor import TIMING

PROGRAM = "#define _GNU_SOURCE\n#include <pthread.h>\n#include <sched.h>\n" + TIMING + r"""
#define WORDS (288 * 1024 / 8)   /* each thread's array: 288 KB, held in a core's cache */
#define LANES 32
#define PASSES 64

static _Alignas(64) volatile long line;      /* the cache line handed back and forth */
static _Alignas(64) volatile int go;         /* the second thread's orders */
static double* arrays[2];
static long trips;

static void keep_to(int cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (pthread_setaffinity_np(pthread_self(), sizeof set, &set) != 0) {
        fprintf(stderr, "cannot keep a thread to CPU %d\n", cpu);
        exit(2);
    }
}

/* One pass over an array: LANES independent sums, so that only the loads limit it. */
__attribute__((noinline)) static double read_all(const double* w) {
    double s[LANES] = {0}, total = 0.0;
    long k, j;
    for (k = 0; k < WORDS; k += LANES)
        for (j = 0; j < LANES; j++)
            s[j] += w[k + j];
    for (j = 0; j < LANES; j++)
        total += s[j];
    return total;
}

/* The median time of one pass over PASSES passes. */
static double pass_time(const double* w, volatile double* sink) {
    double t[PASSES];
    int p;
    for (p = 0; p < PASSES; p++) {
        double begin = now();
        *sink += read_all(w);
        t[p] = now() - begin;
    }
    qsort(t, PASSES, sizeof *t, by_value);
    return t[PASSES / 2];
}

static void* second_thread(void* cpu) {
    long k;
    volatile double sink = 0.0;
    keep_to((int)(long)cpu);
    for (k = 0; k < trips; k++) {         /* 1. answer the round trips */
        while (line != 2 * k + 1) { }
        line = 2 * k + 2;
    }
    while (!go) { }                       /* 2. read its own array while the first reads its own */
    while (go == 1) sink += read_all(arrays[1]);
    return NULL;
}

/* usage: placement FIRST_CPU SECOND_CPU BATCHES
   prints: the median ns per round trip of the line (over BATCHES batches of 100 trips),
   and a pass over the first thread's array with the second reading its own at the same
   time, over the same pass alone (about 1 on two cores, nearer 2 on one core's two
   hyperthreads, which share its loads and its cache). */
int main(int argc, char** argv) {
    int first, second, j;
    long batches, b, k;
    double *ns, alone, together;
    volatile double sink = 0.0;
    pthread_t other;
    if (argc != 4) return 2;
    first = atoi(argv[1]);
    second = atoi(argv[2]);
    batches = atol(argv[3]);
    if (batches < 1) return 2;
    trips = batches * 100;
    ns = malloc(batches * sizeof *ns);
    if (!ns) return 2;
    for (j = 0; j < 2; j++) {
        arrays[j] = aligned_alloc(64, WORDS * sizeof(double));
        if (!arrays[j]) return 2;
        for (k = 0; k < WORDS; k++) arrays[j][k] = (double)(k % 7);
    }
    keep_to(first);
    if (pthread_create(&other, NULL, second_thread, (void*)(long)second) != 0) return 2;
    for (b = 0; b < batches; b++) {
        double begin = now();
        for (k = b * 100; k < (b + 1) * 100; k++) {
            line = 2 * k + 1;
            while (line != 2 * k + 2) { }
        }
        ns[b] = (now() - begin) / 100 * 1e9;
    }
    qsort(ns, batches, sizeof *ns, by_value);
    alone = pass_time(arrays[0], &sink);
    go = 1;
    together = pass_time(arrays[0], &sink);
    go = 2;
    pthread_join(other, NULL);
    printf("%.1f %.3f\n", ns[batches / 2], together / alone);
    return 0;
}
"""

# A pass over a core's cache with the other CPU reading at the same time, over the same pass
# alone: about 1 on two cores, 1.5-2 on one core's two hyperthreads.
ONE_CORE_SLOWDOWN = 1.35
# A round trip this long (ns) is taken for cores on different chiplets: read off AMD EPYC
# (Zen 4) virtual machines, where it took 320-430 ns, against 50-100 ns within one cache.
FAR_APART_NS = 250.0
PLACEMENTS = ("one core's two hyperthreads", "two cores, one cache", "two cores, far apart")


def placement_of(measured):
    """The placement that a probe's ``(round trip ns, slowdown)`` suggests (None for None: no probe)."""
    if measured is None:
        return None
    ns, slowdown = measured
    if slowdown >= ONE_CORE_SLOWDOWN:
        return PLACEMENTS[0]
    return PLACEMENTS[2] if ns >= FAR_APART_NS else PLACEMENTS[1]


class Probe:
    """The compiled probe, or the reason there is none; ``probe()`` -> (ns, slowdown), or None."""

    def __init__(self, folder, cc=None, probe_ms=2.0):
        self.program, self.reason = None, None
        self.probe_ms = probe_ms
        cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
        cc = cc or os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc"
        if not sys.platform.startswith("linux"):
            self.reason = "the probe keeps threads to CPUs the Linux way"
        elif len(cpus) < 2:
            self.reason = "one CPU"
        elif shutil.which(cc.split()[0]) is None:
            self.reason = "no C compiler %r" % cc
        else:
            source = os.path.join(folder, "placement.c")
            program = os.path.join(folder, "placement")
            with open(source, "w") as f:
                f.write(PROGRAM)
            built = subprocess.run(cc.split() + ["-O3", "-pthread", source, "-o", program],
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)
            if built.returncode != 0:
                self.reason = "the probe did not compile: " + (built.stdout.strip().splitlines() or ["?"])[-1]
            else:
                self.program, self.cpus = program, cpus[:2]

    def probe(self):
        """``(median round trip in ns, slowdown)``, measured over a few milliseconds, or None."""
        if self.program is None:
            return None
        # the round trips take about probe_ms at 100 ns a trip (batches of 100 trips), the
        # two rounds of 64 passes about 1 ms more
        batches = max(5, int(self.probe_ms * 100))
        done = subprocess.run([self.program, str(self.cpus[0]), str(self.cpus[1]), str(batches)],
                              stdout=subprocess.PIPE, universal_newlines=True, timeout=60)
        if done.returncode != 0:
            return None
        ns, slowdown = done.stdout.split()
        return float(ns), float(slowdown)


def typical(probes):
    """``(median round trip, median slowdown)`` of some probes' results."""
    return median([ns for ns, _ in probes]), median([slowdown for _, slowdown in probes])


def summary(values):
    """One line: how many probes suggested each placement, with their median round trip and slowdown."""
    found = [v for v in values if v is not None]
    if not found:
        return "no probe ran"
    parts = []
    for name in PLACEMENTS:
        these = [v for v in found if placement_of(v) == name]
        if these:
            parts.append("%s: %d (%.0f ns, %.2fx)" % ((name, len(these)) + typical(these)))
    return "%s, of %d probes" % ("; ".join(parts), len(found))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="how long to probe")
    parser.add_argument("--probe-ms", type=float, default=2.0, help="how long one probe hands the line back and forth")
    parser.add_argument("--every", type=float, default=1.0, help="seconds between the timeline's lines")
    parser.add_argument("--cc", help="the C compiler (default: Python's, or cc)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        probe = Probe(folder, args.cc, args.probe_ms)
        if probe.program is None:
            sys.exit("placement.py: cannot probe: %s" % probe.reason)
        print("round trip of one cache line between CPUs %d and %d, probes of %g ms"
              % (probe.cpus[0], probe.cpus[1], args.probe_ms))
        print("seconds  round trip  slowdown  placement (medians of the probes in each line)")
        values, start, line = [], time.monotonic(), []
        next_line = start + args.every
        while time.monotonic() - start < args.seconds:
            values.append(probe.probe())
            if values[-1] is not None:
                line.append(values[-1])
            if time.monotonic() >= next_line and line:
                ns, slowdown = typical(line)
                print("%7.1f  %7.0f ns  %7.2fx  %s" % (time.monotonic() - start, ns, slowdown,
                                                        placement_of((ns, slowdown))))
                line, next_line = [], next_line + args.every
        print(summary(values))


if __name__ == "__main__":
    main()
