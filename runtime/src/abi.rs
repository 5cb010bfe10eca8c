//! The single list of `extern "C"` entry points that JIT-compiled code may
//! call. The compiler declares its imports from [`symbols`], so the two
//! sides can never disagree about a name or a signature: the macro below
//! coerces each function to the declared signature, and a mismatch is a
//! Rust compile error.
//!
//! Conventions: `ctx` is the running task's [`crate::ctx::TaskCtx`];
//! strings are `*mut StrObj` and are borrowed unless the function's doc
//! says it returns a new (owned) one. Every function that can panic ends
//! with the three arguments that say where: `loc`, an index into the
//! program's location table ([`crate::ProgramInfo::locations`]); `func`,
//! the scope of the calling code (the calling function's index in
//! [`crate::ProgramInfo::functions`], or a body inlined into it); and
//! `frame`, the calling function's frame pointer (Cranelift's
//! `get_frame_pointer`), where the stack trace starts ([`crate::trace`]).
//! Unknown: `loc`/`func` negative, `frame` null.

use crate::ctx::TaskCtx;
use crate::value::str::{StrBuilder, StrObj};

/// A machine type in a runtime signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AbiType {
    /// `bool`, passed as one byte (0 or 1).
    I8,
    /// `int`.
    I64,
    /// `float`.
    F64,
    /// A pointer (heap object, builder, or `*mut TaskCtx`).
    Ptr,
}

/// Maps a Rust parameter type to its [`AbiType`].
pub trait AbiTy {
    /// The machine type of `Self`.
    const TYPE: AbiType;
}
impl AbiTy for i64 {
    const TYPE: AbiType = AbiType::I64;
}
impl AbiTy for f64 {
    const TYPE: AbiType = AbiType::F64;
}
impl AbiTy for bool {
    const TYPE: AbiType = AbiType::I8;
}
impl<T> AbiTy for *mut T {
    const TYPE: AbiType = AbiType::Ptr;
}
impl<T> AbiTy for *const T {
    const TYPE: AbiType = AbiType::Ptr;
}

/// One runtime function JIT code can call.
#[derive(Clone, Debug)]
pub struct Symbol {
    /// The symbol name JIT code imports.
    pub name: &'static str,
    /// Parameter types, in order.
    pub params: &'static [AbiType],
    /// `None` for functions returning nothing.
    pub ret: Option<AbiType>,
    /// True when the function never returns (panics, exit).
    pub noreturn: bool,
    /// The function's address, for the JIT's symbol lookup.
    pub addr: *const u8,
}

// SAFETY: `addr` is the address of a `'static` function, valid on every thread.
unsafe impl Send for Symbol {}
unsafe impl Sync for Symbol {}

macro_rules! abi_symbols {
    ($( fn $name:ident ( $($arg:ident : $ty:ty),* ) $(-> $ret:ty)? $([$noreturn:ident])? = $path:path ; )*) => {
        /// Every runtime entry point, with its signature and address.
        pub fn symbols() -> Vec<Symbol> {
            vec![$(
                Symbol {
                    name: stringify!($name),
                    params: &[$(<$ty as AbiTy>::TYPE),*],
                    ret: abi_symbols!(@ret $($ret)?),
                    noreturn: abi_symbols!(@noreturn $($noreturn)?),
                    addr: {
                        let f: unsafe extern "C" fn($($ty),*) $(-> $ret)? = $path;
                        f as *const u8
                    },
                }
            ),*]
        }
    };
    (@ret) => { None };
    (@ret $ret:ty) => { Some(<$ret as AbiTy>::TYPE) };
    (@noreturn) => { false };
    (@noreturn noreturn) => { true };
}

use crate::sched::{atomic, chan, select, task, timer};
use crate::value::desc::TypeDesc;
use crate::value::Obj;
use crate::value::{array as arr, generic, map, record as rec, strings};
use crate::{host, io, math, output, panic, random, value::str as s};

abi_symbols! {
    // Reference counting of heap objects (null is ignored).
    fn kr_retain(p: *mut StrObj) = s::kr_retain;
    fn kr_release(p: *mut StrObj) = s::kr_release;

    // Strings. Functions returning *mut StrObj return a new reference.
    fn kr_str_concat(a: *mut StrObj, b: *mut StrObj) -> *mut StrObj = s::kr_str_concat;
    fn kr_str_append(a: *mut StrObj, b: *mut StrObj) -> *mut StrObj = s::kr_str_append;
    fn kr_str_eq(a: *mut StrObj, b: *mut StrObj) -> bool = s::kr_str_eq;
    fn kr_str_cmp(a: *mut StrObj, b: *mut StrObj) -> i64 = s::kr_str_cmp;
    fn kr_str_debug(a: *mut StrObj) -> *mut StrObj = s::kr_str_debug;
    fn kr_int_to_str(v: i64) -> *mut StrObj = s::kr_int_to_str;
    fn kr_float_to_str(v: f64) -> *mut StrObj = s::kr_float_to_str;
    fn kr_bool_to_str(v: bool) -> *mut StrObj = s::kr_bool_to_str;
    fn kr_float_fixed(ctx: *mut TaskCtx, v: f64, digits: i64, loc: i64, func: i64, frame: *const usize) -> *mut StrObj = s::kr_float_fixed;

    // String builder for interpolation: new, push parts, finish (which
    // frees the builder and returns the string).
    fn kr_sb_new() -> *mut StrBuilder = s::kr_sb_new;
    fn kr_sb_push_str(b: *mut StrBuilder, v: *mut StrObj) = s::kr_sb_push_str;
    fn kr_sb_push_int(b: *mut StrBuilder, v: i64) = s::kr_sb_push_int;
    fn kr_sb_push_float(b: *mut StrBuilder, v: f64) = s::kr_sb_push_float;
    fn kr_sb_push_bool(b: *mut StrBuilder, v: bool) = s::kr_sb_push_bool;
    fn kr_sb_finish(b: *mut StrBuilder) -> *mut StrObj = s::kr_sb_finish;

    // Output. `stream`: 0 = stdout, 1 = stdout + newline, 2 = stderr + newline.
    fn kr_print(ctx: *mut TaskCtx, v: *mut StrObj, stream: i64) = output::kr_print;

    // Math that Cranelift has no instruction for.
    fn kr_math_pow(a: f64, b: f64) -> f64 = math::kr_math_pow;
    fn kr_math_sin(a: f64) -> f64 = math::kr_math_sin;
    fn kr_math_cos(a: f64) -> f64 = math::kr_math_cos;
    fn kr_math_tan(a: f64) -> f64 = math::kr_math_tan;
    fn kr_math_atan2(a: f64, b: f64) -> f64 = math::kr_math_atan2;
    fn kr_math_exp(a: f64) -> f64 = math::kr_math_exp;
    fn kr_math_ln(a: f64) -> f64 = math::kr_math_ln;
    fn kr_math_round(a: f64) -> f64 = math::kr_math_round;
    fn kr_clock() -> f64 = math::kr_clock;

    // Randomness (`random.rs`): a per-task generator. random_int panics
    // "random_int: empty range {lo}..{hi}" when lo >= hi.
    fn kr_random(ctx: *mut TaskCtx) -> f64 = random::kr_random;
    fn kr_random_int(ctx: *mut TaskCtx, lo: i64, hi: i64, loc: i64, func: i64, frame: *const usize) -> i64 = random::kr_random_int;

    // Input and files (`io.rs`). They block the worker thread; errors are
    // values (None, Err(message)), never panics. `desc` is the result's
    // descriptor: `[str]`, `Option<str>`, `Result<str, str>`,
    // `Result<(), str>`. Strings are borrowed.
    fn kr_args(ctx: *mut TaskCtx, desc: *const TypeDesc) -> *mut Obj = io::kr_args;
    fn kr_read_line(ctx: *mut TaskCtx, desc: *const TypeDesc) -> *mut Obj = io::kr_read_line;
    fn kr_read_file(ctx: *mut TaskCtx, path: *mut StrObj, desc: *const TypeDesc) -> *mut Obj = io::kr_read_file;
    fn kr_write_file(ctx: *mut TaskCtx, path: *mut StrObj, s: *mut StrObj, desc: *const TypeDesc) -> *mut Obj = io::kr_write_file;

    // Ending the task or the program.
    fn kr_panic(ctx: *mut TaskCtx, msg: *mut StrObj, loc: i64, func: i64, frame: *const usize) [noreturn] = panic::kr_panic;
    fn kr_panic_kind(ctx: *mut TaskCtx, kind: i64, value: i64, loc: i64, func: i64, frame: *const usize) [noreturn] = panic::kr_panic_kind;
    fn kr_assert_eq_failed(ctx: *mut TaskCtx, left: *mut StrObj, right: *mut StrObj, loc: i64, func: i64, frame: *const usize) [noreturn] = panic::kr_assert_eq_failed;
    fn kr_exit(ctx: *mut TaskCtx, code: i64) [noreturn] = panic::kr_exit;

    // ---- Composite values (see value/desc.rs for TypeDesc and layouts).
    // A value in a slot or argument of type i64 is the 8-byte encoding of
    // any Kriti value: int bits, float bits, bool 0/1, unit 0, or an object
    // pointer. `desc` describes its type. Functions that can panic end
    // with (loc, func, frame) like kr_panic_kind.

    // Construction: new objects have rc 1 and zeroed slots that the caller
    // fills with owned values.
    fn kr_record_new(desc: *const TypeDesc) -> *mut Obj = rec::kr_record_new;
    // An enum value of variant `tag` (an enum desc): the tag is stored,
    // payload slots 1.. are zeroed for the caller to fill.
    fn kr_enum_new(desc: *const TypeDesc, tag: i64) -> *mut Obj = rec::kr_enum_new;
    fn kr_array_new(desc: *const TypeDesc, len: i64) -> *mut Obj = arr::kr_array_new;
    fn kr_array_repeat(ctx: *mut TaskCtx, desc: *const TypeDesc, v: i64, n: i64, loc: i64, func: i64, frame: *const usize) -> *mut Obj = arr::kr_array_repeat;
    // Consumes one reference to `p`; returns an object with rc 1 holding
    // the same value (`p` itself when it was already unique).
    fn kr_make_unique(p: *mut Obj) -> *mut Obj = rec::kr_make_unique;
    // Copy-on-write of the object stored at `slot` (a field or element),
    // which is replaced by a unique one. The `_preserve_all` suffix makes
    // the compiler call it with the preserve_all convention: it clobbers
    // no register, so a cold call of it costs the hot path no spills.
    fn kr_make_unique_at_preserve_all(slot: *mut *mut Obj) = rec::kr_make_unique_at_preserve_all;

    // Generic operations through descriptors.
    fn kr_value_eq(a: i64, b: i64, desc: *const TypeDesc) -> bool = generic::kr_value_eq;
    fn kr_sb_push_value(b: *mut StrBuilder, v: i64, desc: *const TypeDesc) = generic::kr_sb_push_value;
    fn kr_value_to_str(v: i64, desc: *const TypeDesc) -> *mut StrObj = generic::kr_value_to_str;
    fn kr_value_debug(v: i64, desc: *const TypeDesc) -> *mut StrObj = generic::kr_value_debug;

    // Arrays. `a` is borrowed; functions marked "unique" receive an array
    // the caller made unique (it keeps its reference). Pushed and inserted
    // values are consumed; returned values are owned.
    fn kr_panic_index(ctx: *mut TaskCtx, index: i64, len: i64, loc: i64, func: i64, frame: *const usize) [noreturn] = arr::kr_panic_index;
    fn kr_array_push(a: *mut Obj, v: i64) = arr::kr_array_push;
    fn kr_array_insert(ctx: *mut TaskCtx, a: *mut Obj, i: i64, v: i64, loc: i64, func: i64, frame: *const usize) = arr::kr_array_insert;
    fn kr_array_remove(ctx: *mut TaskCtx, a: *mut Obj, i: i64, loc: i64, func: i64, frame: *const usize) -> i64 = arr::kr_array_remove;
    fn kr_array_clear(a: *mut Obj) = arr::kr_array_clear;
    fn kr_array_reserve(a: *mut Obj, n: i64) = arr::kr_array_reserve;
    fn kr_array_reverse(a: *mut Obj) = arr::kr_array_reverse;
    fn kr_array_sort(a: *mut Obj) = arr::kr_array_sort;
    // `less` is the closure, `entry` its generated comparison entry.
    fn kr_array_sort_by(ctx: *mut TaskCtx, a: *mut Obj, less: *mut Obj, entry: *const u8, loc: i64, func: i64, frame: *const usize) = arr::kr_array_sort_by;
    fn kr_array_join(a: *mut Obj, sep: *mut StrObj) -> *mut StrObj = arr::kr_array_join;
    fn kr_array_sum_int(ctx: *mut TaskCtx, a: *mut Obj, loc: i64, func: i64, frame: *const usize) -> i64 = arr::kr_array_sum_int;
    fn kr_array_sum_float(a: *mut Obj) -> f64 = arr::kr_array_sum_float;
    fn kr_array_enumerate(a: *mut Obj, desc: *const TypeDesc) -> *mut Obj = arr::kr_array_enumerate;
    fn kr_array_concat(a: *mut Obj, b: *mut Obj) -> *mut Obj = arr::kr_array_concat;
    fn kr_array_slice(ctx: *mut TaskCtx, a: *mut Obj, start: i64, end: i64, loc: i64, func: i64, frame: *const usize) -> *mut Obj = arr::kr_array_slice;
    // Option-returning array functions; `desc` is the result's `Option<T>`
    // descriptor. `kr_array_pop` receives a unique array.
    fn kr_array_pop(a: *mut Obj, desc: *const TypeDesc) -> *mut Obj = arr::kr_array_pop;
    fn kr_array_min(a: *mut Obj, desc: *const TypeDesc) -> *mut Obj = arr::kr_array_min;
    fn kr_array_max(a: *mut Obj, desc: *const TypeDesc) -> *mut Obj = arr::kr_array_max;

    // Maps (`value/map.rs`). `m` is borrowed; insert and remove receive a
    // map the caller made unique. Insert consumes its key and value; other
    // keys are borrowed. `desc` is the result's descriptor (`Option<V>`,
    // `[K]`, `[V]`, `[(K, V)]`, or the map type for `kr_map_new`).
    fn kr_map_new(desc: *const TypeDesc) -> *mut Obj = map::kr_map_new;
    fn kr_map_insert(m: *mut Obj, k: i64, v: i64) = map::kr_map_insert;
    fn kr_map_get(m: *mut Obj, k: i64, desc: *const TypeDesc) -> *mut Obj = map::kr_map_get;
    fn kr_map_index(ctx: *mut TaskCtx, m: *mut Obj, k: i64, loc: i64, func: i64, frame: *const usize) -> i64 = map::kr_map_index;
    fn kr_map_remove(m: *mut Obj, k: i64, desc: *const TypeDesc) -> *mut Obj = map::kr_map_remove;
    fn kr_map_contains(m: *mut Obj, k: i64) -> bool = map::kr_map_contains;
    fn kr_map_len(m: *mut Obj) -> i64 = map::kr_map_len;
    fn kr_map_keys(m: *mut Obj, desc: *const TypeDesc) -> *mut Obj = map::kr_map_keys;
    fn kr_map_values(m: *mut Obj, desc: *const TypeDesc) -> *mut Obj = map::kr_map_values;
    fn kr_map_entries(m: *mut Obj, desc: *const TypeDesc) -> *mut Obj = map::kr_map_entries;

    // More strings (all borrow their arguments and return new values).
    // `desc` is the descriptor of the `[str]` or `[int]` result.
    fn kr_str_slice(ctx: *mut TaskCtx, s: *mut StrObj, start: i64, end: i64, loc: i64, func: i64, frame: *const usize) -> *mut StrObj = strings::kr_str_slice;
    fn kr_str_chars(s: *mut StrObj, desc: *const TypeDesc) -> *mut Obj = strings::kr_str_chars;
    fn kr_str_bytes(s: *mut StrObj, desc: *const TypeDesc) -> *mut Obj = strings::kr_str_bytes;
    fn kr_str_contains(s: *mut StrObj, t: *mut StrObj) -> bool = strings::kr_str_contains;
    fn kr_str_starts_with(s: *mut StrObj, t: *mut StrObj) -> bool = strings::kr_str_starts_with;
    fn kr_str_ends_with(s: *mut StrObj, t: *mut StrObj) -> bool = strings::kr_str_ends_with;
    fn kr_str_split(s: *mut StrObj, sep: *mut StrObj, desc: *const TypeDesc) -> *mut Obj = strings::kr_str_split;
    fn kr_str_lines(s: *mut StrObj, desc: *const TypeDesc) -> *mut Obj = strings::kr_str_lines;
    fn kr_str_trim(s: *mut StrObj) -> *mut StrObj = strings::kr_str_trim;
    fn kr_str_to_upper(s: *mut StrObj) -> *mut StrObj = strings::kr_str_to_upper;
    fn kr_str_to_lower(s: *mut StrObj) -> *mut StrObj = strings::kr_str_to_lower;
    fn kr_str_replace(s: *mut StrObj, from: *mut StrObj, to: *mut StrObj) -> *mut StrObj = strings::kr_str_replace;
    fn kr_str_repeat(ctx: *mut TaskCtx, s: *mut StrObj, n: i64, loc: i64, func: i64, frame: *const usize) -> *mut StrObj = strings::kr_str_repeat;
    // Option-returning string functions; `desc` is the result's
    // `Option<int>` / `Option<float>` descriptor.
    fn kr_str_find(s: *mut StrObj, t: *mut StrObj, desc: *const TypeDesc) -> *mut Obj = strings::kr_str_find;
    fn kr_parse_int(s: *mut StrObj, desc: *const TypeDesc) -> *mut Obj = strings::kr_parse_int;
    fn kr_parse_float(s: *mut StrObj, desc: *const TypeDesc) -> *mut Obj = strings::kr_parse_float;

    // ---- Tasks, channels, select, timers, atomics (`sched/`).
    // Values cross as slots (i64), as above.
    //
    // Tasks. `entry` is a JIT function `extern "C" fn(ctx: *mut TaskCtx,
    // env: *mut Obj) -> i64` that owns `env` (it releases it); its return
    // value is the task's result in slot encoding, owned (the task object
    // releases it through `result_desc` when it dies, and retains it for
    // each join). Returns the new handle (rc 1, owned by the caller); the
    // runtime holds its own reference while the task runs. Panics "too
    // many tasks: ..." beyond the run's task limit (`RunConfig::max_tasks`).
    fn kr_spawn(ctx: *mut TaskCtx, entry: *const u8, env: *mut Obj, result_desc: *const TypeDesc, loc: i64, func: i64, frame: *const usize) -> *mut Obj = task::kr_spawn;
    // Waits for `t` (borrowed) and returns its result, retained (join may
    // be called more than once). Re-raises the task's panic: message,
    // location and trace of the original.
    fn kr_task_join(ctx: *mut TaskCtx, t: *mut Obj, loc: i64, func: i64, frame: *const usize) -> i64 = task::kr_task_join;
    // Channels. `cap` 0 = unbuffered; negative panics "negative channel
    // capacity: -3". `elem_desc` describes the element type.
    fn kr_chan_new(ctx: *mut TaskCtx, cap: i64, elem_desc: *const TypeDesc, loc: i64, func: i64, frame: *const usize) -> *mut Obj = chan::kr_chan_new;
    // Consumes `v`. Waits while full (unbuffered: until a receiver takes
    // it). Panics "send on a closed channel" (also if closed while waiting).
    fn kr_chan_send(ctx: *mut TaskCtx, ch: *mut Obj, v: i64, loc: i64, func: i64, frame: *const usize) = chan::kr_chan_send;
    // Waits for a value; returns an owned Option<T> (`opt_desc`): Some(v),
    // or None once closed and drained.
    fn kr_chan_recv(ctx: *mut TaskCtx, ch: *mut Obj, opt_desc: *const TypeDesc, loc: i64, func: i64, frame: *const usize) -> *mut Obj = chan::kr_chan_recv;
    // Never waits. Consumes `v` either way (released when not sent).
    // Panics on a closed channel like send.
    fn kr_chan_try_send(ctx: *mut TaskCtx, ch: *mut Obj, v: i64, loc: i64, func: i64, frame: *const usize) -> bool = chan::kr_chan_try_send;
    fn kr_chan_try_recv(ch: *mut Obj, opt_desc: *const TypeDesc) -> *mut Obj = chan::kr_chan_try_recv;
    // Panics "close of a closed channel". Wakes every waiting receiver
    // (None after draining) and sender (they panic).
    fn kr_chan_close(ctx: *mut TaskCtx, ch: *mut Obj, loc: i64, func: i64, frame: *const usize) = chan::kr_chan_close;
    // Values buffered now.
    fn kr_chan_len(ch: *mut Obj) -> i64 = chan::kr_chan_len;
    // select: `ops` points to `n` `select::SelectOp` records (repr(C), 32
    // bytes: chan, kind 0 recv / 1 send, value, opt_desc). Send values are
    // owned: consumed if chosen, released otherwise. A chosen recv op gets
    // its owned Option<T> written into `value`. `timeout_ms` < 0: no
    // `after` arm; `has_default`: never waits (-2 when nothing is ready).
    // Returns the chosen op's index, -1 for the timeout, -2 for the
    // default; uniformly random among ready ops. A chosen send on a closed
    // channel panics "send on a closed channel".
    fn kr_select(ctx: *mut TaskCtx, ops: *mut u8, n: i64, timeout_ms: i64, has_default: bool, loc: i64, func: i64, frame: *const usize) -> i64 = select::kr_select;
    // Park the task, never the worker thread. ms <= 0 yields.
    fn kr_sleep(ctx: *mut TaskCtx, ms: i64) = timer::kr_sleep;
    fn kr_yield_now(ctx: *mut TaskCtx) = task::kr_yield_now;
    // Called when `*(ctx + 8) != 0` (the preempt flag) at a poll.
    // The preemption poll's cold call (preserves every register).
    fn kr_preempt_preserve_all(ctx: *mut TaskCtx) = task::kr_preempt_preserve_all;
    fn kr_worker_count(ctx: *mut TaskCtx) -> i64 = task::kr_worker_count;
    // Atomic counters (kind ATOMIC). add returns the new value; overflow
    // panics "integer overflow" (no change).
    fn kr_atomic_new(v: i64) -> *mut Obj = atomic::kr_atomic_new;
    fn kr_atomic_add(ctx: *mut TaskCtx, a: *mut Obj, k: i64, loc: i64, func: i64, frame: *const usize) -> i64 = atomic::kr_atomic_add;
    fn kr_atomic_get(a: *mut Obj) -> i64 = atomic::kr_atomic_get;
    fn kr_atomic_set(a: *mut Obj, v: i64) = atomic::kr_atomic_set;
    fn kr_atomic_cas(a: *mut Obj, old: i64, new: i64) -> bool = atomic::kr_atomic_cas;

    // Host functions (registered by an embedding host): calls function
    // `index` of `ProgramInfo::host` with the arguments in the record
    // `args` (borrowed; null when there are none); returns its result in
    // slot encoding, owned. A Rust panic in it panics "host function
    // `name` panicked: ...".
    fn kr_host_call(ctx: *mut TaskCtx, index: i64, args: *mut Obj, loc: i64, func: i64, frame: *const usize) -> i64 = host::kr_host_call;
}

/// The `kind` argument of `kr_panic_kind`: panics whose message the runtime
/// writes. `value` is shown where the message has a number in it.
pub mod panic_kind {
    /// "integer overflow"
    pub const OVERFLOW: i64 = 0;
    /// "division by zero"
    pub const DIV_BY_ZERO: i64 = 1;
    /// "remainder by zero"
    pub const REM_BY_ZERO: i64 = 2;
    /// "shift amount out of range: {value}"
    pub const SHIFT_OUT_OF_RANGE: i64 = 3;
    /// "float to int conversion out of range" (NaN, inf, or too large);
    /// `value` is unused.
    pub const FLOAT_TO_INT: i64 = 4;
    /// "assertion failed"
    pub const ASSERTION: i64 = 5;
    /// "stack overflow"
    pub const STACK_OVERFLOW: i64 = 6;
    /// "negative number of digits: {value}" (from `x.fixed(n)`)
    pub const NEGATIVE_DIGITS: i64 = 7;
}
