//! [`Config`]: what embedded Kriti code may do and where its output goes,
//! and [`InterruptHandle`].

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use kriti_runtime::{Interrupt, SharedWriter};

/// How an [`crate::Engine`] compiles and runs Kriti code. Built with
/// chained setters from [`Config::new`]:
///
/// ```
/// use std::time::Duration;
/// let config = kriti::Config::new()
///     .workers(2)
///     .time_limit(Duration::from_millis(200))
///     .max_tasks(1000)
///     .allow_read_files(true);
/// let engine = kriti::Engine::with_config(config);
/// # let _ = engine;
/// ```
///
/// The defaults suit untrusted code: one worker thread (the calling
/// thread), no time limit, no task limit, no file access, no `args()`, no
/// standard input, output to the host's stdout and stderr.
#[derive(Clone)]
pub struct Config {
    pub(crate) workers: usize,
    pub(crate) time_limit: Option<Duration>,
    pub(crate) max_tasks: Option<usize>,
    pub(crate) stdout: Option<SharedWriter>,
    pub(crate) stderr: Option<SharedWriter>,
    pub(crate) read_files: bool,
    pub(crate) write_files: bool,
    pub(crate) args: Option<Vec<String>>,
    pub(crate) stdin: bool,
    pub(crate) interrupt: Arc<Interrupt>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            workers: 1,
            time_limit: None,
            max_tasks: None,
            stdout: None,
            stderr: None,
            read_files: false,
            write_files: false,
            args: None,
            stdin: false,
            interrupt: Arc::new(Interrupt::new()),
        }
    }
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("workers", &self.workers)
            .field("time_limit", &self.time_limit)
            .field("max_tasks", &self.max_tasks)
            .field("stdout", &self.stdout.is_some())
            .field("stderr", &self.stderr.is_some())
            .field("read_files", &self.read_files)
            .field("write_files", &self.write_files)
            .field("args", &self.args)
            .field("stdin", &self.stdin)
            .finish()
    }
}

impl Config {
    /// The default configuration (see [`Config`]).
    pub fn new() -> Self {
        Self::default()
    }

    /// Worker threads per call (at least 1; the calling thread is one of
    /// them). Tasks spawned by a call run on its workers; `par_map` splits
    /// its work by their number.
    ///
    /// ```
    /// let config = kriti::Config::new().workers(4);
    /// # let _ = config;
    /// ```
    pub fn workers(mut self, n: usize) -> Self {
        self.workers = n.clamp(1, 1024);
        self
    }

    /// The longest a call may run: past it, the call is ended and returns
    /// [`crate::Error::Timeout`] (within a few milliseconds: running code
    /// notices at its next function entry or loop back-edge).
    ///
    /// ```
    /// # fn main() -> Result<(), kriti::Error> {
    /// use std::time::Duration;
    /// let engine = kriti::Engine::with_config(
    ///     kriti::Config::new().time_limit(Duration::from_millis(50)),
    /// );
    /// let program = engine.compile("fn spin() { loop {} }")?;
    /// let err = program.call::<(), ()>("spin", ()).unwrap_err();
    /// assert!(matches!(err, kriti::Error::Timeout(_)));
    /// # Ok(()) }
    /// ```
    pub fn time_limit(mut self, limit: Duration) -> Self {
        self.time_limit = Some(limit);
        self
    }

    /// The most tasks a call may have alive at once, its first task
    /// included: a `spawn` beyond it panics.
    ///
    /// ```
    /// let config = kriti::Config::new().max_tasks(100);
    /// # let _ = config;
    /// ```
    pub fn max_tasks(mut self, n: usize) -> Self {
        self.max_tasks = Some(n.max(1));
        self
    }

    /// Sends `print` and `println` to `writer` instead of the host's
    /// stdout. Each call writes whole lines under the writer's lock.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// let out = Arc::new(Mutex::new(Vec::<u8>::new()));
    /// let config = kriti::Config::new().output(out.clone());
    /// # let _ = config;
    /// ```
    pub fn output<W: Write + Send + 'static>(mut self, writer: Arc<Mutex<W>>) -> Self {
        self.stdout = Some(writer);
        self
    }

    /// Sends `eprintln` and the runtime's reports (a task panic no `join`
    /// observed, a deadlock) to `writer` instead of the host's stderr.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// let err = Arc::new(Mutex::new(Vec::<u8>::new()));
    /// let config = kriti::Config::new().error_output(err.clone());
    /// # let _ = config;
    /// ```
    pub fn error_output<W: Write + Send + 'static>(mut self, writer: Arc<Mutex<W>>) -> Self {
        self.stderr = Some(writer);
        self
    }

    /// Lets Kriti code call `read_file` (otherwise a compile error, E0426).
    ///
    /// ```
    /// let config = kriti::Config::new().allow_read_files(true);
    /// # let _ = config;
    /// ```
    pub fn allow_read_files(mut self, allow: bool) -> Self {
        self.read_files = allow;
        self
    }

    /// Lets Kriti code call `write_file` (otherwise a compile error, E0426).
    ///
    /// ```
    /// let config = kriti::Config::new().allow_write_files(true);
    /// # let _ = config;
    /// ```
    pub fn allow_write_files(mut self, allow: bool) -> Self {
        self.write_files = allow;
        self
    }

    /// Lets Kriti code call `args()`, which returns `args` (otherwise a
    /// compile error, E0426).
    ///
    /// ```
    /// let config = kriti::Config::new().args(vec!["--verbose".to_string()]);
    /// # let _ = config;
    /// ```
    pub fn args(mut self, args: Vec<String>) -> Self {
        self.args = Some(args);
        self
    }

    /// Lets Kriti code call `read_line()` on the host's standard input
    /// (otherwise a compile error, E0426).
    ///
    /// ```
    /// let config = kriti::Config::new().allow_stdin(true);
    /// # let _ = config;
    /// ```
    pub fn allow_stdin(mut self, allow: bool) -> Self {
        self.stdin = allow;
        self
    }

    /// The prelude functions this configuration denies, with the
    /// capability each needs, for the checker.
    pub(crate) fn denied(&self) -> Vec<(String, String)> {
        let mut denied = Vec::new();
        let mut deny = |name: &str, why: &str| denied.push((name.to_string(), why.to_string()));
        if !self.read_files {
            deny("read_file", "file reading (`Config::allow_read_files`)");
        }
        if !self.write_files {
            deny("write_file", "file writing (`Config::allow_write_files`)");
        }
        if self.args.is_none() {
            deny("args", "access to arguments (`Config::args`)");
        }
        if !self.stdin {
            deny("read_line", "standard input (`Config::allow_stdin`)");
        }
        denied
    }
}

/// Ends the calls in progress of the [`crate::Engine`] it came from, from
/// any thread: each returns [`crate::Error::Interrupted`] within a few
/// milliseconds. Calls started afterwards run normally. (The interrupt
/// belongs to the [`Config`]: engines made from clones of one `Config`
/// share it.)
///
/// ```
/// # fn main() -> Result<(), kriti::Error> {
/// use std::sync::atomic::{AtomicBool, Ordering};
/// use std::sync::Arc;
/// let engine = kriti::Engine::new();
/// let program = engine.compile("fn spin() { loop {} }")?;
/// let handle = engine.interrupt_handle();
/// let done = Arc::new(AtomicBool::new(false));
/// let stopper = {
///     let done = done.clone();
///     // Interrupts until the call ended: one interrupt before the call
///     // started would interrupt nothing.
///     std::thread::spawn(move || {
///         while !done.load(Ordering::SeqCst) {
///             std::thread::sleep(std::time::Duration::from_millis(20));
///             handle.interrupt();
///         }
///     })
/// };
/// let err = program.call::<(), ()>("spin", ()).unwrap_err();
/// done.store(true, Ordering::SeqCst);
/// assert_eq!(err, kriti::Error::Interrupted);
/// stopper.join().unwrap();
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct InterruptHandle {
    pub(crate) interrupt: Arc<Interrupt>,
}

impl InterruptHandle {
    /// Interrupts every call in progress.
    pub fn interrupt(&self) {
        self.interrupt.trigger();
    }
}
