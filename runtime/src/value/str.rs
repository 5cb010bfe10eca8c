//! Strings: immutable UTF-8 text in one heap object, the runtime functions
//! JIT code calls on them, and the builder used for interpolation.
//!
//! # Layout (the codegen relies on it)
//!
//! ```text
//! offset  size  field
//!      0     8  rc     AtomicU64  reference count (IMMORTAL_RC for literals)
//!      8     4  kind   u32        value::kind::STR = 1
//!     12     4  flags  u32        0
//!     16     8  len    u64        length in bytes
//!     24   len  bytes             the UTF-8 text, inline; no terminator
//! ```
//!
//! The object is 8-byte aligned and never changes after creation. A string
//! literal is emitted by the compiler as static data with exactly this
//! layout and `rc = IMMORTAL_RC` (see [`crate::value::IMMORTAL_RC`]); the
//! runtime never writes to or frees such an object, so it may live in
//! read-only memory.
//!
//! # Ownership
//!
//! Arguments are borrowed: a function that receives a `*mut StrObj` neither
//! consumes nor keeps the caller's reference. Every returned `*mut StrObj`
//! is a new reference owned by the caller (it may be the same object as an
//! argument with its count raised, or the immortal empty string). No
//! function returns null; a null argument reads as the empty string.

use std::alloc::Layout;
use std::fmt::Write;

use super::display::{format_fixed, write_debug_str, write_float, StackBuf, MAX_FIXED_DIGITS};
use super::{kind, live, ObjHeader};
use crate::abi::panic_kind;
use crate::ctx::TaskCtx;
use crate::panic::{guard, panic_with, panic_with_kind, Site};

/// Byte offset of the text in a string object.
pub const STR_DATA_OFFSET: usize = 24;

/// Byte offset of the length in a string object.
pub const STR_LEN_OFFSET: usize = 16;

/// An immutable string object; see the [module docs](self) for the layout.
/// Only ever handled through raw pointers.
#[repr(C)]
pub struct StrObj {
    /// The common object header (`kind` = [`kind::STR`]).
    pub header: ObjHeader,
    /// Length of the text in bytes.
    pub len: u64,
    /// The text starts here.
    bytes: [u8; 0],
}

const _: () = {
    assert!(std::mem::offset_of!(StrObj, len) == STR_LEN_OFFSET);
    assert!(std::mem::offset_of!(StrObj, bytes) == STR_DATA_OFFSET);
    assert!(std::mem::align_of::<StrObj>() == 8);
};

/// The empty string, shared by every function that returns one.
static EMPTY: StrObj = StrObj {
    header: ObjHeader::immortal(kind::STR),
    len: 0,
    bytes: [],
};

/// A string object with room for up to 8 bytes inline: the shape of the
/// immortal one-byte strings in [`ASCII`].
#[repr(C)]
struct ShortStr {
    header: ObjHeader,
    len: u64,
    bytes: [u8; 8],
}

const _: () = assert!(std::mem::offset_of!(ShortStr, bytes) == STR_DATA_OFFSET);

/// The 128 one-byte ASCII strings, immortal and shared.
static ASCII: [ShortStr; 128] = {
    let mut table = [const {
        ShortStr {
            header: ObjHeader::immortal(kind::STR),
            len: 1,
            bytes: [0; 8],
        }
    }; 128];
    let mut i = 0;
    while i < 128 {
        table[i].bytes[0] = i as u8;
        i += 1;
    }
    table
};

impl StrObj {
    /// A new string holding a copy of `s`, owned by the caller (count 1;
    /// the empty string is a shared immortal object).
    pub fn new(s: &str) -> *mut StrObj {
        Self::concat(&[s])
    }

    /// The immortal empty string.
    pub fn empty() -> *mut StrObj {
        // Immortal objects are never written to, so handing out a `*mut` to
        // the shared static is sound.
        std::ptr::addr_of!(EMPTY).cast_mut()
    }

    /// A new string holding the concatenation of `parts`. One-byte (ASCII)
    /// results are shared immortal objects, like the empty string, so that
    /// `chars()` and one-char slices of ASCII text allocate nothing.
    pub fn concat(parts: &[&str]) -> *mut StrObj {
        let len: usize = parts.iter().map(|p| p.len()).sum();
        if len == 0 {
            return Self::empty();
        }
        if len == 1 {
            if let Some(&b) = parts.iter().find_map(|p| p.as_bytes().first()) {
                return Self::ascii(b);
            }
        }
        let p = Self::alloc(len);
        // SAFETY: `alloc` returned room for `len` bytes after the header, and
        // the parts add up to exactly `len` bytes of UTF-8.
        unsafe {
            let mut dest = p.cast::<u8>().add(STR_DATA_OFFSET);
            for part in parts {
                std::ptr::copy_nonoverlapping(part.as_ptr(), dest, part.len());
                dest = dest.add(part.len());
            }
        }
        p
    }

    /// How many bytes of text `p` has room for.
    ///
    /// # Safety
    /// `p` is a live string.
    unsafe fn capacity(p: *const StrObj) -> usize {
        // SAFETY: the caller's contract.
        let (len, room) = unsafe { ((*p).len as usize, (*p).header.flags as usize) };
        len.max(room)
    }

    /// The immortal one-byte string holding ASCII byte `b` (`b < 128`).
    fn ascii(b: u8) -> *mut StrObj {
        let entry = &ASCII[usize::from(b & 0x7f)];
        // Immortal objects are never written to; the short-string shape
        // starts with exactly the `StrObj` fields.
        std::ptr::from_ref(entry).cast::<StrObj>().cast_mut()
    }

    fn layout(len: usize) -> Layout {
        STR_DATA_OFFSET
            .checked_add(len)
            .and_then(|size| Layout::from_size_align(size, 8).ok())
            .expect("string too long")
    }

    /// Allocates a string of `len > 0` bytes with its header set and its
    /// bytes uninitialised; the caller fills them with UTF-8.
    fn alloc(len: usize) -> *mut StrObj {
        Self::alloc_with_room(len, len)
    }

    /// [`StrObj::alloc`] with room for `capacity >= len` bytes, so that
    /// [`kr_str_append`] can later grow it in place. A capacity above
    /// `len` is kept in the header's `flags` (strings of 4 GiB or more get
    /// no spare room).
    fn alloc_with_room(len: usize, capacity: usize) -> *mut StrObj {
        let flags = match u32::try_from(capacity) {
            Ok(c) if capacity > len => c,
            _ => 0,
        };
        let layout = Self::layout(len.max(flags as usize));
        // SAFETY: the layout has a nonzero size (at least the header).
        let p = unsafe { super::alloc::alloc(layout.size()) }.cast::<StrObj>();
        // SAFETY: `p` is freshly allocated with room for a `StrObj`.
        unsafe {
            p.write(StrObj {
                header: ObjHeader {
                    flags,
                    ..ObjHeader::new(kind::STR)
                },
                len: len as u64,
                bytes: [],
            });
        }
        live::allocated();
        p
    }

    /// Frees a string whose count has reached zero.
    ///
    /// # Safety
    /// `p` was allocated by this module (is not immortal) and is no longer
    /// referenced.
    pub(crate) unsafe fn free(p: *mut StrObj) {
        // SAFETY: `p` is live until the dealloc below.
        let capacity = unsafe { Self::capacity(p) };
        // SAFETY: `p` was allocated with exactly this layout in `alloc`.
        unsafe { super::alloc::free(p.cast(), Self::layout(capacity).size()) };
        live::freed();
    }
}

/// The text of string `p`, borrowed for as long as the caller holds a
/// reference. A null pointer reads as `""`.
///
/// # Safety
/// `p` is null or a live string object, which outlives `'a`.
#[inline]
pub unsafe fn as_str<'a>(p: *const StrObj) -> &'a str {
    if p.is_null() {
        return "";
    }
    // SAFETY: `p` is a live string object: `len` bytes of UTF-8 follow the
    // header, and they never change (`kr_str_append` writes only after
    // them, and only into a string nobody else refers to).
    unsafe {
        let len = (*p).len as usize;
        let data = p.cast::<u8>().add(STR_DATA_OFFSET);
        std::str::from_utf8_unchecked(std::slice::from_raw_parts(data, len))
    }
}

/// Adds a reference to a heap object (any kind). Null is ignored, as are
/// immortal objects.
///
/// # Safety
/// `p` is null or a live object.
pub unsafe extern "C" fn kr_retain(p: *mut StrObj) {
    // SAFETY: forwarded from our caller; every object starts with a header.
    unsafe { super::retain(p.cast()) }
}

/// Drops a reference to a heap object (any kind), freeing it when it was
/// the last. Null is ignored, as are immortal objects.
///
/// # Safety
/// `p` is null or a live object, and the caller owns the reference it drops.
pub unsafe extern "C" fn kr_release(p: *mut StrObj) {
    // SAFETY: forwarded from our caller; every object starts with a header.
    guard(std::ptr::null_mut(), || unsafe { super::release(p.cast()) })
}

/// `a + b`: a new string.
///
/// # Safety
/// `a` and `b` are null or live strings.
pub unsafe extern "C" fn kr_str_concat(a: *mut StrObj, b: *mut StrObj) -> *mut StrObj {
    guard(std::ptr::null_mut(), || {
        // SAFETY: live strings (caller's contract).
        let (sa, sb) = unsafe { (as_str(a), as_str(b)) };
        // Joining with an empty string returns the other one, shared.
        let same = if sb.is_empty() {
            a
        } else if sa.is_empty() {
            b
        } else {
            return StrObj::concat(&[sa, sb]);
        };
        if same.is_null() {
            return StrObj::empty();
        }
        // SAFETY: `same` is a live object; the new reference is the result.
        unsafe { super::retain(same.cast()) };
        same
    })
}

/// `x = x + b` on a `var` string `x`: consumes `a` (the variable's
/// reference) and borrows `b`. When the variable holds the only reference
/// and there is room, `b` is copied in place after the text; otherwise the
/// result is a new string with room for as much again, so building a
/// string piece by piece costs linear time, not quadratic. Nobody can see
/// the change: a string with one reference is only the variable's.
///
/// # Safety
/// `a` is null or a live string the caller owns a reference to (which it
/// gives up); `b` is null or a live string.
pub unsafe extern "C" fn kr_str_append(a: *mut StrObj, b: *mut StrObj) -> *mut StrObj {
    guard(std::ptr::null_mut(), || {
        // SAFETY: live strings (caller's contract).
        let (sa, sb) = unsafe { (as_str(a), as_str(b)) };
        if sb.is_empty() || sa.is_empty() {
            // SAFETY: as `kr_str_concat`; then the variable's reference to
            // `a` is dropped.
            let joined = unsafe { kr_str_concat(a, b) };
            // SAFETY: the caller gave us its reference to `a`.
            unsafe { super::release(a.cast()) };
            return joined;
        }
        let len = sa.len() + sb.len();
        // SAFETY: `a` is live and non-empty, so heap-allocated or immortal;
        // a count of one means only the caller's variable refers to it.
        unsafe {
            let unique = (*a).header.rc.load(std::sync::atomic::Ordering::Acquire) == 1;
            if unique && StrObj::capacity(a) >= len {
                let data = a.cast::<u8>().add(STR_DATA_OFFSET);
                std::ptr::copy_nonoverlapping(sb.as_ptr(), data.add(sa.len()), sb.len());
                (*a).len = len as u64;
                return a;
            }
        }
        let p = StrObj::alloc_with_room(len, 2 * len);
        // SAFETY: `p` has room for `len` bytes; `sa` stays readable until
        // `a` is released below.
        unsafe {
            let data = p.cast::<u8>().add(STR_DATA_OFFSET);
            std::ptr::copy_nonoverlapping(sa.as_ptr(), data, sa.len());
            std::ptr::copy_nonoverlapping(sb.as_ptr(), data.add(sa.len()), sb.len());
            super::release(a.cast());
        }
        p
    })
}

/// `a == b` on strings.
///
/// # Safety
/// `a` and `b` are null or live strings.
pub unsafe extern "C" fn kr_str_eq(a: *mut StrObj, b: *mut StrObj) -> bool {
    // SAFETY: live strings (caller's contract).
    a == b || unsafe { as_str(a) == as_str(b) }
}

/// Compares two strings by bytes: -1, 0 or 1.
///
/// # Safety
/// `a` and `b` are null or live strings.
pub unsafe extern "C" fn kr_str_cmp(a: *mut StrObj, b: *mut StrObj) -> i64 {
    // SAFETY: live strings (caller's contract).
    let (sa, sb) = unsafe { (as_str(a), as_str(b)) };
    sa.as_bytes().cmp(sb.as_bytes()) as i64
}

/// The quoted display form used inside containers, e.g. `"a\"b\n"`; see
/// [`write_debug_str`] for the escapes. A new string.
///
/// # Safety
/// `a` is null or a live string.
pub unsafe extern "C" fn kr_str_debug(a: *mut StrObj) -> *mut StrObj {
    guard(std::ptr::null_mut(), || {
        // SAFETY: live string (caller's contract).
        let s = unsafe { as_str(a) };
        let mut out = String::with_capacity(s.len() + 2);
        let _ = write_debug_str(&mut out, s);
        StrObj::new(&out)
    })
}

/// The display form of an int. A new string.
pub extern "C" fn kr_int_to_str(v: i64) -> *mut StrObj {
    guard(std::ptr::null_mut(), || {
        let mut buf = StackBuf::<24>::new();
        let _ = write!(buf, "{v}");
        StrObj::new(buf.as_str())
    })
}

/// The display form of a float (see
/// [`format_float`](super::display::format_float)). A new string.
pub extern "C" fn kr_float_to_str(v: f64) -> *mut StrObj {
    guard(std::ptr::null_mut(), || {
        // The longest form is about 25 bytes (e.g. -0.0000012345678901234567).
        let mut buf = StackBuf::<40>::new();
        let _ = write_float(&mut buf, v);
        StrObj::new(buf.as_str())
    })
}

/// `true` or `false`. A new string.
pub extern "C" fn kr_bool_to_str(v: bool) -> *mut StrObj {
    guard(std::ptr::null_mut(), || {
        StrObj::new(if v { "true" } else { "false" })
    })
}

/// `v.fixed(digits)`: `digits` decimal places, rounded (see
/// [`format_fixed`]). A negative `digits` panics with `NEGATIVE_DIGITS`;
/// more than [`MAX_FIXED_DIGITS`] panics with "number of digits too large".
/// A new string.
///
/// # Safety
/// `ctx` is the running task's context; `frame` is null or the frame
/// pointer of the calling JIT function.
pub unsafe extern "C" fn kr_float_fixed(
    ctx: *mut TaskCtx,
    v: f64,
    digits: i64,
    loc: i64,
    func: i64,
    frame: *const usize,
) -> *mut StrObj {
    let site = Site { loc, func, frame };
    if digits < 0 {
        // SAFETY: `ctx` is the running task's context.
        unsafe { panic_with_kind(ctx, panic_kind::NEGATIVE_DIGITS, digits, site) }
    }
    match usize::try_from(digits) {
        Ok(n) if n <= MAX_FIXED_DIGITS => guard(ctx, || StrObj::new(&format_fixed(v, n))),
        _ => {
            let message = format!("number of digits too large: {digits}");
            // SAFETY: `ctx` is the running task's context.
            unsafe { panic_with(ctx, message, site) }
        }
    }
}

/// The buffer of a string being built by interpolation: `kr_sb_new`, any
/// number of `kr_sb_push_*`, then `kr_sb_finish`, which frees it.
#[derive(Debug, Default)]
pub struct StrBuilder {
    buf: String,
}

/// Starts a string builder, owned by the caller until `kr_sb_finish`.
pub extern "C" fn kr_sb_new() -> *mut StrBuilder {
    guard(std::ptr::null_mut(), || {
        Box::into_raw(Box::new(StrBuilder {
            buf: String::with_capacity(64),
        }))
    })
}

/// Runs `f` on a live builder.
///
/// # Safety
/// `b` came from `kr_sb_new` and was not finished.
pub(crate) unsafe fn with_builder(b: *mut StrBuilder, f: impl FnOnce(&mut String)) {
    guard(std::ptr::null_mut(), || {
        // SAFETY: a live builder, used by one task at a time.
        let b = unsafe { &mut *b };
        f(&mut b.buf)
    })
}

/// Appends a string (as-is) to a builder.
///
/// # Safety
/// `b` is a live builder; `v` is null or a live string (borrowed).
pub unsafe extern "C" fn kr_sb_push_str(b: *mut StrBuilder, v: *mut StrObj) {
    // SAFETY: live builder and string (caller's contract).
    unsafe { with_builder(b, |buf| buf.push_str(as_str(v))) }
}

/// Appends the display form of an int to a builder.
///
/// # Safety
/// `b` is a live builder.
pub unsafe extern "C" fn kr_sb_push_int(b: *mut StrBuilder, v: i64) {
    // SAFETY: live builder (caller's contract).
    unsafe {
        with_builder(b, |buf| {
            let _ = write!(buf, "{v}");
        })
    }
}

/// Appends the display form of a float to a builder.
///
/// # Safety
/// `b` is a live builder.
pub unsafe extern "C" fn kr_sb_push_float(b: *mut StrBuilder, v: f64) {
    // SAFETY: live builder (caller's contract).
    unsafe {
        with_builder(b, |buf| {
            let _ = write_float(buf, v);
        })
    }
}

/// Appends `true` or `false` to a builder.
///
/// # Safety
/// `b` is a live builder.
pub unsafe extern "C" fn kr_sb_push_bool(b: *mut StrBuilder, v: bool) {
    // SAFETY: live builder (caller's contract).
    unsafe { with_builder(b, |buf| buf.push_str(if v { "true" } else { "false" })) }
}

/// Frees the builder and returns its text as a new string.
///
/// # Safety
/// `b` came from `kr_sb_new` and is not used again.
pub unsafe extern "C" fn kr_sb_finish(b: *mut StrBuilder) -> *mut StrObj {
    guard(std::ptr::null_mut(), || {
        // SAFETY: `b` came from `Box::into_raw` in `kr_sb_new` and is
        // finished once.
        let builder = unsafe { Box::from_raw(b) };
        StrObj::new(&builder.buf)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::live::THREAD_LIVE;
    use crate::value::IMMORTAL_RC;
    use std::sync::atomic::Ordering;

    fn live() -> i64 {
        THREAD_LIVE.with(|c| c.get())
    }

    fn rc(p: *mut StrObj) -> u64 {
        // SAFETY: test strings are live.
        unsafe { (*p).header.rc.load(Ordering::Relaxed) }
    }

    /// Takes an owned string: returns its text and releases it.
    fn take(p: *mut StrObj) -> String {
        // SAFETY: `p` is a live string owned by the test.
        unsafe {
            let s = as_str(p).to_string();
            kr_release(p);
            s
        }
    }

    #[test]
    fn retain_release_frees_exactly_once() {
        let before = live();
        let s = StrObj::new("hello");
        assert_eq!(live(), before + 1);
        assert_eq!(rc(s), 1);
        // SAFETY: `s` is live; each release drops a reference we own.
        unsafe {
            kr_retain(s);
            assert_eq!(rc(s), 2);
            kr_release(s);
            assert_eq!(live(), before + 1);
            assert_eq!(as_str(s), "hello");
            kr_release(s);
        }
        assert_eq!(live(), before);
        // SAFETY: null is documented to be ignored.
        unsafe {
            kr_retain(std::ptr::null_mut());
            kr_release(std::ptr::null_mut());
        }
    }

    /// A literal as the compiler emits it: static data, immortal count.
    #[repr(C, align(8))]
    struct Literal<const N: usize> {
        rc: u64,
        kind: u32,
        flags: u32,
        len: u64,
        bytes: [u8; N],
    }

    static LIT: Literal<5> = Literal {
        rc: IMMORTAL_RC,
        kind: kind::STR,
        flags: 0,
        len: 5,
        bytes: *b"hello",
    };

    #[test]
    fn immortal_literals_are_never_written_or_freed() {
        // The static has no interior mutability, so it sits in read-only
        // memory: any write through retain/release would crash the test.
        let p = std::ptr::addr_of!(LIT).cast::<StrObj>().cast_mut();
        let before = live();
        // SAFETY: `p` has the string layout.
        unsafe {
            assert_eq!(as_str(p), "hello");
            for _ in 0..3 {
                kr_retain(p);
                kr_release(p);
                kr_release(p);
            }
            assert_eq!(rc(p), IMMORTAL_RC);
            let q = StrObj::new("hello");
            assert!(kr_str_eq(p, q));
            assert_eq!(take(kr_str_concat(p, q)), "hellohello");
            kr_release(q);
        }
        assert_eq!(live(), before);
    }

    #[test]
    fn append_reuses_only_strings_nobody_else_holds() {
        let before = live();
        let tail = StrObj::new("cd");
        // SAFETY: all live; each `kr_str_append` takes the reference to its
        // first operand, as the variable it models gives it up.
        unsafe {
            // A copy with room to spare, then appends in place.
            let mut s = kr_str_append(StrObj::new("ab"), tail);
            assert_eq!(as_str(s), "abcd");
            let grown = s;
            s = kr_str_append(s, tail);
            assert_eq!((s, as_str(s)), (grown, "abcdcd"));
            // A second holder: the append copies, the holder keeps its text.
            kr_retain(s);
            let held = s;
            s = kr_str_append(s, tail);
            assert_ne!(s, held);
            assert_eq!((as_str(held), as_str(s)), ("abcdcd", "abcdcdcd"));
            kr_release(held);
            // Appending "" keeps the string; appending to "" shares the tail.
            s = kr_str_append(s, StrObj::empty());
            assert_eq!(as_str(s), "abcdcdcd");
            let shared = kr_str_append(StrObj::empty(), tail);
            assert_eq!((shared, rc(tail)), (tail, 2));
            kr_release(shared);
            kr_release(s);
            kr_release(tail);
        }
        assert_eq!(live(), before);
    }

    #[test]
    fn concat_eq_cmp_len() {
        let before = live();
        let a = StrObj::new("ab");
        let b = StrObj::new("abc");
        let e = StrObj::new("");
        // SAFETY: all live, owned by the test.
        unsafe {
            assert_eq!(take(kr_str_concat(a, b)), "ababc");
            // Concatenating with "" shares the other operand.
            let same = kr_str_concat(a, e);
            assert_eq!(same, a);
            assert_eq!(rc(a), 2);
            kr_release(same);
            assert_eq!(take(kr_str_concat(e, e)), "");
            assert!(kr_str_eq(a, a));
            assert!(!kr_str_eq(a, b));
            assert!(kr_str_eq(e, std::ptr::null_mut()));
            assert_eq!(kr_str_cmp(a, b), -1);
            assert_eq!(kr_str_cmp(b, a), 1);
            assert_eq!(kr_str_cmp(a, a), 0);
            let upper = StrObj::new("Z");
            assert_eq!(kr_str_cmp(upper, a), -1); // byte order: 'Z' < 'a'
            kr_release(upper);
            let accent = StrObj::new("é");
            assert_eq!(as_str(accent).len(), 2);
            kr_release(accent);
            assert_eq!(as_str(b).len(), 3);
            kr_release(a);
            kr_release(b);
            kr_release(e);
        }
        assert_eq!(live(), before);
    }

    #[test]
    fn scalar_to_str() {
        let before = live();
        assert_eq!(take(kr_int_to_str(-42)), "-42");
        assert_eq!(take(kr_int_to_str(i64::MIN)), "-9223372036854775808");
        assert_eq!(take(kr_float_to_str(1.0)), "1.0");
        assert_eq!(
            take(kr_float_to_str(-1.2345678901234568e-5)),
            "-0.000012345678901234568"
        );
        assert_eq!(take(kr_float_to_str(f64::MIN)), "-1.7976931348623157e308");
        assert_eq!(take(kr_bool_to_str(true)), "true");
        assert_eq!(take(kr_bool_to_str(false)), "false");
        let s = StrObj::new("a\"b\n");
        // SAFETY: `s` is live.
        unsafe {
            assert_eq!(take(kr_str_debug(s)), r#""a\"b\n""#);
            kr_release(s);
        }
        assert_eq!(live(), before);
    }

    #[test]
    fn builder() {
        let before = live();
        let name = StrObj::new("fib");
        // SAFETY: the builder is used once, `name` is live.
        unsafe {
            let b = kr_sb_new();
            kr_sb_push_str(b, name);
            kr_sb_push_str(b, StrObj::empty());
            kr_sb_push_int(b, 10);
            kr_sb_push_str(b, std::ptr::null_mut());
            kr_sb_push_float(b, 0.5);
            kr_sb_push_bool(b, true);
            kr_sb_push_float(b, 1e21);
            assert_eq!(take(kr_sb_finish(b)), "fib100.5true1e21");
            assert_eq!(take(kr_sb_finish(kr_sb_new())), "");
            kr_release(name);
        }
        assert_eq!(live(), before);
    }

    #[test]
    fn fixed_through_the_abi() {
        let before = live();
        // SAFETY: no panic is reached, so the null ctx is never used.
        unsafe {
            assert_eq!(
                take(kr_float_fixed(
                    std::ptr::null_mut(),
                    2.675,
                    2,
                    -1,
                    -1,
                    std::ptr::null()
                )),
                "2.67"
            );
            assert_eq!(
                take(kr_float_fixed(
                    std::ptr::null_mut(),
                    2.5,
                    0,
                    -1,
                    -1,
                    std::ptr::null()
                )),
                "3"
            );
        }
        assert_eq!(live(), before);
    }
}
