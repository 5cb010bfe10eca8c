//! A small pseudo-terminal driver: runs a program on a new pty (its
//! controlling terminal, 80x24, in its own session) and lets a test type
//! keys and wait, with a timeout, for what the program writes.
//!
//! A thread reads the pty into a buffer and wakes waiters, so waiting
//! costs no CPU (a busy-polling reader competes with the program under
//! test on a loaded 2-core machine). A failed wait panics with the step
//! that failed and the screen the output would show (`screen.rs`).

mod screen;

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{FromRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// What the reader thread has read, and whether the pty has closed.
#[derive(Default)]
struct Output {
    bytes: Vec<u8>,
    closed: bool,
}

type Shared = Arc<(Mutex<Output>, Condvar)>;

/// A program running on a pseudo-terminal.
pub struct Pty {
    child: Child,
    master: File,
    output: Shared,
    /// How much of the output earlier waits have consumed.
    seen: usize,
    reader: Option<JoinHandle<()>>,
    /// The longest one wait may take.
    step: Duration,
}

/// Serialises opening a pty and starting a child: a child started by
/// another test thread in between would inherit this pty's descriptors
/// before they are marked close-on-exec, and keep it open after this
/// child has exited.
static SPAWN: Mutex<()> = Mutex::new(());

/// A new pty pair `(master, slave)`, close-on-exec, with a 80x24 window.
fn open_pty() -> (OwnedFd, OwnedFd) {
    let size = libc::winsize {
        ws_row: 24,
        ws_col: 80,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    let (mut master, mut slave) = (-1, -1);
    // SAFETY: openpty writes two descriptors; the name is not asked for.
    let r = unsafe {
        libc::openpty(
            &mut master,
            &mut slave,
            std::ptr::null_mut(),
            std::ptr::null(),
            &size,
        )
    };
    assert_eq!(r, 0, "openpty: {}", std::io::Error::last_os_error());
    for fd in [master, slave] {
        // SAFETY: `fd` is a descriptor openpty just opened.
        unsafe { libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC) };
    }
    // SAFETY: both descriptors are open and owned by nobody else.
    unsafe { (OwnedFd::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) }
}

impl Pty {
    /// Starts `cmd` with the slave side of a new pty as its stdin, stdout,
    /// stderr and controlling terminal; each later wait lasts at most
    /// `step`.
    pub fn spawn(mut cmd: Command, step: Duration) -> Pty {
        let (child, master) = {
            let _guard = SPAWN.lock().unwrap_or_else(|e| e.into_inner());
            let (master, slave) = open_pty();
            let stdio = || Stdio::from(slave.try_clone().expect("dup the pty slave"));
            cmd.stdin(stdio()).stdout(stdio()).stderr(stdio());
            // SAFETY: setsid and ioctl are async-signal-safe.
            unsafe {
                cmd.pre_exec(|| {
                    if libc::setsid() < 0 || libc::ioctl(0, libc::TIOCSCTTY as _, 0) < 0 {
                        return Err(std::io::Error::last_os_error());
                    }
                    Ok(())
                });
            }
            let child = cmd.spawn().expect("start the program on a pty");
            // Only the child may hold the slave: the master reads end of
            // file when the child has exited.
            drop(cmd);
            drop(slave);
            (child, File::from(master))
        };
        let output: Shared = Arc::default();
        let mut from = master.try_clone().expect("dup the pty master");
        let sink = Arc::clone(&output);
        let reader = std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            loop {
                // Linux reports a closed slave as EIO.
                let n = match from.read(&mut buf) {
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Ok(0) | Err(_) => 0,
                    Ok(n) => n,
                };
                let (lock, wake) = &*sink;
                let mut out = lock.lock().unwrap();
                if n == 0 {
                    out.closed = true;
                } else {
                    out.bytes.extend_from_slice(&buf[..n]);
                }
                wake.notify_all();
                if n == 0 {
                    return;
                }
            }
        });
        Pty {
            child,
            master,
            output,
            seen: 0,
            reader: Some(reader),
            step,
        }
    }

    /// Types `keys`.
    pub fn send(&mut self, keys: &str) {
        self.master
            .write_all(keys.as_bytes())
            .and_then(|()| self.master.flush())
            .unwrap_or_else(|e| self.fail(&format!("type {keys:?}: {e}")));
    }

    /// Waits until the output not yet consumed holds `text`, and consumes
    /// it up to the end of `text`.
    pub fn expect(&mut self, text: &str, step: &str) {
        self.wait_for(step, |out| end_of(out, text));
    }

    /// Types `keys` again every `every` until the output shows `text`
    /// (consumed up to its end): for a key that may come too early.
    pub fn press_until(&mut self, keys: &str, every: Duration, text: &str, step: &str) {
        let deadline = Instant::now() + self.step;
        loop {
            self.send(keys);
            if let Some(end) = self.wait_until(every, |out| end_of(out, text)) {
                self.seen = end;
                return;
            }
            if Instant::now() >= deadline {
                self.fail(&format!("timed out after {:?}: {step}", self.step));
            }
        }
    }

    /// Waits until `matches` finds, in the output not yet consumed, where
    /// what it waits for ends; consumes the output up to there.
    pub fn wait_for(&mut self, step: &str, matches: impl Fn(&[u8]) -> Option<usize>) {
        match self.wait_until(self.step, matches) {
            Some(end) => self.seen = end,
            None => self.fail(&format!("timed out after {:?}: {step}", self.step)),
        }
    }

    /// Where in the whole output what `matches` looks for ends, if it
    /// shows up within `wait`.
    fn wait_until(
        &self,
        wait: Duration,
        matches: impl Fn(&[u8]) -> Option<usize>,
    ) -> Option<usize> {
        let deadline = Instant::now() + wait;
        let (lock, wake) = &*self.output;
        let mut out = lock.lock().unwrap();
        loop {
            if let Some(end) = matches(&out.bytes[self.seen..]) {
                return Some(self.seen + end);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if out.closed || left.is_zero() {
                return None;
            }
            out = wake.wait_timeout(out, left).unwrap().0;
        }
    }

    /// Waits for the program to exit; its status.
    pub fn wait_exit(&mut self, step: &str) -> ExitStatus {
        let deadline = Instant::now() + self.step;
        loop {
            match self.child.try_wait() {
                Ok(Some(status)) => return status,
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(10))
                }
                Ok(None) => self.fail(&format!("timed out after {:?}: {step}", self.step)),
                Err(e) => self.fail(&format!("{step}: {e}")),
            }
        }
    }

    /// Panics with `why`, the screen, and the output not yet consumed.
    fn fail(&self, why: &str) -> ! {
        let report = {
            let out = self.output.0.lock().unwrap();
            let unseen = String::from_utf8_lossy(&out.bytes[self.seen..]);
            let ended = if out.closed {
                " (the program has ended)"
            } else {
                ""
            };
            format!(
                "{why}{ended}\n--- the screen ---\n{}\n--- output not yet matched ---\n{unseen:?}\n",
                screen::render(&out.bytes)
            )
        };
        panic!("{report}");
    }
}

impl Drop for Pty {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
        // The child is gone, so the reader reads end of file and ends.
        if let Some(reader) = self.reader.take() {
            let _ = reader.join();
        }
    }
}

/// Where the first `text` in `out` ends.
fn end_of(out: &[u8], text: &str) -> Option<usize> {
    find(out, text.as_bytes()).map(|at| at + text.len())
}

/// Where `needle` first occurs in `haystack`.
pub fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
