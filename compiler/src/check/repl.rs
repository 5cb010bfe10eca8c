//! Checking for the REPL: one checker that lives for a whole session and
//! checks each input against everything defined before it.
//!
//! An input is the body of the function `<repl>` (see
//! [`crate::syntax::parser::parse_repl_input`]). Its item statements are
//! items: they are registered like a file's items (replacing earlier items
//! of the same name, so redefinition works) and their bodies checked. Its
//! other statements become one new function whose parameters are the
//! session's bindings (the `let`/`var` names of earlier inputs) and whose
//! result carries the bindings after the input (earlier ones, possibly
//! changed, and new ones) and the display form of a trailing expression.
//! The session keeps that result and passes it to the next input, so no
//! earlier input is ever run again. Values have value semantics, so passing
//! bindings in and out is the same as reading and writing globals.
//!
//! Function ids keep counting across inputs: the functions of an input
//! (its items, then its own body function, then the bodies lifted out of
//! them) are numbered after every earlier one, and the lifted ones get a
//! placeholder signature so the next input numbers after them too.

use super::scope::FnScope;
use super::stmt::{discard, unit};
use super::{names::ModuleNames, Checker, FnSig};
use crate::diagnostics::Diagnostic;
use crate::ir::kir::{self, ExprKind, FuncId};
use crate::ir::types::Type;
use crate::modules::ParsedModule;
use crate::span::Span;
use crate::syntax::ast::{self, ItemKind, StmtKind};

/// A binding of the session: a top-level `let` or `var` of an input.
#[derive(Clone, Debug, PartialEq)]
pub struct Binding {
    pub name: String,
    pub ty: Type,
    pub mutable: bool,
}

/// What checking one input produced.
#[derive(Debug)]
pub struct CheckedInput {
    /// The new functions, numbered from `first` on.
    pub functions: Vec<kir::Function>,
    pub first: FuncId,
    /// The function that runs the input's statements, when it has any.
    pub body: Option<FuncId>,
    /// The bindings after the input, in the order the body function's
    /// result holds them (its parameters are the bindings before it).
    pub bindings: Vec<Binding>,
    /// The type of the trailing expression whose display form the body
    /// returns, when it has one worth showing (not unit).
    pub shown: Option<Type>,
    /// Every struct and enum so far (types of earlier inputs keep their ids).
    pub structs: Vec<kir::StructDef>,
    pub enums: Vec<kir::EnumDef>,
}

/// The checker state of a REPL session. Cloning it is how a session
/// checks an input into a scratch copy and keeps it only on success.
#[derive(Clone)]
pub struct ReplChecker {
    checker: Checker,
}

/// The session's own module (its items have no prefix); the stdlib is
/// module 0, as in a program (`check_program`).
const SESSION: usize = 1;

impl ReplChecker {
    /// A session's checker, with the stdlib (`std`, parsed) registered.
    /// The stdlib's items are all generic, so nothing of it is compiled
    /// until an input uses it.
    pub fn new(std: &ParsedModule) -> ReplChecker {
        let mut checker = Checker {
            modules: vec![
                ModuleNames {
                    name: std.name.clone(),
                    prefix: format!("{}.", std.name),
                    is_std: true,
                    imports: Default::default(),
                },
                ModuleNames::default(),
            ],
            module: 0,
            ..Checker::default()
        };
        checker.collect_types(&std.ast);
        let fns = checker.collect_items(&std.ast);
        debug_assert!(fns.is_empty(), "the stdlib's functions are generic");
        checker.module = SESSION;
        ReplChecker { checker }
    }
}

impl ReplChecker {
    /// The number of functions defined so far (the next input's first id).
    pub fn function_count(&self) -> u32 {
        self.checker.functions.len() as u32
    }

    /// Names in scope for completion: functions, constants, types.
    pub fn item_names(&self) -> Vec<String> {
        let c = &self.checker;
        let mut names: Vec<String> = c
            .fn_ids
            .keys()
            .chain(c.consts.keys())
            .chain(c.struct_ids.keys())
            .chain(c.enum_ids.keys())
            .cloned()
            .collect();
        names.sort();
        names.dedup();
        names
    }

    /// The field names of type `ty` (a struct) and its methods: native,
    /// the stdlib's, and those of its `impl` blocks, for completion after
    /// `.`.
    pub fn members(&self, ty: &Type) -> Vec<String> {
        let c = &self.checker;
        let mut out: Vec<String> = super::builtins::method_names(ty)
            .iter()
            .copied()
            .chain(c.generic_method_names(ty))
            .map(str::to_string)
            .collect();
        if let Type::Struct(id, _) = ty {
            if let Some(s) = c.structs.get(*id as usize) {
                out.extend(s.fields.iter().map(|(n, _, _)| n.clone()));
            }
        }
        out.extend(
            c.methods
                .keys()
                .filter(|(t, _)| t == ty)
                .map(|(_, n)| n.clone()),
        );
        out.sort();
        out.dedup();
        out
    }

    /// The fields of struct type `ty` with their types.
    pub fn fields(&self, ty: &Type) -> Vec<(String, Type)> {
        match ty {
            Type::Struct(id, _) => self
                .checker
                .structs
                .get(*id as usize)
                .map(|s| {
                    s.fields
                        .iter()
                        .map(|(n, t, _)| (n.clone(), t.clone()))
                        .collect()
                })
                .unwrap_or_default(),
            _ => Vec::new(),
        }
    }

    /// Checks the modules an input imports (as [`crate::modules::load`]
    /// lists them for a main file that only imports: dependencies first,
    /// that main file last, and not checked) and makes the imports the
    /// input names visible to later inputs. A module imported before is
    /// not checked again. On error, `self` may be half updated: check a
    /// clone.
    pub fn import_modules(&mut self, loaded: &[ParsedModule]) -> Result<(), Vec<Diagnostic>> {
        let c = &mut self.checker;
        let Some((main, deps)) = loaded.split_last() else {
            return Ok(());
        };
        // Where each loaded module is in the checker's list.
        let mut index = Vec::with_capacity(deps.len());
        let mut new = Vec::new();
        for m in deps {
            let prefix = format!("{}.", m.name);
            match c.modules.iter().position(|n| n.prefix == prefix) {
                Some(i) => index.push(i),
                None => {
                    index.push(c.modules.len());
                    new.push((c.modules.len(), m));
                    c.modules.push(ModuleNames {
                        name: m.name.clone(),
                        prefix,
                        is_std: false,
                        imports: Default::default(),
                    });
                }
            }
        }
        for &(i, m) in &new {
            c.modules[i].imports = m
                .imports
                .iter()
                .map(|(id, target)| (id.name.clone(), (index[*target], id.span)))
                .collect();
        }
        for &(i, m) in &new {
            c.module = i;
            c.collect_types(&m.ast);
        }
        let mut fns = Vec::new();
        for &(i, m) in &new {
            c.module = i;
            fns.extend(c.collect_items(&m.ast));
        }
        for (decl, id) in &fns {
            c.self_type = c.functions[id.0 as usize].owner.clone();
            c.module = c.fn_defs.get(id).map_or(SESSION, |d| d.module);
            let f = c.check_fn(decl, *id);
            c.imported.push((*id, f));
        }
        c.self_type = None;
        c.check_generics_of_input();
        // Bodies lifted out of the modules were numbered after every
        // function so far: reserve their ids before the input's own.
        let base = c.functions.len() as u32;
        for (i, f) in std::mem::take(&mut c.lifted).into_iter().enumerate() {
            c.functions.push(placeholder(&f.name, f.span));
            c.imported.push((FuncId(base + i as u32), f));
        }
        for (id, target) in &main.imports {
            c.modules[SESSION]
                .imports
                .insert(id.name.clone(), (index[*target], id.span));
        }
        if c.diags.is_empty() {
            Ok(())
        } else {
            Err(std::mem::take(&mut c.diags))
        }
    }

    /// Checks one input (the body of `<repl>`, as parsed) with `bindings`
    /// in scope. On error, `self` may be half updated: check a clone.
    pub fn check_input(
        &mut self,
        body: &ast::Block,
        bindings: &[Binding],
    ) -> Result<CheckedInput, Vec<Diagnostic>> {
        let c = &mut self.checker;
        // The functions of modules this input imported were numbered first.
        let first = c
            .imported
            .iter()
            .map(|(id, _)| *id)
            .min()
            .unwrap_or(FuncId(c.functions.len() as u32));
        let items: Vec<ast::Item> = body
            .stmts
            .iter()
            .filter_map(|s| match &s.kind {
                StmtKind::Item(i) => Some((**i).clone()),
                _ => None,
            })
            .collect();
        let stmts: Vec<&ast::Stmt> = body
            .stmts
            .iter()
            .filter(|s| !matches!(s.kind, StmtKind::Item(_)))
            .collect();
        let module = ast::Module {
            items: items
                .into_iter()
                .filter(|i| !matches!(i.kind, ItemKind::Import(_)))
                .collect(),
        };
        c.forget_redefined(&module);
        c.collect_types(&module);
        let fns = c.collect_items(&module);
        // The body's id comes right after the items', before any body
        // lifted out of them is numbered.
        let body_id = (!stmts.is_empty()).then(|| {
            c.functions.push(placeholder("<repl>", body.span));
            FuncId(c.functions.len() as u32 - 1)
        });
        // The functions of modules imported by this input come first.
        let mut functions = std::mem::take(&mut c.imported);
        for (decl, id) in &fns {
            c.self_type = c.functions[id.0 as usize].owner.clone();
            let f = c.check_fn(decl, *id);
            functions.push((*id, f));
        }
        c.self_type = None;
        let mut result = None;
        if let Some(id) = body_id {
            let (f, after, shown) = c.check_repl_body(&stmts, bindings, body.span);
            functions.push((id, f));
            result = Some((id, after, shown));
        }
        c.check_generics_of_input();
        // Lifted bodies (and generic instances) were numbered after every
        // function so far.
        let base = c.functions.len() as u32;
        for (i, f) in std::mem::take(&mut c.lifted).into_iter().enumerate() {
            c.functions.push(placeholder(&f.name, f.span));
            functions.push((FuncId(base + i as u32), f));
        }
        if !c.diags.is_empty() {
            let mut diags = std::mem::take(&mut c.diags);
            diags.sort_by_key(|d| (d.primary.span.file, d.primary.span.start));
            return Err(diags);
        }
        functions.sort_by_key(|(id, _)| id.0);
        if functions
            .iter()
            .enumerate()
            .any(|(i, (id, _))| id.0 != first.0 + i as u32)
        {
            return Err(vec![Diagnostic::error(
                "E0499",
                "internal error: the functions of this input are not numbered in order",
                body.span,
                "in this input",
            )]);
        }
        let (body_id, after, shown) = match result {
            Some((id, after, shown)) => (Some(id), after, shown),
            None => (None, bindings.to_vec(), None),
        };
        let (structs, enums) = c.kir_types();
        Ok(CheckedInput {
            functions: functions.into_iter().map(|(_, f)| f).collect(),
            first,
            body: body_id,
            bindings: after,
            shown,
            structs,
            enums,
        })
    }

    /// The type of `expr` with `bindings` in scope, without running it
    /// (`:type`). The checker is left unchanged.
    pub fn type_of(
        &self,
        body: &ast::Block,
        bindings: &[Binding],
    ) -> Result<Type, Vec<Diagnostic>> {
        let mut scratch = self.clone();
        let checked = scratch.check_input(body, bindings)?;
        Ok(checked.shown.unwrap_or(Type::Unit))
    }
}

/// The signature that reserves a function id without a name to call it by.
fn placeholder(name: &str, span: Span) -> FnSig {
    FnSig {
        name: name.to_string(),
        params: Vec::new(),
        ret: Type::Unit,
        span,
        self_param: None,
        owner: None,
    }
}

impl Checker {
    /// Removes the items an input defines again, so that the new
    /// definitions replace them (later inputs see only the new ones;
    /// compiled code keeps calling what it called).
    /// Checks what an input added of generic items: their declarations
    /// and the bodies of the instances it made (instances of earlier
    /// inputs are compiled already and reused).
    fn check_generics_of_input(&mut self) {
        self.check_generic_types();
        self.check_generic_defs();
        self.check_instances();
        self.generics.pending.clear();
        self.module = SESSION;
    }

    fn forget_redefined(&mut self, module: &ast::Module) {
        for item in &module.items {
            let name = match &item.kind {
                ItemKind::Fn(f) => &f.name.name,
                ItemKind::Const(c) => &c.name.name,
                ItemKind::Struct(s) => &s.name.name,
                ItemKind::Enum(e) => &e.name.name,
                ItemKind::Impl(imp) => {
                    if let Some(owner) = self.named_type(&imp.target.name) {
                        for m in &imp.items {
                            if let ItemKind::Fn(f) = &m.kind {
                                self.methods.remove(&(owner.clone(), f.name.name.clone()));
                            }
                        }
                    }
                    continue;
                }
                ItemKind::Import(_) | ItemKind::Error => continue,
            };
            self.fn_ids.remove(name);
            self.consts.remove(name);
            self.struct_ids.remove(name);
            self.enum_ids.remove(name);
            self.item_defs.remove(name);
        }
    }

    /// Checks the statements of an input as the body of a function whose
    /// parameters are `bindings`; returns it, the bindings after it, and
    /// the type of the trailing expression it shows.
    fn check_repl_body(
        &mut self,
        stmts: &[&ast::Stmt],
        bindings: &[Binding],
        span: Span,
    ) -> (kir::Function, Vec<Binding>, Option<Type>) {
        self.current_fn = "<repl>".to_string();
        let mut scope = FnScope::new(Type::Unit);
        let params = bindings
            .iter()
            .map(|b| scope.declare(&b.name, b.ty.clone(), b.mutable, span))
            .collect();
        let mut items = Vec::with_capacity(stmts.len() + 2);
        let mut diverges = false;
        let mut shown = None;
        let last = stmts.len().checked_sub(1);
        for (i, stmt) in stmts.iter().enumerate() {
            let e = match &stmt.kind {
                StmtKind::Expr(e) if Some(i) == last => {
                    let value = self.check_expr(&mut scope, e, None);
                    if value.ty.is_zero_sized() || matches!(value.ty, Type::Never | Type::Error) {
                        discard(value)
                    } else {
                        // The value's display form is the result; the
                        // value itself is dropped at the end of the body.
                        let ty = value.ty.clone();
                        let tmp = scope.declare_hidden(ty.clone(), e.span);
                        items.push(node(
                            ExprKind::Let(tmp, Box::new(value)),
                            Type::Unit,
                            e.span,
                        ));
                        let local = node(ExprKind::Local(tmp), ty.clone(), e.span);
                        shown = Some(ty);
                        node(ExprKind::Interpolate(vec![local]), Type::Str, e.span)
                    }
                }
                _ => self.check_stmt(&mut scope, stmt),
            };
            diverges |= e.ty == Type::Never;
            match (&stmt.kind, e.kind) {
                (StmtKind::Let { .. }, ExprKind::Block(mut lets)) => {
                    lets.pop();
                    items.append(&mut lets);
                }
                (_, kind) => items.push(kir::Expr { kind, ..e }),
            }
        }
        let shown_text = match shown {
            Some(_) => items.pop(),
            None => None,
        };
        for e in &items {
            self.reject_return(e);
        }
        // The bindings after the input: every name its top level declares
        // last, in declaration order.
        let mut top = scope.top_level();
        top.sort_by_key(|(_, id)| id.0);
        let after: Vec<(Binding, kir::LocalId)> = top
            .into_iter()
            .filter_map(|(name, id)| {
                let l = scope.local(id);
                (!l.ty.is_zero_sized() && !matches!(l.ty, Type::Never | Type::Error)).then(|| {
                    (
                        Binding {
                            name,
                            ty: l.ty.clone(),
                            mutable: l.mutable,
                        },
                        id,
                    )
                })
            })
            .collect();
        let text =
            shown_text.unwrap_or_else(|| node(ExprKind::Str(String::new()), Type::Str, span));
        let (result, ret) = if after.is_empty() {
            (text, Type::Str)
        } else {
            let types: Vec<Type> = after.iter().map(|(b, _)| b.ty.clone()).collect();
            let state_ty = Type::Tuple(types);
            let state = node(
                ExprKind::TupleLit(
                    after
                        .iter()
                        .map(|(b, id)| node(ExprKind::Local(*id), b.ty.clone(), span))
                        .collect(),
                ),
                state_ty.clone(),
                span,
            );
            let ty = Type::Tuple(vec![Type::Str, state_ty]);
            (
                node(ExprKind::TupleLit(vec![text, state]), ty.clone(), span),
                ty,
            )
        };
        let body_ty = if diverges {
            Type::Never
        } else {
            items.push(result);
            ret.clone()
        };
        if items.is_empty() {
            items.push(unit(span));
        }
        let body = node(ExprKind::Block(items), body_ty, span);
        let f = kir::Function {
            name: "<repl>".to_string(),
            params,
            ret,
            locals: scope.locals,
            body,
            span,
            returns_self: false,
        };
        (f, after.into_iter().map(|(b, _)| b).collect(), shown)
    }

    /// `return` and `?` have no function to leave at the top level of the
    /// REPL.
    fn reject_return(&mut self, e: &kir::Expr) {
        if let ExprKind::Return(_) = e.kind {
            self.error(Diagnostic::error(
                "E0499",
                "`return` or `?` at the top level of the REPL",
                e.span,
                "there is no function to return from here",
            ));
            return;
        }
        crate::ir::visit::for_each_child(e, &mut |c| self.reject_return(c));
    }
}

fn node(kind: ExprKind, ty: Type, span: Span) -> kir::Expr {
    kir::Expr { kind, ty, span }
}
