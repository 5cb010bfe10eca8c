//! The location table: where each runtime call that can panic sits in the
//! source.
//!
//! Consumes spans and the [`SourceMap`]; produces the `Vec<SourceLoc>` that
//! becomes `ProgramInfo::locations`. Generated code passes an index into
//! this table (`loc`) to every runtime function that can panic, so a panic
//! message can say `FILE:LINE:COL` without the code carrying strings.
//! Entries are deduplicated by span start, so two checks of one expression
//! share an index.

use std::collections::HashMap;
use std::sync::Arc;

use kriti_runtime::SourceLoc;

use crate::span::{FileId, SourceMap, Span};

pub(crate) struct LocationTable<'s> {
    sources: &'s SourceMap,
    index: HashMap<(FileId, u32), i64>,
    /// One shared path string per file.
    paths: HashMap<FileId, Arc<str>>,
    locations: Vec<SourceLoc>,
}

impl<'s> LocationTable<'s> {
    pub fn new(sources: &'s SourceMap) -> Self {
        LocationTable {
            sources,
            index: HashMap::new(),
            paths: HashMap::new(),
            locations: Vec::new(),
        }
    }

    /// The index of the location where `span` starts, adding it if new.
    pub fn loc(&mut self, span: Span) -> i64 {
        if let Some(&i) = self.index.get(&(span.file, span.start)) {
            return i;
        }
        let file = self.sources.file(span.file);
        let path = self
            .paths
            .entry(span.file)
            .or_insert_with(|| Arc::from(file.path.as_str()))
            .clone();
        let (line, col) = file.line_col(span.start as usize);
        let i = self.locations.len() as i64;
        self.locations.push(SourceLoc {
            file: path,
            line,
            col,
        });
        self.index.insert((span.file, span.start), i);
        i
    }

    pub fn finish(self) -> Vec<SourceLoc> {
        self.locations
    }
}
