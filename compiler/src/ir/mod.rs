//! The typed intermediate representation (KIR) and its printer.

pub mod kir;
pub mod print;
pub mod types;
