//! The typed intermediate representation (KIR), its printer, and the
//! KIR → KIR passes (`inline`).

pub mod borrows;
pub mod dead_closures;
pub mod devirt;
pub mod inline;
pub mod kir;
pub mod print;
pub mod types;
pub mod visit;
