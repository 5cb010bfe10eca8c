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
    /// The user's `fn main()`, if the program has one.
    pub main: Option<FuncId>,
}

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
        }
    }
}
