#!/usr/bin/env python3
"""Runs Kriti's benchmarks side by side with their C and Go peers.

Usage: bench/run.py [BENCH ...] [--runs N] [--passes P] [--no-build]

For every benchmark directory under bench/ (or the ones named), it builds
the C peer with gcc -O2 (and, for fib, the "two real calls per node" variant
the peer table uses), the Go peer with `go build` when Go is installed, and
Kriti with `cargo build --release`. Each program runs once to warm up and
then N times (default 5), alternating between implementations so that
machine noise hits all of them alike. Every run's stdout is checked against
expected.txt. It prints the median wall time and peak RSS of each and the
ratios of Kriti to C and Go. With --passes P (default 1) the whole
measurement is repeated P times and each implementation's lowest median
is kept, as in the peer table (contention on a shared machine only ever
adds time). It also measures the start-up of `kriti run
examples/hello.kr`.

Every run goes through bench/measure.c, a tiny fork/exec/wait4 wrapper that
times the child and reads its ru_maxrss, so the RSS floor is about 1 MiB
(as in the peer table) rather than this Python process's size.
`--no-build` skips `cargo build --release` and uses target/release/kriti as
it is (useful while the compiler is mid-change in a shared target dir);
the environment variable KRITI=PATH runs another kriti binary instead.
"""
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, "bench")
OUT = os.path.join(BENCH, "out")
KRITI = os.environ.get("KRITI") or os.path.join(ROOT, "target", "release", "kriti")
MEASURE = os.path.join(OUT, "measure")


def sh(cmd, **kw):
    subprocess.run(cmd, check=True, **kw)


# Benchmarks run twice more, on one worker thread and on two, to show the
# speedup of fanning out: the variable that sets the number of workers.
FAN_OUT = {"parallel-sum", "par-map"}


def build(name):
    """Returns {label: (argv, env)} for every implementation of one benchmark
    (env: extra environment variables)."""
    src = os.path.join(BENCH, name)
    os.makedirs(OUT, exist_ok=True)
    impls = {}
    c = os.path.join(src, f"{name}.c")
    if os.path.exists(c) and shutil.which("gcc"):
        exe = os.path.join(OUT, f"{name}-c")
        sh(["gcc", "-O2", "-o", exe, c, "-lm", "-pthread"])
        impls["C -O2"] = ([exe], {})
        if name == "fib":
            exe2 = os.path.join(OUT, f"{name}-c-calls")
            sh(["gcc", "-O2", "-fno-optimize-sibling-calls", "-fno-inline",
                "-o", exe2, c])
            impls["C calls"] = ([exe2], {})
    go = os.path.join(src, f"{name}.go")
    if os.path.exists(go) and shutil.which("go"):
        exe = os.path.join(OUT, f"{name}-go")
        env = dict(os.environ, GOCACHE=os.path.join(OUT, "gocache"), GO111MODULE="off")
        sh(["go", "build", "-o", exe, go], env=env)
        impls["Go"] = ([exe], {})
        if name in FAN_OUT:
            impls["Go P=1"] = ([exe], {"GOMAXPROCS": "1"})
    kriti = [KRITI, "run", os.path.join(src, f"{name}.kr")]
    impls["Kriti"] = (kriti, {})
    if name in FAN_OUT:
        impls["Kriti W=1"] = (kriti, {"KRITI_WORKERS": "1"})
    return impls


def build_measure():
    os.makedirs(OUT, exist_ok=True)
    sh(["gcc", "-O2", "-o", MEASURE, os.path.join(BENCH, "measure.c")])


def time_once(impl, expected):
    """Runs impl = (argv, env) once; returns (wall seconds, peak RSS in KiB)."""
    argv, env = impl
    with tempfile.NamedTemporaryFile("r", dir=OUT, suffix=".measure") as rec:
        p = subprocess.run([MEASURE, rec.name] + argv, env=dict(os.environ, **env),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        secs, rss, code = rec.read().split()
    if p.returncode != 0 or int(code) != 0 or (
            expected is not None and p.stdout.decode() != expected):
        sys.exit(f"wrong output from {' '.join(argv)}:\n{p.stdout.decode()}{p.stderr.decode()}")
    return float(secs), int(rss)


def measure(impls, expected, runs):
    """Returns {label: (median seconds, median peak RSS KiB)}."""
    times = {label: [] for label in impls}
    rss = {label: [] for label in impls}
    for label, impl in impls.items():
        time_once(impl, expected)  # warm-up
    for _ in range(runs):
        for label, impl in impls.items():
            t, r = time_once(impl, expected)
            times[label].append(t)
            rss[label].append(r)
    return {label: (statistics.median(times[label]), statistics.median(rss[label]))
            for label in impls}


def report(name, medians):
    print(f"\n{name}")
    k = medians.get("Kriti")[0]
    for label, (m, rss) in medians.items():
        ratio = f"  Kriti/{label} = {k / m:.2f}x" if not label.startswith("Kriti") else ""
        print(f"  {label:10} {m * 1000:9.1f} ms  {rss / 1024:6.1f} MiB{ratio}")
    for one, many in (("Kriti W=1", "Kriti"), ("Go P=1", "Go")):
        if one in medians and many in medians:
            print(f"  fan-out speedup {many}: {medians[one][0] / medians[many][0]:.2f}x")


def best_of_passes(impls, expected, runs, passes):
    """The lowest median time (and its RSS) of each implementation over passes."""
    best = {}
    for _ in range(passes):
        for label, (t, rss) in measure(impls, expected, runs).items():
            if label not in best or t < best[label][0]:
                best[label] = (t, rss)
    return best


def main():
    argv = sys.argv[1:]
    options = {}
    for opt in ("--runs", "--passes"):
        if opt in argv:
            i = argv.index(opt)
            options[opt] = int(argv[i + 1])
            del argv[i:i + 2]
    args = [a for a in argv if not a.startswith("--")]
    runs = options.get("--runs", 5)
    passes = options.get("--passes", 1)
    if "--no-build" not in sys.argv:
        sh(["cargo", "build", "--release", "--quiet"], cwd=ROOT)
    build_measure()
    names = args or sorted(d for d in os.listdir(BENCH)
                           if os.path.isdir(os.path.join(BENCH, d)) and d != "out")
    print(f"median of {runs} runs (wall clock, whole process), lowest of {passes} pass(es), "
          f"{os.cpu_count()} cores; kriti = {KRITI}")
    for name in names:
        expected_file = os.path.join(BENCH, name, "expected.txt")
        expected = open(expected_file).read() if os.path.exists(expected_file) else None
        report(name, best_of_passes(build(name), expected, runs, passes))
    hello = os.path.join(ROOT, "examples", "hello.kr")
    startup = best_of_passes({"Kriti": ([KRITI, "run", hello], {})}, "Hello, world!\n",
                             max(runs, 20), passes)
    secs, rss = startup["Kriti"]
    print(f"\nstart-up: kriti run examples/hello.kr  {secs * 1000:.1f} ms (median)  {rss / 1024:.1f} MiB")


if __name__ == "__main__":
    main()
