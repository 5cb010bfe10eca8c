//! The location table: where each runtime call that can panic sits in the
//! source.
//!
//! Consumes spans and the [`SourceMap`]; produces the `Vec<SourceLoc>` that
//! becomes `ProgramInfo::locations`. Generated code passes an index into
//! this table (`loc`) to every runtime function that can panic, so a panic
//! message can say `FILE:LINE:COL` without the code carrying strings.
//! Entries are deduplicated by span start, so two checks of one expression
//! share an index.
//!
//! Calls of Kriti functions carry their location differently, for stack
//! traces: the call instruction's Cranelift source location is an index
//! into a second table of (scope, location) pairs ([`LocationTable::call_srcloc`]),
//! which Cranelift reports back as code ranges once the function is
//! compiled; [`LocationTable::call_sites`] turns those into the
//! `kriti_runtime::CallSite`s of the function. (A scope is a function's own
//! body or a body inlined into it; see `kriti_runtime::trace`.)

use std::collections::HashMap;
use std::sync::Arc;

use cranelift_codegen::ir;
use cranelift_codegen::{Final, MachSrcLoc};
use kriti_runtime::{CallSite, SourceLoc};

use crate::span::{FileId, SourceMap, Span};

pub(crate) struct LocationTable<'s> {
    sources: &'s SourceMap,
    index: HashMap<(FileId, u32), i64>,
    /// One shared path string per file.
    paths: HashMap<FileId, Arc<str>>,
    locations: Vec<SourceLoc>,
    /// The (scope, location) of each call, by the index its source
    /// location holds, and that index by pair.
    calls: Vec<(u32, u32)>,
    call_index: HashMap<(u32, u32), u32>,
}

impl<'s> LocationTable<'s> {
    pub fn new(sources: &'s SourceMap) -> Self {
        LocationTable {
            sources,
            index: HashMap::new(),
            paths: HashMap::new(),
            locations: Vec::new(),
            calls: Vec::new(),
            call_index: HashMap::new(),
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

    /// The Cranelift source location that marks a call at location `loc`
    /// (an index from [`LocationTable::loc`]) in scope `scope`.
    pub fn call_srcloc(&mut self, scope: u32, loc: i64) -> ir::SourceLoc {
        // An index that does not fit (never: a table that large could not
        // be built) leaves the call unmarked rather than marked wrongly.
        let Ok(loc) = u32::try_from(loc) else {
            return ir::SourceLoc::default();
        };
        let next = self.calls.len();
        let index = *self.call_index.entry((scope, loc)).or_insert_with(|| {
            self.calls.push((scope, loc));
            u32::try_from(next).unwrap_or(u32::MAX)
        });
        if index == u32::MAX {
            return ir::SourceLoc::default();
        }
        ir::SourceLoc::new(index)
    }

    /// The call sites of a compiled function, from its source-location
    /// ranges (sorted by offset, not overlapping). Only calls are marked;
    /// the ranges of unmarked code are skipped.
    pub fn call_sites(&self, ranges: &[MachSrcLoc<Final>]) -> Vec<CallSite> {
        ranges
            .iter()
            .filter(|r| !r.loc.is_default() && r.start < r.end)
            .filter_map(|r| {
                let &(scope, loc) = self.calls.get(r.loc.bits() as usize)?;
                Some(CallSite {
                    start: r.start,
                    end: r.end,
                    loc,
                    scope,
                })
            })
            .collect()
    }

    pub fn finish(self) -> Vec<SourceLoc> {
        self.locations
    }

    /// The table without its source map, to be resumed later (the REPL
    /// compiles each input against a source map that has grown).
    pub fn into_parts(self) -> LocationParts {
        LocationParts {
            index: self.index,
            paths: self.paths,
            locations: self.locations,
            calls: self.calls,
            call_index: self.call_index,
        }
    }

    /// A table that continues `parts`, so indices baked into code compiled
    /// earlier stay valid.
    pub fn resume(sources: &'s SourceMap, parts: LocationParts) -> Self {
        LocationTable {
            sources,
            index: parts.index,
            paths: parts.paths,
            locations: parts.locations,
            calls: parts.calls,
            call_index: parts.call_index,
        }
    }
}

/// A [`LocationTable`] between two uses ([`LocationTable::into_parts`]).
#[derive(Default)]
pub(crate) struct LocationParts {
    index: HashMap<(FileId, u32), i64>,
    paths: HashMap<FileId, Arc<str>>,
    pub locations: Vec<SourceLoc>,
    calls: Vec<(u32, u32)>,
    call_index: HashMap<(u32, u32), u32>,
}
