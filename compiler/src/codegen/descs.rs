//! Type descriptors as static data, and the static objects of
//! payload-less enum variants.
//!
//! Consumes the types of heap values (and of what they hold); produces one
//! read-only data object per distinct [`Type`], laid out as the runtime's
//! `TypeDesc` (`kriti_runtime::value::desc`), which the runtime reads to
//! drop, copy, compare and display values it does not otherwise know the
//! type of:
//!
//! ```text
//! [kind: u64][count: u64][children: ptr][name: ptr][field_names: ptr]   (40 bytes)
//! [children: count × ptr to TypeDesc]        (ARRAY, TUPLE, STRUCT, ENUM, VARIANT)
//! [field names: count × ptr to StrObj]       (STRUCT)
//! ```
//!
//! An enum type (user enum, `Option`, `Result`) has an ENUM descriptor
//! whose children are one VARIANT descriptor per variant (in tag order),
//! each naming the variant and listing its payload types.
//!
//! The child and name tables follow the descriptor in the same data
//! object, and its pointers to them are relocations against the object
//! itself; the pointers to child descriptors and to type, field and
//! variant names (immortal string literals from [`StringPool`]) are
//! relocations too, so the same data works in the JIT and in an object
//! file.
//!
//! A descriptor is declared before its children are, so a type that
//! contains itself (`struct Node { kids: [Node] }`, `enum Tree { Leaf,
//! Node(Tree, Tree) }`) refers to its own descriptor instead of recursing
//! forever.
//!
//! A variant without payload (`None`, `Shape::Empty`) needs no allocation:
//! [`DescPool::unit_variant`] emits it once as an immortal enum object
//! (`[rc = IMMORTAL_RC][kind = RECORD][flags = 0][desc][tag]`, 32 bytes).

use std::collections::HashMap;

use cranelift_codegen::ir::Endianness;
use cranelift_module::{DataDescription, DataId, Module};
use kriti_runtime::value::desc::{
    desc_kind, DESC_CHILDREN_OFFSET, DESC_COUNT_OFFSET, DESC_FIELD_NAMES_OFFSET, DESC_KIND_OFFSET,
    DESC_NAME_OFFSET, DESC_SIZE,
};
use kriti_runtime::value::record::{RECORD_DESC_OFFSET, RECORD_SLOTS_OFFSET};
use kriti_runtime::value::{kind, IMMORTAL_RC};

use super::ice;
use super::strings::StringPool;
use crate::ir::kir;
use crate::ir::types::Type;

/// What a descriptor's children are.
enum Children {
    /// Types (element, fields, payload values).
    Types(Vec<Type>),
    /// The variants of an enum: name and payload types.
    Variants(Vec<(String, Vec<Type>)>),
}

/// The descriptors already emitted, by type, and the static objects of
/// payload-less variants, by type and tag.
#[derive(Default)]
pub(crate) struct DescPool {
    ids: HashMap<Type, DataId>,
    /// The descriptors of closure objects, by the types of their captures.
    closures: HashMap<Vec<Type>, DataId>,
    unit_variants: HashMap<(Type, u32), DataId>,
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
        let (kind, children, names): (u64, Children, Names) = match ty {
            Type::Int => (desc_kind::INT, Children::Types(Vec::new()), None),
            Type::Float => (desc_kind::FLOAT, Children::Types(Vec::new()), None),
            Type::Bool => (desc_kind::BOOL, Children::Types(Vec::new()), None),
            Type::Unit => (desc_kind::UNIT, Children::Types(Vec::new()), None),
            Type::Str => (desc_kind::STR, Children::Types(Vec::new()), None),
            Type::Array(elem) => (
                desc_kind::ARRAY,
                Children::Types(vec![(**elem).clone()]),
                None,
            ),
            Type::Tuple(fields) => (desc_kind::TUPLE, Children::Types(fields.clone()), None),
            Type::Map(k, v) => (
                desc_kind::MAP,
                Children::Types(vec![(**k).clone(), (**v).clone()]),
                None,
            ),
            Type::Task(t) => (desc_kind::TASK, Children::Types(vec![(**t).clone()]), None),
            Type::Chan(t) => (desc_kind::CHAN, Children::Types(vec![(**t).clone()]), None),
            Type::Atomic => (desc_kind::ATOMIC, Children::Types(Vec::new()), None),
            // A function value's own object carries its closure descriptor
            // (`closure_data_for`); this one only says "a function".
            Type::Fn(..) => (desc_kind::FN, Children::Types(Vec::new()), None),
            Type::Struct(index, _) => {
                let def = program
                    .structs
                    .get(*index as usize)
                    .ok_or_else(|| ice(format_args!("unknown struct {index}")))?;
                let children = def.fields.iter().map(|(_, t)| t.clone()).collect();
                let names = def.fields.iter().map(|(n, _)| n.clone()).collect();
                (
                    desc_kind::STRUCT,
                    Children::Types(children),
                    Some((def.name.clone(), names)),
                )
            }
            Type::Enum(..) | Type::Option(_) | Type::Result(..) => {
                let variants = program
                    .variants(ty)
                    .ok_or_else(|| ice(format_args!("unknown enum `{ty}`")))?;
                let name = match ty {
                    Type::Enum(_, name) => name.clone(),
                    Type::Option(_) => "Option".to_string(),
                    _ => "Result".to_string(),
                };
                (
                    desc_kind::ENUM,
                    Children::Variants(variants),
                    Some((name, Vec::new())),
                )
            }
            Type::Never | Type::Error => {
                return Err(ice(format_args!("a descriptor of `{ty}`")));
            }
        };
        // Declared (and remembered) first: children may refer back to it.
        let id = declare(module)?;
        self.ids.insert(ty.clone(), id);
        let child_ids = match children {
            Children::Types(types) => types
                .iter()
                .map(|t| self.data_for(module, strings, program, t))
                .collect::<Result<Vec<_>, _>>()?,
            Children::Variants(variants) => {
                let mut ids = Vec::with_capacity(variants.len());
                for (name, payload) in &variants {
                    let payload_ids = payload
                        .iter()
                        .map(|t| self.data_for(module, strings, program, t))
                        .collect::<Result<Vec<_>, _>>()?;
                    let variant = declare(module)?;
                    let name = strings.data_for(module, name)?;
                    define(
                        module,
                        variant,
                        desc_kind::VARIANT,
                        &payload_ids,
                        Some(name),
                        &[],
                    )?;
                    ids.push(variant);
                }
                ids
            }
        };
        let (name_id, field_ids) = match &names {
            Some((name, fields)) => {
                let name = strings.data_for(module, name)?;
                let fields = fields
                    .iter()
                    .map(|f| strings.data_for(module, f))
                    .collect::<Result<Vec<_>, _>>()?;
                (Some(name), fields)
            }
            None => (None, Vec::new()),
        };
        define(module, id, kind, &child_ids, name_id, &field_ids)?;
        Ok(id)
    }

    /// The descriptor of closure objects whose captured values have the
    /// types `captures`: kind FN, slot 0 the code address (an `int`), then
    /// the captures.
    pub fn closure_data_for<M: Module>(
        &mut self,
        module: &mut M,
        strings: &mut StringPool,
        program: &kir::Program,
        captures: &[Type],
    ) -> Result<DataId, String> {
        if let Some(&id) = self.closures.get(captures) {
            return Ok(id);
        }
        let mut child_ids = vec![self.data_for(module, strings, program, &Type::Int)?];
        for t in captures {
            child_ids.push(self.data_for(module, strings, program, t)?);
        }
        let id = declare(module)?;
        define(module, id, desc_kind::FN, &child_ids, None, &[])?;
        self.closures.insert(captures.to_vec(), id);
        Ok(id)
    }

    /// The static immortal object of variant `tag` of the enum type `ty`,
    /// a variant without payload, defining it on first use.
    pub fn unit_variant<M: Module>(
        &mut self,
        module: &mut M,
        strings: &mut StringPool,
        program: &kir::Program,
        ty: &Type,
        tag: u32,
    ) -> Result<DataId, String> {
        let key = (ty.clone(), tag);
        if let Some(&id) = self.unit_variants.get(&key) {
            return Ok(id);
        }
        let desc = self.data_for(module, strings, program, ty)?;
        let id = declare(module)?;
        let little = module.isa().endianness() == Endianness::Little;
        let mut bytes = vec![0u8; RECORD_SLOTS_OFFSET + 8];
        put(&mut bytes, 0, IMMORTAL_RC, little);
        let k = if little {
            kind::RECORD.to_le_bytes()
        } else {
            kind::RECORD.to_be_bytes()
        };
        bytes[8..12].copy_from_slice(&k);
        put(&mut bytes, RECORD_SLOTS_OFFSET, u64::from(tag), little);
        let mut data = DataDescription::new();
        data.set_align(8);
        let gv = data.import_global_value(desc.into());
        data.write_data_addr(offset(RECORD_DESC_OFFSET)?, gv, 0);
        data.define(bytes.into_boxed_slice());
        module
            .define_data(id, &data)
            .map_err(|e| ice(format_args!("defining a variant object: {e}")))?;
        self.unit_variants.insert(key, id);
        Ok(id)
    }
}

/// A type's name and field names (structs, enums).
type Names = Option<(String, Vec<String>)>;

/// Declares an anonymous read-only data object.
fn declare<M: Module>(module: &mut M) -> Result<DataId, String> {
    module
        .declare_anonymous_data(false, false)
        .map_err(|e| ice(format_args!("declaring a type descriptor: {e}")))
}

/// Writes `v` at `at` in the target's byte order.
fn put(bytes: &mut [u8], at: usize, v: u64, little: bool) {
    let b = if little {
        v.to_le_bytes()
    } else {
        v.to_be_bytes()
    };
    bytes[at..at + 8].copy_from_slice(&b);
}

fn offset(at: usize) -> Result<u32, String> {
    u32::try_from(at).map_err(|_| ice("a type descriptor is too large"))
}

/// Defines the descriptor `id`: its kind, its children (`count` of them),
/// its name and its field names (none, or one per child).
fn define<M: Module>(
    module: &mut M,
    id: DataId,
    kind: u64,
    child_ids: &[DataId],
    name: Option<DataId>,
    field_ids: &[DataId],
) -> Result<(), String> {
    let little = module.isa().endianness() == Endianness::Little;
    let count = child_ids.len();
    let children_at = DESC_SIZE;
    let names_at = children_at + 8 * count;
    let size = names_at + 8 * field_ids.len();
    let mut bytes = vec![0u8; size];
    put(&mut bytes, DESC_KIND_OFFSET, kind, little);
    put(&mut bytes, DESC_COUNT_OFFSET, count as u64, little);

    let mut data = DataDescription::new();
    data.set_align(8);
    let this = data.import_global_value(id.into());
    if count > 0 {
        data.write_data_addr(offset(DESC_CHILDREN_OFFSET)?, this, children_at as i64);
    }
    for (i, child) in child_ids.iter().enumerate() {
        let gv = data.import_global_value((*child).into());
        data.write_data_addr(offset(children_at + 8 * i)?, gv, 0);
    }
    if let Some(name) = name {
        let gv = data.import_global_value(name.into());
        data.write_data_addr(offset(DESC_NAME_OFFSET)?, gv, 0);
    }
    if !field_ids.is_empty() {
        data.write_data_addr(offset(DESC_FIELD_NAMES_OFFSET)?, this, names_at as i64);
    }
    for (i, field) in field_ids.iter().enumerate() {
        let gv = data.import_global_value((*field).into());
        data.write_data_addr(offset(names_at + 8 * i)?, gv, 0);
    }
    data.define(bytes.into_boxed_slice());
    module
        .define_data(id, &data)
        .map_err(|e| ice(format_args!("defining a type descriptor: {e}")))
}
