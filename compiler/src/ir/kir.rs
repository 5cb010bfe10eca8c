//! KIR, the Kriti intermediate representation: the typed program that the
//! checker produces and codegen consumes.
//!
//! KIR is a tree of typed expressions. Every name is resolved (to a
//! [`LocalId`] or [`FuncId`]), every expression has a [`Type`] without
//! `Error`, string interpolation and constants are lowered, and operators
//! are chosen by operand type. Codegen never infers anything.
//!
//! Ownership of heap values (`str`) follows one rule that codegen
//! implements: every expression yields an owned reference; reading a local
//! copies (retains) it; `Let`/`Assign` consume their value and release the
//! previous one; parameters are owned by the callee; locals are released
//! when the function returns.
//!
//! Composite values (`[T]`, tuples, structs, enum values) are heap objects
//! too, with the same rule. Enum values (user enums, `Option`, `Result`)
//! appear only as [`ExprKind::Variant`], [`ExprKind::Tag`] and
//! [`ExprKind::Payload`]: the checker lowers `match`, `?` and the
//! `Option`/`Result` methods to these and ordinary control flow. They have value semantics through copy-on-write: a value is
//! shared by reference count until a write through a `var`
//! ([`ExprKind::AssignPlace`], [`ExprKind::MutIntrinsic`],
//! [`ExprKind::CallMut`]) finds it shared and copies it first.

use super::types::Type;
use crate::span::Span;
pub use crate::syntax::ast::{BinOp, UnOp};

/// Index into [`Program::functions`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FuncId(pub u32);

/// Index into [`Function::locals`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LocalId(pub u32);

/// A whole checked program.
#[derive(Clone, Debug, Default)]
pub struct Program {
    pub functions: Vec<Function>,
    /// Every struct type; [`Type::Struct`] indexes this.
    pub structs: Vec<StructDef>,
    /// Every user enum type; [`Type::Enum`] indexes this.
    pub enums: Vec<EnumDef>,
    /// The user's `fn main()`, if the program has one.
    pub main: Option<FuncId>,
}

/// A user `struct`: its name and its fields in declaration order (a
/// struct value stores field `i` in slot `i`).
#[derive(Clone, Debug)]
pub struct StructDef {
    pub name: String,
    pub fields: Vec<(String, Type)>,
}

/// A user `enum`: its name and its variants in declaration order, each
/// with its payload types. Variant `i` has tag `i`.
#[derive(Clone, Debug)]
pub struct EnumDef {
    pub name: String,
    pub variants: Vec<(String, Vec<Type>)>,
}

impl Program {
    /// The variants (name, payload types) of an enum type: a user enum,
    /// `Option` or `Result`, in tag order; `None` for other types.
    pub fn variants(&self, ty: &Type) -> Option<Vec<(String, Vec<Type>)>> {
        variants_of(&self.enums, ty)
    }
}

/// The variants (name, payload types) of an enum type, in tag order, given
/// the program's user enums; `None` for a type that is not an enum.
pub fn variants_of(enums: &[EnumDef], ty: &Type) -> Option<Vec<(String, Vec<Type>)>> {
    match ty {
        Type::Enum(id, _) => enums.get(*id as usize).map(|e| e.variants.clone()),
        Type::Option(t) => Some(vec![
            ("None".to_string(), Vec::new()),
            ("Some".to_string(), vec![(**t).clone()]),
        ]),
        Type::Result(t, e) => Some(vec![
            ("Ok".to_string(), vec![(**t).clone()]),
            ("Err".to_string(), vec![(**e).clone()]),
        ]),
        _ => None,
    }
}

/// The tag of `Option::None`.
pub const NONE_TAG: u32 = 0;
/// The tag of `Option::Some`.
pub const SOME_TAG: u32 = 1;
/// The tag of `Result::Ok`.
pub const OK_TAG: u32 = 0;
/// The tag of `Result::Err`.
pub const ERR_TAG: u32 = 1;

#[derive(Clone, Debug)]
pub struct Function {
    /// The name shown in IR dumps and stack traces (`Point::norm`).
    pub name: String,
    /// Parameter locals, in order; they are also in `locals`.
    pub params: Vec<LocalId>,
    pub ret: Type,
    pub locals: Vec<Local>,
    pub body: Expr,
    /// The function's name in its declaration.
    pub span: Span,
    /// A method declared `var self`: its first parameter is the receiver,
    /// and the function also returns the receiver's final value, after its
    /// own result, so [`ExprKind::CallMut`] can store it back.
    pub returns_self: bool,
}

#[derive(Clone, Debug)]
pub struct Local {
    pub name: String,
    pub ty: Type,
    pub mutable: bool,
}

#[derive(Clone, Debug)]
pub struct Expr {
    pub kind: ExprKind,
    pub ty: Type,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum ExprKind {
    Int(i64),
    Float(f64),
    Bool(bool),
    Str(String),
    Unit,
    /// Read (copy) a local.
    Local(LocalId),
    /// Initialise a local; type `()`.
    Let(LocalId, Box<Expr>),
    /// Overwrite a mutable local; type `()`.
    Assign(LocalId, Box<Expr>),
    /// Evaluate in order; the value is the last expression's (unit if empty).
    Block(Vec<Expr>),
    /// `if cond { then } else { otherwise }`; a missing `else` is a unit block.
    If {
        cond: Box<Expr>,
        then: Box<Expr>,
        otherwise: Box<Expr>,
    },
    While {
        cond: Box<Expr>,
        body: Box<Expr>,
    },
    Loop(Box<Expr>),
    /// `for var in start..end` (or `..=`); `var` is fresh each iteration
    /// and `end` is evaluated once, before the first iteration.
    ForRange {
        var: LocalId,
        start: Box<Expr>,
        end: Box<Expr>,
        inclusive: bool,
        body: Box<Expr>,
    },
    Break,
    Continue,
    Return(Box<Expr>),
    /// A binary operator; its meaning follows the operands' type (`lhs.ty`):
    /// checked arithmetic on `int`, IEEE on `float`, concatenation and byte
    /// order on `str`. `And`/`Or` short-circuit.
    Binary(BinOp, Box<Expr>, Box<Expr>),
    Unary(UnOp, Box<Expr>),
    Call(FuncId, Vec<Expr>),
    Intrinsic(Intrinsic, Vec<Expr>),
    /// String interpolation: the display forms of the parts, concatenated.
    Interpolate(Vec<Expr>),
    /// The inlined body of a call to `callee` (made by the inliner; the
    /// expression keeps the call's span, `body` keeps its own). It lowers
    /// exactly like `body`; stack traces use it to show the call.
    Inlined {
        callee: FuncId,
        body: Box<Expr>,
    },

    // ---- Composite values. All are heap objects (see the module doc). ----
    /// `[a, b, c]` (type `[T]`).
    ArrayLit(Vec<Expr>),
    /// `[value; count]`; a negative count panics.
    ArrayRepeat(Box<Expr>, Box<Expr>),
    /// `(a, b, ...)` with at least two elements.
    TupleLit(Vec<Expr>),
    /// A struct value; the fields are in declaration order (the checker
    /// binds them to temporaries first when the source order differs).
    StructLit(StructId, Vec<Expr>),
    /// Reads field (slot) `i` of a tuple or struct value.
    Field(Box<Expr>, u32),
    /// `array[index]`, bounds-checked.
    Index(Box<Expr>, Box<Expr>),
    /// `array[start..end]` (or `..=` made exclusive by the checker): a copy
    /// of the range, bounds-checked; also `str[start..end]` by bytes,
    /// checked against char boundaries.
    Slice {
        base: Box<Expr>,
        start: Box<Expr>,
        end: Box<Expr>,
    },
    /// Writes `value` into a place inside a `var` local: `a[i] = v`,
    /// `p.x = v`, `grid[1][2] = v`. Every object along the path is made
    /// unique first (copy-on-write), so no other copy sees the write. Type
    /// `()`. Index expressions in the path are evaluated before `value`.
    AssignPlace(Place, Box<Expr>),
    /// A mutating built-in method on the object at a place
    /// (`xs.push(v)`, `grid[0].clear()`): the object is made unique, then
    /// the intrinsic receives it as its first argument followed by `args`.
    MutIntrinsic(Place, Intrinsic, Vec<Expr>),
    /// A call of a `var self` method on the value at a place: the place's
    /// value is moved into the call and the returned receiver is stored
    /// back (see [`Function::returns_self`]).
    CallMut(FuncId, Place, Vec<Expr>),
    /// `for var in array { body }`: the array is evaluated once; `var` is
    /// each element in turn.
    ForArray {
        var: LocalId,
        array: Box<Expr>,
        body: Box<Expr>,
    },

    // ---- Enums (user enums, `Option`, `Result`; see `Program::variants`).
    // `match`, `?` and the methods of `Option`/`Result` are lowered by the
    // checker to these three and ordinary control flow.
    /// A value of variant `tag` of the expression's (enum) type, with its
    /// payload values in order.
    Variant {
        tag: u32,
        payload: Vec<Expr>,
    },
    /// The tag (variant index) of an enum value; type `int`.
    Tag(Box<Expr>),
    /// Payload value `i` of an enum value (read like `Field`). Only valid
    /// when the value's variant has that payload: the checker tests the
    /// tag first.
    Payload(Box<Expr>, u32),

    // ---- Tasks and channels (`chan<T>`, `task<T>` and `Atomic` values are
    // shared handles: no copy-on-write, every copy names the same object).
    /// Starts a task that runs `entry` with `args`, which are evaluated
    /// (and so copied) here, in the spawning task; type `task<T>` where `T`
    /// is `entry`'s result. The checker lowers both `spawn f(args)` and
    /// `spawn { block }` to a function of their captured values.
    Spawn {
        entry: FuncId,
        args: Vec<Expr>,
    },
    /// `select { ... }`: waits for the first ready operation.
    Select(Box<Select>),

    // ---- Function values (`fn(A) -> R`): immutable heap objects that hold
    // the code to call and the captured values.
    /// A closure: `func` (lifted by the checker) with `captures` bound to
    /// its first parameters, evaluated (copied) here; the closure's own
    /// parameters follow them.
    Closure {
        func: FuncId,
        captures: Vec<Expr>,
    },
    /// A named function used as a value.
    FnRef(FuncId),
    /// Calls a function value with `args`.
    CallValue(Box<Expr>, Vec<Expr>),
}

/// A `select`: its channel arms, and the optional `after(ms)` and `_` arms.
///
/// Evaluation order: each arm's channel (and, for a send, its value) in
/// source order, then the timeout; then one ready arm's body runs.
#[derive(Clone, Debug)]
pub struct Select {
    pub arms: Vec<SelectArm>,
    /// `after(ms) => body`: the milliseconds and the body.
    pub after: Option<(Expr, Expr)>,
    /// `_ => body`: runs when no operation is ready (never waits).
    pub default: Option<Expr>,
}

/// One channel operation of a `select` and its body.
#[derive(Clone, Debug)]
pub struct SelectArm {
    pub chan: Expr,
    pub op: SelectOp,
    pub body: Expr,
}

#[derive(Clone, Debug)]
pub enum SelectOp {
    /// `let v = ch.recv()` binds the received `Option<T>` to the local;
    /// `ch.recv()` discards it.
    Recv(Option<LocalId>),
    /// `ch.send(value)`; the value is dropped when another arm runs.
    Send(Expr),
}

/// Index into [`Program::structs`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StructId(pub u32);

/// A location inside a mutable local: the local, then fields and indexes.
#[derive(Clone, Debug)]
pub struct Place {
    pub root: LocalId,
    pub path: Vec<PlaceStep>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum PlaceStep {
    /// Field (slot) `i` of a tuple or struct.
    Field(u32),
    /// An element of an array, bounds-checked.
    Index(Expr),
}

/// Built-in operations that codegen expands inline or to a runtime call.
/// The argument types are fixed by the checker; where a row says "int or
/// float" codegen looks at the argument's type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Intrinsic {
    /// `print(s: str)`
    Print,
    /// `println(s: str)`
    Println,
    /// `eprintln(s: str)`
    Eprintln,
    /// `str(x)`: display form of any value.
    ToStr,
    /// `float(x)` from int (or float: identity).
    ToFloat,
    /// `int(x)` from float (truncating; NaN and out of range panic) or int.
    ToInt,
    /// `s.len()` in bytes.
    StrLen,
    /// `abs(x)`, int or float; `abs` of the minimum int panics.
    Abs,
    /// `min(a, b)`, int or float.
    Min,
    /// `max(a, b)`, int or float.
    Max,
    Sqrt,
    Floor,
    Ceil,
    /// Rounds half away from zero.
    Round,
    Pow,
    Sin,
    Cos,
    Tan,
    Atan2,
    Exp,
    Ln,
    /// `x.fixed(n) -> str`
    Fixed,
    /// `clock() -> float` in seconds, monotonic.
    Clock,
    /// `exit(code)`; type never.
    Exit,
    /// `panic(msg: str)`; type never.
    Panic,
    /// `assert(cond)`
    Assert,
    /// `assert_eq(a, b)`, any type with `==`.
    AssertEq,

    // ---- Arrays. `MutIntrinsic` ones receive a unique array first. ----
    /// `xs.len()`
    ArrayLen,
    /// `xs.push(v)` (mutating)
    ArrayPush,
    /// `xs.insert(i, v)` (mutating); `i` in `0..=len`, else a panic.
    ArrayInsert,
    /// `xs.remove(i) -> T` (mutating); bounds-checked.
    ArrayRemove,
    /// `xs.clear()` (mutating)
    ArrayClear,
    /// `xs.reserve(n)` (mutating): room for `n` more elements. Only the
    /// stdlib can call it (`map` allocates its result once).
    ArrayReserve,
    /// `xs.reverse()` (mutating)
    ArrayReverse,
    /// `xs.sort()` (mutating, stable) on `[int]`, `[float]`, `[str]`.
    ArraySort,
    /// `xs.sort_by(less)` (mutating, stable): `less(a, b)` is true when
    /// `a` goes before `b`.
    ArraySortBy,
    /// `xs.join(sep) -> str` on `[str]`.
    ArrayJoin,
    /// `xs.sum()` on `[int]` (checked) or `[float]`.
    ArraySum,
    /// `xs.enumerate() -> [(int, T)]`
    ArrayEnumerate,
    /// `xs.pop() -> Option<T>` (mutating)
    ArrayPop,
    /// `xs.min() -> Option<T>` on `[int]`, `[float]`, `[str]`.
    ArrayMin,
    /// `xs.max() -> Option<T>` on `[int]`, `[float]`, `[str]`.
    ArrayMax,

    // ---- Maps. `MutIntrinsic` ones receive a unique map first. ----
    /// A new empty map of the expression's type (no arguments); map
    /// literals are lowered to this and `MapInsert`s on a temporary.
    MapNew,
    /// `m.insert(k, v)` and `m[k] = v` (mutating): inserts or replaces.
    MapInsert,
    /// `m.get(k) -> Option<V>`
    MapGet,
    /// `m[k]`; a missing key panics ("key not found: ...").
    MapIndex,
    /// `m.remove(k) -> Option<V>` (mutating)
    MapRemove,
    /// `m.contains(k) -> bool`
    MapContains,
    /// `m.len()`
    MapLen,
    /// `m.keys() -> [K]` in insertion order.
    MapKeys,
    /// `m.values() -> [V]` in insertion order.
    MapValues,
    /// The entries as `[(K, V)]` in insertion order; `for (k, v) in m`
    /// loops over it.
    MapEntries,

    // ---- Strings (all return new values; `str` is immutable). ----
    /// `s.chars() -> [str]`
    StrChars,
    /// `s.bytes() -> [int]`
    StrBytes,
    StrContains,
    StrStartsWith,
    StrEndsWith,
    /// `s.split(sep) -> [str]`
    StrSplit,
    /// `s.lines() -> [str]`
    StrLines,
    StrTrim,
    StrToUpper,
    StrToLower,
    /// `s.replace(from, to)`
    StrReplace,
    /// `s.repeat(n)`; a negative `n` panics.
    StrRepeat,
    /// `s.find(t) -> Option<int>` (a byte offset).
    StrFind,
    /// `parse_int(s) -> Option<int>`
    ParseInt,
    /// `parse_float(s) -> Option<float>`
    ParseFloat,

    // ---- Input, files and randomness (runtime calls, `io.rs` and
    // `random.rs` in the runtime).
    /// `args() -> [str]`: the program's arguments after its file name.
    Args,
    /// `read_line() -> Option<str>`: a line of stdin, `None` at its end.
    ReadLine,
    /// `read_file(path) -> Result<str, str>`
    ReadFile,
    /// `write_file(path, s) -> Result<(), str>`
    WriteFile,
    /// `random() -> float` in [0, 1).
    Random,
    /// `random_int(lo, hi) -> int` in [lo, hi); `lo >= hi` panics.
    RandomInt,

    // ---- Tasks, channels and atomics (runtime calls; handles are shared).
    /// `t.join() -> T`: waits; re-raises the task's panic.
    TaskJoin,
    /// `chan<T>()` / `chan<T>(n)`: one argument, the capacity (0 for
    /// unbuffered); the element type is the expression's.
    ChanNew,
    /// `ch.send(v)`: waits while full; panics when closed.
    ChanSend,
    /// `ch.recv() -> Option<T>`: waits; `None` once closed and drained.
    ChanRecv,
    /// `ch.try_send(v) -> bool`
    ChanTrySend,
    /// `ch.try_recv() -> Option<T>`
    ChanTryRecv,
    /// `ch.close()`; closing twice panics.
    ChanClose,
    /// `ch.len()`: values buffered now.
    ChanLen,
    /// `sleep(ms)`: parks the task.
    Sleep,
    /// `yield_now()`
    YieldNow,
    /// `atomic(n) -> Atomic`
    AtomicNew,
    /// `a.add(k) -> int` (the new value; overflow panics).
    AtomicAdd,
    /// `a.get() -> int`
    AtomicGet,
    /// `a.set(v)`
    AtomicSet,
    /// `a.cas(old, new) -> bool`
    AtomicCas,
    /// The number of worker threads (`par_map` splits its work by it).
    WorkerCount,
    /// A call of the embedding host's function with this index
    /// (`check/host.rs`); the arguments are its parameters, in order.
    Host(u32),
}

impl Intrinsic {
    /// The name a user writes.
    pub fn name(self) -> &'static str {
        match self {
            Intrinsic::Print => "print",
            Intrinsic::Println => "println",
            Intrinsic::Eprintln => "eprintln",
            Intrinsic::ToStr => "str",
            Intrinsic::ToFloat => "float",
            Intrinsic::ToInt => "int",
            Intrinsic::StrLen => "len",
            Intrinsic::Abs => "abs",
            Intrinsic::Min => "min",
            Intrinsic::Max => "max",
            Intrinsic::Sqrt => "sqrt",
            Intrinsic::Floor => "floor",
            Intrinsic::Ceil => "ceil",
            Intrinsic::Round => "round",
            Intrinsic::Pow => "pow",
            Intrinsic::Sin => "sin",
            Intrinsic::Cos => "cos",
            Intrinsic::Tan => "tan",
            Intrinsic::Atan2 => "atan2",
            Intrinsic::Exp => "exp",
            Intrinsic::Ln => "ln",
            Intrinsic::Fixed => "fixed",
            Intrinsic::Clock => "clock",
            Intrinsic::Exit => "exit",
            Intrinsic::Panic => "panic",
            Intrinsic::Assert => "assert",
            Intrinsic::AssertEq => "assert_eq",
            Intrinsic::ArrayLen => "len",
            Intrinsic::ArrayPush => "push",
            Intrinsic::ArrayInsert => "insert",
            Intrinsic::ArrayRemove => "remove",
            Intrinsic::ArrayClear => "clear",
            Intrinsic::ArrayReserve => "reserve",
            Intrinsic::ArrayReverse => "reverse",
            Intrinsic::ArraySort => "sort",
            Intrinsic::ArraySortBy => "sort_by",
            Intrinsic::ArrayJoin => "join",
            Intrinsic::ArraySum => "sum",
            Intrinsic::ArrayEnumerate => "enumerate",
            Intrinsic::StrChars => "chars",
            Intrinsic::StrBytes => "bytes",
            Intrinsic::StrContains => "contains",
            Intrinsic::StrStartsWith => "starts_with",
            Intrinsic::StrEndsWith => "ends_with",
            Intrinsic::StrSplit => "split",
            Intrinsic::StrLines => "lines",
            Intrinsic::StrTrim => "trim",
            Intrinsic::StrToUpper => "to_upper",
            Intrinsic::StrToLower => "to_lower",
            Intrinsic::StrReplace => "replace",
            Intrinsic::StrRepeat => "repeat",
            Intrinsic::ArrayPop => "pop",
            Intrinsic::ArrayMin => "min",
            Intrinsic::ArrayMax => "max",
            Intrinsic::StrFind => "find",
            Intrinsic::ParseInt => "parse_int",
            Intrinsic::ParseFloat => "parse_float",
            Intrinsic::MapNew => "$map_new",
            Intrinsic::MapInsert => "insert",
            Intrinsic::MapGet => "get",
            Intrinsic::MapIndex => "$map_index",
            Intrinsic::MapRemove => "remove",
            Intrinsic::MapContains => "contains",
            Intrinsic::MapLen => "len",
            Intrinsic::MapKeys => "keys",
            Intrinsic::MapValues => "values",
            Intrinsic::MapEntries => "$map_entries",
            Intrinsic::TaskJoin => "join",
            Intrinsic::ChanNew => "$chan_new",
            Intrinsic::ChanSend => "send",
            Intrinsic::ChanRecv => "recv",
            Intrinsic::ChanTrySend => "try_send",
            Intrinsic::ChanTryRecv => "try_recv",
            Intrinsic::ChanClose => "close",
            Intrinsic::ChanLen => "len",
            Intrinsic::Sleep => "sleep",
            Intrinsic::YieldNow => "yield_now",
            Intrinsic::Args => "args",
            Intrinsic::ReadLine => "read_line",
            Intrinsic::ReadFile => "read_file",
            Intrinsic::WriteFile => "write_file",
            Intrinsic::Random => "random",
            Intrinsic::RandomInt => "random_int",
            Intrinsic::AtomicNew => "atomic",
            Intrinsic::AtomicAdd => "add",
            Intrinsic::AtomicGet => "get",
            Intrinsic::AtomicSet => "set",
            Intrinsic::AtomicCas => "cas",
            Intrinsic::WorkerCount => "$worker_count",
            Intrinsic::Host(_) => "$host",
        }
    }
}
