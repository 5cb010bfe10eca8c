//! Host functions: Rust functions an embedding host registers, which Kriti
//! code calls like prelude functions, through one trampoline,
//! [`kr_host_call`].
//!
//! The compiler gives each registered function an index and a fixed Kriti
//! signature; a call packs the arguments into a record (one slot per
//! argument, in the slot encoding of `value::desc`) and calls
//! `kr_host_call(ctx, index, args, loc, func, frame)`. The runtime looks
//! the function up in [`crate::ProgramInfo::host`] and calls it with the
//! record's slots; the function converts them to Rust values itself and
//! returns its result in slot encoding (owned by the caller).
//!
//! A host function runs on the worker thread's own stack
//! (`Yielder::on_parent_stack`), not on the task's small one, since host
//! code may use as much stack as it likes. A Rust panic inside it is
//! caught there and becomes a Kriti panic at the call's location
//! (`host function `name` panicked: ...`); it never unwinds through JIT
//! frames. A host function runs to completion on its worker: while it
//! runs, the tasks queued on that worker wait (like `read_line`).

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use crate::ctx::{self, TaskCtx};
use crate::panic::{guard, panic_with, Site};
use crate::value::record::RecordObj;
use crate::value::Obj;

/// A host function as the runtime calls it: it reads its arguments from
/// the slots it is given (borrowed) and returns its result in slot
/// encoding, owned by the caller, or `Err(message)` to panic with
/// `message`.
pub type HostFn = Arc<dyn Fn(&[u64]) -> Result<u64, String> + Send + Sync>;

/// The host functions of a program, by index (the index the compiler gave
/// each one), with their names.
#[derive(Clone, Default)]
pub struct HostFns {
    fns: Vec<(Arc<str>, HostFn)>,
}

impl HostFns {
    /// No host functions.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `f`, named `name`, at the next index.
    pub fn push(&mut self, name: &str, f: HostFn) {
        self.fns.push((Arc::from(name), f));
    }

    /// The function at `index` and its name.
    pub fn get(&self, index: usize) -> Option<&(Arc<str>, HostFn)> {
        self.fns.get(index)
    }

    /// How many functions there are.
    pub fn len(&self) -> usize {
        self.fns.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.fns.is_empty()
    }
}

impl std::fmt::Debug for HostFns {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.fns.iter().map(|(name, _)| name))
            .finish()
    }
}

/// A slice of slots that may cross to the worker's stack (it is read
/// there, by the same thread, while the task waits).
struct Slots(*const u64, usize);
// SAFETY: the slots stay alive and unchanged while the host function runs
// (the caller keeps the record), and the same thread reads them.
unsafe impl Send for Slots {}

/// Calls host function `index` with the arguments in the record `args`
/// (borrowed; null when it takes none) and returns its result in slot
/// encoding (owned). A panic in it, or an `Err` it returns, ends the task
/// with a Kriti panic at `loc`.
///
/// # Safety
/// `ctx` is the running task's context; `args` null or a live record
/// whose slots are the function's arguments; `frame` null or the frame
/// pointer of the calling JIT function.
pub unsafe extern "C" fn kr_host_call(
    ctx: *mut TaskCtx,
    index: i64,
    args: *mut Obj,
    loc: i64,
    func: i64,
    frame: *const usize,
) -> i64 {
    let result = guard(ctx, || {
        // SAFETY: caller's contract.
        let program = unsafe { (*ctx).program() };
        let found = usize::try_from(index)
            .ok()
            .and_then(|i| program.host.get(i));
        let Some((name, f)) = found else {
            return Err(format!("internal runtime error: no host function {index}"));
        };
        let slots = if args.is_null() {
            Slots(std::ptr::null(), 0)
        } else {
            // SAFETY: a live record (caller's contract).
            let s = unsafe { RecordObj::slots(args.cast()) };
            Slots(s.as_ptr(), s.len())
        };
        let f = Arc::clone(f);
        let call = move || {
            let slots = slots;
            let s: &[u64] = if slots.1 == 0 {
                &[]
            } else {
                // SAFETY: see `Slots`.
                unsafe { std::slice::from_raw_parts(slots.0, slots.1) }
            };
            catch_unwind(AssertUnwindSafe(|| f(s))).map_err(|p| crate::payload_text(&*p))
        };
        // SAFETY: `ctx` is the running task's.
        match unsafe { ctx::on_parent_stack(ctx, call) } {
            Ok(r) => r,
            Err(detail) => Err(format!("host function `{name}` panicked: {detail}")),
        }
    });
    match result {
        Ok(v) => v as i64,
        Err(message) => {
            let site = Site { loc, func, frame };
            // SAFETY: caller's contract; nothing owned is left but
            // `message`, which the panic takes.
            unsafe { panic_with(ctx, message, site) }
        }
    }
}
