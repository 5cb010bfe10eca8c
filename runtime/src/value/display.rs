//! Display forms of scalars (LANGUAGE.md §7): the text `print`, `str(x)`
//! and string interpolation produce.
//!
//! - `int`: decimal, `-` for negatives.
//! - `float`: [`format_float`] — the shortest text that reads back to the
//!   same value, always with a `.` or an exponent.
//! - `bool`: `true` / `false`.
//! - `str`: as-is at top level; [`write_debug_str`] (quoted, escaped) inside
//!   containers.
//!
//! Everything here writes into a `fmt::Write` so that string interpolation
//! appends straight into its buffer without temporary strings.

use std::fmt::{self, Write};

/// The display form of a float.
///
/// The digits are the shortest that read back to the same value (Rust's
/// `{}`/`{:e}` of `f64`). The choice between plain and exponent notation
/// follows JavaScript's Number-to-String: exponent form when the magnitude
/// is at least 1e21 or below 1e-6, plain otherwise. Plain integral values
/// get a `.0` so a float never looks like an int. The exponent has no `+`
/// and no leading zeros: `1e21`, `1.5e-7`. Special values: `NaN`, `inf`,
/// `-inf`; negative zero is `-0.0`.
pub fn format_float(v: f64) -> String {
    let mut s = String::new();
    // Writing to a String cannot fail.
    let _ = write_float(&mut s, v);
    s
}

/// Writes [`format_float`]`(v)` to `w`.
pub fn write_float<W: Write + ?Sized>(w: &mut W, v: f64) -> fmt::Result {
    if v.is_nan() {
        return w.write_str("NaN");
    }
    if v.is_infinite() {
        return w.write_str(if v > 0.0 { "inf" } else { "-inf" });
    }
    let magnitude = v.abs();
    if magnitude != 0.0 && !(1e-6..1e21).contains(&magnitude) {
        // `{:e}` gives the shortest round-trip digits with a bare exponent:
        // 1e21, 1.5e-7, 5e-324, 1.7976931348623157e308.
        write!(w, "{v:e}")
    } else if v.fract() == 0.0 {
        // `{}` never uses an exponent; an integral value has no `.` yet.
        // Zero lands here too, and `{}` keeps the sign of -0.0.
        write!(w, "{v}.0")
    } else {
        write!(w, "{v}")
    }
}

/// The most decimal places `fixed` accepts. Past 1074 places every finite
/// float prints only trailing zeros, so the limit only guards against a
/// request that would exhaust memory.
pub const MAX_FIXED_DIGITS: usize = 1_000_000;

/// `x.fixed(digits)`: `v` with exactly `digits` decimal places, rounded to
/// nearest from the float's exact binary value, ties away from zero (so
/// `2.5.fixed(0)` is `3` and `0.125.fixed(2)` is `0.13`, while `1.005`,
/// which is really 1.00499999999999989..., gives `1.00`). No `.` when
/// `digits` is 0. `NaN`, `inf`, `-inf` are written as in [`format_float`];
/// a negative value that rounds to zero keeps its sign (`-0.00`).
pub fn format_fixed(v: f64, digits: usize) -> String {
    if !v.is_finite() {
        return format_float(v);
    }
    // Rust's `{:.n}` rounds the exact value correctly, but breaks exact ties
    // to even. A tie at `digits` places happens exactly when the value's
    // decimal expansion ends in a 5 at place `digits + 1`.
    if fraction_digits(v) != digits as u64 + 1 {
        return format!("{v:.digits$}");
    }
    // The expansion with one more place is exact and ends in '5': drop it
    // (and the '.' when no places remain) and round the rest away from zero.
    let mut s = format!("{:.*}", digits + 1, v);
    s.pop();
    if digits == 0 {
        s.pop();
    }
    increment_decimal(&mut s);
    s
}

/// The number of decimal places in the exact expansion of a finite `v`
/// (0 for integers). A binary fraction m / 2^k with m odd has exactly k
/// decimal places, the last of them a 5.
fn fraction_digits(v: f64) -> u64 {
    let bits = v.to_bits();
    let biased_exp = ((bits >> 52) & 0x7ff) as i64;
    let fraction = bits & ((1 << 52) - 1);
    let (mantissa, exp) = if biased_exp == 0 {
        (fraction, -1074)
    } else {
        (fraction | (1 << 52), biased_exp - 1075)
    };
    if mantissa == 0 {
        return 0;
    }
    let exp = exp + i64::from(mantissa.trailing_zeros());
    if exp >= 0 {
        0
    } else {
        exp.unsigned_abs()
    }
}

/// Adds one unit in the last place to a decimal string such as `-0.12`
/// (`-0.13`) or `9.99` (`10.00`).
fn increment_decimal(s: &mut String) {
    let mut bytes = std::mem::take(s).into_bytes();
    let mut carry = true;
    for b in bytes.iter_mut().rev() {
        match *b {
            b'9' => *b = b'0',
            b'0'..=b'8' => {
                *b += 1;
                carry = false;
                break;
            }
            _ => {} // '.' and '-'
        }
    }
    if carry {
        let at = usize::from(bytes.first() == Some(&b'-'));
        bytes.insert(at, b'1');
    }
    // Only ASCII digits were changed or inserted.
    *s = String::from_utf8(bytes).unwrap_or_default();
}

/// Writes the quoted display form of a string, as shown inside containers:
/// `"` + the text + `"`, with `"` `\` newline, tab, carriage return and NUL
/// escaped as `\"` `\\` `\n` `\t` `\r` `\0`, and every other control
/// character (Unicode category Cc) as `\u{XX}` (lowercase hex). Everything
/// else, including `{`, `}` and non-ASCII text, is written as-is.
pub fn write_debug_str<W: Write + ?Sized>(w: &mut W, s: &str) -> fmt::Result {
    w.write_char('"')?;
    let mut start = 0;
    for (i, c) in s.char_indices() {
        let escape = match c {
            '"' => "\\\"",
            '\\' => "\\\\",
            '\n' => "\\n",
            '\t' => "\\t",
            '\r' => "\\r",
            '\0' => "\\0",
            c if c.is_control() => "",
            _ => continue,
        };
        w.write_str(&s[start..i])?;
        if escape.is_empty() {
            write!(w, "\\u{{{:x}}}", u32::from(c))?;
        } else {
            w.write_str(escape)?;
        }
        start = i + c.len_utf8();
    }
    w.write_str(&s[start..])?;
    w.write_char('"')
}

/// A fixed-size stack buffer for short display forms (ints, floats), so
/// converting a scalar to a string allocates only the string itself.
pub(crate) struct StackBuf<const N: usize> {
    buf: [u8; N],
    len: usize,
}

impl<const N: usize> StackBuf<N> {
    /// An empty buffer.
    pub(crate) fn new() -> Self {
        Self {
            buf: [0; N],
            len: 0,
        }
    }

    /// The text written so far.
    pub(crate) fn as_str(&self) -> &str {
        // Only whole `&str`s are ever copied in, so the prefix is UTF-8; the
        // fallback is unreachable.
        std::str::from_utf8(&self.buf[..self.len]).unwrap_or_default()
    }
}

impl<const N: usize> Write for StackBuf<N> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let end = self.len.checked_add(s.len()).ok_or(fmt::Error)?;
        let dest = self.buf.get_mut(self.len..end).ok_or(fmt::Error)?;
        dest.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn float_display_table() {
        let table: &[(f64, &str)] = &[
            (1.0, "1.0"),
            (0.1, "0.1"),
            (0.1 + 0.2, "0.30000000000000004"),
            (100.0, "100.0"),
            (-2.5, "-2.5"),
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (1e20, "100000000000000000000.0"),
            (1.2345678901234568e20, "123456789012345680000.0"),
            (1e21, "1e21"),
            (-1e21, "-1e21"),
            (1.5e21, "1.5e21"),
            (1e-6, "0.000001"),
            (1.5e-6, "0.0000015"),
            (1e-7, "1e-7"),
            (1.5e-7, "1.5e-7"),
            (5e-324, "5e-324"),
            (f64::MAX, "1.7976931348623157e308"),
            (f64::MIN_POSITIVE, "2.2250738585072014e-308"),
            (123.456, "123.456"),
            (f64::NAN, "NaN"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
            (9007199254740993.0, "9007199254740992.0"),
        ];
        for &(v, want) in table {
            assert_eq!(format_float(v), want, "format_float({v:?})");
        }
    }

    #[test]
    fn float_display_reads_back() {
        for v in [0.1, 1.0 / 3.0, 2.0f64.sqrt(), 1e-6, 7e22, 5e-324, 1e300] {
            let s = format_float(v);
            assert_eq!(s.parse::<f64>().ok(), Some(v), "{s}");
            assert!(s.contains('.') || s.contains('e'), "{s}");
        }
    }

    #[test]
    fn fixed_table() {
        let table: &[(f64, usize, &str)] = &[
            (1.23456, 3, "1.235"),
            (2.5, 0, "3"),
            (-2.5, 0, "-3"),
            (0.5, 0, "1"),
            (1.5, 0, "2"),
            (0.125, 2, "0.13"),
            (-0.125, 2, "-0.13"),
            (0.375, 2, "0.38"),
            (1.005, 2, "1.00"),
            (9.995, 2, "9.99"), // really 9.99499999999999957...
            (9.5, 0, "10"),
            (99.5, 0, "100"),
            (0.95, 1, "0.9"), // really 0.94999999999999995...
            (1.0, 3, "1.000"),
            (-0.001, 1, "-0.0"),
            (123.0, 0, "123"),
            (1e21, 1, "1000000000000000000000.0"),
            (f64::NAN, 2, "NaN"),
            (f64::NEG_INFINITY, 2, "-inf"),
        ];
        for &(v, n, want) in table {
            assert_eq!(format_fixed(v, n), want, "format_fixed({v:?}, {n})");
        }
        assert_eq!(format_fixed(5e-324, 1100).len(), 1102);
    }

    #[test]
    fn debug_quoting() {
        let cases = [
            ("a\"b\n", r#""a\"b\n""#),
            ("", r#""""#),
            ("tab\there", r#""tab\there""#),
            ("back\\slash", r#""back\\slash""#),
            ("nul\0cr\r", r#""nul\0cr\r""#),
            ("esc\u{1b}del\u{7f}", r#""esc\u{1b}del\u{7f}""#),
            ("{x} é 😀", r#""{x} é 😀""#),
        ];
        for (s, want) in cases {
            let mut out = String::new();
            write_debug_str(&mut out, s).unwrap();
            assert_eq!(out, want);
        }
    }

    #[test]
    fn stack_buf_overflow_is_an_error() {
        let mut b = StackBuf::<4>::new();
        assert!(b.write_str("abcd").is_ok());
        assert!(b.write_str("e").is_err());
        assert_eq!(b.as_str(), "abcd");
    }
}
