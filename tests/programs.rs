//! The data-driven test harness: every `tests/programs/**.kr` and
//! `tests/diagnostics/**.kr` is run with `kriti run`, and its stdout, stderr
//! and exit status are compared with the files beside it:
//!
//! - `NAME.stdout` — expected standard output (absent: empty)
//! - `NAME.stderr` — expected standard error, e.g. rendered diagnostics
//!   (absent: empty)
//! - `NAME.status` — expected exit status (absent: 0)
//!
//! A first line `// args: a b c` passes arguments to the program. A file
//! `NAME.stdin` beside the program is fed to its standard input; without
//! one, stdin is empty (`/dev/null`: `read_line()` is `None` at once). In an
//! expected stderr, `{..}` matches any text within its line (for numbers
//! that depend on the machine, such as how many frames a stack overflow
//! left behind).
//!
//! A test may `import` other files beside it. A `.kr` file whose first line
//! starts with `// helper:` is such a module, not a test: the harness does
//! not run it on its own (it has no expectation files).
//!
//! Run with `KRITI_BLESS=1` to rewrite the expectations from the actual
//! output after a deliberate change (then review the diff).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "kr") && !is_helper(&path) {
            out.push(path);
        }
    }
}

/// True for a module that tests import, which is not a test itself.
fn is_helper(path: &Path) -> bool {
    std::fs::read_to_string(path).is_ok_and(|s| s.starts_with("// helper:"))
}

fn expected(path: &Path, ext: &str) -> Option<String> {
    std::fs::read_to_string(path.with_extension(ext)).ok()
}

/// Runs one program; returns a description of every mismatch.
fn run_case(path: &Path, bless: bool) -> Vec<String> {
    let rel = path
        .strip_prefix(env!("CARGO_MANIFEST_DIR"))
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/");
    let source = std::fs::read_to_string(path).unwrap_or_default();
    let args: Vec<&str> = source
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("// args:"))
        .map(|a| a.split_whitespace().collect())
        .unwrap_or_default();
    let stdin = std::fs::File::open(path.with_extension("stdin"))
        .map_or_else(|_| Stdio::null(), Stdio::from);
    let output = Command::new(env!("CARGO_BIN_EXE_kriti"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .env_remove("KRITI_SEED")
        .stdin(stdin)
        .arg("run")
        .arg(&rel)
        .args(&args)
        .output()
        .expect("the kriti binary runs");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let status = output
        .status
        .code()
        .map_or("signal".to_string(), |c| c.to_string());
    if bless {
        let write = |ext: &str, text: &str, default: &str| {
            let p = path.with_extension(ext);
            // Keep an expectation that still matches (it may hold `{..}`).
            if expected(path, ext).is_some_and(|want| matches_expected(text, &want)) {
                return;
            }
            if text == default {
                let _ = std::fs::remove_file(p);
            } else {
                std::fs::write(p, text).expect("write expectation");
            }
        };
        write("stdout", &stdout, "");
        write("stderr", &stderr, "");
        write("status", &format!("{status}\n"), "0\n");
        return Vec::new();
    }
    let mut failures = Vec::new();
    let want_status = expected(path, "status").map_or("0".to_string(), |s| s.trim().to_string());
    if status != want_status {
        failures.push(format!(
            "{rel}: exit status {status}, expected {want_status}\n--- stderr:\n{stderr}"
        ));
    }
    for (ext, actual) in [("stdout", &stdout), ("stderr", &stderr)] {
        let want = expected(path, ext).unwrap_or_default();
        if !matches_expected(actual, &want) {
            failures.push(format!(
                "{rel}: {ext} differs\n--- expected:\n{want}\n--- actual:\n{actual}"
            ));
        }
    }
    failures
}

/// Compares output with an expectation line by line; `{..}` in an expected
/// line matches any text.
fn matches_expected(actual: &str, want: &str) -> bool {
    if !want.contains("{..}") {
        return actual == want;
    }
    let (a, w): (Vec<&str>, Vec<&str>) = (actual.split('\n').collect(), want.split('\n').collect());
    a.len() == w.len() && a.iter().zip(&w).all(|(a, w)| line_matches(a, w))
}

fn line_matches(actual: &str, pattern: &str) -> bool {
    let mut parts = pattern.split("{..}");
    let first = parts.next().unwrap_or("");
    let Some(mut rest) = actual.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    for (i, part) in parts.iter().enumerate() {
        if i + 1 == parts.len() {
            return rest.ends_with(part);
        }
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.is_empty()
}

#[test]
fn programs() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut cases = Vec::new();
    collect(&root.join("tests/programs"), &mut cases);
    collect(&root.join("tests/diagnostics"), &mut cases);
    cases.sort();
    assert!(!cases.is_empty(), "no test programs found");
    let bless = std::env::var_os("KRITI_BLESS").is_some();
    let queue = Mutex::new(cases.clone());
    let failures = Mutex::new(Vec::new());
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| loop {
                let Some(case) = queue.lock().unwrap().pop() else {
                    break;
                };
                let f = run_case(&case, bless);
                failures.lock().unwrap().extend(f);
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    println!("{} programs, {} failures", cases.len(), failures.len());
    assert!(failures.is_empty(), "\n{}", failures.join("\n\n"));
}

/// Every example a newcomer runs first must compile and run cleanly. Most
/// print timings, so their output is not fixed; one with a `NAME.stdout`
/// beside it (the tour) must print exactly that.
#[test]
fn examples_run() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut examples = Vec::new();
    collect(&root.join("examples"), &mut examples);
    assert!(!examples.is_empty(), "no examples found");
    for example in examples {
        let output = Command::new(env!("CARGO_BIN_EXE_kriti"))
            .arg("run")
            .arg(&example)
            .output()
            .expect("the kriti binary runs");
        assert!(
            output.status.success() && output.stderr.is_empty(),
            "{} failed with {}:\n{}",
            example.display(),
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
        if let Ok(expected) = std::fs::read_to_string(example.with_extension("stdout")) {
            assert_eq!(
                String::from_utf8_lossy(&output.stdout),
                expected,
                "{} printed something else",
                example.display()
            );
        }
    }
}

/// `kriti check` follows imports as `kriti run` does: a program of several
/// files checks cleanly, and a broken one reports what `run` reports.
#[test]
fn check_follows_imports() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let check = |file: &str| {
        Command::new(env!("CARGO_BIN_EXE_kriti"))
            .current_dir(root)
            .env("NO_COLOR", "1")
            .args(["check", file])
            .output()
            .expect("the kriti binary runs")
    };
    let ok = check("tests/programs/modules/diamond.kr");
    assert!(
        ok.status.success() && ok.stdout.is_empty() && ok.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let bad = check("tests/diagnostics/modules/private_item.kr");
    assert_eq!(bad.status.code(), Some(1));
    let want = std::fs::read_to_string(root.join("tests/diagnostics/modules/private_item.stderr"))
        .expect("the golden file exists");
    assert_eq!(String::from_utf8_lossy(&bad.stderr), want);
}

/// `KRITI_SEED` makes `random()` and `random_int()` repeat from run to run;
/// without it, two runs differ.
#[test]
fn random_seed_reproducible() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = std::env::temp_dir().join(format!("kriti-seed-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("create a temp dir");
    let prog = dir.join("draws.kr");
    std::fs::write(
        &prog,
        "fn main() {\n    for i in 0..5 {\n        println(\"{random()} {random_int(0, 1000000)}\")\n    }\n}\n",
    )
    .expect("write the program");
    let run = |seed: Option<&str>| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_kriti"));
        cmd.current_dir(root)
            .arg("run")
            .arg(&prog)
            .env_remove("KRITI_SEED");
        if let Some(seed) = seed {
            cmd.env("KRITI_SEED", seed);
        }
        let out = cmd.output().expect("the kriti binary runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let a = run(Some("42"));
    assert_eq!(a.lines().count(), 5);
    assert_eq!(a, run(Some("42")));
    assert_ne!(a, run(Some("43")));
    assert_ne!(run(None), run(None));
    let _ = std::fs::remove_dir_all(&dir);
}
