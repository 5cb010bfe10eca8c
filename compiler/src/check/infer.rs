//! The type arguments of one use of a generic item, as far as they are
//! known. They are learnt by matching the generic's types as written
//! against the types of values (`Checker::bind` in `generics.rs`); the first
//! thing that fixes a parameter wins, and a later disagreement shows up as
//! an ordinary type mismatch when the arguments are checked against the
//! instance.

use crate::ir::types::Type;
use crate::syntax::ast;

/// Type parameters and what each is known to be.
#[derive(Clone, Debug)]
pub(super) struct Infer {
    names: Vec<String>,
    subst: Vec<Option<Type>>,
}

impl Infer {
    pub fn new(params: &[ast::Ident]) -> Infer {
        Infer {
            names: params.iter().map(|p| p.name.clone()).collect(),
            subst: vec![None; params.len()],
        }
    }

    /// The position of parameter `name`.
    pub fn index(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }

    /// Fixes parameter `name` to `ty` unless it is already fixed (or `ty`
    /// has an unknown part, which would only hide the real type).
    pub fn set(&mut self, name: &str, ty: &Type) {
        if has_unknown(ty) || contains_never(ty) {
            return;
        }
        if let Some(i) = self.index(name) {
            if self.subst[i].is_none() {
                self.subst[i] = Some(ty.clone());
            }
        }
    }

    /// These arguments, with the parameters still unknown taken from
    /// `other`.
    pub fn merged(&self, other: &Infer) -> Infer {
        let mut out = self.clone();
        out.fill_from(other);
        out
    }

    /// Takes from `other` (learnt from the same generic) every parameter
    /// still unknown here.
    pub fn fill_from(&mut self, other: &Infer) {
        for (mine, theirs) in self.subst.iter_mut().zip(&other.subst) {
            if mine.is_none() {
                mine.clone_from(theirs);
            }
        }
    }

    /// Every parameter bound to what it is known to be, `Type::Error`
    /// (fits anything) when not yet known.
    pub fn env(&self) -> Vec<(String, Type)> {
        self.names
            .iter()
            .zip(&self.subst)
            .map(|(n, t)| (n.clone(), t.clone().unwrap_or(Type::Error)))
            .collect()
    }

    /// The type arguments, or the name of the first parameter still
    /// unknown.
    pub fn result(&self) -> Result<Vec<Type>, String> {
        self.names
            .iter()
            .zip(&self.subst)
            .map(|(n, t)| t.clone().ok_or_else(|| n.clone()))
            .collect()
    }

    /// Whether a type the context expects may fix type arguments: not
    /// when it is unknown in part or is the `never` of a diverging branch.
    pub fn usable(t: &Type) -> bool {
        !has_unknown(t) && !contains_never(t)
    }
}

/// True when a type has an unknown part anywhere, function, channel and
/// task types included: such a type never becomes a type argument.
pub(super) fn has_unknown(t: &Type) -> bool {
    match t {
        Type::Error => true,
        Type::Array(e) | Type::Option(e) | Type::Task(e) | Type::Chan(e) => has_unknown(e),
        Type::Result(a, b) | Type::Map(a, b) => has_unknown(a) || has_unknown(b),
        Type::Tuple(ts) => ts.iter().any(has_unknown),
        Type::Fn(ps, r) => ps.iter().any(has_unknown) || has_unknown(r),
        _ => false,
    }
}

/// True when `never` appears inside a type (`[never]` from `[panic()]`):
/// such a type says nothing about a parameter.
fn contains_never(t: &Type) -> bool {
    match t {
        Type::Never => true,
        Type::Array(e) | Type::Option(e) | Type::Task(e) | Type::Chan(e) => contains_never(e),
        Type::Result(a, b) | Type::Map(a, b) => contains_never(a) || contains_never(b),
        Type::Tuple(ts) => ts.iter().any(contains_never),
        Type::Fn(ps, r) => ps.iter().any(contains_never) || contains_never(r),
        _ => false,
    }
}
