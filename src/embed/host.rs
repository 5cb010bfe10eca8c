//! Host functions: Rust closures that Kriti code calls by name.
//!
//! [`HostFunction`] is implemented for every `Fn(A1, .., An) -> R + Send +
//! Sync + 'static` with up to 8 parameters, where each `Ai` is
//! [`FromKriti`] and `R` is [`IntoKriti`]. Its Rust signature becomes a
//! fixed Kriti signature (`fn(int, float) -> float`) that the checker
//! holds Kriti code to, so a misuse is a compile error; at run time the
//! runtime's host trampoline hands the function its arguments' slots and
//! gets back its result's.

use std::sync::Arc;

use kriti_compiler::check::host::HostSig;
use kriti_compiler::ir::types::Type;
use kriti_runtime::HostFn;

use super::convert::{FromKriti, IntoKriti};

/// A Rust function Kriti code can call: any `Fn(A1, .., An) -> R + Send +
/// Sync + 'static` (n up to 8) whose parameters are [`FromKriti`] and
/// whose result is [`IntoKriti`]. `Marker` only tells the implementations
/// apart (it is the tuple of parameter types); the compiler infers it.
///
/// ```
/// # fn main() -> Result<(), kriti::Error> {
/// let mut engine = kriti::Engine::new();
/// engine.register_fn("shout", |s: String| -> String { s.to_uppercase() });
/// let program = engine.compile("fn f() -> str { shout(\"hi\") }")?;
/// assert_eq!(program.call::<(), String>("f", ())?, "HI");
/// # Ok(()) }
/// ```
pub trait HostFunction<Marker>: Send + Sync + 'static {
    /// The Kriti parameter types and result type.
    ///
    /// ```
    /// use kriti::HostFunction;
    /// fn signature_of<M, F: HostFunction<M>>(_: &F) -> String {
    ///     let (params, ret) = F::kriti_signature();
    ///     let params: Vec<String> = params.iter().map(|t| t.to_string()).collect();
    ///     format!("fn({}) -> {ret}", params.join(", "))
    /// }
    /// let scale = |x: i64, k: f64| -> f64 { x as f64 * k };
    /// assert_eq!(signature_of(&scale), "fn(int, float) -> float");
    /// ```
    fn kriti_signature() -> (Vec<Type>, Type);
    /// The function as the runtime calls it.
    #[doc(hidden)]
    fn into_host_fn(self) -> HostFn;
}

macro_rules! host_function {
    ($($a:ident $i:tt),*) => {
        impl<Func, Ret, $($a),*> HostFunction<($($a,)*)> for Func
        where
            Func: Fn($($a),*) -> Ret + Send + Sync + 'static,
            Ret: IntoKriti,
            $($a: FromKriti,)*
        {
            fn kriti_signature() -> (Vec<Type>, Type) {
                (vec![$($a::kriti_type()),*], Ret::kriti_type())
            }

            #[allow(unused_variables)]
            fn into_host_fn(self) -> HostFn {
                Arc::new(move |slots: &[u64]| {
                    let count = <[&str]>::len(&[$(stringify!($a)),*]);
                    if slots.len() != count {
                        return Err(format!(
                            "internal runtime error: a host function of {count} parameters got {}",
                            slots.len()
                        ));
                    }
                    // SAFETY: the checker typed every argument with the
                    // parameter's Kriti type, and the record keeps them
                    // alive during the call.
                    let result = (self)($(unsafe { $a::from_slot(slots[$i]) }),*);
                    Ok(result.into_slot())
                })
            }
        }
    };
}

host_function!();
host_function!(A1 0);
host_function!(A1 0, A2 1);
host_function!(A1 0, A2 1, A3 2);
host_function!(A1 0, A2 1, A3 2, A4 3);
host_function!(A1 0, A2 1, A3 2, A4 3, A5 4);
host_function!(A1 0, A2 1, A3 2, A4 3, A5 4, A6 5);
host_function!(A1 0, A2 1, A3 2, A4 3, A5 4, A6 5, A7 6);
host_function!(A1 0, A2 1, A3 2, A4 3, A5 4, A6 5, A7 6, A8 7);

/// A registered host function: its Kriti signature and its code.
#[derive(Clone)]
pub(crate) struct Registered {
    pub sig: HostSig,
    pub code: HostFn,
}

impl Registered {
    pub(crate) fn new<M, F: HostFunction<M>>(name: &str, f: F) -> Self {
        let (params, ret) = F::kriti_signature();
        Registered {
            sig: HostSig {
                name: name.to_string(),
                params,
                ret,
            },
            code: f.into_host_fn(),
        }
    }
}
