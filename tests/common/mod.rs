//! Running `kriti` as a child process and measuring it from outside: its
//! output, exit status, peak RSS and CPU time (shared by the tests that
//! measure compiled programs).
#![allow(dead_code)]

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

pub const KRITI: &str = env!("CARGO_BIN_EXE_kriti");

/// The file `tests/DIR/NAME`.
pub fn test_file(dir: &str, name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join(dir)
        .join(name)
}

/// One finished child process.
pub struct Run {
    pub stdout: String,
    pub stderr: String,
    /// The exit status, or `None` if a signal ended it.
    pub code: Option<i32>,
    /// The child's own peak resident set, in KiB (`ru_maxrss`).
    pub peak_rss_kib: u64,
    pub wall: Duration,
    /// User plus system CPU time of the child.
    pub cpu: Duration,
}

/// This process's own high-water RSS in KiB (`VmHWM`): the floor under a
/// child's `ru_maxrss`. (Not `getrusage(RUSAGE_SELF)`, whose figure starts
/// at the high-water mark of whatever ran this test, such as cargo.)
pub fn own_peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Runs `kriti run FILE` with the extra environment variables `env`;
/// kills it and fails the test after `limit`, or if it does not exit with
/// status 0.
pub fn run_kriti_with(
    file: &Path,
    env: &[(&str, &str)],
    limit: Duration,
    what_a_timeout_means: &str,
) -> Run {
    let run = run_kriti_status(file, env, limit, what_a_timeout_means);
    assert_eq!(
        run.code,
        Some(0),
        "{} failed\nstdout:\n{}\nstderr:\n{}",
        file.display(),
        run.stdout,
        run.stderr
    );
    run
}

/// [`run_kriti_with`] for a program that may fail: only a timeout fails
/// the test.
// The child is reaped with `wait4` below, not `Child::wait`.
#[allow(clippy::zombie_processes)]
pub fn run_kriti_status(
    file: &Path,
    env: &[(&str, &str)],
    limit: Duration,
    what_a_timeout_means: &str,
) -> Run {
    let start = Instant::now();
    let mut child = Command::new(KRITI)
        .envs(env.iter().copied())
        .arg("run")
        .arg(file)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("cannot start kriti");
    let pid = child.id() as libc::pid_t;
    let read_all = |mut pipe: Box<dyn Read + Send>| {
        thread::spawn(move || {
            let mut bytes = Vec::new();
            pipe.read_to_end(&mut bytes)
                .expect("cannot read the child's output");
            String::from_utf8_lossy(&bytes).into_owned()
        })
    };
    let stdout = read_all(Box::new(child.stdout.take().unwrap()));
    let stderr = read_all(Box::new(child.stderr.take().unwrap()));

    // Reap the child ourselves (not with `Child::wait`) to get its rusage.
    // WNOHANG polling keeps the time limit free of races with pid reuse.
    let mut status: libc::c_int = 0;
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let mut timed_out = false;
    loop {
        // SAFETY: `pid` is our unreaped child; the pointers are valid.
        let r = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
        if r == pid {
            break;
        }
        assert!(r == 0, "wait4 failed: {}", std::io::Error::last_os_error());
        if !timed_out && start.elapsed() > limit {
            timed_out = true;
            // SAFETY: the child has not been reaped, so the pid is still ours.
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
        thread::sleep(Duration::from_millis(2));
    }
    let wall = start.elapsed();
    let run = Run {
        stdout: stdout.join().unwrap(),
        stderr: stderr.join().unwrap(),
        code: libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status)),
        peak_rss_kib: usage.ru_maxrss as u64,
        wall,
        cpu: timeval(usage.ru_utime) + timeval(usage.ru_stime),
    };
    assert!(
        !timed_out,
        "{} did not finish within {limit:?}: {what_a_timeout_means}\nstdout so far:\n{}",
        file.display(),
        run.stdout
    );
    run
}

/// [`run_kriti_with`] without extra environment variables.
pub fn run_kriti(file: &Path, limit: Duration, what_a_timeout_means: &str) -> Run {
    run_kriti_with(file, &[], limit, what_a_timeout_means)
}

fn timeval(t: libc::timeval) -> Duration {
    Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
}

pub fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}
