//! Syntax: the lexer, the parser and the AST they produce.
//!
//! ```text
//! source ─lexer::lex─▶ tokens ─parser::parse─▶ ast::Module (+ diagnostics)
//! ```

pub mod ast;
mod depth;
pub mod lexer;
mod parse_error;
pub mod parser;
pub mod printer;

pub use depth::MAX_AST_DEPTH;
pub use lexer::{dump_tokens, lex, Token};
pub use parser::{dump_ast, parse};

#[cfg(test)]
mod tests;
