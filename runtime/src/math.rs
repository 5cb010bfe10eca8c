//! Float math that Cranelift has no instruction for, and `clock()`.
//!
//! `sqrt`, `abs`, `floor`, `ceil`, `min` and `max` are Cranelift
//! instructions and never reach the runtime. The functions here call only
//! non-panicking `f64` methods, so unlike other entry points they need no
//! panic guard.

use std::sync::OnceLock;
use std::time::Instant;

/// `pow(a, b)`: a raised to the power b.
pub extern "C" fn kr_math_pow(a: f64, b: f64) -> f64 {
    a.powf(b)
}

/// `sin(a)`, a in radians.
pub extern "C" fn kr_math_sin(a: f64) -> f64 {
    a.sin()
}

/// `cos(a)`, a in radians.
pub extern "C" fn kr_math_cos(a: f64) -> f64 {
    a.cos()
}

/// `tan(a)`, a in radians.
pub extern "C" fn kr_math_tan(a: f64) -> f64 {
    a.tan()
}

/// `atan2(y, x)`: the angle of the point (x, y), in (-π, π].
pub extern "C" fn kr_math_atan2(y: f64, x: f64) -> f64 {
    y.atan2(x)
}

/// `exp(a)`: e to the power a.
pub extern "C" fn kr_math_exp(a: f64) -> f64 {
    a.exp()
}

/// `ln(a)`: the natural logarithm (NaN for negatives, -inf for 0).
pub extern "C" fn kr_math_ln(a: f64) -> f64 {
    a.ln()
}

/// `round(a)`: to the nearest integer, halves away from zero (`2.5` → `3`,
/// `-2.5` → `-3`).
pub extern "C" fn kr_math_round(a: f64) -> f64 {
    a.round()
}

static START: OnceLock<Instant> = OnceLock::new();

/// Fixes the instant `clock()` counts from, if it is not fixed yet.
/// [`crate::run_main`] calls it, so `clock()` starts near 0 at program start.
pub fn init_clock() {
    START.get_or_init(Instant::now);
}

/// `clock()`: seconds since an arbitrary instant near program start, from a
/// monotonic clock.
pub extern "C" fn kr_clock() -> f64 {
    START.get_or_init(Instant::now).elapsed().as_secs_f64()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn math() {
        assert_eq!(kr_math_round(2.5), 3.0);
        assert_eq!(kr_math_round(-2.5), -3.0);
        assert_eq!(kr_math_round(0.49999999999999994), 0.0);
        assert_eq!(kr_math_pow(2.0, 10.0), 1024.0);
        assert_eq!(kr_math_atan2(1.0, 0.0), std::f64::consts::FRAC_PI_2);
        assert_eq!(kr_math_ln(1.0), 0.0);
        assert_eq!(kr_math_exp(0.0), 1.0);
        assert!(kr_math_ln(-1.0).is_nan());
        assert_eq!(kr_math_sin(0.0), 0.0);
        assert_eq!(kr_math_cos(0.0), 1.0);
        assert_eq!(kr_math_tan(0.0), 0.0);
    }

    #[test]
    fn clock_is_monotonic() {
        let a = kr_clock();
        let b = kr_clock();
        assert!(a >= 0.0 && b >= a);
    }
}
