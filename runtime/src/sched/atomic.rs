//! Atomic counters (`atomic(n)`, kind ATOMIC): shared handles to one
//! `i64`, the only shared mutable values besides channels and tasks.
//!
//! ```text
//! offset  size  field
//!      0    16  header  ObjHeader (kind = 7)
//!     16     8  value   AtomicI64
//! ```
//!
//! Every operation is sequentially consistent: programs use these counters
//! to coordinate, and the cost difference is negligible next to a call.

use std::sync::atomic::{AtomicI64, Ordering};

use crate::ctx::TaskCtx;
use crate::panic::{guard, panic_with_kind, Site};
use crate::value::{kind, live, Obj, ObjHeader};

/// An atomic counter object. Only handled through raw pointers.
#[repr(C)]
pub struct AtomicObj {
    /// The common header (`kind` = [`kind::ATOMIC`]).
    pub header: ObjHeader,
    /// The current value.
    pub value: AtomicI64,
}

impl AtomicObj {
    /// Frees a counter whose count reached zero.
    ///
    /// # Safety
    /// `p` is a counter that nothing references any more.
    pub(crate) unsafe fn free(p: *mut AtomicObj) {
        // SAFETY: caller's contract; allocated by `kr_atomic_new`.
        drop(unsafe { Box::from_raw(p) });
        live::freed();
    }

    /// The value of the counter `p`.
    ///
    /// # Safety
    /// `p` is a live counter.
    pub(crate) unsafe fn get(p: *const Obj) -> i64 {
        // SAFETY: caller's contract.
        unsafe { (*p.cast::<AtomicObj>()).value.load(Ordering::SeqCst) }
    }
}

/// `atomic(v)`: a new counter holding `v` (count 1).
pub extern "C" fn kr_atomic_new(v: i64) -> *mut Obj {
    guard(std::ptr::null_mut(), || {
        live::allocated();
        Box::into_raw(Box::new(AtomicObj {
            header: ObjHeader::new(kind::ATOMIC),
            value: AtomicI64::new(v),
        }))
        .cast()
    })
}

/// `a.add(k)`: adds `k` and returns the new value. Overflow panics
/// "integer overflow" and leaves the counter unchanged.
///
/// # Safety
/// `ctx` is the running task's context; `a` a live counter.
pub unsafe extern "C" fn kr_atomic_add(
    ctx: *mut TaskCtx,
    a: *mut Obj,
    k: i64,
    loc: i64,
    func: i64,
    frame: *const usize,
) -> i64 {
    // SAFETY: caller's contract.
    let cell = unsafe { &(*a.cast::<AtomicObj>()).value };
    let mut old = cell.load(Ordering::SeqCst);
    loop {
        let Some(new) = old.checked_add(k) else {
            let site = Site { loc, func, frame };
            // SAFETY: `ctx` is the running task.
            unsafe { panic_with_kind(ctx, crate::abi::panic_kind::OVERFLOW, 0, site) }
        };
        match cell.compare_exchange_weak(old, new, Ordering::SeqCst, Ordering::SeqCst) {
            Ok(_) => return new,
            Err(now) => old = now,
        }
    }
}

/// `a.get()`.
///
/// # Safety
/// `a` is a live counter.
pub unsafe extern "C" fn kr_atomic_get(a: *mut Obj) -> i64 {
    // SAFETY: caller's contract.
    unsafe { AtomicObj::get(a) }
}

/// `a.set(v)`.
///
/// # Safety
/// `a` is a live counter.
pub unsafe extern "C" fn kr_atomic_set(a: *mut Obj, v: i64) {
    // SAFETY: caller's contract.
    unsafe { (*a.cast::<AtomicObj>()).value.store(v, Ordering::SeqCst) }
}

/// `a.cas(old, new)`: sets `new` if the value is `old`; says whether it
/// did.
///
/// # Safety
/// `a` is a live counter.
pub unsafe extern "C" fn kr_atomic_cas(a: *mut Obj, old: i64, new: i64) -> bool {
    // SAFETY: caller's contract.
    unsafe { &(*a.cast::<AtomicObj>()).value }
        .compare_exchange(old, new, Ordering::SeqCst, Ordering::SeqCst)
        .is_ok()
}
