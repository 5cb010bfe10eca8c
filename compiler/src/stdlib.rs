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

/// The stdlib's files: each one's path in a [`SourceMap`], its source,
/// and the names of native methods that use its methods (`par_map` maps
/// its chunks with `map`). Every path starts with
/// `kriti_runtime::trace::STDLIB_PREFIX`, so stack traces leave their
/// frames out.
pub const FILES: &[(&str, &str, &[&str])] = &[
    (
        "<stdlib>/option.kr",
        include_str!("../../stdlib/option.kr"),
        &[],
    ),
    (
        "<stdlib>/array.kr",
        include_str!("../../stdlib/array.kr"),
        &["par_map"],
    ),
];

/// Adds the stdlib's files to `sources` (parsing none); their ids, in the
/// order of [`FILES`].
pub fn add_files(sources: &mut SourceMap) -> Vec<FileId> {
    FILES
        .iter()
        .map(|(path, text, _)| sources.add(*path, *text))
        .collect()
}

/// Adds the stdlib's files to `sources` and parses them all as one module.
pub fn add_to(sources: &mut SourceMap) -> ParsedModule {
    let files = add_files(sources);
    module(&files, &[true; FILES.len()])
}

/// Which stdlib files a program whose sources are `texts` may use: those
/// that define a method (or name a native one that uses theirs) the
/// sources name. Parsing is most of the stdlib's start-up cost, and a
/// method of the stdlib is only reachable by its name, so the others need
/// not be parsed. (Their methods still are for suggestions: a caller that
/// gets diagnostics checks again with every file.)
pub fn wanted(texts: &[&str]) -> Vec<bool> {
    FILES
        .iter()
        .map(|(_, text, users)| {
            let mut names = defined_methods(text).chain(users.iter().copied());
            names.any(|n| texts.iter().any(|t| names_word(t, n)))
        })
        .collect()
}

/// The names of the `pub fn`s in stdlib source `text`.
fn defined_methods(text: &str) -> impl Iterator<Item = &str> {
    text.split("pub fn ").skip(1).filter_map(|rest| {
        let end = rest.find(|c: char| !is_ident_char(c))?;
        Some(&rest[..end])
    })
}

/// Whether `text` holds `word` as a whole identifier.
fn names_word(text: &str, word: &str) -> bool {
    text.match_indices(word).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + word.len()..].chars().next();
        !before.is_some_and(is_ident_char) && !after.is_some_and(is_ident_char)
    })
}

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The stdlib parsed as one module whose `i`th file is `files[i]` (the
/// caller maps each to [`FILES`]`[i]`, or to nothing: a correct program
/// never shows a stdlib span), with only the files `parse` marks. The
/// sources are fixed, so they parse without errors (a unit test checks
/// it); were they not to, the items that did parse are kept.
pub fn module(files: &[FileId], parse: &[bool]) -> ParsedModule {
    let mut items = Vec::new();
    for ((&file, (_, text, _)), _) in files.iter().zip(FILES).zip(parse).filter(|(_, &p)| p) {
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
        for (path, text, _) in FILES {
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
                   println(xs.any(|x| x > k) || xs.all(|x| x < k) || xs.contains(k))\n\
                   println(xs.index_of(k))\n\
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
            "[int]::contains",
            "[int]::index_of",
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
    fn only_the_files_a_program_names_are_parsed() {
        assert_eq!(wanted(&["fn main() { println(1) }"]), [false, false]);
        assert_eq!(wanted(&["x.unwrap_or(0)"]), [true, false]);
        assert_eq!(wanted(&["", "xs.par_map(f)"]), [false, true]);
        // A name inside another is not that name.
        assert_eq!(wanted(&["let mapping = remap"]), [false, false]);
        assert_eq!(wanted(&["xs.map(f).filter(g)"]), [true, true]);
    }

    #[test]
    fn stack_traces_recognise_the_stdlib() {
        for (path, _, _) in FILES {
            assert!(path.starts_with(kriti_runtime::trace::STDLIB_PREFIX));
        }
    }
}
