//! Heap values: the object header every heap value starts with, reference
//! counting, and the per-kind drop dispatch.
//!
//! `int`, `float` and `bool` live in registers; every other Kriti value is
//! one pointer to a heap object that starts with an [`ObjHeader`]:
//!
//! ```text
//! offset  size  field
//!      0     8  rc     AtomicU64   reference count (>= IMMORTAL_RC: never freed)
//!      8     4  kind   u32         which object this is (see [`kind`])
//!     12     4  flags  u32         per-kind bits; 0 for strings
//!     16     …  the kind's own fields (for a string: len, then the bytes)
//! ```
//!
//! Objects are 8-byte aligned. The layout of each kind is documented in its
//! module ([`mod@str`] for strings, [`desc`] for arrays and records).
//!
//! **Invariant:** an object whose `rc` is at least [`IMMORTAL_RC`] is never
//! written to and never freed. The compiler emits string literals as static
//! data with that count, possibly in read-only memory, so [`retain`] and
//! [`release`] only *load* the count of such objects.
//!
//! **Invariant:** values never alias mutable memory, so no reference cycle can
//! form and reference counting reclaims everything. Mutation of a shared
//! object is copy-on-write: a count of 1 means the holder may write in place.
//!
//! Composite values (arrays, tuples, structs) carry a pointer to a static
//! [`desc::TypeDesc`] that says how to drop, copy, compare and display
//! them; see [`desc`] for their layouts and [`generic`] for the operations.

pub mod alloc;
pub mod array;
#[cfg(test)]
mod composite_tests;
pub mod desc;
pub mod display;
pub mod generic;
pub mod map;
pub mod record;
pub mod str;
pub mod strings;

use std::sync::atomic::{fence, AtomicU64, Ordering};

/// The reference count that marks an object as immortal (static data).
///
/// A count at or above this value is never changed: retain and release skip
/// the object. 2^62 leaves room below it for any real count (a program cannot
/// hold 2^62 references) and above it so that a stray increment can never
/// wrap an immortal object back into the mortal range.
pub const IMMORTAL_RC: u64 = 1 << 62;

/// Values of [`ObjHeader::kind`]: how to drop (and later display) an object.
pub mod kind {
    /// An immutable UTF-8 string ([`super::str::StrObj`]).
    pub const STR: u32 = 1;
    /// A growable array ([`super::array::ArrayObj`]).
    pub const ARRAY: u32 = 2;
    /// A tuple or struct ([`super::record::RecordObj`]).
    pub const RECORD: u32 = 3;
    /// A hash map ([`super::map::MapObj`]).
    pub const MAP: u32 = 4;
    /// A task handle ([`crate::sched::task::TaskObj`]).
    pub const TASK: u32 = 5;
    /// A channel ([`crate::sched::chan::ChanObj`]).
    pub const CHAN: u32 = 6;
    /// An atomic counter ([`crate::sched::atomic::AtomicObj`]).
    pub const ATOMIC: u32 = 7;
}

/// Any heap object, as the ABI passes it: a pointer to its header. The
/// header's `kind` says which object it is.
pub type Obj = ObjHeader;

/// The header at offset 0 of every heap object. See the [module
/// docs](self) for the layout.
#[repr(C)]
#[derive(Debug)]
pub struct ObjHeader {
    /// The reference count; [`IMMORTAL_RC`] or more for static objects.
    pub rc: AtomicU64,
    /// One of the [`kind`] constants.
    pub kind: u32,
    /// Per-kind flag bits (0 when unused).
    pub flags: u32,
}

const _: () = {
    assert!(std::mem::size_of::<ObjHeader>() == 16);
    assert!(std::mem::offset_of!(ObjHeader, rc) == 0);
    assert!(std::mem::offset_of!(ObjHeader, kind) == 8);
    assert!(std::mem::offset_of!(ObjHeader, flags) == 12);
};

impl ObjHeader {
    /// A header for a freshly allocated object, owned by its creator
    /// (count 1).
    pub const fn new(kind: u32) -> Self {
        Self {
            rc: AtomicU64::new(1),
            kind,
            flags: 0,
        }
    }

    /// A header for a static object that is never freed.
    pub const fn immortal(kind: u32) -> Self {
        Self {
            rc: AtomicU64::new(IMMORTAL_RC),
            kind,
            flags: 0,
        }
    }
}

/// Adds one reference to `p`. Null and immortal objects are left alone.
///
/// # Safety
/// `p` is null or points to a live object with a valid header.
#[inline]
pub unsafe fn retain(p: *const ObjHeader) {
    if p.is_null() {
        return;
    }
    // SAFETY: the caller guarantees `p` points to a live header.
    let rc = unsafe { &(*p).rc };
    // Loading first keeps us from ever writing to an immortal object, which
    // may sit in read-only memory.
    if rc.load(Ordering::Relaxed) >= IMMORTAL_RC {
        return;
    }
    // Relaxed is enough for an increment: the caller already holds a
    // reference, so the object cannot be freed concurrently (as in `Arc`).
    rc.fetch_add(1, Ordering::Relaxed);
}

/// Drops one reference to the live, non-null object `p` and says whether it
/// was the last one (immortal objects never are).
///
/// # Safety
/// `p` points to a live object with a valid header, and the caller owns
/// one reference to it, which this call consumes.
#[inline]
unsafe fn drop_ref(p: *const ObjHeader) -> bool {
    // SAFETY: the caller guarantees `p` points to a live header.
    let rc = unsafe { &(*p).rc };
    // Acquire: if this is the last reference, every other holder's writes
    // (published by their release decrements) happen before the free.
    let count = rc.load(Ordering::Acquire);
    if count >= IMMORTAL_RC {
        return false;
    }
    debug_assert!(count != 0, "release of a freed object");
    if count == 1 {
        // We hold the only reference, so no other thread can change the
        // count (it would need a reference to do so): the object is ours
        // to free, with no atomic read-modify-write.
        return true;
    }
    // Release ordering publishes our writes to whoever frees the object; the
    // acquire fence makes every other holder's writes visible to the
    // freeing thread (the `Arc` protocol).
    if rc.fetch_sub(1, Ordering::Release) == 1 {
        fence(Ordering::Acquire);
        return true;
    }
    false
}

/// Drops one reference to `p`, freeing the object when it was the last one.
/// Null and immortal objects are left alone.
///
/// # Safety
/// `p` is null or points to a live object with a valid header, and the
/// caller owns one reference to it, which this call consumes.
#[inline]
pub unsafe fn release(p: *const ObjHeader) {
    if p.is_null() {
        return;
    }
    // SAFETY: as this function's contract.
    if unsafe { drop_ref(p) } {
        // SAFETY: the count reached zero, so we hold the only reference.
        unsafe { free_object(p.cast_mut()) }
    }
}

/// Frees an object whose count has reached zero, according to its kind,
/// and with it every child whose count drops to zero in turn.
///
/// The walk is iterative (a worklist on the heap), so freeing a deeply
/// nested value never recurses on the task stack.
///
/// # Safety
/// `p` points to a mortal object that nothing references any more.
#[cold]
unsafe fn free_object(p: *mut ObjHeader) {
    // `Vec::new` does not allocate until something is pushed.
    let mut pending: Vec<*mut ObjHeader> = Vec::new();
    let mut next = Some(p);
    while let Some(p) = next {
        // SAFETY: every object on the worklist reached count zero.
        unsafe { free_one(p, &mut pending) };
        next = pending.pop();
    }
}

/// Frees one object whose count reached zero, dropping one reference to
/// each of its heap children; children that reach zero go on `pending`.
///
/// # Safety
/// As [`free_object`].
unsafe fn free_one(p: *mut ObjHeader, pending: &mut Vec<*mut ObjHeader>) {
    // SAFETY: `p` is live until we free it below.
    let kind = unsafe { (*p).kind };
    let mut drop_child = |child: u64| {
        // SAFETY: a heap slot owns one reference to a live object (or is
        // null).
        unsafe { release_deferred(child as usize as *mut ObjHeader, pending) }
    };
    match kind {
        // SAFETY: the kind says this is a heap-allocated string.
        kind::STR => unsafe { str::StrObj::free(p.cast()) },
        // SAFETY: the kind says this is a heap-allocated array.
        kind::ARRAY => unsafe { array::ArrayObj::free(p.cast(), &mut drop_child) },
        // SAFETY: the kind says this is a heap-allocated record.
        kind::RECORD => unsafe { record::RecordObj::free(p.cast(), &mut drop_child) },
        // SAFETY: the kind says this is a heap-allocated map.
        kind::MAP => unsafe { map::MapObj::free(p.cast(), &mut drop_child) },
        // SAFETY: the kind says this is a task object.
        kind::TASK => unsafe { crate::sched::task::TaskObj::free(p.cast(), &mut drop_child) },
        // SAFETY: the kind says this is a channel.
        kind::CHAN => unsafe { crate::sched::chan::ChanObj::free(p.cast(), &mut drop_child) },
        // SAFETY: the kind says this is an atomic counter.
        kind::ATOMIC => unsafe { crate::sched::atomic::AtomicObj::free(p.cast()) },
        // An unknown kind is a runtime bug. Leaking is the only safe choice:
        // we do not know the object's size.
        _ => debug_assert!(false, "free of an object of unknown kind {kind}"),
    }
}

/// [`release`] for the children of an object being freed: an object whose
/// count reaches zero is queued on `pending` instead of freed right away.
///
/// # Safety
/// As [`release`].
unsafe fn release_deferred(p: *mut ObjHeader, pending: &mut Vec<*mut ObjHeader>) {
    if p.is_null() {
        return;
    }
    // SAFETY: as this function's contract.
    if unsafe { drop_ref(p) } {
        pending.push(p);
    }
}

/// Debug-build accounting of live heap objects, for leak tests.
pub(crate) mod live {
    #[cfg(debug_assertions)]
    static LIVE: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(0);

    #[cfg(test)]
    thread_local! {
        /// Per-thread count, so that tests running in parallel do not see
        /// each other's objects.
        pub(crate) static THREAD_LIVE: std::cell::Cell<i64> = const { std::cell::Cell::new(0) };
    }

    /// Records that an object was allocated.
    #[inline]
    pub(crate) fn allocated() {
        #[cfg(debug_assertions)]
        LIVE.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        #[cfg(test)]
        THREAD_LIVE.with(|c| c.set(c.get() + 1));
    }

    /// Records that an object was freed.
    #[inline]
    pub(crate) fn freed() {
        #[cfg(debug_assertions)]
        LIVE.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
        #[cfg(test)]
        THREAD_LIVE.with(|c| c.set(c.get() - 1));
    }

    /// See [`super::live_objects`].
    pub(crate) fn count() -> Option<i64> {
        #[cfg(debug_assertions)]
        return Some(LIVE.load(std::sync::atomic::Ordering::Relaxed));
        #[cfg(not(debug_assertions))]
        return None;
    }
}

/// The number of heap objects allocated and not yet freed, process-wide, in
/// debug builds (`None` in release builds, which do not count). Immortal
/// objects are not counted. Meant for leak checks in tests.
pub fn live_objects() -> Option<i64> {
    live::count()
}
