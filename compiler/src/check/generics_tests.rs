//! Tests of monomorphization as KIR shows it: instance names, one
//! function per distinct instance, and instance types as plain structs and
//! enums. What instances compute is tested end to end by
//! `tests/programs/generics/`.

use crate::ir::kir::Program;
use crate::ir::types::Type;
use crate::span::FileId;

fn checked(src: &str) -> Program {
    let (module, diags) = crate::syntax::parser::parse(FileId(0), src);
    assert!(diags.is_empty(), "syntax errors: {diags:?}");
    let (program, diags) = super::check(&module);
    assert!(diags.is_empty(), "check errors: {diags:?}");
    program.expect("a program")
}

fn names(p: &Program) -> Vec<&str> {
    p.functions.iter().map(|f| f.name.as_str()).collect()
}

#[test]
fn each_instance_is_one_function_named_with_its_arguments() {
    let p = checked(
        "fn first<T>(xs: [T]) -> Option<T> { if xs.len() == 0 { None } else { Some(xs[0]) } }
         fn main() { first([1]); first([2]); first([\"a\"]); first([[1]]) }",
    );
    let mut n = names(&p);
    n.sort_unstable();
    assert_eq!(n, ["first<[int]>", "first<int>", "first<str>", "main"]);
}

#[test]
fn recursive_instances_reuse_themselves() {
    let p = checked(
        "fn count<T>(xs: [T]) -> int { if xs.len() == 0 { 0 } else { 1 + count(xs[1..xs.len()]) } }
         fn even<T>(x: T, n: int) -> bool { if n == 0 { true } else { odd(x, n - 1) } }
         fn odd<T>(x: T, n: int) -> bool { if n == 0 { false } else { even(x, n - 1) } }
         fn main() { count([1]); even(1, 3); even(\"s\", 2) }",
    );
    let mut n = names(&p);
    n.sort_unstable();
    assert_eq!(
        n,
        [
            "count<int>",
            "even<int>",
            "even<str>",
            "main",
            "odd<int>",
            "odd<str>"
        ]
    );
}

#[test]
fn generic_types_become_plain_structs_and_enums() {
    let p = checked(
        "struct Pair<A, B> { a: A, b: B }
         enum Tree<T> { Leaf, Node(Tree<T>, T, Tree<T>) }
         fn main() {
             let p = Pair { a: 1, b: \"x\" }
             let q: Pair<int, str> = Pair { a: 2, b: \"y\" }
             let t = Tree::Node(Tree::Leaf, 1.5, Tree::Leaf)
         }",
    );
    // One struct for both literals; KIR names it as the source does.
    assert_eq!(p.structs.len(), 1);
    assert_eq!(p.structs[0].name, "Pair");
    assert_eq!(
        p.structs[0].fields,
        [("a".to_string(), Type::Int), ("b".to_string(), Type::Str)]
    );
    // The recursive payload refers to the instance itself.
    assert_eq!(p.enums.len(), 1);
    let node = &p.enums[0].variants[1].1;
    assert_eq!(node[0], Type::Enum(0, "Tree<float>".to_string()));
    assert_eq!(node[1], Type::Float);
}

#[test]
fn methods_of_generic_impls_are_named_after_the_instance() {
    let p = checked(
        "struct Stack<T> { items: [T] }
         impl<T> Stack<T> {
             fn new() -> Stack<T> { Stack { items: [] } }
             fn push(var self, x: T) { self.items.push(x) }
             fn map<U>(self, f: fn(T) -> U) -> Stack<U> { Stack { items: self.items.map(f) } }
         }
         fn main() { var s: Stack<int> = Stack::new(); s.push(1); s.map(|x| x > 0) }",
    );
    let n = names(&p);
    for want in [
        "Stack<int>::new",
        "Stack<int>::push",
        "Stack<int>::map<bool>",
    ] {
        assert!(n.contains(&want), "{want} missing from {n:?}");
    }
    let push = p.functions.iter().find(|f| f.name == "Stack<int>::push");
    assert!(push.is_some_and(|f| f.returns_self));
}

#[test]
fn uncalled_generic_functions_produce_no_code() {
    let p = checked("fn unused<T>(x: T) -> [T] { [x] } fn main() {}");
    assert_eq!(names(&p), ["main"]);
}

/// Checks modules `(name, source, imports)`, dependencies first and the
/// main file last; an import names a module by its index in `mods`.
fn checked_modules(mods: &[(&str, &str, &[usize])]) -> Program {
    let parsed: Vec<crate::modules::ParsedModule> = mods
        .iter()
        .enumerate()
        .map(|(i, (name, src, imports))| {
            let file = FileId(i as u32);
            let (ast, diags) = crate::syntax::parser::parse(file, src);
            assert!(diags.is_empty(), "syntax errors: {diags:?}");
            let imports = imports
                .iter()
                .map(|&m| {
                    let id = crate::syntax::ast::Ident {
                        name: mods[m].0.to_string(),
                        span: Default::default(),
                    };
                    (id, m)
                })
                .collect();
            crate::modules::ParsedModule {
                name: name.to_string(),
                file,
                ast,
                imports,
            }
        })
        .collect();
    let (program, diags) = super::check_modules(&parsed, &Default::default());
    assert!(diags.is_empty(), "check errors: {diags:?}");
    program.expect("a program")
}

#[test]
fn instances_of_same_named_generics_of_two_modules_stay_apart() {
    let first = "pub fn first<T>(xs: [T]) -> T { xs[0] }
                 pub struct Box<T> { v: T }
                 impl<T> Box<T> { pub fn get(self) -> T { self.v } }";
    let p = checked_modules(&[
        ("a", first, &[]),
        ("b", first, &[]),
        (
            "main",
            "fn first<T>(xs: [T]) -> T { xs[0] }
             fn main() {
                 a.first([1]); b.first([1]); first([1])
                 a.Box { v: 1 }.get(); b.Box { v: b.Box { v: 1 } }.get()
             }",
            &[0, 1],
        ),
    ]);
    let mut n = names(&p);
    n.sort_unstable();
    assert_eq!(
        n,
        [
            "a.Box<int>::get",
            "a.first<int>",
            "b.Box<b.Box<int>>::get",
            "b.first<int>",
            "first<int>",
            "main"
        ]
    );
}
