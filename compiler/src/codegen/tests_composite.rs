//! Codegen tests of composite values (arrays, tuples, structs): KIR built
//! by hand with the helpers of `tests.rs`, run on the runtime. Every run
//! that returns normally is also a leak check (see `run`): the live heap
//! objects are back to where they were.

use super::*;
use crate::ir::kir::{Place, PlaceStep, StructDef, StructId};

// ---- Building KIR ---------------------------------------------------------

fn arr(t: Type) -> Type {
    Type::Array(Box::new(t))
}

fn tuple_ty(ts: &[Type]) -> Type {
    Type::Tuple(ts.to_vec())
}

fn array(items: Vec<Expr>, elem: Type) -> Expr {
    ex(ExprKind::ArrayLit(items), arr(elem))
}

fn ints(ns: &[i64]) -> Expr {
    array(ns.iter().map(|&n| int(n)).collect(), Type::Int)
}

fn strs(ss: &[&str]) -> Expr {
    array(ss.iter().map(|s| string(s)).collect(), Type::Str)
}

fn tuple(items: Vec<Expr>) -> Expr {
    let ty = Type::Tuple(items.iter().map(|e| e.ty.clone()).collect());
    ex(ExprKind::TupleLit(items), ty)
}

fn index(base: Expr, i: Expr) -> Expr {
    let ty = match &base.ty {
        Type::Array(t) => (**t).clone(),
        other => panic!("index of {other}"),
    };
    ex(ExprKind::Index(Box::new(base), Box::new(i)), ty)
}

fn field(base: Expr, i: u32, ty: Type) -> Expr {
    ex(ExprKind::Field(Box::new(base), i), ty)
}

fn len(a: Expr) -> Expr {
    intr(Intrinsic::ArrayLen, vec![a], Type::Int)
}

fn place(root: u32, path: Vec<PlaceStep>) -> Place {
    Place {
        root: LocalId(root),
        path,
        span: at(1, 1),
    }
}

fn at_index(e: Expr) -> PlaceStep {
    PlaceStep::Index(e)
}

fn at_field(i: u32) -> PlaceStep {
    PlaceStep::Field(i)
}

fn set(p: Place, value: Expr) -> Expr {
    ex(ExprKind::AssignPlace(p, Box::new(value)), Type::Unit)
}

fn mutate(p: Place, which: Intrinsic, args: Vec<Expr>, ty: Type) -> Expr {
    ex(ExprKind::MutIntrinsic(p, which, args), ty)
}

fn push(root: u32, path: Vec<PlaceStep>, v: Expr) -> Expr {
    mutate(place(root, path), Intrinsic::ArrayPush, vec![v], Type::Unit)
}

fn for_in(var: u32, array: Expr, body: Expr) -> Expr {
    ex(
        ExprKind::ForArray {
            var: LocalId(var),
            array: Box::new(array),
            body: Box::new(body),
        },
        Type::Unit,
    )
}

fn to_str(e: Expr) -> Expr {
    intr(Intrinsic::ToStr, vec![e], Type::Str)
}

fn println(e: Expr) -> Expr {
    intr(Intrinsic::Println, vec![e], Type::Unit)
}

/// `struct Point { x: int, y: float }` is struct 0 and `struct Bag {
/// name: str, items: [str], at: Point }` is struct 1 of every program
/// here.
fn structs() -> Vec<StructDef> {
    vec![
        StructDef {
            name: "Point".into(),
            fields: vec![("x".into(), Type::Int), ("y".into(), Type::Float)],
        },
        StructDef {
            name: "Bag".into(),
            fields: vec![
                ("name".into(), Type::Str),
                ("items".into(), arr(Type::Str)),
                ("at".into(), point_ty()),
            ],
        },
    ]
}

fn point_ty() -> Type {
    Type::Struct(0, "Point".into())
}

fn bag_ty() -> Type {
    Type::Struct(1, "Bag".into())
}

fn point(x: i64, y: f64) -> Expr {
    ex(
        ExprKind::StructLit(StructId(0), vec![int(x), float(y)]),
        point_ty(),
    )
}

fn with_structs(mut p: Program) -> Program {
    p.structs = structs();
    p
}

fn main_with(locals: &[Type], body: Expr) -> Program {
    with_structs(main_only(locals, body))
}

// ---- Tests ----------------------------------------------------------------

#[test]
fn array_literal_index_and_len() {
    // let a = [10, 20, 30]; exit(a[1] + a.len())
    let a = || local(0, arr(Type::Int));
    let body = stmts(vec![
        let_(0, ints(&[10, 20, 30])),
        exit(bin(BinOp::Add, index(a(), int(1)), len(a()))),
    ]);
    assert_eq!(run(&main_with(&[arr(Type::Int)], body)), exits(23));

    // Floats, bools, strings and unit in slots; indexing a temporary.
    let body = stmts(vec![
        assert_eq_(
            index(array(vec![float(1.5), float(-2.25)], Type::Float), int(1)),
            float(-2.25),
        ),
        assert_eq_(
            index(
                array(vec![boolean(true), boolean(false)], Type::Bool),
                int(1),
            ),
            boolean(false),
        ),
        assert_eq_(
            index(
                array(vec![boolean(false), boolean(true)], Type::Bool),
                int(1),
            ),
            boolean(true),
        ),
        let_(0, strs(&["ab", "cd"])),
        let_(
            1,
            bin(
                BinOp::Add,
                string("x"),
                index(local(0, arr(Type::Str)), int(1)),
            ),
        ),
        assert_eq_(local(1, Type::Str), string("xcd")),
        assert_eq_(len(array(vec![unit(), unit()], Type::Unit)), int(2)),
        assert_eq_(len(array(vec![], Type::Int)), int(0)),
        // An element made at run time, read out of a temporary array.
        assert_eq_(
            index(
                array(
                    vec![string("a"), interp(vec![string("n"), int(1)])],
                    Type::Str,
                ),
                int(1),
            ),
            string("n1"),
        ),
    ]);
    assert_eq!(
        run(&main_with(&[arr(Type::Str), Type::Str], body)),
        Outcome::Returned
    );
}

#[test]
fn index_out_of_bounds_panics_with_the_index_and_length() {
    let check = |i: Expr, message: &str| {
        let body = stmts(vec![
            let_(0, ints(&[1, 2, 3])),
            let_(1, spanned(index(local(0, arr(Type::Int)), i), at(4, 6))),
        ]);
        let p = program(vec![
            func("main", &[], Type::Unit, &[arr(Type::Int), Type::Int], body),
            id_fn(),
        ]);
        assert_eq!(run(&with_structs(p)), panics(message, loc(4, 6)));
    };
    check(
        opaque(3),
        "index out of bounds: the index is 3 but the length is 3",
    );
    check(
        opaque(-1),
        "index out of bounds: the index is -1 but the length is 3",
    );
    check(
        int(7),
        "index out of bounds: the index is 7 but the length is 3",
    );
    // A write out of bounds panics at the place.
    let mut p = place(0, vec![at_index(opaque(5))]);
    p.span = at(7, 2);
    let body = stmts(vec![let_(0, ints(&[1])), set(p, int(9))]);
    let prog = program(vec![
        func("main", &[], Type::Unit, &[arr(Type::Int)], body),
        id_fn(),
    ]);
    assert_eq!(
        run(&with_structs(prog)),
        panics(
            "index out of bounds: the index is 5 but the length is 1",
            loc(7, 2)
        )
    );
}

#[test]
fn nested_writes_have_value_semantics() {
    // var grid = [[0, 0, 0], [0, 0, 0]]; let copy = grid
    // grid[1][2] = 5; let row = grid[1]; grid[1][0] = 7
    let grid_ty = arr(arr(Type::Int));
    let grid = || local(0, grid_ty.clone());
    let copy = || local(1, grid_ty.clone());
    let row = || local(2, arr(Type::Int));
    let body = stmts(vec![
        let_(
            0,
            array(vec![ints(&[0, 0, 0]), ints(&[0, 0, 0])], arr(Type::Int)),
        ),
        let_(1, grid()),
        set(place(0, vec![at_index(int(1)), at_index(int(2))]), int(5)),
        assert_eq_(index(index(grid(), int(1)), int(2)), int(5)),
        assert_eq_(index(index(copy(), int(1)), int(2)), int(0)),
        let_(2, index(grid(), int(1))),
        set(place(0, vec![at_index(int(1)), at_index(int(0))]), int(7)),
        assert_eq_(row(), ints(&[0, 0, 5])),
        assert_eq_(
            grid(),
            array(vec![ints(&[0, 0, 0]), ints(&[7, 0, 5])], arr(Type::Int)),
        ),
        assert_eq_(
            copy(),
            array(vec![ints(&[0, 0, 0]), ints(&[0, 0, 0])], arr(Type::Int)),
        ),
        // A unique grid is written in place: a whole row replaced, and an
        // element written with a value that reads the grid itself.
        set(place(1, vec![at_index(int(0))]), ints(&[4])),
        set(
            place(1, vec![at_index(int(1)), at_index(int(1))]),
            bin(
                BinOp::Add,
                index(index(copy(), int(0)), int(0)),
                index(index(grid(), int(1)), int(0)),
            ),
        ),
        assert_eq_(
            copy(),
            array(vec![ints(&[4]), ints(&[0, 11, 0])], arr(Type::Int)),
        ),
        exit(index(index(grid(), int(1)), int(0))),
    ]);
    let locals = [grid_ty.clone(), grid_ty.clone(), arr(Type::Int)];
    assert_eq!(run(&main_with(&locals, body)), exits(7));
}

#[test]
fn struct_fields_update_through_a_var() {
    // var p = Point { x: 1, y: 2.0 }; let q = p; p.x = 10; p.y = p.y + 0.5
    let p = || local(0, point_ty());
    let q = || local(1, point_ty());
    let body = stmts(vec![
        let_(0, point(1, 2.0)),
        let_(1, p()),
        set(place(0, vec![at_field(0)]), int(10)),
        set(
            place(0, vec![at_field(1)]),
            bin(BinOp::Add, field(p(), 1, Type::Float), float(0.5)),
        ),
        assert_eq_(field(p(), 0, Type::Int), int(10)),
        assert_eq_(field(p(), 1, Type::Float), float(2.5)),
        assert_eq_(field(q(), 0, Type::Int), int(1)),
        assert_eq_(q(), point(1, 2.0)),
        assert_eq_(p(), point(10, 2.5)),
        assert_eq_(bin(BinOp::Ne, p(), q()), boolean(true)),
    ]);
    let locals = [point_ty(), point_ty()];
    assert_eq!(run(&main_with(&locals, body)), Outcome::Returned);

    // var b = Bag { name: "b", items: ["x"], at: Point {..} }; let c = b
    // b.items.push("y"); b.name = "new"; b.at.x = 3; b.items[0] = "z"
    let b = || local(0, bag_ty());
    let c = || local(1, bag_ty());
    let bag = ex(
        ExprKind::StructLit(StructId(1), vec![string("b"), strs(&["x"]), point(1, 0.5)]),
        bag_ty(),
    );
    let items = |e: Expr| field(e, 1, arr(Type::Str));
    let body = stmts(vec![
        let_(0, bag),
        let_(1, b()),
        push(0, vec![at_field(1)], interp(vec![string("y"), int(1)])),
        set(
            place(0, vec![at_field(0)]),
            interp(vec![string("new"), int(2)]),
        ),
        set(place(0, vec![at_field(2), at_field(0)]), int(3)),
        set(place(0, vec![at_field(1), at_index(int(0))]), string("z")),
        assert_eq_(items(b()), strs(&["z", "y1"])),
        assert_eq_(field(b(), 0, Type::Str), string("new2")),
        assert_eq_(field(field(b(), 2, point_ty()), 0, Type::Int), int(3)),
        assert_eq_(items(c()), strs(&["x"])),
        assert_eq_(field(c(), 0, Type::Str), string("b")),
        assert_eq_(field(c(), 2, point_ty()), point(1, 0.5)),
    ]);
    let locals = [bag_ty(), bag_ty()];
    assert_eq!(run(&main_with(&locals, body)), Outcome::Returned);
}

/// `fn Point::bump(var self, k: int) -> int { self.x = self.x + k; self.x }`
/// (function 1, `returns_self`).
fn bump() -> Function {
    let this = || local(0, point_ty());
    let body = block(
        vec![
            set(
                place(0, vec![at_field(0)]),
                bin(BinOp::Add, field(this(), 0, Type::Int), local(1, Type::Int)),
            ),
            field(this(), 0, Type::Int),
        ],
        Type::Int,
    );
    let mut f = func(
        "Point::bump",
        &[point_ty(), Type::Int],
        Type::Int,
        &[],
        body,
    );
    f.returns_self = true;
    f
}

/// `fn Point::reset(var self) { self = Point { x: 0, y: 0.0 } }` (function
/// 2, `returns_self`, no result of its own).
fn reset() -> Function {
    let mut f = func(
        "Point::reset",
        &[point_ty()],
        Type::Unit,
        &[],
        assign(0, point(0, 0.0)),
    );
    f.returns_self = true;
    f
}

fn call_mut(f: u32, p: Place, args: Vec<Expr>, ty: Type) -> Expr {
    ex(ExprKind::CallMut(FuncId(f), p, args), ty)
}

#[test]
fn var_self_methods_store_their_receiver_back() {
    // var c = Point { x: 1, y: 0.5 }; let d = c; let r = c.bump(5)
    // var cs = [c, c]; cs[1].bump(10); cs[0].reset()
    let c = || local(0, point_ty());
    let d = || local(1, point_ty());
    let cs = || local(3, arr(point_ty()));
    let x_of = |e: Expr| field(e, 0, Type::Int);
    let body = stmts(vec![
        let_(0, point(1, 0.5)),
        let_(1, c()),
        let_(2, call_mut(1, place(0, vec![]), vec![int(5)], Type::Int)),
        assert_eq_(local(2, Type::Int), int(6)),
        assert_eq_(x_of(c()), int(6)),
        assert_eq_(x_of(d()), int(1)),
        let_(3, array(vec![c(), c()], point_ty())),
        let_(
            2,
            call_mut(
                1,
                place(3, vec![at_index(int(1))]),
                vec![x_of(index(cs(), int(1)))],
                Type::Int,
            ),
        ),
        assert_eq_(local(2, Type::Int), int(12)),
        call_mut(2, place(3, vec![at_index(int(0))]), vec![], Type::Unit),
        assert_eq_(cs(), array(vec![point(0, 0.0), point(12, 0.5)], point_ty())),
        assert_eq_(c(), point(6, 0.5)),
        // Through a struct field: a tuple holding a point.
        let_(4, tuple(vec![int(1), c()])),
        call_mut(1, place(4, vec![at_field(1)]), vec![int(100)], Type::Int),
        assert_eq_(
            local(4, tuple_ty(&[Type::Int, point_ty()])),
            tuple(vec![int(1), point(106, 0.5)]),
        ),
        assert_eq_(c(), point(6, 0.5)),
        call_mut(2, place(0, vec![]), vec![], Type::Unit),
        assert_eq_(c(), point(0, 0.0)),
    ]);
    let locals = [
        point_ty(),
        point_ty(),
        Type::Int,
        arr(point_ty()),
        tuple_ty(&[Type::Int, point_ty()]),
    ];
    let main = func("main", &[], Type::Unit, &locals, body);
    let p = with_structs(program(vec![main, bump(), reset()]));
    assert_eq!(run(&p), Outcome::Returned);
}

#[test]
fn for_over_an_array_with_break_and_continue() {
    // var s = 0; for x in [1, 2, 3, 4, 5, 6] { if x == 2 { continue };
    // if x == 5 { break }; s = s + x }; exit(s)
    let x = || local(1, Type::Int);
    let s = || local(0, Type::Int);
    let body = stmts(vec![
        let_(0, int(0)),
        for_in(
            1,
            ints(&[1, 2, 3, 4, 5, 6]),
            stmts(vec![
                if_(bin(BinOp::Eq, x(), int(2)), cont(), unit(), Type::Unit),
                if_(bin(BinOp::Eq, x(), int(5)), brk(), unit(), Type::Unit),
                assign(0, bin(BinOp::Add, s(), x())),
            ]),
        ),
        exit(s()),
    ]);
    assert_eq!(run(&main_with(&[Type::Int, Type::Int], body)), exits(8));

    // Strings: the loop variable and the array are released, also when
    // the loop is left by `break`; writing the array's local in the body
    // does not disturb the loop.
    let w = || local(1, Type::Str);
    let words = || local(2, arr(Type::Str));
    let body = stmts(vec![
        let_(0, int(0)),
        let_(2, strs(&["a", "bb", "ccc", "dddd"])),
        for_in(
            1,
            words(),
            stmts(vec![
                push(2, vec![], interp(vec![w(), string("!")])),
                if_(
                    bin(BinOp::Eq, w(), string("ccc")),
                    brk(),
                    unit(),
                    Type::Unit,
                ),
                assign(
                    0,
                    bin(
                        BinOp::Add,
                        s(),
                        intr(Intrinsic::StrLen, vec![w()], Type::Int),
                    ),
                ),
            ]),
        ),
        assert_eq_(s(), int(3)),
        assert_eq_(len(words()), int(7)),
        assert_eq_(index(words(), int(6)), string("ccc!")),
        // An empty array runs no iteration.
        for_in(1, strs(&[]), exit(int(9))),
    ]);
    let locals = [Type::Int, Type::Str, arr(Type::Str)];
    assert_eq!(run(&main_with(&locals, body)), Outcome::Returned);
}

#[test]
fn return_from_a_for_loop_releases_the_array() {
    // fn find(xs: [str], t: str) -> int {
    //     var i = 0; for x in xs { if x == t { return i }; i += 1 }; -1 }
    let i = || local(2, Type::Int);
    let find_body = block(
        vec![
            let_(2, int(0)),
            for_in(
                3,
                local(0, arr(Type::Str)),
                stmts(vec![
                    if_(
                        bin(BinOp::Eq, local(3, Type::Str), local(1, Type::Str)),
                        ret(i()),
                        unit(),
                        Type::Unit,
                    ),
                    assign(2, bin(BinOp::Add, i(), int(1))),
                ]),
            ),
            int(-1),
        ],
        Type::Int,
    );
    let find = func(
        "find",
        &[arr(Type::Str), Type::Str],
        Type::Int,
        &[Type::Int, Type::Str],
        find_body,
    );
    let words = || {
        array(
            vec![
                interp(vec![string("a"), int(1)]),
                interp(vec![string("b"), int(2)]),
            ],
            Type::Str,
        )
    };
    let body = stmts(vec![
        assert_eq_(call(1, vec![words(), string("b2")], Type::Int), int(1)),
        assert_eq_(call(1, vec![words(), string("zz")], Type::Int), int(-1)),
        // Nested: the outer array too is released on the way out.
        let_(0, array(vec![words(), words()], arr(Type::Str))),
        for_in(
            1,
            local(0, arr(arr(Type::Str))),
            for_in(2, local(1, arr(Type::Str)), ret(unit())),
        ),
    ]);
    let main = func(
        "main",
        &[],
        Type::Unit,
        &[arr(arr(Type::Str)), arr(Type::Str), Type::Str],
        body,
    );
    assert_eq!(
        run(&with_structs(program(vec![main, find]))),
        Outcome::Returned
    );
}

#[test]
fn push_in_a_loop_and_the_other_mutating_builtins() {
    // var xs: [int] = []; let before = xs; for i in 0..100 { xs.push(i * i) }
    let xs = || local(0, arr(Type::Int));
    let i = || local(1, Type::Int);
    let body = stmts(vec![
        let_(0, ints(&[])),
        let_(2, xs()),
        for_(
            1,
            int(0),
            int(100),
            false,
            push(0, vec![], bin(BinOp::Mul, i(), i())),
        ),
        assert_eq_(len(xs()), int(100)),
        assert_eq_(index(xs(), int(99)), int(9801)),
        assert_eq_(local(2, arr(Type::Int)), ints(&[])),
        assert_eq_(
            intr(Intrinsic::ArraySum, vec![xs()], Type::Int),
            int(328_350),
        ),
        // let snap = xs; xs.clear(); xs.push(3); xs.insert(0, 1);
        // xs.insert(2, 2); xs.reverse(); xs.sort(); xs.remove(1)
        let_(2, xs()),
        mutate(place(0, vec![]), Intrinsic::ArrayClear, vec![], Type::Unit),
        push(0, vec![], int(3)),
        mutate(
            place(0, vec![]),
            Intrinsic::ArrayInsert,
            vec![int(0), int(1)],
            Type::Unit,
        ),
        mutate(
            place(0, vec![]),
            Intrinsic::ArrayInsert,
            vec![int(2), int(2)],
            Type::Unit,
        ),
        assert_eq_(xs(), ints(&[1, 3, 2])),
        mutate(
            place(0, vec![]),
            Intrinsic::ArrayReverse,
            vec![],
            Type::Unit,
        ),
        assert_eq_(xs(), ints(&[2, 3, 1])),
        mutate(place(0, vec![]), Intrinsic::ArraySort, vec![], Type::Unit),
        assert_eq_(xs(), ints(&[1, 2, 3])),
        assert_eq_(
            mutate(
                place(0, vec![]),
                Intrinsic::ArrayRemove,
                vec![int(1)],
                Type::Int,
            ),
            int(2),
        ),
        assert_eq_(xs(), ints(&[1, 3])),
        assert_eq_(len(local(2, arr(Type::Int))), int(100)),
    ]);
    let locals = [arr(Type::Int), Type::Int, arr(Type::Int)];
    assert_eq!(run(&main_with(&locals, body)), Outcome::Returned);

    // Strings pushed into an array inside a tuple, in a loop; the removed
    // element is owned by the caller.
    let t_ty = tuple_ty(&[Type::Int, arr(Type::Str)]);
    let body = stmts(vec![
        let_(0, tuple(vec![int(0), strs(&[])])),
        for_(
            1,
            int(0),
            int(10),
            false,
            push(0, vec![at_field(1)], to_str(i())),
        ),
        let_(
            2,
            mutate(
                place(0, vec![at_field(1)]),
                Intrinsic::ArrayRemove,
                vec![int(3)],
                Type::Str,
            ),
        ),
        assert_eq_(local(2, Type::Str), string("3")),
        assert_eq_(
            intr(
                Intrinsic::ArrayJoin,
                vec![
                    field(local(0, t_ty.clone()), 1, arr(Type::Str)),
                    string(","),
                ],
                Type::Str,
            ),
            string("0,1,2,4,5,6,7,8,9"),
        ),
    ]);
    let locals = [t_ty.clone(), Type::Int, Type::Str];
    assert_eq!(run(&main_with(&locals, body)), Outcome::Returned);
}

#[test]
fn equality_of_nested_values() {
    let pair = |n: i64, s: &str| tuple(vec![int(n), string(s)]);
    let pairs = |ps: Vec<Expr>| array(ps, tuple_ty(&[Type::Int, Type::Str]));
    let body = stmts(vec![
        assert_eq_(
            pairs(vec![pair(1, "a"), pair(2, "b")]),
            pairs(vec![pair(1, "a"), pair(2, "b")]),
        ),
        assert_eq_(
            bin(
                BinOp::Eq,
                pairs(vec![pair(1, "a")]),
                pairs(vec![pair(1, "b")]),
            ),
            boolean(false),
        ),
        assert_eq_(
            bin(BinOp::Ne, pairs(vec![pair(1, "a")]), pairs(vec![])),
            boolean(true),
        ),
        assert_eq_(
            bin(BinOp::Eq, point(1, f64::NAN), point(1, f64::NAN)),
            boolean(false),
        ),
        // Concatenation and slices are new values.
        let_(0, bin(BinOp::Add, ints(&[1, 2]), ints(&[3]))),
        assert_eq_(local(0, arr(Type::Int)), ints(&[1, 2, 3])),
        assert_eq_(
            ex(
                ExprKind::Slice {
                    base: Box::new(local(0, arr(Type::Int))),
                    start: Box::new(int(1)),
                    end: Box::new(int(3)),
                },
                arr(Type::Int),
            ),
            ints(&[2, 3]),
        ),
        assert_eq_(
            ex(
                ExprKind::ArrayRepeat(Box::new(string("ab")), Box::new(int(3))),
                arr(Type::Str),
            ),
            strs(&["ab", "ab", "ab"]),
        ),
        assert_eq_(
            intr(
                Intrinsic::ArrayEnumerate,
                vec![strs(&["p", "q"])],
                arr(tuple_ty(&[Type::Int, Type::Str])),
            ),
            pairs(vec![pair(0, "p"), pair(1, "q")]),
        ),
        assert_eq_(
            intr(
                Intrinsic::StrSplit,
                vec![string("a,b,,c"), string(",")],
                arr(Type::Str),
            ),
            strs(&["a", "b", "", "c"]),
        ),
        assert_eq_(
            intr(Intrinsic::StrBytes, vec![string("AB")], arr(Type::Int)),
            ints(&[65, 66]),
        ),
        assert_eq_(
            intr(
                Intrinsic::ArraySum,
                vec![array(vec![float(0.5), float(0.25)], Type::Float)],
                Type::Float,
            ),
            float(0.75),
        ),
    ]);
    assert_eq!(run(&main_with(&[arr(Type::Int)], body)), Outcome::Returned);
}

#[test]
fn assert_eq_of_composites_shows_both_sides() {
    let body = spanned(
        assert_eq_(
            tuple(vec![strs(&["a"]), point(1, 2.0)]),
            tuple(vec![strs(&["b"]), point(1, 2.0)]),
        ),
        at(5, 3),
    );
    assert_eq!(
        run(&main_with(&[], body)),
        panics(
            "assert_eq failed: ([\"a\"], Point { x: 1, y: 2.0 }) != ([\"b\"], Point { x: 1, y: 2.0 })",
            loc(5, 3)
        )
    );
}

#[test]
fn display_of_nested_values() {
    if std::env::var_os(CHILD_ENV).is_none() {
        let out = child_stdout("codegen::tests::composite::display_of_nested_values");
        assert_eq!(
            out,
            "[(1, \"a\"), (2, \"b\")]\n\
             Point { x: 1, y: 2.5 }\n\
             v = [[1], []] and (true, ())\n\
             []\n"
        );
        return;
    }
    let pair = |n: i64, s: &str| tuple(vec![int(n), string(s)]);
    let body = stmts(vec![
        let_(
            0,
            array(
                vec![pair(1, "a"), pair(2, "b")],
                tuple_ty(&[Type::Int, Type::Str]),
            ),
        ),
        println(to_str(local(0, arr(tuple_ty(&[Type::Int, Type::Str]))))),
        println(to_str(point(1, 2.5))),
        println(interp(vec![
            string("v = "),
            array(vec![ints(&[1]), ints(&[])], arr(Type::Int)),
            string(" and "),
            tuple(vec![boolean(true), unit()]),
        ])),
        println(to_str(strs(&[]))),
    ]);
    let locals = [arr(tuple_ty(&[Type::Int, Type::Str]))];
    print_between_markers(&main_with(&locals, body));
}

#[test]
fn self_referential_types_get_descriptors() {
    // struct Node { kids: [Node] }: its descriptor refers to itself.
    let node = Type::Struct(0, "Node".into());
    let leaf = || {
        ex(
            ExprKind::StructLit(StructId(0), vec![array(vec![], node.clone())]),
            node.clone(),
        )
    };
    let tree = ex(
        ExprKind::StructLit(StructId(0), vec![array(vec![leaf(), leaf()], node.clone())]),
        node.clone(),
    );
    let mut p = main_only(
        std::slice::from_ref(&node),
        stmts(vec![
            let_(0, tree),
            assert_eq_(
                to_str(local(0, node.clone())),
                string("Node { kids: [Node { kids: [] }, Node { kids: [] }] }"),
            ),
        ]),
    );
    p.structs = vec![StructDef {
        name: "Node".into(),
        fields: vec![("kids".into(), arr(node.clone()))],
    }];
    assert_eq!(run(&p), Outcome::Returned);
    let clif = emit_clif(&p, &sources()).expect("clif");
    assert!(clif.contains("type descriptor"), "{clif}");
}

#[test]
fn str_builtins() {
    let s = |t: &str| string(t);
    let body = stmts(vec![
        assert_eq_(
            intr(Intrinsic::StrChars, vec![s("hé!")], arr(Type::Str)),
            strs(&["h", "é", "!"]),
        ),
        assert_eq_(
            intr(Intrinsic::StrLines, vec![s("a\nb\n")], arr(Type::Str)),
            strs(&["a", "b"]),
        ),
        assert_eq_(
            intr(
                Intrinsic::StrContains,
                vec![s("hello"), s("ell")],
                Type::Bool,
            ),
            boolean(true),
        ),
        assert_eq_(
            intr(
                Intrinsic::StrStartsWith,
                vec![s("hello"), s("ell")],
                Type::Bool,
            ),
            boolean(false),
        ),
        assert_eq_(
            intr(
                Intrinsic::StrEndsWith,
                vec![s("hello"), s("llo")],
                Type::Bool,
            ),
            boolean(true),
        ),
        assert_eq_(
            intr(Intrinsic::StrTrim, vec![s("  a b ")], Type::Str),
            s("a b"),
        ),
        assert_eq_(
            intr(Intrinsic::StrToUpper, vec![s("aB")], Type::Str),
            s("AB"),
        ),
        assert_eq_(
            intr(Intrinsic::StrToLower, vec![s("aB")], Type::Str),
            s("ab"),
        ),
        assert_eq_(
            intr(
                Intrinsic::StrReplace,
                vec![s("a-b-c"), s("-"), s("+")],
                Type::Str,
            ),
            s("a+b+c"),
        ),
        assert_eq_(
            intr(Intrinsic::StrRepeat, vec![s("ab"), int(3)], Type::Str),
            s("ababab"),
        ),
        assert_eq_(
            ex(
                ExprKind::Slice {
                    base: Box::new(s("hello")),
                    start: Box::new(int(1)),
                    end: Box::new(int(3)),
                },
                Type::Str,
            ),
            s("el"),
        ),
    ]);
    assert_eq!(run(&main_with(&[], body)), Outcome::Returned);
    // A negative count panics at the call.
    let body = stmts(vec![let_(
        0,
        spanned(
            intr(Intrinsic::StrRepeat, vec![s("ab"), int(-1)], Type::Str),
            at(2, 4),
        ),
    )]);
    let outcome = run(&main_with(&[Type::Str], body));
    let Outcome::Panicked { location, .. } = outcome else {
        panic!("expected a panic, got {outcome:?}");
    };
    assert_eq!(location, Some(loc(2, 4)));
}

#[test]
fn reading_fields_and_elements_of_temporaries_and_locals() {
    // Reads through locals borrow; reads of temporaries release them; an
    // index expression that assigns the array's local takes the safe path.
    let a = || local(0, arr(Type::Str));
    let body = stmts(vec![
        let_(0, strs(&["x", "y"])),
        let_(1, index(a(), int(0))),
        assert_eq_(local(1, Type::Str), string("x")),
        assert_eq_(
            field(
                tuple(vec![interp(vec![string("t"), int(1)]), int(2)]),
                0,
                Type::Str,
            ),
            string("t1"),
        ),
        // a[{ a = ["z"]; 0 }]: the old array is read, then released.
        let_(
            1,
            index(a(), block(vec![assign(0, strs(&["z"])), int(1)], Type::Int)),
        ),
        assert_eq_(local(1, Type::Str), string("y")),
        assert_eq_(a(), strs(&["z"])),
    ]);
    let locals = [arr(Type::Str), Type::Str];
    assert_eq!(run(&main_with(&locals, body)), Outcome::Returned);
}

#[test]
fn bad_composite_kir_is_an_internal_error() {
    let mut case = 0;
    let mut bad = |p: Program| {
        case += 1;
        let err = compile_jit(&p, &sources())
            .map(|_| ())
            .expect_err(&format!("bad KIR (case {case}) compiles"));
        assert!(
            err.starts_with("internal compiler error in codegen"),
            "{err}"
        );
    };
    // A field of an int, an index into a string, a field past the end.
    bad(main_with(
        &[Type::Int],
        let_(0, field(int(1), 0, Type::Int)),
    ));
    bad(main_with(
        &[Type::Int],
        let_(
            0,
            ex(
                ExprKind::Index(Box::new(string("ab")), Box::new(int(0))),
                Type::Int,
            ),
        ),
    ));
    bad(main_with(
        &[Type::Int],
        let_(0, field(point(1, 2.0), 5, Type::Int)),
    ));
    // A struct the program does not have.
    bad(main_only(&[point_ty()], let_(0, point(1, 2.0))));
    // A mutating built-in outside a place, and a reading one on a place.
    bad(main_with(
        &[],
        intr(Intrinsic::ArrayPush, vec![ints(&[]), int(1)], Type::Unit),
    ));
    bad(main_with(
        &[arr(Type::Int)],
        stmts(vec![
            let_(0, ints(&[])),
            mutate(place(0, vec![]), Intrinsic::ArrayLen, vec![], Type::Int),
        ]),
    ));
    // `CallMut` of a function that is not `var self`.
    let f = func("f", &[point_ty()], Type::Unit, &[], unit());
    let main = func(
        "main",
        &[],
        Type::Unit,
        &[point_ty()],
        stmts(vec![
            let_(0, point(1, 2.0)),
            call_mut(1, place(0, vec![]), vec![], Type::Unit),
        ]),
    );
    bad(with_structs(program(vec![main, f])));
}
