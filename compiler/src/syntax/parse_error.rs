//! The parser's error type and its conversion to [`Diagnostic`]s.
//!
//! Consumes the errors chumsky produces while parsing (an "expected one of
//! these, found that" set at a token position, or a ready-made custom
//! diagnostic) and produces user-facing diagnostics with kind, precise
//! messages ("expected an expression, found `)`"). It does not decide where
//! the parser recovers; it only words what went wrong.
//!
//! Expected sets are bit sets (one bit per token kind or label), so the
//! many errors chumsky creates and merges while backtracking cost no
//! allocation.

use chumsky::error::LabelError;
use chumsky::input::Input;
use chumsky::util::MaybeRef;
use chumsky::DefaultExpected;

use super::lexer::Token;
use crate::diagnostics::Diagnostic;
use crate::span::{FileId, Span};

/// Byte spans as chumsky sees them.
pub(crate) type SSpan = chumsky::span::SimpleSpan<usize>;

/// Labels for the things a parser rule stands for; they replace the
/// individual tokens in "expected ..." messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum Lbl {
    Expression = 0,
    Pattern,
    Type,
    Ident,
    Item,
    Statement,
    Block,
    Operator,
    String,
    Integer,
    Literal,
    Field,
    Param,
    Variant,
    InterpolationEnd,
}

const LABEL_BASE: u32 = 100;
const EOI_BIT: u32 = 98;
const SOMETHING_BIT: u32 = 99;

impl Lbl {
    fn text(self) -> &'static str {
        match self {
            Lbl::Expression => "an expression",
            Lbl::Pattern => "a pattern",
            Lbl::Type => "a type",
            Lbl::Ident => "an identifier",
            Lbl::Item => "an item (`fn`, `struct`, `enum`, `impl`, `const` or `import`)",
            Lbl::Statement => "a statement",
            Lbl::Block => "a block `{ ... }`",
            Lbl::Operator => "an operator",
            Lbl::String => "a string",
            Lbl::Integer => "an integer",
            Lbl::Literal => "a literal",
            Lbl::Field => "a field name",
            Lbl::Param => "a parameter",
            Lbl::Variant => "a variant name",
            Lbl::InterpolationEnd => "`}` to end the interpolation",
        }
    }

    const ALL: [Lbl; 15] = [
        Lbl::Expression,
        Lbl::Pattern,
        Lbl::Type,
        Lbl::Ident,
        Lbl::Item,
        Lbl::Statement,
        Lbl::Block,
        Lbl::Operator,
        Lbl::String,
        Lbl::Integer,
        Lbl::Literal,
        Lbl::Field,
        Lbl::Param,
        Lbl::Variant,
        Lbl::InterpolationEnd,
    ];
}

/// A bit per token kind (payloads ignored).
fn token_bit(t: &Token) -> u32 {
    use Token::*;
    match t {
        Int(_) => 0,
        Float(_) => 1,
        Str(_) | StrStart(_) => 2,
        StrMid(_) | StrEnd(_) => 3,
        Ident(_) => 4,
        DocComment(_) => 5,
        Fn => 6,
        Let => 7,
        Var => 8,
        Const => 9,
        Struct => 10,
        Enum => 11,
        Impl => 12,
        If => 13,
        Else => 14,
        While => 15,
        For => 16,
        In => 17,
        Loop => 18,
        Break => 19,
        Continue => 20,
        Return => 21,
        Match => 22,
        Spawn => 23,
        Select => 24,
        Chan => 25,
        Import => 26,
        Pub => 27,
        SelfValue => 28,
        SelfType => 29,
        True => 30,
        False => 31,
        Underscore => 32,
        Plus => 33,
        Minus => 34,
        Star => 35,
        Slash => 36,
        Percent => 37,
        EqEq => 38,
        NotEq => 39,
        Lt => 40,
        Le => 41,
        Gt => 42,
        Ge => 43,
        AndAnd => 44,
        OrOr => 45,
        Bang => 46,
        Amp => 47,
        Pipe => 48,
        Caret => 49,
        Shl => 50,
        Eq => 51,
        PlusEq => 52,
        MinusEq => 53,
        StarEq => 54,
        SlashEq => 55,
        PercentEq => 56,
        DotDot => 57,
        DotDotEq => 58,
        Dot => 59,
        Comma => 60,
        Colon => 61,
        ColonColon => 62,
        Semi => 63,
        LParen => 64,
        RParen => 65,
        LBracket => 66,
        RBracket => 67,
        LBrace => 68,
        RBrace => 69,
        Arrow => 70,
        FatArrow => 71,
        Question => 72,
        Newline => 73,
        Error => 74,
    }
}

/// Display text for a token bit; `None` for bits that are not tokens.
fn bit_text(bit: u32) -> Option<&'static str> {
    Some(match bit {
        0 => "an integer",
        1 => "a float",
        2 => "a string",
        3 => "`}`",
        4 => "an identifier",
        5 => "a doc comment",
        6 => "`fn`",
        7 => "`let`",
        8 => "`var`",
        9 => "`const`",
        10 => "`struct`",
        11 => "`enum`",
        12 => "`impl`",
        13 => "`if`",
        14 => "`else`",
        15 => "`while`",
        16 => "`for`",
        17 => "`in`",
        18 => "`loop`",
        19 => "`break`",
        20 => "`continue`",
        21 => "`return`",
        22 => "`match`",
        23 => "`spawn`",
        24 => "`select`",
        25 => "`chan`",
        26 => "`import`",
        27 => "`pub`",
        28 => "`self`",
        29 => "`Self`",
        30 => "`true`",
        31 => "`false`",
        32 => "`_`",
        33 => "`+`",
        34 => "`-`",
        35 => "`*`",
        36 => "`/`",
        37 => "`%`",
        38 => "`==`",
        39 => "`!=`",
        40 => "`<`",
        41 => "`<=`",
        42 => "`>`",
        43 => "`>=`",
        44 => "`&&`",
        45 => "`||`",
        46 => "`!`",
        47 => "`&`",
        48 => "`|`",
        49 => "`^`",
        50 => "`<<`",
        51 => "`=`",
        52 => "`+=`",
        53 => "`-=`",
        54 => "`*=`",
        55 => "`/=`",
        56 => "`%=`",
        57 => "`..`",
        58 => "`..=`",
        59 => "`.`",
        60 => "`,`",
        61 => "`:`",
        62 => "`::`",
        63 => "`;`",
        64 => "`(`",
        65 => "`)`",
        66 => "`[`",
        67 => "`]`",
        68 => "`{`",
        69 => "`}`",
        70 => "`->`",
        71 => "`=>`",
        72 => "`?`",
        73 => "a newline",
        74 => "an invalid token",
        EOI_BIT => "end of file",
        _ => return None,
    })
}

/// Binary-operator and postfix tokens: collapsed into "an operator".
const OPERATOR_BITS: &[u32] = &[
    33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 47, 48, 49, 50, 57, 58, 59, 64, 66, 72,
];

/// Order in which expected items are listed: labels first, then closers
/// and separators, then everything else.
const TOKEN_ORDER: &[u32] = &[
    63, 73, 60, 65, 67, 69, 3, 51, 61, 71, 68, 70, 62, 17, 14, 4, 0, 1, 2,
];

/// A parse error: either "expected one of `expected`" at `span`, or a
/// custom diagnostic.
#[derive(Clone, Debug)]
pub(crate) struct PErr {
    pub span: SSpan,
    expected: u128,
    custom: Option<Box<Diagnostic>>,
    /// A hint added to the "expected ..." diagnostic.
    pub help: Option<&'static str>,
}

impl PErr {
    /// A ready-made diagnostic (reported as is).
    pub fn custom(span: SSpan, d: Diagnostic) -> PErr {
        PErr {
            span,
            expected: 0,
            custom: Some(Box::new(d)),
            help: None,
        }
    }

    /// "expected `what`" at `span`.
    pub fn expected(span: SSpan, what: Lbl) -> PErr {
        PErr {
            span,
            expected: 1u128 << (LABEL_BASE + what as u32),
            custom: None,
            help: None,
        }
    }

    /// "expected `tok`" at `span`, merged with more tokens.
    pub fn expected_tokens(span: SSpan, toks: &[Token]) -> PErr {
        let mut expected = 0u128;
        for t in toks {
            expected |= 1u128 << token_bit(t);
        }
        PErr {
            span,
            expected,
            custom: None,
            help: None,
        }
    }

    fn add(&mut self, e: DefaultExpected<'_, Token>) {
        let bit = match e {
            DefaultExpected::Token(t) => token_bit(&t),
            DefaultExpected::EndOfInput => EOI_BIT,
            _ => SOMETHING_BIT,
        };
        self.expected |= 1u128 << bit;
    }
}

impl<'s, I: Input<'s, Token = Token, Span = SSpan>> chumsky::error::Error<'s, I> for PErr {
    fn merge(mut self, other: Self) -> Self {
        if self.custom.is_none() {
            if other.custom.is_some() {
                return other;
            }
            self.expected |= other.expected;
        }
        self
    }
}

impl<'s, I: Input<'s, Token = Token, Span = SSpan>> LabelError<'s, I, DefaultExpected<'s, Token>>
    for PErr
{
    fn expected_found<E: IntoIterator<Item = DefaultExpected<'s, Token>>>(
        expected: E,
        _found: Option<MaybeRef<'s, Token>>,
        span: SSpan,
    ) -> Self {
        let mut err = PErr {
            span,
            expected: 0,
            custom: None,
            help: None,
        };
        for e in expected {
            err.add(e);
        }
        err
    }

    fn merge_expected_found<E: IntoIterator<Item = DefaultExpected<'s, Token>>>(
        mut self,
        expected: E,
        _found: Option<MaybeRef<'s, Token>>,
        _span: SSpan,
    ) -> Self {
        if self.custom.is_none() {
            for e in expected {
                self.add(e);
            }
        }
        self
    }

    fn replace_expected_found<E: IntoIterator<Item = DefaultExpected<'s, Token>>>(
        mut self,
        expected: E,
        _found: Option<MaybeRef<'s, Token>>,
        span: SSpan,
    ) -> Self {
        self.span = span;
        self.expected = 0;
        self.custom = None;
        for e in expected {
            self.add(e);
        }
        self
    }
}

impl<'s, I: Input<'s, Token = Token, Span = SSpan>> LabelError<'s, I, Lbl> for PErr {
    fn expected_found<E: IntoIterator<Item = Lbl>>(
        expected: E,
        _found: Option<MaybeRef<'s, Token>>,
        span: SSpan,
    ) -> Self {
        let mut bits = 0u128;
        for l in expected {
            bits |= 1u128 << (LABEL_BASE + l as u32);
        }
        PErr {
            span,
            expected: bits,
            custom: None,
            help: None,
        }
    }

    fn label_with(&mut self, label: Lbl) {
        if self.custom.is_none() {
            self.expected = 1u128 << (LABEL_BASE + label as u32);
        }
    }
}

/// What the converter needs to know about the token stream.
pub(crate) struct ErrorContext<'a> {
    pub file: FileId,
    pub src: &'a str,
    /// The tokens the parser saw (no doc comments).
    pub tokens: &'a [(Token, SSpan)],
}

impl ErrorContext<'_> {
    /// The token an error at byte `start` points at, if any.
    pub fn token_at(&self, start: usize) -> Option<(usize, &Token, SSpan)> {
        let i = self.tokens.partition_point(|(_, s)| s.start < start);
        // Prefer a real (non-empty) token at this position.
        let mut j = i;
        while let Some((t, s)) = self.tokens.get(j) {
            if s.start != start {
                break;
            }
            if s.end > s.start {
                return Some((j, t, *s));
            }
            j += 1;
        }
        self.tokens
            .get(i)
            .filter(|(_, s)| s.start == start)
            .map(|(t, s)| (i, t, *s))
    }

    fn end_of_input(&self) -> usize {
        self.tokens
            .iter()
            .rev()
            .find(|(_, s)| s.end > s.start)
            .map_or(0, |(_, s)| s.end)
    }

    /// How the token at `span` is described after "found".
    fn describe(&self, tok: &Token, span: SSpan) -> String {
        let text = self.src.get(span.start..span.end).unwrap_or("");
        let short = |t: &str| {
            let mut s: String = t.chars().take(32).collect();
            if t.chars().count() > 32 {
                s.push('…');
            }
            s
        };
        match tok {
            Token::Newline => "end of line".into(),
            Token::Ident(name) => format!("`{}`", short(name)),
            Token::Int(_) | Token::Float(_) => format!("`{}`", short(text)),
            Token::Str(_) | Token::StrStart(_) => {
                if text.chars().count() <= 24 && !text.is_empty() {
                    format!("string {text}")
                } else {
                    "a string".into()
                }
            }
            Token::StrMid(_) | Token::StrEnd(_) => "the end of the interpolation `}`".into(),
            t if t.is_keyword() => format!("keyword {}", t.kind_name()),
            t => t.kind_name().to_string(),
        }
    }

    /// Converts one error; `None` when it should not be reported (it
    /// points at an invalid token the lexer already reported).
    pub fn convert(&self, err: PErr) -> Option<Diagnostic> {
        let src_len = self.src.len();
        if let Some(d) = err.custom {
            return Some(*d);
        }
        let found = if err.span.start >= src_len {
            None
        } else {
            self.token_at(err.span.start)
        };
        let (found_text, span, prev) = match found {
            Some((i, tok, span)) => {
                if *tok == Token::Error {
                    return None;
                }
                let prev = i
                    .checked_sub(1)
                    .and_then(|p| self.tokens.get(p))
                    .map(|(t, _)| t);
                (self.describe(tok, span), span, prev)
            }
            None => {
                let end = self.end_of_input();
                ("end of file".to_string(), SSpan::new(end, end), None)
            }
        };
        let items = expected_items(err.expected);
        let list = match items.len() {
            0 => "something else".to_string(),
            1 => items[0].clone(),
            2 => format!("{} or {}", items[0], items[1]),
            n => format!("one of {} or {}", items[..n - 1].join(", "), items[n - 1]),
        };
        let label = match items.first() {
            _ if err.expected == 1u128 << (LABEL_BASE + Lbl::Item as u32) => {
                "expected an item".to_string()
            }
            Some(first) if items.len() == 1 => format!("expected {first}"),
            Some(_) => "unexpected here".to_string(),
            None => "unexpected here".to_string(),
        };
        let mut d = Diagnostic::error(
            "E0101",
            format!("expected {list}, found {found_text}"),
            Span::new(self.file, span.start, span.end),
            label,
        );
        if let (Some(tok), Some(Token::Newline)) = (found.map(|f| f.1), prev) {
            if OPERATOR_BITS.contains(&token_bit(tok))
                && !matches!(tok, Token::LParen | Token::LBracket | Token::Minus)
            {
                d = d.with_help(
                    "a line break ended the statement before this operator; \
                     to continue an expression on the next line, end the line with the operator",
                );
            }
        }
        let wants_block =
            err.expected & (1u128 << (LABEL_BASE + Lbl::Block as u32) | 1u128 << 68) != 0;
        if wants_block && found.is_some_and(|f| *f.1 == Token::Eq) {
            d = d.with_help("to compare two values, use `==`");
        }
        if let Some(help) = err.help {
            d = d.with_help(help);
        }
        Some(d)
    }
}

/// The expected set as display items, in a helpful order.
fn expected_items(bits: u128) -> Vec<String> {
    let mut items: Vec<String> = Vec::new();
    for l in Lbl::ALL {
        if l != Lbl::Operator && bits & (1u128 << (LABEL_BASE + l as u32)) != 0 {
            items.push(l.text().to_string());
        }
    }
    let has_expr = bits & (1u128 << (LABEL_BASE + Lbl::Expression as u32)) != 0;
    let ops = OPERATOR_BITS
        .iter()
        .filter(|&&b| bits & (1u128 << b) != 0)
        .count();
    let collapse_ops = ops >= 6;
    let operator = collapse_ops || bits & (1u128 << (LABEL_BASE + Lbl::Operator as u32)) != 0;
    // "a newline" only makes sense as an alternative to a separator.
    let bits = if bits & (1u128 << 63 | 1u128 << 60) == 0 {
        bits & !(1u128 << 73)
    } else {
        bits
    };
    let mut seen = 0u128;
    let mut push_bit = |b: u32, items: &mut Vec<String>| {
        if seen & (1u128 << b) != 0 || bits & (1u128 << b) == 0 {
            return;
        }
        seen |= 1u128 << b;
        if (collapse_ops || operator) && (OPERATOR_BITS.contains(&b) || b == 62) {
            return;
        }
        // Tokens that merely start an expression are covered by the label.
        if has_expr && (b <= 2 || (6..=32).contains(&b) && ![14, 17].contains(&b) || b == 46) {
            return;
        }
        if let Some(t) = bit_text(b) {
            let t = t.to_string();
            if !items.contains(&t) {
                items.push(t);
            }
        }
    };
    for &b in TOKEN_ORDER {
        push_bit(b, &mut items);
    }
    for b in 0..=EOI_BIT {
        push_bit(b, &mut items);
    }
    items.truncate(7);
    if operator {
        items.push(Lbl::Operator.text().to_string());
    }
    items
}
