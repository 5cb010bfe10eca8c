//! The place cache: objects found at paths inside locals (`self.bodies`,
//! `self.bodies[i]`) in straight-line code, so that a path read or written
//! again needs no new chain of loads, no bounds check and, when the object
//! is known unique, no copy-on-write check and no store-back.
//!
//! An entry says: the object at path `root.steps` is `ptr` (every bounds
//! check on the way was done against the arrays it passed), and, when
//! `unique`, that object and every object on the path to it have a count
//! of 1 and are stored where the path names them. A step's index is a key
//! only when it cannot change unseen: an integer constant, or a local whose
//! every write removes the entries keyed by it.
//!
//! **When entries die.** The cache describes one straight run of code:
//! [`Lowerer::switch_to`] empties it whenever lowering moves to another
//! block of KIR control flow (an `if` arm, a loop body, the code after a
//! merge, the right operand of `&&`), because the entries' values may not
//! dominate that block or may be stale on another path. The blocks that
//! straight-line code itself creates (the cold path of a bounds check, of
//! a copy-on-write, of an overflow) are entered with
//! [`Lowerer::continue_in`], which keeps it: those paths end in a panic or
//! rejoin with a block parameter. Besides that:
//!
//! - a write of a local (`let`, `=`, a write through a place rooted at it,
//!   a mutating method, a `var self` call) removes the entries of that
//!   root and those whose index is that local; a write of a scalar field
//!   or element through a place keeps the entries, since it replaces no
//!   object;
//! - anything that may add a reference to an object inside a root (reading
//!   the local as a value, reading a heap field or element as a value,
//!   lending a path to a call or a runtime function) makes its entries no
//!   longer unique: the next write checks the count again.
//!
//! **Hoisting** ([`hoist_candidates`], `Lowerer::hoist_unique`): before a
//! loop, the locals that the loop only writes scalars into and reads
//! scalars from are made unique, with the objects their places reach
//! through leading fields; those entries are the cache's *base*, which
//! [`PlaceCache::clear`] restores instead of emptying, until the loop
//! ends. If a write or a new reference touches a hoisted local anyway,
//! [`PlaceCache::violated`] is set and the function is lowered again
//! without hoisting.
//!
//! The cache also keeps two facts of the same straight run: integer
//! locals that copy another (`let $t = i`), so both name one index, and
//! the checked `+`, `-`, `*` already done, whose results are reused.

use crate::ir::kir::{BinOp, Expr, ExprKind, LocalId, Place, PlaceStep};
use crate::ir::types::Type;
use cranelift_codegen::ir::Value;

/// One step of a cached path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum StepKey {
    Field(u32),
    /// An element at the index that this local holds.
    IndexLocal(LocalId),
    /// An element at a constant index.
    IndexConst(i64),
}

/// A path from a local: the root and its steps.
pub(crate) type PathKey = (LocalId, Vec<StepKey>);

/// One cached object (see the module doc).
#[derive(Clone, Debug)]
pub(crate) struct Entry {
    root: LocalId,
    steps: Vec<StepKey>,
    ptr: Value,
    unique: bool,
}

/// The cache of one function's lowering.
#[derive(Default)]
pub(crate) struct PlaceCache {
    entries: Vec<Entry>,
    /// The entries hoisted out of the loops being lowered (see
    /// [`hoist_candidates`]): they hold in every block of those loops'
    /// bodies, so [`PlaceCache::clear`] keeps them.
    base: Vec<Entry>,
    /// Set when a write or a new reference touched a hoisted root, which
    /// [`hoist_candidates`] promised would not happen: the function must
    /// be lowered again without hoisting.
    pub violated: bool,
    /// False while lowering a function again after a violation.
    pub hoisting: bool,
    /// Integer locals that hold a copy of another's value (`let $t = i`,
    /// as the checker writes for `a[i] += x`), so that both name the same
    /// index: (copy, original). Forgotten when either is written.
    aliases: Vec<(LocalId, LocalId)>,
    /// Checked integer operations done in this run of code: (operator,
    /// operands, result). Doing one again can neither overflow (it did
    /// not the first time) nor give another result.
    checked: Vec<(BinOp, Value, Value, Value)>,
}

impl PlaceCache {
    /// Forgets everything.
    pub fn clear(&mut self) {
        self.entries.clone_from(&self.base);
        self.aliases.clear();
        self.checked.clear();
    }

    /// The result of the checked operation `a op b` if it was done before
    /// in this run of code (operands in either order for `+` and `*`).
    pub fn checked_result(&self, op: BinOp, a: Value, b: Value) -> Option<Value> {
        let commutes = matches!(op, BinOp::Add | BinOp::Mul);
        self.checked
            .iter()
            .find(|(o, x, y, _)| {
                *o == op && ((*x == a && *y == b) || (commutes && *x == b && *y == a))
            })
            .map(|(.., r)| *r)
    }

    /// Records the checked operation `a op b` and its result.
    pub fn record_checked(&mut self, op: BinOp, a: Value, b: Value, result: Value) {
        self.checked.push((op, a, b, result));
    }

    /// Records that the object at `key` is `ptr` and unique in every
    /// block of the loop about to be lowered.
    pub fn hoist(&mut self, key: PathKey, ptr: Value) {
        let entry = Entry {
            root: key.0,
            steps: key.1,
            ptr,
            unique: true,
        };
        self.entries
            .retain(|e| !(e.root == entry.root && e.steps == entry.steps));
        self.entries.push(entry.clone());
        self.base.push(entry);
    }

    /// How many entries are hoisted now, for [`PlaceCache::unhoist`].
    pub fn mark(&self) -> usize {
        self.base.len()
    }

    /// Drops the entries hoisted since `mark`, as their loop ends.
    pub fn unhoist(&mut self, mark: usize) {
        self.base.truncate(mark);
    }

    /// True when the object at `key` is hoisted (unique for the loop).
    pub fn is_hoisted(&self, key: &PathKey) -> bool {
        self.base
            .iter()
            .any(|e| e.root == key.0 && e.steps == key.1)
    }

    /// The local whose value `id` holds a copy of (`id` itself if none).
    fn resolve(&self, id: LocalId) -> LocalId {
        self.aliases
            .iter()
            .find(|(copy, _)| *copy == id)
            .map_or(id, |(_, original)| *original)
    }

    /// `copy` was just bound to the value of the integer local `original`.
    pub fn alias(&mut self, copy: LocalId, original: LocalId) {
        let original = self.resolve(original);
        if copy != original {
            self.aliases.push((copy, original));
        }
    }

    /// The key of an index expression that cannot change unseen.
    fn index_key(&self, e: &Expr) -> Option<StepKey> {
        match e.kind {
            ExprKind::Int(n) => Some(StepKey::IndexConst(n)),
            ExprKind::Local(id) if e.ty == Type::Int => Some(StepKey::IndexLocal(self.resolve(id))),
            _ => None,
        }
    }

    /// The path that a read chain names (a local, then fields and
    /// elements), if every index in it is a key.
    pub fn chain_key(&self, e: &Expr) -> Option<PathKey> {
        match &e.kind {
            ExprKind::Local(id) => Some((*id, Vec::new())),
            ExprKind::Field(base, i) => {
                let mut key = self.chain_key(base)?;
                key.1.push(StepKey::Field(*i));
                Some(key)
            }
            ExprKind::Index(base, index) => {
                let mut key = self.chain_key(base)?;
                key.1.push(self.index_key(index)?);
                Some(key)
            }
            _ => None,
        }
    }

    /// The keys of the first `n` steps of `place` (`None` once a step's
    /// index is not a key).
    pub fn place_key(&self, place: &Place, n: usize) -> Option<PathKey> {
        let steps = place
            .path
            .iter()
            .take(n)
            .map(|s| match s {
                PlaceStep::Field(i) => Some(StepKey::Field(*i)),
                PlaceStep::Index(e) => self.index_key(e),
            })
            .collect::<Option<Vec<_>>>()?;
        Some((place.root, steps))
    }

    fn find(&self, key: &PathKey) -> Option<&Entry> {
        self.entries
            .iter()
            .find(|e| e.root == key.0 && e.steps == key.1)
    }

    /// The object at `key`, if cached.
    pub fn get(&self, key: &PathKey) -> Option<Value> {
        self.find(key).map(|e| e.ptr)
    }

    /// The object at `key`, if cached as unique.
    pub fn get_unique(&self, key: &PathKey) -> Option<Value> {
        self.find(key).filter(|e| e.unique).map(|e| e.ptr)
    }

    /// Records the object at `key` (replacing what was known of it).
    pub fn insert(&mut self, key: PathKey, ptr: Value, unique: bool) {
        self.entries
            .retain(|e| !(e.root == key.0 && e.steps == key.1));
        self.entries.push(Entry {
            root: key.0,
            steps: key.1,
            ptr,
            unique,
        });
    }

    /// The local `id` was written: its entries, and those indexed by it,
    /// are gone.
    pub fn invalidate(&mut self, id: LocalId) {
        if self.base.iter().any(|e| e.root == id) {
            self.violated = true;
        }
        self.aliases
            .retain(|(copy, original)| *copy != id && *original != id);
        self.entries
            .retain(|e| e.root != id && !e.steps.contains(&StepKey::IndexLocal(id)));
    }

    /// Something may have added a reference inside `id`'s value.
    pub fn shared(&mut self, id: LocalId) {
        if self.base.iter().any(|e| e.root == id) {
            self.violated = true;
        }
        for e in &mut self.entries {
            if e.root == id {
                e.unique = false;
            }
        }
    }
}

/// The objects worth making unique once before a loop whose condition
/// and body are `parts`, instead of on every write: for each local that
/// the loop writes through a place with a scalar at its end (`p.x = 1.0`,
/// `out[i] = s`, `self.bodies[i].vx -= d`), the local's value and the
/// objects reached from it by the place's leading fields (`self.bodies`).
/// A local qualifies only when the loop does nothing else with it than
/// such writes and reads of scalars at paths inside it: no read of the
/// local or of an object inside it as a value (which would share it), no
/// other write, no mutating method, no `var self` call. Then an object
/// made unique before the first iteration stays unique, and stays where
/// it is stored, through every iteration. Returns, per local, the field
/// paths of the objects (the empty path is the local's value).
pub(crate) fn hoist_candidates(parts: &[&Expr]) -> Vec<(LocalId, Vec<Vec<u32>>)> {
    let mut found: Vec<(LocalId, Vec<Vec<u32>>)> = Vec::new();
    for part in parts {
        collect_places(part, &mut found);
    }
    found.retain(|(root, _)| !parts.iter().any(|p| touches(p, *root)));
    found
}

/// Adds the roots and field prefixes of the scalar writes in `e`.
fn collect_places(e: &Expr, found: &mut Vec<(LocalId, Vec<Vec<u32>>)>) {
    if let ExprKind::AssignPlace(place, value) = &e.kind {
        if !place.path.is_empty() && !value.ty.is_heap() {
            let mut prefixes = vec![Vec::new()];
            let mut fields = Vec::new();
            for step in &place.path[..place.path.len() - 1] {
                match step {
                    PlaceStep::Field(i) => {
                        fields.push(*i);
                        prefixes.push(fields.clone());
                    }
                    PlaceStep::Index(_) => break,
                }
            }
            match found.iter_mut().find(|(r, _)| *r == place.root) {
                Some((_, known)) => {
                    for p in prefixes {
                        if !known.contains(&p) {
                            known.push(p);
                        }
                    }
                }
                None => found.push((place.root, prefixes)),
            }
        }
    }
    crate::ir::visit::for_each_child(e, &mut |c| collect_places(c, found));
}

/// True when `e` may do anything with the local `root` other than write
/// a scalar through a place in it or read a scalar at a path in it.
fn touches(e: &Expr, root: LocalId) -> bool {
    let t = |x: &Expr| touches(x, root);
    match &e.kind {
        ExprKind::Local(id) => *id == root,
        ExprKind::Field(..) | ExprKind::Index(..) | ExprKind::Payload(..)
            if chain_local(e) == Some(root) =>
        {
            e.ty.is_heap() || chain_indexes_touch(e, root)
        }
        ExprKind::Let(id, v) | ExprKind::Assign(id, v) => *id == root || t(v),
        ExprKind::ForRange { var, .. } | ExprKind::ForArray { var, .. } if *var == root => true,
        ExprKind::AssignPlace(place, v) if place.root == root => {
            place.path.is_empty()
                || v.ty.is_heap()
                || t(v)
                || place.path.iter().any(|s| match s {
                    PlaceStep::Index(x) => t(x),
                    PlaceStep::Field(_) => false,
                })
        }
        ExprKind::MutIntrinsic(place, ..) | ExprKind::CallMut(_, place, _)
            if place.root == root =>
        {
            true
        }
        _ => {
            let mut any = false;
            crate::ir::visit::for_each_child(e, &mut |c| any = any || t(c));
            any
        }
    }
}

/// True when an index expression inside the chain `e` touches `root`.
fn chain_indexes_touch(e: &Expr, root: LocalId) -> bool {
    match &e.kind {
        ExprKind::Field(base, _) | ExprKind::Payload(base, _) => chain_indexes_touch(base, root),
        ExprKind::Index(base, index) => touches(index, root) || chain_indexes_touch(base, root),
        _ => false,
    }
}

/// The local at the root of a chain of fields, payloads and elements.
pub(crate) fn chain_local(e: &Expr) -> Option<LocalId> {
    match &e.kind {
        ExprKind::Local(id) => Some(*id),
        ExprKind::Field(base, _) | ExprKind::Payload(base, _) | ExprKind::Index(base, _) => {
            chain_local(base)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::kir::{Function, Program};
    use crate::span::FileId;

    fn checked(src: &str) -> Program {
        let (module, diags) = crate::syntax::parser::parse(FileId(0), src);
        assert!(diags.is_empty(), "syntax errors: {diags:?}");
        let (program, diags) = crate::check::check(&module);
        assert!(diags.is_empty(), "check errors: {diags:?}");
        program.expect("a program")
    }

    /// The loops of `f`'s body, outermost first.
    fn loops(e: &Expr, out: &mut Vec<Expr>) {
        if matches!(
            e.kind,
            ExprKind::While { .. } | ExprKind::ForRange { .. } | ExprKind::ForArray { .. }
        ) {
            out.push(e.clone());
        }
        crate::ir::visit::for_each_child(e, &mut |c| loops(c, out));
    }

    /// The names of the locals hoisted out of the first loop of `main`,
    /// with their field paths.
    fn hoisted(src: &str) -> Vec<(String, Vec<Vec<u32>>)> {
        let p = checked(src);
        let main: &Function = p.functions.iter().find(|f| f.name == "main").expect("main");
        let mut found = Vec::new();
        loops(&main.body, &mut found);
        let parts: Vec<&Expr> = match &found.first().expect("a loop").kind {
            ExprKind::While { cond, body } => vec![&**cond, &**body],
            ExprKind::ForRange { body, .. } | ExprKind::ForArray { body, .. } => vec![&**body],
            _ => unreachable!(),
        };
        hoist_candidates(&parts)
            .into_iter()
            .map(|(id, paths)| (main.locals[id.0 as usize].name.clone(), paths))
            .collect()
    }

    const DECLS: &str = "struct B { x: float, v: float }\nstruct S { bs: [B], n: int }\n";

    #[test]
    fn scalar_writes_and_reads_hoist_the_local_and_its_leading_fields() {
        let src = format!(
            "{DECLS}fn main() {{\n var s = S {{ bs: [B {{ x: 1.0, v: 0.0 }}], n: 0 }}\n \
             for i in 0..1 {{\n s.bs[i].v += s.bs[i].x\n s.n = i\n }}\n println(\"{{s.n}}\")\n}}\n"
        );
        assert_eq!(
            hoisted(&src),
            vec![("s".to_string(), vec![vec![], vec![0]])]
        );
    }

    #[test]
    fn a_loop_that_shares_or_replaces_the_local_hoists_nothing() {
        for body in [
            // read as a value
            "s.n = i\n let t = s",
            // an object inside it read as a value
            "s.n = i\n let bs = s.bs",
            // a heap value written into it
            "s.bs[0] = B { x: 0.0, v: 0.0 }\n s.n = i",
            // a mutating method
            "s.n = i\n s.bs.push(B { x: 0.0, v: 0.0 })",
            // assigned
            "s.n = i\n s = S { bs: [], n: 1 }",
            // lent to a call
            "s.n = i\n println(\"{s.bs.len()}\")",
        ] {
            let src = format!(
                "{DECLS}fn main() {{\n var s = S {{ bs: [], n: 0 }}\n \
                 for i in 0..1 {{\n {body}\n }}\n println(\"{{s.n}}\")\n}}\n"
            );
            assert_eq!(hoisted(&src), vec![], "hoisted for: {body}");
        }
    }
}
