//! The compiler never panics and never hangs, on any input: every test
//! program is fed to the front end and code generator truncated at many
//! points and with bytes mutated, inserted and deleted, and each result
//! must be a program or diagnostics. Programs are compiled as files of
//! their own directory, so their `import`s load the modules beside them.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "kr") {
            out.push(path);
        }
    }
}

/// A small deterministic generator (xorshift), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Bytes that make interesting mutations: brackets, quotes, operators.
const SPICE: &[u8] = b"{}()[]\"\\;,.:=+-*/%<>!&|^?_0x9e\n\t \xff\xc3";

fn mutate(src: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut out = src.to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(out.len() + 1);
        match rng.below(4) {
            0 if at < out.len() => out[at] = SPICE[rng.below(SPICE.len())],
            1 => out.insert(at, SPICE[rng.below(SPICE.len())]),
            2 if at < out.len() => {
                out.remove(at);
            }
            _ => {
                // Duplicate a slice, which builds unbalanced nesting.
                let end = (at + rng.below(40)).min(out.len());
                let piece = out[at..end].to_vec();
                out.splice(at..at, piece);
            }
        }
    }
    out
}

/// Compiles `bytes` the way `kriti run` does, without running it, as a
/// file in `dir` (whose files it may import, unmutated).
fn compile(bytes: &[u8], dir: &Path) {
    let path = dir.join("fuzz.kr");
    let mut read = |p: &str| std::fs::read(p).map_err(|e| e.to_string());
    let fe = kriti_compiler::frontend_with_loader(&path.to_string_lossy(), bytes, &mut read);
    match &fe.program {
        Some(p) => {
            let _ = kriti_compiler::codegen::compile_jit(p, &fe.sources);
        }
        None => {
            assert!(!fe.diagnostics.is_empty(), "no program and no diagnostics");
            let _ = kriti_compiler::diagnostics::render(&fe.diagnostics, &fe.sources, false);
        }
    }
}

fn check_input(bytes: &[u8], dir: &Path, what: &str, failures: &mut Vec<String>) {
    let start = Instant::now();
    if catch_unwind(AssertUnwindSafe(|| compile(bytes, dir))).is_err() {
        failures.push(format!(
            "panic on {what}:\n{}",
            String::from_utf8_lossy(bytes)
        ));
    }
    if start.elapsed() > Duration::from_secs(5) {
        failures.push(format!("took {:?} on {what}", start.elapsed()));
    }
}

#[test]
fn compiler_survives_truncated_and_mutated_programs() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    collect(&root.join("tests/programs"), &mut files);
    collect(&root.join("tests/diagnostics"), &mut files);
    collect(&root.join("examples"), &mut files);
    files.sort();
    std::panic::set_hook(Box::new(|_| {}));
    let mut failures = Vec::new();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for file in &files {
        let src = std::fs::read(file).unwrap_or_default();
        let name = file.display();
        let dir = file.parent().unwrap_or(root);
        let step = (src.len() / 40).max(1);
        for cut in (0..src.len()).step_by(step) {
            check_input(
                &src[..cut],
                dir,
                &format!("{name} cut at {cut}"),
                &mut failures,
            );
        }
        for i in 0..60 {
            let m = mutate(&src, &mut rng);
            check_input(&m, dir, &format!("{name} mutation {i}"), &mut failures);
        }
    }
    let deep = format!(
        "fn main() {{ let x = {}1{} }}",
        "(".repeat(20_000),
        ")".repeat(20_000)
    );
    check_input(
        deep.as_bytes(),
        root,
        "20,000 nested parentheses",
        &mut failures,
    );
    let blocks = format!("fn main() {}{}", "{".repeat(20_000), "}".repeat(20_000));
    check_input(
        blocks.as_bytes(),
        root,
        "20,000 nested blocks",
        &mut failures,
    );
    let long = format!("fn main() {{ let x = 1{} }}", " + 1".repeat(50_000));
    check_input(long.as_bytes(), root, "a 50,000-term sum", &mut failures);
    let _ = std::panic::take_hook();
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
