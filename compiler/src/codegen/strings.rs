//! String literals as static data.
//!
//! Consumes literal text; produces one read-only data object per distinct
//! literal, laid out exactly as the runtime's string object
//! (`kriti_runtime::value`):
//!
//! ```text
//! [rc: u64 = IMMORTAL_RC][kind: u32 = STR][flags: u32 = 0][len: u64][utf-8 bytes]
//! ```
//!
//! The count marks the object immortal, so the runtime never writes to it
//! and never frees it; a literal can therefore be handed out as an owned
//! reference any number of times without a retain.

use std::collections::HashMap;

use cranelift_codegen::ir::Endianness;
use cranelift_module::{DataDescription, DataId, Module};
use kriti_runtime::value::{kind, IMMORTAL_RC};

use super::ice;

/// The data objects already emitted, by text.
#[derive(Default)]
pub(crate) struct StringPool {
    ids: HashMap<String, DataId>,
}

impl StringPool {
    /// The data object holding `text`, defining it on first use.
    pub fn data_for<M: Module>(&mut self, module: &mut M, text: &str) -> Result<DataId, String> {
        if let Some(&id) = self.ids.get(text) {
            return Ok(id);
        }
        let id = module
            .declare_anonymous_data(false, false)
            .map_err(|e| ice(format_args!("declaring a string literal: {e}")))?;
        let mut data = DataDescription::new();
        let little = module.isa().endianness() == Endianness::Little;
        data.define(object_bytes(text, little).into_boxed_slice());
        data.set_align(8);
        module
            .define_data(id, &data)
            .map_err(|e| ice(format_args!("defining a string literal: {e}")))?;
        self.ids.insert(text.to_string(), id);
        Ok(id)
    }
}

/// The bytes of an immortal string object holding `text`, in the target's
/// byte order (which is the host's for the JIT, but need not be for an
/// object file).
pub(crate) fn object_bytes(text: &str, little_endian: bool) -> Vec<u8> {
    let u64_bytes = |v: u64| {
        if little_endian {
            v.to_le_bytes()
        } else {
            v.to_be_bytes()
        }
    };
    let u32_bytes = |v: u32| {
        if little_endian {
            v.to_le_bytes()
        } else {
            v.to_be_bytes()
        }
    };
    let mut bytes = Vec::with_capacity(24 + text.len());
    bytes.extend_from_slice(&u64_bytes(IMMORTAL_RC));
    bytes.extend_from_slice(&u32_bytes(kind::STR));
    bytes.extend_from_slice(&u32_bytes(0));
    bytes.extend_from_slice(&u64_bytes(text.len() as u64));
    bytes.extend_from_slice(text.as_bytes());
    bytes
}
