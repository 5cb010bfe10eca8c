//! Records: tuples, structs and enum values, a fixed number of 8-byte
//! slots after a descriptor pointer. See [`super::desc`] for the layout and
//! the slot encoding. A tuple or struct has `desc.count` slots; an enum
//! value (desc kind ENUM) has its tag in slot 0 and its variant's payload
//! after it, `1 + variant.count` slots. Also [`kr_make_unique`],
//! copy-on-write for every kind.

use std::alloc::Layout;

use super::alloc as small;
use super::array::ArrayObj;
use super::desc::{desc_kind, desc_ref, retain_value, TypeDesc};
use super::{kind, live, release, Obj, ObjHeader};
use crate::panic::guard;

/// Byte offset of the descriptor pointer in a record.
pub const RECORD_DESC_OFFSET: usize = 16;
/// Byte offset of slot 0 in a record; slot `i` is at `24 + 8 * i`.
pub const RECORD_SLOTS_OFFSET: usize = 24;

/// A tuple, struct or enum object. Only ever handled through raw pointers.
#[repr(C)]
pub struct RecordObj {
    /// The common header (`kind` = [`kind::RECORD`]).
    pub header: ObjHeader,
    /// The tuple's, struct's or enum's descriptor; it says the slot count
    /// (for an enum, with the tag in slot 0).
    pub desc: *const TypeDesc,
    /// The slots start here.
    slots: [u64; 0],
}

const _: () = {
    assert!(std::mem::offset_of!(RecordObj, desc) == RECORD_DESC_OFFSET);
    assert!(std::mem::offset_of!(RecordObj, slots) == RECORD_SLOTS_OFFSET);
    assert!(std::mem::align_of::<RecordObj>() == 8);
};

/// The number of slots of a tuple or struct of type `desc` (0 for null).
/// Not for enums, whose size depends on the variant.
///
/// # Safety
/// `desc` is null or a valid descriptor.
unsafe fn slot_count(desc: *const TypeDesc) -> usize {
    // SAFETY: caller's contract.
    unsafe { desc_ref(desc) }.map_or(0, |d| d.count as usize)
}

/// The number of slots of an enum value of type `desc` with variant `tag`:
/// the tag and the payload.
fn enum_slot_count(desc: &TypeDesc, tag: u64) -> usize {
    1 + desc.variant(tag).map_or(0, |v| v.count as usize)
}

impl RecordObj {
    /// The size in bytes of a record with `count` slots.
    fn size(count: usize) -> usize {
        count
            .checked_mul(8)
            .and_then(|n| n.checked_add(RECORD_SLOTS_OFFSET))
            .filter(|&size| Layout::from_size_align(size, 16).is_ok())
            .expect("record too large")
    }

    /// A new tuple or struct of type `desc` with count 1 and zeroed
    /// slots.
    ///
    /// # Safety
    /// `desc` is null or a valid tuple or struct descriptor that outlives
    /// the record.
    pub unsafe fn alloc(desc: *const TypeDesc) -> *mut RecordObj {
        // SAFETY: caller's contract.
        unsafe { Self::alloc_slots(desc, slot_count(desc)) }
    }

    /// A new enum value of type `desc` (kind ENUM), variant `tag`, with
    /// count 1 and zeroed payload slots.
    ///
    /// # Safety
    /// `desc` is a valid enum descriptor that outlives the record.
    pub unsafe fn alloc_enum(desc: *const TypeDesc, tag: u64) -> *mut RecordObj {
        // SAFETY: caller's contract.
        let count = unsafe { desc_ref(desc) }.map_or(1, |d| enum_slot_count(d, tag));
        // SAFETY: as above; the record has at least the tag's slot.
        unsafe {
            let p = Self::alloc_slots(desc, count);
            Self::slots(p)[0] = tag;
            p
        }
    }

    /// A new record of type `desc` with `count` zeroed slots.
    ///
    /// # Safety
    /// As [`RecordObj::alloc`]; for an enum desc, slot 0 must be given the
    /// tag whose variant has `count - 1` payload values before the record
    /// is used.
    unsafe fn alloc_slots(desc: *const TypeDesc, count: usize) -> *mut RecordObj {
        let size = Self::size(count);
        // SAFETY: the size is nonzero (at least the header).
        let p = unsafe { small::alloc(size) }.cast::<RecordObj>();
        // SAFETY: `p` is freshly allocated with room for a `RecordObj` and
        // `count` slots.
        unsafe {
            p.write(RecordObj {
                header: ObjHeader::new(kind::RECORD),
                desc,
                slots: [],
            });
            let slots = p.cast::<u8>().add(RECORD_SLOTS_OFFSET).cast::<u64>();
            // Records are small: plain stores beat a call of `memset`.
            if count <= 4 {
                for i in 0..count {
                    slots.add(i).write_volatile(0);
                }
            } else {
                std::ptr::write_bytes(slots, 0, count);
            }
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
        // SAFETY: a live record has `desc.count` slots after the header,
        // or for an enum value, its tag and its variant's payload.
        unsafe {
            let data = p.cast::<u8>().add(RECORD_SLOTS_OFFSET).cast::<u64>();
            let count = match desc_ref((*p).desc) {
                Some(d) if d.kind == desc_kind::ENUM => enum_slot_count(d, *data),
                _ => slot_count((*p).desc),
            };
            std::slice::from_raw_parts_mut(data, count)
        }
    }

    /// The type of the value in slot `i` of a record of type `desc` whose
    /// slot 0 holds `first` (an enum's tag): for a tuple or struct, field
    /// `i`; for an enum, null (a scalar) for the tag and payload `i - 1` of
    /// the variant after it.
    ///
    /// # Safety
    /// `desc` is null or a valid descriptor.
    pub unsafe fn slot_desc(desc: *const TypeDesc, first: u64, i: usize) -> *const TypeDesc {
        // SAFETY: caller's contract.
        match unsafe { desc_ref(desc) } {
            Some(d) if d.kind == desc_kind::ENUM => match (i, d.variant(first)) {
                (0, _) | (_, None) => std::ptr::null(),
                (i, Some(v)) => v.child(i - 1),
            },
            Some(d) => d.child(i),
            None => std::ptr::null(),
        }
    }

    /// The first `count` slots of record `p` (before an enum's tag is set).
    ///
    /// # Safety
    /// `p` is a live record with at least `count` slots.
    unsafe fn slots_n<'a>(p: *mut RecordObj, count: usize) -> &'a mut [u64] {
        // SAFETY: caller's contract.
        unsafe {
            let data = p.cast::<u8>().add(RECORD_SLOTS_OFFSET).cast::<u64>();
            std::slice::from_raw_parts_mut(data, count)
        }
    }

    /// Frees a record whose count reached zero, handing each heap slot to
    /// `drop_child` (which drops the reference it owns).
    ///
    /// # Safety
    /// `p` is a heap-allocated record that nothing references any more.
    pub(crate) unsafe fn free(p: *mut RecordObj, mut drop_child: impl FnMut(u64)) {
        // SAFETY: `p` is live until the dealloc below.
        unsafe {
            let data = p.cast::<u8>().add(RECORD_SLOTS_OFFSET).cast::<u64>();
            // The types of the slots from `skip` on are `fields`' entries:
            // a struct's or tuple's fields, or an enum variant's payload
            // (after the tag). Looked up once, not once per slot.
            let (fields, skip) = match desc_ref((*p).desc) {
                Some(d) if d.kind == desc_kind::ENUM => (d.variant(*data), 1),
                d => (d, 0),
            };
            let count = skip + fields.map_or(0, |f| f.count as usize);
            if let Some(fields) = fields {
                for i in skip..count {
                    if super::desc::is_heap(fields.child(i - skip)) {
                        drop_child(*data.add(i));
                    }
                }
            }
            small::free(p.cast(), Self::size(count));
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
            let from = Self::slots(p);
            let q = Self::alloc_slots(desc, from.len());
            let to = Self::slots_n(q, from.len());
            to.copy_from_slice(from);
            let first = from.first().copied().unwrap_or(0);
            for (i, &v) in from.iter().enumerate() {
                retain_value(v, Self::slot_desc(desc, first, i));
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

/// A new enum value of type `desc` (kind ENUM), variant `tag`, count 1,
/// payload slots zeroed: the caller stores an owned value into each
/// payload slot (slot `1 + i` for payload `i`).
///
/// # Safety
/// `desc` is a valid enum descriptor (static data) and `tag` one of its
/// variants.
pub unsafe extern "C" fn kr_enum_new(desc: *const TypeDesc, tag: i64) -> *mut Obj {
    // SAFETY: caller's contract.
    guard(std::ptr::null_mut(), || {
        unsafe { RecordObj::alloc_enum(desc, tag as u64) }.cast()
    })
}

/// A new `Some(v)` (or any variant `tag` with one payload value) of the
/// enum type `desc`, taking over the reference `v` owns.
///
/// # Safety
/// `desc` is a valid enum descriptor whose variant `tag` has one payload
/// value, of which `v` is an owned value.
pub(crate) unsafe fn enum_with(desc: *const TypeDesc, tag: u64, v: u64) -> *mut Obj {
    // SAFETY: caller's contract.
    unsafe {
        let p = RecordObj::alloc_enum(desc, tag);
        if let Some(slot) = RecordObj::slots(p).get_mut(1) {
            *slot = v;
        }
        p.cast()
    }
}

/// A new payload-less variant `tag` (`None`) of the enum type `desc`.
///
/// # Safety
/// `desc` is a valid enum descriptor.
pub(crate) unsafe fn enum_unit(desc: *const TypeDesc, tag: u64) -> *mut Obj {
    // SAFETY: caller's contract.
    unsafe { RecordObj::alloc_enum(desc, tag) }.cast()
}

/// The tag of `Option::None`; `Some` is 1.
pub const NONE_TAG: u64 = 0;
/// The tag of `Option::Some`.
pub const SOME_TAG: u64 = 1;

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
                kind::MAP => super::map::MapObj::shallow_copy(p.cast()).cast(),
                // Strings (and anything immutable) are shared as they are.
                _ => return p,
            }
        };
        // SAFETY: we own the reference the caller handed us.
        unsafe { release(p) };
        copy
    })
}

/// [`kr_make_unique`] of the object stored at `slot`, storing the result
/// back: the work behind [`kr_make_unique_at_preserve_all`].
///
/// # Safety
/// `slot` points to a slot holding a live object (or null) that the slot
/// owns a reference to.
pub unsafe extern "C" fn kr_make_unique_at(slot: *mut *mut Obj) {
    // SAFETY: caller's contract; the slot's reference is handed over and
    // replaced by the returned one.
    unsafe { *slot = kr_make_unique(*slot) }
}

crate::preserve_all::preserve_all!(
    /// [`kr_make_unique_at`], preserving every register: generated code
    /// calls it on the cold copy-on-write path inside loops.
    kr_make_unique_at_preserve_all(slot: *mut *mut Obj) => kr_make_unique_at
);
