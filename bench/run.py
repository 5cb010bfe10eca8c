#!/usr/bin/env python3
"""Runs Kriti's benchmarks side by side with their C and Go peers.

Usage: bench/run.py [BENCH ...] [--runs N]

For every benchmark directory under bench/ (or the ones named), it builds
the C peer with gcc -O2 (and, for fib, the "two real calls per node" variant
the peer table uses), the Go peer with `go build` when Go is installed, and
Kriti with `cargo build --release`. Each program runs once to warm up and
then N times (default 5), alternating between implementations so that
machine noise hits all of them alike. Every run's stdout is checked against
expected.txt. It prints the median wall time of each and the ratios of
Kriti to C and Go. It also measures the start-up of `kriti run
examples/hello.kr`.
"""
import os
import shutil
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, "bench")
OUT = os.path.join(BENCH, "out")
KRITI = os.path.join(ROOT, "target", "release", "kriti")


def sh(cmd, **kw):
    subprocess.run(cmd, check=True, **kw)


def build(name):
    """Returns {label: argv} for every implementation of one benchmark."""
    src = os.path.join(BENCH, name)
    os.makedirs(OUT, exist_ok=True)
    impls = {}
    c = os.path.join(src, f"{name}.c")
    if os.path.exists(c) and shutil.which("gcc"):
        exe = os.path.join(OUT, f"{name}-c")
        sh(["gcc", "-O2", "-o", exe, c, "-lm", "-pthread"])
        impls["C -O2"] = [exe]
        if name == "fib":
            exe2 = os.path.join(OUT, f"{name}-c-calls")
            sh(["gcc", "-O2", "-fno-optimize-sibling-calls", "-fno-inline",
                "-o", exe2, c])
            impls["C calls"] = [exe2]
    go = os.path.join(src, f"{name}.go")
    if os.path.exists(go) and shutil.which("go"):
        exe = os.path.join(OUT, f"{name}-go")
        env = dict(os.environ, GOCACHE=os.path.join(OUT, "gocache"), GO111MODULE="off")
        sh(["go", "build", "-o", exe, go], env=env)
        impls["Go"] = [exe]
    impls["Kriti"] = [KRITI, "run", os.path.join(src, f"{name}.kr")]
    return impls


def time_once(argv, expected):
    start = time.perf_counter()
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    if p.returncode != 0 or (expected is not None and p.stdout.decode() != expected):
        sys.exit(f"wrong output from {' '.join(argv)}:\n{p.stdout.decode()}{p.stderr.decode()}")
    return elapsed


def measure(impls, expected, runs):
    times = {label: [] for label in impls}
    for label, argv in impls.items():
        time_once(argv, expected)  # warm-up
    for _ in range(runs):
        for label, argv in impls.items():
            times[label].append(time_once(argv, expected))
    return {label: statistics.median(t) for label, t in times.items()}


def report(name, medians):
    print(f"\n{name}")
    k = medians.get("Kriti")
    for label, m in medians.items():
        ratio = f"  Kriti/{label} = {k / m:.2f}x" if label != "Kriti" else ""
        print(f"  {label:10} {m * 1000:9.1f} ms{ratio}")


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    runs = 5
    if "--runs" in sys.argv:
        runs = int(sys.argv[sys.argv.index("--runs") + 1])
        args = [a for a in args if a != str(runs)]
    sh(["cargo", "build", "--release", "--quiet"], cwd=ROOT)
    names = args or sorted(d for d in os.listdir(BENCH)
                           if os.path.isdir(os.path.join(BENCH, d)) and d != "out")
    print(f"median of {runs} runs (wall clock, whole process), {os.cpu_count()} cores")
    for name in names:
        expected_file = os.path.join(BENCH, name, "expected.txt")
        expected = open(expected_file).read() if os.path.exists(expected_file) else None
        report(name, measure(build(name), expected, runs))
    hello = os.path.join(ROOT, "examples", "hello.kr")
    startup = measure({"Kriti": [KRITI, "run", hello]}, "Hello, world!\n", max(runs, 20))
    print(f"\nstart-up: kriti run examples/hello.kr  {startup['Kriti'] * 1000:.1f} ms (median)")


if __name__ == "__main__":
    main()
