//! What rustyline asks of the REPL while a line is edited: completion
//! (keywords, names in scope, fields and methods after `.`, `:` commands),
//! syntax highlighting (keywords, literals, strings, from the lexer) and
//! a hint of the brackets still open.

use std::borrow::Cow;

use kriti_compiler::ir::types::Type;
use kriti_compiler::session::Session;
use kriti_compiler::span::FileId;
use kriti_compiler::syntax::lexer::{lex, Token};
use rustyline::completion::{Completer, Pair};
use rustyline::highlight::{CmdKind, Highlighter};
use rustyline::hint::Hinter;
use rustyline::validate::Validator;
use rustyline::{Context, Helper};

use super::commands::COMMANDS;

const KEYWORDS: &[&str] = &[
    "fn", "let", "var", "const", "struct", "enum", "impl", "if", "else", "while", "for", "in",
    "loop", "break", "continue", "return", "match", "spawn", "select", "chan", "import", "pub",
    "self", "Self", "true", "false",
];

/// Prelude names that are not functions (the functions come from the
/// compiler's list, `BUILTIN_FNS`).
const PRELUDE_VALUES: &[&str] = &["PI", "E", "Some", "None", "Ok", "Err"];

/// The editor's helper; rebuilt before each prompt from the session.
pub struct KritiHelper {
    /// Keywords, prelude, items and bindings, sorted.
    names: Vec<String>,
    /// Types of the bindings, for `name.` completion.
    bindings: Vec<(String, Type)>,
    /// Fields and methods by type, for the bindings' types.
    members: Vec<(Type, Vec<String>)>,
    /// Struct fields with their types, by struct type.
    fields: Vec<(Type, Vec<(String, Type)>)>,
    color: bool,
}

impl KritiHelper {
    pub fn new(session: &Session, color: bool) -> KritiHelper {
        let mut names: Vec<String> = KEYWORDS
            .iter()
            .chain(kriti_compiler::check::BUILTIN_FNS)
            .chain(PRELUDE_VALUES)
            .map(|s| s.to_string())
            .chain(session.item_names())
            .chain(session.bindings().iter().map(|b| b.name.clone()))
            .collect();
        names.sort();
        names.dedup();
        let bindings: Vec<(String, Type)> = session
            .bindings()
            .iter()
            .map(|b| (b.name.clone(), b.ty.clone()))
            .collect();
        let mut members: Vec<(Type, Vec<String>)> = Vec::new();
        for (_, ty) in &bindings {
            add_members(session, ty, &mut members, 0);
        }
        let fields = members
            .iter()
            .map(|(t, _)| (t.clone(), session.fields(t)))
            .collect();
        KritiHelper {
            names,
            bindings,
            members,
            fields,
            color,
        }
    }

    /// Fields and methods of a value of type `ty` (sorted, as
    /// `Session::members` gives them).
    fn members_of(&self, ty: &Type) -> Vec<String> {
        self.members
            .iter()
            .find(|(t, _)| t == ty)
            .map_or_else(Vec::new, |(_, m)| m.clone())
    }

    /// The type of a chain like `p.pos.x` (bindings, struct fields and
    /// tuple elements).
    fn type_of_chain(&self, chain: &str) -> Option<Type> {
        let mut parts = chain.split('.');
        let first = parts.next()?;
        let mut ty = self
            .bindings
            .iter()
            .rev()
            .find(|(n, _)| n == first)?
            .1
            .clone();
        for field in parts {
            ty = match &ty {
                Type::Tuple(ts) => field
                    .parse::<usize>()
                    .ok()
                    .and_then(|i| ts.get(i).cloned())?,
                _ => self
                    .fields
                    .iter()
                    .find(|(t, _)| *t == ty)
                    .and_then(|(_, fs)| fs.iter().find(|(n, _)| n == field))
                    .map(|(_, t)| t.clone())?,
            };
        }
        Some(ty)
    }
}

/// Records the members of `ty` and of the struct types inside it.
fn add_members(session: &Session, ty: &Type, out: &mut Vec<(Type, Vec<String>)>, depth: usize) {
    if depth > 4 || out.iter().any(|(t, _)| t == ty) {
        return;
    }
    out.push((ty.clone(), session.members(ty)));
    for (_, t) in session.fields(ty) {
        add_members(session, &t, out, depth + 1);
    }
    match ty {
        Type::Array(t) | Type::Option(t) => add_members(session, t, out, depth + 1),
        Type::Tuple(ts) => {
            for t in ts {
                add_members(session, t, out, depth + 1);
            }
        }
        _ => {}
    }
}

/// Where the identifier that ends at `pos` starts.
fn word_start(line: &str, pos: usize) -> usize {
    line[..pos]
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_alphanumeric() || *c == '_')
        .last()
        .map_or(pos, |(i, _)| i)
}

impl Completer for KritiHelper {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        let pair = |s: &str| Pair {
            display: s.to_string(),
            replacement: s.to_string(),
        };
        // `:` commands.
        if line.starts_with(':') && !line[..pos].contains(char::is_whitespace) {
            let found = COMMANDS
                .iter()
                .filter(|(c, _, _)| c.starts_with(&line[..pos]))
                .map(|(c, _, _)| pair(c))
                .collect();
            return Ok((0, found));
        }
        let start = word_start(line, pos);
        let prefix = &line[start..pos];
        // Fields and methods after `.`.
        if start > 0 && line[..start].ends_with('.') {
            let before = &line[..start - 1];
            let chain_start = before
                .char_indices()
                .rev()
                .take_while(|(_, c)| c.is_alphanumeric() || *c == '_' || *c == '.')
                .last()
                .map_or(before.len(), |(i, _)| i);
            let chain = &before[chain_start..];
            let Some(ty) = self.type_of_chain(chain) else {
                return Ok((start, Vec::new()));
            };
            let found = self
                .members_of(&ty)
                .iter()
                .filter(|m| m.starts_with(prefix))
                .map(|m| pair(m))
                .collect();
            return Ok((start, found));
        }
        if prefix.is_empty() {
            return Ok((start, Vec::new()));
        }
        let found = self
            .names
            .iter()
            .filter(|n| n.starts_with(prefix))
            .map(|n| pair(n))
            .collect();
        Ok((start, found))
    }
}

/// The closing brackets `line` still needs, innermost first.
fn open_brackets(line: &str) -> String {
    let mut stack = Vec::new();
    let mut in_str = false;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if in_str {
            match c {
                '\\' => {
                    chars.next();
                }
                '"' => in_str = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_str = true,
            '(' => stack.push(')'),
            '[' => stack.push(']'),
            '{' => stack.push('}'),
            ')' | ']' | '}' if stack.last() == Some(&c) => {
                stack.pop();
            }
            _ => {}
        }
    }
    stack.iter().rev().collect()
}

impl Hinter for KritiHelper {
    type Hint = String;

    fn hint(&self, line: &str, pos: usize, _ctx: &Context<'_>) -> Option<String> {
        if pos < line.len() || line.starts_with(':') {
            return None;
        }
        let closers = open_brackets(line);
        (!closers.is_empty()).then_some(closers)
    }
}

impl Highlighter for KritiHelper {
    fn highlight<'l>(&self, line: &'l str, _pos: usize) -> Cow<'l, str> {
        if !self.color || line.starts_with(':') {
            return Cow::Borrowed(line);
        }
        let (tokens, _) = lex(FileId(0), line);
        let mut out = String::with_capacity(line.len() * 2);
        let mut at = 0;
        for (tok, span) in tokens {
            let (start, end) = (span.start as usize, span.end as usize);
            if start < at || end > line.len() || start >= end {
                continue;
            }
            let color = match tok {
                Token::Int(_) | Token::Float(_) | Token::True | Token::False => "\x1b[36m",
                Token::Str(_) | Token::StrStart(_) | Token::StrMid(_) | Token::StrEnd(_) => {
                    "\x1b[32m"
                }
                Token::Ident(_) | Token::DocComment(_) => continue,
                t if t.is_keyword() => "\x1b[1;35m",
                _ => continue,
            };
            out.push_str(&line[at..start]);
            out.push_str(color);
            out.push_str(&line[start..end]);
            out.push_str("\x1b[0m");
            at = end;
        }
        out.push_str(&line[at..]);
        Cow::Owned(out)
    }

    fn highlight_hint<'h>(&self, hint: &'h str) -> Cow<'h, str> {
        if self.color {
            Cow::Owned(format!("\x1b[2m{hint}\x1b[0m"))
        } else {
            Cow::Borrowed(hint)
        }
    }

    fn highlight_char(&self, _line: &str, _pos: usize, _kind: CmdKind) -> bool {
        self.color
    }
}

impl Validator for KritiHelper {}

impl Helper for KritiHelper {}
