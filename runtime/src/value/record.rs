//! Records: tuples and structs, a fixed number of 8-byte slots after a
//! descriptor pointer. See [`super::desc`] for the layout and the slot
//! encoding. Also [`kr_make_unique`], copy-on-write for every kind.

use std::alloc::{self, Layout};

use super::array::ArrayObj;
use super::desc::{desc_ref, retain_value, TypeDesc};
use super::{kind, live, release, Obj, ObjHeader};
use crate::panic::guard;

/// Byte offset of the descriptor pointer in a record.
pub const RECORD_DESC_OFFSET: usize = 16;
/// Byte offset of slot 0 in a record; slot `i` is at `24 + 8 * i`.
pub const RECORD_SLOTS_OFFSET: usize = 24;

/// A tuple or struct object. Only ever handled through raw pointers.
#[repr(C)]
pub struct RecordObj {
    /// The common header (`kind` = [`kind::RECORD`]).
    pub header: ObjHeader,
    /// The tuple's or struct's descriptor; its `count` is the slot count.
    pub desc: *const TypeDesc,
    /// The slots start here.
    slots: [u64; 0],
}

const _: () = {
    assert!(std::mem::offset_of!(RecordObj, desc) == RECORD_DESC_OFFSET);
    assert!(std::mem::offset_of!(RecordObj, slots) == RECORD_SLOTS_OFFSET);
    assert!(std::mem::align_of::<RecordObj>() == 8);
};

/// The number of slots of a record of type `desc` (0 for null).
///
/// # Safety
/// `desc` is null or a valid descriptor.
unsafe fn slot_count(desc: *const TypeDesc) -> usize {
    // SAFETY: caller's contract.
    unsafe { desc_ref(desc) }.map_or(0, |d| d.count as usize)
}

impl RecordObj {
    fn layout(count: usize) -> Layout {
        count
            .checked_mul(8)
            .and_then(|n| n.checked_add(RECORD_SLOTS_OFFSET))
            .and_then(|size| Layout::from_size_align(size, 8).ok())
            .expect("record too large")
    }

    /// A new record of type `desc` with count 1 and zeroed slots.
    ///
    /// # Safety
    /// `desc` is null or a valid descriptor that outlives the record.
    pub unsafe fn alloc(desc: *const TypeDesc) -> *mut RecordObj {
        // SAFETY: caller's contract.
        let count = unsafe { slot_count(desc) };
        let layout = Self::layout(count);
        // SAFETY: the layout has a nonzero size (at least the header).
        let p = unsafe { alloc::alloc_zeroed(layout) }.cast::<RecordObj>();
        if p.is_null() {
            alloc::handle_alloc_error(layout);
        }
        // SAFETY: `p` is freshly allocated with room for a `RecordObj`.
        unsafe {
            p.write(RecordObj {
                header: ObjHeader::new(kind::RECORD),
                desc,
                slots: [],
            });
        }
        live::allocated();
        p
    }

    /// The slots of record `p`.
    ///
    /// # Safety
    /// `p` is a live record, not written through another path while the
    /// slice is in use.
    pub unsafe fn slots<'a>(p: *mut RecordObj) -> &'a mut [u64] {
        // SAFETY: a live record has `desc.count` slots after the header.
        unsafe {
            let count = slot_count((*p).desc);
            let data = p.cast::<u8>().add(RECORD_SLOTS_OFFSET).cast::<u64>();
            std::slice::from_raw_parts_mut(data, count)
        }
    }

    /// Frees a record whose count reached zero, handing each heap slot to
    /// `drop_child` (which drops the reference it owns).
    ///
    /// # Safety
    /// `p` is a heap-allocated record that nothing references any more.
    pub(crate) unsafe fn free(p: *mut RecordObj, drop_child: &mut dyn FnMut(u64)) {
        // SAFETY: `p` is live until the dealloc below.
        unsafe {
            let desc = (*p).desc;
            let slots = Self::slots(p);
            if let Some(d) = desc_ref(desc) {
                for (i, &v) in slots.iter().enumerate() {
                    if super::desc::is_heap(d.child(i)) {
                        drop_child(v);
                    }
                }
            }
            let count = slots.len();
            alloc::dealloc(p.cast(), Self::layout(count));
        }
        live::freed();
    }

    /// A copy of record `p` with count 1: same descriptor, same slots, each
    /// heap child retained.
    ///
    /// # Safety
    /// `p` is a live record.
    pub unsafe fn shallow_copy(p: *mut RecordObj) -> *mut RecordObj {
        // SAFETY: `p` is live; the copy has the same slot count.
        unsafe {
            let desc = (*p).desc;
            let q = Self::alloc(desc);
            let from = Self::slots(p);
            let to = Self::slots(q);
            to.copy_from_slice(from);
            if let Some(d) = desc_ref(desc) {
                for (i, &v) in from.iter().enumerate() {
                    retain_value(v, d.child(i));
                }
            }
            q
        }
    }
}

/// A new tuple or struct of type `desc`, count 1, slots zeroed: the caller
/// stores an owned value into each slot.
///
/// # Safety
/// `desc` is a valid descriptor (static data).
pub unsafe extern "C" fn kr_record_new(desc: *const TypeDesc) -> *mut Obj {
    // SAFETY: caller's contract.
    guard(std::ptr::null_mut(), || {
        unsafe { RecordObj::alloc(desc) }.cast()
    })
}

/// Copy-on-write: consumes one reference to `p` and returns an object with
/// count 1 holding the same value — `p` itself when the caller held the
/// only reference, otherwise a shallow copy (the same slots or elements,
/// each heap child retained) after dropping the caller's reference to `p`.
/// Strings are immutable and returned as they are; null returns null.
///
/// # Safety
/// `p` is null or a live object the caller owns a reference to.
pub unsafe extern "C" fn kr_make_unique(p: *mut Obj) -> *mut Obj {
    if p.is_null() {
        return p;
    }
    // SAFETY: `p` is live (caller's contract). Acquire pairs with the
    // release decrements of other holders, so their reads of the old value
    // happen before our writes.
    let (rc, kind) = unsafe {
        (
            (*p).rc.load(std::sync::atomic::Ordering::Acquire),
            (*p).kind,
        )
    };
    if rc == 1 {
        return p;
    }
    guard(std::ptr::null_mut(), || {
        // SAFETY: `p` is live, of the kind its header says.
        let copy: *mut Obj = unsafe {
            match kind {
                kind::RECORD => RecordObj::shallow_copy(p.cast()).cast(),
                kind::ARRAY => ArrayObj::shallow_copy(p.cast()).cast(),
                // Strings (and anything immutable) are shared as they are.
                _ => return p,
            }
        };
        // SAFETY: we own the reference the caller handed us.
        unsafe { release(p) };
        copy
    })
}
