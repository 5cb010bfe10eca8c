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
                 let c = chan<int>(3); for i in 0..3 { c.send(i) }; c.recv()\n";
    let (out, err, _) = repl(input);
    assert_eq!(err, "");
    assert_eq!(out, "42 : int\nSome(0) : Option<int>\n");
}

/// A task spawned by one input keeps sending while later inputs receive,
/// in order.
#[test]
fn a_task_sends_to_later_inputs() {
    let input = "let c = chan<int>()\n\
                 spawn { for i in 0..4 { c.send(i * 10) } }\n\
                 c.recv()\nc.recv()\nc.recv()\nc.recv()\n";
    let (out, err, status) = repl(input);
    assert_eq!(err, "");
    assert_eq!(
        out,
        "<task> : task<()>\nSome(0) : Option<int>\nSome(10) : Option<int>\n\
         Some(20) : Option<int>\nSome(30) : Option<int>\n"
    );
    assert_eq!(status, 0);
}

/// A handle kept in a binding is joined by a later input; a task still
/// sleeping when the next input runs keeps running and sends later.
#[test]
fn a_task_handle_is_joined_later() {
    let input = "let t = spawn { 1 + 1 }\nt.join()\n\
                 let c = chan<str>(1)\n\
                 let s = spawn { sleep(200); c.send(\"late\"); 7 }\n\
                 1\nc.recv()\ns.join() * 6\n";
    let (out, err, _) = repl(input);
    assert_eq!(err, "");
    assert_eq!(
        out,
        "2 : int\n1 : int\nSome(\"late\") : Option<str>\n42 : int\n"
    );
}

/// What a task prints between inputs appears, and nothing buffered is
/// lost when the input ends right after.
#[test]
fn background_output_appears() {
    let input = "let done = chan<bool>()\n\
                 let t = spawn { for i in 0..3 { println(\"tick {i}\") }; done.send(true) }\n\
                 done.recv().unwrap()\n\
                 let p = spawn { println(\"last words\") }; p.join()\n";
    let (out, err, _) = repl(input);
    assert_eq!(err, "");
    assert_eq!(out, "tick 0\ntick 1\ntick 2\ntrue : bool\nlast words\n");
}

/// A background task's panic is reported when it happens; the session
/// and its bindings go on, and a later join delivers it again.
#[test]
fn a_background_panic_is_reported_and_the_session_goes_on() {
    // The task panics long before the join (no join is waiting then).
    let input = "let n = 5\n\
                 let t = spawn { sleep(20); panic(\"boom\") }\n\
                 sleep(500)\n\
                 n + 1\n\
                 t.join()\n\
                 n\n";
    let (out, err, status) = repl(input);
    assert_eq!(out, "6 : int\n5 : int\n");
    let report = "panic at <repl:2>:1:28: boom\n    at <repl>::{spawn} (<repl:2>:1:28)\n";
    assert_eq!(err, format!("{report}{report}"));
    assert_eq!(status, 0);
}

/// An input that waits for what no task can give reports the deadlock
/// (listing the background tasks too) and the session goes on: its tasks
/// are still there for later inputs.
#[test]
fn a_deadlocked_input_is_reported_and_the_session_goes_on() {
    let input = "let c = chan<int>()\n\
                 let t = spawn { c.recv().unwrap() * 2 }\n\
                 c.recv()\n\
                 c.send(21)\n\
                 t.join()\n";
    let (out, err, status) = repl(input);
    assert_eq!(
        err,
        "deadlock: all tasks are blocked\n  \
         main (in <repl>): waiting to receive at <repl:3>:1:1\n  \
         task 1 (in <repl>::{spawn}): waiting to receive at <repl:2>:1:17\n"
    );
    assert_eq!(out, "42 : int\n");
    assert_eq!(status, 0);
}

/// `:reset` abandons the tasks with the bindings; `exit` in a task ends
/// the session with its status; the end of input does not wait for
/// tasks still sleeping.
#[test]
fn reset_exit_and_end_of_input_with_tasks_alive() {
    let input = "let c = chan<int>()\nspawn { c.send(1) }\n:reset\nc\n2\n";
    let (out, err, _) = repl(input);
    assert_eq!(out, "<task> : task<()>\n2 : int\n");
    assert!(err.contains("cannot find `c`"), "{err}");

    let (out, _, status) = repl("spawn { sleep(50); exit(3) }\nsleep(1000)\n4\n");
    assert_eq!((out.as_str(), status), ("<task> : task<()>\n", 3));

    let start = Instant::now();
    let (out, err, status) = repl("spawn { sleep(60000) }\n5\n");
    assert_eq!(
        (out.as_str(), err.as_str(), status),
        ("<task> : task<()>\n5 : int\n", "", 0)
    );
    assert!(start.elapsed() < Duration::from_secs(20));
}

/// Ten thousand tasks spawned by one input are joined by another.
#[test]
fn ten_thousand_tasks_across_inputs() {
    let input = "var ts: [task<int>] = []\n\
                 for i in 0..10000 { ts.push(spawn { i * 2 }) }\n\
                 var s = 0\n\
                 for t in ts { s += t.join() }\n\
                 s\n";
    let (out, err, _) = repl(input);
    assert_eq!(err, "");
    assert_eq!(out, "99990000 : int\n");
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

/// The resident memory of a process, in KiB (Linux).
fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("read status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS")
}

/// Feeds `setup`, then `rounds` batches of `per_round` copies of `input`
/// to one REPL and returns its RSS after each batch (waiting for each
/// batch's last answer).
fn rss_after_batches(setup: &str, input: &str, rounds: usize, per_round: usize) -> Vec<u64> {
    use std::io::{BufRead, BufReader};
    let mut child = Command::new(env!("CARGO_BIN_EXE_kriti"))
        .arg("repl")
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start kriti repl");
    let mut stdin = child.stdin.take().expect("stdin");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let mut rss = Vec::new();
    stdin.write_all(setup.as_bytes()).expect("write stdin");
    for round in 0..rounds {
        let mut batch = input.repeat(per_round);
        batch.push_str(&format!("\"mark {round}\"\n"));
        stdin.write_all(batch.as_bytes()).expect("write stdin");
        stdin.flush().expect("flush stdin");
        let mark = format!("\"mark {round}\" : str");
        for line in lines.by_ref() {
            if line.expect("read stdout") == mark {
                break;
            }
        }
        rss.push(rss_kib(child.id()));
    }
    drop(stdin);
    child.wait().expect("wait for kriti repl");
    rss
}

/// 1,000 inputs that each spawn and join a task cost no more memory than
/// 1,000 inputs that call a function without tasks (both grow by the
/// little code each input compiles): the tasks, their stacks and the
/// inputs' run states are reused or freed.
#[test]
fn tasks_spawned_per_input_do_not_grow_memory() {
    let with_tasks = rss_after_batches(
        "fn job() -> int { let t = spawn { 6 * 7 }; t.join() }\n",
        "job()\n",
        3,
        1000,
    );
    let without = rss_after_batches("fn job() -> int { 6 * 7 }\n", "job()\n", 3, 1000);
    // The first batch warms up (pools, allocator caches); compare the
    // growth over the next two.
    let grew = |r: &[u64]| r[2].saturating_sub(r[0]);
    eprintln!(
        "RSS after each 1,000 inputs: with tasks {with_tasks:?} KiB, without {without:?} KiB"
    );
    assert!(
        grew(&with_tasks) <= grew(&without) + 4096,
        "with tasks {with_tasks:?} KiB, without {without:?} KiB"
    );
}

/// A task spawned before a function was defined calls it (sent on a
/// channel) and panics in it: the report finds the new code's location
/// and name (the program tables grew under the running task).
#[test]
fn a_panic_in_code_compiled_after_the_task_started() {
    let input = "let c = chan<fn() -> int>(1)\n\
                 let t = spawn { let f = c.recv().unwrap(); f() }\n\
                 fn boom() -> int { panic(\"new code\") }\n\
                 c.send(boom)\n\
                 t.join()\n";
    let (out, err, _) = repl(input);
    assert_eq!(out, "");
    let report = "panic at <repl:3>:1:20: new code\n    at boom (<repl:3>:1:20)\n";
    // Printed by the task too when it panicked before the join waited.
    assert!(err == report || err == format!("{report}{report}"), "{err}");
}
