//! How Rust values cross into Kriti and back: [`KritiType`] (the Kriti
//! type of a Rust type), [`IntoKriti`] and [`FromKriti`].
//!
//! | Rust | Kriti |
//! |---|---|
//! | `i64` | `int` |
//! | `f64` | `float` |
//! | `bool` | `bool` |
//! | `String` (both ways), `&str` (into Kriti only) | `str` |
//! | `()` | `()` |
//! | `Vec<T>` | `[T]` |
//! | `(A, B, ..)` (2 to 6 elements) | `(A, B, ..)` |
//! | `Option<T>` | `Option<T>` |
//! | `Result<T, E>` | `Result<T, E>` |
//!
//! Values are copied across: a `Vec<i64>` becomes a new Kriti array, and a
//! Kriti array read back becomes a new `Vec`. Kriti's value semantics mean
//! nothing on either side can see the other's later changes.
//!
//! The conversion methods work on *slots*, the runtime's 8-byte encoding
//! of any value (`kriti_runtime::value::desc`); they are public so the
//! traits can be named in bounds, but hidden: the host never calls them.

use kriti_compiler::ir::types::Type;
use kriti_runtime::value::array::ArrayObj;
use kriti_runtime::value::desc::release_value;
use kriti_runtime::value::record::RecordObj;
use kriti_runtime::value::str::{as_str, StrObj};

use super::desc::desc_of;

/// A Rust type with a Kriti counterpart.
///
/// | Rust | Kriti |
/// |---|---|
/// | `i64` | `int` |
/// | `f64` | `float` |
/// | `bool` | `bool` |
/// | `String` (both ways), `&str` (into Kriti only) | `str` |
/// | `()` | `()` |
/// | `Vec<T>` | `[T]` |
/// | `(A, B, ..)` (2 to 6 elements) | `(A, B, ..)` |
/// | `Option<T>` | `Option<T>` |
/// | `Result<T, E>` | `Result<T, E>` |
///
/// Values are copied across, both ways.
///
/// ```
/// use kriti::KritiType;
/// assert_eq!(<Vec<(i64, String)>>::kriti_type().to_string(), "[(int, str)]");
/// ```
pub trait KritiType {
    /// The Kriti type values of this Rust type become.
    fn kriti_type() -> Type;
}

/// A Rust value that can be given to Kriti code (an argument of a Kriti
/// function, the result of a host function).
///
/// ```
/// # fn main() -> Result<(), kriti::Error> {
/// let program = kriti::Engine::new().compile("fn total(xs: [int]) -> int { xs.sum() }")?;
/// let n: i64 = program.call("total", (vec![1_i64, 2, 3],))?;
/// assert_eq!(n, 6);
/// # Ok(()) }
/// ```
pub trait IntoKriti: KritiType {
    /// The value in slot encoding, owned (a new object for heap values).
    #[doc(hidden)]
    fn into_slot(self) -> u64;
}

/// A Rust value that can be made from a Kriti value (a Kriti function's
/// result, an argument of a host function).
///
/// ```
/// # fn main() -> Result<(), kriti::Error> {
/// let program = kriti::Engine::new().compile("fn split(s: str) -> [str] { s.split(\",\") }")?;
/// let parts: Vec<String> = program.call("split", ("a,b",))?;
/// assert_eq!(parts, ["a", "b"]);
/// # Ok(()) }
/// ```
pub trait FromKriti: KritiType + Sized {
    /// A copy of the value held in `slot` (borrowed: the slot keeps its
    /// reference).
    ///
    /// # Safety
    /// `slot` holds a live value of [`KritiType::kriti_type`].
    #[doc(hidden)]
    unsafe fn from_slot(slot: u64) -> Self;
}

/// Reads an owned slot of `T`'s type and releases it.
///
/// # Safety
/// `slot` holds a live value of `T`'s Kriti type, owned by the caller.
pub(crate) unsafe fn take_slot<T: FromKriti>(slot: u64) -> T {
    // SAFETY: caller's contract.
    let value = unsafe { T::from_slot(slot) };
    // SAFETY: the slot is ours; its descriptor is `T`'s type's.
    unsafe { release_value(slot, desc_of(&T::kriti_type())) };
    value
}

macro_rules! scalar {
    ($t:ty, $kriti:expr, |$v:ident| $into:expr, |$s:ident| $from:expr) => {
        impl KritiType for $t {
            fn kriti_type() -> Type {
                $kriti
            }
        }
        impl IntoKriti for $t {
            fn into_slot(self) -> u64 {
                let $v = self;
                $into
            }
        }
        impl FromKriti for $t {
            unsafe fn from_slot($s: u64) -> Self {
                $from
            }
        }
    };
}

scalar!(i64, Type::Int, |v| v as u64, |s| s as i64);
scalar!(f64, Type::Float, |v| v.to_bits(), |s| f64::from_bits(s));
scalar!(bool, Type::Bool, |v| u64::from(v), |s| s & 0xff != 0);
scalar!((), Type::Unit, |_v| 0, |_s| ());

impl KritiType for String {
    fn kriti_type() -> Type {
        Type::Str
    }
}
impl IntoKriti for String {
    fn into_slot(self) -> u64 {
        self.as_str().into_slot()
    }
}
impl FromKriti for String {
    unsafe fn from_slot(slot: u64) -> Self {
        // SAFETY: a live string (caller's contract); null reads as "".
        unsafe { as_str(slot as usize as *const StrObj) }.to_string()
    }
}

impl KritiType for &str {
    fn kriti_type() -> Type {
        Type::Str
    }
}
impl IntoKriti for &str {
    fn into_slot(self) -> u64 {
        StrObj::new(self) as usize as u64
    }
}

impl<T: KritiType> KritiType for Vec<T> {
    fn kriti_type() -> Type {
        Type::Array(Box::new(T::kriti_type()))
    }
}
impl<T: IntoKriti> IntoKriti for Vec<T> {
    fn into_slot(self) -> u64 {
        let slots: Vec<u64> = self.into_iter().map(IntoKriti::into_slot).collect();
        // SAFETY: the descriptor is this array type's; the array takes
        // over the elements' references.
        unsafe { ArrayObj::from_slots(desc_of(&Self::kriti_type()), &slots) as usize as u64 }
    }
}
impl<T: FromKriti> FromKriti for Vec<T> {
    unsafe fn from_slot(slot: u64) -> Self {
        let a = slot as usize as *const ArrayObj;
        if a.is_null() {
            return Vec::new();
        }
        // SAFETY: a live array of `T` (caller's contract).
        unsafe { ArrayObj::elems(a) }
            .iter()
            // SAFETY: each element is a live `T`, borrowed from the array.
            .map(|&e| unsafe { T::from_slot(e) })
            .collect()
    }
}

/// A new enum object of type `T` (an `Option` or `Result`), variant `tag`,
/// holding `payload` (owned).
fn enum_slot<T: KritiType>(tag: u64, payload: Option<u64>) -> u64 {
    // SAFETY: the descriptor is `T`'s type's, an enum; the payload slot
    // exists for the variants that have one.
    unsafe {
        let r = RecordObj::alloc_enum(desc_of(&T::kriti_type()), tag);
        if let Some(v) = payload {
            RecordObj::slots(r)[1] = v;
        }
        r as usize as u64
    }
}

/// The tag and the payload slot (0 when none) of an enum value.
///
/// # Safety
/// `slot` holds a live enum value.
unsafe fn enum_parts(slot: u64) -> (u64, u64) {
    let r = slot as usize as *mut RecordObj;
    // SAFETY: caller's contract.
    let slots = unsafe { RecordObj::slots(r) };
    (
        slots.first().copied().unwrap_or(0),
        slots.get(1).copied().unwrap_or(0),
    )
}

impl<T: KritiType> KritiType for Option<T> {
    fn kriti_type() -> Type {
        Type::Option(Box::new(T::kriti_type()))
    }
}
impl<T: IntoKriti> IntoKriti for Option<T> {
    fn into_slot(self) -> u64 {
        match self {
            None => enum_slot::<Self>(0, None),
            Some(v) => enum_slot::<Self>(1, Some(v.into_slot())),
        }
    }
}
impl<T: FromKriti> FromKriti for Option<T> {
    unsafe fn from_slot(slot: u64) -> Self {
        // SAFETY: a live `Option<T>` (caller's contract).
        match unsafe { enum_parts(slot) } {
            // SAFETY: `Some`'s payload is a live `T`.
            (1, v) => Some(unsafe { T::from_slot(v) }),
            _ => None,
        }
    }
}

impl<T: KritiType, E: KritiType> KritiType for Result<T, E> {
    fn kriti_type() -> Type {
        Type::Result(Box::new(T::kriti_type()), Box::new(E::kriti_type()))
    }
}
impl<T: IntoKriti, E: IntoKriti> IntoKriti for Result<T, E> {
    fn into_slot(self) -> u64 {
        match self {
            Ok(v) => enum_slot::<Self>(0, Some(v.into_slot())),
            Err(e) => enum_slot::<Self>(1, Some(e.into_slot())),
        }
    }
}
impl<T: FromKriti, E: FromKriti> FromKriti for Result<T, E> {
    unsafe fn from_slot(slot: u64) -> Self {
        // SAFETY: a live `Result<T, E>` (caller's contract); the payload
        // is a live `T` or `E` by the tag.
        unsafe {
            match enum_parts(slot) {
                (0, v) => Ok(T::from_slot(v)),
                (_, e) => Err(E::from_slot(e)),
            }
        }
    }
}

macro_rules! tuple {
    ($($t:ident $i:tt),+) => {
        impl<$($t: KritiType),+> KritiType for ($($t,)+) {
            fn kriti_type() -> Type {
                Type::Tuple(vec![$($t::kriti_type()),+])
            }
        }
        impl<$($t: IntoKriti),+> IntoKriti for ($($t,)+) {
            fn into_slot(self) -> u64 {
                // SAFETY: the descriptor is this tuple type's; each slot
                // gets an owned value.
                unsafe {
                    let r = RecordObj::alloc(desc_of(&Self::kriti_type()));
                    let slots = RecordObj::slots(r);
                    $(slots[$i] = self.$i.into_slot();)+
                    r as usize as u64
                }
            }
        }
        impl<$($t: FromKriti),+> FromKriti for ($($t,)+) {
            unsafe fn from_slot(slot: u64) -> Self {
                // SAFETY: a live tuple of these types (caller's contract).
                unsafe {
                    let slots = RecordObj::slots(slot as usize as *mut RecordObj);
                    ($($t::from_slot(slots[$i]),)+)
                }
            }
        }
    };
}

tuple!(A 0, B 1);
tuple!(A 0, B 1, C 2);
tuple!(A 0, B 1, C 2, D 3);
tuple!(A 0, B 1, C 2, D 3, E 4);
tuple!(A 0, B 1, C 2, D 3, E 4, F 5);
