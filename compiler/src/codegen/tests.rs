//! Codegen tests: small KIR programs built by hand, compiled with
//! [`compile_jit`] and run on the runtime.
//!
//! Results come back through the [`Outcome`]: `exit(code)` with a computed
//! code, `assert_eq` (which panics on a mismatch), or the panic a test
//! expects, with its location (and, in the stack trace tests, its trace).
//! Printed output is checked by re-running the test binary as a child
//! process (see [`child_stdout`]).

use std::sync::{Mutex, MutexGuard};

use kriti_runtime::{trace, Outcome, SourceLoc, StackTrace};

use super::{compile_jit, emit_clif};
use crate::ir::kir::{
    BinOp, Expr, ExprKind, FuncId, Function, Intrinsic, Local, LocalId, Program, UnOp,
};
use crate::ir::types::Type;
use crate::span::{FileId, SourceMap, Span};

// ---- Building KIR ---------------------------------------------------------

/// The source every test program points into: line `n` (1-based) starts at
/// byte `10 * (n - 1)`, so `at(line, col)` is easy to compute.
fn sources() -> SourceMap {
    let mut map = SourceMap::new();
    let text: String = (1..=50).map(|i| format!("line {i:03} \n")).collect();
    map.add("test.kr", text);
    map
}

/// The span at `line:col` (both 1-based) of [`sources`].
fn at(line: u32, col: u32) -> Span {
    let start = (line - 1) * 10 + (col - 1);
    Span {
        file: FileId(0),
        start,
        end: start + 1,
    }
}

fn loc(line: u32, col: u32) -> SourceLoc {
    SourceLoc {
        file: "test.kr".into(),
        line,
        col,
    }
}

fn ex(kind: ExprKind, ty: Type) -> Expr {
    Expr {
        kind,
        ty,
        span: at(1, 1),
    }
}

/// Sets the span of an expression (for the expressions whose location a
/// panic reports).
fn spanned(mut e: Expr, span: Span) -> Expr {
    e.span = span;
    e
}

fn int(n: i64) -> Expr {
    ex(ExprKind::Int(n), Type::Int)
}

fn float(x: f64) -> Expr {
    ex(ExprKind::Float(x), Type::Float)
}

fn boolean(b: bool) -> Expr {
    ex(ExprKind::Bool(b), Type::Bool)
}

fn string(s: &str) -> Expr {
    ex(ExprKind::Str(s.to_string()), Type::Str)
}

fn unit() -> Expr {
    ex(ExprKind::Unit, Type::Unit)
}

fn local(id: u32, ty: Type) -> Expr {
    ex(ExprKind::Local(LocalId(id)), ty)
}

fn let_(id: u32, value: Expr) -> Expr {
    ex(ExprKind::Let(LocalId(id), Box::new(value)), Type::Unit)
}

fn assign(id: u32, value: Expr) -> Expr {
    ex(ExprKind::Assign(LocalId(id), Box::new(value)), Type::Unit)
}

fn block(es: Vec<Expr>, ty: Type) -> Expr {
    ex(ExprKind::Block(es), ty)
}

/// A unit block.
fn stmts(es: Vec<Expr>) -> Expr {
    block(es, Type::Unit)
}

fn if_(cond: Expr, then: Expr, otherwise: Expr, ty: Type) -> Expr {
    ex(
        ExprKind::If {
            cond: Box::new(cond),
            then: Box::new(then),
            otherwise: Box::new(otherwise),
        },
        ty,
    )
}

fn while_(cond: Expr, body: Expr) -> Expr {
    ex(
        ExprKind::While {
            cond: Box::new(cond),
            body: Box::new(body),
        },
        Type::Unit,
    )
}

fn loop_(body: Expr, ty: Type) -> Expr {
    ex(ExprKind::Loop(Box::new(body)), ty)
}

fn for_(var: u32, start: Expr, end: Expr, inclusive: bool, body: Expr) -> Expr {
    ex(
        ExprKind::ForRange {
            var: LocalId(var),
            start: Box::new(start),
            end: Box::new(end),
            inclusive,
            body: Box::new(body),
        },
        Type::Unit,
    )
}

fn brk() -> Expr {
    ex(ExprKind::Break, Type::Never)
}

fn cont() -> Expr {
    ex(ExprKind::Continue, Type::Never)
}

fn ret(e: Expr) -> Expr {
    ex(ExprKind::Return(Box::new(e)), Type::Never)
}

/// A binary operator; the result type follows the operator.
fn bin(op: BinOp, l: Expr, r: Expr) -> Expr {
    let ty = match op {
        BinOp::Eq
        | BinOp::Ne
        | BinOp::Lt
        | BinOp::Le
        | BinOp::Gt
        | BinOp::Ge
        | BinOp::And
        | BinOp::Or => Type::Bool,
        _ => l.ty.clone(),
    };
    ex(ExprKind::Binary(op, Box::new(l), Box::new(r)), ty)
}

fn neg(e: Expr) -> Expr {
    let ty = e.ty.clone();
    ex(ExprKind::Unary(UnOp::Neg, Box::new(e)), ty)
}

fn not(e: Expr) -> Expr {
    ex(ExprKind::Unary(UnOp::Not, Box::new(e)), Type::Bool)
}

fn call(f: u32, args: Vec<Expr>, ty: Type) -> Expr {
    ex(ExprKind::Call(FuncId(f), args), ty)
}

fn intr(which: Intrinsic, args: Vec<Expr>, ty: Type) -> Expr {
    ex(ExprKind::Intrinsic(which, args), ty)
}

fn exit(code: Expr) -> Expr {
    intr(Intrinsic::Exit, vec![code], Type::Never)
}

fn assert_eq_(a: Expr, b: Expr) -> Expr {
    intr(Intrinsic::AssertEq, vec![a, b], Type::Unit)
}

fn interp(parts: Vec<Expr>) -> Expr {
    ex(ExprKind::Interpolate(parts), Type::Str)
}

/// A function whose first `params.len()` locals are its parameters and the
/// rest `locals`.
fn func(name: &str, params: &[Type], ret: Type, locals: &[Type], body: Expr) -> Function {
    let all: Vec<Local> = params
        .iter()
        .chain(locals)
        .enumerate()
        .map(|(i, ty)| Local {
            name: format!("v{i}"),
            ty: ty.clone(),
            mutable: true,
        })
        .collect();
    Function {
        name: name.to_string(),
        params: (0..params.len() as u32).map(LocalId).collect(),
        ret,
        locals: all,
        body,
        span: at(1, 1),
        returns_self: false,
    }
}

/// A program whose `main` is function 0.
fn program(functions: Vec<Function>) -> Program {
    Program {
        functions,
        structs: Vec::new(),
        enums: Vec::new(),
        main: Some(FuncId(0)),
    }
}

/// A program of just `fn main()` with these locals and body.
fn main_only(locals: &[Type], body: Expr) -> Program {
    program(vec![func("main", &[], Type::Unit, locals, body)])
}

// ---- Running --------------------------------------------------------------

/// JIT tests run one at a time: the leak check reads a process-wide count
/// of live heap objects, and output checks share the process's stdout.
static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

/// Compiles and runs `p`, and checks that the run freed every heap object
/// it made (debug builds count them). A panic's stack trace is left out
/// (see [`run_traced`]).
fn run(p: &Program) -> Outcome {
    match run_traced(p) {
        Outcome::Panicked {
            message, location, ..
        } => Outcome::panicked(message, location),
        other => other,
    }
}

/// [`run`] with the stack trace of a panic.
fn run_traced(p: &Program) -> Outcome {
    let _guard = serial();
    let compiled = match compile_jit(p, &sources()) {
        Ok(c) => c,
        Err(e) => panic!("{e}\n{}", emit_clif(p, &sources()).unwrap_or_default()),
    };
    let before = kriti_runtime::value::live_objects();
    let outcome = compiled.run_main();
    let after = kriti_runtime::value::live_objects();
    // A panic or exit abandons the task's references, so only a normal
    // return must leave nothing behind.
    if outcome == Outcome::Returned {
        assert_eq!(before, after, "heap objects leaked");
    }
    outcome
}

fn exits(code: i32) -> Outcome {
    Outcome::Exited(code)
}

fn panics(message: &str, at: SourceLoc) -> Outcome {
    Outcome::panicked(message, Some(at))
}

/// The stack trace of a panicking run of `p`, as printed.
fn trace_of(p: &Program) -> Vec<String> {
    match run_traced(p) {
        Outcome::Panicked { trace, .. } => trace.lines(),
        other => panic!("expected a panic, got {other:?}"),
    }
}

/// `main` computes `e` and exits with it.
fn exit_with(locals: &[Type], e: Expr) -> Program {
    main_only(locals, exit(e))
}

// ---- Tests ----------------------------------------------------------------

#[test]
fn returns_normally() {
    assert_eq!(run(&main_only(&[], stmts(vec![]))), Outcome::Returned);
}

#[test]
fn exit_code() {
    assert_eq!(run(&exit_with(&[], int(42))), exits(42));
}

#[test]
fn arithmetic_and_precedence_of_evaluation() {
    // (7 * 6 - 2) / 3 % 5 = 40 / 3 % 5 = 13 % 5 = 3
    let e = bin(
        BinOp::Rem,
        bin(
            BinOp::Div,
            bin(BinOp::Sub, bin(BinOp::Mul, int(7), int(6)), int(2)),
            int(3),
        ),
        int(5),
    );
    assert_eq!(run(&exit_with(&[], e)), exits(3));
}

#[test]
fn division_truncates_and_remainder_follows_the_dividend() {
    let checks = vec![
        assert_eq_(bin(BinOp::Div, int(-7), int(2)), int(-3)),
        assert_eq_(bin(BinOp::Rem, int(-7), int(2)), int(-1)),
        assert_eq_(bin(BinOp::Rem, int(7), int(-2)), int(1)),
        assert_eq_(bin(BinOp::Rem, int(i64::MIN), int(-1)), int(0)),
        // Through a local, so the divisor is not a constant.
        let_(0, int(-1)),
        assert_eq_(bin(BinOp::Rem, int(i64::MIN), local(0, Type::Int)), int(0)),
        assert_eq_(bin(BinOp::Shr, int(-16), int(2)), int(-4)),
        assert_eq_(bin(BinOp::Shl, int(1), int(63)), int(i64::MIN)),
        assert_eq_(bin(BinOp::BitXor, int(0b1100), int(0b1010)), int(0b0110)),
        assert_eq_(bin(BinOp::BitAnd, int(0b1100), int(0b1010)), int(0b1000)),
        assert_eq_(bin(BinOp::BitOr, int(0b1100), int(0b1010)), int(0b1110)),
    ];
    assert_eq!(
        run(&main_only(&[Type::Int], stmts(checks))),
        Outcome::Returned
    );
}

/// `fn fib(n: int) -> int { if n < 2 { n } else { fib(n - 1) + fib(n - 2) } }`
fn fib() -> Function {
    let n = || local(0, Type::Int);
    let body = if_(
        bin(BinOp::Lt, n(), int(2)),
        n(),
        bin(
            BinOp::Add,
            call(1, vec![bin(BinOp::Sub, n(), int(1))], Type::Int),
            call(1, vec![bin(BinOp::Sub, n(), int(2))], Type::Int),
        ),
        Type::Int,
    );
    func("fib", &[Type::Int], Type::Int, &[], body)
}

#[test]
fn recursion_fib() {
    let main = func(
        "main",
        &[],
        Type::Unit,
        &[],
        assert_eq_(call(1, vec![int(20)], Type::Int), int(6765)),
    );
    assert_eq!(run(&program(vec![main, fib()])), Outcome::Returned);
}

#[test]
fn while_loop_sum() {
    // var i = 0; var s = 0; while i < 100 { i += 1; s += i }; exit(s % 256)
    let (i, s) = (|| local(0, Type::Int), || local(1, Type::Int));
    let body = stmts(vec![
        let_(0, int(0)),
        let_(1, int(0)),
        while_(
            bin(BinOp::Lt, i(), int(100)),
            stmts(vec![
                assign(0, bin(BinOp::Add, i(), int(1))),
                assign(1, bin(BinOp::Add, s(), i())),
            ]),
        ),
        assert_eq_(s(), int(5050)),
    ]);
    assert_eq!(
        run(&main_only(&[Type::Int, Type::Int], body)),
        Outcome::Returned
    );
}

/// `var s = 0; for i in start..end (or ..=) { s += i }; assert_eq(s, want)`
fn range_sum(start: i64, end: i64, inclusive: bool, want: i64) -> Expr {
    stmts(vec![
        let_(0, int(0)),
        for_(
            1,
            int(start),
            int(end),
            inclusive,
            assign(0, bin(BinOp::Add, local(0, Type::Int), local(1, Type::Int))),
        ),
        assert_eq_(local(0, Type::Int), int(want)),
    ])
}

#[test]
fn for_range_exclusive_and_inclusive() {
    let body = stmts(vec![
        range_sum(0, 10, false, 45),
        range_sum(0, 10, true, 55),
        range_sum(5, 5, false, 0),
        range_sum(5, 5, true, 5),
        range_sum(5, 4, true, 0),
        range_sum(-3, 3, true, 0),
    ]);
    assert_eq!(
        run(&main_only(&[Type::Int, Type::Int], body)),
        Outcome::Returned
    );
}

#[test]
fn inclusive_range_up_to_the_maximum_ends() {
    // var n = 0; for i in MAX-2..=MAX { n += 1 }; assert_eq(n, 3)
    let body = stmts(vec![
        let_(0, int(0)),
        for_(
            1,
            int(i64::MAX - 2),
            int(i64::MAX),
            true,
            assign(0, bin(BinOp::Add, local(0, Type::Int), int(1))),
        ),
        assert_eq_(local(0, Type::Int), int(3)),
    ]);
    assert_eq!(
        run(&main_only(&[Type::Int, Type::Int], body)),
        Outcome::Returned
    );
}

#[test]
fn range_end_is_evaluated_once() {
    // var calls = 0; for i in 0..{ calls += 1; 3 } { }; assert_eq(calls, 1)
    let end = block(
        vec![
            assign(0, bin(BinOp::Add, local(0, Type::Int), int(1))),
            int(3),
        ],
        Type::Int,
    );
    let body = stmts(vec![
        let_(0, int(0)),
        for_(1, int(0), end, false, stmts(vec![])),
        assert_eq_(local(0, Type::Int), int(1)),
    ]);
    assert_eq!(
        run(&main_only(&[Type::Int, Type::Int], body)),
        Outcome::Returned
    );
}

#[test]
fn break_and_continue() {
    // var s = 0
    // for i in 0..100 { if i % 2 == 0 { continue }; if i > 10 { break }; s += i }
    // (1 + 3 + 5 + 7 + 9 = 25)
    // var n = 0; loop { n += 1; if n == 7 { break } }
    // while true { break }
    let i = || local(1, Type::Int);
    let body = stmts(vec![
        let_(0, int(0)),
        for_(
            1,
            int(0),
            int(100),
            false,
            stmts(vec![
                if_(
                    bin(BinOp::Eq, bin(BinOp::Rem, i(), int(2)), int(0)),
                    stmts(vec![cont()]),
                    stmts(vec![]),
                    Type::Unit,
                ),
                if_(
                    bin(BinOp::Gt, i(), int(10)),
                    stmts(vec![brk()]),
                    stmts(vec![]),
                    Type::Unit,
                ),
                assign(0, bin(BinOp::Add, local(0, Type::Int), i())),
            ]),
        ),
        assert_eq_(local(0, Type::Int), int(25)),
        let_(2, int(0)),
        loop_(
            stmts(vec![
                assign(2, bin(BinOp::Add, local(2, Type::Int), int(1))),
                if_(
                    bin(BinOp::Eq, local(2, Type::Int), int(7)),
                    stmts(vec![brk()]),
                    stmts(vec![]),
                    Type::Unit,
                ),
            ]),
            Type::Unit,
        ),
        assert_eq_(local(2, Type::Int), int(7)),
        while_(boolean(true), stmts(vec![brk()])),
    ]);
    let locals = [Type::Int, Type::Int, Type::Int];
    assert_eq!(run(&main_only(&locals, body)), Outcome::Returned);
}

#[test]
fn nested_loops_break_the_innermost() {
    // var n = 0; for i in 0..5 { while true { n += 1; break } }; assert_eq(n, 5)
    let body = stmts(vec![
        let_(0, int(0)),
        for_(
            1,
            int(0),
            int(5),
            false,
            while_(
                boolean(true),
                stmts(vec![
                    assign(0, bin(BinOp::Add, local(0, Type::Int), int(1))),
                    brk(),
                ]),
            ),
        ),
        assert_eq_(local(0, Type::Int), int(5)),
    ]);
    assert_eq!(
        run(&main_only(&[Type::Int, Type::Int], body)),
        Outcome::Returned
    );
}

#[test]
fn early_return_from_a_loop() {
    // fn find() -> int { for i in 0..100 { if i * i > 50 { return i } }; -1 }
    let i = || local(0, Type::Int);
    let find = func(
        "find",
        &[],
        Type::Int,
        &[Type::Int],
        block(
            vec![
                for_(
                    0,
                    int(0),
                    int(100),
                    false,
                    if_(
                        bin(BinOp::Gt, bin(BinOp::Mul, i(), i()), int(50)),
                        stmts(vec![ret(i())]),
                        stmts(vec![]),
                        Type::Unit,
                    ),
                ),
                int(-1),
            ],
            Type::Int,
        ),
    );
    let main = func(
        "main",
        &[],
        Type::Unit,
        &[],
        exit(call(1, vec![], Type::Int)),
    );
    assert_eq!(run(&program(vec![main, find])), exits(8));
}

#[test]
fn if_as_an_expression_and_short_circuit() {
    // `false && (1 / 0 == 0)` must not divide.
    let div_by_zero = bin(BinOp::Eq, bin(BinOp::Div, int(1), int(0)), int(0));
    let body = stmts(vec![
        assert_eq_(if_(boolean(true), int(1), int(2), Type::Int), int(1)),
        assert_eq_(
            if_(boolean(false), float(1.0), float(2.5), Type::Float),
            float(2.5),
        ),
        assert_eq_(
            bin(BinOp::And, boolean(false), div_by_zero.clone()),
            boolean(false),
        ),
        assert_eq_(bin(BinOp::Or, boolean(true), div_by_zero), boolean(true)),
        assert_eq_(bin(BinOp::And, boolean(true), boolean(true)), boolean(true)),
        assert_eq_(
            bin(BinOp::Or, boolean(false), boolean(false)),
            boolean(false),
        ),
        assert_eq_(not(boolean(false)), boolean(true)),
        assert_eq_(bin(BinOp::Eq, unit(), unit()), boolean(true)),
        assert_eq_(
            bin(BinOp::Ne, float(f64::NAN), float(f64::NAN)),
            boolean(true),
        ),
        assert_eq_(bin(BinOp::Lt, float(f64::NAN), float(1.0)), boolean(false)),
        assert_eq_(
            if_(boolean(false), string("a"), string("b"), Type::Str),
            string("b"),
        ),
    ]);
    assert_eq!(run(&main_only(&[], body)), Outcome::Returned);
}

#[test]
fn strings_concat_equality_len_and_order() {
    // let a = "héllo"; let b = a + ", " + "world"
    let a = || local(0, Type::Str);
    let b = || local(1, Type::Str);
    let body = stmts(vec![
        let_(0, string("héllo")),
        let_(
            1,
            bin(
                BinOp::Add,
                bin(BinOp::Add, a(), string(", ")),
                string("world"),
            ),
        ),
        assert_eq_(b(), string("héllo, world")),
        assert_eq_(intr(Intrinsic::StrLen, vec![b()], Type::Int), int(13)),
        assert_eq_(bin(BinOp::Eq, a(), string("héllo")), boolean(true)),
        assert_eq_(bin(BinOp::Ne, a(), b()), boolean(true)),
        assert_eq_(bin(BinOp::Lt, string("abc"), string("abd")), boolean(true)),
        assert_eq_(bin(BinOp::Ge, string("b"), string("abc")), boolean(true)),
        // Reassigning releases the old value.
        assign(1, bin(BinOp::Add, b(), b())),
        assert_eq_(intr(Intrinsic::StrLen, vec![b()], Type::Int), int(26)),
        // A discarded string is released.
        bin(BinOp::Add, a(), a()),
    ]);
    assert_eq!(
        run(&main_only(&[Type::Str, Type::Str], body)),
        Outcome::Returned
    );
}

#[test]
fn strings_through_calls_and_loops_do_not_leak() {
    // fn twice(s: str) -> str { s + s }
    // fn main() { var acc = ""; for i in 0..10 { let t = twice("ab"); acc = acc + t }
    //             assert_eq(acc.len(), 40) }
    let twice = func(
        "twice",
        &[Type::Str],
        Type::Str,
        &[],
        bin(BinOp::Add, local(0, Type::Str), local(0, Type::Str)),
    );
    let body = stmts(vec![
        let_(0, string("")),
        for_(
            1,
            int(0),
            int(10),
            false,
            stmts(vec![
                let_(2, call(1, vec![string("ab")], Type::Str)),
                assign(0, bin(BinOp::Add, local(0, Type::Str), local(2, Type::Str))),
            ]),
        ),
        assert_eq_(
            intr(Intrinsic::StrLen, vec![local(0, Type::Str)], Type::Int),
            int(40),
        ),
    ]);
    let main = func(
        "main",
        &[],
        Type::Unit,
        &[Type::Str, Type::Int, Type::Str],
        body,
    );
    assert_eq!(run(&program(vec![main, twice])), Outcome::Returned);
}

#[test]
fn early_return_releases_locals() {
    // fn pick(a: str, b: str) -> str { let c = a + b; if c.len() > 3 { return c }; b }
    let pick = func(
        "pick",
        &[Type::Str, Type::Str],
        Type::Str,
        &[Type::Str],
        block(
            vec![
                let_(2, bin(BinOp::Add, local(0, Type::Str), local(1, Type::Str))),
                if_(
                    bin(
                        BinOp::Gt,
                        intr(Intrinsic::StrLen, vec![local(2, Type::Str)], Type::Int),
                        int(3),
                    ),
                    stmts(vec![ret(local(2, Type::Str))]),
                    stmts(vec![]),
                    Type::Unit,
                ),
                local(1, Type::Str),
            ],
            Type::Str,
        ),
    );
    let pick_call = |a: &str, b: &str| call(1, vec![string(a), string(b)], Type::Str);
    let body = stmts(vec![
        assert_eq_(pick_call("ab", "cd"), string("abcd")),
        assert_eq_(pick_call("a", "b"), string("b")),
    ]);
    let main = func("main", &[], Type::Unit, &[], body);
    assert_eq!(run(&program(vec![main, pick])), Outcome::Returned);
}

#[test]
fn interpolation_and_to_str() {
    // let n = 5; "fib({n}) = {fib(n)}, {1.5} {true} {()} {"s"}"
    let body = stmts(vec![
        let_(0, int(5)),
        assert_eq_(
            interp(vec![
                string("fib("),
                local(0, Type::Int),
                string(") = "),
                call(1, vec![local(0, Type::Int)], Type::Int),
                string(", "),
                float(1.5),
                string(" "),
                boolean(true),
                string(" "),
                unit(),
                string(" "),
                string("s"),
            ]),
            string("fib(5) = 5, 1.5 true () s"),
        ),
        assert_eq_(
            intr(Intrinsic::ToStr, vec![int(-12)], Type::Str),
            string("-12"),
        ),
        assert_eq_(
            intr(Intrinsic::ToStr, vec![float(1.0)], Type::Str),
            string("1.0"),
        ),
        assert_eq_(
            intr(Intrinsic::ToStr, vec![boolean(false)], Type::Str),
            string("false"),
        ),
        assert_eq_(
            intr(Intrinsic::ToStr, vec![unit()], Type::Str),
            string("()"),
        ),
        assert_eq_(
            intr(Intrinsic::ToStr, vec![string("x")], Type::Str),
            string("x"),
        ),
    ]);
    let main = func("main", &[], Type::Unit, &[Type::Int], body);
    assert_eq!(run(&program(vec![main, fib()])), Outcome::Returned);
}

#[test]
fn math_intrinsics() {
    let f1 = |which, x: f64| intr(which, vec![float(x)], Type::Float);
    let f2 = |which, a: Expr, b: Expr, ty: Type| intr(which, vec![a, b], ty);
    let body = stmts(vec![
        assert_eq_(f1(Intrinsic::Sqrt, 16.0), float(4.0)),
        assert_eq_(f1(Intrinsic::Floor, -1.5), float(-2.0)),
        assert_eq_(f1(Intrinsic::Ceil, -1.5), float(-1.0)),
        assert_eq_(f1(Intrinsic::Round, 2.5), float(3.0)),
        assert_eq_(f1(Intrinsic::Round, -2.5), float(-3.0)),
        assert_eq_(f1(Intrinsic::Abs, -2.0), float(2.0)),
        assert_eq_(f1(Intrinsic::Exp, 0.0), float(1.0)),
        assert_eq_(f1(Intrinsic::Ln, 1.0), float(0.0)),
        assert_eq_(f1(Intrinsic::Sin, 0.0), float(0.0)),
        assert_eq_(f1(Intrinsic::Cos, 0.0), float(1.0)),
        assert_eq_(f1(Intrinsic::Tan, 0.0), float(0.0)),
        assert_eq_(
            f2(Intrinsic::Pow, float(2.0), float(10.0), Type::Float),
            float(1024.0),
        ),
        assert_eq_(
            f2(Intrinsic::Atan2, float(0.0), float(1.0), Type::Float),
            float(0.0),
        ),
        assert_eq_(intr(Intrinsic::Abs, vec![int(-7)], Type::Int), int(7)),
        assert_eq_(f2(Intrinsic::Min, int(3), int(-4), Type::Int), int(-4)),
        assert_eq_(f2(Intrinsic::Max, int(3), int(-4), Type::Int), int(3)),
        assert_eq_(
            f2(Intrinsic::Min, float(3.0), float(-4.0), Type::Float),
            float(-4.0),
        ),
        assert_eq_(
            f2(Intrinsic::Max, float(3.0), float(-4.0), Type::Float),
            float(3.0),
        ),
        assert_eq_(
            intr(Intrinsic::ToFloat, vec![int(-3)], Type::Float),
            float(-3.0),
        ),
        assert_eq_(
            intr(Intrinsic::ToFloat, vec![float(0.5)], Type::Float),
            float(0.5),
        ),
        assert_eq_(
            intr(Intrinsic::ToInt, vec![float(-3.99)], Type::Int),
            int(-3),
        ),
        assert_eq_(
            intr(Intrinsic::ToInt, vec![float(i64::MIN as f64)], Type::Int),
            int(i64::MIN),
        ),
        assert_eq_(intr(Intrinsic::ToInt, vec![int(9)], Type::Int), int(9)),
        assert_eq_(
            f2(Intrinsic::Fixed, float(12.345), int(1), Type::Str),
            string("12.3"),
        ),
        assert_eq_(
            bin(
                BinOp::Ge,
                intr(Intrinsic::Clock, vec![], Type::Float),
                float(0.0),
            ),
            boolean(true),
        ),
        intr(Intrinsic::Assert, vec![boolean(true)], Type::Unit),
    ]);
    assert_eq!(run(&main_only(&[], body)), Outcome::Returned);
}

/// `main` evaluates `e` (placed at 3:5) and discards it.
fn panic_at(e: Expr) -> Outcome {
    let ty = e.ty.clone();
    let e = spanned(e, at(3, 5));
    let body = stmts(vec![let_(0, e)]);
    run(&main_only(&[ty], body))
}

/// An integer that the compiler cannot see is a constant: it comes back
/// from a call of the identity function (function 1).
fn opaque(n: i64) -> Expr {
    call(1, vec![int(n)], Type::Int)
}

fn id_fn() -> Function {
    func("id", &[Type::Int], Type::Int, &[], local(0, Type::Int))
}

/// Runs `main` (which may call `id` as function 1) with one local.
fn panic_with_id(e: Expr) -> Outcome {
    let ty = e.ty.clone();
    let e = spanned(e, at(3, 5));
    let main = func("main", &[], Type::Unit, &[ty], stmts(vec![let_(0, e)]));
    run(&program(vec![main, id_fn()]))
}

#[test]
fn overflow_panics() {
    let here = || loc(3, 5);
    let overflow = "integer overflow";
    assert_eq!(
        panic_with_id(bin(BinOp::Add, opaque(i64::MAX), int(1))),
        panics(overflow, here())
    );
    assert_eq!(
        panic_with_id(bin(BinOp::Sub, opaque(i64::MIN), int(1))),
        panics(overflow, here())
    );
    assert_eq!(
        panic_with_id(bin(BinOp::Mul, opaque(1 << 62), int(4))),
        panics(overflow, here())
    );
    assert_eq!(
        panic_with_id(neg(opaque(i64::MIN))),
        panics(overflow, here())
    );
    assert_eq!(
        panic_with_id(bin(BinOp::Div, opaque(i64::MIN), opaque(-1))),
        panics(overflow, here())
    );
    assert_eq!(
        panic_with_id(intr(Intrinsic::Abs, vec![opaque(i64::MIN)], Type::Int)),
        panics(overflow, here())
    );
    // Constants too: the check is not folded away.
    assert_eq!(
        panic_at(bin(BinOp::Add, int(i64::MAX), int(1))),
        panics(overflow, here())
    );
    assert_eq!(
        panic_at(bin(BinOp::Div, int(i64::MIN), int(-1))),
        panics(overflow, here())
    );
}

#[test]
fn division_panics() {
    let here = || loc(3, 5);
    assert_eq!(
        panic_with_id(bin(BinOp::Div, int(1), opaque(0))),
        panics("division by zero", here())
    );
    assert_eq!(
        panic_with_id(bin(BinOp::Rem, int(1), opaque(0))),
        panics("remainder by zero", here())
    );
    assert_eq!(
        panic_at(bin(BinOp::Div, int(1), int(0))),
        panics("division by zero", here())
    );
}

#[test]
fn shift_panics() {
    let here = || loc(3, 5);
    assert_eq!(
        panic_with_id(bin(BinOp::Shl, int(1), opaque(64))),
        panics("shift amount out of range: 64", here())
    );
    assert_eq!(
        panic_with_id(bin(BinOp::Shr, int(1), opaque(-1))),
        panics("shift amount out of range: -1", here())
    );
}

#[test]
fn float_to_int_panics() {
    let here = || loc(3, 5);
    let message = "float to int conversion out of range";
    for x in [f64::NAN, f64::INFINITY, -(i64::MIN as f64), -1e19] {
        assert_eq!(
            panic_at(intr(Intrinsic::ToInt, vec![float(x)], Type::Int)),
            panics(message, here()),
            "int({x})"
        );
    }
}

#[test]
fn assertion_panics() {
    let here = || loc(3, 5);
    let e = spanned(
        intr(Intrinsic::Assert, vec![boolean(false)], Type::Unit),
        at(3, 5),
    );
    assert_eq!(run(&main_only(&[], e)), panics("assertion failed", here()));

    let e = spanned(assert_eq_(int(1), int(2)), at(3, 5));
    assert_eq!(
        run(&main_only(&[], e)),
        panics("assert_eq failed: 1 != 2", here())
    );

    let e = spanned(assert_eq_(string("a"), string("b")), at(3, 5));
    assert_eq!(
        run(&main_only(&[], e)),
        panics("assert_eq failed: \"a\" != \"b\"", here())
    );

    let e = spanned(
        intr(Intrinsic::Panic, vec![string("boom")], Type::Never),
        at(3, 5),
    );
    assert_eq!(run(&main_only(&[], e)), panics("boom", here()));
}

#[test]
fn fixed_with_negative_digits_panics_at_the_call() {
    let e = intr(Intrinsic::Fixed, vec![float(1.5), opaque(-2)], Type::Str);
    assert_eq!(
        panic_with_id(e),
        panics("negative number of digits: -2", loc(3, 5))
    );
}

#[test]
fn unit_locals_and_parameters_take_no_space() {
    // fn f(a: (), b: int, c: ()) -> int { b }
    // fn main() { let u = (); assert_eq(f(u, 7, ()), 7); assert_eq(u, ()) }
    let f = func(
        "f",
        &[Type::Unit, Type::Int, Type::Unit],
        Type::Int,
        &[],
        local(1, Type::Int),
    );
    let body = stmts(vec![
        let_(0, unit()),
        assert_eq_(
            call(1, vec![local(0, Type::Unit), int(7), unit()], Type::Int),
            int(7),
        ),
        assert_eq_(local(0, Type::Unit), unit()),
    ]);
    let main = func("main", &[], Type::Unit, &[Type::Unit], body);
    assert_eq!(run(&program(vec![main, f])), Outcome::Returned);
}

#[test]
fn panic_locations_are_distinct() {
    // Two checks on different lines report their own lines.
    let body = stmts(vec![
        let_(0, spanned(bin(BinOp::Add, opaque(1), int(1)), at(2, 3))),
        let_(
            0,
            spanned(bin(BinOp::Mul, opaque(i64::MAX), int(2)), at(4, 7)),
        ),
    ]);
    let main = func("main", &[], Type::Unit, &[Type::Int], body);
    assert_eq!(
        run(&program(vec![main, id_fn()])),
        panics("integer overflow", loc(4, 7))
    );
}

#[test]
fn deep_recursion_succeeds() {
    // fn depth(n: int) -> int { if n == 0 { 0 } else { depth(n - 1) + 1 } }
    let n = || local(0, Type::Int);
    let depth = func(
        "depth",
        &[Type::Int],
        Type::Int,
        &[],
        if_(
            bin(BinOp::Eq, n(), int(0)),
            int(0),
            bin(
                BinOp::Add,
                call(1, vec![bin(BinOp::Sub, n(), int(1))], Type::Int),
                int(1),
            ),
            Type::Int,
        ),
    );
    let main = func(
        "main",
        &[],
        Type::Unit,
        &[],
        assert_eq_(call(1, vec![int(100_000)], Type::Int), int(100_000)),
    );
    assert_eq!(run(&program(vec![main, depth])), Outcome::Returned);
}

#[test]
fn unbounded_recursion_is_a_stack_overflow_panic() {
    // fn down(n: int) -> int { down(n + 1) + 1 }   (declared at 5:4)
    let mut down = func(
        "down",
        &[Type::Int],
        Type::Int,
        &[],
        bin(
            BinOp::Add,
            call(
                1,
                vec![bin(BinOp::Add, local(0, Type::Int), int(1))],
                Type::Int,
            ),
            int(1),
        ),
    );
    down.span = at(5, 4);
    let main = func(
        "main",
        &[],
        Type::Unit,
        &[Type::Int],
        let_(0, call(1, vec![int(0)], Type::Int)),
    );
    assert_eq!(
        run(&program(vec![main, down])),
        panics("stack overflow", loc(5, 4))
    );
}

#[test]
fn unreachable_code_after_return_and_loop() {
    // fn f() -> int { return 3; 1 + 2 }
    // fn g() -> int { loop { return 4 } }
    // fn h(x: int) -> int { let y = if x > 0 { return 5 } else { x }; y + (return 6) }
    let f = func(
        "f",
        &[],
        Type::Int,
        &[],
        block(
            vec![ret(int(3)), bin(BinOp::Add, int(1), int(2))],
            Type::Int,
        ),
    );
    let g = func(
        "g",
        &[],
        Type::Int,
        &[],
        loop_(stmts(vec![ret(int(4))]), Type::Never),
    );
    let h = func(
        "h",
        &[Type::Int],
        Type::Int,
        &[Type::Int],
        block(
            vec![
                let_(
                    1,
                    if_(
                        bin(BinOp::Gt, local(0, Type::Int), int(0)),
                        ret(int(5)),
                        local(0, Type::Int),
                        Type::Int,
                    ),
                ),
                bin(BinOp::Add, local(1, Type::Int), ret(int(6))),
            ],
            Type::Int,
        ),
    );
    let body = stmts(vec![
        assert_eq_(call(1, vec![], Type::Int), int(3)),
        assert_eq_(call(2, vec![], Type::Int), int(4)),
        assert_eq_(call(3, vec![int(1)], Type::Int), int(5)),
        assert_eq_(call(3, vec![int(-1)], Type::Int), int(6)),
    ]);
    let main = func("main", &[], Type::Unit, &[], body);
    assert_eq!(run(&program(vec![main, f, g, h])), Outcome::Returned);
}

#[test]
fn exit_inside_an_expression() {
    // 1 + exit(9)
    let e = bin(BinOp::Add, int(1), exit(int(9)));
    assert_eq!(run(&main_only(&[Type::Int], let_(0, e))), exits(9));
}

#[test]
fn emit_clif_shows_every_function() {
    let main = func(
        "main",
        &[],
        Type::Unit,
        &[],
        assert_eq_(call(1, vec![int(20)], Type::Int), int(6765)),
    );
    let text = emit_clif(&program(vec![main, fib()]), &sources()).expect("clif");
    assert!(text.contains("; kriti_main"), "{text}");
    assert!(text.contains("; kriti_1_fib"), "{text}");
    assert!(text.contains("sadd_overflow"), "{text}");
}

#[test]
fn bad_kir_is_an_internal_error_not_a_panic() {
    // A call of a function that does not exist.
    let p = main_only(&[], call(7, vec![], Type::Unit));
    let err = compile_jit(&p, &sources()).expect_err("bad KIR compiles");
    assert!(
        err.starts_with("internal compiler error in codegen"),
        "{err}"
    );
    // A local of the wrong type.
    let p = main_only(&[Type::Float], let_(0, string("x")));
    let err = compile_jit(&p, &sources()).expect_err("bad KIR compiles");
    assert!(err.contains("internal compiler error in codegen"), "{err}");
}

// ---- Output ---------------------------------------------------------------

/// Set in a child process that should run one program and print its output.
const CHILD_ENV: &str = "KRITI_CODEGEN_TEST_CHILD";
const BEGIN: &str = "<<<kriti-output";
const END: &str = "kriti-output>>>";

/// Runs the test `name` again in a child process with [`CHILD_ENV`] set and
/// returns what the program printed between the markers.
fn child_stdout(name: &str) -> String {
    let exe = std::env::current_exe().expect("test binary");
    let out = std::process::Command::new(exe)
        .args([name, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, "1")
        .output()
        .expect("run child");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let start = text.find(BEGIN).map(|i| i + BEGIN.len() + 1);
    let end = text.find(END);
    match (start, end) {
        (Some(s), Some(e)) if s <= e => text[s..e].to_string(),
        _ => panic!(
            "no output markers in child output:\n{text}\n{}",
            String::from_utf8_lossy(&out.stderr)
        ),
    }
}

/// In the child: prints the markers around the program's output.
fn print_between_markers(p: &Program) {
    use std::io::Write;
    println!("{BEGIN}");
    std::io::stdout().flush().ok();
    let outcome = run(p);
    kriti_runtime::flush_stdout();
    println!("{END}");
    assert_eq!(outcome, Outcome::Returned);
}

#[test]
fn print_and_println() {
    if std::env::var_os(CHILD_ENV).is_none() {
        let out = child_stdout("codegen::tests::print_and_println");
        assert_eq!(out, "a b\nn = 3\n");
        return;
    }
    let print = |which, s: Expr| intr(which, vec![s], Type::Unit);
    let body = stmts(vec![
        let_(0, int(3)),
        print(Intrinsic::Print, string("a ")),
        print(Intrinsic::Println, string("b")),
        print(
            Intrinsic::Println,
            interp(vec![string("n = "), local(0, Type::Int)]),
        ),
    ]);
    print_between_markers(&main_only(&[Type::Int], body));
}

/// Compile time of a program of 1,000 functions of about ten lines each.
/// Run with `cargo test --release -p kriti-compiler compile_time -- --ignored
/// --nocapture`.
#[test]
#[ignore]
fn compile_time_of_1000_functions() {
    // fn f_i(n: int) -> int {
    //     var s = 0
    //     for j in 0..n { if j % 3 == 0 { s += j * 2 } else { s -= 1 } }
    //     let t = "f{i}: {s}"
    //     if t.len() > 100 { s = s + 1 }
    //     if n > 0 { s + f_{i-1}(n - 1) } else { s }
    // }
    let count = 1000;
    let s = || local(1, Type::Int);
    let j = || local(2, Type::Int);
    let n = || local(0, Type::Int);
    let mut functions = vec![func(
        "main",
        &[],
        Type::Unit,
        &[Type::Int],
        let_(0, call(count, vec![int(10)], Type::Int)),
    )];
    for i in 1..=count {
        let callee = if i == 1 { 1 } else { i - 1 };
        let body = block(
            vec![
                let_(1, int(0)),
                for_(
                    2,
                    int(0),
                    n(),
                    false,
                    if_(
                        bin(BinOp::Eq, bin(BinOp::Rem, j(), int(3)), int(0)),
                        assign(1, bin(BinOp::Add, s(), bin(BinOp::Mul, j(), int(2)))),
                        assign(1, bin(BinOp::Sub, s(), int(1))),
                        Type::Unit,
                    ),
                ),
                let_(3, interp(vec![string(&format!("f{i}: ")), s()])),
                if_(
                    bin(
                        BinOp::Gt,
                        intr(Intrinsic::StrLen, vec![local(3, Type::Str)], Type::Int),
                        int(100),
                    ),
                    assign(1, bin(BinOp::Add, s(), int(1))),
                    stmts(vec![]),
                    Type::Unit,
                ),
                if_(
                    bin(BinOp::Gt, n(), int(0)),
                    bin(
                        BinOp::Add,
                        s(),
                        call(callee, vec![bin(BinOp::Sub, n(), int(1))], Type::Int),
                    ),
                    s(),
                    Type::Int,
                ),
            ],
            Type::Int,
        );
        functions.push(func(
            &format!("f{i}"),
            &[Type::Int],
            Type::Int,
            &[Type::Int, Type::Int, Type::Str],
            body,
        ));
    }
    let p = program(functions);
    let sources = sources();

    // The fixed cost, for comparison: a one-function program.
    let hello = main_only(
        &[],
        intr(Intrinsic::Println, vec![string("hello")], Type::Unit),
    );
    let start = std::time::Instant::now();
    compile_jit(&hello, &sources).expect("compiles");
    println!("compile_jit of hello: {:?}", start.elapsed());

    let start = std::time::Instant::now();
    let compiled = compile_jit(&p, &sources).expect("compiles");
    let elapsed = start.elapsed();
    println!("compile_jit of {} functions: {elapsed:?}", count + 1);
    assert_eq!(compiled.run_main(), Outcome::Returned);
}

// ---- Stack traces ---------------------------------------------------------

/// `fn NAME(n: int) -> int { callee(n + 1) }` with the call at `call_at`;
/// the callee is function `callee`.
fn forwarder(name: &str, callee: u32, call_at: Span) -> Function {
    let arg = bin(BinOp::Add, local(0, Type::Int), int(1));
    let body = spanned(call(callee, vec![arg], Type::Int), call_at);
    func(name, &[Type::Int], Type::Int, &[], body)
}

/// `fn deepest(n: int) -> int { n / (n - n) }`, dividing at 9:3.
fn deepest() -> Function {
    let n = || local(0, Type::Int);
    let zero = bin(BinOp::Sub, n(), n());
    let body = spanned(bin(BinOp::Div, n(), zero), at(9, 3));
    func("deepest", &[Type::Int], Type::Int, &[], body)
}

#[test]
fn trace_names_every_frame_with_its_call_site() {
    // main -> outer (2:5) -> inner (4:7) -> deepest, which divides by zero.
    let main = func(
        "main",
        &[],
        Type::Unit,
        &[Type::Int],
        let_(0, spanned(call(1, vec![int(1)], Type::Int), at(2, 5))),
    );
    let p = program(vec![
        main,
        forwarder("outer", 2, at(4, 7)),
        forwarder("inner", 3, at(6, 2)),
        deepest(),
    ]);
    assert_eq!(
        trace_of(&p),
        [
            "    at deepest (test.kr:9:3)",
            "    at inner (test.kr:6:2)",
            "    at outer (test.kr:4:7)",
            "    at main (test.kr:2:5)",
        ]
    );
}

#[test]
fn trace_of_a_panic_in_a_loop_and_of_calls_in_a_loop() {
    // fn main() { var i = 0; loop { i += 1; if i == 5 { assert(false) }; check(i) } }
    // where check panics (assert) when its argument is 3: the call in the
    // loop is found in main's frame.
    let i = || local(0, Type::Int);
    let check = func(
        "check",
        &[Type::Int],
        Type::Unit,
        &[],
        spanned(
            intr(
                Intrinsic::Assert,
                vec![bin(BinOp::Ne, local(0, Type::Int), int(3))],
                Type::Unit,
            ),
            at(8, 4),
        ),
    );
    let body = stmts(vec![
        let_(0, int(0)),
        loop_(
            stmts(vec![
                assign(0, bin(BinOp::Add, i(), int(1))),
                if_(
                    bin(BinOp::Eq, i(), int(5)),
                    spanned(
                        intr(Intrinsic::Assert, vec![boolean(false)], Type::Unit),
                        at(3, 9),
                    ),
                    unit(),
                    Type::Unit,
                ),
                spanned(call(1, vec![i()], Type::Unit), at(4, 9)),
            ]),
            Type::Never,
        ),
    ]);
    let main = func("main", &[], Type::Unit, &[Type::Int], body);
    assert_eq!(
        trace_of(&program(vec![main.clone(), check])),
        ["    at check (test.kr:8:4)", "    at main (test.kr:4:9)"]
    );
    // Without the failing call, the loop's own assert fails in main.
    let never = func("check", &[Type::Int], Type::Unit, &[], unit());
    assert_eq!(
        trace_of(&program(vec![main, never])),
        ["    at main (test.kr:3:9)"]
    );
}

#[test]
fn trace_shows_inlined_bodies_as_frames() {
    // What the inliner makes of `main() { let x = middle(1) }` (call at
    // 2:5) when `middle`'s body `{ deepest(n + 1) }` (call at 6:2) is
    // inlined: the argument bound to a local of main's, then the copy of
    // the body marked `Inlined` with the call's span.
    let middle_body = |n: Expr| {
        spanned(
            block(
                vec![spanned(
                    call(2, vec![bin(BinOp::Add, n, int(1))], Type::Int),
                    at(6, 2),
                )],
                Type::Int,
            ),
            at(5, 1),
        )
    };
    let mut middle = func(
        "middle",
        &[Type::Int],
        Type::Int,
        &[],
        middle_body(local(0, Type::Int)),
    );
    middle.span = at(5, 1);
    let inlined = |callee: u32, body: Expr, call_at: Span| {
        let ty = body.ty.clone();
        spanned(
            ex(
                ExprKind::Inlined {
                    callee: FuncId(callee),
                    body: Box::new(body),
                },
                ty,
            ),
            call_at,
        )
    };
    let copy = block(
        vec![
            let_(1, int(1)),
            inlined(1, middle_body(local(1, Type::Int)), at(2, 5)),
        ],
        Type::Int,
    );
    let main = func(
        "main",
        &[],
        Type::Unit,
        &[Type::Int, Type::Int],
        let_(0, copy),
    );
    assert_eq!(
        trace_of(&program(vec![main.clone(), middle.clone(), deepest()])),
        [
            "    at deepest (test.kr:9:3)",
            "    at middle (test.kr:6:2)",
            "    at main (test.kr:2:5)",
        ]
    );
    // Inlined twice over: `outer`'s body `{ middle(n) }` (call at 8:1)
    // inlined into main at 3:3, with `middle` inlined into that copy.
    let twice = inlined(
        3,
        block(
            vec![
                let_(2, local(1, Type::Int)),
                inlined(1, middle_body(local(2, Type::Int)), at(8, 1)),
            ],
            Type::Int,
        ),
        at(3, 3),
    );
    let main = func(
        "main",
        &[],
        Type::Unit,
        &[Type::Int, Type::Int, Type::Int],
        stmts(vec![let_(1, int(1)), let_(0, twice)]),
    );
    let outer = func("outer", &[Type::Int], Type::Int, &[], unit_int());
    assert_eq!(
        trace_of(&program(vec![main, middle, deepest(), outer])),
        [
            "    at deepest (test.kr:9:3)",
            "    at middle (test.kr:6:2)",
            "    at outer (test.kr:8:1)",
            "    at main (test.kr:3:3)",
        ]
    );
}

/// A body for a function that is only ever inlined in a test.
fn unit_int() -> Expr {
    int(0)
}

#[test]
fn trace_of_a_stack_overflow_is_cut() {
    // fn down(n: int) -> int { down(n + 1) }  (call at 6:3, declared 5:4)
    let mut down = forwarder("down", 1, at(6, 3));
    down.span = at(5, 4);
    let main = func(
        "main",
        &[],
        Type::Unit,
        &[Type::Int],
        let_(0, spanned(call(1, vec![int(0)], Type::Int), at(2, 5))),
    );
    let outcome = run_traced(&program(vec![main, down]));
    let Outcome::Panicked { trace, .. } = outcome else {
        panic!("expected a panic, got {outcome:?}");
    };
    let StackTrace {
        innermost,
        omitted,
        outermost,
    } = &trace;
    assert_eq!(innermost.len(), trace::HEAD);
    assert_eq!(outermost.len(), trace::TAIL);
    // The main stack allows 100,000 calls of a simple function.
    assert!(*omitted > 100_000, "{omitted}");
    let lines = trace.lines();
    assert_eq!(lines[0], "    at down (test.kr:5:4)");
    assert_eq!(lines[1], "    at down (test.kr:6:3)");
    assert_eq!(lines[trace::HEAD], format!("    ... {omitted} more frames"));
    assert_eq!(
        lines.last().map(String::as_str),
        Some("    at main (test.kr:2:5)")
    );
}

// ---- Composite values -----------------------------------------------------

#[path = "tests_composite.rs"]
mod composite;

// ---- Enums, match and `?` ---------------------------------------------------

#[path = "tests_enums.rs"]
mod enums;
