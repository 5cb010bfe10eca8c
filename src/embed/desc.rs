//! Type descriptors for the values the host builds.
//!
//! Compiled code carries a static descriptor per type; a host that builds
//! an array, a tuple or an `Option` for Kriti code needs one too (the
//! runtime reads it to drop, copy, compare and display the value). This
//! module builds them at run time, in exactly the layout the compiler emits
//! (`kriti_runtime::value::desc`), once per type per process: they are
//! leaked on purpose, interned by type, so their number is bounded by the
//! number of distinct Rust types the host converts.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock, PoisonError};

use kriti_compiler::ir::types::Type;
use kriti_runtime::value::desc::{desc_kind, TypeDesc};
use kriti_runtime::value::str::StrObj;
use kriti_runtime::IMMORTAL_RC;

/// A descriptor pointer that may sit in a global map.
#[derive(Clone, Copy)]
struct DescPtr(*const TypeDesc);
// SAFETY: descriptors are immutable once built and live forever.
unsafe impl Send for DescPtr {}

fn interned() -> &'static Mutex<HashMap<Type, DescPtr>> {
    static MAP: OnceLock<Mutex<HashMap<Type, DescPtr>>> = OnceLock::new();
    MAP.get_or_init(|| Mutex::new(HashMap::new()))
}

/// The descriptor of `ty` (built on first use, then shared). `ty` is one of
/// the types the host can map (scalars, `str`, arrays, tuples, `Option`,
/// `Result`).
pub(crate) fn desc_of(ty: &Type) -> *const TypeDesc {
    if let Some(d) = interned()
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .get(ty)
    {
        return d.0;
    }
    // Built outside the lock (children are interned recursively); two
    // threads may build the same one, and the first stored wins.
    let built = build(ty);
    let mut map = interned().lock().unwrap_or_else(PoisonError::into_inner);
    map.entry(ty.clone()).or_insert(DescPtr(built)).0
}

fn build(ty: &Type) -> *const TypeDesc {
    let plain = |kind: u64| leak(kind, Vec::new(), std::ptr::null());
    match ty {
        Type::Int => plain(desc_kind::INT),
        Type::Float => plain(desc_kind::FLOAT),
        Type::Bool => plain(desc_kind::BOOL),
        Type::Str => plain(desc_kind::STR),
        Type::Array(elem) => leak(desc_kind::ARRAY, vec![desc_of(elem)], std::ptr::null()),
        Type::Tuple(fields) => leak(
            desc_kind::TUPLE,
            fields.iter().map(desc_of).collect(),
            std::ptr::null(),
        ),
        Type::Option(t) => enum_desc(
            "Option",
            &[("None", Vec::new()), ("Some", vec![(**t).clone()])],
        ),
        Type::Result(t, e) => enum_desc(
            "Result",
            &[("Ok", vec![(**t).clone()]), ("Err", vec![(**e).clone()])],
        ),
        // Unit, and types the host never builds: a descriptor that says
        // "unit" (nothing to drop).
        _ => plain(desc_kind::UNIT),
    }
}

fn enum_desc(name: &str, variants: &[(&str, Vec<Type>)]) -> *const TypeDesc {
    let children = variants
        .iter()
        .map(|(v, payload)| {
            leak(
                desc_kind::VARIANT,
                payload.iter().map(desc_of).collect(),
                immortal(v),
            )
        })
        .collect();
    leak(desc_kind::ENUM, children, immortal(name))
}

/// A descriptor with these children, leaked.
fn leak(kind: u64, children: Vec<*const TypeDesc>, name: *const StrObj) -> *const TypeDesc {
    let count = children.len() as u64;
    let children = if children.is_empty() {
        std::ptr::null()
    } else {
        Box::leak(children.into_boxed_slice()).as_ptr()
    };
    Box::leak(Box::new(TypeDesc {
        kind,
        count,
        children,
        name,
        field_names: std::ptr::null(),
    }))
}

/// A string object that is never freed (as compiled names are).
fn immortal(s: &str) -> *const StrObj {
    let p = StrObj::new(s);
    // SAFETY: a fresh string we own; names are longer than one byte, so it
    // is not one of the runtime's shared static strings.
    unsafe {
        if (*p).header.rc.load(std::sync::atomic::Ordering::Relaxed) < IMMORTAL_RC {
            (*p).header
                .rc
                .store(IMMORTAL_RC, std::sync::atomic::Ordering::Relaxed);
        }
    }
    p
}
