//! Operations on values of any type, driven by their [`TypeDesc`]:
//! structural equality, ordering (for `sort`), and display forms
//! (LANGUAGE.md §7).
//!
//! The walks recurse once per level of *type* nesting (an array of tuples
//! of strings is three levels), never per element, so their depth is
//! bounded by the program's types and they stay well inside the stack
//! headroom of runtime functions.
//!
//! Display forms: ints in decimal; floats as
//! [`format_float`](super::display::format_float); `true`/`false`; `()`;
//! strs as-is at top level and quoted ([`write_debug_str`]) inside
//! containers (and at top level in the debug form); arrays `[1, 2]`;
//! tuples `(1, "a")` (a 1-tuple `(1,)`, the empty tuple `()`); structs
//! `Point { x: 1.0, y: 2.0 }` (no fields: `Point {}`).

use std::cmp::Ordering;
use std::fmt::{self, Write};

use super::array::ArrayObj;
use super::desc::{desc_kind, desc_ref, TypeDesc};
use super::display::{write_debug_str, write_float};
use super::record::RecordObj;
use super::str::{as_str, with_builder, StrBuilder, StrObj};
use crate::panic::guard;

/// The object pointer in slot value `v`.
fn ptr<T>(v: u64) -> *mut T {
    v as usize as *mut T
}

/// Structural equality of two values of type `desc`: floats by IEEE (so
/// `NaN != NaN`), strs by bytes, arrays by length and elements, records
/// field by field.
///
/// # Safety
/// `desc` is null or a valid descriptor; `a` and `b` are valid values of
/// that type. A null descriptor compares the bits.
pub unsafe fn values_eq(a: u64, b: u64, desc: *const TypeDesc) -> bool {
    // SAFETY: caller's contract; the values are live objects of the kinds
    // their descriptor says.
    unsafe {
        let Some(d) = desc_ref(desc) else {
            return a == b;
        };
        match d.kind {
            desc_kind::FLOAT => f64::from_bits(a) == f64::from_bits(b),
            desc_kind::BOOL => (a != 0) == (b != 0),
            desc_kind::UNIT => true,
            desc_kind::STR => a == b || as_str(ptr(a)) == as_str(ptr(b)),
            desc_kind::ARRAY => {
                let (xs, ys) = (ArrayObj::elems(ptr(a)), ArrayObj::elems(ptr(b)));
                let elem = d.elem();
                xs.len() == ys.len() && xs.iter().zip(ys).all(|(&x, &y)| values_eq(x, y, elem))
            }
            desc_kind::TUPLE | desc_kind::STRUCT => {
                let (xs, ys) = (record_slots(a), record_slots(b));
                xs.len() == ys.len()
                    && xs
                        .iter()
                        .zip(ys)
                        .enumerate()
                        .all(|(i, (&x, &y))| values_eq(x, y, d.child(i)))
            }
            _ => a == b,
        }
    }
}

/// The slots of the record in value `v` (empty for null).
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

/// The natural order of two values of type `desc`, as used by `sort`:
/// ints numerically, floats by `f64::total_cmp`, bools false first, strs
/// by bytes, arrays, tuples and structs lexicographically.
///
/// # Safety
/// As [`values_eq`].
pub unsafe fn cmp_values(a: u64, b: u64, desc: *const TypeDesc) -> Ordering {
    // SAFETY: as in `values_eq`.
    unsafe {
        let Some(d) = desc_ref(desc) else {
            return (a as i64).cmp(&(b as i64));
        };
        match d.kind {
            desc_kind::INT => (a as i64).cmp(&(b as i64)),
            desc_kind::FLOAT => f64::from_bits(a).total_cmp(&f64::from_bits(b)),
            desc_kind::BOOL => (a != 0).cmp(&(b != 0)),
            desc_kind::UNIT => Ordering::Equal,
            desc_kind::STR => as_str(ptr(a)).as_bytes().cmp(as_str(ptr(b)).as_bytes()),
            desc_kind::ARRAY => {
                let (xs, ys) = (ArrayObj::elems(ptr(a)), ArrayObj::elems(ptr(b)));
                let elem = d.elem();
                for (&x, &y) in xs.iter().zip(ys) {
                    let o = cmp_values(x, y, elem);
                    if o != Ordering::Equal {
                        return o;
                    }
                }
                xs.len().cmp(&ys.len())
            }
            desc_kind::TUPLE | desc_kind::STRUCT => {
                let (xs, ys) = (record_slots(a), record_slots(b));
                for (i, (&x, &y)) in xs.iter().zip(ys).enumerate() {
                    let o = cmp_values(x, y, d.child(i));
                    if o != Ordering::Equal {
                        return o;
                    }
                }
                xs.len().cmp(&ys.len())
            }
            _ => a.cmp(&b),
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
            desc_kind::ARRAY => {
                let elem = d.elem();
                w.write_char('[')?;
                for (i, &x) in ArrayObj::elems(ptr(v)).iter().enumerate() {
                    if i > 0 {
                        w.write_str(", ")?;
                    }
                    write_value(w, x, elem, true)?;
                }
                w.write_char(']')
            }
            desc_kind::TUPLE => {
                let slots = record_slots(v);
                w.write_char('(')?;
                for (i, &x) in slots.iter().enumerate() {
                    if i > 0 {
                        w.write_str(", ")?;
                    }
                    write_value(w, x, d.child(i), true)?;
                }
                if slots.len() == 1 {
                    w.write_char(',')?;
                }
                w.write_char(')')
            }
            desc_kind::STRUCT => {
                let slots = record_slots(v);
                w.write_str(d.struct_name())?;
                if slots.is_empty() {
                    return w.write_str(" {}");
                }
                w.write_str(" { ")?;
                for (i, &x) in slots.iter().enumerate() {
                    if i > 0 {
                        w.write_str(", ")?;
                    }
                    w.write_str(d.field_name(i))?;
                    w.write_str(": ")?;
                    write_value(w, x, d.child(i), true)?;
                }
                w.write_str(" }")
            }
            kind => write!(w, "<value of unknown type kind {kind}>"),
        }
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
