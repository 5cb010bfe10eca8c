//! Operations on values of any type, driven by their [`TypeDesc`]:
//! structural equality, ordering (for `sort`, `min`, `max`), and display
//! forms (LANGUAGE.md §7).
//!
//! A value can nest as deeply as the program builds it (a recursive enum
//! such as a linked list is one level per element), so none of these walks
//! recurses: each keeps its pending work on a heap worklist. Scalars and
//! strings inside a container are handled on the spot, so comparing or
//! printing an array or record of scalars allocates no worklist.
//!
//! Display forms: ints in decimal; floats as
//! [`format_float`](super::display::format_float); `true`/`false`; `()`;
//! strs as-is at top level and quoted ([`write_debug_str`]) inside
//! containers (and at top level in the debug form); arrays `[1, 2]`;
//! tuples `(1, "a")` (a 1-tuple `(1,)`, the empty tuple `()`); structs
//! `Point { x: 1.0, y: 2.0 }` (no fields: `Point {}`); enum values by
//! their variant's name, with the payload in parentheses if it has one:
//! `Some(3)`, `None`, `Err("bad")`, `Circle(1.5)` (no enum prefix); maps
//! `["a": 1, "b": 2]` in insertion order, `[:]` when empty; handles
//! `<task>`, `<chan>` and `atomic(5)` (the counter's current value), the
//! debug form the same. Two maps are equal when they hold the same keys
//! with equal values, in any order. Handles are equal by identity (and
//! ordered by address, which only makes `sort` stable within one run).

use std::cmp::Ordering;
use std::fmt::{self, Write};

use super::array::ArrayObj;
use super::desc::{desc_kind, desc_ref, TypeDesc};
use super::display::{write_debug_str, write_float};
use super::map::MapObj;
use super::record::RecordObj;
use super::str::{as_str, with_builder, StrBuilder, StrObj};
use crate::panic::guard;

/// The object pointer in slot value `v`.
fn ptr<T>(v: u64) -> *mut T {
    v as usize as *mut T
}

/// True for the types whose values contain other values (arrays,
/// records, enums); the walks defer those to their worklist.
///
/// # Safety
/// `desc` is null or a valid descriptor.
unsafe fn is_container(desc: *const TypeDesc) -> bool {
    // SAFETY: caller's contract.
    matches!(
        unsafe { desc_ref(desc) }.map(|d| d.kind),
        Some(
            desc_kind::ARRAY
                | desc_kind::TUPLE
                | desc_kind::STRUCT
                | desc_kind::ENUM
                | desc_kind::MAP
        )
    )
}

/// The slots of the record (tuple, struct or enum value) in value `v`
/// (empty for null).
///
/// # Safety
/// `v` is null or a live record.
unsafe fn record_slots<'a>(v: u64) -> &'a [u64] {
    let p = ptr::<RecordObj>(v);
    if p.is_null() {
        return &[];
    }
    // SAFETY: caller's contract; the slice is only read.
    unsafe { RecordObj::slots(p) }
}

/// The children of a container value `v` of type `d`, each with its type:
/// array elements, record fields, or an enum's payload (after its tag,
/// which is not a child).
///
/// # Safety
/// `v` is a valid value of type `d`, a container type.
unsafe fn children<'a>(
    v: u64,
    d: &'a TypeDesc,
    desc: *const TypeDesc,
) -> impl Iterator<Item = (u64, *const TypeDesc)> + 'a {
    // SAFETY: caller's contract.
    let (slots, skip) = unsafe {
        match d.kind {
            desc_kind::ARRAY => (ArrayObj::elems(ptr(v)), 0),
            desc_kind::ENUM => (record_slots(v), 1),
            // Maps are walked by their own arms (they have no slots).
            desc_kind::MAP => (&[][..], 0),
            _ => (record_slots(v), 0),
        }
    };
    let first = slots.first().copied().unwrap_or(0);
    let elem = d.elem();
    let kind = d.kind;
    slots.iter().enumerate().skip(skip).map(move |(i, &x)| {
        let t = match kind {
            desc_kind::ARRAY => elem,
            // SAFETY: `desc` is the record's valid descriptor.
            _ => unsafe { RecordObj::slot_desc(desc, first, i) },
        };
        (x, t)
    })
}

/// The number of children of container value `v` of type `d` (see
/// [`children`]).
///
/// # Safety
/// As [`children`].
unsafe fn child_count(v: u64, d: &TypeDesc) -> usize {
    // SAFETY: caller's contract.
    unsafe {
        match d.kind {
            desc_kind::ARRAY => ArrayObj::elems(ptr(v)).len(),
            desc_kind::ENUM => record_slots(v).len().saturating_sub(1),
            desc_kind::MAP => 0,
            _ => record_slots(v).len(),
        }
    }
}

/// The tag of an enum value (0 for null).
///
/// # Safety
/// `v` is null or a live enum record.
unsafe fn tag_of(v: u64) -> u64 {
    // SAFETY: caller's contract.
    unsafe { record_slots(v) }.first().copied().unwrap_or(0)
}

/// Equality of two values of a type that is not a container.
///
/// # Safety
/// As [`values_eq`].
unsafe fn leaf_eq(a: u64, b: u64, desc: *const TypeDesc) -> bool {
    // SAFETY: caller's contract.
    unsafe {
        match desc_ref(desc).map(|d| d.kind) {
            Some(desc_kind::FLOAT) => f64::from_bits(a) == f64::from_bits(b),
            Some(desc_kind::BOOL) => (a != 0) == (b != 0),
            Some(desc_kind::UNIT) => true,
            Some(desc_kind::STR) => a == b || as_str(ptr(a)) == as_str(ptr(b)),
            _ => a == b,
        }
    }
}

/// Structural equality of two values of type `desc`: floats by IEEE (so
/// `NaN != NaN`), strs by bytes, arrays by length and elements, records
/// field by field, enum values by variant and payload.
///
/// # Safety
/// `desc` is null or a valid descriptor; `a` and `b` are valid values of
/// that type. A null descriptor compares the bits.
pub unsafe fn values_eq(a: u64, b: u64, desc: *const TypeDesc) -> bool {
    // SAFETY: caller's contract; the values are live objects of the kinds
    // their descriptor says, and so are their children.
    unsafe {
        let mut work: Vec<(u64, u64, *const TypeDesc)> = Vec::new();
        let mut next = Some((a, b, desc));
        while let Some((a, b, desc)) = next.take().or_else(|| work.pop()) {
            let d = match desc_ref(desc) {
                Some(d) if is_container(desc) => d,
                _ => {
                    if !leaf_eq(a, b, desc) {
                        return false;
                    }
                    continue;
                }
            };
            if d.kind == desc_kind::MAP {
                // Equal when both hold the same keys with equal values,
                // whatever the order.
                let (sa, sb) = (MapObj::state(ptr(a)), MapObj::state(ptr(b)));
                if sa.map_or(0, |s| s.len()) != sb.map_or(0, |s| s.len()) {
                    return false;
                }
                let (kd, vd) = (d.child(0), d.child(1));
                for (k, x) in sa.into_iter().flat_map(|s| s.iter()) {
                    let Some(y) = sb.and_then(|s| s.get(k, kd)) else {
                        return false;
                    };
                    if is_container(vd) {
                        work.push((x, y, vd));
                    } else if !leaf_eq(x, y, vd) {
                        return false;
                    }
                }
                continue;
            }
            if child_count(a, d) != child_count(b, d)
                || (d.kind == desc_kind::ENUM && tag_of(a) != tag_of(b))
            {
                return false;
            }
            for ((x, t), (y, _)) in children(a, d, desc).zip(children(b, d, desc)) {
                if is_container(t) {
                    work.push((x, y, t));
                } else if !leaf_eq(x, y, t) {
                    return false;
                }
            }
        }
        true
    }
}

/// The order of two values of a type that is not a container.
///
/// # Safety
/// As [`values_eq`].
unsafe fn leaf_cmp(a: u64, b: u64, desc: *const TypeDesc) -> Ordering {
    // SAFETY: caller's contract.
    unsafe {
        match desc_ref(desc).map(|d| d.kind) {
            Some(desc_kind::FLOAT) => f64::from_bits(a).total_cmp(&f64::from_bits(b)),
            Some(desc_kind::BOOL) => (a != 0).cmp(&(b != 0)),
            Some(desc_kind::UNIT) => Ordering::Equal,
            Some(desc_kind::STR) => as_str(ptr(a)).as_bytes().cmp(as_str(ptr(b)).as_bytes()),
            _ => (a as i64).cmp(&(b as i64)),
        }
    }
}

/// A step of [`cmp_values`]: compare two values, or, once everything
/// before it was equal, decide by a known order (array lengths).
enum CmpStep {
    Values(u64, u64, *const TypeDesc),
    Then(Ordering),
}

/// The natural order of two values of type `desc`, as used by `sort`:
/// ints numerically, floats by `f64::total_cmp`, bools false first, strs
/// by bytes, arrays, tuples and structs lexicographically, enum values by
/// variant (declaration order) and then payload.
///
/// # Safety
/// As [`values_eq`].
pub unsafe fn cmp_values(a: u64, b: u64, desc: *const TypeDesc) -> Ordering {
    // SAFETY: as in `values_eq`.
    unsafe {
        let mut work: Vec<CmpStep> = Vec::new();
        let mut next = Some(CmpStep::Values(a, b, desc));
        while let Some(step) = next.take().or_else(|| work.pop()) {
            let (a, b, desc) = match step {
                CmpStep::Then(Ordering::Equal) => continue,
                CmpStep::Then(o) => return o,
                CmpStep::Values(a, b, desc) => (a, b, desc),
            };
            let d = match desc_ref(desc) {
                Some(d) if is_container(desc) => d,
                _ => {
                    let o = leaf_cmp(a, b, desc);
                    if o != Ordering::Equal {
                        return o;
                    }
                    continue;
                }
            };
            if d.kind == desc_kind::ENUM {
                let o = tag_of(a).cmp(&tag_of(b));
                if o != Ordering::Equal {
                    return o;
                }
            }
            // Children in order: leaves are compared on the spot until the
            // first container, which (with everything after it) must be
            // decided first and goes on the worklist.
            let lengths = child_count(a, d).cmp(&child_count(b, d));
            let mut deferred: Vec<CmpStep> = Vec::new();
            for ((x, t), (y, _)) in children(a, d, desc).zip(children(b, d, desc)) {
                if deferred.is_empty() && !is_container(t) {
                    let o = leaf_cmp(x, y, t);
                    if o != Ordering::Equal {
                        return o;
                    }
                } else {
                    deferred.push(CmpStep::Values(x, y, t));
                }
            }
            if deferred.is_empty() {
                if lengths != Ordering::Equal {
                    return lengths;
                }
                continue;
            }
            work.push(CmpStep::Then(lengths));
            work.extend(deferred.into_iter().rev());
        }
        Ordering::Equal
    }
}

/// A step of [`write_value`]: write a value, or a piece of fixed text.
enum WriteStep {
    Value(u64, *const TypeDesc, bool),
    Text(&'static str),
    Name(*const StrObj),
}

/// Writes the display form of a value whose type is not a container.
///
/// # Safety
/// As [`values_eq`].
unsafe fn write_leaf<W: Write + ?Sized>(
    w: &mut W,
    v: u64,
    desc: *const TypeDesc,
    quoted: bool,
) -> fmt::Result {
    // SAFETY: caller's contract.
    unsafe {
        let Some(d) = desc_ref(desc) else {
            return write!(w, "{}", v as i64);
        };
        match d.kind {
            desc_kind::INT => write!(w, "{}", v as i64),
            desc_kind::FLOAT => write_float(w, f64::from_bits(v)),
            desc_kind::BOOL => w.write_str(if v != 0 { "true" } else { "false" }),
            desc_kind::UNIT => w.write_str("()"),
            desc_kind::STR => {
                let s = as_str(ptr(v));
                if quoted {
                    write_debug_str(w, s)
                } else {
                    w.write_str(s)
                }
            }
            desc_kind::TASK => w.write_str("<task>"),
            desc_kind::FN => w.write_str("<fn>"),
            desc_kind::CHAN => w.write_str("<chan>"),
            desc_kind::ATOMIC => match ptr::<super::ObjHeader>(v) {
                p if p.is_null() => w.write_str("atomic(0)"),
                p => write!(w, "atomic({})", crate::sched::atomic::AtomicObj::get(p)),
            },
            kind => write!(w, "<value of unknown type kind {kind}>"),
        }
    }
}

/// Writes the display form of `v` (type `desc`) to `w`; strs are quoted
/// when `quoted` (inside containers, or the debug form).
///
/// # Safety
/// As [`values_eq`].
pub unsafe fn write_value<W: Write + ?Sized>(
    w: &mut W,
    v: u64,
    desc: *const TypeDesc,
    quoted: bool,
) -> fmt::Result {
    // SAFETY: as in `values_eq`.
    unsafe {
        let mut work: Vec<WriteStep> = Vec::new();
        let mut next = Some(WriteStep::Value(v, desc, quoted));
        while let Some(step) = next.take().or_else(|| work.pop()) {
            let (v, desc, quoted) = match step {
                WriteStep::Text(t) => {
                    w.write_str(t)?;
                    continue;
                }
                WriteStep::Name(n) => {
                    w.write_str(as_str(n))?;
                    continue;
                }
                WriteStep::Value(v, desc, quoted) => (v, desc, quoted),
            };
            let d = match desc_ref(desc) {
                Some(d) if is_container(desc) => d,
                _ => {
                    write_leaf(w, v, desc, quoted)?;
                    continue;
                }
            };
            if d.kind == desc_kind::MAP {
                // `["a": 1, "b": 2]`, or `[:]` when empty.
                let Some(s) = MapObj::state(ptr(v)).filter(|s| !s.is_empty()) else {
                    w.write_str("[:]")?;
                    continue;
                };
                let (kd, vd) = (d.child(0), d.child(1));
                w.write_str("[")?;
                let mut parts: Vec<WriteStep> = Vec::new();
                for (i, (k, x)) in s.iter().enumerate() {
                    if i > 0 {
                        parts.push(WriteStep::Text(", "));
                    }
                    parts.push(WriteStep::Value(k, kd, true));
                    parts.push(WriteStep::Text(": "));
                    parts.push(WriteStep::Value(x, vd, true));
                }
                parts.push(WriteStep::Text("]"));
                work.extend(parts.into_iter().rev());
                continue;
            }
            // The pieces of this value, in order; pushed reversed below.
            let mut parts: Vec<WriteStep> = Vec::new();
            let fields: Vec<(u64, *const TypeDesc)> = children(v, d, desc).collect();
            let (open, close) = match d.kind {
                desc_kind::ARRAY => ("[", "]"),
                desc_kind::TUPLE => ("(", if fields.len() == 1 { ",)" } else { ")" }),
                desc_kind::STRUCT if fields.is_empty() => (" {}", ""),
                desc_kind::STRUCT => (" { ", " }"),
                _ if fields.is_empty() => ("", ""),
                _ => ("(", ")"),
            };
            match d.kind {
                desc_kind::STRUCT => w.write_str(d.struct_name())?,
                desc_kind::ENUM => match d.variant(tag_of(v)) {
                    Some(variant) => w.write_str(variant.struct_name())?,
                    None => w.write_str("<unknown variant>")?,
                },
                _ => {}
            }
            w.write_str(open)?;
            for (i, (x, t)) in fields.into_iter().enumerate() {
                let sep = i > 0;
                if !is_container(t) && parts.is_empty() {
                    // Leaves before the first container are written now.
                    if sep {
                        w.write_str(", ")?;
                    }
                    if d.kind == desc_kind::STRUCT {
                        w.write_str(d.field_name(i))?;
                        w.write_str(": ")?;
                    }
                    write_leaf(w, x, t, true)?;
                    continue;
                }
                if sep {
                    parts.push(WriteStep::Text(", "));
                }
                if d.kind == desc_kind::STRUCT && !d.field_names.is_null() {
                    // SAFETY: a struct desc has `count` field names.
                    parts.push(WriteStep::Name(*d.field_names.add(i)));
                    parts.push(WriteStep::Text(": "));
                }
                parts.push(WriteStep::Value(x, t, true));
            }
            if parts.is_empty() {
                w.write_str(close)?;
                continue;
            }
            parts.push(WriteStep::Text(close));
            work.extend(parts.into_iter().rev());
        }
        Ok(())
    }
}

/// The display form of `v` as a Rust string.
///
/// # Safety
/// As [`values_eq`].
pub unsafe fn display(v: u64, desc: *const TypeDesc, quoted: bool) -> String {
    let mut out = String::new();
    // SAFETY: caller's contract. Writing to a String cannot fail.
    let _ = unsafe { write_value(&mut out, v, desc, quoted) };
    out
}

/// `a == b` for two values of type `desc` (both borrowed); see
/// [`values_eq`].
///
/// # Safety
/// `desc` is a valid descriptor; `a` and `b` valid values of its type.
pub unsafe extern "C" fn kr_value_eq(a: i64, b: i64, desc: *const TypeDesc) -> bool {
    // SAFETY: caller's contract.
    guard(std::ptr::null_mut(), || unsafe {
        values_eq(a as u64, b as u64, desc)
    })
}

/// Appends the display form of `v` (type `desc`, borrowed) to a builder.
///
/// # Safety
/// `b` is a live builder; `desc` a valid descriptor; `v` a valid value.
pub unsafe extern "C" fn kr_sb_push_value(b: *mut StrBuilder, v: i64, desc: *const TypeDesc) {
    // SAFETY: caller's contract.
    unsafe {
        with_builder(b, |buf| {
            let _ = write_value(buf, v as u64, desc, false);
        })
    }
}

/// `str(v)`: the display form of `v` (type `desc`, borrowed). A new string.
///
/// # Safety
/// `desc` is a valid descriptor; `v` a valid value of its type.
pub unsafe extern "C" fn kr_value_to_str(v: i64, desc: *const TypeDesc) -> *mut StrObj {
    // SAFETY: caller's contract.
    guard(std::ptr::null_mut(), || unsafe {
        StrObj::new(&display(v as u64, desc, false))
    })
}

/// The debug form of `v`: the display form, but a top-level str is quoted
/// too (as `assert_eq` shows its operands). A new string.
///
/// # Safety
/// `desc` is a valid descriptor; `v` a valid value of its type.
pub unsafe extern "C" fn kr_value_debug(v: i64, desc: *const TypeDesc) -> *mut StrObj {
    // SAFETY: caller's contract.
    guard(std::ptr::null_mut(), || unsafe {
        StrObj::new(&display(v as u64, desc, true))
    })
}
