//! Exhaustiveness of `match`: does every value of the scrutinee's type
//! match some arm without a guard, and if not, which value does not?
//!
//! The classic usefulness algorithm (Maranget, "Warnings for pattern
//! matching", 2007) over a matrix of patterns, one row per arm and one
//! column per value still to be matched, that looks for a *witness*: a
//! value no row matches. Types are split into constructors:
//!
//! - `bool`: `false`, `true`;
//! - enums (user enums, `Option`, `Result`): one constructor per variant,
//!   whose fields are the payload;
//! - tuples, structs and `()`: one constructor, whose fields are the
//!   tuple's or struct's;
//! - an empty enum: none at all (a `match` on it needs no arm);
//! - `int`, `float`, `str` and arrays: infinitely many, so their literal
//!   and range patterns never cover the type: only a wildcard or a binding
//!   does.
//!
//! When the first column's patterns use every constructor of its type,
//! the matrix is *specialised* by each constructor in turn (rows that
//! start with it or a wildcard, the constructor's fields becoming new
//! columns); otherwise only the rows starting with a wildcard matter (the
//! *default* matrix) and a constructor no row names completes the
//! witness. Or-patterns are expanded into one row per alternative. The
//! algorithm terminates because every step removes a column or replaces a
//! pattern by its strictly smaller sub-patterns.
//!
//! The search is exponential in the worst case (many columns of `bool`s
//! named in every combination), so it has a budget of [`MAX_STEPS`]
//! specialisations; a `match` that exceeds it is reported as too complex
//! (add a `_ =>` arm) rather than compiled unchecked.
//!
//! What it does not do: report unreachable arms, or treat int ranges as
//! covering anything.

use std::cell::Cell;

use super::Checker;
use crate::ir::types::Type;

/// How many matrices the search may visit for one `match`.
pub(super) const MAX_STEPS: usize = 200_000;

/// What [`Checker::missing_case`] found.
pub(super) enum Coverage {
    /// Every value is matched.
    Complete,
    /// This value (written as a pattern) is not.
    Missing(String),
    /// The search ran out of budget.
    TooComplex,
}

/// A pattern as exhaustiveness sees it.
#[derive(Clone, Debug)]
pub(super) enum Pat {
    /// `_`, a binding, or a pattern that failed to check.
    Wild,
    /// A constructor applied to patterns for its fields.
    Ctor(Ctor, Vec<Pat>),
    /// A literal or range of a type with infinitely many values.
    Lit,
    /// `a | b`
    Or(Vec<Pat>),
}

/// A constructor of a type with finitely many of them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Ctor {
    Bool(bool),
    /// The variant with this tag.
    Variant(u32),
    /// The one constructor of a tuple, struct or `()`.
    Single,
}

/// A value that no arm matches, by constructors.
#[derive(Clone, Debug)]
enum Witness {
    Any,
    Ctor(Type, Ctor, Vec<Witness>),
}

/// Rows of patterns; every row has one pattern per column.
type Matrix = Vec<Vec<Pat>>;

impl Checker {
    /// A value of type `ty` that none of `arms` (the patterns of the arms
    /// without a guard, in order) matches, written as a pattern, or `None`
    /// when the arms cover every value.
    pub(super) fn missing_case(&self, arms: &[Pat], ty: &Type) -> Coverage {
        let rows: Matrix = arms.iter().map(|p| vec![p.clone()]).collect();
        let budget = Cell::new(MAX_STEPS);
        let witness = self.witness(rows, std::slice::from_ref(ty), &budget);
        if budget.get() == 0 {
            return Coverage::TooComplex;
        }
        match witness.as_ref().and_then(|w| w.first()) {
            Some(w) => Coverage::Missing(self.render(w)),
            None => Coverage::Complete,
        }
    }

    /// The constructors of `ty` with their field types, or `None` when it
    /// has infinitely many values.
    fn ctors(&self, ty: &Type) -> Option<Vec<(Ctor, Vec<Type>)>> {
        match ty {
            Type::Bool => Some(vec![
                (Ctor::Bool(false), Vec::new()),
                (Ctor::Bool(true), Vec::new()),
            ]),
            Type::Unit => Some(vec![(Ctor::Single, Vec::new())]),
            Type::Tuple(ts) => Some(vec![(Ctor::Single, ts.clone())]),
            Type::Struct(id, _) => {
                let info = self.structs.get(*id as usize)?;
                let fields = info.fields.iter().map(|(_, t, _)| t.clone()).collect();
                Some(vec![(Ctor::Single, fields)])
            }
            Type::Enum(..) | Type::Option(_) | Type::Result(..) => {
                let variants = self.variants(ty)?;
                Some(
                    variants
                        .into_iter()
                        .enumerate()
                        .map(|(i, (_, payload))| (Ctor::Variant(i as u32), payload))
                        .collect(),
                )
            }
            Type::Never => Some(Vec::new()),
            _ => None,
        }
    }

    /// A witness for `rows` whose columns have types `tys`: one value per
    /// column that no row matches, or `None` if every value is matched.
    /// (Out of budget, it answers `None`; the caller checks the budget.)
    fn witness(&self, rows: Matrix, tys: &[Type], budget: &Cell<usize>) -> Option<Vec<Witness>> {
        if budget.get() == 0 {
            return None;
        }
        budget.set(budget.get() - 1);
        stacker::maybe_grow(64 * 1024, 2 * 1024 * 1024, || {
            self.witness_inner(rows, tys, budget)
        })
    }

    fn witness_inner(
        &self,
        rows: Matrix,
        tys: &[Type],
        budget: &Cell<usize>,
    ) -> Option<Vec<Witness>> {
        let Some((ty, rest)) = tys.split_first() else {
            // No columns left: a row matches everything that reached it.
            return rows.is_empty().then(Vec::new);
        };
        let rows = expand_or(rows);
        let heads: Vec<Ctor> = rows
            .iter()
            .filter_map(|r| match r.first() {
                Some(Pat::Ctor(c, _)) => Some(*c),
                _ => None,
            })
            .collect();
        let ctors = self.ctors(ty);
        if let Some(all) = &ctors {
            if all.iter().all(|(c, _)| heads.contains(c)) {
                // Every constructor is named: each must be covered.
                for (c, fields) in all {
                    let mut column_tys = fields.clone();
                    column_tys.extend_from_slice(rest);
                    let spec = specialize(&rows, *c, fields.len());
                    if let Some(mut w) = self.witness(spec, &column_tys, budget) {
                        let after = w.split_off(fields.len());
                        let mut out = vec![Witness::Ctor(ty.clone(), *c, w)];
                        out.extend(after);
                        return Some(out);
                    }
                }
                return None;
            }
        }
        // Some constructor is not named: only wildcard rows can match it.
        let default: Matrix = rows
            .iter()
            .filter(|r| matches!(r.first(), Some(Pat::Wild)))
            .map(|r| r[1..].to_vec())
            .collect();
        let mut w = self.witness(default, rest, budget)?;
        // Name the missing constructor when the arms name some others (as
        // `Shape::Rect(_, _)`); when they name none, any value is missing.
        let head = match &ctors {
            Some(all) if !heads.is_empty() => match all.iter().find(|(c, _)| !heads.contains(c)) {
                Some((c, fields)) => {
                    Witness::Ctor(ty.clone(), *c, vec![Witness::Any; fields.len()])
                }
                None => Witness::Any,
            },
            _ => Witness::Any,
        };
        w.insert(0, head);
        Some(w)
    }

    /// A witness written as a pattern: `Shape::Rect(_, _)`, `Some(true)`,
    /// `(_, false)`, `Point { x: _, y: _ }`, `_`.
    fn render(&self, w: &Witness) -> String {
        let Witness::Ctor(ty, c, fields) = w else {
            return "_".to_string();
        };
        let args: Vec<String> = fields.iter().map(|f| self.render(f)).collect();
        match (ty, c) {
            (_, Ctor::Bool(b)) => b.to_string(),
            (Type::Tuple(_), _) => format!("({})", args.join(", ")),
            (Type::Struct(id, _), _) => {
                let name = self.written_name(ty);
                let names: Vec<String> = self
                    .structs
                    .get(*id as usize)
                    .map(|s| s.fields.iter().map(|(n, _, _)| n.clone()).collect())
                    .unwrap_or_default();
                if names.is_empty() {
                    return format!("{name} {{}}");
                }
                let parts: Vec<String> = names
                    .iter()
                    .zip(&args)
                    .map(|(n, a)| format!("{n}: {a}"))
                    .collect();
                format!("{name} {{ {} }}", parts.join(", "))
            }
            (_, Ctor::Variant(tag)) => {
                let vname = self
                    .variants(ty)
                    .and_then(|vs| vs.get(*tag as usize).map(|(n, _)| n.clone()))
                    .unwrap_or_else(|| "?".to_string());
                let name = match ty {
                    Type::Enum(..) => format!("{}::{vname}", self.written_name(ty)),
                    _ => vname,
                };
                if args.is_empty() {
                    name
                } else {
                    format!("{name}({})", args.join(", "))
                }
            }
            _ => "()".to_string(),
        }
    }
}

/// Replaces each row that starts with an or-pattern by one row per
/// alternative.
fn expand_or(rows: Matrix) -> Matrix {
    let mut out = Vec::with_capacity(rows.len());
    let mut work: Vec<Vec<Pat>> = rows.into_iter().rev().collect();
    while let Some(row) = work.pop() {
        match row.first() {
            Some(Pat::Or(alts)) => {
                for alt in alts.iter().rev() {
                    let mut r = Vec::with_capacity(row.len());
                    r.push(alt.clone());
                    r.extend_from_slice(&row[1..]);
                    work.push(r);
                }
            }
            _ => out.push(row),
        }
    }
    out
}

/// The rows that match constructor `c` (with `arity` fields) in the first
/// column, its fields replacing that column.
fn specialize(rows: &Matrix, c: Ctor, arity: usize) -> Matrix {
    let mut out = Vec::new();
    for row in rows {
        let Some((first, rest)) = row.split_first() else {
            continue;
        };
        let mut r = match first {
            Pat::Wild => vec![Pat::Wild; arity],
            Pat::Ctor(d, fields) if *d == c && fields.len() == arity => fields.clone(),
            _ => continue,
        };
        r.extend_from_slice(rest);
        out.push(r);
    }
    out
}
