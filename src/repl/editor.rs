//! The terminal front end on rustyline: prompts (`>> `, and `.. ` while an
//! input continues), history in `~/.kriti_history` (recalled with the
//! arrow keys), completion, highlighting and bracket hints
//! (`helper.rs`), and Ctrl-C: at the prompt it clears the line, while an
//! input runs it interrupts it (the runtime's interrupt, checked by the
//! preemption poll) and returns to the prompt.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicPtr, Ordering};
use std::sync::{Arc, Mutex};

use kriti_runtime::{Interrupt, SharedWriter};
use rustyline::error::ReadlineError;
use rustyline::history::FileHistory;
use rustyline::{Config, Editor};

use super::eval::{Evaluator, Flow};
use super::helper::KritiHelper;
use super::input;
use super::printer::PromptState;

/// The prompt, and the prompt of an input's further lines.
const PROMPT: &str = ">> ";
const CONTINUE: &str = ".. ";

/// The interrupt SIGINT triggers (the runs of the REPL's session).
static INTERRUPT: AtomicPtr<Interrupt> = AtomicPtr::new(std::ptr::null_mut());

extern "C" fn on_sigint(_: libc::c_int) {
    let p = INTERRUPT.load(Ordering::Acquire);
    if !p.is_null() {
        // SAFETY: `p` came from an `Arc` that is never released (see
        // `catch_sigint`); `trigger` is one atomic add, which is
        // async-signal-safe.
        unsafe { (*p).trigger() };
    }
}

/// Makes Ctrl-C outside rustyline (while an input runs) trigger
/// `interrupt` instead of ending the process.
fn catch_sigint(interrupt: &Arc<Interrupt>) {
    // Kept alive for the rest of the process: the handler may run at any
    // time.
    let p = Arc::into_raw(Arc::clone(interrupt)) as *mut Interrupt;
    INTERRUPT.store(p, Ordering::Release);
    // SAFETY: installs a handler that only does an atomic add.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = on_sigint as *const () as usize;
        action.sa_flags = libc::SA_RESTART;
        libc::sigemptyset(&mut action.sa_mask);
        libc::sigaction(libc::SIGINT, &action, std::ptr::null_mut());
    }
}

/// Makes what tasks print go through writers that keep the prompt line
/// whole (`printer.rs`); stderr too when it is the terminal. Returns what
/// tells those writers when the prompt is shown.
fn print_tasks_around_prompt(eval: &mut Evaluator) -> PromptState {
    let state = PromptState::default();
    let stdout: SharedWriter = Arc::new(Mutex::new(state.writer(std::io::stdout())));
    let stderr: Option<SharedWriter> = std::io::stderr()
        .is_terminal()
        .then(|| Arc::new(Mutex::new(state.writer(std::io::stderr()))) as SharedWriter);
    if let Err(e) = eval.print_through(stdout, stderr) {
        eprintln!("error: {e}");
    }
    state
}

/// The history file: `$KRITI_HISTORY`, else `~/.kriti_history`.
fn history_path() -> Option<std::path::PathBuf> {
    if let Some(p) = std::env::var_os("KRITI_HISTORY") {
        return Some(p.into());
    }
    std::env::var_os("HOME").map(|h| std::path::Path::new(&h).join(".kriti_history"))
}

/// Runs the interactive loop.
pub fn run(eval: &mut Evaluator) -> Flow {
    let config = Config::builder()
        .auto_add_history(false)
        .max_history_size(10_000)
        .map(|b| b.build())
        .unwrap_or_default();
    let mut editor: Editor<KritiHelper, FileHistory> = match Editor::with_config(config) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("error: cannot start the line editor: {e}");
            return super::piped(eval);
        }
    };
    let history = history_path();
    if let Some(p) = &history {
        let _ = editor.load_history(p);
    }
    catch_sigint(&eval.interrupt);
    let prompt_state = print_tasks_around_prompt(eval);
    println!(
        "Kriti {} REPL. `:help` for help, Ctrl-D to leave.",
        env!("CARGO_PKG_VERSION")
    );
    let mut flow = Flow::Continue;
    let mut pending = String::new();
    loop {
        editor.set_helper(Some(KritiHelper::new(eval.session(), eval.color)));
        let prompt = if pending.is_empty() { PROMPT } else { CONTINUE };
        prompt_state.set(Some(prompt));
        let line = editor.readline(prompt);
        prompt_state.set(None);
        match line {
            Ok(line) => {
                if !pending.is_empty() {
                    pending.push('\n');
                }
                pending.push_str(&line);
                let is_command = pending.trim_start().starts_with(':');
                if !is_command && input::needs_more(&pending) {
                    continue;
                }
                let text = std::mem::take(&mut pending);
                if !text.trim().is_empty() {
                    let _ = editor.add_history_entry(text.as_str());
                    if let Some(p) = &history {
                        let _ = editor.append_history(p);
                    }
                }
                if let Flow::Exit(code) = super::handle(eval, &text) {
                    flow = Flow::Exit(code);
                    break;
                }
            }
            // Ctrl-C while typing: drop the input, new prompt.
            Err(ReadlineError::Interrupted) => pending.clear(),
            Err(ReadlineError::Eof) => break,
            Err(e) => {
                eprintln!("error: {e}");
                break;
            }
        }
    }
    flow
}
