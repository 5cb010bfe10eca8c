//! The state of checking one function body: its locals, the lexical scopes
//! that name them, and the loops that `break` and `continue` refer to.
//!
//! The body of a `spawn { }` is checked as a function of its own, nested
//! in the enclosing one: a name it does not declare itself is looked up
//! outside and *captured*, which makes it a parameter of the nested
//! function that the spawn fills with a copy of the outer value.

use crate::ir::kir::{self, LocalId};
use crate::ir::types::Type;
use crate::span::Span;
use std::collections::HashMap;

/// One function body being checked.
pub(super) struct FnScope {
    pub locals: Vec<kir::Local>,
    /// Where each local was declared, for "declared here" labels.
    pub local_spans: Vec<Span>,
    scopes: Vec<HashMap<String, LocalId>>,
    /// The function's return type.
    pub ret: Type,
    /// One entry per enclosing loop: whether a `break` targets it.
    pub loops: Vec<bool>,
    /// For the body of a `spawn`: the scope it is nested in.
    pub enclosing: Option<Box<FnScope>>,
    /// The captured locals: (the local outside, the parameter here that
    /// holds its copy), in the order they were first named.
    pub captures: Vec<(LocalId, LocalId)>,
    /// For a nested body, what it is: `"spawn"` or `"closure"`.
    pub nested_in: Option<&'static str>,
    /// True in a `spawn` body, where `return` and `?` cannot be used.
    pub no_return: bool,
    /// True in a closure whose result type is not known yet: the first
    /// `return` fixes it (as the last expression would), and until then
    /// `?` cannot be used.
    pub infer_ret: bool,
    /// The `return` that fixed the result type, when one did.
    pub ret_fixed_at: Option<Span>,
}

impl FnScope {
    pub fn new(ret: Type) -> FnScope {
        FnScope {
            locals: Vec::new(),
            local_spans: Vec::new(),
            scopes: vec![HashMap::new()],
            ret,
            loops: Vec::new(),
            enclosing: None,
            captures: Vec::new(),
            nested_in: None,
            no_return: false,
            infer_ret: false,
            ret_fixed_at: None,
        }
    }

    /// The scope of a `spawn` body or a closure nested in `enclosing`,
    /// whose result type is `ret` (`None`: unknown, so a closure infers it
    /// and a `spawn` body cannot use `return`).
    pub fn nested(enclosing: FnScope, ret: Option<Type>, body: &'static str) -> FnScope {
        let unknown = ret.is_none();
        FnScope {
            enclosing: Some(Box::new(enclosing)),
            nested_in: Some(body),
            no_return: unknown && body == "spawn",
            infer_ret: unknown && body != "spawn",
            ..FnScope::new(ret.unwrap_or(Type::Error))
        }
    }

    /// The outer local that `id` holds a copy of, when `id` is a capture.
    pub fn captured(&self, id: LocalId) -> Option<LocalId> {
        self.captures
            .iter()
            .find(|(_, inner)| *inner == id)
            .map(|(outer, _)| *outer)
    }

    /// Declares a local in the innermost scope (shadowing is allowed).
    pub fn declare(&mut self, name: &str, ty: Type, mutable: bool, span: Span) -> LocalId {
        let id = LocalId(self.locals.len() as u32);
        self.locals.push(kir::Local {
            name: name.to_string(),
            ty,
            mutable,
        });
        self.local_spans.push(span);
        if let Some(scope) = self.scopes.last_mut() {
            scope.insert(name.to_string(), id);
        }
        id
    }

    /// Declares a local no source name can refer to (a temporary).
    pub fn declare_hidden(&mut self, ty: Type, span: Span) -> LocalId {
        let id = LocalId(self.locals.len() as u32);
        self.locals.push(kir::Local {
            name: format!("$t{}", id.0),
            ty,
            mutable: false,
        });
        self.local_spans.push(span);
        id
    }

    /// The local `name` refers to here. In a `spawn` body, a name from the
    /// enclosing scope is captured on first use.
    pub fn lookup(&mut self, name: &str) -> Option<LocalId> {
        if let Some(id) = self.scopes.iter().rev().find_map(|s| s.get(name).copied()) {
            return Some(id);
        }
        let outer = self.enclosing.as_mut()?.lookup(name)?;
        let enclosing = self.enclosing.as_ref()?;
        let info = enclosing.local(outer).clone();
        let span = enclosing.local_spans[outer.0 as usize];
        let id = LocalId(self.locals.len() as u32);
        self.locals.push(kir::Local {
            mutable: false,
            ..info
        });
        self.local_spans.push(span);
        // Captures are parameters: they belong to the outermost scope.
        if let Some(scope) = self.scopes.first_mut() {
            scope.insert(name.to_string(), id);
        }
        self.captures.push((outer, id));
        Some(id)
    }

    /// The names declared in the outermost scope, for the REPL, whose
    /// top-level names outlive the input.
    pub fn top_level(&self) -> Vec<(String, LocalId)> {
        self.scopes
            .first()
            .map(|s| s.iter().map(|(n, id)| (n.clone(), *id)).collect())
            .unwrap_or_default()
    }

    pub fn local(&self, id: LocalId) -> &kir::Local {
        &self.locals[id.0 as usize]
    }

    pub fn push(&mut self) {
        self.scopes.push(HashMap::new());
    }

    pub fn pop(&mut self) {
        self.scopes.pop();
    }

    /// Every name visible here, for suggestions.
    pub fn visible_names(&self) -> Box<dyn Iterator<Item = &str> + '_> {
        let own = self
            .scopes
            .iter()
            .flat_map(|s| s.keys().map(String::as_str));
        match &self.enclosing {
            Some(outer) => Box::new(own.chain(outer.visible_names())),
            None => Box::new(own),
        }
    }
}
