//! The program tables a scheduler's tasks read ([`ProgramInfo`]: source
//! locations, functions for stack traces, host functions), behind one
//! pointer that can be replaced while tasks run.
//!
//! A program run has one table for its whole life, but a REPL session
//! ([`super::session`]) compiles more code after its tasks started: each
//! input adds functions and locations, and a task spawned earlier may call
//! the new code (a closure sent to it on a channel) and panic there. So
//! every task context of a scheduler shares one [`ProgramCell`], and the
//! session swaps in the grown table before it runs an input. Tables only
//! grow (indices baked into compiled code stay valid), and a reader takes
//! its own reference to the whole table, so it never sees a torn one; the
//! old table is freed when its last reader lets go.
//!
//! Readers are the cold paths (panics, stack traces, the deadlock report,
//! `args()`) and host calls, which cost far more than the uncontended lock.

use std::sync::{Arc, Mutex, PoisonError};

use crate::panic::ProgramInfo;

/// The current program tables of a scheduler; see the module docs.
#[derive(Debug)]
pub struct ProgramCell {
    current: Mutex<Arc<ProgramInfo>>,
}

impl ProgramCell {
    /// A cell holding `info`.
    pub fn new(info: Arc<ProgramInfo>) -> Self {
        Self {
            current: Mutex::new(info),
        }
    }

    /// The current tables.
    pub fn get(&self) -> Arc<ProgramInfo> {
        Arc::clone(&self.current.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// Replaces the tables with `info` (a superset of the old ones).
    pub fn set(&self, info: Arc<ProgramInfo>) {
        *self.current.lock().unwrap_or_else(PoisonError::into_inner) = info;
    }
}
