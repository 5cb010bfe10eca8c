//! Resolving types as written (`TypeExpr`) to checked [`Type`]s.

use super::suggest::closest;
use super::Checker;
use crate::diagnostics::Diagnostic;
use crate::ir::types::Type;
use crate::syntax::ast::{TypeExpr, TypeExprKind};

/// Built-in type names, for suggestions.
pub(super) const TYPE_NAMES: &[&str] = &[
    "int", "float", "bool", "str", "Option", "Result", "Map", "chan", "task", "Atomic",
];

impl Checker {
    /// The type `t` names; reports and returns `Type::Error` when it names
    /// nothing (or something this compiler does not support yet).
    pub(super) fn resolve_type(&mut self, t: &TypeExpr) -> Type {
        // Type parameters in scope, then generic structs and enums.
        if let TypeExprKind::Named { module, name, args } = &t.kind {
            let param = self.generics.param(&name.name);
            if let Some(ty) = param.filter(|_| args.is_empty() && module.is_none()) {
                return ty;
            }
            if let Some(gt) = self.generic_type_at(module.as_ref(), name) {
                return self.resolve_generic_type(gt, args, t);
            }
        }
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
                "Option" | "Result" => {
                    let n = if name.name == "Option" { 1 } else { 2 };
                    self.type_arg_count(t, &name.name, n, 0)
                }
                "Map" => self.type_arg_count(t, "Map", 2, 0),
                "chan" | "task" => self.type_arg_count(t, &name.name, 1, 0),
                "Atomic" => Type::Atomic,
                other if self.named_type(other).is_some() => {
                    self.named_type(other).unwrap_or(Type::Error)
                }
                other => {
                    let mut d = Diagnostic::error(
                        "E0203",
                        format!("unknown type `{other}`"),
                        name.span,
                        "not a type in scope",
                    );
                    let user =
                        self.visible_keys(self.struct_ids.keys().chain(self.enum_ids.keys()));
                    let generic = self.visible_keys(self.generics.type_names.keys());
                    let candidates = TYPE_NAMES
                        .iter()
                        .copied()
                        .chain(user.iter().map(String::as_str))
                        .chain(generic.iter().map(String::as_str))
                        .chain(self.generics.env.iter().map(|(n, _)| n.as_str()));
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
            TypeExprKind::Named {
                module: None,
                name,
                args,
            } if name.name == "Option" || name.name == "Result" => {
                let n = if name.name == "Option" { 1 } else { 2 };
                if args.len() != n {
                    return self.type_arg_count(t, &name.name, n, args.len());
                }
                let mut resolved: Vec<Type> = args.iter().map(|a| self.resolve_type(a)).collect();
                if n == 1 {
                    Type::Option(Box::new(resolved.remove(0)))
                } else {
                    let e = resolved.pop().unwrap_or(Type::Error);
                    let v = resolved.pop().unwrap_or(Type::Error);
                    Type::Result(Box::new(v), Box::new(e))
                }
            }
            TypeExprKind::Named {
                module: None,
                name,
                args,
            } if name.name == "chan" || name.name == "task" => {
                if args.len() != 1 {
                    return self.type_arg_count(t, &name.name, 1, args.len());
                }
                let elem = Box::new(self.resolve_type(&args[0]));
                if name.name == "chan" {
                    Type::Chan(elem)
                } else {
                    Type::Task(elem)
                }
            }
            TypeExprKind::Named {
                module: None,
                name,
                args,
            } if name.name == "Map" => {
                if args.len() != 2 {
                    return self.type_arg_count(t, "Map", 2, args.len());
                }
                let k = self.resolve_type(&args[0]);
                let v = self.resolve_type(&args[1]);
                // A bad key type is reported once; the map type keeps an
                // unknown key so that its uses report nothing more.
                let k = if self.check_map_key(&k, args[0].span) {
                    k
                } else {
                    Type::Error
                };
                Type::Map(Box::new(k), Box::new(v))
            }
            TypeExprKind::Named {
                module: None,
                name,
                args,
            } if self.named_type(&name.name).is_some() => {
                self.error(Diagnostic::error(
                    "E0417",
                    format!(
                        "`{}` takes no type arguments but {} {} given",
                        name.name,
                        args.len(),
                        if args.len() == 1 { "was" } else { "were" }
                    ),
                    t.span,
                    format!("`{}` is not generic", name.name),
                ));
                Type::Error
            }
            TypeExprKind::Named {
                module: Some(m),
                name,
                args,
            } => match self.path_owner(Some(m), name) {
                // `path_owner` reports every qualified name that names no type.
                None | Some(Type::Error) => Type::Error,
                Some(_) if !args.is_empty() => {
                    self.error(Diagnostic::error(
                        "E0417",
                        format!("`{}.{}` takes no type arguments", m.name, name.name),
                        t.span,
                        format!("`{}.{}` is not generic", m.name, name.name),
                    ));
                    Type::Error
                }
                Some(ty) => ty,
            },
            TypeExprKind::Named {
                module: None, name, ..
            } => {
                self.error(Diagnostic::error(
                    "E0203",
                    format!("unknown type `{}`", name.name),
                    name.span,
                    "not a type in scope",
                ));
                Type::Error
            }
            TypeExprKind::Fn { params, ret } => {
                let params = params.iter().map(|p| self.resolve_type(p)).collect();
                let ret = match ret {
                    Some(r) => self.resolve_type(r),
                    None => Type::Unit,
                };
                Type::Fn(params, Box::new(ret))
            }
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

    /// Reports `Option` or `Result` written with the wrong number of type
    /// arguments (`given` of the `wanted`).
    fn type_arg_count(&mut self, t: &TypeExpr, name: &str, wanted: usize, given: usize) -> Type {
        let example = match (wanted, name) {
            (1, "chan") => "`chan<int>`",
            (1, "task") => "`task<int>`",
            (1, _) => "`Option<int>`",
            (_, "Map") => "`Map<str, int>`",
            _ => "`Result<int, str>`",
        };
        self.error(
            Diagnostic::error(
                "E0203",
                format!(
                    "`{name}` takes {wanted} type argument{} but {given} {} given",
                    if wanted == 1 { "" } else { "s" },
                    if given == 1 { "was" } else { "were" }
                ),
                t.span,
                format!(
                    "expected {wanted} type argument{}",
                    if wanted == 1 { "" } else { "s" }
                ),
            )
            .with_help(format!("write it like {example}")),
        );
        Type::Error
    }

    /// Reports a map key type that is not `int`, `str`, `bool` or a tuple
    /// of them; returns whether the type is fine.
    pub(super) fn check_map_key(&mut self, k: &Type, span: crate::span::Span) -> bool {
        fn ok(t: &Type) -> bool {
            match t {
                Type::Int | Type::Str | Type::Bool | Type::Error | Type::Never => true,
                Type::Tuple(ts) => ts.iter().all(ok),
                _ => false,
            }
        }
        if ok(k) {
            return true;
        }
        self.error(
            Diagnostic::error(
                "E0303",
                format!("`{k}` cannot be a map key"),
                span,
                "map keys must be `int`, `str`, `bool` or a tuple of them",
            )
            .with_help("key the map by an `int` or `str` id instead"),
        );
        false
    }

    /// The function type inside `ty`, if any. Values holding a function
    /// have no `==` (as in Rust and Go), however deep the function sits;
    /// channels, tasks and atomics are handles and compare by identity.
    pub(super) fn fn_inside(&self, ty: &Type) -> Option<Type> {
        self.fn_inside_seen(ty, &mut Vec::new())
    }

    fn fn_inside_seen(&self, ty: &Type, seen: &mut Vec<Type>) -> Option<Type> {
        match ty {
            Type::Fn(..) => Some(ty.clone()),
            Type::Array(t) | Type::Option(t) => self.fn_inside_seen(t, seen),
            Type::Result(a, b) | Type::Map(a, b) => self
                .fn_inside_seen(a, seen)
                .or_else(|| self.fn_inside_seen(b, seen)),
            Type::Tuple(ts) => ts.iter().find_map(|t| self.fn_inside_seen(t, seen)),
            // A recursive type is looked into once.
            Type::Struct(id, _) | Type::Enum(id, _) if !seen.contains(ty) => {
                seen.push(ty.clone());
                let parts: Vec<Type> = match ty {
                    Type::Struct(..) => self.structs.get(*id as usize).map_or(Vec::new(), |s| {
                        s.fields.iter().map(|(_, t, _)| t.clone()).collect()
                    }),
                    _ => self.enums.get(*id as usize).map_or(Vec::new(), |e| {
                        e.variants.iter().flat_map(|v| v.payload.clone()).collect()
                    }),
                };
                parts.iter().find_map(|t| self.fn_inside_seen(t, seen))
            }
            _ => None,
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
