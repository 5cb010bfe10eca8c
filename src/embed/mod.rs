//! The embedding API's implementation; [`crate`] re-exports what hosts use.
//!
//! - `engine.rs`: [`Engine`](crate::Engine), compiling against host functions and a config.
//! - `config.rs`: [`Config`](crate::Config) and [`InterruptHandle`](crate::InterruptHandle).
//! - `program.rs`: [`Program`](crate::Program), [`Func`](crate::Func), call arguments.
//! - `host.rs`: [`HostFunction`](crate::HostFunction), Rust closures as host functions.
//! - `convert.rs`: the type mapping between Rust and Kriti values.
//! - `desc.rs`: type descriptors for values the host builds.
//! - `error.rs`: [`Error`](crate::Error).

pub(crate) mod config;
pub(crate) mod convert;
pub(crate) mod desc;
pub(crate) mod engine;
pub(crate) mod error;
pub(crate) mod host;
pub(crate) mod program;
