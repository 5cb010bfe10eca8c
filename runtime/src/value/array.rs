//! Arrays: `[T]`, a growable sequence of 8-byte slots in a separately
//! allocated buffer. See [`super::desc`] for the object layout and the slot
//! encoding; the array's descriptor is the array *type's* (kind ARRAY, its
//! child the element type).
//!
//! # Ownership
//!
//! Arrays passed to these functions are borrowed. The functions that
//! change an array in place (push, insert, remove, clear, reverse, sort)
//! require that the caller made it unique first
//! ([`super::record::kr_make_unique`]); the caller keeps its reference. Pushed
//! and inserted values are consumed (the array takes over the caller's
//! reference); removed values are handed to the caller. Every returned
//! array is new, with count 1.

use std::alloc::{self, Layout};

use super::alloc as small;
use super::desc::{desc_ref, is_heap, kind_of, release_value, retain_value, TypeDesc};
use super::generic::cmp_values;
use super::record::{enum_unit, enum_with, RecordObj, NONE_TAG, SOME_TAG};
use super::str::{as_str, StrObj};
use super::{kind, live, Obj, ObjHeader};
use crate::abi::panic_kind;
use crate::ctx::TaskCtx;
use crate::panic::{guard, panic_with, panic_with_kind, Site};

/// Byte offset of the descriptor pointer in an array.
pub const ARRAY_DESC_OFFSET: usize = 16;
/// Byte offset of the length in an array.
pub const ARRAY_LEN_OFFSET: usize = 24;
/// Byte offset of the capacity in an array.
pub const ARRAY_CAP_OFFSET: usize = 32;
/// Byte offset of the data pointer in an array.
pub const ARRAY_DATA_OFFSET: usize = 40;

/// An array object. Only ever handled through raw pointers.
#[repr(C)]
pub struct ArrayObj {
    /// The common header (`kind` = [`kind::ARRAY`]).
    pub header: ObjHeader,
    /// The array type's descriptor (kind ARRAY; child 0 is the element type).
    pub desc: *const TypeDesc,
    /// Number of elements.
    pub len: u64,
    /// Number of slots in `data`.
    pub cap: u64,
    /// The element slots; null when `cap` is 0.
    pub data: *mut u64,
}

const _: () = {
    assert!(std::mem::offset_of!(ArrayObj, desc) == ARRAY_DESC_OFFSET);
    assert!(std::mem::offset_of!(ArrayObj, len) == ARRAY_LEN_OFFSET);
    assert!(std::mem::offset_of!(ArrayObj, cap) == ARRAY_CAP_OFFSET);
    assert!(std::mem::offset_of!(ArrayObj, data) == ARRAY_DATA_OFFSET);
    assert!(std::mem::size_of::<ArrayObj>() == 48);
};

const OBJ_LAYOUT: Layout = Layout::new::<ArrayObj>();

fn buffer_layout(cap: usize) -> Layout {
    Layout::array::<u64>(cap).expect("array too large")
}

/// Allocates a zeroed buffer of `cap > 0` slots.
fn alloc_buffer(cap: usize) -> *mut u64 {
    let layout = buffer_layout(cap);
    // SAFETY: `cap > 0`, so the layout has a nonzero size.
    let p = unsafe { alloc::alloc_zeroed(layout) }.cast::<u64>();
    if p.is_null() {
        alloc::handle_alloc_error(layout);
    }
    p
}

impl ArrayObj {
    /// A new array of type `desc` (count 1) with `len` zeroed elements and
    /// room for `cap.max(len)`.
    ///
    /// # Safety
    /// `desc` is null or a valid descriptor that outlives the array.
    pub unsafe fn alloc(desc: *const TypeDesc, len: usize, cap: usize) -> *mut ArrayObj {
        let cap = cap.max(len);
        let data = if cap == 0 {
            std::ptr::null_mut()
        } else {
            alloc_buffer(cap)
        };
        // SAFETY: the size is nonzero.
        let p = unsafe { small::alloc(OBJ_LAYOUT.size()) }.cast::<ArrayObj>();
        // SAFETY: `p` is freshly allocated with room for an `ArrayObj`.
        unsafe {
            p.write(ArrayObj {
                header: ObjHeader::new(kind::ARRAY),
                desc,
                len: len as u64,
                cap: cap as u64,
                data,
            });
        }
        live::allocated();
        p
    }

    /// A new array of type `desc` holding `slots` (whose references it
    /// takes over).
    ///
    /// # Safety
    /// As [`ArrayObj::alloc`]; `slots` are owned values of the element type.
    pub unsafe fn from_slots(desc: *const TypeDesc, slots: &[u64]) -> *mut ArrayObj {
        // SAFETY: caller's contract; the new buffer has `len` slots.
        unsafe {
            let a = Self::alloc(desc, slots.len(), slots.len());
            Self::elems_mut(a).copy_from_slice(slots);
            a
        }
    }

    /// The elements of `a` (empty for null).
    ///
    /// # Safety
    /// `a` is null or a live array, not changed while the slice is in use.
    pub unsafe fn elems<'a>(a: *const ArrayObj) -> &'a [u64] {
        // SAFETY: a live array has `len` initialised slots at `data`.
        unsafe {
            match a.as_ref() {
                Some(a) if a.len != 0 && !a.data.is_null() => {
                    std::slice::from_raw_parts(a.data, a.len as usize)
                }
                _ => &[],
            }
        }
    }

    /// The elements of `a`, mutably (empty for null).
    ///
    /// # Safety
    /// `a` is null or a live array, not read or written through another
    /// path while the slice is in use.
    pub unsafe fn elems_mut<'a>(a: *mut ArrayObj) -> &'a mut [u64] {
        // SAFETY: as `elems`.
        unsafe {
            match a.as_mut() {
                Some(a) if a.len != 0 && !a.data.is_null() => {
                    std::slice::from_raw_parts_mut(a.data, a.len as usize)
                }
                _ => &mut [],
            }
        }
    }

    /// The element type of `a` (null for null).
    ///
    /// # Safety
    /// `a` is null or a live array.
    pub unsafe fn elem_desc(a: *const ArrayObj) -> *const TypeDesc {
        // SAFETY: caller's contract.
        unsafe {
            match a.as_ref().and_then(|a| desc_ref(a.desc)) {
                Some(d) => d.elem(),
                None => std::ptr::null(),
            }
        }
    }

    /// Makes room for at least `additional` more elements (amortised
    /// doubling). The object never moves; only its buffer does.
    ///
    /// # Safety
    /// `a` is a live, unique array.
    pub unsafe fn reserve(a: *mut ArrayObj, additional: usize) {
        // SAFETY: caller's contract.
        let a = unsafe { &mut *a };
        let len = a.len as usize;
        let cap = a.cap as usize;
        let needed = len.checked_add(additional).expect("array too large");
        if needed <= cap {
            return;
        }
        let new_cap = needed.max(cap.saturating_mul(2)).max(4);
        let new_layout = buffer_layout(new_cap);
        let data = if a.data.is_null() || cap == 0 {
            alloc_buffer(new_cap)
        } else {
            // SAFETY: `data` was allocated with `buffer_layout(cap)`.
            let p = unsafe { alloc::realloc(a.data.cast(), buffer_layout(cap), new_layout.size()) }
                .cast::<u64>();
            if p.is_null() {
                alloc::handle_alloc_error(new_layout);
            }
            p
        };
        a.data = data;
        a.cap = new_cap as u64;
    }

    /// Appends `v` (owned) to a unique array.
    ///
    /// # Safety
    /// `a` is a live, unique array; `v` an owned value of its element type.
    pub unsafe fn push_slot(a: *mut ArrayObj, v: u64) {
        // SAFETY: caller's contract; `reserve` made room for one more.
        unsafe {
            Self::reserve(a, 1);
            let a = &mut *a;
            a.data.add(a.len as usize).write(v);
            a.len += 1;
        }
    }

    /// Frees an array whose count reached zero, handing each heap element
    /// to `drop_child` (which drops the reference it owns).
    ///
    /// # Safety
    /// `p` is a heap-allocated array that nothing references any more.
    pub(crate) unsafe fn free(p: *mut ArrayObj, drop_child: &mut dyn FnMut(u64)) {
        // SAFETY: `p` is live until the deallocs below.
        unsafe {
            if is_heap(Self::elem_desc(p)) {
                for &v in Self::elems(p) {
                    drop_child(v);
                }
            }
            let a = &*p;
            if !a.data.is_null() && a.cap != 0 {
                alloc::dealloc(a.data.cast(), buffer_layout(a.cap as usize));
            }
            small::free(p.cast(), OBJ_LAYOUT.size());
        }
        live::freed();
    }

    /// A copy of array `p` with count 1: same descriptor and elements,
    /// each heap element retained.
    ///
    /// # Safety
    /// `p` is a live array.
    pub unsafe fn shallow_copy(p: *mut ArrayObj) -> *mut ArrayObj {
        // SAFETY: `p` is live.
        unsafe {
            let elems = Self::elems(p);
            retain_all(elems, Self::elem_desc(p));
            Self::from_slots((*p).desc, elems)
        }
    }
}

/// Retains every value in `slots` (of type `elem`).
///
/// # Safety
/// `slots` hold valid values of type `elem`.
unsafe fn retain_all(slots: &[u64], elem: *const TypeDesc) {
    // SAFETY: caller's contract.
    unsafe {
        if is_heap(elem) {
            for &v in slots {
                retain_value(v, elem);
            }
        }
    }
}

/// Runs the body of a function that may panic with a message: `f` returns
/// `Err(message)` to panic. The panic happens after `guard`, outside any
/// `catch_unwind` (HACKING.md).
///
/// # Safety
/// `ctx` is null or the running task's context.
pub(crate) unsafe fn or_panic<R>(
    ctx: *mut TaskCtx,
    site: Site,
    f: impl FnOnce() -> Result<R, String>,
) -> R {
    match guard(ctx, f) {
        Ok(r) => r,
        // SAFETY: caller's contract.
        Err(message) => unsafe { panic_with(ctx, message, site) },
    }
}

/// The message of an out-of-bounds index.
pub fn index_message(index: i64, len: i64) -> String {
    format!("index out of bounds: the index is {index} but the length is {len}")
}

/// The message of an out-of-range slice (arrays and strings).
pub fn slice_message(start: i64, end: i64, len: i64) -> String {
    format!("slice range {start}..{end} out of bounds for length {len}")
}

/// A new array of type `desc` with `len` zeroed elements (count 1); the
/// caller stores an owned value into each. A negative `len` is taken as 0.
///
/// # Safety
/// `desc` is a valid array descriptor (static data).
pub unsafe extern "C" fn kr_array_new(desc: *const TypeDesc, len: i64) -> *mut Obj {
    let len = usize::try_from(len).unwrap_or(0);
    // SAFETY: caller's contract.
    guard(std::ptr::null_mut(), || {
        unsafe { ArrayObj::alloc(desc, len, len) }.cast()
    })
}

/// `[v; n]`: a new array of `n` copies of `v` (borrowed; retained `n`
/// times when it is a heap value). A negative `n` panics with "negative
/// array length: {n}".
///
/// # Safety
/// `ctx` is the running task's context; `desc` a valid array descriptor;
/// `v` a valid value of its element type.
pub unsafe extern "C" fn kr_array_repeat(
    ctx: *mut TaskCtx,
    desc: *const TypeDesc,
    v: i64,
    n: i64,
    loc: i64,
    func: i64,
    frame: *const usize,
) -> *mut Obj {
    let site = Site { loc, func, frame };
    // SAFETY: caller's contract.
    unsafe {
        or_panic(ctx, site, || {
            let Ok(len) = usize::try_from(n) else {
                return Err(format!("negative array length: {n}"));
            };
            if len > (isize::MAX as usize) / 8 {
                return Err(format!("array too large: {n}"));
            }
            let a = ArrayObj::alloc(desc, len, len);
            let elem = ArrayObj::elem_desc(a);
            let v = v as u64;
            for slot in ArrayObj::elems_mut(a) {
                *slot = v;
                retain_value(v, elem);
            }
            Ok(a.cast())
        })
    }
}

/// Ends the task with "index out of bounds: the index is {index} but the
/// length is {len}". Never returns.
///
/// # Safety
/// `ctx` is the running task's context; `frame` is null or the frame
/// pointer of the calling JIT function.
pub unsafe extern "C" fn kr_panic_index(
    ctx: *mut TaskCtx,
    index: i64,
    len: i64,
    loc: i64,
    func: i64,
    frame: *const usize,
) {
    let site = Site { loc, func, frame };
    let message = guard(ctx, || index_message(index, len));
    // SAFETY: caller's contract.
    unsafe { panic_with(ctx, message, site) }
}

/// `a.push(v)`: appends `v`, consuming it. `a` is unique.
///
/// # Safety
/// `a` is a live unique array; `v` an owned value of its element type.
pub unsafe extern "C" fn kr_array_push(a: *mut Obj, v: i64) {
    if a.is_null() {
        return;
    }
    // SAFETY: caller's contract.
    guard(std::ptr::null_mut(), || unsafe {
        ArrayObj::push_slot(a.cast(), v as u64)
    })
}

/// `a.insert(i, v)`: inserts `v` (consumed) before index `i`; `i` must be
/// in `0..=len`, else "insertion index (is {i}) should be <= len (is
/// {len})". `a` is unique.
///
/// # Safety
/// `ctx` is the running task's context; `a` a live unique array; `v` an
/// owned value of its element type.
pub unsafe extern "C" fn kr_array_insert(
    ctx: *mut TaskCtx,
    a: *mut Obj,
    i: i64,
    v: i64,
    loc: i64,
    func: i64,
    frame: *const usize,
) {
    let site = Site { loc, func, frame };
    let a = a.cast::<ArrayObj>();
    // SAFETY: caller's contract.
    unsafe {
        or_panic(ctx, site, || {
            let len = ArrayObj::elems(a).len();
            let at = match usize::try_from(i) {
                Ok(at) if at <= len && !a.is_null() => at,
                _ => {
                    return Err(format!(
                        "insertion index (is {i}) should be <= len (is {len})"
                    ))
                }
            };
            ArrayObj::push_slot(a, v as u64);
            ArrayObj::elems_mut(a)[at..].rotate_right(1);
            Ok(())
        })
    }
}

/// `a.remove(i)`: removes and returns (owned) element `i`; out of bounds
/// panics with the index message. `a` is unique.
///
/// # Safety
/// `ctx` is the running task's context; `a` a live unique array.
pub unsafe extern "C" fn kr_array_remove(
    ctx: *mut TaskCtx,
    a: *mut Obj,
    i: i64,
    loc: i64,
    func: i64,
    frame: *const usize,
) -> i64 {
    let site = Site { loc, func, frame };
    let a = a.cast::<ArrayObj>();
    // SAFETY: caller's contract.
    unsafe {
        or_panic(ctx, site, || {
            let elems = ArrayObj::elems_mut(a);
            let len = elems.len();
            let at = match usize::try_from(i) {
                Ok(at) if at < len => at,
                _ => return Err(index_message(i, len as i64)),
            };
            let v = elems[at];
            elems[at..].rotate_left(1);
            (*a).len -= 1;
            Ok(v as i64)
        })
    }
}

/// `a.reserve(n)` (only the stdlib can call it): room for `n` more
/// elements, so that `n` pushes do not reallocate. `a` is unique; a
/// negative `n` is taken as 0.
///
/// # Safety
/// `a` is null or a live unique array.
pub unsafe extern "C" fn kr_array_reserve(a: *mut Obj, n: i64) {
    if a.is_null() {
        return;
    }
    let n = usize::try_from(n).unwrap_or(0);
    // SAFETY: caller's contract.
    guard(std::ptr::null_mut(), || unsafe {
        ArrayObj::reserve(a.cast(), n)
    })
}

/// `a.clear()`: drops every element; the buffer is kept. `a` is unique.
///
/// # Safety
/// `a` is null or a live unique array.
pub unsafe extern "C" fn kr_array_clear(a: *mut Obj) {
    let a = a.cast::<ArrayObj>();
    if a.is_null() {
        return;
    }
    // SAFETY: caller's contract. The length is set to 0 first, so the
    // array is consistent even if a release below ends the task.
    guard(std::ptr::null_mut(), || unsafe {
        let elem = ArrayObj::elem_desc(a);
        let elems: *const [u64] = ArrayObj::elems(a);
        (*a).len = 0;
        for &v in &*elems {
            release_value(v, elem);
        }
    })
}

/// `a.reverse()`, in place. `a` is unique.
///
/// # Safety
/// `a` is null or a live unique array.
pub unsafe extern "C" fn kr_array_reverse(a: *mut Obj) {
    // SAFETY: caller's contract.
    unsafe { ArrayObj::elems_mut(a.cast()) }.reverse();
}

/// `a.sort()`: a stable sort, in place, in the natural order of the
/// element type: ints numerically, floats by `f64::total_cmp` (-NaN <
/// -inf < ... < -0.0 < 0.0 < ... < inf < NaN), strs by bytes, bools false
/// first; arrays, tuples and structs lexicographically (fields in
/// declaration order, a shorter array before its extensions). `a` is
/// unique.
///
/// # Safety
/// `a` is null or a live unique array.
pub unsafe extern "C" fn kr_array_sort(a: *mut Obj) {
    let a = a.cast::<ArrayObj>();
    // SAFETY: caller's contract.
    guard(std::ptr::null_mut(), || unsafe {
        let elem = ArrayObj::elem_desc(a);
        let elems = ArrayObj::elems_mut(a);
        match kind_of(elem) {
            // Fast paths for the common element types.
            Some(super::desc::desc_kind::INT) | None => {
                elems.sort_by_key(|&v| v as i64);
            }
            Some(super::desc::desc_kind::FLOAT) => {
                elems.sort_by(|&x, &y| f64::from_bits(x).total_cmp(&f64::from_bits(y)));
            }
            Some(_) => elems.sort_by(|&x, &y| cmp_values(x, y, elem)),
        }
    })
}

/// The comparison generated code passes to [`kr_array_sort_by`]: calls the
/// user's `less` (the closure) on two elements in slot encoding, borrowed.
type LessEntry = unsafe extern "C" fn(*mut TaskCtx, *mut Obj, i64, i64) -> bool;

/// `a.sort_by(less)`, stable, on a unique array: `less` is the closure
/// (borrowed) and `entry` the generated code that calls it on two slots.
///
/// The comparison is Kriti code: it may panic (ending the task, whose
/// frames here are abandoned: the sort's scratch buffer leaks, nothing
/// else) or be preempted (the task may resume on another thread). A
/// comparison that is not a consistent order can make Rust's sort panic;
/// that becomes a Kriti panic at the call.
///
/// # Safety
/// `a` is null or a live unique array; `less` a live closure and `entry`
/// its comparison entry for the array's element type; `ctx` the running
/// task's context.
pub unsafe extern "C" fn kr_array_sort_by(
    ctx: *mut TaskCtx,
    a: *mut Obj,
    less: *mut Obj,
    entry: *const u8,
    loc: i64,
    func: i64,
    frame: *const usize,
) {
    let site = Site { loc, func, frame };
    let a = a.cast::<ArrayObj>();
    // SAFETY: `entry` is generated code with exactly this signature.
    let entry: LessEntry = unsafe { std::mem::transmute(entry) };
    let sorted = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        // SAFETY: caller's contract; the closure cannot reach this array
        // (it is unique, so no copy of it exists elsewhere).
        let elems = unsafe { ArrayObj::elems_mut(a) };
        elems.sort_by(|&x, &y| {
            // SAFETY: as above.
            if unsafe { entry(ctx, less, x as i64, y as i64) } {
                std::cmp::Ordering::Less
            } else {
                std::cmp::Ordering::Greater
            }
        });
    }));
    if sorted.is_err() {
        let message = "sort_by: the comparison is not a consistent order".to_string();
        // SAFETY: caller's contract.
        unsafe { panic_with(ctx, message, site) }
    }
}

/// `a.join(sep)` for `[str]`: the elements with `sep` between them. A new
/// string.
///
/// # Safety
/// `a` is null or a live array of strings; `sep` null or a live string.
pub unsafe extern "C" fn kr_array_join(a: *mut Obj, sep: *mut StrObj) -> *mut StrObj {
    // SAFETY: caller's contract.
    guard(std::ptr::null_mut(), || unsafe {
        let sep = as_str(sep);
        let elems = ArrayObj::elems(a.cast());
        let mut out = String::new();
        for (i, &v) in elems.iter().enumerate() {
            if i > 0 {
                out.push_str(sep);
            }
            out.push_str(as_str(v as usize as *const StrObj));
        }
        StrObj::new(&out)
    })
}

/// `a.sum()` for `[int]`; overflow panics with "integer overflow".
///
/// # Safety
/// `ctx` is the running task's context; `a` null or a live `[int]`.
pub unsafe extern "C" fn kr_array_sum_int(
    ctx: *mut TaskCtx,
    a: *mut Obj,
    loc: i64,
    func: i64,
    frame: *const usize,
) -> i64 {
    // SAFETY: caller's contract.
    let elems = unsafe { ArrayObj::elems(a.cast()) };
    let mut sum: i64 = 0;
    for &v in elems {
        match sum.checked_add(v as i64) {
            Some(s) => sum = s,
            None => {
                let site = Site { loc, func, frame };
                // SAFETY: caller's contract.
                unsafe { panic_with_kind(ctx, panic_kind::OVERFLOW, 0, site) }
            }
        }
    }
    sum
}

/// `a.sum()` for `[float]`, added left to right (0.0 for an empty array).
///
/// # Safety
/// `a` is null or a live `[float]`.
pub unsafe extern "C" fn kr_array_sum_float(a: *mut Obj) -> f64 {
    // SAFETY: caller's contract.
    let elems = unsafe { ArrayObj::elems(a.cast()) };
    elems.iter().fold(0.0, |acc, &v| acc + f64::from_bits(v))
}

/// `a.enumerate()`: a new `[(int, T)]` of `(index, element)` tuples.
/// `desc` is the result's descriptor; its element is the tuple's.
///
/// # Safety
/// `a` is null or a live array; `desc` a valid `[(int, T)]` descriptor.
pub unsafe extern "C" fn kr_array_enumerate(a: *mut Obj, desc: *const TypeDesc) -> *mut Obj {
    // SAFETY: caller's contract.
    guard(std::ptr::null_mut(), || unsafe {
        let a = a.cast::<ArrayObj>();
        let elem = ArrayObj::elem_desc(a);
        let elems = ArrayObj::elems(a);
        let tuple = desc_ref(desc).map_or(std::ptr::null(), |d| d.elem());
        let out = ArrayObj::alloc(desc, elems.len(), elems.len());
        for (slot, (i, &v)) in ArrayObj::elems_mut(out)
            .iter_mut()
            .zip(elems.iter().enumerate())
        {
            let t = RecordObj::alloc(tuple);
            let fields = RecordObj::slots(t);
            if fields.len() >= 2 {
                fields[0] = i as u64;
                fields[1] = v;
                retain_value(v, elem);
            }
            *slot = t as usize as u64;
        }
        out.cast()
    })
}

/// `a + b`: a new array with the elements of `a` then those of `b`
/// (retained).
///
/// # Safety
/// `a` and `b` are null or live arrays of one type.
pub unsafe extern "C" fn kr_array_concat(a: *mut Obj, b: *mut Obj) -> *mut Obj {
    // SAFETY: caller's contract.
    guard(std::ptr::null_mut(), || unsafe {
        let (a, b) = (a.cast::<ArrayObj>(), b.cast::<ArrayObj>());
        let desc = match (a.as_ref(), b.as_ref()) {
            (Some(a), _) => a.desc,
            (None, Some(b)) => b.desc,
            (None, None) => std::ptr::null(),
        };
        let elem = desc_ref(desc).map_or(std::ptr::null(), |d| d.elem());
        let (xs, ys) = (ArrayObj::elems(a), ArrayObj::elems(b));
        let len = xs.len() + ys.len();
        let out = ArrayObj::alloc(desc, len, len);
        let slots = ArrayObj::elems_mut(out);
        slots[..xs.len()].copy_from_slice(xs);
        slots[xs.len()..].copy_from_slice(ys);
        retain_all(slots, elem);
        out.cast()
    })
}

/// `a[start..end]`: a new array with a copy of that range (elements
/// retained). `start < 0`, `end > len` or `start > end` panics with "slice
/// range {start}..{end} out of bounds for length {len}".
///
/// # Safety
/// `ctx` is the running task's context; `a` null or a live array.
pub unsafe extern "C" fn kr_array_slice(
    ctx: *mut TaskCtx,
    a: *mut Obj,
    start: i64,
    end: i64,
    loc: i64,
    func: i64,
    frame: *const usize,
) -> *mut Obj {
    let site = Site { loc, func, frame };
    let a = a.cast::<ArrayObj>();
    // SAFETY: caller's contract.
    unsafe {
        or_panic(ctx, site, || {
            let elems = ArrayObj::elems(a);
            let len = elems.len();
            let range = match (usize::try_from(start), usize::try_from(end)) {
                (Ok(s), Ok(e)) if s <= e && e <= len => s..e,
                _ => return Err(slice_message(start, end, len as i64)),
            };
            let desc = a.as_ref().map_or(std::ptr::null(), |a| a.desc);
            let part = &elems[range];
            retain_all(part, ArrayObj::elem_desc(a));
            Ok(ArrayObj::from_slots(desc, part).cast())
        })
    }
}

/// `a.pop()`: removes the last element and returns `Some(it)` (the
/// element's reference moves into the option), or `None` for an empty
/// array. `desc` is the `Option<T>` descriptor of the result; `a` is
/// unique.
///
/// # Safety
/// `a` is null or a live unique array; `desc` a valid `Option<T>`
/// descriptor for its element type.
pub unsafe extern "C" fn kr_array_pop(a: *mut Obj, desc: *const TypeDesc) -> *mut Obj {
    let a = a.cast::<ArrayObj>();
    // SAFETY: caller's contract.
    guard(std::ptr::null_mut(), || unsafe {
        match ArrayObj::elems(a).last() {
            Some(&v) => {
                (*a).len -= 1;
                enum_with(desc, SOME_TAG, v)
            }
            None => enum_unit(desc, NONE_TAG),
        }
    })
}

/// The smallest (`max` false) or largest element of `a` in the order of
/// `sort`, as `Some(it)` (retained) or `None` for an empty array; the
/// first of equal elements.
///
/// # Safety
/// As [`kr_array_min`].
unsafe fn extreme(a: *mut Obj, desc: *const TypeDesc, max: bool) -> *mut Obj {
    let a = a.cast::<ArrayObj>();
    // SAFETY: caller's contract.
    guard(std::ptr::null_mut(), || unsafe {
        let elem = ArrayObj::elem_desc(a);
        let mut best: Option<u64> = None;
        for &x in ArrayObj::elems(a) {
            let better = match best {
                None => true,
                Some(b) => {
                    let o = cmp_values(x, b, elem);
                    if max {
                        o == std::cmp::Ordering::Greater
                    } else {
                        o == std::cmp::Ordering::Less
                    }
                }
            };
            if better {
                best = Some(x);
            }
        }
        match best {
            Some(v) => {
                retain_value(v, elem);
                enum_with(desc, SOME_TAG, v)
            }
            None => enum_unit(desc, NONE_TAG),
        }
    })
}

/// `a.min()`: the smallest element in the order of `sort` (floats by IEEE
/// total order), `None` for an empty array. `desc` is the `Option<T>`
/// descriptor of the result.
///
/// # Safety
/// `a` is null or a live array; `desc` a valid `Option<T>` descriptor for
/// its element type.
pub unsafe extern "C" fn kr_array_min(a: *mut Obj, desc: *const TypeDesc) -> *mut Obj {
    // SAFETY: caller's contract.
    unsafe { extreme(a, desc, false) }
}

/// `a.max()`: as [`kr_array_min`], the largest element.
///
/// # Safety
/// As [`kr_array_min`].
pub unsafe extern "C" fn kr_array_max(a: *mut Obj, desc: *const TypeDesc) -> *mut Obj {
    // SAFETY: caller's contract.
    unsafe { extreme(a, desc, true) }
}
