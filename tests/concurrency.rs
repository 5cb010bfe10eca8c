//! Properties of the task runtime that a program's output alone cannot
//! show, measured from outside the `kriti` process:
//!
//! - `printed_lines_never_tear`: 16 tasks print 200 lines each at once;
//!   every line comes out whole, exactly once.
//! - `parked_tasks_fit_in_a_gigabyte`: `tests/programs/tasks/
//!   stress_parked.kr` parks 100,000 tasks on a channel at once; its peak
//!   RSS must stay under 1 GiB.
//! - `finished_tasks_keep_only_their_handles`: `tests/programs/tasks/
//!   stress_spawn.kr` spawns 1,000,000 tasks and holds every handle until
//!   it joins them all; a finished task keeps only its 56-byte handle (its
//!   run state and stack go back to a pool), so the peak stays under
//!   160 MiB (a 280-byte task object made it 284 MiB).
//! - `idle_program_uses_no_cpu`: a program whose tasks all wait for 400 ms
//!   uses almost no CPU meanwhile (idle workers park, never spin).
//! - `preemption_works_on_one_worker`: with `KRITI_WORKERS=1`, spinning
//!   tasks still cannot starve `main`.
//! - `task_panics_at_random_points`: 50 of 100 tasks panic at scattered
//!   points; the others finish, every panic is reported once, and the exit
//!   status is 101.
#![cfg(target_os = "linux")]

mod common;

use common::{mib, run_kriti, run_kriti_status, run_kriti_with, test_file, Run};
use std::collections::HashSet;
use std::time::Duration;

#[test]
fn printed_lines_never_tear() {
    let run = run_kriti(
        &test_file("concurrency", "print_many.kr"),
        Duration::from_secs(60),
        "printing from 16 tasks hangs",
    );
    let mut seen = HashSet::new();
    for line in run.stdout.lines() {
        let rest = line
            .strip_prefix("task ")
            .and_then(|r| r.strip_suffix(" ........................................"))
            .unwrap_or_else(|| panic!("a torn line: {line:?}"));
        let (id, i) = rest
            .split_once(" line ")
            .unwrap_or_else(|| panic!("a torn line: {line:?}"));
        let key: (u32, u32) = (id.parse().unwrap(), i.parse().unwrap());
        assert!(seen.insert(key), "line printed twice: {line:?}");
    }
    assert_eq!(seen.len(), 16 * 200, "lines are missing");
}

#[test]
fn parked_tasks_fit_in_a_gigabyte() {
    const LIMIT_KIB: u64 = 1024 * 1024;
    let run = run_kriti(
        &test_file("programs/tasks", "stress_parked.kr"),
        Duration::from_secs(120),
        "100,000 parked tasks hang",
    );
    assert_eq!(run.stdout, "4999950000\n");
    assert_peak_below(&run, LIMIT_KIB, "100,000 parked tasks");
}

/// The run's peak RSS is under `limit_kib`.
fn assert_peak_below(run: &Run, limit_kib: u64, what: &str) {
    assert!(
        run.peak_rss_kib < limit_kib,
        "{what} peaked at {:.0} MiB (limit {:.0} MiB)",
        mib(run.peak_rss_kib),
        mib(limit_kib)
    );
}

#[test]
fn finished_tasks_keep_only_their_handles() {
    const LIMIT_KIB: u64 = 160 * 1024;
    // Two workers, as on the development machine: each worker pools up to
    // 256 stacks, whose touched pages count too.
    let run = run_kriti_with(
        &test_file("programs/tasks", "stress_spawn.kr"),
        &[("KRITI_WORKERS", "2")],
        Duration::from_secs(120),
        "a million spawns hang",
    );
    assert_eq!(run.stdout, "461500000\n");
    assert_peak_below(&run, LIMIT_KIB, "10^6 finished tasks with live handles");
}

#[test]
fn idle_program_uses_no_cpu() {
    let run = run_kriti(
        &test_file("concurrency", "idle.kr"),
        Duration::from_secs(30),
        "an idle program never wakes up",
    );
    assert_eq!(run.stdout, "done\n");
    assert!(run.wall >= Duration::from_millis(400));
    // Compiling and starting take a few milliseconds of CPU; a spinning
    // worker would burn the whole 400 ms.
    assert!(
        run.cpu < Duration::from_millis(150),
        "an idle program used {:?} of CPU in {:?}",
        run.cpu,
        run.wall
    );
}

#[test]
fn preemption_works_on_one_worker() {
    let run = run_kriti_with(
        &test_file("programs/tasks", "preemption.kr"),
        &[("KRITI_WORKERS", "1")],
        Duration::from_secs(60),
        "a spinning task starved main on one worker",
    );
    assert!(
        run.stdout.ends_with("main is running 4\ntrue\n"),
        "{}",
        run.stdout
    );
}

#[test]
fn task_panics_at_random_points() {
    let run = run_kriti_status(
        &test_file("concurrency", "panics.kr"),
        &[],
        Duration::from_secs(60),
        "panicking tasks hang the program",
    );
    assert_eq!(run.code, Some(101), "{}", run.stderr);
    assert_eq!(run.stdout, format!("{}\n", 50 * 499_500));
    let mut failed: Vec<u32> = run
        .stderr
        .lines()
        .filter_map(|l| l.split_once(": task ").map(|(_, rest)| rest))
        .map(|rest| rest.split(' ').next().unwrap().parse().unwrap())
        .collect();
    failed.sort_unstable();
    let odd: Vec<u32> = (0..100).filter(|id| id % 2 == 1).collect();
    assert_eq!(
        failed, odd,
        "each panic must be reported once:\n{}",
        run.stderr
    );
}
