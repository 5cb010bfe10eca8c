//! `random()` and `random_int(lo, hi)`: a fast pseudo-random generator
//! (wyrand), not suitable for cryptography.
//!
//! The generator's state lives in the task's context (`TaskCtx::rng`), not
//! in a thread-local: tasks migrate between worker threads, and JIT code
//! reaches everything through its ctx. A context seeds itself on its first
//! draw: from the clock, a process-wide counter and the context's address;
//! or, when the environment variable `KRITI_SEED` holds an integer, from
//! that seed and the counter alone, so that a program whose draws happen
//! in a fixed order (one task, or tasks that do not race to draw) gives
//! the same numbers on every run. The variable is read once per process.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

use crate::ctx::TaskCtx;
use crate::panic::{guard, panic_with, Site};

/// How many contexts have seeded their generator (each gets a different
/// stream).
static SEEDED: AtomicU64 = AtomicU64::new(0);

/// `KRITI_SEED`, parsed once; `None` when unset or not an integer.
fn fixed_seed() -> Option<u64> {
    static SEED: OnceLock<Option<u64>> = OnceLock::new();
    *SEED.get_or_init(|| {
        let text = std::env::var("KRITI_SEED").ok()?;
        let text = text.trim();
        text.parse::<u64>()
            .ok()
            .or_else(|| text.parse::<i64>().ok().map(|v| v as u64))
    })
}

/// The wyrand constant.
const WY_ADD: u64 = 0xa076_1d64_78bd_642f;

/// A 64-bit mix (the splitmix64 finalizer), for seeding.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A fresh seed for a context at `addr`.
fn new_seed(addr: usize) -> u64 {
    let n = SEEDED.fetch_add(1, Ordering::Relaxed);
    match fixed_seed() {
        Some(seed) => mix(seed ^ mix(n)),
        None => {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos() as u64);
            mix(nanos ^ mix(n) ^ mix(addr as u64))
        }
    }
}

/// The next 64 random bits of `state` (wyrand).
fn wyrand(state: &mut u64) -> u64 {
    *state = state.wrapping_add(WY_ADD);
    let t = u128::from(*state) * u128::from(*state ^ 0xe703_7ed1_a0b4_28db);
    ((t >> 64) as u64) ^ (t as u64)
}

/// The next 64 random bits of the task's generator, seeding it first if
/// needed.
///
/// # Safety
/// `ctx` is the running task's context.
unsafe fn next(ctx: *mut TaskCtx) -> u64 {
    // Nothing here should panic; the guard is free on the normal path.
    guard(ctx, || {
        // SAFETY: caller's contract; only the running task touches its ctx.
        let (seeded, state) = unsafe { (*ctx).rng_state() };
        if !*seeded {
            *state = new_seed(ctx as usize);
            *seeded = true;
        }
        wyrand(state)
    })
}

/// `random()`: a float in [0, 1), a multiple of 2^-53.
///
/// # Safety
/// `ctx` is the running task's context.
pub unsafe extern "C" fn kr_random(ctx: *mut TaskCtx) -> f64 {
    // SAFETY: caller's contract.
    let bits = unsafe { next(ctx) };
    (bits >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// `random_int(lo, hi)`: an int in [lo, hi), every one equally likely
/// (Lemire's multiply-and-reject, no modulo bias). `lo >= hi` panics with
/// "random_int: empty range {lo}..{hi}".
///
/// # Safety
/// `ctx` is the running task's context; `frame` null or the calling JIT
/// function's frame pointer.
pub unsafe extern "C" fn kr_random_int(
    ctx: *mut TaskCtx,
    lo: i64,
    hi: i64,
    loc: i64,
    func: i64,
    frame: *const usize,
) -> i64 {
    if lo >= hi {
        let site = Site { loc, func, frame };
        let message = format!("random_int: empty range {lo}..{hi}");
        // SAFETY: caller's contract.
        unsafe { panic_with(ctx, message, site) }
    }
    let range = hi.wrapping_sub(lo) as u64;
    // SAFETY: caller's contract.
    let mut m = u128::from(unsafe { next(ctx) }) * u128::from(range);
    if (m as u64) < range {
        let threshold = range.wrapping_neg() % range;
        while (m as u64) < threshold {
            // SAFETY: caller's contract.
            m = u128::from(unsafe { next(ctx) }) * u128::from(range);
        }
    }
    lo.wrapping_add((m >> 64) as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wyrand_floats_and_ranges() {
        let mut s = 42;
        let mut seen = [false; 3];
        for _ in 0..10_000 {
            let x = (wyrand(&mut s) >> 11) as f64 * (1.0 / (1u64 << 53) as f64);
            assert!((0.0..1.0).contains(&x));
            let r = (u128::from(wyrand(&mut s)) * 3) >> 64;
            seen[r as usize] = true;
        }
        assert_eq!(seen, [true; 3]);
    }
}
