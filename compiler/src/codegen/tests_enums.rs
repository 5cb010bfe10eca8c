//! Codegen tests of enum values (user enums, `Option`, `Result`), `match`
//! and `?`, from source: each program checks its own results with
//! `assert_eq`, and every run that returns is a leak check (debug builds
//! count heap objects): enum objects, their payloads and the values that
//! patterns bind must each be released exactly once.

use super::*;
use crate::span::FileId;

/// Checks, inlines, compiles and runs `src`; a normal return must leave no
/// heap object behind.
fn run_source(src: &str) -> Outcome {
    let (module, diags) = crate::syntax::parser::parse(FileId(0), src);
    assert!(diags.is_empty(), "syntax errors: {diags:?}");
    let (program, diags) = crate::check::check(&module);
    assert!(diags.is_empty(), "check errors: {diags:?}");
    let mut program = program.expect("a program");
    crate::ir::inline::inline_program(&mut program);
    let mut sources = crate::span::SourceMap::new();
    sources.add("test.kr", src.to_string());
    let _guard = serial();
    let compiled = match compile_jit(&program, &sources) {
        Ok(c) => c,
        Err(e) => panic!("{e}"),
    };
    let before = kriti_runtime::value::live_objects();
    let outcome = compiled.run_main();
    let after = kriti_runtime::value::live_objects();
    if outcome == Outcome::Returned {
        assert_eq!(before, after, "heap objects leaked or freed twice");
    }
    match outcome {
        Outcome::Panicked {
            message, location, ..
        } => Outcome::panicked(message, location),
        other => other,
    }
}

/// A location in `test.kr`.
fn loc(line: u32, col: u32) -> kriti_runtime::SourceLoc {
    kriti_runtime::SourceLoc {
        file: "test.kr".into(),
        line,
        col,
    }
}

fn returns(src: &str) {
    match run_source(src) {
        Outcome::Returned => {}
        other => panic!("{other:?}"),
    }
}

#[test]
fn variants_with_heap_payloads() {
    returns(
        r#"
        enum Msg { Quit, Say(str), Move(int, int), Batch([str]) }
        fn describe(m: Msg) -> str {
            match m {
                Msg::Quit => "quit",
                Msg::Say(s) => "say " + s,
                Msg::Move(x, 0) => "horizontal {x}",
                Msg::Move(x, y) => "move {x} {y}",
                Msg::Batch(xs) => xs.join("+"),
            }
        }
        fn main() {
            var msgs = [Msg::Quit, Msg::Say("hi" + "!"), Msg::Move(3, 0), Msg::Move(1, 2)]
            msgs.push(Msg::Batch(["a", "b" + "c"]))
            var out: [str] = []
            for m in msgs { out.push(describe(m)) }
            assert_eq(out.join(", "), "quit, say hi!, horizontal 3, move 1 2, a+bc")
            assert_eq(str(msgs[1]), "Say(\"hi!\")")
            assert_eq(msgs[4], Msg::Batch(["a", "bc"]))
            assert(msgs[0] != msgs[1])
            let copy = msgs
            msgs[1] = Msg::Quit
            assert_eq(str(copy[1]), "Say(\"hi!\")")
            assert_eq(str(msgs), "[Quit, Quit, Move(3, 0), Move(1, 2), Batch([\"a\", \"bc\"])]")
        }
        "#,
    );
}

#[test]
fn recursive_enums_build_walk_and_drop() {
    returns(
        r#"
        enum Tree { Leaf, Node(Tree, int, Tree) }
        enum List { Nil, Cons(int, List) }
        fn insert(t: Tree, v: int) -> Tree {
            match t {
                Tree::Leaf => Tree::Node(Tree::Leaf, v, Tree::Leaf),
                Tree::Node(l, x, r) if v < x => Tree::Node(insert(l, v), x, r),
                Tree::Node(l, x, r) => Tree::Node(l, x, insert(r, v)),
            }
        }
        fn sum(t: Tree) -> int {
            match t { Tree::Leaf => 0, Tree::Node(l, v, r) => sum(l) + v + sum(r) }
        }
        fn inorder(t: Tree, var out: [int]) -> [int] {
            match t {
                Tree::Leaf => out,
                Tree::Node(l, v, r) => {
                    out = inorder(l, out)
                    out.push(v)
                    inorder(r, out)
                }
            }
        }
        fn main() {
            var t = Tree::Leaf
            for v in [5, 3, 8, 1, 4, 7, 9] { t = insert(t, v) }
            assert_eq(sum(t), 37)
            assert_eq(inorder(t, []), [1, 3, 4, 5, 7, 8, 9])
            // A long list: dropping, comparing and printing it must not
            // recurse once per element.
            var xs = List::Nil
            for i in 0..100000 { xs = List::Cons(i, xs) }
            var ys = List::Nil
            for i in 0..100000 { ys = List::Cons(i, ys) }
            assert(xs == ys)
            let text = str(xs)
            assert_eq(text.len(), 1288893)
            ys = List::Cons(1, ys)
            assert(xs != ys)
        }
        "#,
    );
}

#[test]
fn option_and_result_methods() {
    returns(
        r#"
        fn half(n: int) -> Result<int, str> {
            if n % 2 == 0 { Ok(n / 2) } else { Err("odd: {n}") }
        }
        fn main() {
            let a: Option<str> = Some("x" + "y")
            let b: Option<str> = None
            assert(a.is_some() && b.is_none())
            assert_eq(a.unwrap(), "xy")
            assert_eq(b.unwrap_or("d" + "e"), "de")
            assert_eq(a.unwrap_or("d" + "e"), "xy")
            assert_eq(a.expect("has a value"), "xy")
            assert_eq(str(b.ok_or("none" + "!")), "Err(\"none!\")")
            assert_eq(a.ok_or("none"), Ok("xy"))
            assert_eq(half(4), Ok(2))
            assert_eq(half(3).is_err(), true)
            assert_eq(half(3).ok(), None)
            assert_eq(half(8).ok(), Some(4))
            assert_eq(half(3).unwrap_or(-1), -1)
            let words: [Option<str>] = [Some("a"), None, Some("b" + "c")]
            var n = 0
            for w in words { n += w.unwrap_or("").len() }
            assert_eq(n, 3)
        }
        "#,
    );
}

#[test]
fn question_mark_returns_early() {
    returns(
        r#"
        fn first_even(xs: [int]) -> Option<int> {
            for x in xs { if x % 2 == 0 { return Some(x) } }
            None
        }
        fn add_first_evens(a: [int], b: [int]) -> Option<int> {
            let x = first_even(a)?
            let y = first_even(b)?
            Some(x + y)
        }
        fn parse_all(words: [str]) -> Result<[int], str> {
            var out: [int] = []
            for w in words {
                let n = parse_int(w).ok_or("bad number: " + w)?
                out.push(n)
            }
            Ok(out)
        }
        fn main() {
            assert_eq(add_first_evens([1, 2], [3, 4, 5]), Some(6))
            assert_eq(add_first_evens([1, 3], [4]), None)
            assert_eq(add_first_evens([2], [1]), None)
            assert_eq(parse_all(["1", "22", "-3"]), Ok([1, 22, -3]))
            assert_eq(parse_all(["1", "x2", "3"]), Err("bad number: x2"))
        }
        "#,
    );
}

#[test]
fn patterns_bind_and_test_every_shape() {
    returns(
        r#"
        struct P { x: int, y: int, name: str }
        fn f(v: (Option<str>, P)) -> str {
            match v {
                (Some("stop"), _) => "stop",
                (Some(s), P { x: 0, y, name }) => "{s} on y={y} {name}",
                (None, P { x, y: 0 | 1, name: _ }) => "low {x}",
                (_, P { name }) if name == "g" => "guarded",
                (_, p) => "other {p.x}",
            }
        }
        fn main() {
            assert_eq(f((Some("st" + "op"), P { x: 1, y: 1, name: "n" })), "stop")
            assert_eq(f((Some("go" + ""), P { x: 0, y: 5, name: "n" + "m" })), "go on y=5 nm")
            assert_eq(f((None, P { x: 3, y: 1, name: "n" })), "low 3")
            assert_eq(f((None, P { x: 3, y: 2, name: "g" + "" })), "guarded")
            assert_eq(f((Some("a"), P { x: 9, y: 2, name: "h" })), "other 9")
            let (a, P { x, name, y: _ }) = (1, P { x: 2, y: 3, name: "q" + "r" })
            assert_eq("{a} {x} {name}", "1 2 qr")
        }
        "#,
    );
}

#[test]
fn or_patterns_with_bindings_and_guards() {
    returns(
        r#"
        fn pick(t: (Option<int>, Option<int>)) -> int {
            match t {
                (Some(a), None) | (None, Some(a)) => a,
                (Some(a), Some(b)) if a > b => a - b,
                (Some(a), Some(b)) => b - a,
                (None, None) => -1,
            }
        }
        fn name(n: int) -> str {
            match n {
                1 | 2 | 3 => "small",
                -10..=-1 => "negative",
                10..20 => "teen",
                x if x % 2 == 0 => "even",
                _ => "odd",
            }
        }
        fn main() {
            assert_eq(pick((Some(5), None)), 5)
            assert_eq(pick((None, Some(7))), 7)
            assert_eq(pick((Some(9), Some(2))), 7)
            assert_eq(pick((Some(2), Some(9))), 7)
            assert_eq(pick((None, None)), -1)
            var names: [str] = []
            for n in [2, -4, 15, 20, 21, 0, -11] { names.push(name(n)) }
            assert_eq(names, ["small", "negative", "teen", "even", "odd", "even", "odd"])
            let s = "b" + "c"
            let r = match s { "a" => 1, "bc" => 2, _ => 3 }
            assert_eq(r, 2)
        }
        "#,
    );
}

#[test]
fn option_returning_builtins() {
    returns(
        r#"
        fn main() {
            var xs = ["b" + "", "a" + "", "c" + ""]
            assert_eq(xs.min(), Some("a"))
            assert_eq(xs.max(), Some("c"))
            assert_eq(xs.index_of("c"), Some(2))
            assert_eq(xs.index_of("z"), None)
            assert_eq(xs.pop(), Some("c"))
            assert_eq(xs.pop(), Some("a"))
            assert_eq(xs.pop(), Some("b"))
            assert_eq(xs.pop(), None)
            let fs = [2.5, -1.0, 7.25]
            assert_eq(fs.min(), Some(-1.0))
            assert_eq("hello".find("lo"), Some(3))
            assert_eq("hello".find("x"), None)
            assert_eq(parse_int("-42"), Some(-42))
            assert_eq(parse_int("4 2"), None)
            assert_eq(parse_float("1e3"), Some(1000.0))
            assert_eq(parse_float(""), None)
        }
        "#,
    );
}

#[test]
fn unwrap_on_none_panics_at_the_call() {
    let outcome =
        run_source("fn main() {\n    let x: Option<int> = None\n    println(x.unwrap())\n}\n");
    assert_eq!(
        outcome,
        Outcome::panicked("called `unwrap` on `None`", Some(loc(3, 13)))
    );
}

#[test]
fn expect_on_err_shows_the_error() {
    let outcome = run_source(
        "fn main() {\n    let r: Result<int, str> = Err(\"bad\" + \"!\")\n    let v = r.expect(\"no value\")\n}\n",
    );
    assert_eq!(
        outcome,
        Outcome::panicked("no value: bad!", Some(loc(3, 13)))
    );
}

#[test]
fn loops_rebind_heap_values_in_patterns() {
    returns(
        r#"
        enum Tok { Word(str), Pair(str, str), Num(int) }
        fn main() {
            var toks: [Tok] = []
            for i in 0..40 {
                let w = "w{i}"
                if i % 3 == 0 { toks.push(Tok::Word(w)) }
                else if i % 3 == 1 { toks.push(Tok::Pair(w, "p" + w)) }
                else { toks.push(Tok::Num(i)) }
            }
            var total = 0
            var kept: [str] = []
            for t in toks {
                // guards that fail after their pattern bound heap values
                match t {
                    Tok::Word(s) | Tok::Pair(s, _) if s.len() > 2 => kept.push(s),
                    Tok::Pair(_, s) | Tok::Word(s) => total += s.len(),
                    Tok::Num(n) if n > 30 => total += n,
                    Tok::Num(_) => {}
                }
                let again = match toks.index_of(t) {
                    Some(i) => toks[i],
                    None => Tok::Num(-1),
                }
                assert(again == t)
                assert(toks.contains(t))
            }
            assert_eq(kept.len(), 20)
            var o: Option<[str]> = None
            for i in 0..10 {
                o = match o {
                    None => Some(["a"]),
                    Some(xs) if xs.len() < 5 => Some(xs + ["b{i}"]),
                    Some(_) => None,
                }
            }
            assert_eq(str(o), "Some([\"a\", \"b7\", \"b8\", \"b9\"])")
            let r: Result<str, [int]> = Err([1, 2])
            assert_eq(r.ok(), None)
        }
        "#,
    );
}
