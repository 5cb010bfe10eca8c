//! [`Engine`]: the host functions and configuration that Kriti code is
//! compiled against.

use kriti_compiler::check::host::HostEnv;
use kriti_compiler::{codegen, diagnostics, frontend_with, FrontendOptions};
use kriti_runtime::HostFns;

use super::config::{Config, InterruptHandle};
use super::error::Error;
use super::host::{HostFunction, Registered};
use super::program::Program;

/// Compiles Kriti source into [`Program`]s, with the host functions
/// registered on it and its [`Config`].
///
/// An engine is cheap, `Send + Sync`, and independent of every other
/// engine in the process.
///
/// ```
/// # fn main() -> Result<(), kriti::Error> {
/// let mut engine = kriti::Engine::new();
/// engine.register_fn("host_scale", |x: i64, k: f64| -> f64 { x as f64 * k });
/// let program = engine.compile("fn f(x: int) -> float { host_scale(x, 1.5) }")?;
/// let f = program.get_fn::<(i64,), f64>("f")?;
/// assert_eq!(f.call((4,))?, 6.0);
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, Default)]
pub struct Engine {
    config: Config,
    host: Vec<Registered>,
}

impl std::fmt::Debug for Registered {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&kriti_compiler::check::host::describe(&self.sig))
    }
}

impl Engine {
    /// An engine with the default [`Config`].
    ///
    /// ```
    /// let engine = kriti::Engine::new();
    /// # let _ = engine;
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// An engine with `config`.
    ///
    /// ```
    /// let engine = kriti::Engine::with_config(kriti::Config::new().workers(2));
    /// # let _ = engine;
    /// ```
    pub fn with_config(config: Config) -> Self {
        Self {
            config,
            host: Vec::new(),
        }
    }

    /// The engine's configuration.
    ///
    /// ```
    /// let engine = kriti::Engine::new();
    /// println!("{:?}", engine.config());
    /// ```
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Registers `f` as the host function `name`, which Kriti code compiled
    /// afterwards calls like a prelude function. Its Rust signature is its
    /// Kriti signature ([`crate::KritiType`]), so a call with wrong
    /// arguments is a compile error. Registering a name again replaces the
    /// function. A name that is a prelude function's, or a function the
    /// program defines, is a compile error (E0425).
    ///
    /// A Rust panic inside `f` becomes a Kriti panic at the call
    /// (`host function `name` panicked: ...`). `f` runs on the worker
    /// thread that runs the calling task.
    ///
    /// ```
    /// # fn main() -> Result<(), kriti::Error> {
    /// let mut engine = kriti::Engine::new();
    /// engine.register_fn("add", |a: i64, b: i64| a + b);
    /// let err = engine.compile("fn f() -> int { add(1, true) }").unwrap_err();
    /// assert!(err.to_string().contains("mismatched types"));
    /// # Ok(()) }
    /// ```
    pub fn register_fn<M, F: HostFunction<M>>(&mut self, name: &str, f: F) -> &mut Self {
        let registered = Registered::new(name, f);
        match self.host.iter_mut().find(|r| r.sig.name == name) {
            Some(r) => *r = registered,
            None => self.host.push(registered),
        }
        self
    }

    /// A handle that interrupts this engine's calls in progress, from any
    /// thread (see [`InterruptHandle`]).
    ///
    /// ```
    /// let handle = kriti::Engine::new().interrupt_handle();
    /// handle.interrupt(); // no call is running: nothing happens
    /// ```
    pub fn interrupt_handle(&self) -> InterruptHandle {
        InterruptHandle {
            interrupt: self.config.interrupt.clone(),
        }
    }

    /// Compiles `source` (named `script.kr` in diagnostics). It needs no
    /// `fn main()`; with one, [`Program::run_main`] runs it.
    ///
    /// ```
    /// # fn main() -> Result<(), kriti::Error> {
    /// let program = kriti::Engine::new().compile("fn double(x: int) -> int { x * 2 }")?;
    /// assert_eq!(program.call::<_, i64>("double", (21,))?, 42);
    /// # Ok(()) }
    /// ```
    pub fn compile(&self, source: &str) -> Result<Program, Error> {
        self.compile_named("script.kr", source)
    }

    /// [`Engine::compile`], naming the source `name` in diagnostics and
    /// panic locations.
    ///
    /// ```
    /// let err = kriti::Engine::new().compile_named("rules.kr", "fn f() { g() }").unwrap_err();
    /// assert!(err.to_string().contains("rules.kr:1:10"));
    /// ```
    pub fn compile_named(&self, name: &str, source: &str) -> Result<Program, Error> {
        let options = FrontendOptions {
            host: HostEnv {
                fns: self.host.iter().map(|r| r.sig.clone()).collect(),
                denied: self.config.denied(),
            },
            main_optional: true,
        };
        let fe = frontend_with(
            name,
            source.as_bytes(),
            &options,
            &mut kriti_compiler::modules::NoImports,
        );
        let Some(kir) = fe.program else {
            return Err(Error::Compile {
                rendered: diagnostics::render(&fe.diagnostics, &fe.sources, false),
                count: fe.diagnostics.len(),
            });
        };
        let mut jit = codegen::compile_jit_for_host(&kir, &fe.sources).map_err(Error::Internal)?;
        let mut host = HostFns::new();
        for r in &self.host {
            host.push(&r.sig.name, r.code.clone());
        }
        jit.set_host(host);
        if let Some(args) = &self.config.args {
            jit.set_args(args.clone());
        }
        Ok(Program::new(jit, kir, self.config.clone()))
    }
}
