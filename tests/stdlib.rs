//! The stdlib (`stdlib/*.kr`) is what runs, and it costs what the hand
//! lowering it replaced cost: `--emit ir` of a small program shows the
//! stdlib's instances inlined into `main` and no closure left to make.

use std::process::Command;

fn emit_ir(src: &str) -> String {
    let dir = std::env::temp_dir().join(format!("kriti-stdlib-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temp dir");
    // One file per call: the tests run in parallel.
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let path = dir.join(format!("map{n}.kr"));
    std::fs::write(&path, src).expect("the program is written");
    let out = Command::new(env!("CARGO_BIN_EXE_kriti"))
        .args(["run", "--emit", "ir"])
        .arg(&path)
        .output()
        .expect("the kriti binary runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The text of function `name` in `--emit ir` output.
fn function<'a>(ir: &'a str, name: &str) -> &'a str {
    let head = format!("fn {name}(");
    let start = ir.find(&head).expect("the function is shown");
    let rest = &ir[start..];
    let end = rest[1..].find("\nfn ").map_or(rest.len(), |i| i + 1);
    &rest[..end]
}

/// `main` (its `--emit ir` text) holds the bodies of `names` inlined, and
/// no call of a function value nor a closure made: they were inlined too.
fn assert_all_inlined(main: &str, names: &[&str]) {
    for n in names {
        assert!(main.contains(&format!("inlined {n}")), "{main}");
    }
    assert!(!main.contains("call_value"), "{main}");
    assert!(!main.contains("closure main::{closure}("), "{main}");
}

#[test]
fn option_map_is_inlined_with_its_closure() {
    let ir = emit_ir(
        "fn main() {\n\
         let k = 10\n\
         let o: Option<int> = Some(4)\n\
         println(o.map(|x| x * k).unwrap_or(0))\n\
         }\n",
    );
    let main = function(&ir, "main");
    assert_all_inlined(
        main,
        &[
            "Option<int>::map<int>",
            "Option<int>::unwrap_or",
            "main::{closure}",
        ],
    );
    // The instances themselves come from the stdlib.
    assert!(ir.contains("fn Option<int>::map<int>("), "{ir}");
}

#[test]
fn array_map_is_one_loop_with_its_closure_inlined() {
    let ir = emit_ir(
        "fn main() {\n\
         let k = 2\n\
         let xs = [1, 2, 3]\n\
         println(xs.map(|x| x * k).fold(0, |a, x| a + x))\n\
         }\n",
    );
    let main = function(&ir, "main");
    assert_all_inlined(main, &["[int]::map<int>", "[int]::fold<int>"]);
    // The result is allocated once, at its final size.
    assert!(main.contains(".@reserve(@len("), "{main}");
    assert_eq!(main.matches("for ").count(), 2, "{main}");
}
