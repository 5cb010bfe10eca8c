//! Kriti panics and `exit`: how a task ends early, and how the outcome of a
//! run is reported.
//!
//! A Kriti panic never unwinds. The runtime function that detects it builds
//! the [`Outcome`], stores it in the task's ctx and switches away from the
//! task's stack ([`crate::ctx::end_task`]); the resumer then throws the
//! coroutine away with `force_reset`. Rust unwinding must never cross JIT
//! frames (cranelift-jit registers no unwind info), so every entry point
//! runs its body under `guard`, which turns a Rust panic into a Kriti
//! panic ("internal runtime error: ...") instead.
//!
//! A Kriti panic records its message, its location and the Kriti call stack
//! ([`crate::trace`]): generated code passes every runtime function that can
//! panic its location (`loc`), its scope (`func`: its function's index, or
//! that of a body inlined into it) and its frame pointer (`frame`).
//! Internal runtime errors have neither location nor trace.

use std::any::Any;
use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use crate::abi::panic_kind;
use crate::ctx::{end_task, TaskCtx};
use crate::trace::{FunctionInfo, InlinedCall, StackTrace};
use crate::value::str::{as_str, StrObj};

/// A position in the program's source: 1-based line and column.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SourceLoc {
    /// The file as the user should see it (usually the path given on the
    /// command line).
    pub file: Arc<str>,
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub col: u32,
}

impl fmt::Display for SourceLoc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.col)
    }
}

/// What the runtime needs to know about the running program.
///
/// Construct it with `..Default::default()` so that fields added later do
/// not break your code.
#[derive(Debug, Clone, Default)]
pub struct ProgramInfo {
    /// The location table: the `loc` argument of runtime functions is an
    /// index into it (a negative or out-of-range index means "unknown").
    pub locations: Vec<SourceLoc>,
    /// Every compiled function, for stack traces, by index (its scope; see
    /// [`crate::trace`]).
    pub functions: Vec<FunctionInfo>,
    /// The bodies inlined into other functions: scope `functions.len() + j`
    /// is `inlined[j]`. The `func` argument of runtime functions is a scope.
    pub inlined: Vec<InlinedCall>,
    /// The program's command-line arguments after its file name, which
    /// `args()` returns (`kriti run prog.kr a b` gives `["a", "b"]`).
    pub args: Vec<String>,
    /// The functions an embedding host registered, which `kr_host_call`
    /// calls by index (none in the CLI).
    pub host: crate::host::HostFns,
}

impl ProgramInfo {
    /// The name of the function whose body scope `scope` is, or `None` for
    /// an unknown scope.
    pub fn scope_name(&self, scope: usize) -> Option<Arc<str>> {
        let function = match scope.checked_sub(self.functions.len()) {
            None => scope,
            Some(j) => self.inlined.get(j)?.callee as usize,
        };
        self.functions.get(function).map(|f| Arc::clone(&f.name))
    }
}

/// How a task, or a whole program run ([`crate::run_main`]), ended.
///
/// For a program: [`Returned`](Outcome::Returned) (exit status 0),
/// [`Panicked`](Outcome::Panicked) (`main` panicked; the host prints
/// [`Outcome::report`] and exits 101), [`Exited`](Outcome::Exited),
/// [`TaskPanicked`](Outcome::TaskPanicked) (101) and
/// [`Deadlock`](Outcome::Deadlock) (102). The last two were already
/// reported on stderr by the runtime.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// `main` returned normally, and no task panic went unobserved.
    Returned,
    /// The task panicked (for a program: `main` did).
    Panicked {
        /// The one-line panic message, without location.
        message: String,
        /// Where it happened, when known.
        location: Option<SourceLoc>,
        /// The Kriti call stack, innermost first (empty when unknown).
        trace: StackTrace,
    },
    /// The program called `exit(code)` (in any task). The runtime does not
    /// exit the process; the CLI does (an embedding host must not be
    /// exited).
    Exited(i32),
    /// `main` returned, but a task panicked and no `join` observed it. Each
    /// such panic was printed on stderr (`panic at ...` and its trace) when
    /// it happened, or when its last handle went, or when the program
    /// ended; the CLI exits with status 101.
    TaskPanicked,
    /// Every task was blocked and nothing could wake any of them. The
    /// runtime printed `report` on stderr (the first line `deadlock: all
    /// tasks are blocked`, then one line per blocked task); the CLI exits
    /// with status 102.
    Deadlock {
        /// The report as printed, without the final newline.
        report: String,
    },
    /// The run reached its deadline ([`crate::RunConfig::deadline`]) and
    /// was ended; its tasks were abandoned. Never happens in the CLI.
    TimedOut,
    /// The run's interrupt ([`crate::RunConfig::interrupt`]) was
    /// triggered and the run was ended; its tasks were abandoned. Never
    /// happens in the CLI.
    Interrupted,
}

impl Outcome {
    /// A panic with `message` at `location` and no stack trace.
    pub fn panicked(message: impl Into<String>, location: Option<SourceLoc>) -> Outcome {
        Outcome::Panicked {
            message: message.into(),
            location,
            trace: StackTrace::default(),
        }
    }

    /// The text to print on stderr for a panic: `panic at FILE:LINE:COL:
    /// MESSAGE` (or `panic: MESSAGE` when the location is unknown), then
    /// one line per frame of the stack trace ([`StackTrace::lines`]), with
    /// no final newline. `None` for the other outcomes.
    pub fn report(&self) -> Option<String> {
        let Outcome::Panicked {
            message,
            location,
            trace,
        } = self
        else {
            return None;
        };
        let mut text = match location {
            Some(loc) => format!("panic at {loc}: {message}"),
            None => format!("panic: {message}"),
        };
        for line in trace.lines() {
            text.push('\n');
            text.push_str(&line);
        }
        Some(text)
    }
}

/// Runs `f`, turning a Rust panic inside it into a Kriti panic of the task
/// (`ctx`, or the thread's current task when `ctx` is null), so that no
/// unwind ever reaches JIT frames. Every `extern "C"` entry point whose body
/// can panic wraps it in this.
#[inline(always)]
pub(crate) fn guard<R>(ctx: *mut TaskCtx, f: impl FnOnce() -> R) -> R {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(payload) => internal_error(ctx, payload),
    }
}

/// Ends the task with "internal runtime error: ..." for a caught Rust panic.
#[cold]
#[inline(never)]
fn internal_error(ctx: *mut TaskCtx, payload: Box<dyn Any + Send>) -> ! {
    let detail = if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic payload".to_string()
    };
    // Drop the payload now: nothing owned may be left on the task stack when
    // it is abandoned. A payload whose destructor panics is leaked instead.
    if catch_unwind(AssertUnwindSafe(move || drop(payload))).is_err() {
        // Nothing sensible to do; the second payload is dropped here.
    }
    let outcome = Outcome::panicked(format!("internal runtime error: {detail}"), None);
    // SAFETY: `ctx` is what the entry point received from JIT code: null or
    // the running task's context.
    unsafe { end_task(ctx, outcome) }
}

/// Where a panic happens, as generated code tells the runtime functions
/// that can panic: the `loc`, `func` and `frame` arguments (see
/// [`crate::abi`]).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Site {
    /// Index into the location table.
    pub loc: i64,
    /// The scope of the calling code: the calling function's index in
    /// [`ProgramInfo::functions`], or a body inlined into it (see
    /// [`crate::trace`]).
    pub func: i64,
    /// The calling JIT function's frame pointer (null: unknown).
    pub frame: *const usize,
}

/// The outcome of a panic with `message` at `site` in the running task.
///
/// # Safety
/// `ctx` is null or the live context of the task running on this thread.
unsafe fn panic_outcome(ctx: *mut TaskCtx, message: String, site: Site) -> Outcome {
    let ctx = if ctx.is_null() {
        crate::ctx::current()
    } else {
        ctx
    };
    // SAFETY: null or live, by the caller's contract.
    let Some(task) = (unsafe { ctx.as_ref() }) else {
        return Outcome::panicked(message, None);
    };
    Outcome::Panicked {
        message,
        location: task.location(site.loc),
        // SAFETY: `task` is the running task, so its stack is mapped.
        trace: unsafe { task.trace(site) },
    }
}

/// The message of a runtime-written panic (see [`panic_kind`]).
pub fn kind_message(kind: i64, value: i64) -> String {
    match kind {
        panic_kind::OVERFLOW => "integer overflow".to_string(),
        panic_kind::DIV_BY_ZERO => "division by zero".to_string(),
        panic_kind::REM_BY_ZERO => "remainder by zero".to_string(),
        panic_kind::SHIFT_OUT_OF_RANGE => format!("shift amount out of range: {value}"),
        panic_kind::FLOAT_TO_INT => "float to int conversion out of range".to_string(),
        panic_kind::ASSERTION => "assertion failed".to_string(),
        panic_kind::STACK_OVERFLOW => "stack overflow".to_string(),
        panic_kind::NEGATIVE_DIGITS => format!("negative number of digits: {value}"),
        _ => format!("internal runtime error: unknown panic kind {kind}"),
    }
}

/// Ends the task with a panic whose message is `message`, at `site`, with
/// the Kriti stack trace from there.
///
/// # Safety
/// `ctx` is null or the live context of the task running on this thread.
pub(crate) unsafe fn panic_with(ctx: *mut TaskCtx, message: String, site: Site) -> ! {
    // Building the outcome allocates and may (in theory) panic; do it under
    // `guard` and end the task outside of it.
    // SAFETY: forwarded from our caller.
    let outcome = guard(ctx, || unsafe { panic_outcome(ctx, message, site) });
    // SAFETY: forwarded from our caller.
    unsafe { end_task(ctx, outcome) }
}

/// Ends the task with a runtime-written panic (see [`panic_kind`]).
///
/// # Safety
/// `ctx` is null or the live context of the task running on this thread.
pub(crate) unsafe fn panic_with_kind(ctx: *mut TaskCtx, kind: i64, value: i64, site: Site) -> ! {
    let message = guard(ctx, || kind_message(kind, value));
    // SAFETY: forwarded from our caller.
    unsafe { panic_with(ctx, message, site) }
}

/// `panic(msg)`: ends the task with `msg` as the message. Never returns.
///
/// # Safety
/// `ctx` is the running task's context; `msg` is a live string (borrowed);
/// `frame` is null or the frame pointer of the calling JIT function.
pub unsafe extern "C" fn kr_panic(
    ctx: *mut TaskCtx,
    msg: *mut StrObj,
    loc: i64,
    func: i64,
    frame: *const usize,
) {
    // SAFETY: `msg` is a live string (caller's contract).
    let message = guard(ctx, || unsafe { as_str(msg) }.to_string());
    let site = Site { loc, func, frame };
    // SAFETY: `ctx` is the running task's context.
    unsafe { panic_with(ctx, message, site) }
}

/// A panic with a runtime-written message: `kind` is one of [`panic_kind`],
/// `value` is shown where the message has a number. Never returns.
///
/// # Safety
/// `ctx` is the running task's context; `frame` is null or the frame
/// pointer of the calling JIT function.
pub unsafe extern "C" fn kr_panic_kind(
    ctx: *mut TaskCtx,
    kind: i64,
    value: i64,
    loc: i64,
    func: i64,
    frame: *const usize,
) {
    let site = Site { loc, func, frame };
    // SAFETY: `ctx` is the running task's context.
    unsafe { panic_with_kind(ctx, kind, value, site) }
}

/// `assert_eq(a, b)` failed: `left` and `right` are the display forms of
/// the two values (borrowed). The message is `assert_eq failed: {left} !=
/// {right}`. Never returns.
///
/// # Safety
/// `ctx` is the running task's context; `left` and `right` are live
/// strings; `frame` is null or the frame pointer of the calling JIT
/// function.
pub unsafe extern "C" fn kr_assert_eq_failed(
    ctx: *mut TaskCtx,
    left: *mut StrObj,
    right: *mut StrObj,
    loc: i64,
    func: i64,
    frame: *const usize,
) {
    let message = guard(ctx, || {
        // SAFETY: both are live strings (caller's contract).
        let (l, r) = unsafe { (as_str(left), as_str(right)) };
        format!("assert_eq failed: {l} != {r}")
    });
    let site = Site { loc, func, frame };
    // SAFETY: `ctx` is the running task's context.
    unsafe { panic_with(ctx, message, site) }
}

/// `exit(code)`: ends the program with status `code` (saturated to the
/// `i32` range). The runtime records [`Outcome::Exited`]; the host decides
/// what to do with it. Never returns.
///
/// # Safety
/// `ctx` is the running task's context.
pub unsafe extern "C" fn kr_exit(ctx: *mut TaskCtx, code: i64) {
    let code = code.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32;
    // SAFETY: `ctx` is the running task's context.
    unsafe { end_task(ctx, Outcome::Exited(code)) }
}
