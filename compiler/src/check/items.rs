//! Items: collecting the types, function signatures and constants of
//! every module (each under its key, see `names.rs`), checking each
//! function body among the names of its own module, and finding the main
//! file's `main`.

use super::names::ModuleNames;
use super::scope::FnScope;
use super::{Checker, ConstInfo, ConstState, EnumInfo, FnSig, ParamSig, StructInfo, VariantInfo};
use crate::diagnostics::Diagnostic;
use crate::ir::kir::{self, FuncId};
use crate::ir::types::Type;
use crate::modules::ParsedModule;
use crate::span::Span;
use crate::syntax::ast::{self, ItemKind};
use std::collections::HashMap;

impl Checker {
    /// Checks every module (dependencies first, the main file last): all
    /// types are registered before any signature is resolved, and all
    /// signatures before any body is checked, so items may be used in any
    /// order and across files.
    /// `modules` are the stdlib, then the program's modules as
    /// [`crate::modules::load`] lists them (whose import indices count
    /// from the first user module).
    pub(super) fn check_program(&mut self, modules: &[&ParsedModule]) -> kir::Program {
        let main = modules.len().saturating_sub(1);
        self.modules = modules
            .iter()
            .enumerate()
            .map(|(i, m)| ModuleNames {
                name: m.name.clone(),
                prefix: if i == main {
                    String::new()
                } else {
                    format!("{}.", m.name)
                },
                is_std: i == 0,
                imports: m
                    .imports
                    .iter()
                    .map(|(id, target)| (id.name.clone(), (*target + 1, id.span)))
                    .collect(),
            })
            .collect();
        for (i, m) in modules.iter().enumerate() {
            self.module = i;
            self.collect_types(&m.ast);
        }
        let mut fns = Vec::new();
        for (i, m) in modules.iter().enumerate() {
            self.module = i;
            fns.extend(self.collect_items(&m.ast));
        }
        self.check_generic_types();
        self.check_generic_defs();
        self.module = main;
        let mut program = kir::Program::default();
        for (decl, id) in &fns {
            self.self_type = self.functions[id.0 as usize].owner.clone();
            self.module = self.fn_defs.get(id).map_or(main, |d| d.module);
            let f = self.check_fn(decl, *id);
            program.functions.push(f);
        }
        self.check_instances();
        self.module = main;
        // Lifted functions were numbered after every user function (the
        // numbers only go wrong after a duplicate function, an error).
        program.functions.append(&mut self.lifted);
        self.self_type = None;
        (program.structs, program.enums) = self.kir_types();
        program.main = self.find_main();
        program
    }

    /// Every struct and enum so far, as KIR declares them. An instance of
    /// a generic struct displays as the generic (`Pair { .. }`); its type
    /// is `Pair<int, str>`.
    pub(super) fn kir_types(&self) -> (Vec<kir::StructDef>, Vec<kir::EnumDef>) {
        let structs = self
            .structs
            .iter()
            .enumerate()
            .map(|(i, s)| kir::StructDef {
                name: display_name(
                    &self
                        .generics
                        .base_name(&Type::Struct(i as u32, s.name.clone()))
                        .unwrap_or_else(|| s.name.clone()),
                ),
                fields: s
                    .fields
                    .iter()
                    .map(|(n, t, _)| (n.clone(), t.clone()))
                    .collect(),
            })
            .collect();
        let enums = self
            .enums
            .iter()
            .map(|e| kir::EnumDef {
                name: display_name(&e.name),
                variants: e
                    .variants
                    .iter()
                    .map(|v| (v.name.clone(), v.payload.clone()))
                    .collect(),
            })
            .collect();
        (structs, enums)
    }

    /// Registers every struct and enum name first (so fields and payloads
    /// may name any of them, themselves included), then resolves the
    /// fields and the variants.
    pub(super) fn collect_types(&mut self, module: &ast::Module) {
        let mut decls = Vec::new();
        let mut enum_decls = Vec::new();
        for item in &module.items {
            if let ItemKind::Enum(e) = &item.kind {
                if self.type_declared(&e.name.name) {
                    continue; // reported with the other duplicates
                }
                if !e.generics.is_empty() {
                    let body = super::generics::GenericBody::Enum(e.clone());
                    self.register_generic_type(&e.name, &e.generics, body, item.is_pub);
                    continue;
                }
                let id = self.enums.len() as u32;
                let key = self.item_key(&e.name.name);
                self.define_item(key.clone(), item.is_pub, e.name.span);
                self.enum_ids.insert(key.clone(), id);
                self.enums.push(EnumInfo {
                    name: key,
                    variants: Vec::new(),
                });
                enum_decls.push((id, e));
            }
            if let ItemKind::Struct(s) = &item.kind {
                if self.type_declared(&s.name.name) {
                    continue; // reported with the other duplicates
                }
                if !s.generics.is_empty() {
                    let body = super::generics::GenericBody::Struct(s.clone());
                    self.register_generic_type(&s.name, &s.generics, body, item.is_pub);
                    continue;
                }
                let id = self.structs.len() as u32;
                let key = self.item_key(&s.name.name);
                self.define_item(key.clone(), item.is_pub, s.name.span);
                self.struct_ids.insert(key.clone(), id);
                self.structs.push(StructInfo {
                    name: key,
                    fields: Vec::new(),
                });
                decls.push((id, s));
            }
        }
        for (id, s) in decls {
            self.structs[id as usize].fields = self.resolve_fields(s);
        }
        for (id, e) in enum_decls {
            self.enums[id as usize].variants = self.resolve_variants(e);
        }
    }

    /// The fields of a struct declaration, their types resolved (under
    /// the type parameters in scope, for a generic one); a field declared
    /// twice is reported and left out.
    pub(super) fn resolve_fields(&mut self, s: &ast::StructDecl) -> Vec<(String, Type, Span)> {
        let mut fields: Vec<(String, Type, Span)> = Vec::new();
        for f in &s.fields {
            if let Some((_, _, prev)) = fields.iter().find(|(n, _, _)| *n == f.name.name) {
                let prev = *prev;
                self.report_redeclared("field", &f.name, prev);
                continue;
            }
            let ty = self.resolve_type(&f.ty);
            fields.push((f.name.name.clone(), ty, f.name.span));
        }
        fields
    }

    /// The variants of an enum declaration, their payload types resolved;
    /// a variant declared twice is reported and left out.
    pub(super) fn resolve_variants(&mut self, e: &ast::EnumDecl) -> Vec<VariantInfo> {
        let mut variants: Vec<VariantInfo> = Vec::new();
        for v in &e.variants {
            if let Some(prev) = variants.iter().find(|p| p.name == v.name.name) {
                let prev = prev.span;
                self.report_redeclared("variant", &v.name, prev);
                continue;
            }
            let payload = v.fields.iter().map(|t| self.resolve_type(t)).collect();
            variants.push(VariantInfo {
                name: v.name.name.clone(),
                payload,
                span: v.name.span,
            });
        }
        variants
    }

    /// E0202: a field, variant or parameter (`what`) declared again, first
    /// at `prev`.
    fn report_redeclared(&mut self, what: &str, name: &ast::Ident, prev: Span) {
        self.error(
            Diagnostic::error(
                "E0202",
                format!("{what} `{}` is declared more than once", name.name),
                name.span,
                "declared again here",
            )
            .with_label(prev, "first declared here"),
        );
    }

    /// Registers every function signature (free functions and the
    /// functions of `impl` blocks) and constant, so items can be used in
    /// any order.
    pub(super) fn collect_items<'m>(
        &mut self,
        module: &'m ast::Module,
    ) -> Vec<(&'m ast::FnDecl, FuncId)> {
        let mut seen: HashMap<String, Span> = HashMap::new();
        let mut fns = Vec::new();
        for item in &module.items {
            let name = match &item.kind {
                ItemKind::Fn(f) => &f.name,
                ItemKind::Const(c) => &c.name,
                ItemKind::Struct(s) => &s.name,
                ItemKind::Enum(e) => &e.name,
                ItemKind::Impl(imp) => {
                    self.collect_impl(imp, &mut fns);
                    continue;
                }
                // Loaded by `crate::modules`; a clash with an item is
                // reported below.
                ItemKind::Import(_) => {
                    if item.is_pub {
                        self.unsupported(item.span, "`pub import` (re-exporting a module)");
                    }
                    continue;
                }
                ItemKind::Error => continue,
            };
            if let Some(prev) = seen.get(&name.name) {
                self.error(
                    Diagnostic::error(
                        "E0202",
                        format!("`{}` is defined more than once", name.name),
                        name.span,
                        "redefined here",
                    )
                    .with_label(*prev, "first defined here"),
                );
                continue;
            }
            seen.insert(name.name.clone(), name.span);
            self.report_import_clash(name);
            match &item.kind {
                ItemKind::Fn(f) if !f.generics.is_empty() => {
                    let id = self.register_generic_fn(f, &[], None, item.is_pub);
                    let key = self.item_key(&f.name.name);
                    self.define_item(key.clone(), item.is_pub, f.name.span);
                    self.generics.fn_names.insert(key, id);
                }
                ItemKind::Fn(f) => {
                    let sig = self.fn_signature(f, None);
                    let id = FuncId(self.functions.len() as u32);
                    self.functions.push(sig);
                    let key = self.item_key(&f.name.name);
                    self.define_item(key.clone(), item.is_pub, f.name.span);
                    self.define_fn(id, item.is_pub, f.name.span);
                    self.fn_ids.insert(key, id);
                    fns.push((f, id));
                }
                ItemKind::Const(c) => {
                    let key = self.item_key(&c.name.name);
                    self.define_item(key.clone(), item.is_pub, c.name.span);
                    self.consts.insert(
                        key,
                        ConstInfo {
                            decl: c.clone(),
                            state: ConstState::Unchecked,
                        },
                    );
                }
                _ => {}
            }
        }
        // Constants are checked even when unused, so their errors show.
        let prefix = self.item_key("");
        let mut names: Vec<String> = self
            .consts
            .keys()
            .filter(|k| k.strip_prefix(&prefix).is_some_and(|r| !r.contains('.')))
            .cloned()
            .collect();
        names.sort_by_key(|n| self.consts[n].decl.name.span.start);
        for name in names {
            self.const_value(&name, Span::default());
        }
        fns
    }

    fn collect_impl<'m>(
        &mut self,
        imp: &'m ast::ImplDecl,
        fns: &mut Vec<(&'m ast::FnDecl, FuncId)>,
    ) {
        let builtin = imp.is_array()
            || super::types::TYPE_NAMES.contains(&imp.target.name.as_str())
                && self.named_type(&imp.target.name).is_none()
                && self.generic_type_named(&imp.target.name).is_none();
        if builtin {
            if self.modules.get(self.module).is_some_and(|m| m.is_std) {
                self.collect_generic_impl(imp);
                return;
            }
            self.error(
                Diagnostic::error(
                    "E0430",
                    format!(
                        "cannot define methods on the built-in type `{}`",
                        super::generics::target_name(imp)
                    ),
                    imp.target.span,
                    "a built-in type",
                )
                .with_help("define a struct or enum of your own and give it the methods"),
            );
            return;
        }
        if !imp.generics.is_empty()
            || !imp.target_args.is_empty()
            || self.generic_type_named(&imp.target.name).is_some()
        {
            self.collect_generic_impl(imp);
            return;
        }
        let Some(owner) = self.named_type(&imp.target.name) else {
            let d = Diagnostic::error(
                "E0203",
                format!("unknown type `{}`", imp.target.name),
                imp.target.span,
                "`impl` needs a struct or enum declared in this file",
            );
            let names = self.visible_keys(self.struct_ids.keys().chain(self.enum_ids.keys()));
            let names = names.iter().map(String::as_str);
            self.error(super::suggest::did_you_mean(d, &imp.target.name, names));
            return;
        };
        let struct_name = owner.to_string();
        self.self_type = Some(owner.clone());
        for item in &imp.items {
            let ItemKind::Fn(f) = &item.kind else {
                continue;
            };
            let is_pub = item.is_pub;
            if !f.generics.is_empty() {
                // A function with type parameters of its own in a plain
                // `impl`: generic, with the target as written.
                self.check_type_params(&f.generics, &[]);
                let target = super::generics::target_expr(imp);
                let id = self.register_generic_fn(f, &[], Some(target), is_pub);
                let key = (self.item_key(&imp.target.name), f.name.name.clone());
                self.generics.methods.insert(key, id);
                continue;
            }
            let key = (owner.clone(), f.name.name.clone());
            if let Some(&prev) = self.methods.get(&key) {
                let prev = self.functions[prev.0 as usize].span;
                self.error(
                    Diagnostic::error(
                        "E0202",
                        format!("`{struct_name}::{}` is defined more than once", f.name.name),
                        f.name.span,
                        "redefined here",
                    )
                    .with_label(prev, "first defined here"),
                );
                continue;
            }
            let sig = self.fn_signature(f, Some(owner.clone()));
            let id = FuncId(self.functions.len() as u32);
            self.functions.push(sig);
            self.define_fn(id, is_pub, f.name.span);
            self.methods.insert(key, id);
            fns.push((f, id));
        }
        self.self_type = None;
    }

    pub(super) fn fn_signature(&mut self, f: &ast::FnDecl, owner: Option<Type>) -> FnSig {
        let mut params: Vec<ParamSig> = Vec::new();
        let self_param = match (&f.self_param, &self.self_type) {
            (Some(s), Some(t)) => {
                params.push(ParamSig {
                    name: "self".to_string(),
                    ty: t.clone(),
                    mutable: s.mutable,
                    span: s.span,
                });
                Some(s.mutable)
            }
            (Some(s), None) => {
                self.error(Diagnostic::error(
                    "E0407",
                    "`self` parameter outside an `impl` block",
                    s.span,
                    "only functions in `impl` blocks take `self`",
                ));
                None
            }
            (None, _) => None,
        };
        for p in &f.params {
            if let Some(prev) = params.iter().find(|q| q.name == p.name.name) {
                let prev = prev.span;
                self.report_redeclared("parameter", &p.name, prev);
            }
            let ty = self.resolve_type(&p.ty);
            params.push(ParamSig {
                name: p.name.name.clone(),
                ty,
                mutable: p.mutable,
                span: p.name.span,
            });
        }
        let ret = match &f.ret {
            Some(t) => self.resolve_type(t),
            None => Type::Unit,
        };
        let name = match &owner {
            Some(o) => format!("{o}::{}", f.name.name),
            None => self.item_key(&f.name.name),
        };
        FnSig {
            name,
            params,
            ret,
            span: f.name.span,
            self_param,
            owner,
        }
    }

    pub(super) fn check_fn(&mut self, decl: &ast::FnDecl, id: FuncId) -> kir::Function {
        let sig = self.functions[id.0 as usize].clone();
        self.check_fn_with(decl, sig)
    }

    /// Checks a function body against the signature `sig` (a user
    /// function's, or an instance's of a generic one).
    pub(super) fn check_fn_with(&mut self, decl: &ast::FnDecl, sig: FnSig) -> kir::Function {
        self.current_fn = sig.name.clone();
        let mut scope = FnScope::new(sig.ret.clone());
        let params = sig
            .params
            .iter()
            .map(|p| scope.declare(&p.name, p.ty.clone(), p.mutable, p.span))
            .collect();
        let body = self.check_block(&mut scope, &decl.body, Some(&sig.ret));
        if !matches!(sig.ret, Type::Unit) && !compatible(&body.ty, &sig.ret) {
            self.report_body_mismatch(decl, &sig, &body);
        }
        kir::Function {
            name: sig.name,
            params,
            ret: sig.ret,
            locals: scope.locals,
            body,
            span: sig.span,
            returns_self: sig.self_param == Some(true),
        }
    }

    /// The body's value does not match the declared return type; the error
    /// points at the value (or at the closing brace when there is none).
    fn report_body_mismatch(&mut self, decl: &ast::FnDecl, sig: &FnSig, body: &kir::Expr) {
        let ret_span = decl.ret.as_ref().map_or(sig.span, |t| t.span);
        let diag = match decl.body.stmts.last() {
            Some(ast::Stmt {
                kind: ast::StmtKind::Expr(e),
                ..
            }) if body.ty != Type::Unit => Diagnostic::error(
                "E0301",
                "mismatched types",
                e.span,
                format!("expected `{}`, found `{}`", sig.ret, body.ty),
            )
            .with_label(
                ret_span,
                format!("`{}` is declared to return `{}`", sig.name, sig.ret),
            ),
            _ => {
                let end = decl.body.span.end.saturating_sub(1);
                let close = Span {
                    start: end,
                    ..decl.body.span
                };
                Diagnostic::error(
                    "E0301",
                    format!(
                        "function `{}` must return a value of type `{}`",
                        sig.name, sig.ret
                    ),
                    close,
                    "the body ends here without a value",
                )
                .with_label(ret_span, "declared return type")
                .with_help("end the body with an expression of that type, or use `return`")
            }
        };
        self.error(diag);
    }

    /// The main file's `fn main` (in an imported module, `main` is just a
    /// function).
    fn find_main(&mut self) -> Option<FuncId> {
        let id = self.fn_ids.get("main").copied()?;
        let sig = &self.functions[id.0 as usize];
        if !sig.params.is_empty() || sig.ret != Type::Unit {
            let span = sig.span;
            self.error(
                Diagnostic::error(
                    "E0405",
                    "`main` must take no parameters and return nothing",
                    span,
                    "declared here",
                )
                .with_help("write `fn main() { ... }`; use `args()` for command-line arguments"),
            );
        }
        Some(id)
    }

    /// The value of constant `name`, checking it on first use.
    pub(super) fn const_value(&mut self, name: &str, use_span: Span) -> Option<kir::Expr> {
        let info = self.consts.get_mut(name)?;
        match &info.state {
            ConstState::Done(e) => return Some(e.clone()),
            ConstState::InProgress => {
                let span = info.decl.name.span;
                self.error(
                    Diagnostic::error(
                        "E0406",
                        format!("constant `{name}` depends on itself"),
                        use_span,
                        "used here while it is being defined",
                    )
                    .with_label(span, "defined here"),
                );
                let err = error_expr(use_span);
                if let Some(info) = self.consts.get_mut(name) {
                    info.state = ConstState::Done(err.clone());
                }
                return Some(err);
            }
            ConstState::Unchecked => {}
        }
        info.state = ConstState::InProgress;
        let decl = info.decl.clone();
        // A constant's value is checked among the names of its own module.
        let outer = self.module;
        self.module = self.item_defs.get(name).map_or(outer, |d| d.module);
        let expected = decl.ty.as_ref().map(|t| self.resolve_type(t));
        if !is_constant(&decl.value) {
            self.error(
                Diagnostic::error(
                    "E0406",
                    "a constant's value must be a constant expression",
                    decl.value.span,
                    "not a constant expression",
                )
                .with_help("use literals, operators and other constants"),
            );
        }
        let mut scope = FnScope::new(Type::Unit);
        let value = self.check_expr(&mut scope, &decl.value, expected.as_ref());
        if let Some(t) = &expected {
            self.expect_type(&value, t);
        }
        let value = match value.ty {
            Type::Int | Type::Float | Type::Bool | Type::Str | Type::Error => value,
            _ => {
                self.error(Diagnostic::error(
                    "E0406",
                    "a constant must be an `int`, `float`, `bool` or `str`",
                    decl.value.span,
                    format!("this has type `{}`", value.ty),
                ));
                error_expr(decl.value.span)
            }
        };
        self.module = outer;
        if let Some(info) = self.consts.get_mut(name) {
            if matches!(info.state, ConstState::InProgress) {
                info.state = ConstState::Done(value.clone());
            }
        }
        Some(value)
    }
}

/// True for expressions allowed in a constant: literals, operators and
/// names (of other constants, also `module.NAME`; the checker verifies what
/// they name).
fn is_constant(e: &ast::Expr) -> bool {
    use ast::ExprKind as E;
    match &e.kind {
        E::Int(_) | E::Float(_) | E::Bool(_) | E::Name(_) | E::Error => true,
        E::Field(base, _) => matches!(base.kind, E::Name(_)),
        E::Str(parts) => parts.iter().all(|p| matches!(p, ast::StrPart::Lit(_))),
        E::Unary(_, a) => is_constant(a),
        E::Binary(_, a, b) => is_constant(a) && is_constant(b),
        _ => false,
    }
}

/// Whether a value of type `found` may stand where `expected` is wanted.
pub(super) fn compatible(found: &Type, expected: &Type) -> bool {
    match (found, expected) {
        (Type::Never | Type::Error, _) | (_, Type::Error) => true,
        (Type::Array(a), Type::Array(b)) | (Type::Option(a), Type::Option(b)) => same(a, b),
        (Type::Result(a, e), Type::Result(b, f)) | (Type::Map(a, e), Type::Map(b, f)) => {
            same(a, b) && same(e, f)
        }
        (Type::Tuple(a), Type::Tuple(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(a, b)| same(a, b))
        }
        _ => found == expected,
    }
}

/// Type equality where an unknown (`Error`) part matches anything, so an
/// earlier mistake inside an element type is not reported again.
pub(super) fn same(a: &Type, b: &Type) -> bool {
    match (a, b) {
        (Type::Never, Type::Never) => true,
        (Type::Never, _) | (_, Type::Never) => false,
        _ => compatible(a, b),
    }
}

/// True when a type contains an unknown part (already reported).
pub(super) fn has_error(t: &Type) -> bool {
    match t {
        Type::Error => true,
        Type::Array(e) | Type::Option(e) => has_error(e),
        Type::Result(t, e) | Type::Map(t, e) => has_error(t) || has_error(e),
        Type::Tuple(ts) => ts.iter().any(has_error),
        _ => false,
    }
}

/// A placeholder for an expression that failed to check.
pub(super) fn error_expr(span: Span) -> kir::Expr {
    kir::Expr {
        kind: kir::ExprKind::Unit,
        ty: Type::Error,
        span,
    }
}

/// The name a user type shows in its values' display form: without its
/// module (`Point { x: 1.0 }`, as Rust's `Debug` shows it).
fn display_name(key: &str) -> String {
    key.rsplit('.').next().unwrap_or(key).to_string()
}
