//! Task stacks: carved from large memory reservations and reused.
//!
//! Guard pages would cost two memory mappings per stack, and the kernel
//! allows about 65,000 mappings per process, so guarded stacks stop near
//! 32,000 live tasks. Instead a [`StackSource`] reserves [`STACKS_PER_CHUNK`]
//! stacks at a time in one `mmap(MAP_NORESERVE)` mapping (pages are only
//! committed when touched) and relies on the `stack_limit` check in every
//! JIT prologue, which stops JIT code [`crate::STACK_HEADROOM`] above the
//! end of the stack, to turn deep recursion into a "stack overflow" panic.
//! Runtime functions must stay inside that headroom (`HACKING.md`).
//!
//! A stack is handed out together with the [`TaskRun`] that runs on it
//! (its [`TaskCtx`] describes the stack; together, a [`Frame`]); both go
//! back to a pool when the task ends. Reuse is what makes spawning cheap,
//! and since run states are never freed while the scheduler lives, a late
//! write of the preemption flag by the ticker, or a late claim by a stale
//! timer, can never hit freed memory.
//!
//! Every stack has a *registry slot*: an atomic pointer to the task running
//! on it (null while the stack is pooled). The deadlock report and the
//! shutdown walk the slots to find every started, unfinished task without
//! any lock on the spawn path.
//!
//! A worker keeps up to [`LOCAL_POOL_MAX`] free frames, committed, so a
//! steady spawn rate reuses warm stacks and never faults. Frames beyond
//! that spill to a shared pool and their stacks are `madvise(DONTNEED)`d
//! first: after 100,000 tasks parked at once (each touches about one
//! page, ~4.4 KiB per task with its objects) and then ended, the process
//! keeps ~50 MiB instead of ~440 MiB. A deep recursion in a task whose
//! stack stays in a local pool keeps its pages until the stack spills or
//! the program ends; advising every returned stack would add a system
//! call (and later page faults) to every spawn, which takes ~200 ns
//! without them.

use std::sync::atomic::AtomicPtr;
use std::sync::{Arc, Mutex, PoisonError};

use corosensei::stack::{Stack, StackPointer};

use super::program::ProgramCell;
use super::run::TaskRun;
use super::task::TaskObj;
#[cfg(doc)]
use crate::ctx::TaskCtx;
use crate::STACK_HEADROOM;

/// Stack usable by JIT code in a spawned task. The language promises every
/// task at least 10,000 calls of a simple function; 1 MiB gives ~100 bytes
/// per call for that.
pub const TASK_STACK_SIZE: usize = 1 << 20;

/// A task stack's whole size: JIT code's part plus the runtime's headroom.
pub const TASK_STACK_TOTAL: usize = TASK_STACK_SIZE + STACK_HEADROOM;

/// Stacks per reservation: 64 × 1.25 MiB = 80 MiB of address space per
/// mapping, so 100,000 live tasks need ~1,600 mappings (the kernel's limit
/// is ~65,000) and a program with a handful of tasks maps only one chunk.
pub const STACKS_PER_CHUNK: usize = 64;

/// Frames a worker keeps in its own pool before handing half of them to
/// the shared pool (tasks often end on another worker than they started).
pub const LOCAL_POOL_MAX: usize = 256;

/// A stack of a task: `low..high`, 16-aligned, owned by a [`StackSource`]
/// chunk or the main stack mapping.
#[derive(Debug)]
pub struct TaskStack {
    low: usize,
    high: usize,
    /// The registry slot of this stack (null for the main stack).
    pub(crate) slot: *const AtomicPtr<TaskObj>,
}

// SAFETY: the stack is plain memory; whoever holds the `TaskStack` runs the
// coroutine on it, on any thread.
unsafe impl Send for TaskStack {}

// SAFETY: `high` is the top and `low` the bottom of a mapping we own, both
// 16-aligned (page-aligned mapping, sizes multiples of 16).
unsafe impl Stack for TaskStack {
    fn base(&self) -> StackPointer {
        StackPointer::new(self.high).expect("stack top is not null")
    }
    fn limit(&self) -> StackPointer {
        StackPointer::new(self.low).expect("stack bottom is not null")
    }
}

impl TaskStack {
    /// Gives the stack's pages back to the kernel (they read as zero when
    /// touched again).
    fn release_memory(&self) {
        let len = self.high - self.low;
        // SAFETY: an unused stack of ours; nothing lives on it.
        unsafe { libc::madvise(self.low as *mut libc::c_void, len, libc::MADV_DONTNEED) };
    }
}

/// A pooled pair: a stack and the run state of the task that runs on it.
pub(crate) struct Frame {
    /// The stack.
    pub stack: TaskStack,
    /// Its run state (a leaked `Box`, freed by [`StackSource`]'s owner at
    /// shutdown through [`free_frame_run`]).
    pub run: *mut TaskRun,
}

// SAFETY: as `TaskStack`; the run state is only used by the task owning
// the frame.
unsafe impl Send for Frame {}

/// Frees the run state of a frame at shutdown.
///
/// # Safety
/// `run` came from a [`Frame`] and no task will ever run with it again.
pub(crate) unsafe fn free_frame_run(run: *mut TaskRun) {
    // SAFETY: frames' run states are leaked boxes (see `StackSource::carve`).
    drop(unsafe { Box::from_raw(run) });
}

/// One reservation of [`STACKS_PER_CHUNK`] stacks and their registry slots.
struct Chunk {
    base: usize,
    len: usize,
    slots: Box<[AtomicPtr<TaskObj>]>,
}

impl Drop for Chunk {
    fn drop(&mut self) {
        // SAFETY: we mapped `base..base+len` and no stack of it is in use
        // (the scheduler drops its source only after every task is gone).
        unsafe { libc::munmap(self.base as *mut libc::c_void, self.len) };
    }
}

/// Reserves memory with no commitment; `None` when the kernel refuses.
fn reserve(len: usize) -> Option<usize> {
    // SAFETY: an anonymous private mapping at an address of the kernel's
    // choosing has no preconditions.
    let p = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            len,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
            -1,
            0,
        )
    };
    (p != libc::MAP_FAILED).then_some(p as usize)
}

/// Where a scheduler's task stacks come from: the chunks (kept until the
/// scheduler is dropped) and the shared pool of free frames.
pub(crate) struct StackSource {
    program: Arc<ProgramCell>,
    chunks: Mutex<Vec<Chunk>>,
    shared_pool: Mutex<Vec<Frame>>,
}

impl StackSource {
    /// A source with nothing reserved yet.
    pub fn new(program: Arc<ProgramCell>) -> Self {
        Self {
            program,
            chunks: Mutex::new(Vec::new()),
            shared_pool: Mutex::new(Vec::new()),
        }
    }

    /// A frame for a new task: from `local`, else from the shared pool
    /// (refilling `local` with up to half a pool), else from a new chunk
    /// (the rest of it goes to `local`). `None` when memory is exhausted.
    pub(crate) fn take(&self, local: &mut Vec<Frame>) -> Option<Frame> {
        if let Some(f) = local.pop() {
            return Some(f);
        }
        {
            let mut shared = self
                .shared_pool
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            let n = shared.len().min(LOCAL_POOL_MAX / 2);
            let start = shared.len() - n;
            local.extend(shared.drain(start..));
        }
        if let Some(f) = local.pop() {
            return Some(f);
        }
        self.carve(local)
    }

    /// Returns a frame to `local`, spilling half of `local` to the shared
    /// pool when it is full. Spilled stacks give their memory back to the
    /// kernel: they are cold, and a burst of many tasks (each touches a
    /// page or two) or a deep recursion would otherwise keep its memory
    /// until the program ends. The worker's own pool stays committed, so a
    /// steady spawn rate never faults.
    pub(crate) fn give(&self, local: &mut Vec<Frame>, frame: Frame) {
        local.push(frame);
        if local.len() > LOCAL_POOL_MAX {
            let spilled: Vec<Frame> = local.drain(LOCAL_POOL_MAX / 2..).collect();
            for f in &spilled {
                f.stack.release_memory();
            }
            let mut shared = self
                .shared_pool
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            shared.extend(spilled);
        }
    }

    /// Reserves a new chunk; returns one of its frames and puts the others
    /// in `local`.
    fn carve(&self, local: &mut Vec<Frame>) -> Option<Frame> {
        let len = TASK_STACK_TOTAL * STACKS_PER_CHUNK;
        let base = reserve(len)?;
        let slots: Box<[AtomicPtr<TaskObj>]> = (0..STACKS_PER_CHUNK)
            .map(|_| AtomicPtr::new(std::ptr::null_mut()))
            .collect();
        let slots_ptr = slots.as_ptr();
        self.chunks
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(Chunk { base, len, slots });
        // Hand out the highest stack last, so the first task of a program
        // runs at the top of the chunk (cosmetic).
        for i in 0..STACKS_PER_CHUNK {
            let low = base + i * TASK_STACK_TOTAL;
            let stack = TaskStack {
                low,
                high: low + TASK_STACK_TOTAL,
                // SAFETY: `i` is in bounds; the boxed slice never moves.
                slot: unsafe { slots_ptr.add(i) },
            };
            let run = TaskRun::new(Arc::clone(&self.program), low, low + TASK_STACK_TOTAL);
            local.push(Frame {
                stack,
                run: Box::into_raw(run),
            });
        }
        local.pop()
    }

    /// Calls `f` with every task registered in a slot (started and not
    /// finished).
    pub fn for_each_task(&self, mut f: impl FnMut(*mut TaskObj)) {
        let chunks = self.chunks.lock().unwrap_or_else(PoisonError::into_inner);
        for chunk in chunks.iter() {
            for slot in chunk.slots.iter() {
                let t = slot.load(std::sync::atomic::Ordering::Acquire);
                if !t.is_null() {
                    f(t);
                }
            }
        }
    }

    /// Takes every frame of the shared pool (at shutdown).
    pub(crate) fn drain_shared(&self) -> Vec<Frame> {
        std::mem::take(
            &mut *self
                .shared_pool
                .lock()
                .unwrap_or_else(PoisonError::into_inner),
        )
    }
}

/// The stack of `main`: its own mapping of `size` bytes above one guard
/// page (a single task can afford two mappings).
pub struct MainStack {
    base: usize,
    len: usize,
}

impl MainStack {
    /// Maps a stack of `size` usable bytes (rounded up to pages).
    pub fn new(size: usize) -> Option<Self> {
        let page = crate::page_size();
        let size = size.div_ceil(page) * page;
        let len = size + page;
        let base = reserve(len)?;
        // SAFETY: the first page of our own mapping becomes the guard.
        unsafe { libc::mprotect(base as *mut libc::c_void, page, libc::PROT_NONE) };
        Some(Self { base, len })
    }

    /// The usable part, `low..high`.
    pub fn bounds(&self) -> (usize, usize) {
        (self.base + crate::page_size(), self.base + self.len)
    }

    /// A [`TaskStack`] for the coroutine (no registry slot).
    pub fn stack(&self) -> TaskStack {
        let (low, high) = self.bounds();
        TaskStack {
            low,
            high,
            slot: std::ptr::null(),
        }
    }
}

impl Drop for MainStack {
    fn drop(&mut self) {
        // SAFETY: our own mapping; main's coroutine is gone by now.
        unsafe { libc::munmap(self.base as *mut libc::c_void, self.len) };
    }
}
