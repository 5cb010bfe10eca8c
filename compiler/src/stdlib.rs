//! The standard library written in Kriti (`stdlib/*.kr`), embedded in the
//! compiler and checked with every program as one extra module, listed
//! before the user's modules.
//!
//! It holds the methods of built-in types that need no native code
//! (`Option`/`Result` methods, see `stdlib/option.kr`). Its `impl`s of
//! built-in types are the only ones allowed (the checker refuses them in
//! user code), and their methods are visible in every module without an
//! import. The checker treats them as generic methods: each use makes an
//! instance, which `ir::devirt` and `ir::inline` then fold into the
//! caller, so they cost what the hand lowering they replace cost.

use crate::modules::ParsedModule;
use crate::span::FileId;
use crate::syntax::parser;

/// The name the stdlib module has in the checker; its items' keys start
/// with `std.` (never seen: it declares only `impl`s of built-in types).
pub const MODULE: &str = "std";

/// The path the stdlib file has in a [`crate::span::SourceMap`]; it
/// starts with `kriti_runtime::trace::STDLIB_PREFIX`, so stack traces
/// leave its frames out.
pub const PATH: &str = "<stdlib>/option.kr";

/// The stdlib's source.
pub const SOURCE: &str = include_str!("../../stdlib/option.kr");

/// The stdlib parsed as the module of file `file` (the caller adds
/// [`SOURCE`] to its source map under [`PATH`]). The source is fixed, so
/// it parses without errors (a unit test checks it); were it not to, the
/// items that did parse are kept.
pub fn module(file: FileId) -> ParsedModule {
    let (ast, _) = parser::parse(file, SOURCE);
    ParsedModule {
        name: MODULE.to_string(),
        file,
        ast,
        imports: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stdlib_parses_cleanly() {
        let (_, diags) = parser::parse(FileId(0), SOURCE);
        assert!(diags.is_empty(), "{diags:?}");
    }

    /// The moved methods are the stdlib's: checking their calls makes
    /// instances of the stdlib's functions, and the caller holds calls of
    /// them, not a hand lowering (no tag tests or variants of its own).
    #[test]
    fn the_checker_has_no_hand_lowering_of_moved_methods() {
        use crate::ir::kir::{Expr, ExprKind};
        use crate::ir::visit::for_each_child;
        let src = "fn main() {\n\
                   let o: Option<int> = Some(1)\n\
                   let r: Result<int, str> = Ok(2)\n\
                   let k = 3\n\
                   println(o.is_some() || o.is_none() || r.is_ok() || r.is_err())\n\
                   println(o.unwrap_or(0) + r.unwrap_or(0))\n\
                   println(o.ok_or(\"e\"))\n\
                   println(r.ok())\n\
                   println(o.map(|x| x + k))\n\
                   println(r.map(|x| x + k))\n\
                   }\n";
        let (module, diags) = parser::parse(FileId(0), src);
        assert!(diags.is_empty(), "{diags:?}");
        let (program, diags) = crate::check::check(&module);
        assert!(diags.is_empty(), "{diags:?}");
        let p = program.expect("a program");
        let names: Vec<&str> = p.functions.iter().map(|f| f.name.as_str()).collect();
        for m in [
            "Option<int>::is_some",
            "Option<int>::is_none",
            "Option<int>::unwrap_or",
            "Option<int>::ok_or<str>",
            "Option<int>::map<int>",
            "Result<int, str>::is_ok",
            "Result<int, str>::is_err",
            "Result<int, str>::unwrap_or",
            "Result<int, str>::ok",
            "Result<int, str>::map<int>",
        ] {
            assert!(names.contains(&m), "no instance {m} in {names:?}");
        }
        fn lowered(e: &Expr) -> usize {
            let own = matches!(e.kind, ExprKind::Tag(_) | ExprKind::Payload(..));
            let mut n = usize::from(own);
            for_each_child(e, &mut |c| n += lowered(c));
            n
        }
        let main = p.functions.iter().find(|f| f.name == "main").expect("main");
        assert_eq!(lowered(&main.body), 0);
    }

    #[test]
    fn stack_traces_recognise_the_stdlib() {
        assert!(PATH.starts_with(kriti_runtime::trace::STDLIB_PREFIX));
    }
}
