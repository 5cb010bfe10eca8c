//! The standard library written in Kriti (`stdlib/*.kr`), embedded in the
//! compiler and checked with every program as one extra module, listed
//! before the user's modules.
//!
//! It holds the methods of built-in types that need no native code
//! (`Option`/`Result` methods in `stdlib/option.kr`, the array methods
//! that take a function in `stdlib/array.kr`). Its `impl`s of built-in
//! types are the only ones allowed (the checker refuses them in user
//! code), and their methods are visible in every module without an
//! import. The checker treats them as generic methods: each use makes an
//! instance, which `ir::devirt` and `ir::inline` then fold into the
//! caller, so they cost what the hand lowering they replace cost.
//!
//! Its files are one module: each keeps its own path in the source map
//! (so diagnostics and stack traces name it), and their items are joined.

use crate::modules::ParsedModule;
use crate::span::{FileId, SourceMap};
use crate::syntax::{ast, parser};

/// The name the stdlib module has in the checker; its items' keys start
/// with `std.` (never seen: it declares only `impl`s of built-in types).
pub const MODULE: &str = "std";

/// The stdlib's files: each one's path in a [`SourceMap`] and its source.
/// Every path starts with `kriti_runtime::trace::STDLIB_PREFIX`, so stack
/// traces leave their frames out.
pub const FILES: &[(&str, &str)] = &[
    ("<stdlib>/option.kr", include_str!("../../stdlib/option.kr")),
    ("<stdlib>/array.kr", include_str!("../../stdlib/array.kr")),
];

/// Adds the stdlib's files to `sources` and parses them as one module.
pub fn add_to(sources: &mut SourceMap) -> ParsedModule {
    let files: Vec<FileId> = FILES
        .iter()
        .map(|(path, text)| sources.add(*path, *text))
        .collect();
    module(&files)
}

/// The stdlib parsed as one module whose `i`th file is `files[i]` (the
/// caller maps each to [`FILES`]`[i]`, or to nothing: a correct program
/// never shows a stdlib span). The sources are fixed, so they parse
/// without errors (a unit test checks it); were they not to, the items
/// that did parse are kept.
pub fn module(files: &[FileId]) -> ParsedModule {
    let mut items = Vec::new();
    for (&file, (_, text)) in files.iter().zip(FILES) {
        items.extend(parser::parse(file, text).0.items);
    }
    ParsedModule {
        name: MODULE.to_string(),
        file: files.first().copied().unwrap_or_default(),
        ast: ast::Module { items },
        imports: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stdlib_parses_cleanly() {
        for (path, text) in FILES {
            let (_, diags) = parser::parse(FileId(0), text);
            assert!(diags.is_empty(), "{path}: {diags:?}");
        }
    }

    /// The moved methods are the stdlib's: checking their calls makes
    /// instances of the stdlib's functions, and the caller holds calls of
    /// them, not a hand lowering (no tag tests, variants or loops of its
    /// own).
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
                   let xs = [1, 2]\n\
                   println(xs.map(|x| x + k).filter(|x| x > 0).fold(0, |a, x| a + x))\n\
                   println(xs.any(|x| x > k) || xs.all(|x| x < k))\n\
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
            "[int]::map<int>",
            "[int]::filter",
            "[int]::fold<int>",
            "[int]::any",
            "[int]::all",
        ] {
            assert!(names.contains(&m), "no instance {m} in {names:?}");
        }
        fn lowered(e: &Expr) -> usize {
            let own = matches!(
                e.kind,
                ExprKind::Tag(_) | ExprKind::Payload(..) | ExprKind::ForArray { .. }
            );
            let mut n = usize::from(own);
            for_each_child(e, &mut |c| n += lowered(c));
            n
        }
        let main = p.functions.iter().find(|f| f.name == "main").expect("main");
        assert_eq!(lowered(&main.body), 0);
    }

    #[test]
    fn stack_traces_recognise_the_stdlib() {
        for (path, _) in FILES {
            assert!(path.starts_with(kriti_runtime::trace::STDLIB_PREFIX));
        }
    }
}
