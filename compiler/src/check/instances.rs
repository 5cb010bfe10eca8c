//! Function instances: making one (signature and number) for a generic
//! function and its type arguments, checking the bodies of every instance
//! from a work list, reporting their errors against the calls that made
//! them, and the definition pass that checks every generic body once
//! without type arguments.

use super::generics::{bind_env, type_list, unknown_env, Pending, COUNT_KEY, MAX_DEPTH};
use super::infer::has_unknown;
use super::items::error_expr;
use super::Checker;
use crate::diagnostics::Diagnostic;
use crate::ir::kir::{self, FuncId};
use crate::ir::types::Type;
use crate::span::Span;

/// The error codes a generic body checked without type arguments may
/// report: names, declarations and shapes that mean the same for every
/// instantiation. Everything else (types, fields, methods) waits for an
/// instance, because an unknown type parameter hides it.
const DEFINITION_CODES: &[&str] = &[
    "E0201", "E0202", "E0203", "E0402", "E0406", "E0407", "E0417", "E0418",
];

/// How many "instantiated here" labels an error in an instance carries.
const MAX_ORIGIN_LABELS: usize = 3;

impl Checker {
    /// The instance of generic function `gid` for `targs`, made (and its
    /// body queued) on first use; `None` after a "too deep" error or when
    /// its signature does not resolve (already reported).
    pub(super) fn instantiate_fn(
        &mut self,
        gid: usize,
        targs: Vec<Type>,
        span: Span,
    ) -> Option<FuncId> {
        let key = (gid, targs);
        if let Some(&id) = self.generics.fn_instances.get(&key) {
            return Some(id);
        }
        let (gid, targs) = key;
        let g = self.generics.fns[gid].clone();
        let depth = self.generics.depth + 1;
        if let Some((why, global)) = self.past_limits(depth > MAX_DEPTH, &targs, &g.name) {
            self.too_deep(if global { COUNT_KEY } else { usize::MAX - gid }, why, span);
            return None;
        }
        let env = bind_env(&g.params, &targs);
        let saved_env = std::mem::replace(&mut self.generics.env, env.clone());
        let saved_self = self.self_type.take();
        let saved_module = std::mem::replace(&mut self.module, g.module);
        let mark = self.diags.len();
        let owner_ty = g.owner.as_ref().map(|o| self.resolve_type(o));
        self.self_type = owner_ty.clone();
        let mut sig = self.fn_signature(&g.decl, owner_ty.clone());
        self.keep_only_depth_errors(mark);
        self.generics.env = saved_env;
        self.self_type = saved_self;
        self.module = saved_module;
        let own = targs
            .get(g.params.len() - g.decl.generics.len()..)
            .unwrap_or(&[]);
        // Named as the module's other functions are (`geo.first<int>`,
        // `geo.Stack<int>::push`), so same-named generics of two modules
        // stay apart in `--emit ir` and stack traces.
        let base = match &owner_ty {
            Some(o) => format!("{o}::{}", g.decl.name.name),
            None => g.name.clone(),
        };
        sig.name = if own.is_empty() {
            base
        } else {
            format!("{base}<{}>", type_list(own))
        };
        if sig.params.iter().any(|p| has_unknown(&p.ty)) || has_unknown(&sig.ret) {
            return None;
        }
        let id = FuncId((self.functions.len() + self.lifted.len()) as u32);
        // A placeholder holds the instance's number until its body is
        // checked (`check_instances`).
        self.lifted.push(kir::Function {
            name: sig.name.clone(),
            params: Vec::new(),
            ret: sig.ret.clone(),
            locals: Vec::new(),
            body: error_expr(span),
            span: sig.span,
            returns_self: false,
        });
        let mut origin = vec![(span, sig.name.clone())];
        origin.extend(self.generics.origin.iter().cloned());
        self.generics.fn_instances.insert((gid, targs), id);
        self.generics.sigs.insert(id, sig.clone());
        self.generics.pending.push(Pending {
            id,
            generic: gid,
            env,
            sig,
            depth,
            origin,
        });
        Some(id)
    }

    /// Checks the bodies of every queued function instance (instances
    /// found while checking them are queued too).
    pub(super) fn check_instances(&mut self) {
        let mut next = 0;
        while let Some(p) = self.generics.pending.get(next).cloned() {
            next += 1;
            let g = self.generics.fns[p.generic].clone();
            self.module = g.module;
            let saved_env = std::mem::replace(&mut self.generics.env, p.env.clone());
            let saved_origin = std::mem::replace(&mut self.generics.origin, p.origin.clone());
            let saved_depth = std::mem::replace(&mut self.generics.depth, p.depth);
            self.self_type = p.sig.owner.clone();
            let mark = self.diags.len();
            let f = self.check_fn_with(&g.decl, p.sig.clone());
            self.generics.env = saved_env;
            self.generics.origin = saved_origin;
            self.generics.depth = saved_depth;
            self.self_type = None;
            self.attribute_errors(mark, &p.origin);
            let slot = (p.id.0 as usize).checked_sub(self.functions.len());
            if let Some(s) = slot.and_then(|i| self.lifted.get_mut(i)) {
                *s = f;
            }
        }
    }

    /// Errors found in an instance's body (after `mark`): one already
    /// reported is dropped; the others get a label at each call that
    /// caused the instance.
    fn attribute_errors(&mut self, mark: usize, origin: &[(Span, String)]) {
        let new: Vec<Diagnostic> = self.diags.drain(mark..).collect();
        for mut d in new {
            let seen = self.diags.iter().any(|e| {
                e.code == d.code && e.primary.span == d.primary.span && e.message == d.message
            });
            if seen {
                continue;
            }
            if d.code != "E0419" {
                for (s, n) in origin.iter().take(MAX_ORIGIN_LABELS) {
                    d = d.with_label(*s, format!("in `{n}`, instantiated here"));
                }
            }
            self.error(d);
        }
    }

    /// Checks every generic function's body once with its type parameters
    /// unknown, keeping the errors listed in [`DEFINITION_CODES`].
    pub(super) fn check_generic_defs(&mut self) {
        self.generics.def_pass = true;
        for g in self.generics.fns.clone() {
            // The stdlib's bodies are known to be right (its tests check
            // every one); checking them would only slow every start-up.
            if self.is_std_fn(&g) {
                continue;
            }
            self.module = g.module;
            if g.owner.is_none() {
                self.check_type_params(&g.params, &[]);
            }
            let env = unknown_env(&g.params);
            let saved_env = std::mem::replace(&mut self.generics.env, env);
            let owner_ty = g.owner.as_ref().map(|o| self.resolve_type(o));
            self.self_type = owner_ty.clone();
            // Signature errors (unknown types) are reported here, once.
            let mut sig = self.fn_signature(&g.decl, owner_ty);
            sig.name = g.name.clone();
            let lifted = self.lifted.len();
            let mark = self.diags.len();
            let _ = self.check_fn_with(&g.decl, sig);
            let kept: Vec<Diagnostic> = self
                .diags
                .drain(mark..)
                .filter(|d| DEFINITION_CODES.contains(&d.code))
                .collect();
            self.diags.extend(kept);
            self.lifted.truncate(lifted);
            self.generics.env = saved_env;
            self.self_type = None;
        }
        self.generics.def_pass = false;
    }
}
