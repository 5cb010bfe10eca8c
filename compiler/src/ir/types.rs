//! Kriti types as the checker resolves them and KIR carries them.

use std::fmt;

/// A fully resolved type. KIR only ever holds types without `Error`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Type {
    Int,
    Float,
    Bool,
    Str,
    Unit,
    /// `[T]`
    Array(Box<Type>),
    /// `(A, B, ...)`, at least two elements.
    Tuple(Vec<Type>),
    /// A user struct: its index in `Program::structs` and its name.
    Struct(u32, String),
    /// A user enum: its index in `Program::enums` and its name.
    Enum(u32, String),
    /// `Option<T>`: `None` (tag 0) or `Some(T)` (tag 1).
    Option(Box<Type>),
    /// `Result<T, E>`: `Ok(T)` (tag 0) or `Err(E)` (tag 1).
    Result(Box<Type>, Box<Type>),
    /// `Map<K, V>`; `K` is `int`, `str`, `bool` or a tuple of them.
    Map(Box<Type>, Box<Type>),
    /// `task<T>`: the handle of a spawned task whose result is `T`.
    Task(Box<Type>),
    /// `chan<T>`: a channel of `T` values, shared by every copy.
    Chan(Box<Type>),
    /// `Atomic`: a shared atomic `int` counter (made by `atomic(n)`).
    Atomic,
    /// `fn(A, B) -> R`: a function value (a closure or a named function).
    Fn(Vec<Type>, Box<Type>),
    /// The type of expressions that never produce a value (`return`,
    /// `panic(..)`, a `loop` without `break`). It fits any expected type.
    Never,
    /// A type the checker could not determine; it already reported why.
    /// It unifies with everything so that one mistake does not cascade.
    Error,
}

impl Type {
    /// True for values that live on the heap behind a reference count.
    pub fn is_heap(&self) -> bool {
        matches!(
            self,
            Type::Str
                | Type::Array(_)
                | Type::Tuple(_)
                | Type::Struct(..)
                | Type::Enum(..)
                | Type::Option(_)
                | Type::Result(..)
                | Type::Map(..)
                | Type::Task(_)
                | Type::Chan(_)
                | Type::Atomic
                | Type::Fn(..)
        )
    }

    /// True for the types whose values are enum objects (a tag and a
    /// payload): user enums, `Option` and `Result`.
    pub fn is_enum(&self) -> bool {
        matches!(self, Type::Enum(..) | Type::Option(_) | Type::Result(..))
    }

    /// True when values of this type occupy no register (unit, never).
    pub fn is_zero_sized(&self) -> bool {
        matches!(self, Type::Unit | Type::Never)
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::Int => f.write_str("int"),
            Type::Float => f.write_str("float"),
            Type::Bool => f.write_str("bool"),
            Type::Str => f.write_str("str"),
            Type::Unit => f.write_str("()"),
            Type::Array(t) => write!(f, "[{t}]"),
            Type::Tuple(ts) => {
                f.write_str("(")?;
                for (i, t) in ts.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{t}")?;
                }
                f.write_str(")")
            }
            Type::Struct(_, name) | Type::Enum(_, name) => f.write_str(name),
            Type::Option(t) => write!(f, "Option<{t}>"),
            Type::Result(t, e) => write!(f, "Result<{t}, {e}>"),
            Type::Map(k, v) => write!(f, "Map<{k}, {v}>"),
            Type::Task(t) => write!(f, "task<{t}>"),
            Type::Chan(t) => write!(f, "chan<{t}>"),
            Type::Atomic => f.write_str("Atomic"),
            Type::Fn(params, ret) => {
                f.write_str("fn(")?;
                for (i, t) in params.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{t}")?;
                }
                f.write_str(")")?;
                match &**ret {
                    Type::Unit => Ok(()),
                    r => write!(f, " -> {r}"),
                }
            }
            Type::Never => f.write_str("never"),
            Type::Error => f.write_str("{unknown}"),
        }
    }
}
