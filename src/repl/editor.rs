//! The terminal front end (rustyline); see `mod.rs`.

use super::eval::{Evaluator, Flow};

/// Runs the interactive loop.
pub fn run(eval: &mut Evaluator) -> Flow {
    super::piped(eval)
}
