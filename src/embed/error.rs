//! [`Error`]: everything that can go wrong when the host compiles or calls
//! Kriti code.

use std::fmt;
use std::time::Duration;

/// An error from compiling or running embedded Kriti code.
///
/// Its `Display` is what a user should read: the rendered diagnostics
/// (without colour) for [`Error::Compile`], `panic at FILE:LINE:COL:
/// MESSAGE` and the Kriti stack trace for [`Error::Panic`].
///
/// ```
/// let err = kriti::Engine::new().compile("fn f() -> int { true }").unwrap_err();
/// assert!(matches!(err, kriti::Error::Compile { .. }));
/// assert!(err.to_string().contains("[E0301] Error: mismatched types"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The source has errors; `rendered` is every diagnostic as the
    /// `kriti` command prints it, without colour.
    Compile {
        /// The rendered diagnostics.
        rendered: String,
        /// How many errors there are.
        count: usize,
    },
    /// The Kriti code panicked (a runtime error, `panic(..)`, a failed
    /// `assert`, a panic in a host function).
    Panic {
        /// The panic's message, without location.
        message: String,
        /// `FILE:LINE:COL` of the panic, when known.
        location: Option<String>,
        /// The full report: `panic at ...` and the stack trace lines.
        report: String,
    },
    /// The Kriti code called `exit(code)`. The host process is never
    /// exited.
    Exit(i32),
    /// The call ran longer than [`crate::Config::time_limit`] and was
    /// ended.
    Timeout(Duration),
    /// The call was ended by an [`crate::InterruptHandle`].
    Interrupted,
    /// Every task of the call was blocked and nothing could wake any of
    /// them; `report` says what each waited on.
    Deadlock {
        /// The report (`deadlock: all tasks are blocked`, then one line
        /// per task).
        report: String,
    },
    /// The called function returned, but a task it spawned panicked and
    /// no `join` observed it (the panic was written to the error output).
    TaskPanicked,
    /// The program has no function of that name that the host can call.
    NotFound {
        /// The name asked for.
        name: String,
    },
    /// The function exists, but its Kriti signature is not the one the
    /// host asked for.
    Signature {
        /// The function's name.
        name: String,
        /// The signature the host's Rust types ask for.
        expected: String,
        /// The function's Kriti signature.
        found: String,
    },
    /// A bug in Kriti (the compiler or the runtime).
    Internal(String),
}

impl Error {
    /// The code given to `exit(code)`, for [`Error::Exit`].
    ///
    /// ```
    /// # fn main() -> Result<(), kriti::Error> {
    /// let program = kriti::Engine::new().compile("fn main() { exit(3) }")?;
    /// assert_eq!(program.run_main().unwrap_err().exit_code(), Some(3));
    /// # Ok(()) }
    /// ```
    pub fn exit_code(&self) -> Option<i32> {
        match self {
            Error::Exit(code) => Some(*code),
            _ => None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Compile { rendered, .. } => f.write_str(rendered.trim_end()),
            Error::Panic { report, .. } => f.write_str(report),
            Error::Exit(code) => write!(f, "the Kriti code called `exit({code})`"),
            Error::Timeout(limit) => {
                write!(f, "the call exceeded its time limit of {limit:?}")
            }
            Error::Interrupted => f.write_str("the call was interrupted by the host"),
            Error::Deadlock { report } => f.write_str(report),
            Error::TaskPanicked => f.write_str(
                "a task panicked and no `join` observed it (its panic went to the error output)",
            ),
            Error::NotFound { name } => {
                write!(f, "the program has no function `{name}` the host can call")
            }
            Error::Signature {
                name,
                expected,
                found,
            } => write!(
                f,
                "`{name}` has the signature `{found}`, but the host asked for `{expected}`"
            ),
            Error::Internal(message) => write!(f, "internal error: {message}"),
        }
    }
}

impl std::error::Error for Error {}
