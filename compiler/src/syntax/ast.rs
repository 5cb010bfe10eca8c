//! The abstract syntax tree: what the parser produces and the checker consumes.
//!
//! The AST mirrors the source closely and carries a [`Span`] on every node so
//! diagnostics can point at it. It knows nothing about types or names: a
//! `Name` is just text until the checker resolves it. Parse errors leave
//! `Error` nodes behind so that the rest of the file can still be checked.

use crate::span::Span;

/// A name as written, with where it was written.
#[derive(Clone, Debug, PartialEq)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

/// One source file after parsing.
#[derive(Clone, Debug, Default)]
pub struct Module {
    pub items: Vec<Item>,
}

/// A top-level (or `impl`-level) declaration.
#[derive(Clone, Debug)]
pub struct Item {
    pub kind: ItemKind,
    pub is_pub: bool,
    /// The text of the `///` comments directly before the item, if any.
    pub doc: Option<String>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum ItemKind {
    Fn(FnDecl),
    Const(ConstDecl),
    Struct(StructDecl),
    Enum(EnumDecl),
    Impl(ImplDecl),
    Import(Ident),
    /// An item that failed to parse; already reported.
    Error,
}

#[derive(Clone, Debug)]
pub struct FnDecl {
    pub name: Ident,
    pub generics: Vec<Ident>,
    /// `self` or `var self` as the first parameter (methods only).
    pub self_param: Option<SelfParam>,
    pub params: Vec<Param>,
    pub ret: Option<TypeExpr>,
    pub body: Block,
}

#[derive(Clone, Debug)]
pub struct SelfParam {
    pub mutable: bool,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Param {
    pub name: Ident,
    pub ty: TypeExpr,
    /// Written `var name: T`: a mutable local copy.
    pub mutable: bool,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct ConstDecl {
    pub name: Ident,
    pub ty: Option<TypeExpr>,
    pub value: Expr,
}

#[derive(Clone, Debug)]
pub struct StructDecl {
    pub name: Ident,
    pub generics: Vec<Ident>,
    pub fields: Vec<FieldDecl>,
}

#[derive(Clone, Debug)]
pub struct FieldDecl {
    pub name: Ident,
    pub ty: TypeExpr,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct EnumDecl {
    pub name: Ident,
    pub generics: Vec<Ident>,
    pub variants: Vec<VariantDecl>,
}

#[derive(Clone, Debug)]
pub struct VariantDecl {
    pub name: Ident,
    /// Payload types of a tuple-like variant; empty for a unit variant.
    pub fields: Vec<TypeExpr>,
    pub span: Span,
}

/// `impl<T> Name<T> { fn ... }`
#[derive(Clone, Debug)]
pub struct ImplDecl {
    pub generics: Vec<Ident>,
    /// The type's name, or [`ARRAY_TARGET`] for `impl<T> [T]`.
    pub target: Ident,
    /// The type's arguments; for an array, its one element type.
    pub target_args: Vec<TypeExpr>,
    /// Only `ItemKind::Fn` (or `Error`) items appear here.
    pub items: Vec<Item>,
}

/// The target name of `impl<T> [T]` (an array type, which has no name).
pub const ARRAY_TARGET: &str = "[]";

impl ImplDecl {
    /// Whether this is `impl<T> [T]`.
    pub fn is_array(&self) -> bool {
        self.target.name == ARRAY_TARGET
    }
}

/// A type as written in the source.
#[derive(Clone, Debug)]
pub struct TypeExpr {
    pub kind: TypeExprKind,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum TypeExprKind {
    /// `int`, `Point`, `Option<int>`, `Map<str, int>`, `chan<int>`, `task<T>`,
    /// or `geometry.Shape` (with `module`).
    Named {
        module: Option<Ident>,
        name: Ident,
        args: Vec<TypeExpr>,
    },
    /// `[T]`
    Array(Box<TypeExpr>),
    /// `(A, B)`; the empty tuple `()` is the unit type.
    Tuple(Vec<TypeExpr>),
    /// `fn(A, B) -> R`; a missing `-> R` means unit.
    Fn {
        params: Vec<TypeExpr>,
        ret: Option<Box<TypeExpr>>,
    },
    /// `Self` inside an `impl`.
    SelfType,
    Error,
}

/// `{ stmt; stmt; expr }`. The value of a block is its last statement when
/// that statement is an expression (a `;` before `}` means nothing).
#[derive(Clone, Debug)]
pub struct Block {
    pub stmts: Vec<Stmt>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Stmt {
    pub kind: StmtKind,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum StmtKind {
    /// `let pat: T = value` or `var pat = value`.
    Let {
        pattern: Pattern,
        mutable: bool,
        ty: Option<TypeExpr>,
        value: Expr,
    },
    /// `target = value` or `target op= value` (`op` is `Some` for compound
    /// assignment).
    Assign {
        target: Expr,
        op: Option<BinOp>,
        value: Expr,
    },
    Expr(Expr),
    /// A nested item (e.g. a local `fn`). Reserved; the checker may reject it.
    Item(Box<Item>),
    Error,
}

#[derive(Clone, Debug)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    And,
    Or,
    BitAnd,
    BitOr,
    BitXor,
    Shl,
    Shr,
}

impl BinOp {
    /// The operator as written in source.
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Rem => "%",
            BinOp::Eq => "==",
            BinOp::Ne => "!=",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::And => "&&",
            BinOp::Or => "||",
            BinOp::BitAnd => "&",
            BinOp::BitOr => "|",
            BinOp::BitXor => "^",
            BinOp::Shl => "<<",
            BinOp::Shr => ">>",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UnOp {
    Neg,
    Not,
}

/// A piece of a string literal: literal text (escapes already decoded) or an
/// interpolated `{expr}`.
#[derive(Clone, Debug)]
pub enum StrPart {
    Lit(String),
    Expr(Expr),
}

#[derive(Clone, Debug)]
pub enum ExprKind {
    Int(i64),
    Float(f64),
    Bool(bool),
    /// A string literal; a plain one has a single `Lit` part.
    Str(Vec<StrPart>),
    /// `()`
    Unit,
    /// A bare name: a local, function, constant, or unit variant like `None`.
    Name(Ident),
    /// `Type::name`: an associated function or an enum variant;
    /// `module.Type::name` (with the module) for a type of an imported file.
    Path(Option<Ident>, Ident, Ident),
    /// `expr.name` (also `module.item` before names are resolved).
    Field(Box<Expr>, Ident),
    /// `expr.0`
    TupleField(Box<Expr>, u32, Span),
    Call(Box<Expr>, Vec<Expr>),
    /// `receiver.method(args)`
    MethodCall(Box<Expr>, Ident, Vec<Expr>),
    Index(Box<Expr>, Box<Expr>),
    Unary(UnOp, Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
    /// `a..b` or `a..=b`
    Range {
        start: Box<Expr>,
        end: Box<Expr>,
        inclusive: bool,
    },
    /// `expr?`
    Try(Box<Expr>),
    /// `[a, b, c]`
    Array(Vec<Expr>),
    /// `[value; count]`
    ArrayRepeat(Box<Expr>, Box<Expr>),
    /// `["a": 1]`; `[:]` is the empty map.
    Map(Vec<(Expr, Expr)>),
    /// `(a, b)` with at least two elements.
    Tuple(Vec<Expr>),
    /// `Point { x: 1.0, y }` (a field without a value is shorthand for a
    /// local of the same name); `geometry.Point { .. }` sets `module`.
    StructLit {
        module: Option<Ident>,
        name: Ident,
        fields: Vec<(Ident, Option<Expr>)>,
    },
    Block(Block),
    If {
        cond: Box<Expr>,
        then: Block,
        /// Either a `Block` expression or another `If`.
        otherwise: Option<Box<Expr>>,
    },
    While {
        cond: Box<Expr>,
        body: Block,
    },
    Loop(Block),
    For {
        pattern: Pattern,
        iter: Box<Expr>,
        body: Block,
    },
    Match {
        scrutinee: Box<Expr>,
        arms: Vec<MatchArm>,
    },
    /// `|x| x * 2` or `|a: int| -> int { a }`
    Closure {
        params: Vec<ClosureParam>,
        ret: Option<TypeExpr>,
        body: Box<Expr>,
    },
    Break,
    Continue,
    Return(Option<Box<Expr>>),
    /// `spawn f(args)` or `spawn { block }`: the operand is a call or a block.
    Spawn(Box<Expr>),
    /// `chan<T>()` or `chan<T>(capacity)`
    Chan {
        elem: TypeExpr,
        capacity: Option<Box<Expr>>,
    },
    Select(Vec<SelectArm>),
    /// An expression that failed to parse; already reported.
    Error,
}

#[derive(Clone, Debug)]
pub struct ClosureParam {
    pub name: Ident,
    pub ty: Option<TypeExpr>,
}

#[derive(Clone, Debug)]
pub struct MatchArm {
    pub pattern: Pattern,
    pub guard: Option<Expr>,
    pub body: Expr,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct SelectArm {
    pub op: SelectOp,
    pub body: Expr,
    pub span: Span,
}

/// The left side of a `select` arm. The checker decides whether an
/// expression is a `recv`, a `send` or an `after`.
#[derive(Clone, Debug)]
pub enum SelectOp {
    /// `let pattern = chan.recv()`
    Let(Pattern, Expr),
    /// `chan.recv()`, `chan.send(v)` or `after(ms)`
    Expr(Expr),
    /// `_`
    Default,
}

#[derive(Clone, Debug)]
pub struct Pattern {
    pub kind: PatternKind,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum PatternKind {
    /// `_`
    Wildcard,
    /// A plain name: a binding, unless the checker finds it is a unit
    /// variant such as `None`.
    Binding(Ident),
    Int(i64),
    Float(f64),
    Str(String),
    Bool(bool),
    /// `()`
    Unit,
    /// `1..=5`, `'a'..'z'` style ranges over int literals (bounds may be
    /// negative).
    Range {
        start: i64,
        end: i64,
        inclusive: bool,
    },
    /// `(a, _)`
    Tuple(Vec<Pattern>),
    /// `Some(x)`, `Shape::Circle(r)`, `Shape::Empty`, and
    /// `geometry.Shape::Circle(r)` (with `module`).
    Variant {
        module: Option<Ident>,
        enum_name: Option<Ident>,
        name: Ident,
        args: Vec<Pattern>,
    },
    /// `Point { x, y: 0.0 }`; a field without a pattern binds the field's name.
    /// `geometry.Point { x, y }` sets `module`.
    Struct {
        module: Option<Ident>,
        name: Ident,
        fields: Vec<(Ident, Option<Pattern>)>,
    },
    /// `1 | 2`
    Or(Vec<Pattern>),
    Error,
}
