//! Maps: `Map<K, V>`, a hash map that iterates in insertion order.
//!
//! A map object is `[header][desc @16][state @24]`: `desc` is the map
//! type's descriptor (kind MAP, children `[K, V]`) and `state` a
//! Rust-allocated [`MapState`] owned by the object. Keys are `int`,
//! `str`, `bool` or tuples of them (the checker enforces it), hashed
//! structurally through their descriptor ([`hash_key`]) and compared with
//! [`values_eq`].
//!
//! [`MapState`] keeps its entries in a vector in insertion order; a
//! removed entry leaves a hole (`None`) that later compactions squeeze
//! out, so iteration order never changes except by removal. An
//! open-addressing table (linear probing, power-of-two size, at most half
//! full) maps hashes to entry positions.
//!
//! # Ownership
//!
//! As for arrays: maps are borrowed; `kr_map_insert` and `kr_map_remove`
//! need a map the caller made unique ([`super::record::kr_make_unique`]);
//! `kr_map_insert` consumes its key and value; every other key argument is
//! borrowed; returned values are owned.

use std::hash::{Hash, Hasher};

use super::array::{or_panic, ArrayObj};
use super::desc::{desc_kind, desc_ref, is_heap, release_value, retain_value, TypeDesc};
use super::generic::{display, values_eq};
use super::record::{enum_unit, enum_with, RecordObj, NONE_TAG, SOME_TAG};
use super::str::as_str;
use super::{kind, live, Obj, ObjHeader};
use crate::ctx::TaskCtx;
use crate::panic::{guard, Site};

/// Byte offset of the descriptor pointer in a map.
pub const MAP_DESC_OFFSET: usize = 16;
/// Byte offset of the state pointer in a map.
pub const MAP_STATE_OFFSET: usize = 24;

/// A map object. Only ever handled through raw pointers.
#[repr(C)]
pub struct MapObj {
    /// The common header (`kind` = [`kind::MAP`]).
    pub header: ObjHeader,
    /// The map type's descriptor (kind MAP; children key, value).
    pub desc: *const TypeDesc,
    /// The entries; never null for a map made by [`MapObj::alloc`].
    pub state: *mut MapState,
}

const _: () = {
    assert!(std::mem::offset_of!(MapObj, desc) == MAP_DESC_OFFSET);
    assert!(std::mem::offset_of!(MapObj, state) == MAP_STATE_OFFSET);
};

/// One key and its value (slots, each owning its reference).
#[derive(Clone, Copy, Debug)]
struct Entry {
    key: u64,
    value: u64,
    hash: u64,
}

/// An index slot that never held an entry.
const EMPTY: u32 = u32::MAX;
/// An index slot whose entry was removed.
const DELETED: u32 = u32::MAX - 1;

/// The entries of a map in insertion order and their hash index.
#[derive(Debug, Default)]
pub struct MapState {
    entries: Vec<Option<Entry>>,
    live: usize,
    index: Vec<u32>,
    /// Index slots that are not [`EMPTY`].
    used: usize,
}

/// The structural hash of key `v` of type `kd`.
///
/// # Safety
/// `kd` is null or a valid descriptor; `v` a valid value of its type.
pub unsafe fn hash_key(v: u64, kd: *const TypeDesc) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    // SAFETY: caller's contract.
    unsafe { hash_into(&mut h, v, kd) };
    h.finish()
}

/// Feeds key `v` into `h`. Keys nest only as deep as their type (tuples
/// of scalars and strings), so the recursion is bounded by the program.
///
/// # Safety
/// As [`hash_key`].
unsafe fn hash_into(h: &mut impl Hasher, v: u64, kd: *const TypeDesc) {
    // SAFETY: caller's contract.
    unsafe {
        match desc_ref(kd).map(|d| (d.kind, d)) {
            Some((desc_kind::STR, _)) => as_str(v as usize as *const _).hash(h),
            Some((desc_kind::BOOL, _)) => (v != 0).hash(h),
            Some((desc_kind::TUPLE | desc_kind::STRUCT, d)) => {
                let p = v as usize as *mut RecordObj;
                let slots: &[u64] = if p.is_null() {
                    &[]
                } else {
                    RecordObj::slots(p)
                };
                for (i, &x) in slots.iter().enumerate() {
                    hash_into(h, x, d.child(i));
                }
            }
            _ => v.hash(h),
        }
    }
}

impl MapState {
    /// The number of entries.
    pub fn len(&self) -> usize {
        self.live
    }

    /// True when the map has no entries.
    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// The entries in insertion order, as (key, value).
    pub fn iter(&self) -> impl Iterator<Item = (u64, u64)> + '_ {
        self.entries.iter().flatten().map(|e| (e.key, e.value))
    }

    /// The index slot and entry position of `key`, if present.
    ///
    /// # Safety
    /// `kd` is the key descriptor; `key` a valid key.
    unsafe fn probe(&self, key: u64, hash: u64, kd: *const TypeDesc) -> Option<(usize, usize)> {
        if self.index.is_empty() {
            return None;
        }
        let mask = self.index.len() - 1;
        let mut i = hash as usize & mask;
        loop {
            match self.index[i] {
                EMPTY => return None,
                DELETED => {}
                e => {
                    if let Some(entry) = &self.entries[e as usize] {
                        // SAFETY: caller's contract.
                        if entry.hash == hash && unsafe { values_eq(entry.key, key, kd) } {
                            return Some((i, e as usize));
                        }
                    }
                }
            }
            i = (i + 1) & mask;
        }
    }

    /// The value stored under `key` (borrowed), if any.
    ///
    /// # Safety
    /// As [`MapState::probe`].
    pub unsafe fn get(&self, key: u64, kd: *const TypeDesc) -> Option<u64> {
        // SAFETY: caller's contract.
        unsafe {
            let h = hash_key(key, kd);
            self.probe(key, h, kd)
                .and_then(|(_, e)| self.entries[e].map(|e| e.value))
        }
    }

    /// Puts entry position `e` (hash `hash`) in the first free index slot.
    fn place(&mut self, hash: u64, e: usize) {
        let mask = self.index.len() - 1;
        let mut i = hash as usize & mask;
        loop {
            match self.index[i] {
                EMPTY => {
                    self.used += 1;
                    break;
                }
                DELETED => break,
                _ => i = (i + 1) & mask,
            }
        }
        self.index[i] = e as u32;
    }

    /// Squeezes out removed entries and rebuilds the index with `cap`
    /// slots (a power of two, more than twice the entries).
    fn rebuild(&mut self, cap: usize) {
        self.entries.retain(Option::is_some);
        self.index = vec![EMPTY; cap];
        self.used = 0;
        for i in 0..self.entries.len() {
            if let Some(e) = self.entries[i] {
                self.place(e.hash, i);
            }
        }
    }

    /// Inserts or replaces; consumes `key` and `value` (the key is released
    /// when an equal one is already there, as is the replaced value).
    ///
    /// # Safety
    /// `kd`/`vd` are the key and value descriptors; `key` and `value`
    /// owned values of those types.
    pub unsafe fn insert(
        &mut self,
        key: u64,
        value: u64,
        kd: *const TypeDesc,
        vd: *const TypeDesc,
    ) {
        // SAFETY: caller's contract.
        unsafe {
            let h = hash_key(key, kd);
            if let Some((_, e)) = self.probe(key, h, kd) {
                if let Some(entry) = &mut self.entries[e] {
                    let old = std::mem::replace(&mut entry.value, value);
                    release_value(key, kd);
                    release_value(old, vd);
                    return;
                }
            }
            if (self.used + 1) * 2 > self.index.len() || self.entries.len() >= DELETED as usize {
                let cap = ((self.live + 1) * 4).next_power_of_two().max(8);
                self.rebuild(cap);
            }
            self.entries.push(Some(Entry {
                key,
                value,
                hash: h,
            }));
            self.live += 1;
            self.place(h, self.entries.len() - 1);
        }
    }

    /// Removes `key` (borrowed) and hands its value to the caller.
    ///
    /// # Safety
    /// As [`MapState::probe`]; `vd` unused here but the value returned is
    /// owned.
    pub unsafe fn remove(&mut self, key: u64, kd: *const TypeDesc) -> Option<u64> {
        // SAFETY: caller's contract.
        unsafe {
            let h = hash_key(key, kd);
            let (slot, e) = self.probe(key, h, kd)?;
            self.index[slot] = DELETED;
            let entry = self.entries[e].take()?;
            self.live -= 1;
            while matches!(self.entries.last(), Some(None)) {
                self.entries.pop();
            }
            if self.entries.len() > 2 * self.live + 8 {
                let cap = self.index.len();
                self.rebuild(cap);
            }
            release_value(entry.key, kd);
            Some(entry.value)
        }
    }

    /// A copy with every heap key and value retained.
    ///
    /// # Safety
    /// The descriptors describe the entries.
    unsafe fn clone_retained(&self, kd: *const TypeDesc, vd: *const TypeDesc) -> MapState {
        // SAFETY: caller's contract.
        unsafe {
            for (k, v) in self.iter() {
                retain_value(k, kd);
                retain_value(v, vd);
            }
        }
        MapState {
            entries: self.entries.clone(),
            live: self.live,
            index: self.index.clone(),
            used: self.used,
        }
    }
}

impl MapObj {
    /// A new empty map of type `desc` with count 1.
    pub fn alloc(desc: *const TypeDesc) -> *mut MapObj {
        Self::with_state(desc, MapState::default())
    }

    fn with_state(desc: *const TypeDesc, state: MapState) -> *mut MapObj {
        let p = Box::into_raw(Box::new(MapObj {
            header: ObjHeader::new(kind::MAP),
            desc,
            state: Box::into_raw(Box::new(state)),
        }));
        live::allocated();
        p
    }

    /// The key and value descriptors of map `p` (null for null).
    ///
    /// # Safety
    /// `p` is null or a live map.
    pub unsafe fn descs(p: *const MapObj) -> (*const TypeDesc, *const TypeDesc) {
        // SAFETY: caller's contract.
        match unsafe { p.as_ref().and_then(|m| desc_ref(m.desc)) } {
            Some(d) => (d.child(0), d.child(1)),
            None => (std::ptr::null(), std::ptr::null()),
        }
    }

    /// The state of map `p`, or `None` for null.
    ///
    /// # Safety
    /// `p` is null or a live map, not changed while the reference is used.
    pub unsafe fn state<'a>(p: *const MapObj) -> Option<&'a MapState> {
        // SAFETY: caller's contract.
        unsafe { p.as_ref().and_then(|m| m.state.as_ref()) }
    }

    /// The state of a unique map `p`, mutably.
    ///
    /// # Safety
    /// `p` is null or a live unique map.
    pub unsafe fn state_mut<'a>(p: *mut MapObj) -> Option<&'a mut MapState> {
        // SAFETY: caller's contract.
        unsafe { p.as_mut().and_then(|m| m.state.as_mut()) }
    }

    /// Frees a map whose count reached zero, dropping its keys and values.
    ///
    /// # Safety
    /// `p` is a heap-allocated map that nothing references any more.
    pub(crate) unsafe fn free(p: *mut MapObj, drop_child: &mut dyn FnMut(u64)) {
        // SAFETY: `p` and its state are live until dropped here.
        unsafe {
            let (kd, vd) = Self::descs(p);
            let (kh, vh) = (is_heap(kd), is_heap(vd));
            let m = Box::from_raw(p);
            if !m.state.is_null() {
                let state = Box::from_raw(m.state);
                for (k, v) in state.iter() {
                    if kh {
                        drop_child(k);
                    }
                    if vh {
                        drop_child(v);
                    }
                }
            }
        }
        live::freed();
    }

    /// A copy of map `p` with count 1, its keys and values retained.
    ///
    /// # Safety
    /// `p` is a live map.
    pub unsafe fn shallow_copy(p: *mut MapObj) -> *mut MapObj {
        // SAFETY: `p` is live.
        unsafe {
            let (kd, vd) = Self::descs(p);
            let state = match Self::state(p) {
                Some(s) => s.clone_retained(kd, vd),
                None => MapState::default(),
            };
            Self::with_state((*p).desc, state)
        }
    }
}

/// A new empty map of type `desc` (count 1).
///
/// # Safety
/// `desc` is a valid map descriptor.
pub unsafe extern "C" fn kr_map_new(desc: *const TypeDesc) -> *mut Obj {
    guard(std::ptr::null_mut(), || MapObj::alloc(desc).cast())
}

/// `m[k] = v` and `m.insert(k, v)`: consumes `k` and `v`. `m` is unique.
///
/// # Safety
/// `m` is a live unique map; `k`, `v` owned values of its key and value
/// types.
pub unsafe extern "C" fn kr_map_insert(m: *mut Obj, k: i64, v: i64) {
    let m = m.cast::<MapObj>();
    // SAFETY: caller's contract.
    guard(std::ptr::null_mut(), || unsafe {
        let (kd, vd) = MapObj::descs(m);
        match MapObj::state_mut(m) {
            Some(s) => s.insert(k as u64, v as u64, kd, vd),
            None => {
                release_value(k as u64, kd);
                release_value(v as u64, vd);
            }
        }
    })
}

/// `m.get(k)`: `Some(value)` (retained) or `None`; `desc` is the
/// `Option<V>` descriptor. `k` is borrowed.
///
/// # Safety
/// `m` is null or a live map; `k` a valid key; `desc` a valid descriptor.
pub unsafe extern "C" fn kr_map_get(m: *mut Obj, k: i64, desc: *const TypeDesc) -> *mut Obj {
    let m = m.cast::<MapObj>();
    // SAFETY: caller's contract.
    guard(std::ptr::null_mut(), || unsafe {
        let (kd, vd) = MapObj::descs(m);
        match MapObj::state(m).and_then(|s| s.get(k as u64, kd)) {
            Some(v) => {
                retain_value(v, vd);
                enum_with(desc, SOME_TAG, v)
            }
            None => enum_unit(desc, NONE_TAG),
        }
    })
}

/// `m[k]`: the value (retained); a missing key panics with
/// "key not found: {k}" (the key's debug form).
///
/// # Safety
/// `ctx` is the running task's context; `m` null or a live map; `k` a
/// valid key.
pub unsafe extern "C" fn kr_map_index(
    ctx: *mut TaskCtx,
    m: *mut Obj,
    k: i64,
    loc: i64,
    func: i64,
    frame: *const usize,
) -> i64 {
    let site = Site { loc, func, frame };
    let m = m.cast::<MapObj>();
    // SAFETY: caller's contract.
    unsafe {
        or_panic(ctx, site, || {
            let (kd, vd) = MapObj::descs(m);
            match MapObj::state(m).and_then(|s| s.get(k as u64, kd)) {
                Some(v) => {
                    retain_value(v, vd);
                    Ok(v as i64)
                }
                None => Err(format!("key not found: {}", display(k as u64, kd, true))),
            }
        })
    }
}

/// `m.remove(k)`: `Some(value)` (handed over) or `None`; `desc` is the
/// `Option<V>` descriptor. `m` is unique; `k` is borrowed.
///
/// # Safety
/// `m` is a live unique map; `k` a valid key; `desc` a valid descriptor.
pub unsafe extern "C" fn kr_map_remove(m: *mut Obj, k: i64, desc: *const TypeDesc) -> *mut Obj {
    let m = m.cast::<MapObj>();
    // SAFETY: caller's contract.
    guard(std::ptr::null_mut(), || unsafe {
        let (kd, _) = MapObj::descs(m);
        match MapObj::state_mut(m).and_then(|s| s.remove(k as u64, kd)) {
            Some(v) => enum_with(desc, SOME_TAG, v),
            None => enum_unit(desc, NONE_TAG),
        }
    })
}

/// `m.contains(k)` (`k` borrowed).
///
/// # Safety
/// `m` is null or a live map; `k` a valid key.
pub unsafe extern "C" fn kr_map_contains(m: *mut Obj, k: i64) -> bool {
    let m = m.cast::<MapObj>();
    // SAFETY: caller's contract.
    guard(std::ptr::null_mut(), || unsafe {
        let (kd, _) = MapObj::descs(m);
        MapObj::state(m).is_some_and(|s| s.get(k as u64, kd).is_some())
    })
}

/// `m.len()`.
///
/// # Safety
/// `m` is null or a live map.
pub unsafe extern "C" fn kr_map_len(m: *mut Obj) -> i64 {
    // SAFETY: caller's contract.
    unsafe { MapObj::state(m.cast()) }.map_or(0, |s| s.len() as i64)
}

/// Which array [`map_array`] builds.
#[derive(Clone, Copy)]
enum Part {
    Keys,
    Values,
    Entries,
}

/// A new array (type `desc`) of the keys, values or (key, value) tuples
/// of `m`, in insertion order.
///
/// # Safety
/// `m` is null or a live map; `desc` the matching array descriptor.
unsafe fn map_array(m: *mut Obj, desc: *const TypeDesc, part: Part) -> *mut Obj {
    // SAFETY: caller's contract.
    unsafe {
        let m = m.cast::<MapObj>();
        let (kd, vd) = MapObj::descs(m);
        let elem = desc_ref(desc).map_or(std::ptr::null(), |d| d.elem());
        let Some(state) = MapObj::state(m) else {
            return ArrayObj::alloc(desc, 0, 0).cast();
        };
        let out = ArrayObj::alloc(desc, state.len(), state.len());
        for (slot, (k, v)) in ArrayObj::elems_mut(out).iter_mut().zip(state.iter()) {
            *slot = match part {
                Part::Keys => {
                    retain_value(k, kd);
                    k
                }
                Part::Values => {
                    retain_value(v, vd);
                    v
                }
                Part::Entries => {
                    let t = RecordObj::alloc(elem);
                    let fields = RecordObj::slots(t);
                    if fields.len() >= 2 {
                        retain_value(k, kd);
                        retain_value(v, vd);
                        fields[0] = k;
                        fields[1] = v;
                    }
                    t as usize as u64
                }
            };
        }
        out.cast()
    }
}

/// `m.keys()`: a new `[K]` (type `desc`) in insertion order.
///
/// # Safety
/// `m` is null or a live map; `desc` the `[K]` descriptor.
pub unsafe extern "C" fn kr_map_keys(m: *mut Obj, desc: *const TypeDesc) -> *mut Obj {
    // SAFETY: caller's contract.
    guard(std::ptr::null_mut(), || unsafe {
        map_array(m, desc, Part::Keys)
    })
}

/// `m.values()`: a new `[V]` (type `desc`) in insertion order.
///
/// # Safety
/// `m` is null or a live map; `desc` the `[V]` descriptor.
pub unsafe extern "C" fn kr_map_values(m: *mut Obj, desc: *const TypeDesc) -> *mut Obj {
    // SAFETY: caller's contract.
    guard(std::ptr::null_mut(), || unsafe {
        map_array(m, desc, Part::Values)
    })
}

/// The entries of `m` as a new `[(K, V)]` (type `desc`) in insertion
/// order; `for (k, v) in m` loops over it.
///
/// # Safety
/// `m` is null or a live map; `desc` the `[(K, V)]` descriptor.
pub unsafe extern "C" fn kr_map_entries(m: *mut Obj, desc: *const TypeDesc) -> *mut Obj {
    // SAFETY: caller's contract.
    guard(std::ptr::null_mut(), || unsafe {
        map_array(m, desc, Part::Entries)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::desc::TypeDesc;
    use crate::value::str::StrObj;

    fn leak(d: TypeDesc) -> *const TypeDesc {
        Box::leak(Box::new(d))
    }

    fn scalar(kind: u64) -> *const TypeDesc {
        leak(TypeDesc {
            kind,
            count: 0,
            children: std::ptr::null(),
            name: std::ptr::null(),
            field_names: std::ptr::null(),
        })
    }

    fn map_desc(k: *const TypeDesc, v: *const TypeDesc) -> *const TypeDesc {
        let children: &'static [*const TypeDesc] = Box::leak(Box::new([k, v]));
        leak(TypeDesc {
            kind: desc_kind::MAP,
            count: 2,
            children: children.as_ptr(),
            name: std::ptr::null(),
            field_names: std::ptr::null(),
        })
    }

    #[test]
    fn insert_get_remove_keep_order() {
        let int = scalar(desc_kind::INT);
        let mut s = MapState::default();
        unsafe {
            for i in 0..100u64 {
                s.insert(i, i * 10, int, int);
            }
            s.insert(5, 7, int, int);
            assert_eq!(s.len(), 100);
            assert_eq!(s.get(5, int), Some(7));
            assert_eq!(s.get(100, int), None);
            for i in (0..100u64).step_by(2) {
                assert_eq!(s.remove(i, int), Some(i * 10));
            }
            assert_eq!(s.remove(0, int), None);
            assert_eq!(s.len(), 50);
            let keys: Vec<u64> = s.iter().map(|(k, _)| k).collect();
            assert_eq!(keys, (1..100).step_by(2).collect::<Vec<u64>>());
            s.insert(0, 1, int, int);
            assert_eq!(s.iter().last(), Some((0, 1)));
            for i in (1..100u64).step_by(2) {
                assert_eq!(s.get(i, int), Some(if i == 5 { 7 } else { i * 10 }));
            }
        }
    }

    #[test]
    fn str_keys_are_structural_and_released() {
        let str_d = scalar(desc_kind::STR);
        let int = scalar(desc_kind::INT);
        let desc = map_desc(str_d, int);
        let before = crate::value::live::THREAD_LIVE.with(|c| c.get());
        unsafe {
            let m = MapObj::alloc(desc);
            let a = StrObj::new("apple-long-key") as usize as i64;
            kr_map_insert(m.cast(), a, 1);
            let b = StrObj::new("apple-long-key") as usize as i64;
            kr_map_insert(m.cast(), b, 2);
            assert_eq!(kr_map_len(m.cast()), 1);
            let probe = StrObj::new("apple-long-key");
            assert!(kr_map_contains(m.cast(), probe as usize as i64));
            let copy = MapObj::shallow_copy(m);
            let removed =
                MapObj::state_mut(copy).and_then(|s| s.remove(probe as usize as u64, str_d));
            assert_eq!(removed, Some(2));
            assert_eq!(kr_map_len(copy.cast()), 0);
            assert_eq!(kr_map_len(m.cast()), 1);
            crate::value::release(probe.cast());
            crate::value::release(copy.cast());
            crate::value::release(m.cast());
        }
        let after = crate::value::live::THREAD_LIVE.with(|c| c.get());
        assert_eq!(before, after);
    }
}
