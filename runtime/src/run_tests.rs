//! Tests of `run_main` with plain Rust `extern "C"` entries standing in for
//! JIT-compiled code.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use crate::abi::panic_kind;
use crate::ctx::{self, TaskCtx};
use crate::output::kr_print;
use crate::panic::{kind_message, kr_assert_eq_failed, kr_exit, kr_panic, kr_panic_kind};
use crate::trace::{CallSite, Frame, FunctionInfo, StackTrace};
use crate::value::str::{kr_float_fixed, StrObj};
use crate::{run_main, run_with_stack, Outcome, ProgramInfo, SourceLoc, MAIN_STACK_SIZE};

/// No frame pointer: a trace of the innermost frame only.
const NO_FRAME: *const usize = std::ptr::null();

fn loc(line: u32, col: u32) -> SourceLoc {
    SourceLoc {
        file: Arc::from("main.kr"),
        line,
        col,
    }
}

/// Fake code addresses of the two "JIT" functions of [`info`].
const MAIN_CODE: usize = 0x1000;
const F_CODE: usize = 0x2000;

/// Three locations; function 0 is `main`, which calls `f` at location 0;
/// function 1 is `f`, which calls itself at location 1. Their code is at
/// fake addresses: only the stack walk looks at it.
fn info() -> Arc<ProgramInfo> {
    let site = |start, loc, scope| CallSite {
        start,
        end: start + 5,
        loc,
        scope,
    };
    Arc::new(ProgramInfo {
        locations: vec![loc(1, 1), loc(3, 5), loc(7, 9)],
        functions: vec![
            FunctionInfo {
                name: Arc::from("main"),
                code_start: MAIN_CODE,
                code_len: 0x100,
                call_sites: vec![site(0x10, 0, 0)],
            },
            FunctionInfo {
                name: Arc::from("f"),
                code_start: F_CODE,
                code_len: 0x100,
                call_sites: vec![site(0x20, 1, 1)],
            },
        ],
        inlined: Vec::new(),
        args: Vec::new(),
        host: Default::default(),
    })
}

fn panicked(message: &str, location: Option<SourceLoc>) -> Outcome {
    Outcome::panicked(message, location)
}

/// A panic with the trace `frames` (function name, location), none cut.
fn panicked_in(message: &str, location: SourceLoc, frames: &[(&str, SourceLoc)]) -> Outcome {
    Outcome::Panicked {
        message: message.to_string(),
        location: Some(location),
        trace: StackTrace {
            innermost: frames
                .iter()
                .map(|(name, loc)| Frame {
                    function: Arc::from(*name),
                    location: Some(loc.clone()),
                })
                .collect(),
            omitted: 0,
            outermost: Vec::new(),
        },
    }
}

#[test]
fn returning_entry() {
    // Entries check nothing themselves: a failed assertion cannot unwind
    // out of an `extern "C"` function (it would abort the test binary).
    static RAN_AS_CURRENT: AtomicBool = AtomicBool::new(false);
    extern "C" fn entry(ctx: *mut TaskCtx) {
        RAN_AS_CURRENT.store(ctx::current() == ctx, Ordering::SeqCst);
    }
    assert_eq!(run_main(info(), entry), Outcome::Returned);
    assert!(RAN_AS_CURRENT.load(Ordering::SeqCst));
    assert!(ctx::current().is_null());
    assert_eq!(Outcome::Returned.report(), None);
}

#[test]
fn panic_with_message_and_location() {
    extern "C" fn entry(ctx: *mut TaskCtx) {
        // SAFETY: `ctx` is the running task; the string is live. The string
        // leaks with the abandoned frame, as JIT locals would.
        unsafe { kr_panic(ctx, StrObj::new("boom"), 1, -1, NO_FRAME) };
        unreachable!("kr_panic returned");
    }
    let outcome = run_main(info(), entry);
    assert_eq!(outcome, panicked("boom", Some(loc(3, 5))));
    assert_eq!(
        outcome.report().as_deref(),
        Some("panic at main.kr:3:5: boom")
    );

    // With the function's index, the trace names the innermost frame.
    extern "C" fn in_main(ctx: *mut TaskCtx) {
        // SAFETY: as above.
        unsafe { kr_panic(ctx, StrObj::new("boom"), 1, 0, NO_FRAME) };
    }
    let outcome = run_main(info(), in_main);
    assert_eq!(
        outcome,
        panicked_in("boom", loc(3, 5), &[("main", loc(3, 5))])
    );
    assert_eq!(
        outcome.report().as_deref(),
        Some("panic at main.kr:3:5: boom\n    at main (main.kr:3:5)")
    );
}

#[test]
fn exit_code() {
    extern "C" fn entry(ctx: *mut TaskCtx) {
        // SAFETY: `ctx` is the running task.
        unsafe { kr_exit(ctx, 3) };
        unreachable!("kr_exit returned");
    }
    assert_eq!(run_main(info(), entry), Outcome::Exited(3));
    assert_eq!(Outcome::Exited(3).report(), None);
}

#[test]
fn panic_kinds_and_unknown_locations() {
    extern "C" fn shift(ctx: *mut TaskCtx) {
        // SAFETY: `ctx` is the running task.
        unsafe { kr_panic_kind(ctx, panic_kind::SHIFT_OUT_OF_RANGE, 64, 2, -1, NO_FRAME) };
    }
    assert_eq!(
        run_main(info(), shift),
        panicked("shift amount out of range: 64", Some(loc(7, 9)))
    );

    // A null ctx ends the thread's current task; a bad loc is "unknown".
    extern "C" fn no_ctx(_ctx: *mut TaskCtx) {
        // SAFETY: null is allowed inside a running task.
        unsafe {
            kr_panic_kind(
                std::ptr::null_mut(),
                panic_kind::OVERFLOW,
                0,
                99,
                -1,
                NO_FRAME,
            )
        };
    }
    let outcome = run_main(info(), no_ctx);
    assert_eq!(outcome, panicked("integer overflow", None));
    assert_eq!(outcome.report().as_deref(), Some("panic: integer overflow"));

    extern "C" fn negative_digits(ctx: *mut TaskCtx) {
        // SAFETY: `ctx` is the running task.
        unsafe { kr_float_fixed(ctx, 1.5, -2, 0, -1, NO_FRAME) };
    }
    assert_eq!(
        run_main(info(), negative_digits),
        panicked("negative number of digits: -2", Some(loc(1, 1)))
    );
}

#[test]
fn kind_messages() {
    let table = [
        (panic_kind::OVERFLOW, "integer overflow"),
        (panic_kind::DIV_BY_ZERO, "division by zero"),
        (panic_kind::REM_BY_ZERO, "remainder by zero"),
        (
            panic_kind::SHIFT_OUT_OF_RANGE,
            "shift amount out of range: -1",
        ),
        (
            panic_kind::FLOAT_TO_INT,
            "float to int conversion out of range",
        ),
        (panic_kind::ASSERTION, "assertion failed"),
        (panic_kind::STACK_OVERFLOW, "stack overflow"),
        (panic_kind::NEGATIVE_DIGITS, "negative number of digits: -1"),
    ];
    for (kind, want) in table {
        assert_eq!(kind_message(kind, -1), want);
    }
}

#[test]
fn assert_eq_message() {
    extern "C" fn entry(ctx: *mut TaskCtx) {
        // SAFETY: `ctx` is the running task; the strings are live.
        unsafe { kr_assert_eq_failed(ctx, StrObj::new("1"), StrObj::new("[2]"), 0, -1, NO_FRAME) };
    }
    assert_eq!(
        run_main(info(), entry),
        panicked("assert_eq failed: 1 != [2]", Some(loc(1, 1)))
    );
}

#[test]
fn rust_panic_in_runtime_function_becomes_kriti_panic() {
    extern "C" fn entry(ctx: *mut TaskCtx) {
        // SAFETY: `ctx` is the running task; stream 7 is a codegen bug that
        // the runtime reports instead of unwinding.
        unsafe { kr_print(ctx, StrObj::empty(), 7) };
    }
    assert_eq!(
        run_main(info(), entry),
        panicked("internal runtime error: kr_print: unknown stream 7", None)
    );
    // The thread is usable afterwards.
    assert!(ctx::current().is_null());
    extern "C" fn fine(_: *mut TaskCtx) {}
    assert_eq!(run_main(info(), fine), Outcome::Returned);
}

/// Recurses until `target` depth, or until the stack pointer passes the
/// limit, checking it the way generated prologues do. Returns the lowest
/// stack address seen.
#[inline(never)]
fn recurse(ctx: *mut TaskCtx, depth: usize, target: usize) -> usize {
    let frame = [depth as u8; 64];
    let sp = std::hint::black_box(&frame) as *const [u8; 64] as usize;
    // SAFETY: `ctx` is the running task.
    let limit = unsafe { (*ctx).stack_limit };
    if sp < limit {
        // SAFETY: `ctx` is the running task.
        unsafe { kr_panic_kind(ctx, panic_kind::STACK_OVERFLOW, 0, 2, -1, NO_FRAME) };
        unreachable!("kr_panic_kind returned");
    }
    if depth == target {
        return sp;
    }
    let lowest = recurse(ctx, depth + 1, target);
    // Not a tail call: the frame stays live across the recursion.
    std::hint::black_box(&frame);
    lowest
}

#[test]
fn main_recurses_100_000_deep_above_a_sane_limit() {
    static TOP: AtomicUsize = AtomicUsize::new(0);
    static LOWEST: AtomicUsize = AtomicUsize::new(0);
    static LIMIT: AtomicUsize = AtomicUsize::new(0);
    extern "C" fn entry(ctx: *mut TaskCtx) {
        let top = 0u8;
        TOP.store(
            std::hint::black_box(&top) as *const u8 as usize,
            Ordering::SeqCst,
        );
        // SAFETY: `ctx` is the running task.
        LIMIT.store(unsafe { (*ctx).stack_limit }, Ordering::SeqCst);
        LOWEST.store(recurse(ctx, 0, 100_000), Ordering::SeqCst);
    }
    assert_eq!(run_main(info(), entry), Outcome::Returned);
    let (top, lowest, limit) = (
        TOP.load(Ordering::SeqCst),
        LOWEST.load(Ordering::SeqCst),
        LIMIT.load(Ordering::SeqCst),
    );
    assert!(
        limit < lowest && lowest < top,
        "{limit:#x} {lowest:#x} {top:#x}"
    );
    // The whole stack but the headroom is usable by "JIT" code.
    let usable = top - limit;
    assert!(
        usable <= MAIN_STACK_SIZE - crate::STACK_HEADROOM,
        "{usable}"
    );
    assert!(
        usable > MAIN_STACK_SIZE - crate::STACK_HEADROOM - (64 << 10),
        "{usable}"
    );
    // Every frame really was on the task stack.
    assert!((top - lowest) / 100_000 >= 64);
}

#[test]
fn unbounded_recursion_is_a_stack_overflow_panic() {
    extern "C" fn entry(ctx: *mut TaskCtx) {
        recurse(ctx, 0, usize::MAX);
    }
    // A small stack keeps the test cheap; the mechanism is the same.
    assert_eq!(
        run_with_stack(info(), entry, 2 << 20),
        panicked("stack overflow", Some(loc(7, 9)))
    );
}

#[test]
fn trace_follows_frame_records_on_the_task_stack() {
    // Frame records as JIT code leaves them, built on the task's stack: `f`
    // (panicking) was called by `f`, which was called by `main`, which
    // returns into the runtime.
    extern "C" fn entry(ctx: *mut TaskCtx) {
        let mut records = [0usize; 6];
        let base = records.as_ptr() as usize;
        let word = std::mem::size_of::<usize>();
        records[0] = base + 2 * word;
        records[1] = F_CODE + 0x25; // return address after f's call of f
        records[2] = base + 4 * word;
        records[3] = MAIN_CODE + 0x15; // after main's call of f
        records[4] = 0;
        records[5] = entry as *const () as usize; // Rust code: the walk stops
        let records = std::hint::black_box(&records);
        // SAFETY: `ctx` is the running task; the records are on its stack.
        unsafe { kr_panic_kind(ctx, panic_kind::DIV_BY_ZERO, 0, 2, 1, records.as_ptr()) };
    }
    let outcome = run_main(info(), entry);
    assert_eq!(
        outcome,
        panicked_in(
            "division by zero",
            loc(7, 9),
            &[("f", loc(7, 9)), ("f", loc(3, 5)), ("main", loc(1, 1))]
        )
    );
    assert_eq!(
        outcome.report().as_deref(),
        Some(
            "panic at main.kr:7:9: division by zero\n    at f (main.kr:7:9)\n    \
             at f (main.kr:3:5)\n    at main (main.kr:1:1)"
        )
    );

    // A frame pointer that is not on the task's stack is not followed.
    static RECORDS: [usize; 2] = [0, F_CODE + 0x25];
    extern "C" fn off_stack(ctx: *mut TaskCtx) {
        // SAFETY: `ctx` is the running task.
        unsafe { kr_panic_kind(ctx, panic_kind::OVERFLOW, 0, 1, 0, RECORDS.as_ptr()) };
    }
    assert_eq!(
        run_main(info(), off_stack),
        panicked_in("integer overflow", loc(3, 5), &[("main", loc(3, 5))])
    );
}

/// Descriptors as the compiler emits them: immutable statics.
mod static_descs {
    use crate::value::desc::{desc_kind, TypeDesc};

    /// A static array of descriptor pointers (raw pointers are not `Sync`).
    #[repr(transparent)]
    pub struct Children<const N: usize>(pub [*const TypeDesc; N]);
    // SAFETY: the pointers point to immutable statics.
    unsafe impl<const N: usize> Sync for Children<N> {}

    const fn scalar(kind: u64) -> TypeDesc {
        TypeDesc {
            kind,
            count: 0,
            children: std::ptr::null(),
            name: std::ptr::null(),
            field_names: std::ptr::null(),
        }
    }

    pub static INT: TypeDesc = scalar(desc_kind::INT);
    pub static STR: TypeDesc = scalar(desc_kind::STR);
    static INTS_CHILDREN: Children<1> = Children([&raw const INT]);
    static STRS_CHILDREN: Children<1> = Children([&raw const STR]);
    pub static INTS: TypeDesc = TypeDesc {
        kind: desc_kind::ARRAY,
        count: 1,
        children: (&raw const INTS_CHILDREN).cast(),
        name: std::ptr::null(),
        field_names: std::ptr::null(),
    };
    pub static STRS: TypeDesc = TypeDesc {
        kind: desc_kind::ARRAY,
        count: 1,
        children: (&raw const STRS_CHILDREN).cast(),
        name: std::ptr::null(),
        field_names: std::ptr::null(),
    };
}

/// An `[int]` of `xs`, owned by the caller.
fn static_int_array(xs: &[i64]) -> *mut crate::value::Obj {
    use crate::value::array::{kr_array_new, ArrayObj};
    // SAFETY: a valid static descriptor; the fresh array has `xs.len()`
    // slots.
    unsafe {
        let a = kr_array_new(&static_descs::INTS, xs.len() as i64);
        for (slot, &x) in ArrayObj::elems_mut(a.cast()).iter_mut().zip(xs) {
            *slot = x as u64;
        }
        a
    }
}

#[test]
fn composite_value_panics() {
    use crate::value::array::*;
    use crate::value::strings::{kr_str_repeat, kr_str_slice};

    // Each entry panics at location 1 (main.kr:3:5); the values it built
    // leak with its abandoned frame, as JIT locals would.
    macro_rules! entry {
        (|$ctx:ident| $($body:tt)*) => {{
            extern "C" fn entry($ctx: *mut TaskCtx) {
                // SAFETY: `ctx` is the running task; the values are live.
                unsafe { $($body)* };
            }
            run_main(info(), entry)
        }};
    }
    let cases = [
        (
            entry!(|ctx| kr_panic_index(ctx, 5, 3, 1, -1, NO_FRAME)),
            "index out of bounds: the index is 5 but the length is 3",
        ),
        (
            entry!(|ctx| kr_array_insert(ctx, static_int_array(&[1, 2]), 3, 9, 1, -1, NO_FRAME)),
            "insertion index (is 3) should be <= len (is 2)",
        ),
        (
            entry!(|ctx| kr_array_insert(ctx, static_int_array(&[]), -1, 9, 1, -1, NO_FRAME)),
            "insertion index (is -1) should be <= len (is 0)",
        ),
        (
            entry!(|ctx| kr_array_remove(ctx, static_int_array(&[1, 2]), 2, 1, -1, NO_FRAME)),
            "index out of bounds: the index is 2 but the length is 2",
        ),
        (
            entry!(|ctx| kr_array_remove(ctx, static_int_array(&[1]), -1, 1, -1, NO_FRAME)),
            "index out of bounds: the index is -1 but the length is 1",
        ),
        (
            entry!(|ctx| kr_array_slice(ctx, static_int_array(&[1, 2]), -1, 1, 1, -1, NO_FRAME)),
            "slice range -1..1 out of bounds for length 2",
        ),
        (
            entry!(|ctx| kr_array_slice(ctx, static_int_array(&[1, 2]), 0, 3, 1, -1, NO_FRAME)),
            "slice range 0..3 out of bounds for length 2",
        ),
        (
            entry!(|ctx| kr_array_slice(ctx, static_int_array(&[1, 2]), 2, 1, 1, -1, NO_FRAME)),
            "slice range 2..1 out of bounds for length 2",
        ),
        (
            entry!(|ctx| kr_array_repeat(ctx, &static_descs::INTS, 0, -4, 1, -1, NO_FRAME)),
            "negative array length: -4",
        ),
        (
            entry!(|ctx| kr_array_sum_int(ctx, static_int_array(&[i64::MAX, 1]), 1, -1, NO_FRAME)),
            "integer overflow",
        ),
        (
            entry!(|ctx| kr_array_sum_int(ctx, static_int_array(&[i64::MIN, -1]), 1, -1, NO_FRAME)),
            "integer overflow",
        ),
        (
            entry!(|ctx| kr_str_slice(ctx, StrObj::new("héllo"), 0, 9, 1, -1, NO_FRAME)),
            "slice range 0..9 out of bounds for length 6",
        ),
        (
            entry!(|ctx| kr_str_slice(ctx, StrObj::new("héllo"), 3, 1, 1, -1, NO_FRAME)),
            "slice range 3..1 out of bounds for length 6",
        ),
        (
            entry!(|ctx| kr_str_slice(ctx, StrObj::new("héllo"), 0, 2, 1, -1, NO_FRAME)),
            "byte range 0..2 is not on a char boundary in \"héllo\"",
        ),
        (
            entry!(|ctx| kr_str_slice(ctx, StrObj::new("a\"é"), 3, 4, 1, -1, NO_FRAME)),
            "byte range 3..4 is not on a char boundary in \"a\\\"é\"",
        ),
        (
            entry!(|ctx| kr_str_repeat(ctx, StrObj::new("ab"), -2, 1, -1, NO_FRAME)),
            "negative repeat count: -2",
        ),
        (
            entry!(|ctx| kr_str_repeat(ctx, StrObj::new("ab"), i64::MAX, 1, -1, NO_FRAME)),
            "string too long",
        ),
    ];
    for (outcome, message) in cases {
        assert_eq!(outcome, panicked(message, Some(loc(3, 5))));
    }

    // A null ctx still ends the running task, with the same message.
    let outcome = entry!(|_ctx| kr_panic_index(std::ptr::null_mut(), 0, 0, 1, -1, NO_FRAME));
    assert_eq!(
        outcome,
        panicked(
            "index out of bounds: the index is 0 but the length is 0",
            Some(loc(3, 5))
        )
    );
}

#[test]
fn static_descriptors_work_from_a_task() {
    use crate::value::generic::kr_value_to_str;
    use crate::value::strings::kr_str_split;
    static SHOWN: std::sync::Mutex<String> = std::sync::Mutex::new(String::new());
    extern "C" fn entry(_ctx: *mut TaskCtx) {
        // SAFETY: live values; static descriptors.
        unsafe {
            let text = StrObj::new("a b  c");
            let sep = StrObj::new(" ");
            let parts = kr_str_split(text, sep, &static_descs::STRS);
            let shown = kr_value_to_str(parts as usize as i64, &static_descs::STRS);
            *SHOWN.lock().unwrap_or_else(|e| e.into_inner()) =
                crate::value::str::as_str(shown).to_string();
            for p in [text, sep, shown, parts.cast()] {
                crate::value::str::kr_release(p);
            }
        }
    }
    assert_eq!(run_main(info(), entry), Outcome::Returned);
    assert_eq!(
        *SHOWN.lock().unwrap_or_else(|e| e.into_inner()),
        r#"["a", "b", "", "c"]"#
    );
}
