//! Input and the file system: `args()`, `read_line()`, `read_file(p)` and
//! `write_file(p, s)`.
//!
//! Every function borrows its arguments and returns a new value; `desc` is
//! the descriptor of the result (`[str]`, `Option<str>`, `Result<str, str>`
//! or `Result<(), str>`), which the compiler always passes.
//!
//! These calls block the worker thread while they wait on the outside
//! world (a terminal, a pipe, a disk): the tasks queued on that worker wait
//! too (see `HACKING.md`). An I/O error is never a panic: `read_line`
//! returns `None` at end of input or on a read error, the file functions
//! return `Err(message)` with a message of the form `cannot read "x.txt":
//! No such file or directory (os error 2)` (the path in the display form of
//! a quoted string, then the operating system's error).

use std::io::BufRead;

use crate::ctx::TaskCtx;
use crate::output::flush_stdout;
use crate::panic::guard;
use crate::value::array::ArrayObj;
use crate::value::desc::TypeDesc;
use crate::value::display::write_debug_str;
use crate::value::record::{enum_unit, enum_with, NONE_TAG, SOME_TAG};
use crate::value::str::{as_str, StrObj};
use crate::value::Obj;

/// The tag of `Result::Ok`.
const OK_TAG: u64 = 0;
/// The tag of `Result::Err`.
const ERR_TAG: u64 = 1;

/// `args()`: a new `[str]` (type `desc`) of the program's arguments after
/// its file name ([`crate::ProgramInfo::args`]).
///
/// # Safety
/// `ctx` is the running task's context; `desc` a valid `[str]` descriptor.
pub unsafe extern "C" fn kr_args(ctx: *mut TaskCtx, desc: *const TypeDesc) -> *mut Obj {
    guard(ctx, || {
        // SAFETY: caller's contract.
        let program = unsafe { (*ctx).program() };
        let args = &program.args;
        let slots: Vec<u64> = args
            .iter()
            .map(|a| StrObj::new(a) as usize as u64)
            .collect();
        // SAFETY: caller's contract; the strings are owned by the new array.
        unsafe { ArrayObj::from_slots(desc, &slots) }.cast()
    })
}

/// `read_line()`: `Some(line)` for the next line of stdin without its
/// `\n` (or `\r\n`), `None` at end of input (or on a read error). A last
/// line without a newline is still a line. Bytes that are not UTF-8 become
/// U+FFFD. Flushes stdout first, so a prompt printed with `print` shows
/// before the program waits. Blocks the worker thread.
///
/// # Safety
/// `ctx` is the running task's context; `desc` a valid `Option<str>`
/// descriptor.
pub unsafe extern "C" fn kr_read_line(ctx: *mut TaskCtx, desc: *const TypeDesc) -> *mut Obj {
    guard(ctx, || {
        flush_stdout();
        let mut line = Vec::new();
        let read = std::io::stdin().lock().read_until(b'\n', &mut line);
        // SAFETY: caller's contract.
        unsafe {
            match read {
                Ok(n) if n > 0 => {
                    if line.last() == Some(&b'\n') {
                        line.pop();
                        if line.last() == Some(&b'\r') {
                            line.pop();
                        }
                    }
                    let s = StrObj::new(&String::from_utf8_lossy(&line));
                    enum_with(desc, SOME_TAG, s as usize as u64)
                }
                _ => enum_unit(desc, NONE_TAG),
            }
        }
    })
}

/// The message of a failed file operation: `cannot {what} "path": {error}`.
fn io_message(what: &str, path: &str, error: &dyn std::fmt::Display) -> String {
    let mut quoted = String::new();
    let _ = write_debug_str(&mut quoted, path);
    format!("cannot {what} {quoted}: {error}")
}

/// A new `Err(message)` of the result type `desc`.
///
/// # Safety
/// `desc` is a valid `Result<_, str>` descriptor.
unsafe fn err(desc: *const TypeDesc, message: &str) -> *mut Obj {
    // SAFETY: caller's contract; the new string is owned by the result.
    unsafe { enum_with(desc, ERR_TAG, StrObj::new(message) as usize as u64) }
}

/// `read_file(path) -> Result<str, str>`: the whole file, or `Err` with
/// `cannot read "path": {os error}`; a file that is not valid UTF-8 is
/// `Err` with `cannot read "path": invalid UTF-8 at byte {n}`.
///
/// # Safety
/// `ctx` is the running task's context; `path` null or a live string;
/// `desc` a valid `Result<str, str>` descriptor.
pub unsafe extern "C" fn kr_read_file(
    ctx: *mut TaskCtx,
    path: *mut StrObj,
    desc: *const TypeDesc,
) -> *mut Obj {
    guard(ctx, || {
        // SAFETY: caller's contract.
        let path = unsafe { as_str(path) };
        let result = std::fs::read(path)
            .map_err(|e| io_message("read", path, &e))
            .and_then(|bytes| {
                String::from_utf8(bytes).map_err(|e| {
                    let at = e.utf8_error().valid_up_to();
                    io_message("read", path, &format_args!("invalid UTF-8 at byte {at}"))
                })
            });
        // SAFETY: caller's contract.
        unsafe {
            match result {
                Ok(text) => enum_with(desc, OK_TAG, StrObj::new(&text) as usize as u64),
                Err(message) => err(desc, &message),
            }
        }
    })
}

/// `write_file(path, s) -> Result<(), str>`: creates or truncates the
/// file and writes `s`, or `Err` with `cannot write "path": {os error}`.
///
/// # Safety
/// `ctx` is the running task's context; `path` and `s` null or live
/// strings; `desc` a valid `Result<(), str>` descriptor.
pub unsafe extern "C" fn kr_write_file(
    ctx: *mut TaskCtx,
    path: *mut StrObj,
    s: *mut StrObj,
    desc: *const TypeDesc,
) -> *mut Obj {
    guard(ctx, || {
        // SAFETY: caller's contract.
        let (path, text) = unsafe { (as_str(path), as_str(s)) };
        // SAFETY: caller's contract.
        unsafe {
            match std::fs::write(path, text) {
                Ok(()) => enum_with(desc, OK_TAG, 0),
                Err(e) => err(desc, &io_message("write", path, &e)),
            }
        }
    })
}
