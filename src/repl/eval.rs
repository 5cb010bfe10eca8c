//! Running inputs: compiles each input in the session and runs it on the
//! runtime, keeping the bindings' values between inputs.
//!
//! The values of the session's bindings live in one record (a tuple, with
//! the descriptor codegen made for it), the *state*. An input's entry
//! takes that record as its arguments and returns the display form of its
//! trailing expression and, when there are bindings after it, the new
//! state. The state is replaced only when an input runs to its end, so a
//! panic or an interrupt leaves every binding as it was.
//!
//! Every input runs on the session's one [`Scheduler`], so the tasks an
//! input spawns keep running after it, and bindings may hold task handles
//! and channels.

use std::io::Write;
use std::sync::Arc;

use kriti_compiler::diagnostics;
use kriti_compiler::ir::types::Type;
use kriti_compiler::session::{Compiled, InputError, ResultShape, Session};
use kriti_runtime::value::record::RECORD_SLOTS_OFFSET;
use kriti_runtime::value::{self, Obj};
use kriti_runtime::{Interrupt, Outcome, ProgramInfo, RunConfig, Scheduler, SharedWriter};

/// What the REPL does after an input.
#[derive(Debug, PartialEq, Eq)]
pub enum Flow {
    Continue,
    /// `exit(code)` ran: the REPL ends with this status.
    Exit(i32),
}

/// The session and the values of its bindings.
pub struct Evaluator {
    /// Runs the inputs and their tasks. Dropped before the session, whose
    /// code the tasks run (the state is released first, in `drop`).
    scheduler: Scheduler,
    /// How the scheduler is configured (where tasks print).
    config: RunConfig,
    session: Session,
    /// The state record (owned), or null when there are no bindings.
    state: *mut Obj,
    /// Triggered by Ctrl-C while an input runs.
    pub interrupt: Arc<Interrupt>,
    /// Colour in diagnostics.
    pub color: bool,
}

impl Drop for Evaluator {
    fn drop(&mut self) {
        release(self.state);
    }
}

/// A scheduler for a session's inputs, configured by `config`.
fn start_scheduler(config: &RunConfig) -> Result<Scheduler, String> {
    Scheduler::start(Arc::new(ProgramInfo::default()), config.clone())
}

/// Releases an owned object, if there is one.
fn release(p: *mut Obj) {
    if !p.is_null() {
        // SAFETY: `p` is an owned reference to a live object.
        unsafe { value::release(p) };
    }
}

impl Evaluator {
    /// A fresh session.
    pub fn new(color: bool) -> Result<Evaluator, String> {
        Self::with_config(color, RunConfig::default())
    }

    fn with_config(color: bool, config: RunConfig) -> Result<Evaluator, String> {
        Ok(Evaluator {
            scheduler: start_scheduler(&config)?,
            config,
            session: Session::new()?,
            state: std::ptr::null_mut(),
            interrupt: Arc::new(Interrupt::new()),
            color,
        })
    }

    /// Sends what the session's tasks print to `stdout` (and `stderr`,
    /// when given) instead of the process's streams. It starts a new
    /// scheduler: call it before the first input.
    pub fn print_through(
        &mut self,
        stdout: SharedWriter,
        stderr: Option<SharedWriter>,
    ) -> Result<(), String> {
        self.config.stdout = Some(stdout);
        self.config.stderr = stderr;
        self.scheduler = start_scheduler(&self.config)?;
        Ok(())
    }

    /// The compiler session (for completion and `:type`).
    pub fn session(&self) -> &Session {
        &self.session
    }

    /// Forgets every definition and binding, and abandons every task.
    pub fn reset(&mut self) -> Result<(), String> {
        let fresh = Evaluator::with_config(self.color, self.config.clone())?;
        let old = std::mem::replace(self, fresh);
        self.interrupt = Arc::clone(&old.interrupt);
        Ok(())
    }

    /// Prints diagnostics (or an internal error) on stderr.
    pub fn report(&self, error: &InputError) {
        let mut err = std::io::stderr().lock();
        match error {
            InputError::Diagnostics(d) => {
                let text = diagnostics::render(d, self.session.sources(), self.color);
                let _ = err.write_all(text.as_bytes());
            }
            InputError::Internal(e) => {
                let _ = writeln!(err, "{e}");
            }
        }
        let _ = err.flush();
    }

    /// `:type`: the type of `text`, or its errors.
    pub fn type_of(&mut self, text: &str) -> Result<Type, InputError> {
        self.session.type_of(text)
    }

    /// Compiles and runs one input, printing its value (with its type),
    /// its errors, or its panic.
    pub fn eval(&mut self, text: &str) -> Flow {
        self.eval_named(None, text)
    }

    /// [`Evaluator::eval`], naming the source `name` in diagnostics.
    pub fn eval_named(&mut self, name: Option<&str>, text: &str) -> Flow {
        // Read before compiling: a Ctrl-C while the input compiles stops
        // its run before it starts.
        let generation = self.interrupt.generation();
        let mut read = |p: &str| {
            std::fs::read(p).map_err(|e| match e.kind() {
                std::io::ErrorKind::NotFound => "no such file".to_string(),
                _ => e.to_string(),
            })
        };
        let compiled = match self.session.compile_named(name, text, &mut read) {
            Ok(c) => c,
            Err(e) => {
                self.report(&e);
                return Flow::Continue;
            }
        };
        let Some(entry) = compiled.entry else {
            return Flow::Continue;
        };
        let env = if self.session.bindings().is_empty() {
            std::ptr::null_mut()
        } else {
            // The entry consumes its argument record; the state stays ours.
            // SAFETY: the state is a live record.
            unsafe { value::retain(self.state) };
            self.state
        };
        let interrupt = (Arc::clone(&self.interrupt), generation);
        // SAFETY: the entry belongs to the session's code, which outlives
        // the scheduler; `env` is a record of the entry's parameter types
        // (the bindings before this input), owned.
        let (outcome, raw) = unsafe {
            self.scheduler
                .call(Arc::clone(&compiled.info), entry, env, Some(interrupt))
        };
        kriti_runtime::flush_stdout();
        let result = raw as usize as *mut Obj;
        match outcome {
            Outcome::Returned => {
                self.finish(compiled, result);
                Flow::Continue
            }
            other => {
                release(result);
                self.report_outcome(&other)
            }
        }
    }

    /// Takes the result of an input that ran to its end: shows its value
    /// and keeps its bindings.
    fn finish(&mut self, compiled: Compiled, result: *mut Obj) {
        if result.is_null() {
            return;
        }
        let (text, state) = match compiled.result {
            ResultShape::Text => (result, std::ptr::null_mut()),
            ResultShape::TextAndBindings => {
                // SAFETY: the result is a record of two slots: the text
                // and the new state (codegen's layout of a tuple).
                unsafe {
                    let slots = (result as *const u8).add(RECORD_SLOTS_OFFSET) as *const u64;
                    let text = *slots as usize as *mut Obj;
                    let state = *slots.add(1) as usize as *mut Obj;
                    value::retain(text);
                    value::retain(state);
                    release(result);
                    (text, state)
                }
            }
        };
        // SAFETY: `text` is an owned `str`.
        let shown = unsafe {
            kriti_runtime::value::str::as_str(text as *const kriti_runtime::value::str::StrObj)
        }
        .to_string();
        release(text);
        release(std::mem::replace(&mut self.state, state));
        self.session.set_bindings(compiled.bindings);
        if let Some(ty) = compiled.shown {
            let mut out = std::io::stdout().lock();
            let _ = match ty {
                Type::Str => writeln!(out, "{shown:?} : {ty}"),
                _ => writeln!(out, "{shown} : {ty}"),
            };
            let _ = out.flush();
        }
    }

    /// Reports how an input that did not run to its end ended.
    fn report_outcome(&self, outcome: &Outcome) -> Flow {
        let mut err = std::io::stderr().lock();
        match outcome {
            Outcome::Returned => {}
            Outcome::Exited(code) => return Flow::Exit(*code),
            Outcome::Panicked { .. } => {
                if let Some(text) = outcome.report() {
                    let _ = writeln!(err, "{text}");
                }
            }
            // The runtime reported it when it happened (not a session's
            // outcome: its task panics are not the input's).
            Outcome::TaskPanicked => {}
            Outcome::Deadlock { .. } => {}
            Outcome::Interrupted => {
                let _ = writeln!(err, "interrupted");
            }
            Outcome::TimedOut => {
                let _ = writeln!(err, "timed out");
            }
        }
        let _ = err.flush();
        Flow::Continue
    }
}
