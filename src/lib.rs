//! Kriti inside any Rust program: compile Kriti source, call its functions
//! with Rust values, let it call Rust functions, and keep it within limits.
//!
//! ```
//! use kriti::{Config, Engine, Error};
//! use std::time::Duration;
//!
//! # fn main() -> Result<(), Error> {
//! let mut engine = Engine::with_config(
//!     Config::new().workers(2).time_limit(Duration::from_millis(200)),
//! );
//! engine.register_fn("host_scale", |x: i64, k: f64| -> f64 { x as f64 * k });
//! let program = engine.compile(
//!     "fn f(x: int) -> float { host_scale(x, 1.5) }
//!      fn g(a: int, b: int) -> int { a + b }
//!      fn main() { println(\"hello from Kriti\") }",
//! )?;
//! let f = program.get_fn::<(i64,), f64>("f")?; // checks the signature
//! assert_eq!(f.call((4,))?, 6.0);
//! let n: i64 = program.call("g", (1, 2))?; // one-off call by name
//! assert_eq!(n, 3);
//! program.run_main()?; // runs fn main()
//! # Ok(()) }
//! ```
//!
//! - [`Engine`] compiles source against its registered host functions and
//!   its [`Config`]; [`Program`] is the compiled code; [`Func`] a typed
//!   handle of one function. All are `Send + Sync`.
//! - Values cross by copy, with the mapping of [`KritiType`]: `i64` is
//!   `int`, `f64` `float`, `bool`, `String`/`&str` `str`, `Vec<T>` `[T]`,
//!   `()`, tuples, `Option<T>`, `Result<T, E>`.
//! - Every failure is an [`Error`]: compile errors (rendered diagnostics),
//!   panics (with location), `exit(code)`, the time limit, an interrupt, a
//!   deadlock. Nothing in Kriti code can abort or exit the host process.
//! - Embedded code gets no file access, no `args()` and no standard input
//!   unless the [`Config`] allows them: calling a denied function is a
//!   compile error (E0426).
//!
//! `docs/embedding.md` walks through it; `examples/embed.rs` runs it
//! (`cargo run --release --example embed`).

#![warn(missing_docs)]

mod embed;

pub use embed::config::{Config, InterruptHandle};
pub use embed::convert::{FromKriti, IntoKriti, KritiType};
pub use embed::engine::Engine;
pub use embed::error::Error;
pub use embed::host::HostFunction;
pub use embed::program::{Args, Func, Program};
/// A Kriti type, as [`KritiType::kriti_type`] returns it (its `Display` is
/// the Kriti spelling: `[int]`, `Option<str>`, `(int, float)`).
pub use kriti_compiler::ir::types::Type;
