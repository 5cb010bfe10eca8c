//! Type descriptors: what the runtime needs to know about a value's type to
//! drop, copy, compare and display it.
//!
//! A [`TypeDesc`] is emitted by the compiler as static read-only data (one
//! per type used at runtime, shared by all values of that type), so it has
//! only plain fields and is never written or freed.
//!
//! # `TypeDesc` layout (the codegen relies on it)
//!
//! ```text
//! offset  size  field
//!      0     8  kind         u64                 one of [`desc_kind`]
//!      8     8  count        u64                 ARRAY, TASK, CHAN: 1; MAP: 2;
//!                                                TUPLE/STRUCT: fields; ENUM: variants;
//!                                                VARIANT: payload values; else 0
//!     16     8  children     *const *const TypeDesc
//!                                                ARRAY: [elem]; MAP: [key, value];
//!                                                TASK: [result]; CHAN: [elem];
//!                                                TUPLE/STRUCT: field types;
//!                                                ENUM: one VARIANT desc per variant, by
//!                                                tag; VARIANT: payload types
//!                                                (count entries); else null
//!     24     8  name         *const StrObj       STRUCT/ENUM: the type's name;
//!                                                VARIANT: the variant's name; else null
//!     32     8  field_names  *const *const StrObj
//!                                                STRUCT: field names (count entries); else null
//! ```
//!
//! Size 40, 8-aligned. Names are immortal string objects (literals).
//!
//! # Slots
//!
//! Records and arrays store their fields/elements in 8-byte *slots*. A slot
//! holds the 8-byte encoding of any value: an `int`'s bits, a `float`'s bits
//! (`f64::to_bits`), a `bool` as 0/1, unit as 0, or an object pointer for
//! `str`, arrays, tuples, structs, enums, maps and the handles (tasks,
//! channels, atomics). A slot that holds a heap value owns
//! one reference to it. A zero (null) heap slot is tolerated everywhere
//! (it is what a freshly allocated object holds before the caller fills
//! it) and reads as the empty value of its kind where that matters.
//!
//! # Object layouts that use descriptors
//!
//! Record (tuples and structs), kind [`super::kind::RECORD`] = 3:
//!
//! ```text
//!      0    16  header   ObjHeader (rc, kind = 3, flags = 0)
//!     16     8  desc     *const TypeDesc   the tuple's or struct's desc
//!     24  8*n   slots    u64 × desc.count  field i at 24 + 8*i
//! ```
//!
//! Array, kind [`super::kind::ARRAY`] = 2:
//!
//! ```text
//!      0    16  header   ObjHeader (rc, kind = 2, flags = 0)
//!     16     8  desc     *const TypeDesc   the array type's desc (kind ARRAY)
//!     24     8  len      u64               number of elements
//!     32     8  cap      u64               capacity of the buffer, in slots
//!     40     8  data     *mut u64          the element slots (null when cap = 0)
//! ```
//!
//! The elements live in a separate buffer so that growing an array never
//! moves the object itself.
//!
//! Enum value (user enums, `Option<T>`, `Result<T, E>`): a record object
//! (kind [`super::kind::RECORD`]) whose desc has kind [`desc_kind::ENUM`]:
//!
//! ```text
//!      0    16  header   ObjHeader (rc, kind = 3, flags = 0)
//!     16     8  desc     *const TypeDesc   the enum type's desc (kind ENUM)
//!     24     8  tag      u64               the variant, an index into desc.children
//!     32  8*n   payload  u64 × variant.count  payload value i at 32 + 8*i
//! ```
//!
//! So an enum object has `1 + variant.count` slots, slot 0 the tag, and
//! its size depends on its variant: readers take the count from the tag.
//! `Option<T>` is the enum `None` (tag 0), `Some(T)` (tag 1);
//! `Result<T, E>` is `Ok(T)` (tag 0), `Err(E)` (tag 1). The compiler
//! emits payload-less variants (`None`, `Shape::Empty`) as immortal
//! static objects.

use super::str::StrObj;

/// Values of [`TypeDesc::kind`].
pub mod desc_kind {
    /// `int`.
    pub const INT: u64 = 0;
    /// `float`.
    pub const FLOAT: u64 = 1;
    /// `bool`.
    pub const BOOL: u64 = 2;
    /// `()`.
    pub const UNIT: u64 = 3;
    /// `str`.
    pub const STR: u64 = 4;
    /// `[T]`: `children[0]` is `T`.
    pub const ARRAY: u64 = 5;
    /// `(A, B, ...)`: `children` are the field types.
    pub const TUPLE: u64 = 6;
    /// A user struct: `children` are the field types, `name` and
    /// `field_names` its names.
    pub const STRUCT: u64 = 7;
    /// An enum (user enums, `Option`, `Result`): `children` are one
    /// [`VARIANT`] descriptor per variant, in tag order; `name` is the
    /// type's name.
    pub const ENUM: u64 = 8;
    /// `Map<K, V>`: `children` are the key and value types (count 2).
    pub const MAP: u64 = 9;
    /// One variant of an enum (never the type of a value): `children` are
    /// its payload types, `name` is the variant's name.
    pub const VARIANT: u64 = 10;
    /// `task<T>`: `children[0]` is `T` (count 1). A shared handle: equal
    /// by identity, displayed `<task>`.
    pub const TASK: u64 = 11;
    /// `chan<T>`: `children[0]` is `T` (count 1). A shared handle: equal
    /// by identity, displayed `<chan>`.
    pub const CHAN: u64 = 12;
    /// `Atomic`: no children. A shared handle: equal by identity,
    /// displayed `atomic(5)` with its current value.
    pub const ATOMIC: u64 = 13;
    /// `fn(A) -> R`, a function value: a record (kind RECORD) whose slot 0
    /// is the address of its code (an INT child) and whose other slots are
    /// the captured values; `children` are the slot types (count of them).
    /// Equal by identity, displayed `<fn>`.
    pub const FN: u64 = 14;
}

/// A type descriptor; see the [module docs](self) for the layout.
#[repr(C)]
#[derive(Debug)]
pub struct TypeDesc {
    /// One of [`desc_kind`].
    pub kind: u64,
    /// ARRAY: 1; TUPLE/STRUCT: number of fields; ENUM: number of
    /// variants; VARIANT: number of payload values; otherwise 0.
    pub count: u64,
    /// `count` child descriptors (element type, field types, variants,
    /// payload types), or null.
    pub children: *const *const TypeDesc,
    /// STRUCT and ENUM: the type's name; VARIANT: the variant's name (an
    /// immortal string); otherwise null.
    pub name: *const StrObj,
    /// STRUCT: `count` field names (immortal strings); otherwise null.
    pub field_names: *const *const StrObj,
}

// SAFETY: descriptors are immutable static data; the pointers in them point
// to other immutable static data.
unsafe impl Sync for TypeDesc {}
// SAFETY: as above.
unsafe impl Send for TypeDesc {}

/// Byte offset of [`TypeDesc::kind`].
pub const DESC_KIND_OFFSET: usize = 0;
/// Byte offset of [`TypeDesc::count`].
pub const DESC_COUNT_OFFSET: usize = 8;
/// Byte offset of [`TypeDesc::children`].
pub const DESC_CHILDREN_OFFSET: usize = 16;
/// Byte offset of [`TypeDesc::name`].
pub const DESC_NAME_OFFSET: usize = 24;
/// Byte offset of [`TypeDesc::field_names`].
pub const DESC_FIELD_NAMES_OFFSET: usize = 32;
/// Size of a [`TypeDesc`].
pub const DESC_SIZE: usize = 40;

const _: () = {
    assert!(std::mem::offset_of!(TypeDesc, kind) == DESC_KIND_OFFSET);
    assert!(std::mem::offset_of!(TypeDesc, count) == DESC_COUNT_OFFSET);
    assert!(std::mem::offset_of!(TypeDesc, children) == DESC_CHILDREN_OFFSET);
    assert!(std::mem::offset_of!(TypeDesc, name) == DESC_NAME_OFFSET);
    assert!(std::mem::offset_of!(TypeDesc, field_names) == DESC_FIELD_NAMES_OFFSET);
    assert!(std::mem::size_of::<TypeDesc>() == DESC_SIZE);
};

impl TypeDesc {
    /// The number of children (`count`), as a `usize`; 0 when there is no
    /// children array.
    pub fn len(&self) -> usize {
        if self.children.is_null() {
            0
        } else {
            self.count as usize
        }
    }

    /// True when the descriptor has no children.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Child `i` (element or field type), or null when there is none.
    pub fn child(&self, i: usize) -> *const TypeDesc {
        if i >= self.len() {
            return std::ptr::null();
        }
        // SAFETY: `children` has `count` entries (descriptor invariant).
        unsafe { *self.children.add(i) }
    }

    /// The element type of an array descriptor (child 0), or null.
    pub fn elem(&self) -> *const TypeDesc {
        self.child(0)
    }

    /// The variant descriptor of `tag` in an enum descriptor, if there is
    /// one.
    pub fn variant(&self, tag: u64) -> Option<&TypeDesc> {
        let i = usize::try_from(tag).ok()?;
        // SAFETY: children are null or valid descriptors (static data).
        unsafe { self.child(i).as_ref() }
    }

    /// The name of a struct, enum or variant, or `""`.
    pub fn struct_name(&self) -> &str {
        // SAFETY: `name` is null or an immortal string.
        unsafe { super::str::as_str(self.name) }
    }

    /// The name of field `i` of a struct, or `""`.
    pub fn field_name(&self, i: usize) -> &str {
        if self.field_names.is_null() || i >= self.count as usize {
            return "";
        }
        // SAFETY: `field_names` has `count` entries, each null or an
        // immortal string.
        unsafe { super::str::as_str(*self.field_names.add(i)) }
    }
}

/// The descriptor behind `d`, or `None` for null.
///
/// # Safety
/// `d` is null or points to a valid descriptor (static data).
#[inline]
pub unsafe fn desc_ref<'a>(d: *const TypeDesc) -> Option<&'a TypeDesc> {
    // SAFETY: caller's contract.
    unsafe { d.as_ref() }
}

/// The kind of `d`, or `None` for a null descriptor.
///
/// # Safety
/// As [`desc_ref`].
#[inline]
pub unsafe fn kind_of(d: *const TypeDesc) -> Option<u64> {
    // SAFETY: caller's contract.
    unsafe { desc_ref(d) }.map(|d| d.kind)
}

/// True when values of type `d` are object pointers (own a reference when
/// stored in a slot). Null descriptors describe scalars.
///
/// # Safety
/// As [`desc_ref`].
#[inline]
pub unsafe fn is_heap(d: *const TypeDesc) -> bool {
    // SAFETY: caller's contract.
    matches!(
        unsafe { kind_of(d) },
        Some(
            desc_kind::STR
                | desc_kind::ARRAY
                | desc_kind::TUPLE
                | desc_kind::STRUCT
                | desc_kind::ENUM
                | desc_kind::MAP
                | desc_kind::FN
                | desc_kind::TASK
                | desc_kind::CHAN
                | desc_kind::ATOMIC
        )
    )
}

/// Adds a reference to the value `v` of type `d` if it is a heap value.
///
/// # Safety
/// `d` as [`desc_ref`]; `v` is a valid value of type `d`.
#[inline]
pub unsafe fn retain_value(v: u64, d: *const TypeDesc) {
    // SAFETY: caller's contract: a heap value is null or a live object.
    unsafe {
        if is_heap(d) {
            super::retain(v as usize as *const super::ObjHeader);
        }
    }
}

/// Drops a reference to the value `v` of type `d` if it is a heap value.
///
/// # Safety
/// `d` as [`desc_ref`]; `v` is a valid value of type `d` whose reference
/// the caller owns.
#[inline]
pub unsafe fn release_value(v: u64, d: *const TypeDesc) {
    // SAFETY: caller's contract.
    unsafe {
        if is_heap(d) {
            super::release(v as usize as *const super::ObjHeader);
        }
    }
}
