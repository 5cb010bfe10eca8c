//! Resolving types as written (`TypeExpr`) to checked [`Type`]s.

use super::suggest::closest;
use super::Checker;
use crate::diagnostics::Diagnostic;
use crate::ir::types::Type;
use crate::syntax::ast::{TypeExpr, TypeExprKind};

/// Built-in type names, for suggestions.
const TYPE_NAMES: &[&str] = &[
    "int", "float", "bool", "str", "Option", "Result", "Map", "chan", "task",
];

impl Checker {
    /// The type `t` names; reports and returns `Type::Error` when it names
    /// nothing (or something this compiler does not support yet).
    pub(super) fn resolve_type(&mut self, t: &TypeExpr) -> Type {
        match &t.kind {
            TypeExprKind::Named {
                module: None,
                name,
                args,
            } if args.is_empty() => match name.name.as_str() {
                "int" => Type::Int,
                "float" => Type::Float,
                "bool" => Type::Bool,
                "str" => Type::Str,
                "Option" | "Result" | "Map" | "chan" | "task" => {
                    self.unsupported(t.span, &format!("the type `{}`", name.name))
                }
                other if self.struct_ids.contains_key(other) => {
                    Type::Struct(self.struct_ids[other], other.to_string())
                }
                other => {
                    let mut d = Diagnostic::error(
                        "E0203",
                        format!("unknown type `{other}`"),
                        name.span,
                        "not a type in scope",
                    );
                    let candidates = TYPE_NAMES
                        .iter()
                        .copied()
                        .chain(self.struct_ids.keys().map(String::as_str));
                    if let Some(s) = closest(other, candidates) {
                        d = d.with_help(format!("did you mean `{s}`?"));
                    }
                    self.error(d);
                    Type::Error
                }
            },
            TypeExprKind::Tuple(items) if items.is_empty() => Type::Unit,
            TypeExprKind::Tuple(items) if items.len() == 1 => self.resolve_type(&items[0]),
            TypeExprKind::Tuple(items) => {
                Type::Tuple(items.iter().map(|t| self.resolve_type(t)).collect())
            }
            TypeExprKind::Array(elem) => Type::Array(Box::new(self.resolve_type(elem))),
            TypeExprKind::Error => Type::Error,
            TypeExprKind::Named { .. } => self.unsupported(t.span, "generic and imported types"),
            TypeExprKind::Fn { .. } => self.unsupported(t.span, "function types"),
            TypeExprKind::SelfType => match &self.self_type {
                Some(t) => t.clone(),
                None => {
                    self.error(Diagnostic::error(
                        "E0203",
                        "`Self` outside an `impl` block",
                        t.span,
                        "`Self` names the type of the enclosing `impl`",
                    ));
                    Type::Error
                }
            },
        }
    }

    /// Reports a construct that parses but that this version of the
    /// compiler cannot compile yet; the value is `Type::Error`.
    pub(super) fn unsupported(&mut self, span: crate::span::Span, what: &str) -> Type {
        self.error(Diagnostic::error(
            "E0499",
            format!("not supported yet: {what}"),
            span,
            "not supported by this version of Kriti",
        ));
        Type::Error
    }
}
