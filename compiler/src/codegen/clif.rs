//! `--emit clif`: the Cranelift IR of every function, as text.
//!
//! Consumes a checked program; produces the IR that the lowering builds,
//! before Cranelift optimises it, one function after another. It runs the
//! same generic lowering as the JIT against [`ClifModule`], a
//! `cranelift_module::Module` that records and verifies each function
//! instead of compiling it, so printing IR never generates machine code.

use std::collections::HashMap;
use std::fmt::Write as _;

use cranelift_codegen::control::ControlPlane;
use cranelift_codegen::isa::{OwnedTargetIsa, TargetIsa};
use cranelift_codegen::Context;
use cranelift_module::{
    DataDescription, DataId, FuncId, Init, Linkage, Module, ModuleDeclarations, ModuleReloc,
    ModuleResult,
};

use kriti_runtime::IMMORTAL_RC;

use super::{catch_ice, host_isa, ice, lower_program};
use crate::ir::kir;
use crate::span::SourceMap;

/// Returns the IR text of every function of `program`.
pub(crate) fn emit(program: &kir::Program, sources: &SourceMap) -> Result<String, String> {
    catch_ice(|| {
        let mut module = ClifModule {
            isa: host_isa(false)?,
            declarations: ModuleDeclarations::default(),
            text: String::new(),
            literals: HashMap::new(),
            error: None,
        };
        lower_program(&mut module, program, sources, false)?;
        match module.error {
            Some(e) => Err(e),
            None => Ok(module.text),
        }
    })
}

/// A module that keeps declarations and the text of each defined function.
struct ClifModule {
    isa: OwnedTargetIsa,
    declarations: ModuleDeclarations,
    text: String,
    /// What each data object is (a string literal's quoted text, or a
    /// type descriptor), to name data references.
    literals: HashMap<DataId, String>,
    /// The first verifier error; `define_function` cannot return our error
    /// type, so it is kept here.
    error: Option<String>,
}

impl Module for ClifModule {
    fn isa(&self) -> &dyn TargetIsa {
        &*self.isa
    }

    fn declarations(&self) -> &ModuleDeclarations {
        &self.declarations
    }

    fn declare_function(
        &mut self,
        name: &str,
        linkage: Linkage,
        signature: &cranelift_codegen::ir::Signature,
    ) -> ModuleResult<FuncId> {
        let (id, _) = self
            .declarations
            .declare_function(name, linkage, signature)?;
        Ok(id)
    }

    fn declare_anonymous_function(
        &mut self,
        signature: &cranelift_codegen::ir::Signature,
    ) -> ModuleResult<FuncId> {
        self.declarations.declare_anonymous_function(signature)
    }

    fn declare_data(
        &mut self,
        name: &str,
        linkage: Linkage,
        writable: bool,
        tls: bool,
    ) -> ModuleResult<DataId> {
        let (id, _) = self
            .declarations
            .declare_data(name, linkage, writable, tls)?;
        Ok(id)
    }

    fn declare_anonymous_data(&mut self, writable: bool, tls: bool) -> ModuleResult<DataId> {
        self.declarations.declare_anonymous_data(writable, tls)
    }

    fn define_function_with_control_plane(
        &mut self,
        func: FuncId,
        ctx: &mut Context,
        _ctrl_plane: &mut ControlPlane,
    ) -> ModuleResult<()> {
        let decl = self.declarations.get_function_decl(func);
        let name = decl.linkage_name(func);
        // Verified against the ISA, not just its flags: some instructions
        // (`get_frame_pointer`) are only valid with the ISA's settings.
        if let Err(errors) = cranelift_codegen::verify_function(&ctx.func, &*self.isa) {
            if self.error.is_none() {
                self.error = Some(ice(format_args!(
                    "verifier: {}",
                    cranelift_codegen::print_errors::pretty_verifier_error(&ctx.func, None, errors)
                )));
            }
        }
        // A legend first: the IR names functions and data by number only.
        // (Writing to a String cannot fail.)
        let _ = writeln!(self.text, "; {name}");
        for (_, ext) in ctx.func.params.user_named_funcs().iter() {
            let what = match ext.namespace {
                0 => {
                    let id = FuncId::from_u32(ext.index);
                    self.declarations
                        .get_function_decl(id)
                        .linkage_name(id)
                        .into_owned()
                }
                1 => match self.literals.get(&DataId::from_u32(ext.index)) {
                    Some(legend) => legend.clone(),
                    None => continue,
                },
                _ => continue,
            };
            let _ = writeln!(self.text, ";   u{}:{} = {what}", ext.namespace, ext.index);
        }
        let _ = writeln!(self.text, "{}", ctx.func.display());
        Ok(())
    }

    fn define_function_bytes(
        &mut self,
        _func_id: FuncId,
        _alignment: u64,
        _bytes: &[u8],
        _relocs: &[ModuleReloc],
    ) -> ModuleResult<()> {
        Ok(())
    }

    fn define_data(&mut self, data_id: DataId, data: &DataDescription) -> ModuleResult<()> {
        // Our data objects are string literals (see `strings.rs`), whose
        // text follows a 24-byte header that starts with the immortal
        // count, and type descriptors (see `descs.rs`).
        if let Init::Bytes { contents } = &data.init {
            let is_string = contents
                .get(..8)
                .and_then(|b| <[u8; 8]>::try_from(b).ok())
                .is_some_and(|b| u64::from_ne_bytes(b) == IMMORTAL_RC);
            let legend = if is_string {
                let text = contents.get(24..).unwrap_or_default();
                format!("{:?}", String::from_utf8_lossy(text))
            } else {
                "type descriptor".to_string()
            };
            self.literals.insert(data_id, legend);
        }
        Ok(())
    }
}
