//! The parser: source text in, a [`Module`] and syntax diagnostics out.
//!
//! Consumes the tokens of [`super::lexer`] (which arrive with brackets
//! already balanced and statement-ending newlines already decided) and
//! produces the AST of one file. It recovers from errors at three levels:
//! items (skip to the next item keyword), statements and list elements
//! (skip to the next `;`, newline or `,` at the same bracket depth) and
//! bracketed groups (a broken `( )` or `[ ]` becomes one error node), so
//! every syntax error of a file is reported once, and the tree it leaves
//! behind has `Error` nodes where the errors were. It does not resolve
//! names, check types or decide whether an item is allowed where it
//! appears (a local `fn` is parsed; the checker may reject it).
//!
//! The grammar is written with chumsky combinators; lists that recover
//! element by element (block statements, match and select arms, fields,
//! items) are small hand-written loops over chumsky's input.
//!
//! Nesting is bounded three ways, so no input can overflow the stack:
//! brackets nest at most [`super::lexer::MAX_NESTING`] deep (checked by the
//! lexer), parser recursion at most [`MAX_PARSE_DEPTH`] levels, operator
//! chains at most [`MAX_CHAIN`] operators, and the finished tree at most
//! [`super::depth::MAX_AST_DEPTH`] levels (each is error E0199).
//!
//! # Error codes
//!
//! | code  | meaning |
//! |-------|---------|
//! | E0100 | unknown character (lexer) |
//! | E0101 | unexpected token: "expected ..., found ..." |
//! | E0102 | integer literal does not fit in `int` (lexer) |
//! | E0103 | unclosed delimiter (lexer) |
//! | E0104 | mismatched closing delimiter (lexer) |
//! | E0105 | unexpected closing delimiter (lexer) |
//! | E0106 | empty interpolation `{}` (lexer) |
//! | E0107 | unclosed `{` in a string (lexer) |
//! | E0108 | unknown escape sequence (lexer) |
//! | E0109 | invalid unicode escape (lexer) |
//! | E0110 | unterminated string (lexer) |
//! | E0111 | unterminated block comment (lexer) |
//! | E0112 | malformed number literal (lexer) |
//! | E0113 | chained comparison `a < b < c` |
//! | E0114 | invalid assignment target |
//! | E0115 | `self` parameter that is not the first parameter |
//! | E0116 | an item other than `fn` inside `impl` |
//! | E0117 | invalid pattern |
//! | E0118 | `spawn` of something that is not a call or a block |
//! | E0199 | nesting too deep / expression too long |

use std::collections::HashMap;

use chumsky::input::{Checkpoint, Cursor, InputRef, MappedInput};
use chumsky::inspector::Inspector;
use chumsky::prelude::*;

use super::ast::*;
use super::depth::{drop_deep, find_too_deep, MAX_AST_DEPTH};
use super::lexer::{lex_full, Token};
use super::parse_error::{ErrorContext, Lbl, PErr, SSpan};
use crate::diagnostics::Diagnostic;
use crate::span::{FileId, Span};

/// Parser recursion (expressions, types, patterns, `else if`) nests at
/// most this deep.
pub const MAX_PARSE_DEPTH: usize = 500;

/// One operator chain (`a + b + ...`, `x.f().g()...`, `- - x`) has at most
/// this many operators.
pub const MAX_CHAIN: usize = 1000;

type Mapper<'s> = fn(&'s (Token, SSpan)) -> (&'s Token, &'s SSpan);
type In<'s> = MappedInput<Token, SSpan, &'s [(Token, SSpan)], Mapper<'s>>;
type Ex = extra::Full<PErr, PState, ()>;
type P<'s, O> = Boxed<'s, 's, In<'s>, O, Ex>;
type Inp<'s, 'p> = InputRef<'s, 'p, In<'s>, Ex>;

fn split(t: &(Token, SSpan)) -> (&Token, &SSpan) {
    (&t.0, &t.1)
}

/// Parser state: errors reported by the hand-written list loops, the doc
/// comments by item start, and the current recursion depth. Rewinding the
/// input rewinds the errors and the depth too.
struct PState {
    errors: Vec<PErr>,
    docs: HashMap<usize, String>,
    depth: usize,
}

impl<'s> Inspector<'s, In<'s>> for PState {
    type Checkpoint = (usize, usize);

    fn on_token(&mut self, _: &Token) {}

    fn on_save<'p>(&self, _: &Cursor<'s, 'p, In<'s>>) -> (usize, usize) {
        (self.errors.len(), self.depth)
    }

    fn on_rewind<'p>(&mut self, cp: &Checkpoint<'s, 'p, In<'s>, (usize, usize)>) {
        let (errors, depth) = *cp.inspector();
        self.errors.truncate(errors);
        self.depth = depth;
    }
}

/// Parses one file. Always returns a module: items that failed to parse
/// are `ItemKind::Error` (and reported). Diagnostics are sorted by position.
pub fn parse(file: FileId, src: &str) -> (Module, Vec<Diagnostic>) {
    parse_tokens(file, src, false)
}

/// Parses one REPL input: the text is read as the body of a block, so it
/// may hold statements, a trailing expression and items (as item
/// statements). The result is a module with a single function named
/// [`REPL_BODY`] whose body is that block; every span points into `src`
/// (the wrapping tokens are zero-width).
pub fn parse_repl_input(file: FileId, src: &str) -> (Module, Vec<Diagnostic>) {
    parse_tokens(file, src, true)
}

/// The name of the function [`parse_repl_input`] wraps an input in.
pub const REPL_BODY: &str = "<repl>";

fn parse_tokens(file: FileId, src: &str, repl: bool) -> (Module, Vec<Diagnostic>) {
    let mut lexed = lex_full(file, src);
    if repl {
        // `fn <repl>() { ... }` around the input, at its two ends.
        let end = src.len();
        let at = |t: Token, pos: usize| (t, Span::new(file, pos, pos));
        let mut wrapped = vec![
            at(Token::Fn, 0),
            at(Token::Ident(REPL_BODY.to_string()), 0),
            at(Token::LParen, 0),
            at(Token::RParen, 0),
            at(Token::LBrace, 0),
        ];
        wrapped.append(&mut lexed.tokens);
        wrapped.push(at(Token::RBrace, end));
        lexed.tokens = wrapped;
    }
    let mut diagnostics = lexed.diagnostics;
    if lexed.too_deep {
        return (Module::default(), diagnostics);
    }

    // Doc comments leave the token stream; a run of them is attached to
    // the token that follows it.
    let mut docs = HashMap::new();
    let mut doc: Option<String> = None;
    let mut tokens: Vec<(Token, SSpan)> = Vec::with_capacity(lexed.tokens.len());
    for (tok, span) in lexed.tokens {
        match tok {
            Token::DocComment(text) => match &mut doc {
                Some(d) => {
                    d.push('\n');
                    d.push_str(&text);
                }
                None => doc = Some(text),
            },
            tok => {
                if let Some(d) = doc.take() {
                    docs.insert(span.start as usize, d);
                }
                tokens.push((tok, SSpan::new(span.start as usize, span.end as usize)));
            }
        }
    }

    let mut state = PState {
        errors: Vec::new(),
        docs,
        depth: 0,
    };
    let input = tokens
        .as_slice()
        .map(SSpan::new(src.len(), src.len()), split as Mapper);
    let parser = module_parser(file);
    let (items, errors) = parser
        .parse_with_state(input, &mut state)
        .into_output_errors();
    let mut items = items.unwrap_or_default();
    let mut errors: Vec<PErr> = errors;
    errors.append(&mut state.errors);

    // Keep later stages (and our own drop) away from absurdly deep trees.
    for item in &mut items {
        if let Some(span) = find_too_deep(item) {
            let deep = std::mem::replace(
                item,
                Item {
                    kind: ItemKind::Error,
                    is_pub: false,
                    doc: None,
                    span: item.span,
                },
            );
            drop_deep(deep, tokens.len());
            diagnostics.push(
                Diagnostic::error(
                    "E0199",
                    "nesting too deep",
                    span,
                    format!("nested more than {MAX_AST_DEPTH} levels deep here"),
                )
                .with_help("split the expression into smaller parts with `let`"),
            );
        }
    }

    // Turn parse errors into diagnostics, dropping consequences of errors
    // already reported.
    errors.sort_by_key(|e| e.span.start);
    let ctx = ErrorContext {
        file,
        src,
        tokens: &tokens,
    };
    let mut last_start = None;
    for err in errors {
        let start = err.span.start;
        if last_start == Some(start) {
            continue;
        }
        let poisoned = lexed
            .poisoned
            .iter()
            .any(|&(a, b)| (a as usize) <= start && start <= b as usize);
        let after_fatal = lexed.fatal_from.is_some_and(|f| start >= f as usize);
        if poisoned || after_fatal {
            continue;
        }
        if let Some(d) = ctx.convert(err) {
            last_start = Some(start);
            diagnostics.push(d);
        }
    }
    diagnostics.sort_by_key(|d| (d.primary.span.start, d.primary.span.end));
    (Module { items }, diagnostics)
}

/// Renders a module for `--emit ast`: a compact S-expression form (see
/// [`super::printer`]); operators are prefix and fully parenthesised so
/// precedence is visible.
pub fn dump_ast(m: &Module) -> String {
    super::printer::module(m)
}

// ---------------------------------------------------------------------------
// Small helpers.

fn sp(file: FileId, s: SSpan) -> Span {
    Span::new(file, s.start, s.end)
}

/// A span chumsky computed for a parser that consumed nothing can be
/// inverted; make it an empty span at its start.
fn fix(s: SSpan) -> SSpan {
    SSpan::new(s.start, s.end.max(s.start))
}

fn error_expr(span: Span) -> Expr {
    Expr {
        kind: ExprKind::Error,
        span,
    }
}

fn tok<'s>(t: Token) -> impl Parser<'s, In<'s>, Token, Ex> + Clone {
    just(t)
}

fn ident<'s>(file: FileId, what: Lbl) -> P<'s, Ident> {
    select_ref! {
        Token::Ident(name) = e => Ident { name: name.clone(), span: sp(file, e.span()) },
    }
    .labelled(what)
    .boxed()
}

fn is_blocklike(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Block(_)
        | ExprKind::If { .. }
        | ExprKind::While { .. }
        | ExprKind::Loop(_)
        | ExprKind::For { .. }
        | ExprKind::Match { .. }
        | ExprKind::Select(_) => true,
        ExprKind::Spawn(inner) => matches!(inner.kind, ExprKind::Block(_)),
        _ => false,
    }
}

/// Can `e` be assigned to (`x`, `a.b`, `t.0`, `a[i]`, rooted in a name)?
fn is_place(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Name(_) | ExprKind::Error => true,
        ExprKind::Field(inner, _) | ExprKind::TupleField(inner, ..) | ExprKind::Index(inner, _) => {
            is_place(inner)
        }
        _ => false,
    }
}

/// Skips one token tree: a token, or a whole bracketed group. Never
/// consumes a closing bracket; false at a closer or the end of input.
fn skip_tree(inp: &mut Inp<'_, '_>) -> bool {
    let opener = match inp.peek_ref() {
        None => return false,
        Some(t) if t.is_closer() || matches!(t, Token::StrMid(_)) => return false,
        Some(t) => t.is_opener(),
    };
    inp.skip();
    if opener {
        let mut depth = 1usize;
        while let Some(t) = inp.peek_ref() {
            let (open, close) = (t.is_opener(), t.is_closer());
            inp.skip();
            if open {
                depth += 1;
            } else if close {
                depth -= 1;
                if depth == 0 {
                    break;
                }
            }
        }
    }
    true
}

/// Skips token trees until a token satisfying `stop` (not consumed), a
/// closing bracket, or the end of input.
fn skip_until(inp: &mut Inp<'_, '_>, stop: &dyn Fn(&Token) -> bool) {
    while let Some(t) = inp.peek_ref() {
        if stop(t) || !skip_tree(inp) {
            break;
        }
    }
}

/// Recovery for a bracketed group: consumes the whole group starting with
/// `open` (brackets are balanced by the lexer).
fn skip_group<'s>(open: Token) -> impl Parser<'s, In<'s>, (), Ex> + Clone {
    custom::<_, In<'s>, (), Ex>(move |inp| {
        let before = inp.cursor();
        if inp.peek_ref() != Some(&open) {
            let span = fix(inp.span_since(&before));
            return Err(PErr::expected_tokens(span, std::slice::from_ref(&open)));
        }
        skip_tree(inp);
        Ok(())
    })
}

/// A stack check point: chumsky grows the stack (with stacker) on entry to
/// a recursive parser when little is left, so wrapping a parser in one
/// bounds the stack used between two checks. Debug builds use large frames;
/// without these, one level of the expression grammar could exceed the
/// margin stacker keeps.
fn checkpoint<'s, O: 's>(p: P<'s, O>) -> P<'s, O> {
    recursive(move |_| p).boxed()
}

/// Bounds parser recursion: every pass through `p` counts one level.
fn guard<'s, O: 's>(file: FileId, p: P<'s, O>) -> P<'s, O> {
    empty()
        .try_map_with(move |(), e| {
            let span = fix(e.span());
            let st: &mut PState = e.state();
            if st.depth >= MAX_PARSE_DEPTH {
                let d = Diagnostic::error(
                    "E0199",
                    "nesting too deep",
                    sp(file, span),
                    format!("nested more than {MAX_PARSE_DEPTH} levels deep here"),
                )
                .with_help("split the expression into smaller parts with `let`");
                return Err(PErr::custom(span, d));
            }
            st.depth += 1;
            Ok(())
        })
        .ignore_then(p)
        .try_map_with(|x, e| {
            let st: &mut PState = e.state();
            st.depth = st.depth.saturating_sub(1);
            Ok(x)
        })
        .boxed()
}

fn too_long(file: FileId, span: SSpan) -> PErr {
    let d = Diagnostic::error(
        "E0199",
        "expression too long",
        sp(file, span),
        format!("more than {MAX_CHAIN} operators in one chain"),
    )
    .with_help("split the expression into smaller parts with `let`");
    PErr::custom(span, d)
}

/// How a hand-written list loop treats its elements.
struct ListSpec {
    /// Tokens that separate elements (skipped between them).
    seps: &'static [Token],
    /// Where to stop skipping after a broken element (besides separators
    /// and closing brackets).
    sync: fn(&Token) -> bool,
    /// A hint for an element that fails at its first token when that
    /// token is not a `sync` token.
    bad_start_help: Option<&'static str>,
}

/// A list of `item`s separated by `spec.seps`, ended by a closing bracket
/// (not consumed) or the end of input. An element for which `needs_sep`
/// is true must be followed by a separator or the closer. A broken element
/// is reported, skipped, and replaced by `on_error(span)` if given.
fn sep_list<'s, T: 's>(
    file: FileId,
    item: P<'s, T>,
    spec: ListSpec,
    needs_sep: fn(&T) -> bool,
    on_error: Option<fn(Span) -> T>,
) -> P<'s, Vec<T>> {
    let seps = spec.seps;
    let sync = spec.sync;
    let bad_start_help = spec.bad_start_help;
    let terminator: P<'s, ()> = choice((
        one_of(seps).ignored(),
        tok(Token::RBrace).ignored().rewind(),
    ))
    .boxed();
    custom::<_, In<'s>, Vec<T>, Ex>(move |inp| {
        let mut out = Vec::new();
        let stop = |t: &Token| seps.contains(t) || sync(t);
        loop {
            while inp.peek_ref().is_some_and(|t| seps.contains(t)) {
                inp.skip();
            }
            match inp.peek_ref() {
                None => break,
                Some(t) if t.is_closer() || matches!(t, Token::StrMid(_)) => break,
                Some(_) => {}
            }
            let start = inp.cursor();
            let before = inp.save();
            match inp.parse(&item) {
                Ok(x) => {
                    let need = needs_sep(&x);
                    out.push(x);
                    if inp.cursor() == start {
                        // Cannot happen with the grammar; never loop forever.
                        skip_tree(inp);
                        continue;
                    }
                    if need {
                        let cp = inp.save();
                        match inp.parse(&terminator) {
                            Ok(()) => inp.rewind(cp),
                            Err(e) => {
                                inp.rewind(cp);
                                inp.state().errors.push(e);
                                skip_until(inp, &stop);
                            }
                        }
                    }
                }
                Err(mut e) => {
                    inp.rewind(before);
                    if let (Some(help), Some(t)) = (bad_start_help, inp.peek_ref()) {
                        let here = fix(inp.span_since(&start)).start;
                        if !sync(t) && e.span.start <= here {
                            e.help = Some(help);
                        }
                    }
                    inp.state().errors.push(e);
                    skip_tree(inp);
                    skip_until(inp, &stop);
                    if let Some(f) = on_error {
                        let span = fix(inp.span_since(&start));
                        out.push(f(sp(file, span)));
                    }
                }
            }
        }
        Ok(out)
    })
    .boxed()
}

fn is_item_start(t: &Token) -> bool {
    matches!(
        t,
        Token::Fn
            | Token::Struct
            | Token::Enum
            | Token::Impl
            | Token::Const
            | Token::Import
            | Token::Pub
    )
}

fn never(_: &Token) -> bool {
    false
}

/// Items until a closing bracket or the end of input.
fn item_list<'s>(file: FileId, item: P<'s, Item>) -> P<'s, Vec<Item>> {
    sep_list(
        file,
        item,
        ListSpec {
            seps: &[Token::Semi, Token::Newline],
            sync: is_item_start,
            bad_start_help: Some(
                "statements and expressions must be inside a function, such as `fn main() { ... }`",
            ),
        },
        |_| false,
        Some(|span| Item {
            kind: ItemKind::Error,
            is_pub: false,
            doc: None,
            span,
        }),
    )
}

/// `{ list }` with an optional line break before the `{`.
fn braced<'s, T: 's>(list: P<'s, Vec<T>>) -> P<'s, Vec<T>> {
    tok(Token::Newline)
        .or_not()
        .ignore_then(tok(Token::LBrace))
        .ignore_then(list)
        .then_ignore(tok(Token::RBrace))
        .boxed()
}

// ---------------------------------------------------------------------------
// The grammar.

/// Shared sub-parsers of the expression grammar.
#[derive(Clone)]
struct G<'s> {
    file: FileId,
    /// Any expression.
    expr: P<'s, Expr>,
    /// An expression with no struct literal at its top level (the head of
    /// `if`, `while`, `for`, `match`).
    expr_ns: P<'s, Expr>,
    block: P<'s, Block>,
    ty: P<'s, TypeExpr>,
    pattern: P<'s, Pattern>,
}

fn module_parser<'s>(file: FileId) -> P<'s, Vec<Item>> {
    let ty = type_parser(file);
    let pattern = pattern_parser(file);
    let item = recursive(|item| {
        let item: P<'s, Item> = item.boxed();
        let (ty2, pattern2, item2) = (ty.clone(), pattern.clone(), item.clone());
        let expr = recursive(move |expr| {
            let expr: P<'s, Expr> = expr.boxed();
            let block = block_parser(file, expr.clone(), item2, pattern2.clone(), ty2.clone());
            let (expr2, block2, ty3, pattern3) =
                (expr.clone(), block.clone(), ty2.clone(), pattern2.clone());
            let expr_ns = recursive(move |ns| {
                let g = G {
                    file,
                    expr: expr2,
                    expr_ns: ns.boxed(),
                    block: block2,
                    ty: ty3,
                    pattern: pattern3,
                };
                expr_chain(&g, false)
            })
            .boxed();
            let g = G {
                file,
                expr,
                expr_ns,
                block,
                ty: ty2,
                pattern: pattern2,
            };
            expr_chain(&g, true)
        })
        .boxed();
        let block = block_parser(file, expr.clone(), item.clone(), pattern, ty.clone());
        item_parser(file, item, expr, block, ty)
    })
    .boxed();
    item_list(file, item)
}

fn type_parser<'s>(file: FileId) -> P<'s, TypeExpr> {
    recursive(move |ty| {
        let ty: P<'s, TypeExpr> = ty.boxed();
        let list = ty
            .clone()
            .separated_by(tok(Token::Comma))
            .collect::<Vec<_>>()
            .boxed();
        let args = list
            .clone()
            .delimited_by(tok(Token::Lt), tok(Token::Gt))
            .boxed();
        let named = ident(file, Lbl::Type)
            .then(tok(Token::Dot).ignore_then(ident(file, Lbl::Ident)).or_not())
            .then(args.clone().or_not())
            .map_with(move |((first, second), args), e| {
                let (module, name) = match second {
                    Some(name) => (Some(first), name),
                    None => (None, first),
                };
                TypeExpr {
                    kind: TypeExprKind::Named {
                        module,
                        name,
                        args: args.unwrap_or_default(),
                    },
                    span: sp(file, e.span()),
                }
            });
        let chan = tok(Token::Chan)
            .map_with(move |_, e| sp(file, e.span()))
            .then(args)
            .map_with(move |(kw, args), e| TypeExpr {
                kind: TypeExprKind::Named {
                    module: None,
                    name: Ident {
                        name: "chan".into(),
                        span: kw,
                    },
                    args,
                },
                span: sp(file, e.span()),
            });
        let tuple = list
            .clone()
            .delimited_by(tok(Token::LParen), tok(Token::RParen))
            .map_with(move |mut items, e| {
                let span = sp(file, e.span());
                if items.len() == 1 {
                    let mut t = items.remove(0);
                    t.span = span;
                    t
                } else {
                    TypeExpr {
                        kind: TypeExprKind::Tuple(items),
                        span,
                    }
                }
            });
        let array = ty
            .clone()
            .delimited_by(tok(Token::LBracket), tok(Token::RBracket))
            .map_with(move |t, e| TypeExpr {
                kind: TypeExprKind::Array(Box::new(t)),
                span: sp(file, e.span()),
            });
        let func = tok(Token::Fn)
            .ignore_then(list.delimited_by(tok(Token::LParen), tok(Token::RParen)))
            .then(tok(Token::Arrow).ignore_then(ty).or_not())
            .map_with(move |(params, ret), e| TypeExpr {
                kind: TypeExprKind::Fn {
                    params,
                    ret: ret.map(Box::new),
                },
                span: sp(file, e.span()),
            });
        let simple = select_ref! {
            Token::SelfType = e => TypeExpr { kind: TypeExprKind::SelfType, span: sp(file, e.span()) },
            Token::Error = e => TypeExpr { kind: TypeExprKind::Error, span: sp(file, e.span()) },
        }
        .labelled(Lbl::Type);
        let any_type = choice((named, chan, tuple, array, func, simple))
            .labelled(Lbl::Type)
            .boxed();
        guard(file, any_type)
    })
    .boxed()
}

fn pattern_parser<'s>(file: FileId) -> P<'s, Pattern> {
    recursive(move |pat| {
        let pat: P<'s, Pattern> = pat.boxed();
        let mk = move |kind: PatternKind, s: SSpan| Pattern {
            kind,
            span: sp(file, s),
        };
        let list = pat
            .clone()
            .separated_by(tok(Token::Comma))
            .collect::<Vec<_>>()
            .boxed();
        let int = tok(Token::Minus)
            .or_not()
            .then(select_ref! { Token::Int(n) => *n }.labelled(Lbl::Integer))
            .map(|(neg, n)| if neg.is_some() { n.wrapping_neg() } else { n });
        let int_or_range = int
            .clone()
            .then(
                choice((tok(Token::DotDot).to(false), tok(Token::DotDotEq).to(true)))
                    .then(int)
                    .or_not(),
            )
            .map_with(move |(start, rest), e| match rest {
                None => mk(PatternKind::Int(start), e.span()),
                Some((inclusive, end)) => mk(
                    PatternKind::Range {
                        start,
                        end,
                        inclusive,
                    },
                    e.span(),
                ),
            });
        let float = tok(Token::Minus)
            .or_not()
            .then(select_ref! { Token::Float(x) => *x }.labelled(Lbl::Literal))
            .map_with(move |(neg, x), e| {
                mk(
                    PatternKind::Float(if neg.is_some() { -x } else { x }),
                    e.span(),
                )
            });
        let simple = select_ref! {
            Token::Str(s) = e => mk(PatternKind::Str(s.clone()), e.span()),
            Token::True = e => mk(PatternKind::Bool(true), e.span()),
            Token::False = e => mk(PatternKind::Bool(false), e.span()),
            Token::Underscore = e => mk(PatternKind::Wildcard, e.span()),
            Token::Error = e => mk(PatternKind::Error, e.span()),
        }
        .labelled(Lbl::Pattern);
        // An interpolated string can never be a pattern.
        let interpolated = select_ref! { Token::StrStart(_) = e => e.span() }
            .labelled(Lbl::Pattern)
            .rewind()
            .then(custom::<_, In<'s>, (), Ex>(|inp| {
                skip_tree(inp);
                Ok(())
            }))
            .map_with(|_, e| e.span())
            .validate(move |span, _, emitter| {
                // The whole literal, not only its opening `"{`.
                emitter.emit(PErr::custom(
                    span,
                    Diagnostic::error(
                        "E0117",
                        "string interpolation is not allowed in a pattern",
                        sp(file, span),
                        "a pattern must be a plain literal",
                    ),
                ));
                mk(PatternKind::Error, span)
            });
        let paren = tok(Token::LParen).rewind().ignore_then(
            list.clone()
                .delimited_by(tok(Token::LParen), tok(Token::RParen))
                .map_with(move |mut items, e| match items.len() {
                    0 => mk(PatternKind::Unit, e.span()),
                    1 => {
                        let mut p = items.remove(0);
                        p.span = sp(file, e.span());
                        p
                    }
                    _ => mk(PatternKind::Tuple(items), e.span()),
                })
                .recover_with(via_parser(
                    skip_group(Token::LParen)
                        .map_with(move |(), e| mk(PatternKind::Error, e.span())),
                )),
        );
        let head = select_ref! {
            Token::Ident(name) = e => Ident { name: name.clone(), span: sp(file, e.span()) },
            Token::SelfType = e => Ident { name: "Self".into(), span: sp(file, e.span()) },
        }
        .labelled(Lbl::Pattern);
        let field = ident(file, Lbl::Field)
            .then(tok(Token::Colon).ignore_then(pat.clone()).or_not())
            .boxed();
        let fields = braced(sep_list(
            file,
            field,
            ListSpec {
                seps: &[Token::Comma, Token::Newline],
                sync: never,
                bad_start_help: None,
            },
            |_| true,
            None,
        ));
        enum Tail {
            Args(Vec<Pattern>),
            Fields(Vec<(Ident, Option<Pattern>)>),
        }
        let args = list
            .delimited_by(tok(Token::LParen), tok(Token::RParen))
            .map(Tail::Args);
        // `module.` before a type name: a type of an imported file.
        let qualified = head
            .then(tok(Token::Dot).ignore_then(ident(file, Lbl::Type)).or_not())
            .map(|(first, second)| match second {
                Some(name) => (Some(first), name),
                None => (None, first),
            });
        let named = qualified
            .then(
                tok(Token::ColonColon)
                    .ignore_then(ident(file, Lbl::Variant))
                    .or_not(),
            )
            .then(choice((args, fields.map(Tail::Fields))).or_not())
            .validate(move |(((module, first), second), tail), e, emitter| {
                let span = e.span();
                match (second, tail) {
                    (Some(name), tail) => {
                        let args = match tail {
                            None => Vec::new(),
                            Some(Tail::Args(a)) => a,
                            Some(Tail::Fields(_)) => {
                                emitter.emit(PErr::custom(
                                    span,
                                    Diagnostic::error(
                                        "E0117",
                                        "enum variants have no named fields",
                                        sp(file, span),
                                        "write the payload in parentheses: `Enum::Variant(x)`",
                                    ),
                                ));
                                return mk(PatternKind::Error, span);
                            }
                        };
                        mk(
                            PatternKind::Variant {
                                module,
                                enum_name: Some(first),
                                name,
                                args,
                            },
                            span,
                        )
                    }
                    (None, Some(Tail::Args(args))) => mk(
                        PatternKind::Variant {
                            module,
                            enum_name: None,
                            name: first,
                            args,
                        },
                        span,
                    ),
                    (None, Some(Tail::Fields(fields))) => mk(
                        PatternKind::Struct {
                            module,
                            name: first,
                            fields,
                        },
                        span,
                    ),
                    (None, None) => match module {
                        // `module.Name` alone: a unit variant needs its
                        // enum (`module.Enum::Name`); the checker says so.
                        Some(m) => mk(
                            PatternKind::Variant {
                                module: Some(m),
                                enum_name: None,
                                name: first,
                                args: Vec::new(),
                            },
                            span,
                        ),
                        None => mk(PatternKind::Binding(first), span),
                    },
                }
            });
        let single = choice((int_or_range, float, simple, interpolated, paren, named))
            .labelled(Lbl::Pattern)
            .boxed();
        let alternatives = single
            .separated_by(tok(Token::Pipe))
            .at_least(1)
            .collect::<Vec<_>>()
            .map_with(move |mut alts, e| {
                if alts.len() == 1 {
                    alts.remove(0)
                } else {
                    mk(PatternKind::Or(alts), e.span())
                }
            })
            .boxed();
        guard(file, alternatives)
    })
    .boxed()
}

fn assign_op<'s>() -> P<'s, Option<BinOp>> {
    select_ref! {
        Token::Eq => None,
        Token::PlusEq => Some(BinOp::Add),
        Token::MinusEq => Some(BinOp::Sub),
        Token::StarEq => Some(BinOp::Mul),
        Token::SlashEq => Some(BinOp::Div),
        Token::PercentEq => Some(BinOp::Rem),
    }
    .labelled(Lbl::Operator)
    .boxed()
}

fn invalid_target(file: FileId, target: &Expr) -> PErr {
    let s = SSpan::new(target.span.start as usize, target.span.end as usize);
    PErr::custom(
        s,
        Diagnostic::error(
            "E0114",
            "invalid assignment target",
            sp(file, s),
            "cannot assign to this expression",
        )
        .with_help("only a variable, a field (`p.x`), a tuple field (`t.0`) or an element (`a[i]`) can be assigned to"),
    )
}

fn block_parser<'s>(
    file: FileId,
    expr: P<'s, Expr>,
    item: P<'s, Item>,
    pattern: P<'s, Pattern>,
    ty: P<'s, TypeExpr>,
) -> P<'s, Block> {
    let let_stmt = select_ref! { Token::Let => false, Token::Var => true }
        .labelled(Lbl::Statement)
        .then(pattern)
        .then(tok(Token::Colon).ignore_then(ty).or_not())
        .then_ignore(tok(Token::Eq))
        .then(expr.clone())
        .map(|(((mutable, pattern), ty), value)| StmtKind::Let {
            pattern,
            mutable,
            ty,
            value,
        });
    let expr_stmt = expr.clone().then(assign_op().then(expr).or_not()).validate(
        move |(lhs, rhs), _, emitter| match rhs {
            None => StmtKind::Expr(lhs),
            Some((op, value)) => {
                if is_place(&lhs) {
                    StmtKind::Assign {
                        target: lhs,
                        op,
                        value,
                    }
                } else {
                    emitter.emit(invalid_target(file, &lhs));
                    StmtKind::Error
                }
            }
        },
    );
    let item_stmt = select_ref! { t if is_item_start(t) => () }
        .labelled(Lbl::Item)
        .rewind()
        .ignore_then(item)
        .map(|i| StmtKind::Item(Box::new(i)));
    let stmt = choice((let_stmt, item_stmt, expr_stmt))
        .labelled(Lbl::Statement)
        .map_with(move |kind, e| Stmt {
            kind,
            span: sp(file, e.span()),
        })
        .boxed();
    let stmts = sep_list(
        file,
        stmt,
        ListSpec {
            seps: &[Token::Semi, Token::Newline],
            sync: never,
            bad_start_help: None,
        },
        |s| match &s.kind {
            StmtKind::Expr(e) => !is_blocklike(e),
            StmtKind::Item(_) | StmtKind::Error => false,
            StmtKind::Let { .. } | StmtKind::Assign { .. } => true,
        },
        Some(|span| Stmt {
            kind: StmtKind::Error,
            span,
        }),
    );
    tok(Token::LBrace)
        .ignore_then(stmts)
        .then_ignore(tok(Token::RBrace))
        .map_with(move |stmts, e| Block {
            stmts,
            span: sp(file, e.span()),
        })
        .labelled(Lbl::Block)
        .boxed()
}

/// The body of a match or select arm: an expression, or an assignment
/// (which becomes a block holding it).
fn arm_body<'s>(file: FileId, expr: P<'s, Expr>) -> P<'s, Expr> {
    expr.clone()
        .then(assign_op().then(expr).or_not())
        .validate(move |(lhs, rhs), _, emitter| match rhs {
            None => lhs,
            Some((op, value)) => {
                let span = lhs.span.to(value.span);
                if !is_place(&lhs) {
                    emitter.emit(invalid_target(file, &lhs));
                    return error_expr(span);
                }
                Expr {
                    kind: ExprKind::Block(Block {
                        stmts: vec![Stmt {
                            kind: StmtKind::Assign {
                                target: lhs,
                                op,
                                value,
                            },
                            span,
                        }],
                        span,
                    }),
                    span,
                }
            }
        })
        .boxed()
}

#[derive(Clone, Copy)]
enum Pre {
    Neg,
    Not,
    Spawn,
}

enum Post {
    Call(Option<Vec<Expr>>, SSpan),
    Index(Option<Expr>, SSpan),
    Field(Ident),
    Method(Ident, Option<Vec<Expr>>, SSpan),
    TupleField(i64, SSpan),
    Try(SSpan),
}

/// The whole precedence chain, from ranges down to atoms.
fn expr_chain<'s>(g: &G<'s>, allow_struct: bool) -> P<'s, Expr> {
    let file = g.file;
    let atom = checkpoint(atom_parser(g, allow_struct));
    let postfix = checkpoint(postfix_parser(g, atom));

    // Unary prefix operators (and `spawn`, which binds like them).
    let prefix = select_ref! {
        Token::Minus = e => (Pre::Neg, e.span()),
        Token::Bang = e => (Pre::Not, e.span()),
        Token::Spawn = e => (Pre::Spawn, e.span()),
    }
    .labelled(Lbl::Expression);
    let unary = prefix
        .repeated()
        .collect::<Vec<_>>()
        .then(postfix)
        .validate(move |(ops, mut operand), e, emitter| {
            if ops.len() > MAX_CHAIN {
                emitter.emit(too_long(file, e.span()));
                return error_expr(sp(file, e.span()));
            }
            for (op, s) in ops.into_iter().rev() {
                let span = sp(file, s).to(operand.span);
                let kind = match op {
                    Pre::Neg => ExprKind::Unary(UnOp::Neg, Box::new(operand)),
                    Pre::Not => ExprKind::Unary(UnOp::Not, Box::new(operand)),
                    Pre::Spawn => match operand.kind {
                        ExprKind::Call(..)
                        | ExprKind::MethodCall(..)
                        | ExprKind::Block(_)
                        | ExprKind::Error => ExprKind::Spawn(Box::new(operand)),
                        _ => {
                            let bad =
                                SSpan::new(operand.span.start as usize, operand.span.end as usize);
                            emitter.emit(PErr::custom(
                                bad,
                                Diagnostic::error(
                                    "E0118",
                                    "`spawn` needs a function call or a block",
                                    operand.span,
                                    "this is not a call or a block",
                                )
                                .with_label(sp(file, s), "task started here")
                                .with_help("write `spawn f(args)` or `spawn { ... }`"),
                            ));
                            ExprKind::Error
                        }
                    },
                };
                operand = Expr { kind, span };
            }
            operand
        })
        .boxed();

    // All binary operators at once; precedence is applied by
    // `fold_binary` (one grammar level instead of ten keeps parsing fast).
    let binary = checkpoint(
        unary
            .clone()
            .then(binary_op().then(unary).repeated().collect::<Vec<_>>())
            .validate(move |(first, rest), e, emitter| {
                fold_binary(file, first, rest, e.span(), emitter)
            })
            .boxed(),
    );
    let range_op =
        select_ref! { Token::DotDot => false, Token::DotDotEq => true }.labelled(Lbl::Operator);
    let range = binary
        .clone()
        .then(range_op.then(binary).or_not())
        .map(|(start, rest)| match rest {
            None => start,
            Some((inclusive, end)) => {
                let span = start.span.to(end.span);
                Expr {
                    kind: ExprKind::Range {
                        start: Box::new(start),
                        end: Box::new(end),
                        inclusive,
                    },
                    span,
                }
            }
        })
        .labelled(Lbl::Expression)
        .boxed();
    guard(file, range)
}

/// Binding power of a binary operator (higher binds tighter).
fn precedence(op: BinOp) -> u8 {
    match op {
        BinOp::Or => 1,
        BinOp::And => 2,
        BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => 3,
        BinOp::BitOr => 4,
        BinOp::BitXor => 5,
        BinOp::BitAnd => 6,
        BinOp::Shl | BinOp::Shr => 7,
        BinOp::Add | BinOp::Sub => 8,
        BinOp::Mul | BinOp::Div | BinOp::Rem => 9,
    }
}

/// Any binary operator. `>>` is two adjacent `>` tokens (the lexer never
/// makes a `>>` token, so `Option<Option<int>>` closes two lists).
fn binary_op<'s>() -> P<'s, (BinOp, SSpan)> {
    custom::<_, In<'s>, (BinOp, SSpan), Ex>(|inp| {
        let before = inp.cursor();
        let tok = inp.next_ref();
        let span = inp.span_since(&before);
        let op = match tok {
            Some(Token::Star) => BinOp::Mul,
            Some(Token::Slash) => BinOp::Div,
            Some(Token::Percent) => BinOp::Rem,
            Some(Token::Plus) => BinOp::Add,
            Some(Token::Minus) => BinOp::Sub,
            Some(Token::Shl) => BinOp::Shl,
            Some(Token::Amp) => BinOp::BitAnd,
            Some(Token::Caret) => BinOp::BitXor,
            Some(Token::Pipe) => BinOp::BitOr,
            Some(Token::EqEq) => BinOp::Eq,
            Some(Token::NotEq) => BinOp::Ne,
            Some(Token::Lt) => BinOp::Lt,
            Some(Token::Le) => BinOp::Le,
            Some(Token::Ge) => BinOp::Ge,
            Some(Token::AndAnd) => BinOp::And,
            Some(Token::OrOr) => BinOp::Or,
            Some(Token::Gt) => {
                let mid = inp.cursor();
                let cp = inp.save();
                let next = inp.next_ref();
                let next_span = inp.span_since(&mid);
                if next == Some(&Token::Gt) && next_span.start == span.end {
                    return Ok((BinOp::Shr, SSpan::new(span.start, next_span.end)));
                }
                inp.rewind(cp);
                BinOp::Gt
            }
            _ => return Err(PErr::expected(fix(span), Lbl::Operator)),
        };
        Ok((op, span))
    })
    .boxed()
}

/// Builds the tree of `first (op operand)*` by precedence (all operators
/// associate to the left; comparisons do not associate: `a < b < c` is
/// error E0113).
fn fold_binary(
    file: FileId,
    first: Expr,
    rest: Vec<((BinOp, SSpan), Expr)>,
    whole: SSpan,
    emitter: &mut chumsky::input::Emitter<PErr>,
) -> Expr {
    if rest.is_empty() {
        return first;
    }
    if rest.len() > MAX_CHAIN {
        emitter.emit(too_long(file, whole));
        return error_expr(sp(file, whole));
    }
    fn is_cmp(op: BinOp) -> bool {
        precedence(op) == 3
    }
    // Operands carry the comparison that made them, if any.
    type Operand = (Expr, Option<(BinOp, SSpan)>);
    let mut operands: Vec<Operand> = vec![(first, None)];
    let mut ops: Vec<(BinOp, SSpan)> = Vec::new();
    let reduce = |operands: &mut Vec<Operand>,
                  ops: &mut Vec<(BinOp, SSpan)>,
                  emitter: &mut chumsky::input::Emitter<PErr>| {
        let (Some((op, op_span)), Some((r, r_cmp)), Some((l, l_cmp))) =
            (ops.pop(), operands.pop(), operands.pop())
        else {
            return;
        };
        let span = l.span.to(r.span);
        if is_cmp(op) {
            if let Some((first, first_span)) = l_cmp.or(r_cmp) {
                let d = Diagnostic::error(
                    "E0113",
                    "comparison operators cannot be chained",
                    sp(file, op_span),
                    format!("`{}` cannot follow another comparison", op.symbol()),
                )
                .with_label(
                    sp(file, first_span),
                    format!("first comparison `{}`", first.symbol()),
                )
                .with_help(format!(
                    "compare twice and join with `&&`: `a {} b && b {} c`",
                    first.symbol(),
                    op.symbol()
                ));
                emitter.emit(PErr::custom(op_span, d));
                operands.push((error_expr(span), None));
                return;
            }
        }
        let made = is_cmp(op).then_some((op, op_span));
        operands.push((
            Expr {
                kind: ExprKind::Binary(op, Box::new(l), Box::new(r)),
                span,
            },
            made,
        ));
    };
    for ((op, op_span), rhs) in rest {
        while ops
            .last()
            .is_some_and(|&(top, _)| precedence(top) >= precedence(op))
        {
            reduce(&mut operands, &mut ops, emitter);
        }
        ops.push((op, op_span));
        operands.push((rhs, None));
    }
    while !ops.is_empty() {
        reduce(&mut operands, &mut ops, emitter);
    }
    operands
        .pop()
        .map_or_else(|| error_expr(sp(file, whole)), |(e, _)| e)
}

fn postfix_parser<'s>(g: &G<'s>, atom: P<'s, Expr>) -> P<'s, Expr> {
    let file = g.file;
    // The lookahead keeps the recovery machinery out of the common case
    // where there is no group at all.
    let args = tok(Token::LParen)
        .rewind()
        .ignore_then(
            g.expr
                .clone()
                .separated_by(tok(Token::Comma))
                .collect::<Vec<_>>()
                .delimited_by(tok(Token::LParen), tok(Token::RParen))
                .map(Some)
                .recover_with(via_parser(skip_group(Token::LParen).to(None))),
        )
        .boxed();
    let call = args.clone().map_with(|a, e| Post::Call(a, e.span()));
    let index = tok(Token::LBracket)
        .rewind()
        .ignore_then(
            g.expr
                .clone()
                .delimited_by(tok(Token::LBracket), tok(Token::RBracket))
                .map(Some)
                .recover_with(via_parser(skip_group(Token::LBracket).to(None))),
        )
        .map_with(|i, e| Post::Index(i, e.span()));
    let member =
        ident(file, Lbl::Field)
            .then(args.or_not())
            .map_with(|(name, args), e| match args {
                Some(a) => Post::Method(name, a, e.span()),
                None => Post::Field(name),
            });
    let tuple_field =
        select_ref! { Token::Int(n) = e => Post::TupleField(*n, e.span()) }.labelled(Lbl::Field);
    let dot = tok(Token::Dot).ignore_then(choice((member, tuple_field)));
    let question = tok(Token::Question).map_with(|_, e| Post::Try(e.span()));
    let op = choice((call, index, dot, question)).labelled(Lbl::Operator);
    atom.then(op.repeated().collect::<Vec<_>>())
        .validate(move |(first, posts), e, emitter| {
            if posts.len() > MAX_CHAIN {
                emitter.emit(too_long(file, e.span()));
                return error_expr(sp(file, e.span()));
            }
            let mut x = first;
            for post in posts {
                x = match post {
                    Post::Call(Some(args), s) => {
                        let span = x.span.to(sp(file, s));
                        Expr {
                            kind: ExprKind::Call(Box::new(x), args),
                            span,
                        }
                    }
                    Post::Method(name, Some(args), s) => {
                        let span = x.span.to(sp(file, s));
                        Expr {
                            kind: ExprKind::MethodCall(Box::new(x), name, args),
                            span,
                        }
                    }
                    Post::Index(Some(i), s) => {
                        let span = x.span.to(sp(file, s));
                        Expr {
                            kind: ExprKind::Index(Box::new(x), Box::new(i)),
                            span,
                        }
                    }
                    Post::Call(None, s) | Post::Method(_, None, s) | Post::Index(None, s) => {
                        error_expr(x.span.to(sp(file, s)))
                    }
                    Post::Field(name) => {
                        let span = x.span.to(name.span);
                        Expr {
                            kind: ExprKind::Field(Box::new(x), name),
                            span,
                        }
                    }
                    Post::TupleField(n, s) => {
                        let index_span = sp(file, s);
                        let span = x.span.to(index_span);
                        match u32::try_from(n) {
                            Ok(n) => Expr {
                                kind: ExprKind::TupleField(Box::new(x), n, index_span),
                                span,
                            },
                            Err(_) => {
                                emitter.emit(PErr::custom(
                                    s,
                                    Diagnostic::error(
                                        "E0101",
                                        "invalid tuple index",
                                        index_span,
                                        "tuple fields are numbered 0, 1, 2, ...",
                                    ),
                                ));
                                error_expr(span)
                            }
                        }
                    }
                    Post::Try(s) => {
                        let span = x.span.to(sp(file, s));
                        Expr {
                            kind: ExprKind::Try(Box::new(x)),
                            span,
                        }
                    }
                };
            }
            x
        })
        .boxed()
}

fn atom_parser<'s>(g: &G<'s>, allow_struct: bool) -> P<'s, Expr> {
    let file = g.file;
    let this = if allow_struct {
        g.expr.clone()
    } else {
        g.expr_ns.clone()
    };
    let mk = move |kind: ExprKind, s: SSpan| Expr {
        kind,
        span: sp(file, s),
    };

    let literal = select_ref! {
        Token::Int(n) = e => mk(ExprKind::Int(*n), e.span()),
        Token::Float(x) = e => mk(ExprKind::Float(*x), e.span()),
        Token::True = e => mk(ExprKind::Bool(true), e.span()),
        Token::False = e => mk(ExprKind::Bool(false), e.span()),
        Token::Str(s) = e => mk(ExprKind::Str(vec![StrPart::Lit(s.clone())]), e.span()),
        Token::Break = e => mk(ExprKind::Break, e.span()),
        Token::Continue = e => mk(ExprKind::Continue, e.span()),
        Token::Error = e => mk(ExprKind::Error, e.span()),
    }
    .labelled(Lbl::Expression);

    // "a{x}b{y}c": StrStart(a) x StrMid(b) y StrEnd(c).
    let str_start = select_ref! { Token::StrStart(s) => s.clone() }.labelled(Lbl::String);
    let str_mid = select_ref! { Token::StrMid(s) => s.clone() }.labelled(Lbl::InterpolationEnd);
    let str_end = select_ref! { Token::StrEnd(s) => s.clone() }.labelled(Lbl::InterpolationEnd);
    let interpolated = str_start
        .then(g.expr.clone())
        .then(str_mid.then(g.expr.clone()).repeated().collect::<Vec<_>>())
        .then(str_end)
        .map_with(move |(((start, first), mids), end), e| {
            let mut parts = Vec::new();
            let lit = |s: String, parts: &mut Vec<StrPart>| {
                if !s.is_empty() {
                    parts.push(StrPart::Lit(s));
                }
            };
            lit(start, &mut parts);
            parts.push(StrPart::Expr(first));
            for (m, x) in mids {
                lit(m, &mut parts);
                parts.push(StrPart::Expr(x));
            }
            lit(end, &mut parts);
            mk(ExprKind::Str(parts), e.span())
        });

    let paren = tok(Token::LParen).rewind().ignore_then(
        g.expr
            .clone()
            .separated_by(tok(Token::Comma))
            .collect::<Vec<_>>()
            .delimited_by(tok(Token::LParen), tok(Token::RParen))
            .map_with(move |mut items, e| match items.len() {
                0 => mk(ExprKind::Unit, e.span()),
                1 => {
                    let mut x = items.remove(0);
                    x.span = sp(file, e.span());
                    x
                }
                _ => mk(ExprKind::Tuple(items), e.span()),
            })
            .recover_with(via_parser(
                skip_group(Token::LParen).map_with(move |(), e| mk(ExprKind::Error, e.span())),
            )),
    );

    enum BracketTail {
        Repeat(Expr),
        Map(Expr, Vec<(Expr, Expr)>),
        Array(Vec<Expr>),
    }
    let e = g.expr.clone();
    let bracket_tail = choice((
        tok(Token::Semi)
            .ignore_then(e.clone())
            .map(BracketTail::Repeat),
        tok(Token::Colon)
            .ignore_then(e.clone())
            .then(
                tok(Token::Comma)
                    .ignore_then(e.clone().then_ignore(tok(Token::Colon)).then(e.clone()))
                    .repeated()
                    .collect::<Vec<_>>(),
            )
            .map(|(v, rest)| BracketTail::Map(v, rest)),
        tok(Token::Comma)
            .ignore_then(e.clone())
            .repeated()
            .collect::<Vec<_>>()
            .map(BracketTail::Array),
    ));
    let bracket = tok(Token::LBracket).rewind().ignore_then(
        tok(Token::LBracket)
            .ignore_then(choice((
                tok(Token::RBracket).to(ExprKind::Array(Vec::new())),
                tok(Token::Colon)
                    .then(tok(Token::RBracket))
                    .to(ExprKind::Map(Vec::new())),
                e.clone()
                    .then(bracket_tail)
                    .then_ignore(tok(Token::RBracket))
                    .map(|(first, tail)| match tail {
                        BracketTail::Repeat(n) => {
                            ExprKind::ArrayRepeat(Box::new(first), Box::new(n))
                        }
                        BracketTail::Map(v, rest) => {
                            let mut pairs = vec![(first, v)];
                            pairs.extend(rest);
                            ExprKind::Map(pairs)
                        }
                        BracketTail::Array(rest) => {
                            let mut items = vec![first];
                            items.extend(rest);
                            ExprKind::Array(items)
                        }
                    }),
            )))
            .map_with(move |kind, e| mk(kind, e.span()))
            .recover_with(via_parser(
                skip_group(Token::LBracket).map_with(move |(), e| mk(ExprKind::Error, e.span())),
            )),
    );

    let block = g.block.clone().map(|b| Expr {
        span: b.span,
        kind: ExprKind::Block(b),
    });
    // A block after `if cond`, `while cond`, ... may start on the next line.
    let head_block = tok(Token::Newline)
        .or_not()
        .ignore_then(g.block.clone())
        .boxed();

    let if_expr = recursive({
        let (ns, head_block, blk) = (g.expr_ns.clone(), head_block.clone(), g.block.clone());
        move |if_expr| {
            let if_expr: P<'s, Expr> = if_expr.boxed();
            let otherwise = tok(Token::Else).ignore_then(choice((
                if_expr,
                tok(Token::Newline).or_not().ignore_then(blk).map(|b| Expr {
                    span: b.span,
                    kind: ExprKind::Block(b),
                }),
            )));
            let body = tok(Token::If)
                .ignore_then(ns)
                .then(head_block)
                .then(otherwise.or_not())
                .map_with(move |((cond, then), otherwise), e| {
                    mk(
                        ExprKind::If {
                            cond: Box::new(cond),
                            then,
                            otherwise: otherwise.map(Box::new),
                        },
                        e.span(),
                    )
                })
                .boxed();
            guard(file, body)
        }
    });
    let while_expr = tok(Token::While)
        .ignore_then(g.expr_ns.clone())
        .then(head_block.clone())
        .map_with(move |(cond, body), e| {
            mk(
                ExprKind::While {
                    cond: Box::new(cond),
                    body,
                },
                e.span(),
            )
        });
    let loop_expr = tok(Token::Loop)
        .ignore_then(head_block.clone())
        .map_with(move |body, e| mk(ExprKind::Loop(body), e.span()));
    let for_expr = tok(Token::For)
        .ignore_then(g.pattern.clone())
        .then_ignore(tok(Token::In))
        .then(g.expr_ns.clone())
        .then(head_block)
        .map_with(move |((pattern, iter), body), e| {
            mk(
                ExprKind::For {
                    pattern,
                    iter: Box::new(iter),
                    body,
                },
                e.span(),
            )
        });

    let body = arm_body(file, g.expr.clone());
    let match_arm = g
        .pattern
        .clone()
        .then(tok(Token::If).ignore_then(g.expr.clone()).or_not())
        .then_ignore(tok(Token::FatArrow))
        .then(body.clone())
        .map_with(move |((pattern, guard), body), e| MatchArm {
            pattern,
            guard,
            body,
            span: sp(file, e.span()),
        })
        .boxed();
    let arm_spec = || ListSpec {
        seps: &[Token::Comma, Token::Semi, Token::Newline],
        sync: never,
        bad_start_help: None,
    };
    let match_arms = braced(sep_list(
        file,
        match_arm,
        arm_spec(),
        |a| !is_blocklike(&a.body),
        Some(|span| MatchArm {
            pattern: Pattern {
                kind: PatternKind::Error,
                span,
            },
            guard: None,
            body: error_expr(span),
            span,
        }),
    ));
    let match_expr = tok(Token::Match)
        .ignore_then(g.expr_ns.clone())
        .then(match_arms)
        .map_with(move |(scrutinee, arms), e| {
            mk(
                ExprKind::Match {
                    scrutinee: Box::new(scrutinee),
                    arms,
                },
                e.span(),
            )
        });

    let select_op = choice((
        tok(Token::Let)
            .ignore_then(g.pattern.clone())
            .then_ignore(tok(Token::Eq))
            .then(g.expr.clone())
            .map(|(p, e)| SelectOp::Let(p, e)),
        tok(Token::Underscore).to(SelectOp::Default),
        g.expr.clone().map(SelectOp::Expr),
    ));
    let select_arm = select_op
        .then_ignore(tok(Token::FatArrow))
        .then(body)
        .map_with(move |(op, body), e| SelectArm {
            op,
            body,
            span: sp(file, e.span()),
        })
        .boxed();
    let select_arms = braced(sep_list(
        file,
        select_arm,
        arm_spec(),
        |a| !is_blocklike(&a.body),
        Some(|span| SelectArm {
            op: SelectOp::Expr(error_expr(span)),
            body: error_expr(span),
            span,
        }),
    ));
    let select_expr = tok(Token::Select)
        .ignore_then(select_arms)
        .map_with(move |arms, e| mk(ExprKind::Select(arms), e.span()));

    // Closures: `|a, b: int| body`, `|| body`, `|x| -> T { block }`.
    let param = select_ref! {
        Token::Ident(name) = e => Ident { name: name.clone(), span: sp(file, e.span()) },
        Token::Underscore = e => Ident { name: "_".into(), span: sp(file, e.span()) },
    }
    .labelled(Lbl::Param)
    .then(tok(Token::Colon).ignore_then(g.ty.clone()).or_not())
    .map(|(name, ty)| ClosureParam { name, ty });
    let params = choice((
        tok(Token::OrOr).to(Vec::new()),
        param
            .separated_by(tok(Token::Comma))
            .collect::<Vec<_>>()
            .delimited_by(tok(Token::Pipe), tok(Token::Pipe)),
    ));
    let closure = params
        .then(choice((
            tok(Token::Arrow)
                .ignore_then(g.ty.clone())
                .then(tok(Token::Newline).or_not().ignore_then(g.block.clone()))
                .map(|(ret, b)| {
                    (
                        Some(ret),
                        Expr {
                            span: b.span,
                            kind: ExprKind::Block(b),
                        },
                    )
                }),
            this.clone().map(|body| (None, body)),
        )))
        .map_with(move |(params, (ret, body)), e| {
            mk(
                ExprKind::Closure {
                    params,
                    ret,
                    body: Box::new(body),
                },
                e.span(),
            )
        });

    let ret = tok(Token::Return)
        .ignore_then(this.or_not())
        .map_with(move |value, e| mk(ExprKind::Return(value.map(Box::new)), e.span()));

    let chan = tok(Token::Chan)
        .ignore_then(tok(Token::Lt))
        .ignore_then(g.ty.clone())
        .then_ignore(tok(Token::Gt))
        .then(
            g.expr
                .clone()
                .or_not()
                .delimited_by(tok(Token::LParen), tok(Token::RParen)),
        )
        .map_with(move |(elem, capacity), e| {
            mk(
                ExprKind::Chan {
                    elem,
                    capacity: capacity.map(Box::new),
                },
                e.span(),
            )
        });

    // Names, `Type::name` paths and (where allowed) struct literals
    // `Name { .. }` / `module.Name { .. }`, parsed from one name.
    let name = select_ref! {
        Token::Ident(n) = e => Ident { name: n.clone(), span: sp(file, e.span()) },
        Token::SelfValue = e => Ident { name: "self".into(), span: sp(file, e.span()) },
        Token::SelfType = e => Ident { name: "Self".into(), span: sp(file, e.span()) },
    }
    .labelled(Lbl::Expression)
    .boxed();
    enum NameTail {
        Path(Ident),
        /// `.Type::name` after a module name.
        QualPath(Ident, Ident),
        Struct(Option<Ident>, Vec<(Ident, Option<Expr>)>),
    }
    let path_tail = tok(Token::ColonColon)
        .ignore_then(ident(file, Lbl::Ident))
        .map(NameTail::Path);
    // `module.Type::name`: tried before `module.field` is left to the
    // postfix operators, which it falls back to when no `::` follows.
    let qual_path_tail = tok(Token::Dot)
        .ignore_then(ident(file, Lbl::Ident))
        .then_ignore(tok(Token::ColonColon))
        .then(ident(file, Lbl::Ident))
        .map(|(ty, name)| NameTail::QualPath(ty, name));
    let field_init = ident(file, Lbl::Field)
        .then(tok(Token::Colon).ignore_then(g.expr.clone()).or_not())
        .boxed();
    let field_inits = tok(Token::LBrace)
        .ignore_then(sep_list(
            file,
            field_init,
            ListSpec {
                seps: &[Token::Comma, Token::Newline],
                sync: never,
                bad_start_help: None,
            },
            |_| true,
            None,
        ))
        .then_ignore(tok(Token::RBrace));
    let struct_tail = tok(Token::Dot)
        .ignore_then(ident(file, Lbl::Ident))
        .or_not()
        .then(field_inits)
        .map(|(second, fields)| NameTail::Struct(second, fields));
    let tail: P<'s, NameTail> = if allow_struct {
        choice((path_tail, qual_path_tail, struct_tail)).boxed()
    } else {
        choice((path_tail, qual_path_tail)).boxed()
    };
    let name_like = name.then(tail.or_not()).map_with(move |(first, tail), e| {
        let kind = match tail {
            None => ExprKind::Name(first),
            Some(NameTail::Path(second)) => ExprKind::Path(None, first, second),
            Some(NameTail::QualPath(ty, name)) => ExprKind::Path(Some(first), ty, name),
            Some(NameTail::Struct(None, fields)) => ExprKind::StructLit {
                module: None,
                name: first,
                fields,
            },
            Some(NameTail::Struct(Some(second), fields)) => ExprKind::StructLit {
                module: Some(first),
                name: second,
                fields,
            },
        };
        mk(kind, e.span())
    });

    let mut atoms: Vec<P<'s, Expr>> =
        vec![literal.boxed(), name_like.boxed(), interpolated.boxed()];
    atoms.extend([
        paren.boxed(),
        bracket.boxed(),
        block.boxed(),
        if_expr.boxed(),
        while_expr.boxed(),
        loop_expr.boxed(),
        for_expr.boxed(),
        match_expr.boxed(),
        select_expr.boxed(),
        closure.boxed(),
        ret.boxed(),
        chan.boxed(),
    ]);
    choice(atoms).labelled(Lbl::Expression).boxed()
}

#[derive(Clone)]
enum Par {
    SelfP(SelfParam),
    Normal(Param),
}

fn item_parser<'s>(
    file: FileId,
    item: P<'s, Item>,
    expr: P<'s, Expr>,
    block: P<'s, Block>,
    ty: P<'s, TypeExpr>,
) -> P<'s, Item> {
    let name = ident(file, Lbl::Ident);
    let generics = name
        .clone()
        .separated_by(tok(Token::Comma))
        .collect::<Vec<_>>()
        .delimited_by(tok(Token::Lt), tok(Token::Gt))
        .boxed();
    let body = tok(Token::Newline).or_not().ignore_then(block);

    let self_param = tok(Token::Var)
        .or_not()
        .then(tok(Token::SelfValue))
        .map_with(move |(v, _), e| {
            Par::SelfP(SelfParam {
                mutable: v.is_some(),
                span: sp(file, e.span()),
            })
        });
    let normal_param = tok(Token::Var)
        .or_not()
        .then(ident(file, Lbl::Param))
        .then_ignore(tok(Token::Colon))
        .then(ty.clone())
        .map_with(move |((v, name), ty), e| {
            Par::Normal(Param {
                name,
                ty,
                mutable: v.is_some(),
                span: sp(file, e.span()),
            })
        });
    let params = choice((self_param, normal_param))
        .labelled(Lbl::Param)
        .separated_by(tok(Token::Comma))
        .collect::<Vec<_>>()
        .delimited_by(tok(Token::LParen), tok(Token::RParen))
        .map(Some)
        .recover_with(via_parser(skip_group(Token::LParen).to(None)));
    let fn_decl = tok(Token::Fn)
        .ignore_then(name.clone())
        .then(generics.clone().or_not())
        .then(params)
        .then(tok(Token::Arrow).ignore_then(ty.clone()).or_not())
        .then(body)
        .validate(
            move |((((name, generics), params), ret), body), _, emitter| {
                let mut self_param = None;
                let mut out = Vec::new();
                for (i, p) in params.into_iter().flatten().enumerate() {
                    match p {
                        Par::SelfP(s) if i == 0 => self_param = Some(s),
                        Par::SelfP(s) => {
                            let ss = SSpan::new(s.span.start as usize, s.span.end as usize);
                            emitter.emit(PErr::custom(
                                ss,
                                Diagnostic::error(
                                    "E0115",
                                    "`self` must be the first parameter",
                                    s.span,
                                    "`self` is not first here",
                                ),
                            ));
                        }
                        Par::Normal(p) => out.push(p),
                    }
                }
                ItemKind::Fn(FnDecl {
                    name,
                    generics: generics.unwrap_or_default(),
                    self_param,
                    params: out,
                    ret,
                    body,
                })
            },
        );

    let const_decl = tok(Token::Const)
        .ignore_then(name.clone())
        .then(tok(Token::Colon).ignore_then(ty.clone()).or_not())
        .then_ignore(tok(Token::Eq))
        .then(expr)
        .map(|((name, ty), value)| ItemKind::Const(ConstDecl { name, ty, value }));

    let field = ident(file, Lbl::Field)
        .then_ignore(tok(Token::Colon))
        .then(ty.clone())
        .map_with(move |(name, ty), e| FieldDecl {
            name,
            ty,
            span: sp(file, e.span()),
        })
        .boxed();
    let decl_spec = || ListSpec {
        seps: &[Token::Comma, Token::Newline],
        sync: never,
        bad_start_help: None,
    };
    let struct_decl = tok(Token::Struct)
        .ignore_then(name.clone())
        .then(generics.clone().or_not())
        .then(braced(sep_list(file, field, decl_spec(), |_| true, None)))
        .map(|((name, generics), fields)| {
            ItemKind::Struct(StructDecl {
                name,
                generics: generics.unwrap_or_default(),
                fields,
            })
        });

    let variant = ident(file, Lbl::Variant)
        .then(
            ty.clone()
                .separated_by(tok(Token::Comma))
                .collect::<Vec<_>>()
                .delimited_by(tok(Token::LParen), tok(Token::RParen))
                .or_not(),
        )
        .map_with(move |(name, fields), e| VariantDecl {
            name,
            fields: fields.unwrap_or_default(),
            span: sp(file, e.span()),
        })
        .boxed();
    let enum_decl = tok(Token::Enum)
        .ignore_then(name.clone())
        .then(generics.clone().or_not())
        .then(braced(sep_list(file, variant, decl_spec(), |_| true, None)))
        .map(|((name, generics), variants)| {
            ItemKind::Enum(EnumDecl {
                name,
                generics: generics.unwrap_or_default(),
                variants,
            })
        });

    let target_args = ty
        .clone()
        .separated_by(tok(Token::Comma))
        .collect::<Vec<_>>()
        .delimited_by(tok(Token::Lt), tok(Token::Gt));
    // `impl<T> [T]` names the array type by its element type; only the
    // stdlib may write it (the checker refuses it elsewhere, E0430).
    let array_target = ty
        .clone()
        .delimited_by(tok(Token::LBracket), tok(Token::RBracket))
        .map_with(move |elem, e| {
            let target = Ident {
                name: ARRAY_TARGET.to_string(),
                span: sp(file, e.span()),
            };
            (target, Some(vec![elem]))
        });
    let impl_decl = tok(Token::Impl)
        .ignore_then(generics.or_not())
        .then(choice((
            name.clone().then(target_args.or_not()),
            array_target,
        )))
        .map(|(generics, (target, args))| ((generics, target), args))
        .then(braced(item_list(file, item)))
        .validate(
            move |(((generics, target), target_args), items), _, emitter| {
                let items = items
                    .into_iter()
                    .map(|it| match it.kind {
                        ItemKind::Fn(_) | ItemKind::Error => it,
                        _ => {
                            let s = SSpan::new(it.span.start as usize, it.span.end as usize);
                            emitter.emit(PErr::custom(
                                s,
                                Diagnostic::error(
                                    "E0116",
                                    "only functions can be declared inside `impl`",
                                    it.span,
                                    "not a function",
                                )
                                .with_help("move this declaration out of the `impl` block"),
                            ));
                            Item {
                                kind: ItemKind::Error,
                                ..it
                            }
                        }
                    })
                    .collect();
                ItemKind::Impl(ImplDecl {
                    generics: generics.unwrap_or_default(),
                    target,
                    target_args: target_args.unwrap_or_default(),
                    items,
                })
            },
        );

    let import = tok(Token::Import).ignore_then(name).map(ItemKind::Import);

    tok(Token::Pub)
        .or_not()
        .then(choice((
            fn_decl.boxed(),
            const_decl.boxed(),
            struct_decl.boxed(),
            enum_decl.boxed(),
            impl_decl.boxed(),
            import.boxed(),
        )))
        .map_with(move |(is_pub, kind), e| {
            let span = e.span();
            let doc = e.state().docs.get(&span.start).cloned();
            Item {
                kind,
                is_pub: is_pub.is_some(),
                doc,
                span: sp(file, span),
            }
        })
        .labelled(Lbl::Item)
        .boxed()
}
