//! What an embedding host adds to (or takes from) the prelude: its
//! registered functions, each with a fixed signature, and the prelude
//! functions it did not allow (capabilities).
//!
//! A host function is called like a prelude function: `host_scale(x, 1.5)`
//! is checked against its signature (a misuse is an ordinary type error)
//! and lowered to `Intrinsic::Host(index)`, which codegen turns into one
//! call of the runtime's host trampoline. A host function cannot be used
//! as a value, and its name may be neither a prelude function's nor one
//! the program defines.
//!
//! A denied prelude function (`read_file` when the host did not allow file
//! access) is a compile error at its call, naming what the host withheld:
//! the program never runs with a call the host forbade.
//!
//! The CLI has no host functions and allows everything
//! ([`HostEnv::default`]).

use super::builtins::is_builtin_fn;
use super::expr::arity_error;
use super::items::error_expr;
use super::scope::FnScope;
use super::Checker;
use crate::diagnostics::Diagnostic;
use crate::ir::kir::{self, Intrinsic};
use crate::ir::types::Type;
use crate::span::{FileId, Span};
use crate::syntax::ast;

/// One host function as the checker sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct HostSig {
    /// The name Kriti code calls it by.
    pub name: String,
    /// Parameter types, in order.
    pub params: Vec<Type>,
    /// Result type (`()` for none).
    pub ret: Type,
}

/// What the host adds to and takes from the prelude.
#[derive(Clone, Debug, Default)]
pub struct HostEnv {
    /// Host functions; function `i` is called through `Intrinsic::Host(i)`.
    pub fns: Vec<HostSig>,
    /// Prelude functions the host did not allow, each with the capability
    /// it withheld as the user should read it ("file access").
    pub denied: Vec<(String, String)>,
}

impl HostEnv {
    /// The index and signature of the host function `name`.
    pub fn lookup(&self, name: &str) -> Option<(u32, &HostSig)> {
        let i = self.fns.iter().position(|f| f.name == name)?;
        Some((u32::try_from(i).ok()?, &self.fns[i]))
    }

    /// The capability withheld from the prelude function `name`, if any.
    fn denied(&self, name: &str) -> Option<&str> {
        self.denied
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, why)| why.as_str())
    }
}

impl Checker {
    /// Reports host functions whose names clash with a prelude function or
    /// a function of the program (E0425). Runs after the items are
    /// collected.
    pub(super) fn check_host_names(&mut self, file: FileId) {
        for h in self.host.fns.clone() {
            if is_builtin_fn(&h.name) {
                self.error(
                    Diagnostic::error(
                        "E0425",
                        format!(
                            "the host function `{}` has the name of a prelude function",
                            h.name
                        ),
                        Span::new(file, 0, 0),
                        "registered by the host",
                    )
                    .with_help("register it under another name"),
                );
            } else if let Some(&id) = self.fn_ids.get(&h.name) {
                let span = self.functions[id.0 as usize].span;
                self.error(
                    Diagnostic::error(
                        "E0425",
                        format!(
                            "`{}` is defined here and also registered by the host",
                            h.name
                        ),
                        span,
                        "this function has the name of a host function",
                    )
                    .with_help(
                        "rename the function, or register the host function under another name",
                    ),
                );
            }
        }
    }

    /// Checks a call of `name` when it is a host function (or a prelude
    /// function the host denied); `None` otherwise.
    pub(super) fn check_host_call(
        &mut self,
        scope: &mut FnScope,
        name: &ast::Ident,
        args: &[ast::Expr],
        span: Span,
    ) -> Option<kir::Expr> {
        if let Some(why) = self.host.denied(&name.name) {
            let why = why.to_string();
            for a in args {
                let _ = self.check_expr(scope, a, None);
            }
            self.error(
                Diagnostic::error(
                    "E0426",
                    format!(
                        "`{}` is not allowed here: the host did not grant {why}",
                        name.name
                    ),
                    name.span,
                    "not allowed by the host",
                )
                .with_help(format!("the host program must allow {why} in its `Config`")),
            );
            return Some(error_expr(span));
        }
        let (index, sig) = self.host.lookup(&name.name)?;
        let sig = sig.clone();
        let mut out = Vec::with_capacity(args.len());
        let mut ok = args.len() == sig.params.len();
        for (i, a) in args.iter().enumerate() {
            let expected = sig.params.get(i);
            let v = self.check_expr(scope, a, expected);
            if let Some(t) = expected {
                ok &= self.expect_type(&v, t);
            }
            ok &= v.ty != Type::Error;
            out.push(v);
        }
        if args.len() != sig.params.len() {
            self.error(
                arity_error(&sig.name, sig.params.len(), args.len(), span).with_help(format!(
                    "`{}` is a host function: `{}`",
                    sig.name,
                    describe(&sig)
                )),
            );
        }
        if !ok {
            return Some(error_expr(span));
        }
        Some(Self::intrinsic(Intrinsic::Host(index), out, sig.ret, span))
    }

    /// Reports a host function used as a value (E0427); `None` when `name`
    /// is not a host function.
    pub(super) fn check_host_value(&mut self, id: &ast::Ident) -> Option<kir::Expr> {
        let (_, sig) = self.host.lookup(&id.name)?;
        let text = describe(sig);
        self.error(
            Diagnostic::error(
                "E0427",
                format!("the host function `{}` cannot be used as a value", id.name),
                id.span,
                "a host function can only be called",
            )
            .with_help(format!(
                "wrap it in a closure: `|..| {}(..)` ({text})",
                id.name
            )),
        );
        Some(error_expr(id.span))
    }
}

/// `fn name(int, float) -> float`, for notes.
pub fn describe(sig: &HostSig) -> String {
    let params: Vec<String> = sig.params.iter().map(|t| t.to_string()).collect();
    let mut s = format!("fn {}({})", sig.name, params.join(", "));
    if sig.ret != Type::Unit {
        s.push_str(&format!(" -> {}", sig.ret));
    }
    s
}
