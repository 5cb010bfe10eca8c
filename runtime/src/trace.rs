//! Kriti stack traces: which Kriti functions were running when a task
//! panicked, innermost first.
//!
//! Generated code keeps frame pointers (codegen sets Cranelift's
//! `preserve_frame_pointers`), so every JIT frame holds a frame record: at
//! the frame pointer `fp`, the caller's frame pointer, and at `fp + 8` the
//! return address into the caller (x86-64 and aarch64 agree on this). A
//! runtime function that can panic receives, besides `loc`, the scope of the
//! code that called it (`func`, see below) and the frame pointer of that
//! JIT function (`frame`). [`capture`] names the innermost frame from `func`
//! and `loc`, then follows the chain of frame records, mapping each return
//! address to the function whose code contains it and to the scope and
//! source location of the call (the [`CallSite`]s codegen recorded).
//!
//! **Scopes and inlining.** The compiler inlines small functions, so one
//! machine frame may be running several Kriti functions. A *scope* is one
//! copy of a function's body in the generated code: scope `i <
//! functions.len()` is function `i`'s own body, and scope `functions.len() +
//! j` is the body inlined by [`ProgramInfo::inlined`]`[j]`, which says
//! which function it is and where it was called. A frame in an inlined
//! scope is shown as the inlined function, followed by the function it was
//! inlined into (at the inlined call), and so on out to the real function,
//! so a trace lists the Kriti calls whether or not they were inlined.
//!
//! **Invariant: the walk never faults.** It reads only 8-aligned words
//! inside the task's stack, each frame pointer must be above the previous
//! one (so the walk ends), and it stops at the first return address outside
//! JIT code: the runtime's call of `main`, or anything unexpected.
//!
//! A trace of a deep recursion is cut down to its [`HEAD`] innermost and
//! [`TAIL`] outermost frames, with the count of the frames left out; the walk
//! itself keeps only those and a counter, so it needs no memory proportional
//! to the depth, and little stack (it runs in the stack headroom).

use std::collections::VecDeque;
use std::fmt;
use std::sync::Arc;

use crate::panic::{ProgramInfo, SourceLoc};

/// Innermost frames shown when a trace is cut.
pub const HEAD: usize = 10;

/// Outermost frames shown when a trace is cut.
pub const TAIL: usize = 3;

/// One compiled Kriti function: where its code is, and the calls it makes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FunctionInfo {
    /// The name shown in stack traces (`Point::norm`).
    pub name: Arc<str>,
    /// The address of its first instruction; with `code_len == 0` the
    /// function has no known code and is never matched by address.
    pub code_start: usize,
    /// The length of its machine code in bytes.
    pub code_len: usize,
    /// Its calls of Kriti functions, sorted by `start`, not overlapping.
    pub call_sites: Vec<CallSite>,
}

/// A function body inlined at a call: scope `functions.len() + j` for
/// [`ProgramInfo::inlined`]`[j]` (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InlinedCall {
    /// The function whose body this is (an index into
    /// [`ProgramInfo::functions`]).
    pub callee: u32,
    /// The scope the call was in; always a smaller scope index than this
    /// one's (a caller's scope exists before the calls inlined into it).
    pub caller: u32,
    /// The call's index in the location table.
    pub loc: u32,
}

/// The machine code of one call, and where the call is in the source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallSite {
    /// Offset of the call's first byte from the function's start.
    pub start: u32,
    /// Offset just past its last byte. The return address of the call lies
    /// in `start + 1..=end`.
    pub end: u32,
    /// The call's index in the location table.
    pub loc: u32,
    /// The scope the call is in: the function's own, or one inlined into it.
    pub scope: u32,
}

/// How the paths of the stdlib's files (compiled with every program, see
/// the compiler's `stdlib` module) start; their frames are not shown.
pub const STDLIB_PREFIX: &str = "<stdlib>/";

/// One frame of a stack trace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// The function's name.
    pub function: Arc<str>,
    /// Where it was when the task panicked: the panic itself in the
    /// innermost frame, the call of the next frame in the others.
    pub location: Option<SourceLoc>,
}

impl fmt::Display for Frame {
    /// `at NAME (FILE:LINE:COL)`, or `at NAME` when the location is unknown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.location {
            Some(loc) => write!(f, "at {} ({loc})", self.function),
            None => write!(f, "at {}", self.function),
        }
    }
}

/// The Kriti call stack of a panic, innermost first, possibly cut.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StackTrace {
    /// The innermost frames: all of them, unless `omitted > 0`, and then
    /// the first [`HEAD`].
    pub innermost: Vec<Frame>,
    /// How many frames were left out after `innermost`.
    pub omitted: usize,
    /// The outermost frames (at most [`TAIL`]) when some were left out;
    /// empty otherwise.
    pub outermost: Vec<Frame>,
}

impl StackTrace {
    /// True when no frame is known.
    pub fn is_empty(&self) -> bool {
        self.innermost.is_empty() && self.outermost.is_empty()
    }

    /// The lines of the trace as printed under the panic line: `    at NAME
    /// (FILE:LINE:COL)` per frame, and `    ... N more frames` where frames
    /// were left out. No line ends in a newline.
    pub fn lines(&self) -> Vec<String> {
        let mut lines: Vec<String> = self
            .innermost
            .iter()
            .map(|frame| format!("    {frame}"))
            .collect();
        if self.omitted > 0 {
            let s = if self.omitted == 1 { "" } else { "s" };
            lines.push(format!("    ... {} more frame{s}", self.omitted));
        }
        lines.extend(self.outermost.iter().map(|frame| format!("    {frame}")));
        lines
    }
}

/// A frame as the walk sees it: a scope and a location index (turned into a
/// [`Frame`] only if the frame is kept).
type RawFrame = (usize, Option<u32>);

/// Keeps the first [`HEAD`] and the last [`TAIL`] frames and counts the rest.
#[derive(Default)]
struct Collector {
    head: Vec<RawFrame>,
    tail: VecDeque<RawFrame>,
    total: usize,
}

impl Collector {
    /// Pushes the frame of `scope` at `loc`, and, when the scope is an
    /// inlined body, the frames of the scopes it was inlined into.
    /// A frame whose location is in the stdlib (a stdlib method, whose
    /// call is in the frame below) is left out: the trace shows the
    /// user's calls, as when the method was native.
    fn push_scope(&mut self, program: &ProgramInfo, mut scope: usize, mut loc: Option<u32>) {
        loop {
            let in_stdlib = loc
                .and_then(|l| program.locations.get(l as usize))
                .is_some_and(|s| s.file.starts_with(STDLIB_PREFIX));
            if !in_stdlib {
                self.push((scope, loc));
            }
            let Some(inlined) = scope
                .checked_sub(program.functions.len())
                .and_then(|j| program.inlined.get(j))
            else {
                return;
            };
            let caller = inlined.caller as usize;
            // Callers have smaller indices: the chain ends.
            if caller >= scope {
                return;
            }
            (scope, loc) = (caller, Some(inlined.loc));
        }
    }

    fn push(&mut self, frame: RawFrame) {
        self.total += 1;
        if self.head.len() < HEAD {
            self.head.push(frame);
            return;
        }
        if self.tail.len() == TAIL {
            self.tail.pop_front();
        }
        self.tail.push_back(frame);
    }

    fn finish(self, program: &ProgramInfo) -> StackTrace {
        let frame = |&(scope, loc): &RawFrame| Frame {
            function: program.scope_name(scope).unwrap_or_else(|| Arc::from("?")),
            location: loc.and_then(|l| program.locations.get(l as usize).cloned()),
        };
        let omitted = self.total - self.head.len() - self.tail.len();
        let mut innermost: Vec<Frame> = self.head.iter().map(frame).collect();
        let outermost: Vec<Frame> = self.tail.iter().map(frame).collect();
        if omitted == 0 {
            // Nothing cut: one list.
            innermost.extend(outermost);
            return StackTrace {
                innermost,
                omitted,
                outermost: Vec::new(),
            };
        }
        StackTrace {
            innermost,
            omitted,
            outermost,
        }
    }
}

/// Finds the function whose code contains an address.
struct CodeMap<'p> {
    program: &'p ProgramInfo,
    /// `(start, end, index)` of every function with code, sorted by start.
    ranges: Vec<(usize, usize, usize)>,
    /// The range found last: recursion finds the same function again.
    last: Option<(usize, usize, usize)>,
}

impl<'p> CodeMap<'p> {
    fn new(program: &'p ProgramInfo) -> Self {
        let mut ranges: Vec<(usize, usize, usize)> = program
            .functions
            .iter()
            .enumerate()
            .filter(|(_, f)| f.code_len > 0)
            .map(|(i, f)| (f.code_start, f.code_start.saturating_add(f.code_len), i))
            .collect();
        ranges.sort_unstable();
        CodeMap {
            program,
            ranges,
            last: None,
        }
    }

    /// The frame whose call returns to `ret`: the scope of the call
    /// instruction (the function containing it, when the call site is
    /// unknown) and the call's location, or `None` when `ret` is not in JIT
    /// code.
    fn frame_at(&mut self, ret: usize) -> Option<RawFrame> {
        // The call instruction ends where the return address is.
        let pc = ret.checked_sub(1)?;
        let (start, _, index) = match self.last {
            Some(r @ (start, end, _)) if start <= pc && pc < end => r,
            _ => {
                let i = self.ranges.partition_point(|&(start, _, _)| start <= pc);
                let r @ (_, end, _) = *self.ranges.get(i.checked_sub(1)?)?;
                if pc >= end {
                    return None;
                }
                self.last = Some(r);
                r
            }
        };
        let offset = u32::try_from(pc - start).ok()?;
        let sites = &self.program.functions.get(index)?.call_sites;
        let i = sites.partition_point(|site| site.start <= offset);
        let site = i
            .checked_sub(1)
            .and_then(|i| sites.get(i))
            .filter(|site| offset < site.end);
        Some(match site {
            Some(site) => (site.scope as usize, Some(site.loc)),
            None => (index, None),
        })
    }
}

/// The stack trace of a panic at location `loc` in scope `func`, in the JIT
/// function whose frame pointer is `frame`, on a task whose stack is
/// `stack` (`low..high`).
///
/// An unknown `func` (negative, out of range) leaves the innermost frame
/// out; a null `frame`, or one outside `stack`, ends the trace there.
///
/// # Safety
/// Every 8-aligned word in `stack` is readable (the task's own stack,
/// mapped for as long as the task runs).
pub(crate) unsafe fn capture(
    program: &ProgramInfo,
    stack: (usize, usize),
    loc: i64,
    func: i64,
    frame: *const usize,
) -> StackTrace {
    let mut collector = Collector::default();
    if let Some(scope) = usize::try_from(func)
        .ok()
        .filter(|&s| program.scope_name(s).is_some())
    {
        collector.push_scope(program, scope, u32::try_from(loc).ok());
    }
    let (low, high) = stack;
    let word = std::mem::size_of::<usize>();
    let mut code = CodeMap::new(program);
    let mut fp = frame as usize;
    // A frame record is two words: the caller's frame pointer, then the
    // return address.
    while fp.is_multiple_of(word)
        && fp >= low
        && fp.checked_add(2 * word).is_some_and(|end| end <= high)
    {
        // SAFETY: `fp` and `fp + 8` are aligned words inside `stack`, which
        // the caller guarantees readable. The values may be garbage; they
        // are only compared, never dereferenced unchecked.
        let (next, ret) = unsafe {
            let record = fp as *const usize;
            (
                std::ptr::read_volatile(record),
                std::ptr::read_volatile(record.add(1)),
            )
        };
        let Some((scope, loc)) = code.frame_at(ret) else {
            break;
        };
        collector.push_scope(program, scope, loc);
        // Callers' frames are above their callees'.
        if next <= fp {
            break;
        }
        fp = next;
    }
    collector.finish(program)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn program() -> ProgramInfo {
        let loc = |line| SourceLoc {
            file: Arc::from("t.kr"),
            line,
            col: 5,
        };
        ProgramInfo {
            locations: vec![loc(1), loc(2), loc(3)],
            functions: vec![
                FunctionInfo {
                    name: Arc::from("main"),
                    code_start: 0x1000,
                    code_len: 0x100,
                    call_sites: vec![CallSite {
                        start: 0x10,
                        end: 0x18,
                        loc: 0,
                        scope: 0,
                    }],
                },
                FunctionInfo {
                    name: Arc::from("f"),
                    code_start: 0x2000,
                    code_len: 0x100,
                    call_sites: vec![
                        CallSite {
                            start: 0x20,
                            end: 0x30,
                            loc: 1,
                            scope: 1,
                        },
                        // A call in the body of `g` inlined into `f`.
                        CallSite {
                            start: 0x40,
                            end: 0x48,
                            loc: 2,
                            scope: 3,
                        },
                    ],
                },
                FunctionInfo {
                    name: Arc::from("g"),
                    ..FunctionInfo::default()
                },
            ],
            // Scope 3: `g` inlined into `f` at location 0.
            inlined: vec![InlinedCall {
                callee: 2,
                caller: 1,
                loc: 0,
            }],
            args: Vec::new(),
            host: Default::default(),
        }
    }

    /// A fake stack of frame records: `frames` are (return address), each
    /// record linking to the next, the last one's caller frame pointer 0.
    fn stack(rets: &[usize]) -> Vec<usize> {
        let mut words = vec![0usize; rets.len() * 2 + 2];
        let base = words.as_ptr() as usize;
        for (i, &ret) in rets.iter().enumerate() {
            let next = if i + 1 < rets.len() {
                base + (2 * i + 2) * std::mem::size_of::<usize>()
            } else {
                0
            };
            words[2 * i] = next;
            words[2 * i + 1] = ret;
        }
        words
    }

    fn bounds(words: &[usize]) -> (usize, usize) {
        let low = words.as_ptr() as usize;
        (low, low + std::mem::size_of_val(words))
    }

    #[test]
    fn walks_frame_records_until_code_that_is_not_jit() {
        let p = program();
        // f panics at loc 2; f was called from f (0x2028) and f from main
        // (0x1018); main returns into the runtime (0x42).
        let words = stack(&[0x2028, 0x2028, 0x1018, 0x42]);
        // SAFETY: the bounds are the vector's.
        let trace = unsafe { capture(&p, bounds(&words), 2, 1, words.as_ptr()) };
        let lines = trace.lines();
        assert_eq!(
            lines,
            [
                "    at f (t.kr:3:5)",
                "    at f (t.kr:2:5)",
                "    at f (t.kr:2:5)",
                "    at main (t.kr:1:5)",
            ]
        );
    }

    #[test]
    fn stops_at_bad_frame_pointers_and_unknown_sites() {
        let p = program();
        // No frame pointer: only the innermost frame.
        // SAFETY: nothing is read.
        let trace = unsafe { capture(&p, (0, 0), 0, 0, std::ptr::null()) };
        assert_eq!(trace.lines(), ["    at main (t.kr:1:5)"]);

        // A frame pointer outside the stack is not followed.
        let words = stack(&[0x1018]);
        // SAFETY: the bounds are the vector's.
        let trace = unsafe { capture(&p, bounds(&words), 0, 1, std::ptr::dangling::<usize>()) };
        assert_eq!(trace.lines(), ["    at f (t.kr:1:5)"]);

        // A chain that loops back ends; a return address that is not a call
        // site gives a frame without location; an unknown function index
        // leaves the innermost frame out.
        let mut words = stack(&[0x2080, 0x1018]);
        words[2] = words.as_ptr() as usize;
        // SAFETY: the bounds are the vector's.
        let trace = unsafe { capture(&p, bounds(&words), 0, -1, words.as_ptr()) };
        assert_eq!(trace.lines(), ["    at f", "    at main (t.kr:1:5)"]);
    }

    #[test]
    fn deep_traces_are_cut() {
        let p = program();
        let mut rets = vec![0x2028; 1000];
        rets.push(0x1018);
        let words = stack(&rets);
        // SAFETY: the bounds are the vector's.
        let trace = unsafe { capture(&p, bounds(&words), 2, 1, words.as_ptr()) };
        assert_eq!(trace.innermost.len(), HEAD);
        assert_eq!(trace.outermost.len(), TAIL);
        assert_eq!(trace.omitted, 1002 - HEAD - TAIL);
        let lines = trace.lines();
        assert_eq!(lines[0], "    at f (t.kr:3:5)");
        assert_eq!(
            lines[HEAD],
            format!("    ... {} more frames", 1002 - HEAD - TAIL)
        );
        assert_eq!(
            lines.last().map(String::as_str),
            Some("    at main (t.kr:1:5)")
        );

        // Exactly HEAD + TAIL frames: nothing is cut.
        let mut rets = vec![0x2028; HEAD + TAIL - 2];
        rets.push(0x1018);
        let words = stack(&rets);
        // SAFETY: the bounds are the vector's.
        let trace = unsafe { capture(&p, bounds(&words), 2, 1, words.as_ptr()) };
        assert_eq!(trace.omitted, 0);
        assert_eq!(trace.lines().len(), HEAD + TAIL);
    }

    #[test]
    fn inlined_bodies_show_as_frames() {
        let p = program();
        // A panic at location 1 in `g` inlined into `f`, whose frame was
        // called from the call at 0x40 in `f`, also in the inlined `g`;
        // that `f` was called from `main`.
        let words = stack(&[0x2044, 0x1018, 0x42]);
        // SAFETY: the bounds are the vector's.
        let trace = unsafe { capture(&p, bounds(&words), 1, 3, words.as_ptr()) };
        assert_eq!(
            trace.lines(),
            [
                "    at g (t.kr:2:5)",
                "    at f (t.kr:1:5)",
                "    at g (t.kr:3:5)",
                "    at f (t.kr:1:5)",
                "    at main (t.kr:1:5)",
            ]
        );
        assert_eq!(p.scope_name(3).as_deref(), Some("g"));
        assert_eq!(p.scope_name(4), None);
    }
}
