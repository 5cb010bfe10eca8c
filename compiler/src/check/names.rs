//! Item names across modules: every lookup of a function, constant, struct
//! or enum by name goes through [`Checker::resolve_item`] (or
//! `Checker::named_type` for a type in the module being checked), so
//! this is the one place that knows how modules are namespaced.
//!
//! Each file is its own namespace. The checker keeps one table of items for
//! the whole program, keyed by *qualified* name: an item of the main file
//! is stored under its own name (`area`), an item of module `geometry`
//! under `geometry.area`. That key is also the item's name in types
//! (`geometry.Point`), diagnostics and stack traces (`geometry.area`,
//! `geometry.Point::norm`). Inside a module, names are unqualified and mean
//! that module's items; `m.name` means item `name` of a module `m` the
//! current file imports, and only if it is `pub`. Imports are not
//! transitive: a module's imports are visible in that module only.
//!
//! Fields of a struct and variants of an enum are as visible as their type;
//! methods and associated functions must be `pub` to be called from
//! another file (as in Rust).
//!
//! Generic functions, structs and enums are items like the others
//! (`Resolved::GenericFn`, `Resolved::GenericType`), under the same keys and
//! the same `pub` rule; whoever uses one, its declaration and bodies are
//! resolved in the module that defines it (`generics.rs`).

use super::suggest::closest;
use super::Checker;
use crate::diagnostics::Diagnostic;
use crate::ir::kir::FuncId;
use crate::ir::types::Type;
use crate::span::Span;
use crate::syntax::ast;
use std::collections::HashMap;

/// One module's names as the checker sees them.
#[derive(Clone, Debug, Default)]
pub(super) struct ModuleNames {
    /// The module's name (`geometry`), as files import it.
    pub name: String,
    /// What the keys of this module's items start with: `""` for the main
    /// file, `"geometry."` for module `geometry`.
    pub prefix: String,
    /// Whether this is the stdlib (`crate::stdlib`), the one module that
    /// may write `impl` of a built-in type.
    pub is_std: bool,
    /// The modules this one imports, by name: their index and the import.
    pub imports: HashMap<String, (usize, Span)>,
}

/// Where an item is defined and who may see it.
#[derive(Clone, Copy, Debug)]
pub(super) struct ItemDef {
    /// The defining module's index in `Checker::modules`.
    pub module: usize,
    pub is_pub: bool,
    /// The item's name in its declaration.
    pub span: Span,
}

/// What an item name refers to.
#[derive(Clone, Debug)]
pub(super) enum Resolved {
    Fn(FuncId),
    /// A constant, by its key (see [`Checker::const_value`]).
    Const(String),
    Type(Type),
    /// A generic function, by its index in `Generics::fns`.
    GenericFn(usize),
    /// A generic struct or enum, by its index in `Generics::types`.
    GenericType(usize),
    /// No item of this name; nothing reported (an unqualified name may
    /// still be a prelude function or variant).
    Missing,
    /// Something was wrong and has been reported; the use is an error.
    Reported,
}

impl Checker {
    /// The key of item `name` of the module being checked.
    pub(super) fn item_key(&self, name: &str) -> String {
        self.key_in(self.module, name)
    }

    /// The key of item `name` of module `module`.
    pub(super) fn key_in(&self, module: usize, name: &str) -> String {
        match self.modules.get(module) {
            Some(m) => format!("{}{name}", m.prefix),
            None => name.to_string(),
        }
    }

    /// Records where an item (by key) is defined, for visibility checks.
    pub(super) fn define_item(&mut self, key: String, is_pub: bool, span: Span) {
        let module = self.module;
        self.item_defs.insert(
            key,
            ItemDef {
                module,
                is_pub,
                span,
            },
        );
    }

    /// Records where a function (free or in an `impl`) is defined.
    pub(super) fn define_fn(&mut self, id: FuncId, is_pub: bool, span: Span) {
        let module = self.module;
        self.fn_defs.insert(
            id,
            ItemDef {
                module,
                is_pub,
                span,
            },
        );
    }

    /// Resolves an item name as written: `name` in the module being
    /// checked, or `module.name`, a `pub` item of a module it imports.
    /// Reports a qualified name that names nothing, or an item that is not
    /// `pub` (which it still returns, so its use is checked as usual).
    pub(super) fn resolve_item(
        &mut self,
        module: Option<&ast::Ident>,
        name: &ast::Ident,
    ) -> Resolved {
        let Some(m) = module else {
            return self.lookup_key(&self.item_key(&name.name));
        };
        let Some(target) = self.imported(m) else {
            return Resolved::Reported;
        };
        let prefix = self.modules[target].prefix.clone();
        let key = format!("{prefix}{}", name.name);
        let found = self.lookup_key(&key);
        if let Resolved::Missing = found {
            let names: Vec<String> = self
                .module_item_names(&prefix)
                .into_iter()
                .filter(|k| {
                    self.item_defs
                        .get(&format!("{prefix}{k}"))
                        .is_some_and(|d| d.is_pub)
                })
                .collect();
            let mut d = Diagnostic::error(
                "E0422",
                format!("module `{}` has no item `{}`", m.name, name.name),
                name.span,
                format!("not found in `{}`", m.name),
            );
            if let Some(s) = closest(&name.name, names.iter().map(String::as_str)) {
                d = d.with_help(format!("did you mean `{}.{s}`?", m.name));
            }
            self.error(d);
            return Resolved::Reported;
        }
        if let Some(def) = self.item_defs.get(&key).copied() {
            if !def.is_pub {
                let kind = match found {
                    Resolved::Fn(_) | Resolved::GenericFn(_) => "function",
                    Resolved::Const(_) => "constant",
                    Resolved::Type(Type::Enum(..)) => "enum",
                    Resolved::GenericType(gt) => self.generic_kind(gt),
                    _ => "struct",
                };
                // The use goes on with the item it names, so what follows
                // is checked against its real type and nothing cascades.
                self.report_private(kind, &format!("{}.{}", m.name, name.name), name.span, def);
            }
        }
        found
    }

    /// The generic struct or enum `name` (in the module being checked)
    /// or `module.name` names, if it names one. Reports a private one,
    /// which it still returns; reports nothing else (a name that is no
    /// generic type is for the caller to resolve as a plain one).
    pub(super) fn generic_type_at(
        &mut self,
        module: Option<&ast::Ident>,
        name: &ast::Ident,
    ) -> Option<usize> {
        let Some(m) = module else {
            return self.generic_type_named(&name.name);
        };
        let target = self.import_target(&m.name)?;
        let key = format!("{}{}", self.modules[target].prefix, name.name);
        self.generics.type_names.get(&key)?;
        match self.resolve_item(module, name) {
            Resolved::GenericType(gt) => Some(gt),
            _ => None,
        }
    }

    /// The generic function `m.name` names (`m` a module the module being
    /// checked imports), if it names one; reports nothing.
    pub(super) fn imported_generic_fn(&self, m: &str, name: &str) -> Option<usize> {
        let target = self.import_target(m)?;
        let key = format!("{}{name}", self.modules[target].prefix);
        self.generics.fn_names.get(&key).copied()
    }

    /// Reports a call of generic method `gid` from another module when it
    /// is not `pub`; the call goes on (its arguments are checked as usual).
    /// The stdlib's methods are visible everywhere.
    pub(super) fn check_generic_visible(&mut self, gid: usize, span: Span) {
        let g = self.generics.fns[gid].clone();
        if g.is_pub || g.module == self.module || self.is_std_fn(&g) {
            return;
        }
        let kind = if g.self_param.is_some() {
            "method"
        } else {
            "function"
        };
        let def = ItemDef {
            module: g.module,
            is_pub: false,
            span: g.decl.name.span,
        };
        self.report_private(kind, &g.name, span, def);
    }

    /// The index of the module `m` names in the module being checked, if
    /// it imports one by that name.
    fn import_target(&self, m: &str) -> Option<usize> {
        let cur = self.modules.get(self.module)?;
        cur.imports.get(m).map(|&(target, _)| target)
    }

    /// The index of the module `m` names in the module being checked, if
    /// it imports one by that name; reports it otherwise.
    fn imported(&mut self, m: &ast::Ident) -> Option<usize> {
        if let Some(target) = self.import_target(&m.name) {
            return Some(target);
        }
        let mut d = Diagnostic::error(
            "E0201",
            format!("cannot find module `{}`", m.name),
            m.span,
            "no module of this name is imported here",
        );
        d = d.with_help(format!(
            "add `import {}` at the top of this file to use `{}.kr`",
            m.name, m.name
        ));
        self.error(d);
        None
    }

    /// Reports an item of the module being checked named like a module it
    /// imports (`m.x` could mean either).
    pub(super) fn report_import_clash(&mut self, name: &ast::Ident) {
        let Some(&(_, import)) = self
            .modules
            .get(self.module)
            .and_then(|m| m.imports.get(&name.name))
        else {
            return;
        };
        self.error(
            Diagnostic::error(
                "E0424",
                format!("`{}` is both an imported module and an item", name.name),
                name.span,
                "defined here",
            )
            .with_label(import, "imported here")
            .with_help("rename the item"),
        );
    }

    /// Whether `name` names a module imported by the file being checked.
    pub(super) fn is_module(&self, name: &str) -> bool {
        self.modules
            .get(self.module)
            .is_some_and(|m| m.imports.contains_key(name))
    }

    /// The item stored under `key`, without reporting anything.
    fn lookup_key(&self, key: &str) -> Resolved {
        if self.consts.contains_key(key) {
            return Resolved::Const(key.to_string());
        }
        if let Some(&id) = self.fn_ids.get(key) {
            return Resolved::Fn(id);
        }
        if let Some(&id) = self.struct_ids.get(key) {
            return Resolved::Type(Type::Struct(id, key.to_string()));
        }
        if let Some(&id) = self.enum_ids.get(key) {
            return Resolved::Type(Type::Enum(id, key.to_string()));
        }
        if let Some(&g) = self.generics.fn_names.get(key) {
            return Resolved::GenericFn(g);
        }
        if let Some(&g) = self.generics.type_names.get(key) {
            return Resolved::GenericType(g);
        }
        Resolved::Missing
    }

    /// The type a path's first part names: `Self`, `Type`, or
    /// `module.Type`. `None` when an unqualified name names no type (the
    /// caller reports it); `Some(Type::Error)` after reporting a bad
    /// qualified one.
    pub(super) fn path_owner(
        &mut self,
        module: Option<&ast::Ident>,
        ty: &ast::Ident,
    ) -> Option<Type> {
        if module.is_none() && ty.name == "Self" {
            return self.self_type.clone();
        }
        match self.resolve_item(module, ty) {
            Resolved::Type(t) => Some(t),
            Resolved::Reported => Some(Type::Error),
            Resolved::Missing => None,
            // Every use of a type name that may be generic asks
            // `generic_type_at` first; this one wrote no type arguments.
            Resolved::GenericType(gt) => {
                let name = self.generics.types[gt].name.clone();
                self.type_args_error(&name, gt, 0, ty.span);
                Some(Type::Error)
            }
            Resolved::Fn(_) | Resolved::Const(_) | Resolved::GenericFn(_) => match module {
                None => None,
                Some(m) => {
                    self.error(Diagnostic::error(
                        "E0203",
                        format!("`{}.{}` is not a type", m.name, ty.name),
                        ty.span,
                        "not a struct or enum",
                    ));
                    Some(Type::Error)
                }
            },
        }
    }

    /// The unqualified names of the items of the module with `prefix`
    /// (for suggestions).
    pub(super) fn module_item_names(&self, prefix: &str) -> Vec<String> {
        let own = |k: &String| {
            k.strip_prefix(prefix)
                .filter(|rest| !rest.contains('.'))
                .map(str::to_string)
        };
        let mut names: Vec<String> = self
            .fn_ids
            .keys()
            .chain(self.consts.keys())
            .chain(self.struct_ids.keys())
            .chain(self.enum_ids.keys())
            .chain(self.generics.fn_names.keys())
            .chain(self.generics.type_names.keys())
            .filter_map(own)
            .collect();
        names.sort();
        names
    }

    /// The unqualified names of the module being checked whose keys are in
    /// `keys` (for suggestions).
    pub(super) fn visible_keys<'k>(&self, keys: impl Iterator<Item = &'k String>) -> Vec<String> {
        let prefix = self
            .modules
            .get(self.module)
            .map_or("", |m| m.prefix.as_str());
        keys.filter_map(|k| k.strip_prefix(prefix))
            .filter(|rest| !rest.contains('.'))
            .map(str::to_string)
            .collect()
    }

    /// Whether the module being checked may call function `id`.
    pub(super) fn fn_visible(&self, id: FuncId) -> bool {
        self.fn_defs
            .get(&id)
            .is_none_or(|d| d.is_pub || d.module == self.module)
    }

    /// Reports a call of method or associated function `id` from another
    /// module when it is not `pub`; returns whether the call may go on.
    pub(super) fn check_fn_visible(&mut self, id: FuncId, span: Span) -> bool {
        if self.fn_visible(id) {
            return true;
        }
        let Some(def) = self.fn_defs.get(&id).copied() else {
            return true;
        };
        let name = self.functions[id.0 as usize].name.clone();
        let kind = if self.functions[id.0 as usize].self_param.is_some() {
            "method"
        } else {
            "function"
        };
        self.report_private(kind, &name, span, def);
        false
    }

    fn report_private(&mut self, kind: &str, name: &str, span: Span, def: ItemDef) {
        let module = self
            .modules
            .get(def.module)
            .map_or(String::new(), |m| m.name.clone());
        self.error(
            Diagnostic::error(
                "E0421",
                format!("{kind} `{name}` is private"),
                span,
                format!("private {kind}"),
            )
            .with_label(def.span, "defined here without `pub`")
            .with_help(format!(
                "only `pub` items of `{module}.kr` can be used from another file"
            )),
        );
    }
}
