//! The lexer: source text in, a flat list of [`Token`]s with [`Span`]s out.
//!
//! Consumes the UTF-8 text of one file. Produces tokens in three steps:
//!
//! 1. **Raw lexing** (logos): keywords, identifiers, numbers, punctuation,
//!    comments. String literals are decoded by hand: a plain string becomes
//!    one [`Token::Str`]; an interpolated one becomes [`Token::StrStart`],
//!    the tokens of the first `{hole}` (lexed recursively, with spans into the
//!    file), [`Token::StrMid`], ..., [`Token::StrEnd`].
//! 2. **The newline rule** (one pass with a bracket stack): a line break
//!    becomes a [`Token::Newline`] separator when the last token on the line
//!    can end a statement and the next line does not start with `.` or
//!    `else`; inside `( )`, `[ ]` and interpolation holes line breaks mean
//!    nothing. The same pass matches brackets: unclosed, mismatched and
//!    stray closing delimiters are reported and *repaired* (missing closers
//!    are inserted, stray ones dropped), so the parser always sees a
//!    balanced stream; and nesting deeper than [`MAX_NESTING`] is reported.
//! 3. **Normalisation**: a `;`/newline or `,` right before a closing bracket
//!    is dropped, repeated separators collapse, and separators right after
//!    `{` or at the start of the file are dropped.
//!
//! Integer literals: a literal must fit in `i64`. The one exception is
//! `9223372036854775808` written directly after a prefix `-` (so
//! `-9223372036854775808`, i.e. `i64::MIN`): the lexer merges the `-` and the
//! literal into a single `Token::Int(i64::MIN)`. Anywhere else that literal
//! is error E0102.
//!
//! Strings may not contain a raw line break (write `\n`); an unterminated
//! string ends at the end of its line, so one missing `"` cannot swallow the
//! rest of the file. Interpolation holes may not span lines either.
//!
//! The lexer does not parse: it knows nothing about items, statements or
//! expressions beyond which tokens may end a line. It never panics.

use std::cell::Cell;
use std::collections::HashSet;
use std::fmt;
use std::rc::Rc;

use logos::Logos;

use crate::diagnostics::Diagnostic;
use crate::span::{FileId, Span};

/// Brackets (and interpolation holes) may nest at most this deep; deeper
/// input is error E0199 and is not parsed.
pub const MAX_NESTING: usize = 256;

/// Interpolated strings may nest inside holes at most this deep.
const MAX_STRING_NESTING: u32 = 8;

/// One token of Kriti source.
#[derive(Clone, Debug, PartialEq)]
pub enum Token {
    /// An integer literal (already range-checked; see the module docs for
    /// `-9223372036854775808`).
    Int(i64),
    /// A float literal.
    Float(f64),
    /// A string literal without interpolation, escapes decoded.
    Str(String),
    /// The text before the first `{` of an interpolated string.
    StrStart(String),
    /// The text between two interpolation holes (`}...{`).
    StrMid(String),
    /// The text after the last hole of an interpolated string (`}..."`).
    StrEnd(String),
    /// An identifier (never a keyword, never `_` alone).
    Ident(String),
    /// A `///` doc comment line, without the slashes and one leading space.
    /// The parser attaches runs of these to the next item.
    DocComment(String),

    // Keywords.
    /// `fn`
    Fn,
    /// `let`
    Let,
    /// `var`
    Var,
    /// `const`
    Const,
    /// `struct`
    Struct,
    /// `enum`
    Enum,
    /// `impl`
    Impl,
    /// `if`
    If,
    /// `else`
    Else,
    /// `while`
    While,
    /// `for`
    For,
    /// `in`
    In,
    /// `loop`
    Loop,
    /// `break`
    Break,
    /// `continue`
    Continue,
    /// `return`
    Return,
    /// `match`
    Match,
    /// `spawn`
    Spawn,
    /// `select`
    Select,
    /// `chan`
    Chan,
    /// `import`
    Import,
    /// `pub`
    Pub,
    /// `self`
    SelfValue,
    /// `Self`
    SelfType,
    /// `true`
    True,
    /// `false`
    False,
    /// `_`
    Underscore,

    // Operators and punctuation.
    /// `+`
    Plus,
    /// `-`
    Minus,
    /// `*`
    Star,
    /// `/`
    Slash,
    /// `%`
    Percent,
    /// `==`
    EqEq,
    /// `!=`
    NotEq,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`. There is no `>>` token: a shift right is two adjacent `>`
    /// tokens, which lets `Option<Option<int>>` close two type lists.
    Gt,
    /// `>=`
    Ge,
    /// `&&`
    AndAnd,
    /// `||`
    OrOr,
    /// `!`
    Bang,
    /// `&`
    Amp,
    /// `|`
    Pipe,
    /// `^`
    Caret,
    /// `<<`
    Shl,
    /// `=`
    Eq,
    /// `+=`
    PlusEq,
    /// `-=`
    MinusEq,
    /// `*=`
    StarEq,
    /// `/=`
    SlashEq,
    /// `%=`
    PercentEq,
    /// `..`
    DotDot,
    /// `..=`
    DotDotEq,
    /// `.`
    Dot,
    /// `,`
    Comma,
    /// `:`
    Colon,
    /// `::`
    ColonColon,
    /// An explicit `;`.
    Semi,
    /// `(`
    LParen,
    /// `)`
    RParen,
    /// `[`
    LBracket,
    /// `]`
    RBracket,
    /// `{`
    LBrace,
    /// `}`
    RBrace,
    /// `->`
    Arrow,
    /// `=>`
    FatArrow,
    /// `?`
    Question,

    /// A line break that ends a statement (inserted by the newline rule).
    Newline,
    /// Input the lexer could not make sense of; already reported.
    Error,
}

impl Token {
    /// How the token is written, or what it is when it carries a value
    /// ("an identifier"); used in "expected ..." messages.
    pub fn kind_name(&self) -> &'static str {
        use Token::*;
        match self {
            Int(_) => "an integer",
            Float(_) => "a float",
            Str(_) | StrStart(_) => "a string",
            StrMid(_) | StrEnd(_) => "`}`",
            Ident(_) => "an identifier",
            DocComment(_) => "a doc comment",
            Fn => "`fn`",
            Let => "`let`",
            Var => "`var`",
            Const => "`const`",
            Struct => "`struct`",
            Enum => "`enum`",
            Impl => "`impl`",
            If => "`if`",
            Else => "`else`",
            While => "`while`",
            For => "`for`",
            In => "`in`",
            Loop => "`loop`",
            Break => "`break`",
            Continue => "`continue`",
            Return => "`return`",
            Match => "`match`",
            Spawn => "`spawn`",
            Select => "`select`",
            Chan => "`chan`",
            Import => "`import`",
            Pub => "`pub`",
            SelfValue => "`self`",
            SelfType => "`Self`",
            True => "`true`",
            False => "`false`",
            Underscore => "`_`",
            Plus => "`+`",
            Minus => "`-`",
            Star => "`*`",
            Slash => "`/`",
            Percent => "`%`",
            EqEq => "`==`",
            NotEq => "`!=`",
            Lt => "`<`",
            Le => "`<=`",
            Gt => "`>`",
            Ge => "`>=`",
            AndAnd => "`&&`",
            OrOr => "`||`",
            Bang => "`!`",
            Amp => "`&`",
            Pipe => "`|`",
            Caret => "`^`",
            Shl => "`<<`",
            Eq => "`=`",
            PlusEq => "`+=`",
            MinusEq => "`-=`",
            StarEq => "`*=`",
            SlashEq => "`/=`",
            PercentEq => "`%=`",
            DotDot => "`..`",
            DotDotEq => "`..=`",
            Dot => "`.`",
            Comma => "`,`",
            Colon => "`:`",
            ColonColon => "`::`",
            Semi => "`;`",
            LParen => "`(`",
            RParen => "`)`",
            LBracket => "`[`",
            RBracket => "`]`",
            LBrace => "`{`",
            RBrace => "`}`",
            Arrow => "`->`",
            FatArrow => "`=>`",
            Question => "`?`",
            Newline => "a newline",
            Error => "an invalid token",
        }
    }

    /// True for a keyword token.
    pub fn is_keyword(&self) -> bool {
        use Token::*;
        matches!(
            self,
            Fn | Let
                | Var
                | Const
                | Struct
                | Enum
                | Impl
                | If
                | Else
                | While
                | For
                | In
                | Loop
                | Break
                | Continue
                | Return
                | Match
                | Spawn
                | Select
                | Chan
                | Import
                | Pub
                | SelfValue
                | SelfType
                | True
                | False
        )
    }

    /// `(`, `[`, `{`, or the start of an interpolated string.
    pub(crate) fn is_opener(&self) -> bool {
        matches!(
            self,
            Token::LParen | Token::LBracket | Token::LBrace | Token::StrStart(_)
        )
    }

    /// `)`, `]`, `}`, or the end of an interpolated string.
    pub(crate) fn is_closer(&self) -> bool {
        matches!(
            self,
            Token::RParen | Token::RBracket | Token::RBrace | Token::StrEnd(_)
        )
    }

    /// Can this token end a statement at the end of a line?
    fn ends_line(&self) -> bool {
        use Token::*;
        matches!(
            self,
            Ident(_)
                | Int(_)
                | Float(_)
                | Str(_)
                | StrEnd(_)
                | True
                | False
                | SelfValue
                | SelfType
                | RParen
                | RBracket
                | RBrace
                | Question
                | Break
                | Continue
                | Return
                | Error
        )
    }

    /// Can this token end an operand (so a `-` after it is binary)?
    fn ends_operand(&self) -> bool {
        use Token::*;
        matches!(
            self,
            Ident(_)
                | Int(_)
                | Float(_)
                | Str(_)
                | StrEnd(_)
                | True
                | False
                | SelfValue
                | SelfType
                | RParen
                | RBracket
                | RBrace
                | Question
                | Underscore
        )
    }

    fn is_separator(&self) -> bool {
        matches!(self, Token::Semi | Token::Newline)
    }
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use Token::*;
        match self {
            Int(n) => write!(f, "int {n}"),
            Float(x) => write!(f, "float {x:?}"),
            Str(s) => write!(f, "str {s:?}"),
            StrStart(s) => write!(f, "str-start {s:?}"),
            StrMid(s) => write!(f, "str-mid {s:?}"),
            StrEnd(s) => write!(f, "str-end {s:?}"),
            Ident(s) => write!(f, "ident {s}"),
            DocComment(s) => write!(f, "doc {s:?}"),
            Newline => write!(f, "newline"),
            Error => write!(f, "error"),
            other => {
                let name = other.kind_name();
                let bare = name.trim_matches('`');
                if other.is_keyword() {
                    write!(f, "keyword {bare}")
                } else {
                    write!(f, "punct {bare}")
                }
            }
        }
    }
}

/// Renders tokens one per line as `start..end  token`, for `--emit tokens`.
pub fn dump_tokens(tokens: &[(Token, Span)]) -> String {
    let mut out = String::new();
    for (tok, span) in tokens {
        out.push_str(&format!("{}..{}\t{}\n", span.start, span.end, tok));
    }
    out
}

/// Lexes one file: its tokens (including [`Token::DocComment`]s and the
/// [`Token::Newline`]s the newline rule inserted) and the lexical errors.
pub fn lex(file: FileId, src: &str) -> (Vec<(Token, Span)>, Vec<Diagnostic>) {
    let out = lex_full(file, src);
    (out.tokens, out.diagnostics)
}

/// Everything the lexer knows, for the parser.
pub(crate) struct LexOutput {
    pub tokens: Vec<(Token, Span)>,
    pub diagnostics: Vec<Diagnostic>,
    /// Byte ranges whose brackets had to be repaired; parse errors starting
    /// inside them are consequences of a reported error and are dropped.
    pub poisoned: Vec<(u32, u32)>,
    /// Brackets nest deeper than [`MAX_NESTING`]; the file is not parsed.
    pub too_deep: bool,
    /// Start of an unterminated block comment (everything after it is
    /// comment): parse errors at the end of the file are not reported.
    pub fatal_from: Option<u32>,
}

/// Lexes `src` fully; see [`LexOutput`].
pub(crate) fn lex_full(file: FileId, src: &str) -> LexOutput {
    let mut raw = RawLexer {
        file,
        src,
        tokens: Vec::new(),
        diagnostics: Vec::new(),
        big_literals: HashSet::new(),
        fatal_from: None,
        fuel: Rc::new(Cell::new(16 * src.len() as u64 + (1 << 20))),
        unterminated: Vec::new(),
    };
    raw.lex_range(0, src.len(), 0);
    raw.finish_unknown_runs();
    let RawLexer {
        tokens,
        mut diagnostics,
        big_literals,
        fatal_from,
        unterminated,
        ..
    } = raw;
    let mut lines = LineRule::new(file, src, big_literals, fatal_from.is_some(), unterminated);
    lines.run(tokens);
    if lines.too_deep {
        // The file is not parsed; repaired brackets would only be noise.
        lines
            .diagnostics
            .retain(|d| !matches!(d.code, "E0103" | "E0104" | "E0105"));
    }
    diagnostics.append(&mut lines.diagnostics);
    diagnostics.sort_by_key(|d| (d.primary.span.start, d.primary.span.end));
    LexOutput {
        tokens: lines.out,
        diagnostics,
        poisoned: lines.poisoned,
        too_deep: lines.too_deep,
        fatal_from,
    }
}

// ---------------------------------------------------------------------------
// Step 1: raw tokens.

/// What logos recognises. Text is recovered from the span.
#[derive(Logos, Clone, Copy, Debug, PartialEq)]
#[logos(extras = Scan)]
#[logos(skip r"[ \t\r\f\u{FEFF}]+")]
enum Raw {
    #[token("\n")]
    Newline,
    #[regex(r"//[^\n]*", allow_greedy = true)]
    LineComment,
    /// `(terminated, contains a line break)`
    #[token("/*", block_comment)]
    BlockComment((bool, bool)),
    /// `terminated`
    #[token("\"", string_literal)]
    Str(bool),
    #[regex("[A-Za-z_][A-Za-z0-9_]*")]
    Word,
    #[regex("[0-9][0-9A-Za-z_]*")]
    Number,
    #[regex(r"[0-9][0-9_]*\.[0-9][0-9_]*([eE][+-]?[0-9][0-9_]*)?")]
    #[regex(r"[0-9][0-9_]*[eE][+-][0-9][0-9_]*")]
    Float,
    #[token("+")]
    Plus,
    #[token("-")]
    Minus,
    #[token("*")]
    Star,
    #[token("/")]
    Slash,
    #[token("%")]
    Percent,
    #[token("==")]
    EqEq,
    #[token("!=")]
    NotEq,
    #[token("<")]
    Lt,
    #[token("<=")]
    Le,
    #[token(">")]
    Gt,
    #[token(">=")]
    Ge,
    #[token("&&")]
    AndAnd,
    #[token("||")]
    OrOr,
    #[token("!")]
    Bang,
    #[token("&")]
    Amp,
    #[token("|")]
    Pipe,
    #[token("^")]
    Caret,
    #[token("<<")]
    Shl,
    #[token("=")]
    Eq,
    #[token("+=")]
    PlusEq,
    #[token("-=")]
    MinusEq,
    #[token("*=")]
    StarEq,
    #[token("/=")]
    SlashEq,
    #[token("%=")]
    PercentEq,
    #[token("..")]
    DotDot,
    #[token("..=")]
    DotDotEq,
    #[token(".")]
    Dot,
    #[token(",")]
    Comma,
    #[token(":")]
    Colon,
    #[token("::")]
    ColonColon,
    #[token(";")]
    Semi,
    #[token("(")]
    LParen,
    #[token(")")]
    RParen,
    #[token("[")]
    LBracket,
    #[token("]")]
    RBracket,
    #[token("{")]
    LBrace,
    #[token("}")]
    RBrace,
    #[token("->")]
    Arrow,
    #[token("=>")]
    FatArrow,
    #[token("?")]
    Question,
}

fn block_comment(lex: &mut logos::Lexer<Raw>) -> (bool, bool) {
    let bytes = lex.remainder().as_bytes();
    let mut depth = 1usize;
    let mut newline = false;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'*' && bytes.get(i + 1) == Some(&b'/') {
            depth -= 1;
            i += 2;
            if depth == 0 {
                lex.bump(i);
                return (true, newline);
            }
        } else if bytes[i] == b'/' && bytes.get(i + 1) == Some(&b'*') {
            depth += 1;
            i += 2;
        } else {
            newline |= bytes[i] == b'\n';
            i += 1;
        }
    }
    lex.bump(bytes.len());
    (false, newline)
}

/// What the string scanner needs: how many interpolations enclose the
/// text being lexed, and the scanning budget shared by the whole file.
#[derive(Clone)]
struct Scan {
    depth: u32,
    /// Bytes the hole scanner may still look at. Failed hole scans can
    /// rescan the rest of a line, so pathological input (a long line of
    /// `"{"{"{...`) could take quadratic time; once the budget is spent,
    /// `{` in strings is no longer treated as a hole (it is reported).
    fuel: Rc<Cell<u64>>,
}

impl Scan {
    fn nested(&self) -> Scan {
        Scan {
            depth: self.depth + 1,
            fuel: self.fuel.clone(),
        }
    }

    /// Uses up one unit; false when the budget is spent.
    fn burn(&self) -> bool {
        let left = self.fuel.get();
        self.fuel.set(left.saturating_sub(1));
        left > 0
    }
}

fn string_literal(lex: &mut logos::Lexer<Raw>) -> bool {
    let scan = lex.extras.clone();
    let (end, terminated) = scan_string(lex.remainder().as_bytes(), 0, &scan);
    lex.bump(end);
    terminated
}

/// Scans a string body starting at `i` (just after the opening quote).
/// Returns the offset just past the closing quote (or of the line break /
/// end of input where an unterminated string stops) and whether it was
/// terminated. The decoder ([`RawLexer::string`]) follows the same rules.
fn scan_string(b: &[u8], mut i: usize, scan: &Scan) -> (usize, bool) {
    while i < b.len() {
        if !scan.burn() && scan.depth > 0 {
            return (i, false);
        }
        match b[i] {
            b'"' => return (i + 1, true),
            b'\n' => return (i, false),
            b'\\' => {
                i += 1;
                match b.get(i) {
                    Some(b'\n') | None => {}
                    Some(b'u') => {
                        i += 1;
                        if b.get(i) == Some(&b'{') {
                            i += 1;
                            while i < b.len() && b[i].is_ascii_hexdigit() {
                                i += 1;
                            }
                            if b.get(i) == Some(&b'}') {
                                i += 1;
                            }
                        }
                    }
                    Some(_) => i += 1,
                }
            }
            b'{' => match scan_hole(b, i + 1, scan) {
                Some(end) => i = end,
                None => i += 1,
            },
            _ => i += 1,
        }
    }
    (b.len(), false)
}

/// Scans an interpolation hole starting at `i` (just after its `{`).
/// Returns the offset just past the matching `}`, or `None` when the hole
/// is not closed on this line (the `{` is then literal text, reported).
fn scan_hole(b: &[u8], mut i: usize, scan: &Scan) -> Option<usize> {
    if scan.depth >= MAX_STRING_NESTING {
        // Too deep to lex; still find the end so the string stays intact.
        let mut braces = 0usize;
        while i < b.len() {
            if !scan.burn() {
                return None;
            }
            match b[i] {
                b'\n' => return None,
                b'{' => braces += 1,
                b'}' if braces == 0 => return Some(i + 1),
                b'}' => braces -= 1,
                _ => {}
            }
            i += 1;
        }
        return None;
    }
    let mut braces = 0usize;
    let inner = scan.nested();
    while i < b.len() {
        if !scan.burn() {
            return None;
        }
        match b[i] {
            b'\n' => return None,
            b'"' => {
                let (end, ok) = scan_string(b, i + 1, &inner);
                if !ok {
                    return None;
                }
                i = end;
            }
            b'{' => {
                braces += 1;
                i += 1;
            }
            b'}' => {
                if braces == 0 {
                    return Some(i + 1);
                }
                braces -= 1;
                i += 1;
            }
            _ => i += 1,
        }
    }
    None
}

struct RawLexer<'a> {
    file: FileId,
    src: &'a str,
    /// Tokens with a [`Token::Newline`] for *every* line break; the newline
    /// rule decides later which ones are kept.
    tokens: Vec<(Token, Span)>,
    diagnostics: Vec<Diagnostic>,
    /// Start offsets of `9223372036854775808` literals (lexed as
    /// `Int(i64::MIN)`), which are only valid right after a prefix `-`.
    big_literals: HashSet<u32>,
    fatal_from: Option<u32>,
    fuel: Rc<Cell<u64>>,
    /// Start offsets of unterminated strings.
    unterminated: Vec<u32>,
}

impl RawLexer<'_> {
    fn span(&self, start: usize, end: usize) -> Span {
        Span::new(self.file, start, end)
    }

    fn push(&mut self, tok: Token, start: usize, end: usize) {
        let span = self.span(start, end);
        self.tokens.push((tok, span));
    }

    fn error(
        &mut self,
        code: &'static str,
        msg: impl Into<String>,
        start: usize,
        end: usize,
        label: impl Into<String>,
    ) {
        let d = Diagnostic::error(code, msg, self.span(start, end), label);
        self.diagnostics.push(d);
    }

    /// Lexes `src[start..end]`; `depth` counts enclosing interpolations.
    fn lex_range(&mut self, start: usize, end: usize, depth: u32) {
        let text = &self.src[start..end];
        let scan = Scan {
            depth,
            fuel: self.fuel.clone(),
        };
        let mut lexer = Raw::lexer_with_extras(text, scan);
        while let Some(res) = lexer.next() {
            let r = lexer.span();
            let (s, e) = (start + r.start, start + r.end);
            let slice = &self.src[s..e];
            match res {
                Err(()) if slice == "'" => {
                    let extra = self.char_literal(s, e, end);
                    lexer.bump(extra);
                }
                Err(()) => self.unknown(s, e),
                Ok(raw) => self.raw(raw, slice, s, e, depth),
            }
        }
    }

    /// Words the error for each run of several unknown characters.
    fn finish_unknown_runs(&mut self) {
        let src = self.src;
        for d in &mut self.diagnostics {
            let text = &src[d.primary.span.range()];
            let unknown = d.code == "E0100" && d.message.starts_with("unknown character");
            if unknown && text.chars().nth(1).is_some() {
                let mut shown: String = text.chars().take(16).collect::<String>();
                if text.chars().nth(16).is_some() {
                    shown.push('…');
                }
                d.message = format!("unknown characters `{}`", self::shown(&shown));
            }
        }
    }

    /// A `'` at `s..e`: when it opens a short quoted text on its line
    /// (`'c'`, a character literal in Rust or C), one error covers the
    /// whole literal instead of one per quote and one for what is
    /// between. Returns how many bytes after `e` the error took.
    fn char_literal(&mut self, s: usize, e: usize, end: usize) -> usize {
        let close = self.src[e..end]
            .char_indices()
            .take(12)
            .take_while(|&(_, c)| c != '\n')
            .find(|&(_, c)| c == '\'')
            .map(|(i, _)| i + 1);
        let Some(extra) = close.filter(|&n| n > 1) else {
            self.unknown(s, e);
            return 0;
        };
        let inner = &self.src[e..e + extra - 1];
        let d = Diagnostic::error(
            "E0100",
            "Kriti has no character literals",
            self.span(s, e + extra),
            "single quotes are not valid in Kriti source",
        )
        .with_help(format!("write a string: \"{inner}\""));
        self.diagnostics.push(d);
        self.push(Token::Error, s, e + extra);
        extra
    }

    fn unknown(&mut self, s: usize, e: usize) {
        // Merge runs of unknown characters into one token and one error.
        if let Some((Token::Error, span)) = self.tokens.last_mut() {
            if span.end as usize == s {
                span.end = e as u32;
                if let Some(d) = self.diagnostics.last_mut() {
                    if d.code == "E0100" && d.primary.span.end as usize == s {
                        // The message is fixed up in `finish_unknown_runs`.
                        d.primary.span.end = e as u32;
                        return;
                    }
                }
            }
        }
        let text = &self.src[s..e];
        let c = text.chars().next().unwrap_or('?');
        let mut d = Diagnostic::error(
            "E0100",
            format!("unknown character `{}`", shown(text)),
            self.span(s, e),
            "not valid in Kriti source",
        );
        if c == '\'' {
            d = d.with_help("strings are written with double quotes: \"...\"");
        } else if !c.is_ascii() {
            d = d.with_help(format!(
                "`{}` is U+{:04X}; only ASCII is allowed outside strings and comments",
                shown(text),
                c as u32
            ));
        }
        self.diagnostics.push(d);
        self.push(Token::Error, s, e);
    }

    fn raw(&mut self, raw: Raw, slice: &str, s: usize, e: usize, depth: u32) {
        let tok = match raw {
            Raw::Newline => Token::Newline,
            Raw::LineComment => {
                if let Some(doc) = slice.strip_prefix("///") {
                    if !doc.starts_with('/') {
                        let doc = doc.strip_prefix(' ').unwrap_or(doc);
                        self.push(Token::DocComment(doc.trim_end().to_string()), s, e);
                    }
                }
                return;
            }
            Raw::BlockComment((terminated, newline)) => {
                if !terminated {
                    self.error(
                        "E0111",
                        "unterminated block comment",
                        s,
                        s + 2,
                        "this comment is never closed with `*/`",
                    );
                    if self.fatal_from.is_none() {
                        self.fatal_from = Some(s as u32);
                    }
                }
                if newline {
                    // A comment spanning lines counts as a line break.
                    self.push(Token::Newline, s, e);
                }
                return;
            }
            Raw::Str(terminated) => {
                self.string(s, e, terminated, depth);
                return;
            }
            Raw::Word => keyword(slice).unwrap_or_else(|| Token::Ident(slice.to_string())),
            Raw::Number => self.number(slice, s, e),
            Raw::Float => {
                let after_dot =
                    matches!(self.tokens.last(), Some((Token::Dot, sp)) if sp.end as usize == s);
                if after_dot && !slice.contains(['e', 'E']) {
                    // `t.0.1`: two tuple indices, not a float.
                    if let Some(dot) = slice.find('.') {
                        let a = self.decimal_int(&slice[..dot], s, s + dot);
                        self.push(a, s, s + dot);
                        self.push(Token::Dot, s + dot, s + dot + 1);
                        let b = self.decimal_int(&slice[dot + 1..], s + dot + 1, e);
                        self.push(b, s + dot + 1, e);
                        return;
                    }
                }
                self.float(slice, s, e)
            }
            Raw::Plus => Token::Plus,
            Raw::Minus => Token::Minus,
            Raw::Star => Token::Star,
            Raw::Slash => Token::Slash,
            Raw::Percent => Token::Percent,
            Raw::EqEq => Token::EqEq,
            Raw::NotEq => Token::NotEq,
            Raw::Lt => Token::Lt,
            Raw::Le => Token::Le,
            Raw::Gt => Token::Gt,
            Raw::Ge => Token::Ge,
            Raw::AndAnd => Token::AndAnd,
            Raw::OrOr => Token::OrOr,
            Raw::Bang => Token::Bang,
            Raw::Amp => Token::Amp,
            Raw::Pipe => Token::Pipe,
            Raw::Caret => Token::Caret,
            Raw::Shl => Token::Shl,
            Raw::Eq => Token::Eq,
            Raw::PlusEq => Token::PlusEq,
            Raw::MinusEq => Token::MinusEq,
            Raw::StarEq => Token::StarEq,
            Raw::SlashEq => Token::SlashEq,
            Raw::PercentEq => Token::PercentEq,
            Raw::DotDot => Token::DotDot,
            Raw::DotDotEq => Token::DotDotEq,
            Raw::Dot => Token::Dot,
            Raw::Comma => Token::Comma,
            Raw::Colon => Token::Colon,
            Raw::ColonColon => Token::ColonColon,
            Raw::Semi => Token::Semi,
            Raw::LParen => Token::LParen,
            Raw::RParen => Token::RParen,
            Raw::LBracket => Token::LBracket,
            Raw::RBracket => Token::RBracket,
            Raw::LBrace => Token::LBrace,
            Raw::RBrace => Token::RBrace,
            Raw::Arrow => Token::Arrow,
            Raw::FatArrow => Token::FatArrow,
            Raw::Question => Token::Question,
        };
        self.push(tok, s, e);
    }

    /// A decimal digit string (no prefix, maybe underscores) as an int.
    fn decimal_int(&mut self, digits: &str, s: usize, e: usize) -> Token {
        self.int_radix(digits, 10, "", s, e)
    }

    fn number(&mut self, text: &str, s: usize, e: usize) -> Token {
        let lower = text.get(..2).map(|p| p.to_ascii_lowercase());
        let (radix, digits) = match lower.as_deref() {
            Some("0x") => (16, &text[2..]),
            Some("0o") => (8, &text[2..]),
            Some("0b") => (2, &text[2..]),
            _ => (10, text),
        };
        if radix == 10 {
            // `1e9`: digits, `e`, digits is a float.
            if let Some(pos) = text.find(['e', 'E']) {
                let (m, x) = (&text[..pos], &text[pos + 1..]);
                let digits_only = |t: &str| {
                    !t.is_empty()
                        && t.bytes().all(|c| c.is_ascii_digit() || c == b'_')
                        && t.as_bytes()[0].is_ascii_digit()
                };
                if digits_only(m) && digits_only(x) {
                    return self.float(text, s, e);
                }
            }
            if let Some(pos) = text.find(|c: char| !(c.is_ascii_digit() || c == '_')) {
                self.error(
                    "E0112",
                    format!("invalid suffix `{}` on number literal", &text[pos..]),
                    s + pos,
                    e,
                    "not part of a number",
                );
                return Token::Int(0);
            }
        }
        self.int_radix(digits, radix, &text[..text.len() - digits.len()], s, e)
    }

    fn int_radix(&mut self, digits: &str, radix: u32, prefix: &str, s: usize, e: usize) -> Token {
        let name = match radix {
            16 => "hexadecimal",
            8 => "octal",
            2 => "binary",
            _ => "decimal",
        };
        if !digits.bytes().any(|c| c != b'_') {
            self.error(
                "E0112",
                format!("missing digits after `{prefix}`"),
                s,
                e,
                format!("a {name} literal needs at least one digit"),
            );
            return Token::Int(0);
        }
        let mut value: u128 = 0;
        let mut overflow = false;
        for (i, c) in digits.char_indices() {
            if c == '_' {
                continue;
            }
            let Some(d) = c.to_digit(radix) else {
                let at = s + prefix.len() + i;
                self.error(
                    "E0112",
                    format!("invalid digit `{c}` in {name} literal"),
                    at,
                    at + c.len_utf8(),
                    format!("not a {name} digit"),
                );
                return Token::Int(0);
            };
            if !overflow {
                value = value * radix as u128 + d as u128;
                overflow = value > u64::MAX as u128;
            }
        }
        let min_magnitude = 1u128 << 63;
        if !overflow && value < min_magnitude {
            Token::Int(value as i64)
        } else if !overflow && value == min_magnitude {
            // Valid only as `-9223372036854775808`; decided in step 2.
            self.big_literals.insert(s as u32);
            Token::Int(i64::MIN)
        } else {
            self.error(
                "E0102",
                "integer literal is too large",
                s,
                e,
                "does not fit in a 64-bit signed `int`",
            );
            if let Some(d) = self.diagnostics.last_mut() {
                d.help = Some("the largest `int` is 9223372036854775807".into());
            }
            Token::Int(0)
        }
    }

    fn float(&mut self, text: &str, s: usize, e: usize) -> Token {
        let clean: String = text.chars().filter(|&c| c != '_').collect();
        match clean.parse::<f64>() {
            Ok(x) if x.is_finite() => Token::Float(x),
            _ => {
                self.error(
                    "E0112",
                    "float literal is out of range",
                    s,
                    e,
                    "too large for a 64-bit `float`",
                );
                Token::Float(0.0)
            }
        }
    }

    /// Decodes the string literal at `s..e` (opening quote included) into
    /// string tokens, lexing interpolation holes recursively.
    fn string(&mut self, s: usize, e: usize, terminated: bool, depth: u32) {
        let src = self.src;
        let bytes = src.as_bytes();
        let content_end = if terminated { e - 1 } else { e };
        let mut lit = String::new();
        let mut seg_start = s;
        let mut first = true;
        let mut pos = s + 1;
        while pos < content_end {
            let Some(c) = src[pos..].chars().next() else {
                break;
            };
            match c {
                '\\' => pos = self.escape(pos, content_end, &mut lit),
                '{' => {
                    // `scan_hole` works on the whole file so offsets match.
                    let scan = Scan {
                        depth,
                        fuel: self.fuel.clone(),
                    };
                    match scan_hole(bytes, pos + 1, &scan).filter(|&end| end <= content_end) {
                        Some(hole_end) => {
                            let tok = if first {
                                Token::StrStart(std::mem::take(&mut lit))
                            } else {
                                Token::StrMid(std::mem::take(&mut lit))
                            };
                            self.push(tok, seg_start, pos + 1);
                            let (hs, he) = (pos + 1, hole_end - 1);
                            if src[hs..he].trim().is_empty() {
                                self.error(
                                    "E0106",
                                    "empty interpolation `{}`",
                                    pos,
                                    hole_end,
                                    "expected an expression inside the braces",
                                );
                                if let Some(d) = self.diagnostics.last_mut() {
                                    d.help =
                                        Some("write `\\{` and `\\}` for literal braces".into());
                                }
                                self.push(Token::Error, hs, he);
                            } else if depth + 1 >= MAX_STRING_NESTING {
                                self.error(
                                    "E0199",
                                    "string interpolation nested too deeply",
                                    hs,
                                    he,
                                    format!("strings nest inside interpolations more than {MAX_STRING_NESTING} levels deep here"),
                                );
                                self.push(Token::Error, hs, he);
                            } else {
                                self.lex_range(hs, he, depth + 1);
                            }
                            first = false;
                            seg_start = he;
                            pos = hole_end;
                        }
                        None => {
                            let d = Diagnostic::error(
                                "E0107",
                                "unclosed `{` in string interpolation",
                                self.span(pos, pos + 1),
                                "this `{` is never closed on this line",
                            )
                            .with_help("write `\\{` for a literal brace");
                            self.diagnostics.push(d);
                            lit.push('{');
                            pos += 1;
                        }
                    }
                }
                _ => {
                    lit.push(c);
                    pos += c.len_utf8();
                }
            }
        }
        if !terminated {
            let d = Diagnostic::error(
                "E0110",
                "unterminated string literal",
                self.span(s, e),
                "this string is missing its closing `\"`",
            )
            .with_help("strings cannot span lines; write `\\n` for a line break");
            self.diagnostics.push(d);
            self.unterminated.push(s as u32);
        }
        let tok = if first {
            Token::Str(lit)
        } else {
            Token::StrEnd(lit)
        };
        self.push(tok, seg_start, e);
    }

    /// Decodes the escape at `pos` (a backslash); returns the offset after it.
    fn escape(&mut self, pos: usize, end: usize, lit: &mut String) -> usize {
        let src = self.src;
        let Some(c) = src[pos + 1..end].chars().next() else {
            // A lone backslash at the end of an unterminated string.
            return end;
        };
        let next = pos + 1 + c.len_utf8();
        let simple = match c {
            'n' => Some('\n'),
            't' => Some('\t'),
            'r' => Some('\r'),
            '\\' => Some('\\'),
            '"' => Some('"'),
            '0' => Some('\0'),
            '{' => Some('{'),
            '}' => Some('}'),
            _ => None,
        };
        if let Some(ch) = simple {
            lit.push(ch);
            return next;
        }
        if c != 'u' {
            let d = Diagnostic::error(
                "E0108",
                format!("unknown escape sequence `\\{}`", c.escape_debug()),
                self.span(pos, next),
                "unknown escape",
            )
            .with_help("valid escapes are \\n \\t \\r \\\\ \\\" \\0 \\{ \\} and \\u{...}");
            self.diagnostics.push(d);
            return next;
        }
        // `\u{XXXX}`, scanned exactly as `scan_string` does.
        let b = src.as_bytes();
        let mut i = next;
        if b.get(i) != Some(&b'{') || i >= end {
            self.error(
                "E0109",
                "invalid unicode escape",
                pos,
                next,
                "expected `{` after `\\u`, as in `\\u{1F600}`",
            );
            return next;
        }
        i += 1;
        let digits_start = i;
        while i < end && b[i].is_ascii_hexdigit() {
            i += 1;
        }
        let digits = &src[digits_start..i];
        let closed = i < end && b[i] == b'}';
        if closed {
            i += 1;
        }
        if !closed {
            self.error(
                "E0109",
                "invalid unicode escape",
                pos,
                i,
                "expected 1 to 6 hex digits and a closing `}`",
            );
            return i;
        }
        if digits.is_empty() || digits.len() > 6 {
            self.error(
                "E0109",
                "invalid unicode escape",
                pos,
                i,
                "a unicode escape has 1 to 6 hex digits",
            );
            return i;
        }
        match u32::from_str_radix(digits, 16)
            .ok()
            .and_then(char::from_u32)
        {
            Some(ch) => lit.push(ch),
            None => self.error(
                "E0109",
                format!("invalid unicode code point `{digits}`"),
                pos,
                i,
                "not a unicode scalar value (surrogates and values above 10FFFF are not allowed)",
            ),
        }
        i
    }
}

fn keyword(word: &str) -> Option<Token> {
    use Token::*;
    Some(match word {
        "fn" => Fn,
        "let" => Let,
        "var" => Var,
        "const" => Const,
        "struct" => Struct,
        "enum" => Enum,
        "impl" => Impl,
        "if" => If,
        "else" => Else,
        "while" => While,
        "for" => For,
        "in" => In,
        "loop" => Loop,
        "break" => Break,
        "continue" => Continue,
        "return" => Return,
        "match" => Match,
        "spawn" => Spawn,
        "select" => Select,
        "chan" => Chan,
        "import" => Import,
        "pub" => Pub,
        "self" => SelfValue,
        "Self" => SelfType,
        "true" => True,
        "false" => False,
        "_" => Underscore,
        _ => return None,
    })
}

// ---------------------------------------------------------------------------
// Steps 2 and 3: the newline rule, bracket matching and normalisation.

#[derive(Clone, Copy, PartialEq, Eq)]
enum Bracket {
    Paren,
    Square,
    Brace,
    /// An interpolation hole: between `StrStart`/`StrMid` and
    /// `StrMid`/`StrEnd`.
    Hole,
}

impl Bracket {
    fn open_text(self) -> &'static str {
        match self {
            Bracket::Paren => "(",
            Bracket::Square => "[",
            Bracket::Brace => "{",
            Bracket::Hole => "{",
        }
    }

    fn closer(self) -> Token {
        match self {
            Bracket::Paren => Token::RParen,
            Bracket::Square => Token::RBracket,
            Bracket::Brace => Token::RBrace,
            Bracket::Hole => Token::Error,
        }
    }
}

struct LineRule<'a> {
    file: FileId,
    src: &'a str,
    out: Vec<(Token, Span)>,
    stack: Vec<(Bracket, Span)>,
    diagnostics: Vec<Diagnostic>,
    poisoned: Vec<(u32, u32)>,
    too_deep: bool,
    big_literals: HashSet<u32>,
    /// An unterminated block comment ran to the end of the file.
    fatal: bool,
    /// Start offsets of unterminated strings.
    unterminated: Vec<u32>,
}

impl<'a> LineRule<'a> {
    fn new(
        file: FileId,
        src: &'a str,
        big_literals: HashSet<u32>,
        fatal: bool,
        unterminated: Vec<u32>,
    ) -> LineRule<'a> {
        LineRule {
            file,
            src,
            unterminated,
            out: Vec::new(),
            stack: Vec::new(),
            diagnostics: Vec::new(),
            poisoned: Vec::new(),
            too_deep: false,
            big_literals,
            fatal,
        }
    }

    /// Was the closer of the bracket opened at `open` swallowed by an
    /// unterminated string later on the same line? Then the string's error
    /// already explains it.
    fn swallowed(&self, open: Span) -> bool {
        self.unterminated.iter().any(|&u| {
            u > open.start
                && self
                    .src
                    .get(open.start as usize..u as usize)
                    .is_some_and(|between| !between.contains('\n'))
        })
    }

    /// Index of the last output token that is not a doc comment.
    fn last_index(&self) -> Option<usize> {
        self.out
            .iter()
            .rposition(|(t, _)| !matches!(t, Token::DocComment(_)))
    }

    fn last(&self) -> Option<&Token> {
        self.last_index().map(|i| &self.out[i].0)
    }

    fn run(&mut self, input: Vec<(Token, Span)>) {
        let mut input = input.into_iter().peekable();
        // Lookahead past line breaks and docs, for the newline rule.
        let mut pending: Vec<(Token, Span)> = Vec::new();
        while let Some((tok, span)) = input.next() {
            match tok {
                Token::Newline => {
                    if matches!(
                        self.stack.last(),
                        Some((Bracket::Paren | Bracket::Square | Bracket::Hole, _))
                    ) {
                        continue;
                    }
                    if !self.last().is_some_and(Token::ends_line) {
                        continue;
                    }
                    // Find the first token of the next line.
                    pending.clear();
                    while let Some((t, _)) = input.peek() {
                        if matches!(t, Token::Newline | Token::DocComment(_)) {
                            pending.push(input.next().unwrap_or((Token::Newline, span)));
                        } else {
                            break;
                        }
                    }
                    let continues = matches!(input.peek(), Some((Token::Dot | Token::Else, _)));
                    if !continues {
                        self.push_separator(Token::Newline, span);
                    }
                    // Docs seen on the way are kept; further line breaks
                    // would only repeat the decision.
                    for (t, s) in pending.drain(..) {
                        if let Token::DocComment(_) = t {
                            self.out.push((t, s));
                        }
                    }
                }
                Token::Semi => self.push_separator(Token::Semi, span),
                Token::LParen => self.open(Bracket::Paren, tok, span),
                Token::LBracket => self.open(Bracket::Square, tok, span),
                Token::LBrace => self.open(Bracket::Brace, tok, span),
                Token::StrStart(_) => self.open(Bracket::Hole, tok, span),
                Token::StrMid(_) => {
                    self.close_hole(span);
                    self.out.push((tok, span));
                    self.stack.push((Bracket::Hole, span));
                }
                Token::StrEnd(_) => {
                    self.close_hole(span);
                    self.out.push((tok, span));
                }
                Token::RParen => self.close(Bracket::Paren, tok, span),
                Token::RBracket => self.close(Bracket::Square, tok, span),
                Token::RBrace => self.close(Bracket::Brace, tok, span),
                Token::Int(i64::MIN) if self.big_literals.contains(&span.start) => {
                    self.big_literal(span, input.peek().map(|(t, _)| t));
                }
                tok => self.out.push((tok, span)),
            }
        }
        // Close whatever is still open at the end of the file, with one
        // diagnostic that points at every unclosed delimiter.
        let end = self.out.last().map_or(0, |(_, s)| s.end as usize);
        let eof = Span::new(self.file, end, end);
        let unclosed: Vec<(Bracket, Span)> = std::mem::take(&mut self.stack)
            .into_iter()
            .filter(|(b, _)| *b != Bracket::Hole)
            .collect();
        let reported: Vec<(Bracket, Span)> = unclosed
            .iter()
            .copied()
            .filter(|&(_, open)| !self.swallowed(open))
            .collect();
        if let Some(&(_, first_span)) = unclosed.first() {
            self.poisoned.push((first_span.start, u32::MAX));
        }
        if let Some(&(first, first_span)) = reported.first() {
            let unclosed = &reported;
            if !self.fatal {
                let message = if unclosed.len() == 1 {
                    format!("unclosed delimiter `{}`", first.open_text())
                } else {
                    format!("{} unclosed delimiters", unclosed.len())
                };
                let mut d = Diagnostic::error(
                    "E0103",
                    message,
                    first_span,
                    format!("this `{}` is never closed", first.open_text()),
                );
                for &(b, open) in &unclosed[1..] {
                    d = d.with_label(open, format!("this `{}` is never closed", b.open_text()));
                }
                d = d.with_label(
                    Span::new(self.file, self.src.len(), self.src.len()),
                    "the file ends here",
                );
                self.diagnostics.push(d);
            }
        }
        for (b, _) in unclosed.into_iter().rev() {
            self.push_closer(b.closer(), eof);
        }
    }

    fn push_separator(&mut self, tok: Token, span: Span) {
        match self.last() {
            None => {}
            Some(t) if t.is_separator() || *t == Token::LBrace => {}
            Some(_) => self.out.push((tok, span)),
        }
    }

    fn open(&mut self, b: Bracket, tok: Token, span: Span) {
        self.stack.push((b, span));
        if self.stack.len() > MAX_NESTING && !self.too_deep {
            self.too_deep = true;
            self.diagnostics.push(
                Diagnostic::error(
                    "E0199",
                    "nesting too deep",
                    span,
                    format!("brackets nest more than {MAX_NESTING} levels deep here"),
                )
                .with_help("split the expression into smaller parts with `let`"),
            );
        }
        self.out.push((tok, span));
    }

    /// Pushes a closing bracket after dropping trailing separators (and a
    /// trailing comma that follows an element).
    fn push_closer(&mut self, tok: Token, span: Span) {
        while let Some(i) = self.last_index() {
            let t = &self.out[i].0;
            let drop = if t.is_separator() {
                true
            } else if *t == Token::Comma {
                let before = self.out[..i]
                    .iter()
                    .rposition(|(t, _)| !matches!(t, Token::DocComment(_)))
                    .map(|j| &self.out[j].0);
                !before.is_some_and(|b| {
                    b.is_opener() || *b == Token::Comma || matches!(b, Token::StrMid(_))
                })
            } else {
                false
            };
            if !drop {
                break;
            }
            self.out.remove(i);
        }
        self.out.push((tok, span));
    }

    fn close(&mut self, b: Bracket, tok: Token, span: Span) {
        if matches!(self.stack.last(), Some((top, _)) if *top == b) {
            self.stack.pop();
            self.push_closer(tok, span);
            return;
        }
        // Does it close something further out (not across a hole)?
        let target = self
            .stack
            .iter()
            .rposition(|(k, _)| *k == b || *k == Bracket::Hole)
            .filter(|&i| self.stack[i].0 == b);
        match target {
            Some(i) => {
                let insert_at = Span::new(self.file, span.start as usize, span.start as usize);
                let unclosed: Vec<(Bracket, Span)> = self.stack.drain(i + 1..).collect();
                for (k, open) in unclosed.into_iter().rev() {
                    let d = Diagnostic::error(
                        "E0104",
                        format!(
                            "mismatched closing delimiter `{}`",
                            tok.kind_name().trim_matches('`')
                        ),
                        span,
                        format!(
                            "expected `{}` to close the `{}` first",
                            k.closer().kind_name().trim_matches('`'),
                            k.open_text()
                        ),
                    )
                    .with_label(open, format!("this `{}` is never closed", k.open_text()));
                    if !self.swallowed(open) {
                        self.diagnostics.push(d);
                    }
                    self.poisoned.push((open.start, span.start));
                    self.push_closer(k.closer(), insert_at);
                }
                self.stack.pop();
                self.push_closer(tok, span);
            }
            None => {
                let open = match b {
                    Bracket::Paren => "(",
                    Bracket::Square => "[",
                    _ => "{",
                };
                self.diagnostics.push(Diagnostic::error(
                    "E0105",
                    format!(
                        "unexpected closing delimiter `{}`",
                        tok.kind_name().trim_matches('`')
                    ),
                    span,
                    format!("this has no matching `{open}`"),
                ));
                // Keep a placeholder: it ends the line and parses as an
                // (already reported) error, so nothing else is disturbed.
                self.out.push((Token::Error, span));
            }
        }
    }

    /// Closes brackets left open inside an interpolation hole.
    fn close_hole(&mut self, span: Span) {
        let at = Span::new(self.file, span.start as usize, span.start as usize);
        while let Some(&(b, open)) = self.stack.last() {
            if b == Bracket::Hole {
                self.stack.pop();
                return;
            }
            self.stack.pop();
            self.diagnostics.push(
                Diagnostic::error(
                    "E0103",
                    format!(
                        "unclosed delimiter `{}` in string interpolation",
                        b.open_text()
                    ),
                    open,
                    format!("this `{}` is never closed", b.open_text()),
                )
                .with_label(at, "the interpolation ends here"),
            );
            self.poisoned.push((open.start, span.start));
            self.push_closer(b.closer(), at);
        }
    }

    /// `9223372036854775808`: valid only as the operand of a prefix `-`.
    fn big_literal(&mut self, span: Span, next: Option<&Token>) {
        if let Some(i) = self.last_index() {
            if self.out[i].0 == Token::Minus {
                let before = self.out[..i]
                    .iter()
                    .rposition(|(t, _)| !matches!(t, Token::DocComment(_)))
                    .map(|j| &self.out[j].0);
                let prefix = !before.is_some_and(Token::ends_operand);
                let postfix = matches!(
                    next,
                    Some(Token::Dot | Token::LParen | Token::LBracket | Token::Question)
                );
                if prefix && !postfix {
                    let minus = self.out[i].1;
                    self.out[i] = (Token::Int(i64::MIN), minus.to(span));
                    return;
                }
            }
        }
        self.diagnostics.push(
            Diagnostic::error(
                "E0102",
                "integer literal is too large",
                span,
                "does not fit in a 64-bit signed `int`",
            )
            .with_help("the largest `int` is 9223372036854775807; only `-9223372036854775808` may be written with this magnitude"),
        );
        self.out.push((Token::Int(0), span));
    }
}

/// Source text as an error message quotes it: invisible characters
/// escaped, quotes as they are (`'`, not `\'`).
fn shown(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\'' | '"' => c.to_string(),
            _ => c.escape_debug().to_string(),
        })
        .collect()
}
