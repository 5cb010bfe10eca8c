//! Diagnostics are data: every stage pushes [`Diagnostic`]s into a list, and
//! they are rendered once, with ariadne, by [`render`].
//!
//! Codes are stable identifiers users can search for: `E01xx` lexical and
//! syntax errors, `E02xx` name resolution, `E03xx` types, `E04xx` other
//! semantic checks.

use crate::span::{SourceMap, Span};

/// One labelled span of a diagnostic.
#[derive(Clone, Debug)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

/// An error found in the user's program.
#[derive(Clone, Debug)]
pub struct Diagnostic {
    pub code: &'static str,
    pub message: String,
    /// Where the error is; the main label.
    pub primary: Label,
    /// Related places (a declaration site, the other branch of an `if`...).
    pub secondary: Vec<Label>,
    /// A hint shown under the source ("did you mean `count`?").
    pub help: Option<String>,
}

impl Diagnostic {
    /// An error with a main span and its label text.
    pub fn error(
        code: &'static str,
        message: impl Into<String>,
        span: Span,
        label: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic {
            code,
            message: message.into(),
            primary: Label {
                span,
                message: label.into(),
            },
            secondary: Vec::new(),
            help: None,
        }
    }

    /// Adds a related place.
    pub fn with_label(mut self, span: Span, message: impl Into<String>) -> Diagnostic {
        self.secondary.push(Label {
            span,
            message: message.into(),
        });
        self
    }

    /// Adds a hint.
    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }
}

/// Renders diagnostics as ariadne reports, in source order per file.
/// `color` should be true only when the output is a terminal.
pub fn render(diagnostics: &[Diagnostic], sources: &SourceMap, color: bool) -> String {
    let mut out = Vec::new();
    // One cache for all reports: building it copies every source file.
    let mut cache = ariadne::sources(
        sources
            .files()
            .map(|(_, f)| (f.path.clone(), f.text.clone())),
    );
    for d in diagnostics {
        render_one(d, sources, &mut cache, color, &mut out);
    }
    String::from_utf8_lossy(&out).into_owned()
}

type AriadneSpan = (String, std::ops::Range<usize>);

fn render_one(
    d: &Diagnostic,
    sources: &SourceMap,
    cache: &mut impl ariadne::Cache<String>,
    color: bool,
    out: &mut Vec<u8>,
) {
    use ariadne::{Color, Config, IndexType, Label as ALabel, Report, ReportKind};
    let clamp = |span: Span| -> AriadneSpan {
        let f = sources.file(span.file);
        let len = f.text.len();
        let mut start = (span.start as usize).min(len);
        let mut end = (span.end as usize).min(len).max(start);
        while start > 0 && !f.text.is_char_boundary(start) {
            start -= 1;
        }
        while end < len && !f.text.is_char_boundary(end) {
            end += 1;
        }
        (f.path.clone(), start..end)
    };
    let config = Config::default()
        .with_color(color)
        .with_index_type(IndexType::Byte);
    // ariadne draws labels in one snippet only when they come in source
    // order, so order them by position.
    let mut labels: Vec<(&Label, Color)> = std::iter::once((&d.primary, Color::Red))
        .chain(d.secondary.iter().map(|l| (l, Color::Blue)))
        .collect();
    labels.sort_by_key(|(l, _)| (l.span.file, l.span.start));
    let mut report = Report::build(ReportKind::Error, clamp(d.primary.span))
        .with_config(config)
        .with_code(d.code)
        .with_message(&d.message);
    for (order, (l, color)) in labels.into_iter().enumerate() {
        report = report.with_label(
            ALabel::new(clamp(l.span))
                .with_message(&l.message)
                .with_color(color)
                .with_order(order as i32),
        );
    }
    if let Some(help) = &d.help {
        report = report.with_help(help);
    }
    let _ = report.finish().write(&mut *cache, &mut *out);
}
