//! Memory behaviour of compiled programs, measured from outside.
//!
//! - `churn_runs_in_bounded_memory`: `tests/memory/churn.kr` builds and
//!   drops ten million strings, arrays, tuples and struct values; its peak
//!   RSS must stay under 50 MiB (it is about 8 MiB; without releases it
//!   would need well over 1 GiB).
//! - `task_values_are_freed`: `tests/memory/task_values.kr` passes 8 KB
//!   arrays to 60,000 tasks and 20,000 channel sends (as arguments, captures,
//!   results and messages); its peak RSS must stay under 50 MiB.
//! - `dropped_trees_are_freed`: `tests/memory/trees.kr` builds, checks and
//!   drops 200 binary trees of depth 16 (enum nodes, about 26 million
//!   allocations) next to a long-lived one; its peak RSS must stay under
//!   48 MiB (it is about 32 MiB: three trees of 8 MiB are alive at most;
//!   without releases it would need about 1.6 GiB).
//! - `block_temporaries_are_freed_when_their_block_ends`:
//!   `tests/memory/scoped.kr` checks six trees of depth 18 one after
//!   another in straight-line code; its peak RSS must stay under 80 MiB (it
//!   is about 33 MiB: one tree of 24 MiB at a time; holding each until
//!   `main` returns would need 144 MiB).
//! - `unique_array_updates_are_linear`: `tests/memory/unique_update.kr`
//!   writes every element of a uniquely owned array (through a `var`, a
//!   struct field and a `var self` method) several times over, and appends
//!   N times to a `var` string. Run at N and
//!   at 4·N, the loop time must grow about 4×, not 16× as it would if a write
//!   copied the array. (At N = 10⁶ a copy per write would move terabytes, so
//!   a per-run time limit catches that case long before the ratio does.)
//!
//! Each program runs as a child of this test (`kriti run FILE`), reaped with
//! `wait4` so that its own `ru_maxrss` is read. Linux starts a child's
//! `ru_maxrss` at the spawning process's high-water RSS, so the figure is an
//! upper bound; this test process stays small (a few MiB), and the messages
//! print its high-water mark for comparison.
#![cfg(target_os = "linux")]

mod common;

use common::{mib, own_peak_rss_kib, run_kriti, test_file, Run};
use std::path::{Path, PathBuf};
use std::time::Duration;

fn program(name: &str) -> PathBuf {
    test_file("memory", name)
}

/// Prints `name`'s peak RSS and fails if it reached `limit_kib`, saying
/// what that would mean (`failure`).
fn check_peak(run: &Run, name: &str, limit_kib: u64, failure: &str) {
    eprintln!(
        "{name}: peak RSS {:.1} MiB (this test process: {:.1} MiB), wall {:.2} s",
        mib(run.peak_rss_kib),
        mib(own_peak_rss_kib()),
        run.wall.as_secs_f64()
    );
    assert!(
        run.peak_rss_kib < limit_kib,
        "{name} peaked at {:.1} MiB of RSS, over the {} MiB limit: {failure}",
        mib(run.peak_rss_kib),
        limit_kib / 1024
    );
}

#[test]
fn churn_runs_in_bounded_memory() {
    const LIMIT_KIB: u64 = 50 * 1024;
    let file = program("churn.kr");
    let run = run_kriti(
        &file,
        Duration::from_secs(120),
        "building and dropping 10^7 values takes about 3 s in a release build",
    );
    let expected = "287777774\n\
        Item { name: \"item-9999999\", values: [9999999, 10000000, 10000001], \
        pair: (\"item-9999999!\", 2), id: 9999999 }\n";
    assert_eq!(run.stdout, expected, "churn.kr printed the wrong result");
    check_peak(
        &run,
        "churn.kr",
        LIMIT_KIB,
        "values that are dropped are not being freed",
    );
}

#[test]
fn task_values_are_freed() {
    const LIMIT_KIB: u64 = 50 * 1024;
    let run = run_kriti(
        &program("task_values.kr"),
        Duration::from_secs(120),
        "20,000 tasks with array arguments take well under a second",
    );
    assert_eq!(run.stdout, "120080000\n");
    check_peak(
        &run,
        "task_values.kr",
        LIMIT_KIB,
        "task arguments, captures, results or channel values are not being freed",
    );
}

#[test]
fn dropped_trees_are_freed() {
    const LIMIT_KIB: u64 = 48 * 1024;
    let file = program("trees.kr");
    let run = run_kriti(
        &file,
        Duration::from_secs(120),
        "building and dropping 200 trees of depth 16 takes about 4 s in a release build",
    );
    let expected = "200\t trees of depth 16\t check: 26214200\n\
        last tree\t check: 131071\n\
        long lived tree of depth 16\t check: 131071\n";
    assert_eq!(run.stdout, expected, "trees.kr printed the wrong result");
    check_peak(
        &run,
        "trees.kr",
        LIMIT_KIB,
        "dropped enum trees are not being freed",
    );
}

#[test]
fn block_temporaries_are_freed_when_their_block_ends() {
    const LIMIT_KIB: u64 = 80 * 1024;
    let file = program("scoped.kr");
    let run = run_kriti(
        &file,
        Duration::from_secs(60),
        "checking six trees of depth 18 takes well under a second in a release build",
    );
    assert_eq!(
        run.stdout,
        "524287\n".repeat(6),
        "scoped.kr printed the wrong result"
    );
    check_peak(
        &run,
        "scoped.kr",
        LIMIT_KIB,
        "a block's temporaries live until the function returns",
    );
}

/// The time `unique_update.kr` reports for its loops ("loop seconds: X").
fn loop_seconds(run: &Run) -> f64 {
    run.stderr
        .lines()
        .find_map(|l| l.strip_prefix("loop seconds: "))
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or_else(|| panic!("no loop time in stderr:\n{}", run.stderr))
}

#[test]
fn unique_array_updates_are_linear() {
    const N: i64 = 1_000_000;
    const PASSES: i64 = 4;
    const RATIO_LIMIT: f64 = 8.0; // linear is 4; a copy per write is >= 16
    let source = std::fs::read_to_string(program("unique_update.kr")).unwrap();
    let n_line = "const N: int = 1_000_000";
    let p_line = "const PASSES: int = 4";
    assert!(
        source.contains(n_line) && source.contains(p_line),
        "unique_update.kr must declare `{n_line}` and `{p_line}`"
    );
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("memory-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let small = program("unique_update.kr");
    let large = dir.join("unique_update_4n.kr");
    std::fs::write(&large, source.replace(n_line, "const N: int = 4_000_000")).unwrap();

    let expect = |n: i64| {
        let sum = PASSES * n * (n - 1) / 2;
        format!("{sum}\n{}\n{}\n{}\n", 2 * sum, PASSES * n, 3 * n / 2)
    };
    let copies = "the array or the string is probably copied on every write (O(n^2))";
    let mut times = [Vec::new(), Vec::new()];
    let mut peak_large = 0;
    let mut ratio = f64::INFINITY;
    // Alternate the sizes so that machine noise hits both alike, and use
    // the fastest run of each (noise only ever adds time). A noisy first
    // round gets more samples before the test fails.
    for round in 0..8 {
        for (k, (file, n)) in [(&small, N), (&large, 4 * N)].into_iter().enumerate() {
            let run = run_kriti(file, Duration::from_secs(60), copies);
            assert_eq!(
                run.stdout,
                expect(n),
                "{} printed a wrong checksum",
                file.display()
            );
            times[k].push(loop_seconds(&run));
            if k == 1 {
                peak_large = peak_large.max(run.peak_rss_kib);
            }
        }
        let best = |t: &Vec<f64>| t.iter().cloned().fold(f64::INFINITY, f64::min);
        ratio = best(&times[1]) / best(&times[0]);
        if round >= 2 && ratio < RATIO_LIMIT {
            break;
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    eprintln!(
        "unique_update.kr: loop times at N = {N}: {:?} s, at 4N: {:?} s; ratio {ratio:.2}; \
         peak RSS at 4N {:.1} MiB",
        times[0],
        times[1],
        mib(peak_large)
    );
    assert!(
        ratio < RATIO_LIMIT,
        "4x the elements took {ratio:.1}x the time (linear is 4x): {copies}"
    );
    // Two arrays of 4N ints (32 MiB each) plus the runtime: a leaked copy
    // of either array would add another 32 MiB.
    let arrays_kib = (2 * 4 * N * 8 / 1024) as u64;
    assert!(
        peak_large < arrays_kib + 30 * 1024,
        "unique_update at 4N peaked at {:.1} MiB for {:.1} MiB of arrays",
        mib(peak_large),
        mib(arrays_kib)
    );
}
