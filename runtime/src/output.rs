//! Program output: `print`, `println` and `eprintln`.
//!
//! Stdout is buffered here, in one process-wide buffer behind a lock. Each
//! call appends its whole text (and newline) under the lock, so lines
//! printed by different tasks never interleave mid-line. The buffer is
//! written out:
//! - after every call that contains a newline, when stdout is a terminal
//!   (line buffering, so an interactive user sees each line at once);
//! - when it holds [`BLOCK_BUFFER_SIZE`] bytes, otherwise (pipes and files:
//!   few large writes);
//! - before anything is written to stderr, so the two streams interleave in
//!   program order on a terminal;
//! - by [`flush_stdout`], which [`crate::run_main`] calls before returning
//!   (and which anything that waits for input must call first).
//!
//! Stderr is not buffered: `eprintln` writes its line at once.
//!
//! A run may send both elsewhere ([`crate::RunConfig::stdout`] and
//! `stderr`, an embedding host's writers): each call then writes its whole
//! text to that writer under the writer's lock, unbuffered.
//!
//! A closed pipe is not an error for the program: once a write to stdout
//! fails with `BrokenPipe`, further stdout output is discarded (see
//! [`stdout_broken`]). This relies on SIGPIPE being ignored, which Rust's
//! runtime does for every Rust binary; a non-Rust host that embeds Kriti
//! must ignore SIGPIPE itself.

use std::io::{self, ErrorKind, IsTerminal, Write};
use std::sync::{Mutex, MutexGuard, PoisonError};

use crate::config::{write_to, RunConfig};
use crate::ctx::TaskCtx;
use crate::panic::guard;
use crate::value::str::{as_str, StrObj};

/// Size at which the stdout buffer is written out when stdout is not a
/// terminal. 64 KiB is the default pipe capacity on Linux: one write fills
/// the pipe, and the buffer stays small enough not to matter.
pub const BLOCK_BUFFER_SIZE: usize = 64 * 1024;

/// The stdout buffer and what we know about stdout.
#[derive(Debug)]
struct Buffered {
    buf: Vec<u8>,
    /// `None` until the first write decides (stdout is a terminal or not).
    line_buffered: Option<bool>,
    /// A write failed with `BrokenPipe`: discard everything from now on.
    broken: bool,
}

impl Buffered {
    const fn new() -> Self {
        Self {
            buf: Vec::new(),
            line_buffered: None,
            broken: false,
        }
    }

    /// Appends `text` (and a newline) and writes the buffer to `sink` when
    /// the buffering mode says so.
    fn print<W: Write>(&mut self, sink: impl FnOnce() -> W, text: &[u8], newline: bool) {
        if self.broken {
            return;
        }
        self.buf.extend_from_slice(text);
        if newline {
            self.buf.push(b'\n');
        }
        let line_buffered = *self
            .line_buffered
            .get_or_insert_with(|| io::stdout().is_terminal());
        let due = if line_buffered {
            newline || text.contains(&b'\n')
        } else {
            self.buf.len() >= BLOCK_BUFFER_SIZE
        };
        if due {
            self.flush(&mut sink());
        }
    }

    /// Writes the whole buffer to `sink`.
    fn flush(&mut self, sink: &mut dyn Write) {
        if self.buf.is_empty() {
            return;
        }
        let result = sink.write_all(&self.buf).and_then(|()| sink.flush());
        // On any error the data is dropped: retrying could only duplicate
        // part of it.
        self.buf.clear();
        if let Err(e) = result {
            if e.kind() == ErrorKind::BrokenPipe {
                self.broken = true;
                self.buf = Vec::new();
            }
        }
    }
}

static STDOUT: Mutex<Buffered> = Mutex::new(Buffered::new());

/// Locks the stdout buffer. A poisoned lock is still usable: the buffer is
/// a plain byte vector, consistent after any panic.
fn lock_stdout() -> MutexGuard<'static, Buffered> {
    STDOUT.lock().unwrap_or_else(PoisonError::into_inner)
}

fn real_stdout() -> io::StdoutLock<'static> {
    io::stdout().lock()
}

/// Writes out everything buffered for stdout.
pub fn flush_stdout() {
    lock_stdout().flush(&mut io::stdout().lock());
}

/// True once a write to stdout has failed because the reader went away
/// (a closed pipe); from then on stdout output is discarded.
pub fn stdout_broken() -> bool {
    lock_stdout().broken
}

/// Prints text to stdout (buffered).
pub fn print_stdout(text: &str, newline: bool) {
    lock_stdout().print(real_stdout, text.as_bytes(), newline);
}

/// Prints a line to stderr, after writing out buffered stdout.
pub fn print_stderr_line(text: &str) {
    // Hold the stdout lock while writing to stderr, so that another task's
    // stdout line cannot slip in between the flush and the stderr line.
    let mut out = lock_stdout();
    out.flush(&mut io::stdout().lock());
    let mut err = io::stderr().lock();
    // Errors on stderr have nowhere to be reported; ignore them.
    let _ = err
        .write_all(text.as_bytes())
        .and_then(|()| err.write_all(b"\n"))
        .and_then(|()| err.flush());
}

/// `print(s)` (`stream` 0), `println(s)` (1) or `eprintln(s)` (2). `s` is
/// borrowed.
///
/// # Safety
/// `ctx` is the running task's context; `s` is null or a live string.
pub unsafe extern "C" fn kr_print(ctx: *mut TaskCtx, s: *mut StrObj, stream: i64) {
    guard(ctx, || {
        // SAFETY: a live string (caller's contract).
        let text = unsafe { as_str(s) };
        // SAFETY: `ctx` is the running task's context.
        let config = unsafe { crate::sched::config_of(ctx) };
        match (stream, config) {
            (
                0 | 1,
                Some(RunConfig {
                    stdout: Some(w), ..
                }),
            ) => write_to(w, text, stream == 1),
            (0, _) => print_stdout(text, false),
            (1, _) => print_stdout(text, true),
            (2, Some(config)) => config.print_stderr_line(text),
            (2, None) => print_stderr_line(text),
            _ => panic!("kr_print: unknown stream {stream}"),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;
    use std::rc::Rc;

    /// A sink that records writes, or fails them with `BrokenPipe`.
    #[derive(Clone, Default)]
    struct Sink {
        written: Rc<RefCell<Vec<Vec<u8>>>>,
        broken: bool,
    }

    impl Write for Sink {
        fn write(&mut self, b: &[u8]) -> io::Result<usize> {
            if self.broken {
                return Err(io::Error::from(ErrorKind::BrokenPipe));
            }
            self.written.borrow_mut().push(b.to_vec());
            Ok(b.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    fn buffered(line: bool) -> Buffered {
        Buffered {
            line_buffered: Some(line),
            ..Buffered::new()
        }
    }

    #[test]
    fn line_buffered_writes_whole_lines() {
        let sink = Sink::default();
        let mut out = buffered(true);
        let s = sink.clone();
        out.print(move || s, b"a", false);
        assert!(sink.written.borrow().is_empty());
        let s = sink.clone();
        out.print(move || s, b"b", true);
        assert_eq!(*sink.written.borrow(), vec![b"ab\n".to_vec()]);
    }

    #[test]
    fn block_buffered_waits_for_a_full_buffer() {
        let sink = Sink::default();
        let mut out = buffered(false);
        for _ in 0..10 {
            let s = sink.clone();
            out.print(move || s, b"line", true);
        }
        assert!(sink.written.borrow().is_empty());
        let big = vec![b'x'; BLOCK_BUFFER_SIZE];
        let s = sink.clone();
        out.print(move || s, &big, true);
        assert_eq!(
            sink.written.borrow().concat().len(),
            50 + BLOCK_BUFFER_SIZE + 1
        );
        out.flush(&mut sink.clone());
        assert_eq!(sink.written.borrow().len(), 1);
    }

    #[test]
    fn broken_pipe_discards_output() {
        let sink = Sink {
            broken: true,
            ..Sink::default()
        };
        let mut out = buffered(true);
        let s = sink.clone();
        out.print(move || s, b"lost", true);
        assert!(out.broken);
        let s = sink.clone();
        out.print(move || s, b"also lost", true);
        assert!(out.buf.is_empty());
    }
}
