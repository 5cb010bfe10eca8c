//! Tests of the inlining pass: programs are checked from source (without
//! the pass), inlined, and then their KIR is inspected. Whether inlined
//! programs still compute the same results is tested end to end by
//! `tests/programs/inline/`.

use super::*;
use crate::ir::kir::{FuncId, Intrinsic, Program};
use crate::span::FileId;

/// The checked program of `src`, before inlining.
fn checked(src: &str) -> Program {
    let (module, diags) = crate::syntax::parser::parse(FileId(0), src);
    assert!(diags.is_empty(), "syntax errors: {diags:?}");
    let (program, diags) = crate::check::check(&module);
    assert!(diags.is_empty(), "check errors: {diags:?}");
    program.expect("a program")
}

/// The program of `src`, inlined and checked for well-formedness.
fn inlined(src: &str) -> Program {
    let mut p = checked(src);
    inline_program(&mut p);
    for f in &p.functions {
        well_formed(f);
    }
    p
}

fn func<'p>(p: &'p Program, name: &str) -> &'p Function {
    p.functions
        .iter()
        .find(|f| f.name == name)
        .unwrap_or_else(|| panic!("no function `{name}`"))
}

fn id_of(p: &Program, name: &str) -> FuncId {
    let i = p.functions.iter().position(|f| f.name == name);
    FuncId(i.expect("the function exists") as u32)
}

/// Every node of `e`, in pre-order.
fn nodes(e: &Expr) -> Vec<&Expr> {
    let mut out = Vec::new();
    let mut work = vec![e];
    while let Some(e) = work.pop() {
        out.push(e);
        let mut children = Vec::new();
        for_each_child(e, &mut |c| children.push(c));
        work.extend(children.into_iter().rev());
    }
    out
}

/// How many calls of `callee` remain in `f`.
fn calls_of(f: &Function, callee: FuncId) -> usize {
    nodes(&f.body)
        .iter()
        .filter(|e| matches!(e.kind, ExprKind::Call(c, _) if c == callee))
        .count()
}

fn returns_in(f: &Function) -> usize {
    nodes(&f.body)
        .iter()
        .filter(|e| matches!(e.kind, ExprKind::Return(_)))
        .count()
}

/// What codegen relies on: every local exists, each is bound by exactly
/// one `Let` (or is a parameter, or a `for` variable), only mutable locals
/// are assigned, a bound value has the local's type, and a block's or an
/// `if`'s type follows from its parts.
fn well_formed(f: &Function) {
    let mut bound = vec![0usize; f.locals.len()];
    for p in &f.params {
        bound[p.0 as usize] += 1;
    }
    for e in nodes(&f.body) {
        let local = |id: &LocalId| {
            f.locals
                .get(id.0 as usize)
                .unwrap_or_else(|| panic!("{}: local {} does not exist", f.name, id.0))
        };
        match &e.kind {
            ExprKind::Local(id) => assert_eq!(local(id).ty, e.ty, "{}: read of {}", f.name, id.0),
            ExprKind::Let(id, v) | ExprKind::Assign(id, v) => {
                let l = local(id);
                assert!(
                    v.ty == l.ty || v.ty == Type::Never,
                    "{}: `{}` of type {} bound to a {}",
                    f.name,
                    l.name,
                    l.ty,
                    v.ty
                );
                if matches!(e.kind, ExprKind::Let(..)) {
                    bound[id.0 as usize] += 1;
                } else {
                    assert!(
                        l.mutable,
                        "{}: `{}` assigned but not mutable",
                        f.name, l.name
                    );
                }
            }
            ExprKind::ForRange { var, .. } => bound[var.0 as usize] += 1,
            ExprKind::Block(items) if !items.is_empty() => {
                assert_eq!(e.ty, block_type(items), "{}: block type", f.name);
            }
            ExprKind::If {
                then, otherwise, ..
            } if e.ty != Type::Unit => {
                for branch in [then, otherwise] {
                    assert!(
                        branch.ty == e.ty || branch.ty == Type::Never,
                        "{}: if of type {} has a branch of type {}",
                        f.name,
                        e.ty,
                        branch.ty
                    );
                }
            }
            _ => {}
        }
    }
    for (i, n) in bound.iter().enumerate() {
        assert!(*n <= 1, "{}: local {i} bound {n} times", f.name);
    }
}

#[test]
fn a_small_function_is_inlined_with_its_arguments_bound_in_order() {
    let p = inlined(
        "fn add(a: int, b: int) -> int { a + b }\n\
         fn main() { println(str(add(1, 2))) }",
    );
    let main = func(&p, "main");
    assert_eq!(calls_of(main, id_of(&p, "add")), 0);
    // `a` and `b` are main's new locals 0 and 1, bound in argument order.
    let lets: Vec<(u32, i64)> = nodes(&main.body)
        .iter()
        .filter_map(|e| match &e.kind {
            ExprKind::Let(id, v) => match v.kind {
                ExprKind::Int(n) => Some((id.0, n)),
                _ => None,
            },
            _ => None,
        })
        .collect();
    assert_eq!(lets, [(0, 1), (1, 2)]);
    assert_eq!(main.locals.len(), 2);
    // The callee itself is unchanged.
    let add = func(&p, "add");
    assert_eq!(add.locals.len(), 2);
}

#[test]
fn the_inlined_block_keeps_the_call_span_and_ends_in_the_body() {
    let src = "fn id(x: int) -> int { x }\nfn main() { println(str(id(7))) }";
    let before = checked(src);
    let call_span = nodes(&func(&before, "main").body)
        .into_iter()
        .find(|e| matches!(e.kind, ExprKind::Call(..)))
        .expect("a call")
        .span;
    let body_span = func(&before, "id").body.span;
    let p = inlined(src);
    let block = nodes(&func(&p, "main").body)
        .into_iter()
        .find(|e| e.span == call_span)
        .expect("the call's block");
    let ExprKind::Block(items) = &block.kind else {
        panic!("the call became {:?}", block.kind);
    };
    // Stack traces find inlined bodies by the `Inlined` marker, which
    // keeps the call's span while the body keeps its own.
    let last = items.last().expect("a body");
    assert_eq!(last.span, call_span);
    let ExprKind::Inlined { body, .. } = &last.kind else {
        panic!("the body is not marked: {:?}", last.kind);
    };
    assert_eq!(body.span, body_span);
    assert_eq!(block.ty, Type::Int);
}

#[test]
fn var_parameters_stay_mutable_and_shadowing_locals_stay_distinct() {
    let p = inlined(
        "fn count(var n: int) -> int {\n\
             let n2 = n\n\
             var steps = 0\n\
             while n > 0 { n -= 1; steps += 1 }\n\
             let steps = steps + n2\n\
             steps\n\
         }\n\
         fn main() { let n = 3; let steps = count(n); println(str(count(steps))) }",
    );
    let main = func(&p, "main");
    assert_eq!(calls_of(main, id_of(&p, "count")), 0);
    // main's two locals plus two copies of count's four.
    assert_eq!(main.locals.len(), 2 + 2 * 4);
    let n_copies: Vec<_> = main.locals.iter().filter(|l| l.name == "n").collect();
    assert_eq!(n_copies.len(), 3);
    assert!(!n_copies[0].mutable);
    assert!(n_copies[1].mutable && n_copies[2].mutable);
}

#[test]
fn recursion_is_unrolled_a_bounded_number_of_times() {
    let p = inlined(
        "fn fib(n: int) -> int { if n < 2 { n } else { fib(n - 1) + fib(n - 2) } }\n\
         fn main() { println(str(fib(35))) }",
    );
    let fib = id_of(&p, "fib");
    // Two levels of copies: 2 + 4 inlined, 8 calls left, each behind a
    // copy of the base case.
    let f = func(&p, "fib");
    assert_eq!(RECURSIVE_UNROLL, 2);
    assert_eq!(calls_of(f, fib), 8);
    assert_eq!(guarded_calls(f), 8);
    assert_eq!(f.locals.len(), 1 + 6 + 8);
    // main gets one copy; the copy's recursive calls stay plain calls.
    let main = func(&p, "main");
    assert_eq!(calls_of(main, fib), 2);
    assert_eq!(guarded_calls(main), 0);
}

/// Calls that are the `else` (or `then`) of an `if` whose other branch is
/// the inlined base case.
fn guarded_calls(f: &Function) -> usize {
    nodes(&f.body)
        .iter()
        .filter(|e| match &e.kind {
            ExprKind::If {
                then, otherwise, ..
            } => {
                matches!(otherwise.kind, ExprKind::Call(..))
                    || matches!(then.kind, ExprKind::Call(..))
            }
            _ => false,
        })
        .count()
}

#[test]
fn only_a_trivial_base_case_is_copied_to_the_call_site() {
    let p = inlined(
        "fn down(n: int, s: str) -> str { if n <= 0 || s == \"stop\" { s } else { down(n - 1, s) } }\n\
         fn minus(n: int) -> int { if n - 1 < 0 { 0 } else { minus(n - 1) } }\n\
         fn eq(a: int) -> bool { if a == 0 { true } else { eq(a / 2) } }\n\
         fn main() { println(down(3, \"x\")); println(str(minus(3))); println(str(eq(8))) }",
    );
    assert!(guarded_calls(func(&p, "down")) > 0);
    // `n - 1` can overflow: copying it would move a panic.
    assert_eq!(guarded_calls(func(&p, "minus")), 0);
    assert!(guarded_calls(func(&p, "eq")) > 0);
}

#[test]
fn mutual_recursion_terminates() {
    let p = inlined(
        "fn is_even(n: int) -> bool { if n == 0 { true } else { is_odd(n - 1) } }\n\
         fn is_odd(n: int) -> bool { if n == 0 { false } else { is_even(n - 1) } }\n\
         fn main() { println(str(is_even(10))) }",
    );
    // is_even inlines is_odd, which inlines one copy of is_even, whose
    // call of is_odd (already inlined on this chain) stays a call.
    let even = func(&p, "is_even");
    assert_eq!(calls_of(even, id_of(&p, "is_odd")), 1);
    assert_eq!(calls_of(even, id_of(&p, "is_even")), 0);
    let main = func(&p, "main");
    assert_eq!(calls_of(main, id_of(&p, "is_even")), 1);
}

#[test]
fn a_recursive_function_that_never_ends_still_compiles() {
    let p = inlined(
        "fn forever(n: int) -> int { forever(n + 1) + 1 }\n\
         fn main() { println(str(forever(0))) }",
    );
    assert_eq!(calls_of(func(&p, "forever"), id_of(&p, "forever")), 1);
}

#[test]
fn tail_and_early_returns_are_rewritten_into_values() {
    let p = inlined(
        "fn early(x: int) -> str {\n\
             if x < 0 {\n\
                 return \"negative\"\n\
             }\n\
             if x == 0 { return \"zero\" } else { println(\"positive\") }\n\
             return \"positive\"\n\
         }\n\
         fn both(b: bool) -> int { if b { return 1 } else { return 2 } }\n\
         fn nothing(b: bool) { if b { return }; println(\"b is false\") }\n\
         fn main() { println(early(1)); println(str(both(true))); nothing(false) }",
    );
    let main = func(&p, "main");
    for callee in ["early", "both", "nothing"] {
        assert_eq!(calls_of(main, id_of(&p, callee)), 0, "{callee}");
    }
    assert_eq!(returns_in(main), 0);
    // The functions themselves keep their `return`s.
    assert_eq!(returns_in(func(&p, "early")), 3);
}

#[test]
fn returns_elsewhere_prevent_inlining() {
    let p = inlined(
        "fn find(n: int) -> int {\n\
             for i in 0..n { if i * i > n { return i } }\n\
             n\n\
         }\n\
         fn inner(x: int) -> int { let y = if x > 0 { return 1 } else { x }; y }\n\
         fn main() { println(str(find(10) + inner(0))) }",
    );
    let main = func(&p, "main");
    assert_eq!(calls_of(main, id_of(&p, "find")), 1);
    assert_eq!(calls_of(main, id_of(&p, "inner")), 1);
}

#[test]
fn rewrite_returns_gives_a_body_of_the_return_type() {
    let mut p = checked(
        "fn f(x: int) -> int {\n\
             if x > 10 { return 10 }\n\
             let y = x * 2\n\
             if y > 10 { return y }\n\
             return x\n\
         }\n\
         fn main() { println(str(f(3))) }",
    );
    let i = id_of(&p, "f").0 as usize;
    let f = &mut p.functions[i];
    assert_eq!(f.body.ty, Type::Never);
    assert!(rewrite_returns(&mut f.body));
    assert_eq!(f.body.ty, Type::Int);
    well_formed(f);
    assert_eq!(returns_in(f), 0);
}

#[test]
fn large_functions_are_not_inlined() {
    // A body of well over MAX_INLINE_SIZE nodes.
    let terms: Vec<String> = (0..MAX_INLINE_SIZE).map(|i| format!("x * {i}")).collect();
    let src = format!(
        "fn big(x: int) -> int {{ {} }}\nfn main() {{ println(str(big(1))) }}",
        terms.join(" + ")
    );
    let p = inlined(&src);
    assert_eq!(calls_of(func(&p, "main"), id_of(&p, "big")), 1);
}

#[test]
fn growth_is_bounded_by_the_budget() {
    // 100 calls of a ~30-node function: inlining all of them would add
    // ~3000 nodes to a ~500-node main.
    let body: Vec<String> = (0..8).map(|i| format!("x * {i}")).collect();
    let calls: Vec<String> = (0..100)
        .map(|i| format!("    println(str(mid({i})))"))
        .collect();
    let src = format!(
        "fn mid(x: int) -> int {{ {} }}\nfn main() {{\n{}\n}}",
        body.join(" + "),
        calls.join("\n")
    );
    let before = checked(&src);
    let main_before = size(&func(&before, "main").body, usize::MAX);
    let mid_size = size(&func(&before, "mid").body, usize::MAX);
    let p = inlined(&src);
    let main = func(&p, "main");
    let left = calls_of(main, id_of(&p, "mid"));
    assert!(left > 0 && left < 100, "{left} calls left");
    // Each inlined call adds the body plus a block and a `let`.
    let added = size(&main.body, usize::MAX) - main_before;
    assert!(added <= growth_budget(main_before) + (100 - left) * 2 + mid_size);
}

#[test]
fn panics_in_inlined_bodies_keep_the_callee_spans() {
    let src = "fn check(n: int) { if n > 2 { panic(\"too big\") } }\n\
               fn main() { check(1); check(3) }";
    let before = checked(src);
    let spans_of_panics = |f: &Function| -> Vec<crate::span::Span> {
        nodes(&f.body)
            .into_iter()
            .filter(|e| matches!(e.kind, ExprKind::Intrinsic(Intrinsic::Panic, _)))
            .map(|e| e.span)
            .collect()
    };
    let original = spans_of_panics(func(&before, "check"));
    assert_eq!(original.len(), 1);
    let p = inlined(src);
    assert_eq!(
        spans_of_panics(func(&p, "main")),
        [original[0], original[0]]
    );
}

#[test]
fn deeply_nested_calls_do_not_overflow() {
    // A sum of 1000 calls nests 1000 deep (operators chain to the left).
    let depth = 1000;
    let terms: Vec<String> = (0..depth).map(|i| format!("inc({i})")).collect();
    let src = format!(
        "fn inc(x: int) -> int {{ x + 1 }}\nfn main() {{ println(str({})) }}",
        terms.join(" + ")
    );
    // The pass recurses once per level; like the checker, it grows its
    // stack on demand, so it runs on a small thread stack. (Parsing,
    // checking and dropping the tree get a big one.)
    let left = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(move || {
            let mut p = stacker::grow(64 << 20, || checked(&src));
            inline_program(&mut p);
            let left = calls_of(func(&p, "main"), id_of(&p, "inc"));
            stacker::grow(64 << 20, move || drop(p));
            left
        })
        .expect("thread")
        .join()
        .expect("no stack overflow");
    // main at most doubles: some calls are inlined, not all.
    assert!(left > 0 && left < depth, "{left} calls left");
}

// ---- Running inlined code -------------------------------------------------

/// Set in the child process that [`in_child`] starts.
const CHILD_ENV: &str = "KRITI_INLINE_TEST_CHILD";

/// Runs the test `name` again, alone, in a child process (the leak check
/// reads a process-wide count of heap objects, which tests running in
/// parallel would disturb), and fails if it fails.
fn in_child(name: &str) {
    let exe = std::env::current_exe().expect("test binary");
    let out = std::process::Command::new(exe)
        .args([name, "--exact", "--test-threads=1"])
        .env(CHILD_ENV, "1")
        .output()
        .expect("run child");
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn inlined_strings_are_released_exactly_once() {
    if std::env::var_os(CHILD_ENV).is_none() {
        in_child("ir::inline::tests::inlined_strings_are_released_exactly_once");
        return;
    }
    // Strings passed to, built in and returned from inlined bodies, in
    // loops, through early returns and guarded recursive calls; the
    // program checks its own results.
    let src = "fn greet(name: str) -> str { let g = \"hi \" + name; g + \"!\" }\n\
               fn pick(a: str, b: str, first: bool) -> str {\n\
                   if first { return a }\n\
                   b\n\
               }\n\
               fn bang(n: int, s: str) -> str { if n <= 0 || s == \"\" { s } else { bang(n - 1, s + \"!\") } }\n\
               fn rename(var s: str) -> int { s = s + s; s.len() }\n\
               fn main() {\n\
                   var total = 0\n\
                   for i in 0..50 {\n\
                       let name = \"n{i}\"\n\
                       let g = greet(name)\n\
                       total += pick(g, name, i % 2 == 0).len()\n\
                       total += rename(name)\n\
                   }\n\
                   assert_eq(total, 3 * (10 * 2 + 40 * 3) + 25 * 4)\n\
                   assert_eq(bang(9, \"x\"), \"x!!!!!!!!!\")\n\
                   assert_eq(bang(3, \"\"), \"\")\n\
               }";
    let mut sources = crate::span::SourceMap::new();
    sources.add("inline_test.kr", src.to_string());
    let plain = checked(src);
    let mut p = plain.clone();
    inline_program(&mut p);
    assert_eq!(calls_of(func(&p, "main"), id_of(&p, "greet")), 0);
    // The same results (the program asserts them) with and without
    // inlining.
    for program in [plain, p] {
        let compiled = crate::codegen::compile_jit(&program, &sources).expect("compiles");
        let before = kriti_runtime::value::live_objects();
        let outcome = compiled.run_main();
        let after = kriti_runtime::value::live_objects();
        assert!(
            matches!(outcome, kriti_runtime::Outcome::Returned),
            "{outcome:?}"
        );
        // Debug builds count heap objects: none may be left, none freed
        // twice.
        assert_eq!(before, after, "heap objects leaked or freed twice");
    }
}
