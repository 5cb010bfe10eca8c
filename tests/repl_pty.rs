//! The REPL on a pseudo-terminal (`tests/pty`): the prompt, multi-line
//! input with the continuation prompt, tab completion (names, fields,
//! methods, commands), history recall with the up arrow (in a session and
//! from the history file in the next one), Ctrl-C clearing a line and
//! interrupting `loop {}`, Ctrl-D leaving with status 0, and keys typed
//! ahead of the prompt. Colours are off (`NO_COLOR`).
//!
//! A key that the terminal's line discipline treats specially outside
//! rustyline's raw mode (Ctrl-C, Ctrl-D) is only sent once the prompt it
//! is meant for is on the screen: rustyline draws the prompt after it has
//! switched the terminal to raw mode.
#![cfg(unix)]

mod pty;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use pty::{find, Pty};

/// The longest any one step may take (the REPL answers in milliseconds,
/// tens of them on a loaded 2-core machine).
const STEP: Duration = Duration::from_secs(5);

const UP: &str = "\x1b[A";
const CTRL_C: &str = "\x03";
const CTRL_D: &str = "\x04";

/// The REPL on a new pty with `home` as its home directory, at its first
/// prompt.
fn start(home: &Path) -> Pty {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kriti"));
    cmd.env("NO_COLOR", "1")
        .env("HOME", home)
        .env("TERM", "xterm")
        .env_remove("KRITI_HISTORY");
    let mut p = Pty::spawn(cmd, STEP);
    p.expect("`:help` for help, Ctrl-D to leave.", "the banner");
    prompt(&mut p, ">> ");
    p
}

/// Waits for the next line to be a new prompt `prompt` (a prompt on the
/// current line is not new: rustyline redraws the line, prompt included,
/// after every key). Other output before it makes the wait time out.
fn prompt(p: &mut Pty, prompt: &str) {
    p.wait_for(&format!("a new prompt {prompt:?}"), |out| {
        let line = find(out, b"\n")? + 1;
        let rest = &out[line..];
        let at = find(rest, prompt.as_bytes())?;
        (!rest[..at].contains(&b'\n')).then_some(line + at + prompt.len())
    });
}

/// Types `line` and Enter, and waits until the REPL has taken it
/// (rustyline ends the line once it has left raw mode). The line's end
/// is left unconsumed: what follows it is on a new line.
fn enter(p: &mut Pty, line: &str) {
    p.send(&format!("{line}\r"));
    p.wait_for(&format!("{line:?} taken"), |out| find(out, b"\n"));
}

/// Enters `line`, waits for `answer` and then the next prompt.
fn answer(p: &mut Pty, line: &str, answer: &str) {
    enter(p, line);
    p.expect(answer, &format!("{answer:?} for {line:?}"));
    prompt(p, ">> ");
}

/// Enters `line`, which shows nothing, and waits for the next prompt.
fn define(p: &mut Pty, line: &str) {
    enter(p, line);
    prompt(p, ">> ");
}

/// Types `keys` (ending in a Tab) and waits for the line to show
/// `completed`.
fn complete(p: &mut Pty, keys: &str, completed: &str) {
    p.send(keys);
    p.expect(completed, &format!("{keys:?} completed to {completed:?}"));
}

/// Ctrl-D at the prompt: the REPL leaves with status 0.
fn leave_with_ctrl_d(mut p: Pty) {
    p.send(CTRL_D);
    let status = p.wait_exit("exit on Ctrl-D");
    assert_eq!(status.code(), Some(0), "Ctrl-D: {status}");
}

/// A fresh directory to be the REPL's home (its history file), removed
/// when dropped.
struct Home(PathBuf);

impl Home {
    fn new(name: &str) -> Home {
        let dir =
            std::env::temp_dir().join(format!("kriti-repl-pty-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp home");
        Home(dir)
    }
}

impl Drop for Home {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The REPL in a fresh home named after `name`, at its first prompt.
fn session(name: &str) -> (Home, Pty) {
    let home = Home::new(name);
    let p = start(&home.0);
    (home, p)
}

#[test]
fn prompt_values_and_multi_line_input() {
    let (_home, mut p) = session("multiline");
    answer(&mut p, "40 + 2", "42 : int");

    // An open brace continues the input with `.. `.
    enter(&mut p, "fn fibonacci(n: int) -> int {");
    prompt(&mut p, ".. ");
    enter(
        &mut p,
        "if n < 2 { n } else { fibonacci(n - 1) + fibonacci(n - 2) }",
    );
    prompt(&mut p, ".. ");
    define(&mut p, "}");
    answer(&mut p, "fibonacci(12)", "144 : int");
    leave_with_ctrl_d(p);
}

#[test]
fn tab_completes_names_fields_methods_and_commands() {
    let (_home, mut p) = session("completion");
    define(
        &mut p,
        "fn fibonacci(n: int) -> int { if n < 2 { n } else { fibonacci(n - 1) + fibonacci(n - 2) } }",
    );
    complete(&mut p, "fibo\t", "fibonacci");
    answer(&mut p, "(10)", "55 : int");

    define(&mut p, "struct Pt { x: int, yvalue: int }");
    define(&mut p, "let pt = Pt { x: 1, yvalue: 7 }");
    complete(&mut p, "pt.yv\t", "pt.yvalue");
    answer(&mut p, " * 3", "21 : int");

    define(&mut p, "let word = \"kriti\"");
    complete(&mut p, "word.to_up\t", "word.to_upper");
    answer(&mut p, "()", "\"KRITI\" : str");

    complete(&mut p, ":ty\t", ":type");
    answer(&mut p, " pt", "pt : Pt");
    leave_with_ctrl_d(p);
}

#[test]
fn up_arrow_recalls_history_in_the_session_and_the_next() {
    let (home, mut p) = session("history");
    define(&mut p, "let remembered = 31");
    answer(&mut p, "remembered * 2", "62 : int");
    p.send(UP);
    p.expect("remembered * 2", "the up arrow recalls the last input");
    answer(&mut p, "", "62 : int");
    leave_with_ctrl_d(p);
    let history = std::fs::read_to_string(home.0.join(".kriti_history")).unwrap_or_default();
    assert!(
        history.contains("let remembered = 31\nremembered * 2\n"),
        "the history file: {history:?}"
    );

    // A new session reads the file: two inputs back is the binding, then
    // (after it is entered again) the line that uses it.
    let mut p = start(&home.0);
    p.send(&UP.repeat(2));
    p.expect("let remembered = 31", "the binding recalled from the file");
    define(&mut p, "");
    p.send(&UP.repeat(2));
    p.expect("remembered * 2", "the use recalled from the file");
    answer(&mut p, "", "62 : int");
    leave_with_ctrl_d(p);
}

#[test]
fn ctrl_c_clears_the_line_and_interrupts_a_loop() {
    let (_home, mut p) = session("interrupt");
    define(&mut p, "let x = 41");

    // While typing: the line is dropped, and a new prompt shown.
    p.send("this is not code");
    p.expect("this is not code", "the half-typed line shown");
    p.send(CTRL_C);
    prompt(&mut p, ">> ");
    answer(&mut p, "x + 1", "42 : int");

    // While an input runs: it is interrupted, and the bindings kept. A
    // Ctrl-C sent before the line editor has given the terminal back
    // (still in raw mode) is a key, not a signal, so it is pressed again
    // until the run ends.
    enter(&mut p, "loop {}");
    p.press_until(
        CTRL_C,
        Duration::from_millis(500),
        "interrupted",
        "Ctrl-C interrupts loop {}",
    );
    prompt(&mut p, ">> ");
    answer(&mut p, "x + 2", "43 : int");
    leave_with_ctrl_d(p);
}

#[test]
fn keys_typed_ahead_are_kept() {
    let (_home, mut p) = session("typeahead");
    // Two lines in one write: rustyline reads both at once, and the second
    // must wait for the next prompt rather than be dropped.
    p.send("11\r22\r");
    p.expect("11 : int", "the first line typed ahead");
    p.expect("22 : int", "the second line typed ahead");
    prompt(&mut p, ">> ");
    leave_with_ctrl_d(p);
}
