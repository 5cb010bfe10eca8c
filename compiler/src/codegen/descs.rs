//! Type descriptors as static data.
//!
//! Consumes the types of composite values (and of what they hold);
//! produces one read-only data object per distinct [`Type`], laid out as
//! the runtime's `TypeDesc` (`kriti_runtime::value::desc`), which the
//! runtime reads to drop, copy, compare and display values it does not
//! otherwise know the type of:
//!
//! ```text
//! [kind: u64][count: u64][children: ptr][name: ptr][field_names: ptr]   (40 bytes)
//! [children: count × ptr to TypeDesc]        (ARRAY, TUPLE, STRUCT)
//! [field names: count × ptr to StrObj]       (STRUCT)
//! ```
//!
//! The child and name tables follow the descriptor in the same data
//! object, and its pointers to them are relocations against the object
//! itself; the pointers to child descriptors and to struct and field names
//! (immortal string literals from [`StringPool`]) are relocations too, so
//! the same data works in the JIT and in an object file.
//!
//! A descriptor is declared before its children are, so a type that
//! contains itself (`struct Node { kids: [Node] }`) refers to its own
//! descriptor instead of recursing forever.

use std::collections::HashMap;

use cranelift_codegen::ir::Endianness;
use cranelift_module::{DataDescription, DataId, Module};
use kriti_runtime::value::desc::{
    desc_kind, DESC_CHILDREN_OFFSET, DESC_COUNT_OFFSET, DESC_FIELD_NAMES_OFFSET, DESC_KIND_OFFSET,
    DESC_NAME_OFFSET, DESC_SIZE,
};

use super::ice;
use super::strings::StringPool;
use crate::ir::kir;
use crate::ir::types::Type;

/// A struct's name and field names.
type Names<'a> = Option<(&'a str, Vec<&'a str>)>;

/// The descriptors already emitted, by type.
#[derive(Default)]
pub(crate) struct DescPool {
    ids: HashMap<Type, DataId>,
}

impl DescPool {
    /// The data object describing `ty`, defining it (and the descriptors
    /// it refers to) on first use.
    pub fn data_for<M: Module>(
        &mut self,
        module: &mut M,
        strings: &mut StringPool,
        program: &kir::Program,
        ty: &Type,
    ) -> Result<DataId, String> {
        if let Some(&id) = self.ids.get(ty) {
            return Ok(id);
        }
        if module.target_config().pointer_bytes() != 8 {
            return Err(ice("type descriptors need 64-bit pointers"));
        }
        let (kind, children, names): (u64, Vec<Type>, Names) = match ty {
            Type::Int => (desc_kind::INT, Vec::new(), None),
            Type::Float => (desc_kind::FLOAT, Vec::new(), None),
            Type::Bool => (desc_kind::BOOL, Vec::new(), None),
            Type::Unit => (desc_kind::UNIT, Vec::new(), None),
            Type::Str => (desc_kind::STR, Vec::new(), None),
            Type::Array(elem) => (desc_kind::ARRAY, vec![(**elem).clone()], None),
            Type::Tuple(fields) => (desc_kind::TUPLE, fields.clone(), None),
            Type::Struct(index, _) => {
                let def = program
                    .structs
                    .get(*index as usize)
                    .ok_or_else(|| ice(format_args!("unknown struct {index}")))?;
                let children = def.fields.iter().map(|(_, t)| t.clone()).collect();
                let names = def.fields.iter().map(|(n, _)| n.as_str()).collect();
                (
                    desc_kind::STRUCT,
                    children,
                    Some((def.name.as_str(), names)),
                )
            }
            Type::Never | Type::Error => {
                return Err(ice(format_args!("a descriptor of `{ty}`")));
            }
        };
        // Declared (and remembered) first: children may refer back to it.
        let id = module
            .declare_anonymous_data(false, false)
            .map_err(|e| ice(format_args!("declaring a type descriptor: {e}")))?;
        self.ids.insert(ty.clone(), id);
        let child_ids = children
            .iter()
            .map(|t| self.data_for(module, strings, program, t))
            .collect::<Result<Vec<_>, _>>()?;
        let name_ids = match &names {
            Some((name, fields)) => {
                let name = strings.data_for(module, name)?;
                let fields = fields
                    .iter()
                    .map(|f| strings.data_for(module, f))
                    .collect::<Result<Vec<_>, _>>()?;
                Some((name, fields))
            }
            None => None,
        };

        let little = module.isa().endianness() == Endianness::Little;
        let count = child_ids.len();
        let children_at = DESC_SIZE;
        let names_at = children_at + 8 * count;
        let size = names_at + if name_ids.is_some() { 8 * count } else { 0 };
        let mut bytes = vec![0u8; size];
        let put = |bytes: &mut [u8], at: usize, v: u64| {
            let b = if little {
                v.to_le_bytes()
            } else {
                v.to_be_bytes()
            };
            bytes[at..at + 8].copy_from_slice(&b);
        };
        put(&mut bytes, DESC_KIND_OFFSET, kind);
        put(&mut bytes, DESC_COUNT_OFFSET, count as u64);

        let mut data = DataDescription::new();
        data.set_align(8);
        let offset =
            |at: usize| u32::try_from(at).map_err(|_| ice("a type descriptor is too large"));
        let this = data.import_global_value(id.into());
        if count > 0 {
            data.write_data_addr(offset(DESC_CHILDREN_OFFSET)?, this, children_at as i64);
        }
        for (i, child) in child_ids.iter().enumerate() {
            let gv = data.import_global_value((*child).into());
            data.write_data_addr(offset(children_at + 8 * i)?, gv, 0);
        }
        if let Some((name, fields)) = &name_ids {
            let gv = data.import_global_value((*name).into());
            data.write_data_addr(offset(DESC_NAME_OFFSET)?, gv, 0);
            if count > 0 {
                data.write_data_addr(offset(DESC_FIELD_NAMES_OFFSET)?, this, names_at as i64);
            }
            for (i, field) in fields.iter().enumerate() {
                let gv = data.import_global_value((*field).into());
                data.write_data_addr(offset(names_at + 8 * i)?, gv, 0);
            }
        }
        data.define(bytes.into_boxed_slice());
        module
            .define_data(id, &data)
            .map_err(|e| ice(format_args!("defining a type descriptor: {e}")))?;
        Ok(id)
    }
}
