//! The state of checking one function body: its locals, the lexical scopes
//! that name them, and the loops that `break` and `continue` refer to.

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
}

impl FnScope {
    pub fn new(ret: Type) -> FnScope {
        FnScope {
            locals: Vec::new(),
            local_spans: Vec::new(),
            scopes: vec![HashMap::new()],
            ret,
            loops: Vec::new(),
        }
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

    pub fn lookup(&self, name: &str) -> Option<LocalId> {
        self.scopes.iter().rev().find_map(|s| s.get(name).copied())
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
    pub fn visible_names(&self) -> impl Iterator<Item = &str> {
        self.scopes
            .iter()
            .flat_map(|s| s.keys().map(String::as_str))
    }
}
