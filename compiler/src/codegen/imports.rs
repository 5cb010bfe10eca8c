//! The runtime functions JIT code may call, declared as imports.
//!
//! Consumes `kriti_runtime::abi::symbols()`, the single list of runtime
//! entry points, and declares one import per symbol with the signature that
//! list gives. Nothing here writes a runtime signature by hand, so the
//! compiler and the runtime cannot drift apart. This file does not resolve
//! addresses; the JIT driver does that from the same list.

use std::collections::HashMap;

use cranelift_codegen::ir::{types, AbiParam, Type as ClifType};
use cranelift_codegen::isa::CallConv;
use cranelift_module::{FuncId, Linkage, Module};
use kriti_runtime::abi::{self, AbiType};

use super::ice;

/// One declared runtime function.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Import {
    pub id: FuncId,
    /// The function never returns (panics, exit): calls are followed by an
    /// unreachable `trap`.
    pub noreturn: bool,
}

/// Every runtime function, by name.
pub(crate) struct Imports {
    by_name: HashMap<&'static str, Import>,
}

impl Imports {
    /// The runtime function `name`; an error if the runtime does not list
    /// it (the runtime and the compiler disagree: an internal error).
    pub fn get(&self, name: &str) -> Result<Import, String> {
        self.by_name
            .get(name)
            .copied()
            .ok_or_else(|| ice(format_args!("the runtime has no function `{name}`")))
    }
}

/// Declares every runtime symbol in `module` as an import.
pub(crate) fn declare<M: Module>(module: &mut M) -> Result<Imports, String> {
    let pointer = module.target_config().pointer_type();
    let mut by_name = HashMap::new();
    for symbol in abi::symbols() {
        let mut sig = module.make_signature();
        sig.params
            .extend(symbol.params.iter().map(|&t| abi_param(t, pointer)));
        sig.returns
            .extend(symbol.ret.map(|t| abi_param(t, pointer)));
        // The runtime implements these (in assembly) to clobber nothing.
        if symbol.name.ends_with("_preserve_all") && cfg!(target_arch = "x86_64") {
            sig.call_conv = CallConv::PreserveAll;
        }
        let id = module
            .declare_function(symbol.name, Linkage::Import, &sig)
            .map_err(|e| ice(format_args!("declaring `{}`: {e}", symbol.name)))?;
        by_name.insert(
            symbol.name,
            Import {
                id,
                noreturn: symbol.noreturn,
            },
        );
    }
    Ok(Imports { by_name })
}

/// The Cranelift parameter for one runtime parameter type.
fn abi_param(t: AbiType, pointer: ClifType) -> AbiParam {
    match t {
        // Rust's `bool` crosses the C ABI as a zero-extended byte, and the
        // callee may rely on the extension: ask Cranelift to do it.
        AbiType::I8 => AbiParam::new(types::I8).uext(),
        AbiType::I64 => AbiParam::new(types::I64),
        AbiType::F64 => AbiParam::new(types::F64),
        AbiType::Ptr => AbiParam::new(pointer),
    }
}
