//! The `str` methods beyond the basics of [`super::str`]: slicing,
//! splitting, searching, case and whitespace.
//!
//! Every function borrows its arguments and returns a new value (count 1,
//! or an argument / the immortal empty string with its count raised). A
//! null string reads as `""`. `desc` arguments are the descriptor of the
//! `[str]` or `[int]` array returned; the compiler always passes it.
//!
//! Semantics follow Rust's `str` methods:
//! - `split(sep)` is `str::split`: `"a,b,".split(",")` is `["a", "b", ""]`,
//!   `"".split(",")` is `[""]`, and an empty separator matches at every
//!   char boundary, so `"ab".split("")` is `["", "a", "b", ""]`. In every
//!   case `xs.join(sep)` gives back the original string.
//! - `lines()` is `str::lines`: split at `\n`, a `\r` before it dropped, no
//!   empty last line for a final newline.
//! - `trim()` removes Unicode white space at both ends; `to_upper()` and
//!   `to_lower()` are the full Unicode mappings; `replace(from, to)`
//!   replaces every non-overlapping match from the left (an empty `from`
//!   inserts `to` at every char boundary).

use super::array::{or_panic, slice_message, ArrayObj};
use super::str::{as_str, StrObj};
use super::{retain, Obj};
use crate::ctx::TaskCtx;
use crate::panic::{guard, Site};

use super::desc::TypeDesc;
use super::display::write_debug_str;
use super::record::{enum_unit, enum_with, NONE_TAG, SOME_TAG};

/// Returns `part` of `s` as a new reference: `s` itself (retained) when it
/// is the whole string, otherwise a new string.
///
/// # Safety
/// `s` is null or a live string and `part` is a substring of `as_str(s)`.
unsafe fn substring(s: *mut StrObj, part: &str) -> *mut StrObj {
    // SAFETY: caller's contract.
    unsafe {
        if !s.is_null() && part.len() == as_str(s).len() && !part.is_empty() {
            retain(s.cast());
            return s;
        }
    }
    StrObj::new(part)
}

/// A new `[str]` (type `desc`) holding a new string for each of `parts`.
///
/// # Safety
/// `desc` is a valid `[str]` descriptor.
unsafe fn str_array<'a>(desc: *const TypeDesc, parts: impl Iterator<Item = &'a str>) -> *mut Obj {
    let slots: Vec<u64> = parts.map(|p| StrObj::new(p) as usize as u64).collect();
    // SAFETY: caller's contract; the strings are owned by the new array.
    unsafe { ArrayObj::from_slots(desc, &slots) }.cast()
}

/// `s[start..end]`, by bytes: a new string. Out of range (`start < 0`,
/// `end > len`, `start > end`) panics with "slice range {start}..{end} out
/// of bounds for length {len}"; a bound inside a UTF-8 sequence panics with
/// "byte range {start}..{end} is not on a char boundary in {s quoted}".
///
/// # Safety
/// `ctx` is the running task's context; `s` null or a live string.
pub unsafe extern "C" fn kr_str_slice(
    ctx: *mut TaskCtx,
    s: *mut StrObj,
    start: i64,
    end: i64,
    loc: i64,
    func: i64,
    frame: *const usize,
) -> *mut StrObj {
    let site = Site { loc, func, frame };
    // SAFETY: caller's contract.
    unsafe {
        or_panic(ctx, site, || {
            let text = as_str(s);
            let range = match (usize::try_from(start), usize::try_from(end)) {
                (Ok(a), Ok(b)) if a <= b && b <= text.len() => a..b,
                _ => return Err(slice_message(start, end, text.len() as i64)),
            };
            match text.get(range) {
                Some(part) => Ok(substring(s, part)),
                None => {
                    let mut message =
                        format!("byte range {start}..{end} is not on a char boundary in ");
                    let _ = write_debug_str(&mut message, text);
                    Err(message)
                }
            }
        })
    }
}

/// `s.chars()`: a new `[str]` with one string per char.
///
/// # Safety
/// `s` is null or a live string; `desc` a valid `[str]` descriptor.
pub unsafe extern "C" fn kr_str_chars(s: *mut StrObj, desc: *const TypeDesc) -> *mut Obj {
    // SAFETY: caller's contract.
    guard(std::ptr::null_mut(), || unsafe {
        let text = as_str(s);
        let a = ArrayObj::alloc(desc, 0, text.len());
        let mut buf = [0u8; 4];
        for c in text.chars() {
            ArrayObj::push_slot(a, StrObj::new(c.encode_utf8(&mut buf)) as usize as u64);
        }
        a.cast()
    })
}

/// `s.bytes()`: a new `[int]` with the value of each byte.
///
/// # Safety
/// `s` is null or a live string; `desc` a valid `[int]` descriptor.
pub unsafe extern "C" fn kr_str_bytes(s: *mut StrObj, desc: *const TypeDesc) -> *mut Obj {
    // SAFETY: caller's contract.
    guard(std::ptr::null_mut(), || unsafe {
        let text = as_str(s);
        let a = ArrayObj::alloc(desc, text.len(), text.len());
        for (slot, &b) in ArrayObj::elems_mut(a).iter_mut().zip(text.as_bytes()) {
            *slot = u64::from(b);
        }
        a.cast()
    })
}

/// `s.contains(t)`.
///
/// # Safety
/// `s` and `t` are null or live strings.
pub unsafe extern "C" fn kr_str_contains(s: *mut StrObj, t: *mut StrObj) -> bool {
    // SAFETY: caller's contract.
    guard(std::ptr::null_mut(), || unsafe {
        as_str(s).contains(as_str(t))
    })
}

/// `s.starts_with(t)`.
///
/// # Safety
/// `s` and `t` are null or live strings.
pub unsafe extern "C" fn kr_str_starts_with(s: *mut StrObj, t: *mut StrObj) -> bool {
    // SAFETY: caller's contract.
    unsafe { as_str(s).as_bytes().starts_with(as_str(t).as_bytes()) }
}

/// `s.ends_with(t)`.
///
/// # Safety
/// `s` and `t` are null or live strings.
pub unsafe extern "C" fn kr_str_ends_with(s: *mut StrObj, t: *mut StrObj) -> bool {
    // SAFETY: caller's contract.
    unsafe { as_str(s).as_bytes().ends_with(as_str(t).as_bytes()) }
}

/// `s.split(sep)`: a new `[str]` (see the [module docs](self)).
///
/// # Safety
/// `s` and `sep` are null or live strings; `desc` a valid `[str]`
/// descriptor.
pub unsafe extern "C" fn kr_str_split(
    s: *mut StrObj,
    sep: *mut StrObj,
    desc: *const TypeDesc,
) -> *mut Obj {
    // SAFETY: caller's contract.
    guard(std::ptr::null_mut(), || unsafe {
        str_array(desc, as_str(s).split(as_str(sep)))
    })
}

/// `s.lines()`: a new `[str]` (see the [module docs](self)).
///
/// # Safety
/// `s` is null or a live string; `desc` a valid `[str]` descriptor.
pub unsafe extern "C" fn kr_str_lines(s: *mut StrObj, desc: *const TypeDesc) -> *mut Obj {
    // SAFETY: caller's contract.
    guard(std::ptr::null_mut(), || unsafe {
        str_array(desc, as_str(s).lines())
    })
}

/// `s.trim()`: without leading and trailing white space.
///
/// # Safety
/// `s` is null or a live string.
pub unsafe extern "C" fn kr_str_trim(s: *mut StrObj) -> *mut StrObj {
    // SAFETY: caller's contract.
    guard(std::ptr::null_mut(), || unsafe {
        substring(s, as_str(s).trim())
    })
}

/// `s.to_upper()`.
///
/// # Safety
/// `s` is null or a live string.
pub unsafe extern "C" fn kr_str_to_upper(s: *mut StrObj) -> *mut StrObj {
    // SAFETY: caller's contract.
    guard(std::ptr::null_mut(), || {
        StrObj::new(&unsafe { as_str(s) }.to_uppercase())
    })
}

/// `s.to_lower()`.
///
/// # Safety
/// `s` is null or a live string.
pub unsafe extern "C" fn kr_str_to_lower(s: *mut StrObj) -> *mut StrObj {
    // SAFETY: caller's contract.
    guard(std::ptr::null_mut(), || {
        StrObj::new(&unsafe { as_str(s) }.to_lowercase())
    })
}

/// `s.replace(from, to)`: every non-overlapping match of `from` replaced.
///
/// # Safety
/// `s`, `from` and `to` are null or live strings.
pub unsafe extern "C" fn kr_str_replace(
    s: *mut StrObj,
    from: *mut StrObj,
    to: *mut StrObj,
) -> *mut StrObj {
    // SAFETY: caller's contract.
    guard(std::ptr::null_mut(), || unsafe {
        let (text, from) = (as_str(s), as_str(from));
        if !from.is_empty() && !text.contains(from) {
            return substring(s, text);
        }
        StrObj::new(&text.replace(from, as_str(to)))
    })
}

/// `s.repeat(n)`: `n` copies of `s`. A negative `n` panics with "negative
/// repeat count: {n}"; a result longer than `isize::MAX` bytes with
/// "string too long".
///
/// # Safety
/// `ctx` is the running task's context; `s` null or a live string.
pub unsafe extern "C" fn kr_str_repeat(
    ctx: *mut TaskCtx,
    s: *mut StrObj,
    n: i64,
    loc: i64,
    func: i64,
    frame: *const usize,
) -> *mut StrObj {
    let site = Site { loc, func, frame };
    // SAFETY: caller's contract.
    unsafe {
        or_panic(ctx, site, || {
            let Ok(count) = usize::try_from(n) else {
                return Err(format!("negative repeat count: {n}"));
            };
            let text = as_str(s);
            match text.len().checked_mul(count) {
                Some(total) if total <= isize::MAX as usize - 64 => {}
                _ => return Err("string too long".to_string()),
            }
            if count == 1 {
                return Ok(substring(s, text));
            }
            Ok(StrObj::new(&text.repeat(count)))
        })
    }
}

/// `s.find(t)`: `Some(byte offset)` of the first occurrence of `t` in `s`,
/// else `None` (an empty `t` is found at 0). `desc` is the `Option<int>`
/// descriptor of the result.
///
/// # Safety
/// `s` and `t` are null or live strings; `desc` a valid `Option<int>`
/// descriptor.
pub unsafe extern "C" fn kr_str_find(
    s: *mut StrObj,
    t: *mut StrObj,
    desc: *const TypeDesc,
) -> *mut Obj {
    // SAFETY: caller's contract.
    guard(std::ptr::null_mut(), || unsafe {
        match as_str(s).find(as_str(t)) {
            Some(i) => enum_with(desc, SOME_TAG, i as u64),
            None => enum_unit(desc, NONE_TAG),
        }
    })
}

/// `parse_int(s)`: `Some(n)` when `s` is an optional `+` or `-` followed
/// by decimal digits whose value fits in an `int` (no spaces, no `_`),
/// else `None`. `desc` is the `Option<int>` descriptor of the result.
///
/// # Safety
/// `s` is null or a live string; `desc` a valid `Option<int>` descriptor.
pub unsafe extern "C" fn kr_parse_int(s: *mut StrObj, desc: *const TypeDesc) -> *mut Obj {
    // SAFETY: caller's contract.
    guard(std::ptr::null_mut(), || unsafe {
        match as_str(s).parse::<i64>() {
            Ok(n) => enum_with(desc, SOME_TAG, n as u64),
            Err(_) => enum_unit(desc, NONE_TAG),
        }
    })
}

/// `parse_float(s)`: `Some(x)` when `s` is a decimal number with an
/// optional sign, fraction and exponent (`1`, `-2.5`, `.5`, `1e9`), or
/// `inf`, `infinity` or `NaN` (any case), as Rust's `f64` parsing; else
/// `None`. No spaces. `desc` is the `Option<float>` descriptor.
///
/// # Safety
/// `s` is null or a live string; `desc` a valid `Option<float>` descriptor.
pub unsafe extern "C" fn kr_parse_float(s: *mut StrObj, desc: *const TypeDesc) -> *mut Obj {
    // SAFETY: caller's contract.
    guard(std::ptr::null_mut(), || unsafe {
        match as_str(s).parse::<f64>() {
            Ok(x) => enum_with(desc, SOME_TAG, x.to_bits()),
            Err(_) => enum_unit(desc, NONE_TAG),
        }
    })
}
