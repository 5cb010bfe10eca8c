//! [`Program`]: compiled Kriti code, and [`Func`], a typed handle of one
//! of its functions.
//!
//! Every call runs as the first task of a fresh run of the scheduler, on
//! the calling thread (plus `Config::workers - 1` worker threads), with the
//! engine's limits and output: the same path `kriti run` takes for `main`,
//! entered through the function's generated call entry instead.

use std::marker::PhantomData;
use std::sync::Arc;
use std::time::{Duration, Instant};

use kriti_compiler::codegen::JitProgram;
use kriti_compiler::ir::kir;
use kriti_compiler::ir::types::Type;
use kriti_runtime::value::desc::release_value;
use kriti_runtime::value::record::RecordObj;
use kriti_runtime::{Outcome, RunConfig, SpawnEntry};

use super::config::Config;
use super::convert::{take_slot, FromKriti, IntoKriti};
use super::desc::desc_of;
use super::error::Error;

/// The arguments of a call: a tuple of up to 8 [`IntoKriti`] values
/// (`()`, `(x,)`, `(x, y)`, ...).
///
/// ```
/// use kriti::Args;
/// let types = <(i64, &str, Vec<bool>)>::kriti_types();
/// let names: Vec<String> = types.iter().map(|t| t.to_string()).collect();
/// assert_eq!(names, ["int", "str", "[bool]"]);
/// ```
pub trait Args {
    /// The Kriti types of the arguments, in order.
    fn kriti_types() -> Vec<Type>;
    /// The arguments in slot encoding, owned.
    #[doc(hidden)]
    fn into_slots(self) -> Vec<u64>;
}

macro_rules! args {
    ($($a:ident $i:tt),*) => {
        impl<$($a: IntoKriti),*> Args for ($($a,)*) {
            fn kriti_types() -> Vec<Type> {
                vec![$($a::kriti_type()),*]
            }
            fn into_slots(self) -> Vec<u64> {
                vec![$(self.$i.into_slot()),*]
            }
        }
    };
}

args!();
args!(A1 0);
args!(A1 0, A2 1);
args!(A1 0, A2 1, A3 2);
args!(A1 0, A2 1, A3 2, A4 3);
args!(A1 0, A2 1, A3 2, A4 3, A5 4);
args!(A1 0, A2 1, A3 2, A4 3, A5 4, A6 5);
args!(A1 0, A2 1, A3 2, A4 3, A5 4, A6 5, A7 6);
args!(A1 0, A2 1, A3 2, A4 3, A5 4, A6 5, A7 6, A8 7);

struct Inner {
    jit: JitProgram,
    kir: kir::Program,
    config: Config,
}

/// A compiled Kriti program. Cheap to clone (clones share the code),
/// `Send + Sync`: any number of host threads may call into it at once,
/// each call independent of the others.
///
/// ```
/// # fn main() -> Result<(), kriti::Error> {
/// let program = kriti::Engine::new().compile(
///     "fn g(a: int, b: int) -> int { a + b }
///      fn main() { println(g(1, 2)) }",
/// )?;
/// let n: i64 = program.call("g", (1, 2))?;
/// assert_eq!(n, 3);
/// program.run_main()?; // prints 3
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Program {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Program {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Program")
            .field("functions", &self.inner.kir.functions.len())
            .field("config", &self.inner.config)
            .finish()
    }
}

impl Program {
    pub(crate) fn new(jit: JitProgram, kir: kir::Program, config: Config) -> Self {
        Program {
            inner: Arc::new(Inner { jit, kir, config }),
        }
    }

    /// A typed handle of the function `name`, after checking that its
    /// Kriti signature is `fn(Args) -> R` ([`Error::Signature`] names both
    /// when not; [`Error::NotFound`] when there is no such top-level
    /// function).
    ///
    /// ```
    /// # fn main() -> Result<(), kriti::Error> {
    /// let program = kriti::Engine::new().compile("fn f(x: int) -> int { x + 1 }")?;
    /// let f = program.get_fn::<(i64,), i64>("f")?;
    /// assert_eq!(f.call((1,))?, 2);
    /// let err = program.get_fn::<(f64,), i64>("f").unwrap_err();
    /// assert_eq!(
    ///     err.to_string(),
    ///     "`f` has the signature `fn(int) -> int`, but the host asked for `fn(float) -> int`"
    /// );
    /// # Ok(()) }
    /// ```
    pub fn get_fn<A: Args, R: FromKriti>(&self, name: &str) -> Result<Func<A, R>, Error> {
        let (id, f) = self
            .inner
            .kir
            .functions
            .iter()
            .enumerate()
            .find(|(_, f)| f.name == name && kriti_compiler::codegen::host::is_callable_by_name(f))
            .ok_or_else(|| Error::NotFound {
                name: name.to_string(),
            })?;
        let params: Vec<Type> = f
            .params
            .iter()
            .filter_map(|p| f.locals.get(p.0 as usize).map(|l| l.ty.clone()))
            .collect();
        let wanted = A::kriti_types();
        let ret = R::kriti_type();
        // A function that never returns (`-> int { panic(..) }` is still
        // `int`) has `Never` only when written without a result type.
        let ret_matches = f.ret == ret || (f.ret == Type::Never && ret == Type::Unit);
        if params != wanted || !ret_matches {
            return Err(Error::Signature {
                name: name.to_string(),
                expected: signature(&wanted, &ret),
                found: signature(&params, &f.ret),
            });
        }
        let id =
            kir::FuncId(u32::try_from(id).map_err(|_| Error::Internal("function index".into()))?);
        let entry = self
            .inner
            .jit
            .call_entry(id)
            .ok_or_else(|| Error::Internal(format!("`{name}` has no call entry")))?;
        Ok(Func {
            program: self.clone(),
            entry,
            params: wanted,
            _types: PhantomData,
        })
    }

    /// Calls the function `name` once: [`Program::get_fn`] and
    /// [`Func::call`] in one step.
    ///
    /// ```
    /// # fn main() -> Result<(), kriti::Error> {
    /// let program = kriti::Engine::new().compile("fn greet(n: str) -> str { \"hi {n}\" }")?;
    /// let s: String = program.call("greet", ("bob",))?;
    /// assert_eq!(s, "hi bob");
    /// # Ok(()) }
    /// ```
    pub fn call<A: Args, R: FromKriti>(&self, name: &str, args: A) -> Result<R, Error> {
        self.get_fn::<A, R>(name)?.call(args)
    }

    /// Runs the program's `fn main()` (an [`Error::NotFound`] when it has
    /// none).
    ///
    /// ```
    /// # fn main() -> Result<(), kriti::Error> {
    /// let program = kriti::Engine::new().compile("fn main() { assert(1 > 2) }")?;
    /// let err = program.run_main().unwrap_err();
    /// assert_eq!(err.to_string().lines().next(), Some("panic at script.kr:1:13: assertion failed"));
    /// # Ok(()) }
    /// ```
    pub fn run_main(&self) -> Result<(), Error> {
        if !self.inner.jit.has_main() {
            return Err(Error::NotFound {
                name: "main".to_string(),
            });
        }
        let (config, limit) = self.run_config();
        result(self.inner.jit.run_main_with(config), limit)
    }

    /// The runtime configuration of one call, and its time limit.
    fn run_config(&self) -> (RunConfig, Option<Duration>) {
        let c = &self.inner.config;
        let config = RunConfig {
            workers: c.workers,
            deadline: c.time_limit.map(|d| Instant::now() + d),
            interrupt: Some((Arc::clone(&c.interrupt), c.interrupt.generation())),
            max_tasks: c.max_tasks,
            stdout: c.stdout.clone(),
            stderr: c.stderr.clone(),
            reuse_threads: true,
            ..RunConfig::default()
        };
        (config, c.time_limit)
    }
}

/// `fn(int, str) -> float`.
fn signature(params: &[Type], ret: &Type) -> String {
    let params: Vec<String> = params.iter().map(Type::to_string).collect();
    match ret {
        Type::Unit => format!("fn({})", params.join(", ")),
        r => format!("fn({}) -> {r}", params.join(", ")),
    }
}

/// The host's view of how a run ended.
fn result(outcome: Outcome, limit: Option<Duration>) -> Result<(), Error> {
    match outcome {
        Outcome::Returned => Ok(()),
        Outcome::Panicked {
            ref message,
            ref location,
            ..
        } => Err(Error::Panic {
            message: message.clone(),
            location: location.as_ref().map(|l| l.to_string()),
            report: outcome.report().unwrap_or_default(),
        }),
        Outcome::Exited(code) => Err(Error::Exit(code)),
        Outcome::TaskPanicked => Err(Error::TaskPanicked),
        Outcome::Deadlock { report } => Err(Error::Deadlock { report }),
        Outcome::TimedOut => Err(Error::Timeout(limit.unwrap_or_default())),
        Outcome::Interrupted => Err(Error::Interrupted),
    }
}

/// A typed handle of one function of a [`Program`], from
/// [`Program::get_fn`]: its signature was checked once, so calls only
/// convert the arguments and run. `Send + Sync` and cheap to clone.
///
/// ```
/// # fn main() -> Result<(), kriti::Error> {
/// let program = kriti::Engine::new().compile("fn sq(x: float) -> float { x * x }")?;
/// let sq = program.get_fn::<(f64,), f64>("sq")?;
/// let total: f64 = (1..=3).map(|i| sq.call((i as f64,)).unwrap()).sum();
/// assert_eq!(total, 14.0);
/// # Ok(()) }
/// ```
pub struct Func<A, R> {
    program: Program,
    entry: SpawnEntry,
    params: Vec<Type>,
    _types: PhantomData<fn(A) -> R>,
}

impl<A, R> Clone for Func<A, R> {
    fn clone(&self) -> Self {
        Func {
            program: self.program.clone(),
            entry: self.entry,
            params: self.params.clone(),
            _types: PhantomData,
        }
    }
}

impl<A, R> std::fmt::Debug for Func<A, R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Func")
            .field("params", &self.params)
            .finish()
    }
}

impl<A: Args, R: FromKriti> Func<A, R> {
    /// Calls the function with `args` and returns its result, or how the
    /// call failed: a panic, `exit`, the time limit, an interrupt, a
    /// deadlock. The call blocks the calling thread until it ends.
    ///
    /// ```
    /// # fn main() -> Result<(), kriti::Error> {
    /// let program = kriti::Engine::new().compile("fn div(a: int, b: int) -> int { a / b }")?;
    /// let div = program.get_fn::<(i64, i64), i64>("div")?;
    /// assert_eq!(div.call((7, 2))?, 3);
    /// let err = div.call((1, 0)).unwrap_err();
    /// assert!(err.to_string().starts_with("panic at script.kr:1:33: division by zero"));
    /// # Ok(()) }
    /// ```
    pub fn call(&self, args: A) -> Result<R, Error> {
        let slots = args.into_slots();
        let env = if slots.is_empty() {
            std::ptr::null_mut()
        } else {
            // SAFETY: the record's type is the parameters' tuple (checked by
            // `get_fn`), and it takes over the arguments' references.
            unsafe {
                let r = RecordObj::alloc(desc_of(&Type::Tuple(self.params.clone())));
                RecordObj::slots(r).copy_from_slice(&slots);
                r.cast()
            }
        };
        let (config, limit) = self.program.run_config();
        // SAFETY: `entry` is this program's call entry of a function whose
        // parameters are `params`, and `env` holds them (owned).
        let (outcome, raw) = unsafe { self.program.inner.jit.run_call(self.entry, env, config) };
        if let Err(e) = result(outcome, limit) {
            // A value the function returned before the run failed anyway
            // (an unobserved task panic) is still ours to release.
            // SAFETY: 0, or a value of `R`'s Kriti type (checked by
            // `get_fn`) owned by us; a scalar releases as nothing.
            unsafe { release_value(raw, desc_of(&R::kriti_type())) };
            return Err(e);
        }
        // SAFETY: the function returned a value of `R`'s Kriti type
        // (checked by `get_fn`), owned by us.
        Ok(unsafe { take_slot::<R>(raw) })
    }
}
