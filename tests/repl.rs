//! The REPL with piped stdin (`printf '...' | kriti repl`): definitions,
//! bindings, redefinition, errors and panics keeping state, the commands,
//! multi-line input, tasks, and the time an input takes after 500
//! definitions. `tests/repl_pty.rs` drives it on a terminal.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Runs `kriti repl` with `input` on stdin; returns stdout, stderr and
/// the exit status.
fn repl(input: &str) -> (String, String, i32) {
    run_kriti(&["repl"], input)
}

fn run_kriti(args: &[&str], input: &str) -> (String, String, i32) {
    run_kriti_in(env!("CARGO_MANIFEST_DIR"), args, input)
}

/// Runs `kriti ARGS` in directory `dir` with `input` on stdin.
fn run_kriti_in(dir: &str, args: &[&str], input: &str) -> (String, String, i32) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kriti"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start kriti repl");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write stdin");
    let out = child.wait_with_output().expect("wait for kriti repl");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.code().unwrap_or(-1),
    )
}

#[test]
fn expressions_show_value_and_type() {
    let (out, err, status) = repl("1 + 2\n\"hi\"\n[1, 2]\n(1, \"a\", 2.5)\nprintln(\"x\")\n");
    assert_eq!(
        out,
        "3 : int\n\"hi\" : str\n[1, 2] : [int]\n(1, \"a\", 2.5) : (int, str, float)\nx\n"
    );
    assert_eq!(err, "");
    assert_eq!(status, 0);
}

#[test]
fn bare_kriti_starts_the_repl() {
    let (out, err, status) = run_kriti(&[], "let x = 20\nx * 2 + 2\n");
    assert_eq!((out.as_str(), err.as_str(), status), ("42 : int\n", "", 0));
}

/// An error is rendered by the compiler's one renderer, against the text
/// typed (no colours when stderr is not a terminal).
#[test]
fn errors_are_rendered_against_the_input() {
    let (_, err, _) = repl("1 + 1\nlet s: str = 5\n");
    let expected = "[E0301] Error: mismatched types
   ╭─[ <repl:2>:1:14 ]
   │
 1 │ let s: str = 5
   │              ┬  
   │              ╰── expected `str`, found `int`
";
    assert!(err.starts_with(expected), "{err}");
}

#[test]
fn definitions_and_bindings_persist() {
    let input = "fn sq(x: int) -> int { x * x }\n\
                 struct P { x: int, y: int }\n\
                 impl P { fn sum(self) -> int { self.x + self.y } }\n\
                 let p = P { x: 3, y: 4 }\n\
                 var n = sq(p.sum())\n\
                 n += 1\n\
                 n\n\
                 p\n\
                 const K = 10\n\
                 K * n\n\
                 let f = |a: int| a + n\n\
                 f(1)\n";
    let (out, err, status) = repl(input);
    assert_eq!(err, "");
    assert_eq!(out, "50 : int\nP { x: 3, y: 4 } : P\n500 : int\n51 : int\n");
    assert_eq!(status, 0);
}

#[test]
fn generics_are_instantiated_per_input_and_reused() {
    let input =
        "fn first<T>(xs: [T]) -> Option<T> { if xs.len() == 0 { None } else { Some(xs[0]) } }\n\
                 first([4, 5])\n\
                 struct Pair<A, B> { a: A, b: B }\n\
                 let p = Pair { a: 1, b: \"x\" }\n\
                 first([\"a\"])\n\
                 first([7])\n\
                 p\n\
                 fn bad<T>(x: T) -> int { x + 1 }\n\
                 bad(\"s\")\n\
                 bad(1)\n";
    let (out, err, _) = repl(input);
    assert_eq!(
        out,
        "Some(4) : Option<int>\nSome(\"a\") : Option<str>\nSome(7) : Option<int>\n\
         Pair { a: 1, b: \"x\" } : Pair<int, str>\n2 : int\n"
    );
    assert!(err.contains("in `bad<str>`, instantiated here"), "{err}");
}

#[test]
fn stdlib_methods_work_in_the_repl() {
    let input = "let o: Option<int> = Some(3)\n\
                 o.map(|x| x * 2)\n\
                 let n: Option<int> = None\n\
                 n.unwrap_or(7)\n\
                 let r: Result<int, str> = Err(\"bad\")\n\
                 r.ok()\n";
    let (out, err, _) = repl(input);
    assert_eq!(err, "");
    assert_eq!(out, "Some(6) : Option<int>\n7 : int\nNone : Option<int>\n");
}

#[test]
fn redefinition_replaces_for_later_lines() {
    let input = "fn f() -> int { 1 }\n\
                 fn g() -> int { f() }\n\
                 fn f() -> str { \"two\" }\n\
                 f()\n\
                 g()\n\
                 let x = 1\n\
                 let x = \"one\"\n\
                 x\n";
    let (out, err, _) = repl(input);
    assert_eq!(err, "");
    // `g` was compiled against the first `f` and keeps calling it.
    assert_eq!(out, "\"two\" : str\n1 : int\n\"one\" : str\n");
}

#[test]
fn compile_errors_keep_state() {
    let input = "var n = 5\nn = \"x\"\nn + nope\nfn h() -> int { true }\nn\nh()\n";
    let (out, err, status) = repl(input);
    assert_eq!(out, "5 : int\n");
    assert!(err.contains("[E0301] Error: mismatched types"), "{err}");
    assert!(err.contains("<repl:2>:1:5"), "{err}");
    assert!(err.contains("cannot find `nope`"), "{err}");
    // The failed definition of `h` defined nothing.
    assert!(err.contains("<repl:6>:1:1"), "{err}");
    assert_eq!(status, 0);
}

#[test]
fn panics_keep_state() {
    let input = "var xs = [1, 2]\nxs.push(3); xs[10]\nxs\nfn boom(i: int) -> int { [0][i] }\nboom(4)\nxs.len()\n";
    let (out, err, status) = repl(input);
    // The panicking input's change of `xs` is not kept.
    assert_eq!(out, "[1, 2] : [int]\n2 : int\n");
    assert!(
        err.contains("panic at <repl:2>:1:13: index out of bounds"),
        "{err}"
    );
    assert!(err.contains("at boom (<repl:4>:1:"), "{err}");
    assert_eq!(status, 0);
}

#[test]
fn type_command_does_not_run() {
    let input = "let xs = [1.5]\n:type xs[0] * 2.0\n:type println(\"ran\")\n:type nope\n:type\n";
    let (out, err, _) = repl(input);
    assert_eq!(out, "xs[0] * 2.0 : float\nprintln(\"ran\") : ()\n");
    assert!(err.contains("cannot find `nope`"), "{err}");
    assert!(err.contains("error: usage: :type EXPR"), "{err}");
}

#[test]
fn load_defines_items_without_running_main() {
    let input = ":load tests/repl/geometry.kr\nlet p = Point { x: 3.0, y: 4.0 }\np.norm()\norigin()\n:load tests/repl/missing.kr\np.x\n";
    let (out, err, _) = repl(input);
    assert_eq!(
        out,
        "5.0 : float\nPoint { x: 0.0, y: 0.0 } : Point\n3.0 : float\n"
    );
    assert!(
        err.starts_with("error: cannot read `tests/repl/missing.kr`"),
        "{err}"
    );
}

#[test]
fn import_loads_a_module() {
    let input = "import stats\n\
                 let s = stats.summarize([1.0, 2.0, 4.0]).unwrap()\n\
                 s.spread()\n\
                 import stats\n\
                 stats.summarize([5.0]).unwrap().count\n\
                 import nothere\n\
                 :load main.kr\n\
                 main()\n";
    let (out, err, _) = run_kriti_in(
        concat!(env!("CARGO_MANIFEST_DIR"), "/examples/modules"),
        &["repl"],
        input,
    );
    assert_eq!(
        out,
        "3.0 : float\n1 : int\n5 readings, mean 13.65, spread 7.75\n\
         Summary { count: 5, mean: 13.65, min: 9.5, max: 17.25 }\ntrue\n"
    );
    assert!(
        err.contains("[E0420] Error: cannot find module `nothere`"),
        "{err}"
    );
    assert!(err.contains("<repl:6>:1:8"), "{err}");
}

/// Closures in an input's items and statements are lifted to functions
/// numbered after the input's own (they must not collide across inputs).
#[test]
fn closures_in_items_and_statements() {
    let input = "fn f() -> [int] { [1, 2].map(|x| x * 10) }; f().map(|y| y + 1)\n\
                 fn g(k: int) -> fn(int) -> int { |x| x + k }\n\
                 let add5 = g(5)\n\
                 f().map(add5)\n\
                 [3].map(|z| add5(z))\n";
    let (out, err, _) = repl(input);
    assert_eq!(err, "");
    assert_eq!(out, "[11, 21] : [int]\n[15, 25] : [int]\n[8] : [int]\n");
}

#[test]
fn reset_forgets_everything() {
    let (out, err, _) = repl("let a = 1\nfn f() -> int { 2 }\n:reset\na\nf()\n1\n");
    assert_eq!(out, "1 : int\n");
    assert!(err.contains("cannot find `a`"), "{err}");
    assert!(err.contains("cannot find `f`"), "{err}");
}

#[test]
fn multi_line_input_continues() {
    let input = "fn add(a: int,\n       b: int) -> int {\n    a +\n    b\n}\nadd(1,\n2)\nlet s = [\n  1,\n  2\n]\ns\n";
    let (out, err, _) = repl(input);
    assert_eq!(err, "");
    assert_eq!(out, "3 : int\n[1, 2] : [int]\n");
}

#[test]
fn tasks_and_channels_within_an_input() {
    let input = "fn work(n: int) -> int { n * 2 }\n\
                 let t = spawn work(21); t.join()\n\
                 let c = chan<int>(3); for i in 0..3 { c.send(i) }; c.recv()\n\
                 t\n";
    let (out, err, _) = repl(input);
    assert_eq!(out, "42 : int\nSome(0) : Option<int>\n");
    // A binding holding a task is not kept: it ended with its input.
    assert!(err.contains("cannot find `t`"), "{err}");
}

#[test]
fn commands_and_exit() {
    let (out, err, status) = repl(":help\n:bogus\nexit(7)\n1\n");
    assert!(out.contains(":load FILE"), "{out}");
    assert!(err.contains("unknown command `:bogus`"), "{err}");
    assert_eq!(status, 7);
    let (out, _, status) = repl("1\n:quit\n2\n");
    assert_eq!(out, "1 : int\n");
    assert_eq!(status, 0);
}

#[test]
fn return_at_top_level_is_an_error() {
    let (_, err, _) = repl("return 1\n");
    assert!(
        err.contains("`return` or `?` at the top level of the REPL"),
        "{err}"
    );
}

/// The 500th definition compiles as fast as the first: each input
/// compiles only its own code (measured on the compiler's session).
#[test]
fn the_500th_definition_is_fast() {
    let mut s = kriti_compiler::session::Session::new().expect("session");
    let mut first = Duration::ZERO;
    let mut last = Duration::ZERO;
    for i in 0..500 {
        let src = format!("fn f{i}(x: int) -> int {{ x + {i} }}");
        let start = Instant::now();
        s.compile(&src)
            .map_err(|e| format!("{e:?}"))
            .expect("compiles");
        let took = start.elapsed();
        if i == 0 {
            first = took;
        }
        last = took;
    }
    let start = Instant::now();
    let c = s
        .compile("f499(1) + f0(2)")
        .map_err(|e| format!("{e:?}"))
        .expect("compiles");
    let expr = start.elapsed();
    assert!(c.entry.is_some());
    eprintln!("first definition {first:?}, 500th {last:?}, an expression after them {expr:?}");
    assert!(
        last < Duration::from_millis(50),
        "500th definition took {last:?}"
    );
    assert!(expr < Duration::from_millis(50), "expression took {expr:?}");
}

/// The same through the binary: 500 definitions and bindings piped in,
/// every one answered.
#[test]
fn five_hundred_inputs_through_the_binary() {
    let mut input = String::new();
    for i in 0..500 {
        input.push_str(&format!("fn g{i}() -> int {{ {i} }}\nlet v{i} = g{i}()\n"));
    }
    input.push_str("v499 + g0() + v1\n");
    let start = Instant::now();
    let (out, err, _) = repl(&input);
    eprintln!("1000 inputs took {:?}", start.elapsed());
    assert_eq!(err, "");
    assert_eq!(out, "500 : int\n");
}
