//! The module loader: from the main file, follows `import` items to the
//! files they name, decodes and parses each file once, and lists the
//! modules so that every module comes after the modules it imports.
//!
//! Consumes the main file's path and bytes and a [`Loader`]; produces the
//! parsed modules (each file added to the [`SourceMap`], so diagnostics and
//! panics point into the right file) and the diagnostics of loading and
//! parsing. It does no IO itself: the caller's [`Loader`] turns a path into
//! bytes (the CLI reads files; an embedding host or the REPL may serve
//! sources from memory, or refuse imports). It resolves no names: which
//! items a module may use is the checker's business.
//!
//! `import geometry` in `dir/main.kr` names `dir/geometry.kr`: the file
//! beside the importing one. Since an import names a file, not a path, every
//! module of a program lives in the main file's directory, and a module's
//! name (its file stem) identifies it. A module is identified by the path
//! text the loader was asked for, so a module imported from several files
//! (a diamond) is loaded and parsed once. An import that reaches a file
//! still being loaded closes a cycle (importing the main file is one too).
//!
//! | code | error |
//! |---|---|
//! | E0420 | an imported file that cannot be loaded |
//! | E0423 | an import cycle (`a.kr -> b.kr -> a.kr`) |
//! | E0424 | a module imported twice in one file |

use crate::diagnostics::Diagnostic;
use crate::span::{FileId, SourceMap, Span};
use crate::syntax::ast::{self, ItemKind};
use std::collections::HashMap;

/// Supplies the source of an imported file.
pub trait Loader {
    /// The contents of the file at `path`, or a short reason why there are
    /// none (shown in the diagnostic at the `import`).
    fn load(&mut self, path: &str) -> Result<Vec<u8>, String>;
}

/// Any closure from a path to bytes is a loader.
impl<F: FnMut(&str) -> Result<Vec<u8>, String>> Loader for F {
    fn load(&mut self, path: &str) -> Result<Vec<u8>, String> {
        self(path)
    }
}

/// A loader with no files: every import fails. [`crate::frontend`] uses it
/// for a program that is one file.
pub struct NoImports;

impl Loader for NoImports {
    fn load(&mut self, _path: &str) -> Result<Vec<u8>, String> {
        Err("imports are not available here".to_string())
    }
}

/// One parsed source file of a program.
#[derive(Debug)]
pub struct ParsedModule {
    /// The name other files import it by: its file stem.
    pub name: String,
    pub file: FileId,
    pub ast: ast::Module,
    /// The modules this one imports: the name as written at the `import`,
    /// and the imported module's index in [`Loaded::modules`].
    pub imports: Vec<(ast::Ident, usize)>,
}

/// Every module of a program, dependencies first; the main file is last.
#[derive(Debug, Default)]
pub struct Loaded {
    pub modules: Vec<ParsedModule>,
    /// Load and syntax errors of every file.
    pub diagnostics: Vec<Diagnostic>,
}

/// Loads the program whose main file is `path` with contents `bytes`,
/// following its imports through `loader`; adds every file to `sources`.
pub fn load(path: &str, bytes: &[u8], loader: &mut dyn Loader, sources: &mut SourceMap) -> Loaded {
    let mut state = State {
        loader,
        sources,
        loaded: Loaded::default(),
        by_path: HashMap::new(),
        stack: Vec::new(),
    };
    state.visit(path.to_string(), file_stem(path).to_string(), bytes);
    state.loaded
}

struct State<'a> {
    loader: &'a mut dyn Loader,
    sources: &'a mut SourceMap,
    loaded: Loaded,
    /// Modules already loaded, by path: their index in `loaded.modules`.
    by_path: HashMap<String, usize>,
    /// The paths being loaded, the outermost first (a path met again while
    /// it is here closes a cycle).
    stack: Vec<String>,
}

impl State<'_> {
    /// Adds, parses and (recursively) imports one file; returns its index.
    fn visit(&mut self, path: String, name: String, bytes: &[u8]) -> usize {
        let (text, utf8_error) = match std::str::from_utf8(bytes) {
            Ok(s) => (s.to_string(), None),
            Err(e) => (
                String::from_utf8_lossy(bytes).into_owned(),
                Some(e.valid_up_to()),
            ),
        };
        let file = self.sources.add(path.clone(), text);
        let module = match utf8_error {
            Some(at) => {
                let diag = invalid_utf8(file, self.sources, at);
                self.loaded.diagnostics.push(diag);
                ast::Module::default()
            }
            None => {
                let (module, diags) =
                    crate::syntax::parser::parse(file, &self.sources.file(file).text);
                self.loaded.diagnostics.extend(diags);
                module
            }
        };
        self.stack.push(path.clone());
        let mut imports: Vec<(ast::Ident, usize)> = Vec::new();
        for item in &module.items {
            let ItemKind::Import(id) = &item.kind else {
                continue;
            };
            if let Some((first, _)) = imports.iter().find(|(i, _)| i.name == id.name) {
                let first = first.span;
                self.loaded.diagnostics.push(
                    Diagnostic::error(
                        "E0424",
                        format!("module `{}` is imported more than once", id.name),
                        id.span,
                        "imported again here",
                    )
                    .with_label(first, "first imported here")
                    .with_help("remove this `import`"),
                );
                continue;
            }
            if let Some(index) = self.import(&path, id) {
                imports.push((id.clone(), index));
            }
        }
        self.stack.pop();
        let index = self.loaded.modules.len();
        self.loaded.modules.push(ParsedModule {
            name,
            file,
            ast: module,
            imports,
        });
        self.by_path.insert(path, index);
        index
    }

    /// Follows `import id` in the file at `from`; reports a cycle or a
    /// file that cannot be loaded.
    fn import(&mut self, from: &str, id: &ast::Ident) -> Option<usize> {
        let target = sibling(from, &id.name);
        if let Some(at) = self.stack.iter().position(|p| *p == target) {
            let cycle: Vec<&str> = self.stack[at..]
                .iter()
                .map(|p| file_name(p))
                .chain([file_name(&target)])
                .collect();
            self.loaded.diagnostics.push(
                Diagnostic::error(
                    "E0423",
                    format!("import cycle: {}", cycle.join(" -> ")),
                    id.span,
                    "this import closes the cycle",
                )
                .with_help(
                    "modules may not import each other; move what they share into a third module",
                ),
            );
            return None;
        }
        if let Some(&index) = self.by_path.get(&target) {
            return Some(index);
        }
        match self.loader.load(&target) {
            Ok(bytes) => Some(self.visit(target, id.name.clone(), &bytes)),
            Err(reason) => {
                self.loaded.diagnostics.push(Diagnostic::error(
                    "E0420",
                    format!("cannot find module `{}`", id.name),
                    id.span,
                    format!("cannot read `{target}`: {reason}"),
                ));
                None
            }
        }
    }
}

/// The path of the module `name` beside the file at `path`.
pub fn sibling(path: &str, name: &str) -> String {
    match path.rfind('/') {
        Some(slash) => format!("{}/{name}.kr", &path[..slash]),
        None => format!("{name}.kr"),
    }
}

/// The last component of a path.
fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// A file's name without its directory and `.kr` extension.
fn file_stem(path: &str) -> &str {
    let name = file_name(path);
    name.strip_suffix(".kr").unwrap_or(name)
}

/// The error for a file that is not UTF-8.
pub fn invalid_utf8(file: FileId, sources: &SourceMap, valid_up_to: usize) -> Diagnostic {
    // The lossy text has the same bytes up to the first invalid one.
    let at = valid_up_to.min(sources.file(file).text.len());
    Diagnostic::error(
        "E0100",
        "source file is not valid UTF-8",
        Span::new(file, at, at),
        format!("invalid UTF-8 at byte {valid_up_to}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn siblings_share_the_directory() {
        assert_eq!(sibling("a/b/main.kr", "geo"), "a/b/geo.kr");
        assert_eq!(sibling("main.kr", "geo"), "geo.kr");
        assert_eq!(file_stem("a/b/main.kr"), "main");
    }

    #[test]
    fn diamond_is_loaded_once_and_cycles_are_found() {
        let files: HashMap<&str, &str> = [
            ("d/b.kr", "import c\npub fn b() {}\n"),
            ("d/c.kr", "pub fn c() {}\n"),
            ("d/x.kr", "import main\n"),
        ]
        .into_iter()
        .collect();
        let mut loader = |p: &str| {
            files
                .get(p)
                .map(|s| s.as_bytes().to_vec())
                .ok_or_else(|| "no such file".to_string())
        };
        let mut sources = SourceMap::new();
        let main = "import b\nimport c\nfn main() {}\n";
        let loaded = load("d/main.kr", main.as_bytes(), &mut loader, &mut sources);
        assert!(loaded.diagnostics.is_empty());
        let names: Vec<&str> = loaded.modules.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, ["c", "b", "main"]);

        let mut sources = SourceMap::new();
        let main = "import x\nimport missing\nfn main() {}\n";
        let loaded = load("d/main.kr", main.as_bytes(), &mut loader, &mut sources);
        let codes: Vec<&str> = loaded.diagnostics.iter().map(|d| d.code).collect();
        assert_eq!(codes, ["E0423", "E0420"]);
        assert!(loaded.diagnostics[0]
            .message
            .contains("main.kr -> x.kr -> main.kr"));
    }

    #[test]
    fn one_file_frontend_refuses_imports() {
        let fe = crate::frontend("a.kr", b"import b\nfn main() {}\n");
        assert!(fe.program.is_none());
        assert_eq!(fe.diagnostics.len(), 1);
        assert_eq!(fe.diagnostics[0].code, "E0420");
        assert!(fe.diagnostics[0]
            .primary
            .message
            .contains("imports are not available here"));
    }
}
