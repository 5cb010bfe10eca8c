//! Tests of the lexer and the parser.

use super::ast::*;
use super::lexer::{lex, Token};
use super::parser::parse;
use super::printer;
use crate::diagnostics::Diagnostic;
use crate::span::FileId;

const SAMPLE: &str = include_str!("testdata/sample.kr");

fn render(src: &str, diags: &[Diagnostic]) -> String {
    let mut sm = crate::span::SourceMap::new();
    sm.add("test.kr", src);
    crate::diagnostics::render(diags, &sm, false)
}

/// Parses `src`, failing the test on any diagnostic.
fn parse_ok(src: &str) -> Module {
    let (m, d) = parse(FileId(0), src);
    assert!(d.is_empty(), "unexpected diagnostics:\n{}", render(src, &d));
    m
}

/// The diagnostics of `src`.
fn errors(src: &str) -> Vec<Diagnostic> {
    parse(FileId(0), src).1
}

fn codes(src: &str) -> Vec<&'static str> {
    errors(src).iter().map(|d| d.code).collect()
}

/// The statements of `fn main() { <body> }`, printed one per entry.
fn body(src_body: &str) -> Vec<String> {
    let src = format!("fn main() {{\n{src_body}\n}}\n");
    let m = parse_ok(&src);
    match &m.items[0].kind {
        ItemKind::Fn(f) => f.body.stmts.iter().map(printer::stmt).collect(),
        other => panic!("not a fn: {other:?}"),
    }
}

/// One expression, printed.
fn expr(src_expr: &str) -> String {
    let stmts = body(&format!("let it = {src_expr}"));
    assert_eq!(stmts.len(), 1, "{stmts:?}");
    let s = &stmts[0];
    s.strip_prefix("(let it ")
        .and_then(|s| s.strip_suffix(')'))
        .unwrap_or(s)
        .to_string()
}

/// One pattern (from a match arm), printed.
fn pattern(src_pat: &str) -> String {
    let src = format!("fn main() {{ match x {{ {src_pat} => 0 }} }}");
    let m = parse_ok(&src);
    let ItemKind::Fn(f) = &m.items[0].kind else {
        panic!()
    };
    let StmtKind::Expr(Expr {
        kind: ExprKind::Match { arms, .. },
        ..
    }) = &f.body.stmts[0].kind
    else {
        panic!()
    };
    printer::pattern(&arms[0].pattern)
}

fn kinds(src: &str) -> Vec<String> {
    lex(FileId(0), src)
        .0
        .iter()
        .map(|(t, _)| match t {
            Token::Newline => "NL".to_string(),
            Token::Semi => ";".to_string(),
            Token::Ident(s) => s.clone(),
            Token::Int(n) => n.to_string(),
            Token::Float(x) => format!("{x:?}"),
            t => t.kind_name().trim_matches('`').to_string(),
        })
        .collect()
}

// ---------------------------------------------------------------------------
// The lexer.

#[test]
fn newline_rule_inserts_separators() {
    assert_eq!(kinds("a\nb"), ["a", "NL", "b"]);
    // A line ending in an operator, `(`, `[`, `{` or `,` continues.
    assert_eq!(kinds("a +\nb"), ["a", "+", "b"]);
    assert_eq!(kinds("f(\na,\nb\n)"), ["f", "(", "a", ",", "b", ")"]);
    // The next line starting with `.` or `else` continues.
    assert_eq!(kinds("a\n.b()"), ["a", ".", "b", "(", ")"]);
    assert_eq!(
        kinds("if a {\n}\nelse {\n}"),
        ["if", "a", "{", "}", "else", "{", "}"]
    );
    // Enders: literals, `)`, `]`, `}`, `?`, `break`, `continue`, `return`.
    assert_eq!(
        kinds("1\n\"s\"\nx?\nbreak\ncontinue\nreturn\ny"),
        [
            "1", "NL", "a string", "NL", "x", "?", "NL", "break", "NL", "continue", "NL", "return",
            "NL", "y"
        ]
    );
    // Not enders: `=`, `=>`, keywords like `let`.
    assert_eq!(kinds("let\nx =\n1"), ["let", "x", "=", "1"]);
}

#[test]
fn newlines_inside_brackets() {
    // Inside ( ) and [ ] newlines mean nothing...
    assert_eq!(kinds("[1,\n2\n]"), ["[", "1", ",", "2", "]"]);
    assert_eq!(kinds("(a\n+ b)"), ["(", "a", "+", "b", ")"]);
    // ...unless a `{` is open inside them.
    assert_eq!(
        kinds("f(|| {\na\nb\n})"),
        ["f", "(", "||", "{", "a", "NL", "b", "}", ")"]
    );
}

#[test]
fn separators_are_normalised() {
    // Trailing `,` / `;` before a closer, repeated `;`, `;` after `{`.
    assert_eq!(kinds("f(a, b,)"), ["f", "(", "a", ",", "b", ")"]);
    assert_eq!(kinds("[1, 2,\n]"), ["[", "1", ",", "2", "]"]);
    assert_eq!(kinds("{; a;; b; }"), ["{", "a", ";", "b", "}"]);
    assert_eq!(kinds(";\n;a"), ["a"]);
    assert_eq!(kinds("a\n\n\n// comment\nb"), ["a", "NL", "b"]);
    // A comma right after an opener is kept (it is an error).
    assert_eq!(kinds("f(,)"), ["f", "(", ",", ")"]);
}

#[test]
fn numbers_and_tuple_fields() {
    assert_eq!(
        kinds("42 1_000_000 0xff 0o17 0b1010"),
        ["42", "1000000", "255", "15", "10"]
    );
    assert_eq!(
        kinds("3.14 1e9 2.5e-3 1_000.5"),
        ["3.14", "1000000000.0", "0.0025", "1000.5"]
    );
    assert_eq!(kinds("1..5"), ["1", "..", "5"]);
    assert_eq!(kinds("1..=5"), ["1", "..=", "5"]);
    assert_eq!(kinds("x.0.1"), ["x", ".", "0", ".", "1"]);
    assert_eq!(kinds("1.max(2)"), ["1", ".", "max", "(", "2", ")"]);
    // `>>` is two `>` (so generic argument lists can close together).
    assert_eq!(kinds("a >> b"), ["a", ">", ">", "b"]);
    assert_eq!(kinds("-9223372036854775808"), [i64::MIN.to_string()]);
    assert_eq!(kinds("9223372036854775807"), [i64::MAX.to_string()]);
}

#[test]
fn number_errors() {
    assert_eq!(codes("fn f() { 9223372036854775808 }"), ["E0102"]);
    assert_eq!(codes("fn f() { 1 - 9223372036854775808 }"), ["E0102"]);
    assert_eq!(codes("fn f() { 99999999999999999999 }"), ["E0102"]);
    assert_eq!(codes("fn f() { -9223372036854775809 }"), ["E0102"]);
    assert!(codes("fn f() { -9223372036854775808 }").is_empty());
    assert_eq!(codes("fn f() { 0xfg }"), ["E0112"]);
    assert_eq!(codes("fn f() { 0b102 }"), ["E0112"]);
    assert_eq!(codes("fn f() { 12abc }"), ["E0112"]);
    assert_eq!(codes("fn f() { 0x }"), ["E0112"]);
    assert_eq!(codes("fn f() { 1e999 }"), ["E0112"]);
}

#[test]
fn comments() {
    assert_eq!(kinds("a // c\nb"), ["a", "NL", "b"]);
    assert_eq!(kinds("a /* c /* nested */ still */ b"), ["a", "b"]);
    // A block comment spanning lines counts as a line break.
    assert_eq!(kinds("a /* \n */ b"), ["a", "NL", "b"]);
    assert_eq!(codes("fn f() {} /* never closed /* */"), ["E0111"]);
    let (toks, _) = lex(FileId(0), "/// doc one\n///  doc two\n//// not doc\nfn");
    let docs: Vec<_> = toks
        .iter()
        .filter_map(|(t, _)| match t {
            Token::DocComment(d) => Some(d.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(docs, ["doc one", " doc two"]);
}

#[test]
fn strings_and_escapes() {
    let (toks, d) = lex(FileId(0), r#""tab\t nl\n q\" bs\\ nul\0 \{\} \u{1F600}""#);
    assert!(d.is_empty(), "{d:?}");
    assert_eq!(
        toks[0].0,
        Token::Str("tab\t nl\n q\" bs\\ nul\0 {} \u{1F600}".into())
    );
    assert_eq!(codes(r#"fn f() { "a\qb" }"#), ["E0108"]);
    assert_eq!(codes(r#"fn f() { "\u{D800}" }"#), ["E0109"]);
    assert_eq!(codes(r#"fn f() { "\u{110000}" }"#), ["E0109"]);
    assert_eq!(codes(r#"fn f() { "\u{}" }"#), ["E0109"]);
    assert_eq!(codes(r#"fn f() { "\u1234" }"#), ["E0109"]);
    assert_eq!(codes("fn f() { \"open\n}"), ["E0110"]);
    assert_eq!(codes(r#"fn f() { "{}" }"#), ["E0106"]);
    assert_eq!(codes(r#"fn f() { "{ x" }"#), ["E0107"]);
    assert_eq!(codes("fn f() { x @ y }"), ["E0100"]);
}

#[test]
fn precise_escape_spans() {
    let src = r#"fn f() { "ok \q ok" }"#;
    let d = errors(src);
    assert_eq!(d.len(), 1);
    assert_eq!(&src[d[0].primary.span.range()], r"\q");
    let src = r#"fn f() { "\u{110000}" }"#;
    let d = errors(src);
    assert_eq!(&src[d[0].primary.span.range()], r"\u{110000}");
}

#[test]
fn interpolation() {
    assert_eq!(
        expr(r#""fib({n}) = {fib(n)}""#),
        r#"(str "fib(" n ") = " (call fib n))"#
    );
    assert_eq!(expr(r#""{a}{b}""#), "(str a b)");
    // Holes can hold any expression, including strings with holes and braces.
    assert_eq!(
        expr(r#""a {f("b {c + 1} d")} e""#),
        r#"(str "a " (call f (str "b " (+ c 1) " d")) " e")"#
    );
    assert_eq!(expr(r#""{ {1} }""#), "(str {1})");
    assert_eq!(expr(r#""{m["k"]}""#), r#"(str (index m "k"))"#);
    assert_eq!(
        expr(r#""{Point { x: 1 }.x}""#),
        "(str (. (new Point (x 1)) x))"
    );
    let (toks, _) = lex(FileId(0), r#""a{x}b{y}c""#);
    let strs: Vec<_> = toks.iter().map(|(t, _)| t.clone()).collect();
    assert_eq!(
        strs,
        [
            Token::StrStart("a".into()),
            Token::Ident("x".into()),
            Token::StrMid("b".into()),
            Token::Ident("y".into()),
            Token::StrEnd("c".into()),
        ]
    );
}

// ---------------------------------------------------------------------------
// Expressions.

#[test]
fn precedence() {
    assert_eq!(expr("i + 1..n"), "(.. (+ i 1) n)");
    assert_eq!(expr("0..=n - 1"), "(..= 0 (- n 1))");
    assert_eq!(expr("a || b && c"), "(|| a (&& b c))");
    assert_eq!(expr("a && b || c"), "(|| (&& a b) c)");
    assert_eq!(expr("-x.y"), "(- (. x y))");
    assert_eq!(expr("-x.abs()"), "(- (.abs x))");
    assert_eq!(expr("!a.b()?"), "(! (? (.b a)))");
    assert_eq!(expr("1 << 2 + 3"), "(<< 1 (+ 2 3))");
    assert_eq!(expr("a >> 2 >= 1"), "(>= (>> a 2) 1)");
    assert_eq!(expr("a | b ^ c & d"), "(| a (^ b (& c d)))");
    assert_eq!(expr("a & b == c"), "(== (& a b) c)");
    assert_eq!(
        expr("1 + 2 * 3 - 4 / 5 % 6"),
        "(- (+ 1 (* 2 3)) (% (/ 4 5) 6))"
    );
    assert_eq!(expr("a - b - c"), "(- (- a b) c)");
    assert_eq!(expr("a == b && c != d"), "(&& (== a b) (!= c d))");
    assert_eq!(expr("- - x"), "(- (- x))");
    assert_eq!(
        expr("f(x)[i].y.0(z)"),
        "(call (. (. (index (call f x) i) y) 0) z)"
    );
    assert_eq!(expr("a.b(1).c"), "(. (.b a 1) c)");
    assert_eq!(expr("x? + 1"), "(+ (? x) 1)");
    assert_eq!(expr("s[1..3]"), "(index s (.. 1 3))");
}

#[test]
fn chained_comparison_is_an_error() {
    let d = errors("fn f() { let x = a < b < c }");
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].code, "E0113");
    assert!(d[0].help.as_deref().unwrap_or("").contains("&&"));
    assert_eq!(codes("fn f() { a == b == c }"), ["E0113"]);
    assert!(codes("fn f() { (a < b) == c }").is_empty());
}

#[test]
fn literals() {
    assert_eq!(expr("42"), "42");
    assert_eq!(expr("0xff"), "255");
    assert_eq!(expr("3.14"), "3.14");
    assert_eq!(expr("-9223372036854775808"), i64::MIN.to_string());
    assert_eq!(expr("true"), "true");
    assert_eq!(expr("false"), "false");
    assert_eq!(expr(r#""hi""#), r#""hi""#);
    assert_eq!(expr("()"), "()");
    assert_eq!(expr("(1)"), "1");
    assert_eq!(expr("(1, \"a\")"), r#"(tuple 1 "a")"#);
    assert_eq!(expr("(a, b,)"), "(tuple a b)");
    assert_eq!(expr("[]"), "[]");
    assert_eq!(expr("[1, 2, 3]"), "[1 2 3]");
    assert_eq!(expr("[1, 2,]"), "[1 2]");
    assert_eq!(expr("[0; n]"), "(repeat 0 n)");
    assert_eq!(expr(r#"["a": 1, "b": 2]"#), r#"(map ("a" 1) ("b" 2))"#);
    assert_eq!(expr("[:]"), "(map)");
    assert_eq!(expr("Point { x: 1.0, y }"), "(new Point (x 1.0) (y))");
    assert_eq!(
        expr("Point {\n x: 1.0\n y: 2.0\n}"),
        "(new Point (x 1.0) (y 2.0))"
    );
    assert_eq!(
        expr("geometry.Point { x: 1.0 }"),
        "(new geometry.Point (x 1.0))"
    );
    assert_eq!(expr("Self { x: 1 }"), "(new Self (x 1))");
    assert_eq!(expr("Shape::Circle(1.0)"), "(call Shape::Circle 1.0)");
    assert_eq!(expr("Point::origin()"), "(call Point::origin)");
    assert_eq!(expr("None"), "None");
    assert_eq!(expr("chan<int>()"), "(chan int)");
    assert_eq!(expr("chan<(int, str)>(16)"), "(chan (int, str) 16)");
    assert_eq!(expr("chan<Option<int>>(1)"), "(chan Option<int> 1)");
}

#[test]
fn closures() {
    assert_eq!(expr("|x| x * 2"), "(closure |x| (* x 2))");
    assert_eq!(
        expr("|a: int, b: int| -> int { a + b }"),
        "(closure |a: int, b: int| -> int {(+ a b)})"
    );
    assert_eq!(expr("|| 42"), "(closure || 42)");
    assert_eq!(expr("|_| 0"), "(closure |_| 0)");
    assert_eq!(expr("xs.map(|x| x + 1)"), "(.map xs (closure |x| (+ x 1)))");
    assert_eq!(expr("a || b"), "(|| a b)");
}

#[test]
fn control_flow() {
    assert_eq!(
        body("if a {\n  1\n}\nelse if b {\n  2\n}\nelse {\n  3\n}"),
        ["(if a {1} (if b {2} {3}))"]
    );
    assert_eq!(body("if a { 1 } else { 2 }"), ["(if a {1} {2})"]);
    // Brace on the next line after a head.
    assert_eq!(body("while x\n{\n  f()\n}"), ["(while x {(call f)})"]);
    assert_eq!(
        body("for i in 0..n { s += i }"),
        ["(for i (.. 0 n) {(+= s i)})"]
    );
    assert_eq!(body("for (k, v) in m { }"), ["(for (k, v) m {})"]);
    assert_eq!(body("loop { break }"), ["(loop {break})"]);
    assert_eq!(body("return"), ["(return)"]);
    assert_eq!(body("return\nx"), ["(return)", "x"]);
    assert_eq!(body("return x + 1"), ["(return (+ x 1))"]);
    assert_eq!(body("continue"), ["continue"]);
    // Block-like statements need no separator after them.
    assert_eq!(body("if a { b } c()"), ["(if a {b})", "(call c)"]);
    assert_eq!(body("{ 1 } { 2 }"), ["{1}", "{2}"]);
}

#[test]
fn struct_literals_not_in_heads() {
    assert_eq!(body("if x == y { a }"), ["(if (== x y) {a})"]);
    assert_eq!(body("for p in points { }"), ["(for p points {})"]);
    assert_eq!(body("while go { }"), ["(while go {})"]);
    assert_eq!(body("match s { _ => 0 }"), ["(match s (_ => 0))"]);
    // Parenthesised, or inside a call, a struct literal is fine.
    assert_eq!(
        body("if p == (P { x: 1 }) { }"),
        ["(if (== p (new P (x 1))) {})"]
    );
    assert_eq!(
        body("if f(P { x: 1 }) { }"),
        ["(if (call f (new P (x 1))) {})"]
    );
}

#[test]
fn method_chains_across_lines() {
    assert_eq!(
        body("let v = xs\n    .map(f)\n    .filter(g)\nv"),
        ["(let v (.filter (.map xs f) g))", "v"]
    );
}

#[test]
fn statements() {
    assert_eq!(body("let x = 1"), ["(let x 1)"]);
    assert_eq!(body("let x: int = 1"), ["(let x: int 1)"]);
    assert_eq!(body("var (a, b) = t"), ["(var (a, b) t)"]);
    assert_eq!(body("x = 1; y += 2"), ["(= x 1)", "(+= y 2)"]);
    assert_eq!(
        body("a[i].x -= 1\nt.0 *= 2\np.q /= 3\nm %= 4"),
        [
            "(-= (. (index a i) x) 1)",
            "(*= (. t 0) 2)",
            "(/= (. p q) 3)",
            "(%= m 4)"
        ]
    );
    assert_eq!(body("f(x)"), ["(call f x)"]);
    assert_eq!(body("fn helper() { }"), ["fn helper() {}"]);
    assert_eq!(codes("fn f() { f() = 1 }"), ["E0114"]);
    assert_eq!(codes("fn f() { 1 + 2 = 3 }"), ["E0114"]);
}

#[test]
fn tasks_and_channels() {
    assert_eq!(expr("spawn f(x)"), "(spawn (call f x))");
    assert_eq!(expr("spawn obj.run()"), "(spawn (.run obj))");
    assert_eq!(expr("spawn { work() }"), "(spawn {(call work)})");
    assert_eq!(codes("fn f() { spawn 1 }"), ["E0118"]);
    assert_eq!(codes("fn f() { spawn x }"), ["E0118"]);
    assert_eq!(
        body(
            "select {\n  let v = a.recv() => println(v),\n  b.send(x) => println(\"sent\")\n  after(100) => { t() }\n  _ => n += 1\n}"
        ),
        [r#"(select (let v = (.recv a) => (call println v)) ((.send b x) => (call println "sent")) ((call after 100) => {(call t)}) (_ => {(+= n 1)}))"#]
    );
}

// ---------------------------------------------------------------------------
// Patterns.

#[test]
fn patterns() {
    assert_eq!(pattern("_"), "_");
    assert_eq!(pattern("x"), "x");
    assert_eq!(pattern("42"), "42");
    assert_eq!(pattern("-42"), "-42");
    assert_eq!(pattern("-9223372036854775808"), i64::MIN.to_string());
    assert_eq!(pattern("1.5"), "1.5");
    assert_eq!(pattern("-1.5"), "-1.5");
    assert_eq!(pattern(r#""s""#), r#""s""#);
    assert_eq!(pattern("true"), "true");
    assert_eq!(pattern("()"), "()");
    assert_eq!(pattern("1..=5"), "1..=5");
    assert_eq!(pattern("-5..0"), "-5..0");
    assert_eq!(pattern("(a, _)"), "(a, _)");
    assert_eq!(pattern("(x)"), "x");
    assert_eq!(pattern("Shape::Circle(r)"), "Shape::Circle(r)");
    assert_eq!(pattern("Shape::Empty"), "Shape::Empty");
    assert_eq!(pattern("Some(x)"), "Some(x)");
    assert_eq!(pattern("Some((a, b))"), "Some((a, b))");
    assert_eq!(pattern("None"), "None");
    assert_eq!(pattern("Ok(v)"), "Ok(v)");
    assert_eq!(pattern("Point { x, y: 0.0 }"), "Point { x, y: 0.0 }");
    assert_eq!(pattern("1 | 2"), "(1 | 2)");
    assert_eq!(pattern("Some(1 | 2) | None"), "(Some((1 | 2)) | None)");
    assert_eq!(pattern("Self::A"), "Self::A");
    assert_eq!(codes(r#"fn f() { match x { "{y}" => 0 } }"#), ["E0117"]);
}

#[test]
fn match_arms() {
    assert_eq!(
        body("match n {\n  0 => a,\n  n if n > 10 => b\n  _ => { c }\n}"),
        ["(match n (0 => a) (n if (> n 10) => b) (_ => {c}))"]
    );
    // After a block body no separator is needed.
    assert_eq!(
        body("match n { 0 => { a } _ => b }"),
        ["(match n (0 => {a}) (_ => b))"]
    );
    assert_eq!(
        body("match n { 0 => a; 1 => b; }"),
        ["(match n (0 => a) (1 => b))"]
    );
}

// ---------------------------------------------------------------------------
// Items and types.

#[test]
fn items() {
    let m = parse_ok(SAMPLE);
    let names: Vec<String> = m
        .items
        .iter()
        .map(|i| match &i.kind {
            ItemKind::Fn(f) => format!("fn {}", f.name.name),
            ItemKind::Const(c) => format!("const {}", c.name.name),
            ItemKind::Struct(s) => format!("struct {}", s.name.name),
            ItemKind::Enum(e) => format!("enum {}", e.name.name),
            ItemKind::Impl(i) => format!("impl {}", i.target.name),
            ItemKind::Import(n) => format!("import {}", n.name),
            ItemKind::Error => "error".into(),
        })
        .collect();
    assert_eq!(
        names,
        [
            "import geometry",
            "const LIMIT",
            "const NAME",
            "struct Point",
            "struct Pair",
            "enum Shape",
            "enum Tree",
            "impl Point",
            "impl Pair",
            "fn area",
            "fn classify",
            "fn fib",
            "fn first",
            "fn parse_all",
            "fn worker",
            "fn main",
        ]
    );
    assert!(m.items[2].is_pub && m.items[3].is_pub && !m.items[1].is_pub);
    assert_eq!(m.items[3].doc.as_deref(), Some("A point."));
    // The file's own doc comment belongs to `import`.
    assert!(m.items[0]
        .doc
        .as_deref()
        .unwrap_or("")
        .starts_with("A sample program"));
    let ItemKind::Impl(imp) = &m.items[7].kind else {
        panic!()
    };
    let ItemKind::Fn(scale) = &imp.items[2].kind else {
        panic!()
    };
    assert!(scale.self_param.as_ref().is_some_and(|s| s.mutable));
    let ItemKind::Impl(imp) = &m.items[8].kind else {
        panic!()
    };
    assert_eq!(imp.generics.len(), 2);
    assert_eq!(imp.target_args.len(), 2);
}

#[test]
fn item_forms() {
    let src = "pub fn f<T, U>(var a: [T], b: fn(T) -> U) -> Map<str, [U]> { }\n\
               fn g(self, var x: int) { }\n\
               struct S<T> { v: T, w: (int, str), n: geometry.Shape }\n\
               enum E { A, B(int), C(Option<Option<int>>, ()) }\n\
               const C = 1\n";
    let out = super::dump_ast(&parse_ok(src));
    assert_eq!(
        out,
        "pub fn f<T, U>(var a: [T], b: fn(T) -> U) -> Map<str, [U]> {}\n\
         fn g(self, var x: int) {}\n\
         struct S<T> { v: T, w: (int, str), n: geometry.Shape }\n\
         enum E { A, B(int), C(Option<Option<int>>, ()) }\n\
         const C = 1\n"
    );
    assert_eq!(codes("fn f(a: int, self) { }"), ["E0115"]);
    assert_eq!(codes("impl P { const X = 1 }"), ["E0116"]);
}

#[test]
fn impl_of_an_array_type() {
    // The stdlib's `impl<T> [T]` (the checker refuses it in user code).
    let m = parse_ok("impl<T> [T] { fn f(self) { } }\nimpl [[int]] { }\n");
    let ItemKind::Impl(imp) = &m.items[0].kind else {
        panic!()
    };
    assert!(imp.is_array());
    assert_eq!(imp.target_args.len(), 1);
    assert_eq!(
        super::dump_ast(&m),
        "impl<T> [T] {\n  fn f(self) {}\n}\nimpl [[int]] {\n}\n"
    );
}

// ---------------------------------------------------------------------------
// Errors and recovery.

#[test]
fn three_errors_three_diagnostics() {
    let src =
        "fn a() {\n    let x = )\n}\n\nfn b() {\n    let y = 1 +\n}\n\nfn c() {\n    foo(1 2)\n}\n";
    let d = errors(src);
    assert_eq!(d.len(), 3, "{}", render(src, &d));
    let lines: Vec<u32> = d
        .iter()
        .map(|d| 1 + src[..d.primary.span.start as usize].matches('\n').count() as u32)
        .collect();
    assert_eq!(lines, [2, 7, 10]);
}

#[test]
fn error_messages() {
    let src = "fn f() {\n    let x = foo(1 + )\n}\n";
    let d = errors(src);
    assert_eq!(d.len(), 1, "{}", render(src, &d));
    assert_eq!(d[0].code, "E0101");
    assert_eq!(d[0].message, "expected an expression, found `)`");
    assert_eq!(&src[d[0].primary.span.range()], ")");

    let src = "fn f() {\n    let y = 5 6\n}\n";
    let d = errors(src);
    assert_eq!(
        d[0].message,
        "expected one of `;`, a newline, `}` or an operator, found `6`"
    );

    let src = "let x = 5\n";
    let d = errors(src);
    assert!(
        d[0].message.starts_with("expected an item"),
        "{}",
        d[0].message
    );
    assert!(d[0].help.is_some());

    let src = "fn f() {\n    let s = a\n        + b\n}\n";
    let d = errors(src);
    assert_eq!(d.len(), 1);
    assert!(d[0]
        .help
        .as_deref()
        .unwrap_or("")
        .contains("end the line with the operator"));

    let src = "fn f() {\n    let x = g(\n";
    let d = errors(src);
    assert_eq!(d.len(), 1, "{}", render(src, &d));
    assert_eq!(d[0].code, "E0103");
}

#[test]
fn delimiter_errors() {
    let src = "fn f() {\n    let x = foo(1, 2\n    let z = 3\n}\n";
    let d = errors(src);
    assert_eq!(d.len(), 1, "{}", render(src, &d));
    assert_eq!(d[0].code, "E0104");
    assert_eq!(d[0].secondary.len(), 1);
    assert_eq!(&src[d[0].secondary[0].span.range()], "(");

    assert_eq!(codes("fn f() { } }\nfn g() { }"), ["E0105"]);
    let d = errors("fn f() {\n    if x {\n}\n");
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].code, "E0103");
    // Errors inside an unclosed group are not reported on top.
    assert_eq!(codes("fn f() { g(1 2 3 }"), ["E0104"]);
}

#[test]
fn recovery_keeps_the_rest_of_the_file() {
    let src =
        "fn a() { let = 1 }\nfn b() { ok() }\nstruct S { x: int y: int }\nfn c() { fine() }\n";
    let (m, d) = parse(FileId(0), src);
    assert_eq!(d.len(), 2, "{}", render(src, &d));
    assert_eq!(m.items.len(), 4);
    let ItemKind::Fn(b) = &m.items[1].kind else {
        panic!()
    };
    assert_eq!(printer::stmt(&b.body.stmts[0]), "(call ok)");
    let ItemKind::Fn(c) = &m.items[3].kind else {
        panic!()
    };
    assert_eq!(c.name.name, "c");
}

#[test]
fn spans_are_precise() {
    let src = "fn main() { let total = a + b }";
    let m = parse_ok(src);
    let ItemKind::Fn(f) = &m.items[0].kind else {
        panic!()
    };
    let StmtKind::Let { value, pattern, .. } = &f.body.stmts[0].kind else {
        panic!()
    };
    assert_eq!(&src[value.span.range()], "a + b");
    assert_eq!(&src[pattern.span.range()], "total");
    assert_eq!(&src[f.body.stmts[0].span.range()], "let total = a + b");
    assert_eq!(&src[m.items[0].span.range()], src);
}

// ---------------------------------------------------------------------------
// Robustness.

fn parse_quietly(src: &str) {
    let (m, d) = parse(FileId(0), src);
    // Rendering must not panic either (spans in range, not inverted).
    for diag in &d {
        assert!(diag.primary.span.start <= diag.primary.span.end);
        assert!(diag.primary.span.end as usize <= src.len());
        for l in &diag.secondary {
            assert!(l.span.start <= l.span.end && l.span.end as usize <= src.len());
        }
    }
    let _ = render(src, &d);
    let _ = super::dump_ast(&m);
}

#[test]
fn every_prefix_parses_without_panicking() {
    let cuts: Vec<usize> = (0..=SAMPLE.len())
        .filter(|&c| SAMPLE.is_char_boundary(c))
        .collect();
    // Debug builds parse slowly; use the cores.
    let threads = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .min(8);
    std::thread::scope(|scope| {
        for part in cuts.chunks(cuts.len().div_ceil(threads)) {
            scope.spawn(move || {
                for &cut in part {
                    parse_quietly(&SAMPLE[..cut]);
                }
            });
        }
    });
}

#[test]
fn mutated_programs_parse_without_panicking() {
    // A small deterministic generator (xorshift).
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let alphabet = b"{}()[]<>\"\\/*+-=!|&.,;:?_ \n\t0123456789aefxz'@#";
    for _ in 0..400 {
        let mut bytes = SAMPLE.as_bytes().to_vec();
        for _ in 0..(1 + next() % 8) {
            let at = (next() as usize) % bytes.len();
            match next() % 3 {
                0 => bytes[at] = alphabet[(next() as usize) % alphabet.len()],
                1 => {
                    bytes.remove(at);
                }
                _ => bytes.insert(at, alphabet[(next() as usize) % alphabet.len()]),
            }
        }
        parse_quietly(&String::from_utf8_lossy(&bytes));
    }
    for _ in 0..200 {
        let len = (next() % 300) as usize;
        let bytes: Vec<u8> = (0..len).map(|_| next() as u8).collect();
        parse_quietly(&String::from_utf8_lossy(&bytes));
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let deep = format!(
        "fn f() {{ let x = {}1{} }}",
        "(".repeat(10_000),
        ")".repeat(10_000)
    );
    assert_eq!(codes(&deep), ["E0199"]);
    let unclosed = format!("fn f() {{ {} }}", "[".repeat(10_000));
    assert!(codes(&unclosed).contains(&"E0199"));
    let braces = format!("fn f() {}{}", "{".repeat(5_000), "}".repeat(5_000));
    assert_eq!(codes(&braces), ["E0199"]);
    // Deep nesting without brackets.
    for src in [
        format!("fn f() {{ {}x }}", "return ".repeat(5_000)),
        format!("fn f() {{ {}x }}", "-".repeat(5_000)),
        format!("fn f() {{ {}x }}", "|a| ".repeat(5_000)),
        format!(
            "fn f(x: {}int{}) {{ }}",
            "Option<".repeat(5_000),
            ">".repeat(5_000)
        ),
        format!("fn f() {{ x{} }}", ".f()".repeat(5_000)),
        format!("fn f() {{ x{} }}", " + 1".repeat(5_000)),
        format!("fn f() {{ if a {{ }}{} }}", " else if a { }".repeat(5_000)),
    ] {
        let d = codes(&src);
        assert!(d.contains(&"E0199"), "{d:?} for {}", &src[..40]);
    }
    // A long chain inside a group that then fails is dropped safely.
    parse_quietly(&format!("fn f() {{ ({} x) }}", "1 + ".repeat(5_000)));
    parse_quietly(&format!("fn f() {{ ({} }}", "1 + ".repeat(5_000)));
    // Reasonable nesting is fine.
    let ok = format!(
        "fn f() {{ let x = {}1{} }}",
        "(".repeat(100),
        ")".repeat(100)
    );
    assert!(codes(&ok).is_empty());
}

#[test]
fn token_dump() {
    let (toks, _) = lex(FileId(0), "let x = \"a{b}\"\n");
    let out = super::dump_tokens(&toks);
    assert_eq!(
        out,
        "0..3\tkeyword let\n4..5\tident x\n6..7\tpunct =\n8..11\tstr-start \"a\"\n11..12\tident b\n12..14\tstr-end \"\"\n14..15\tnewline\n"
    );
}

/// `cargo test --release -p kriti-compiler -- --ignored --nocapture parse_speed`
#[test]
#[ignore]
fn parse_speed() {
    let copies = 10_000 / SAMPLE.lines().count() + 1;
    let src = SAMPLE.repeat(copies);
    let lines = src.lines().count();
    let mut best_lex = std::time::Duration::MAX;
    let mut best_parse = std::time::Duration::MAX;
    for _ in 0..20 {
        let start = std::time::Instant::now();
        let (toks, _) = lex(FileId(0), &src);
        best_lex = best_lex.min(start.elapsed());
        assert!(toks.len() > lines);
        let start = std::time::Instant::now();
        let (m, d) = parse(FileId(0), &src);
        best_parse = best_parse.min(start.elapsed());
        assert!(d.is_empty());
        assert!(m.items.len() > 1000);
    }
    println!("{lines} lines: lex {best_lex:?}, lex+parse {best_parse:?}");
}
