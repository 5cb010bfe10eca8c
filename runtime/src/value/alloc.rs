//! The small-object allocator: size-class free lists for heap objects of
//! up to [`MAX_SMALL`] bytes (records, enum values, array headers), with
//! a per-thread cache and a global pool.
//!
//! Every size class is a multiple of 8 bytes, so a record of `n` slots
//! (24 + 8n bytes) takes exactly that much: an enum node with two payload
//! values is 48 bytes, where a glibc chunk for it is 64. A free block's
//! first word links it into its class's list.
//!
//! **Per-thread caches.** Each thread allocates from and frees to its own
//! lists, with no atomic operation and no lock. A block may be freed by a
//! thread other than the one that allocated it (a value sent to another
//! task, or a task that migrated): it then simply joins the freeing
//! thread's list, which is correct because blocks carry no owner. To keep
//! one thread from hoarding what another keeps allocating, a list longer
//! than [`LOCAL_MAX`] hands half of its blocks to the global pool, and a
//! thread whose list is empty takes a whole batch from the pool before it
//! carves new blocks. A thread that exits gives all its lists to the pool.
//!
//! **Where blocks come from.** New blocks are carved from 64 KiB chunks
//! obtained from the system allocator. Chunks are never returned: freed
//! blocks are kept for reuse, so a program's resident memory is its peak
//! of live small objects (plus the lists' slack), as with any free-list
//! allocator. Blocks larger than [`MAX_SMALL`] go to the system allocator.
//!
//! Runtime code reaches the cache through a thread-local, which it may (it
//! never suspends while it holds it); JIT code never does.

use std::alloc::{self, Layout};
use std::cell::UnsafeCell;
use std::ptr::null_mut;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// The largest object, in bytes, that the free lists serve.
pub const MAX_SMALL: usize = 256;
/// The number of size classes: 8, 16, …, [`MAX_SMALL`] bytes.
const CLASSES: usize = MAX_SMALL / 8;
/// The size of a chunk that new blocks are carved from. Large enough that
/// taking one is rare, small enough that a program with few objects stays
/// small.
const CHUNK: usize = 64 * 1024;
/// The longest a thread's list of one class may grow before it gives half
/// of it to the global pool: 16 Ki blocks is 768 KiB of 48-byte nodes,
/// enough that a thread that frees and reallocates whole data structures
/// (as a benchmark's trees) rarely touches the pool's lock.
const LOCAL_MAX: usize = 16 * 1024;

/// A list of free blocks of one class, linked through their first word.
#[derive(Clone, Copy)]
struct List {
    head: *mut u8,
    len: usize,
}

impl List {
    const EMPTY: List = List {
        head: null_mut(),
        len: 0,
    };
}

/// One thread's lists, and the rest of its current chunk.
struct Cache {
    lists: [List; CLASSES],
    bump: *mut u8,
    bump_end: *mut u8,
}

/// The global pool: batches of blocks that threads gave away, by class.
struct Pool {
    batches: [Vec<List>; CLASSES],
}

// SAFETY: the pool only holds free blocks, which belong to no thread.
unsafe impl Send for Pool {}

static POOL: Mutex<Pool> = Mutex::new(Pool {
    batches: [const { Vec::new() }; CLASSES],
});
/// How many batches the pool holds per class, read without the lock so
/// that a thread with an empty list only locks when there is something to
/// take.
static POOLED: [AtomicUsize; CLASSES] = [const { AtomicUsize::new(0) }; CLASSES];

impl Cache {
    const fn new() -> Cache {
        Cache {
            lists: [List::EMPTY; CLASSES],
            bump: null_mut(),
            bump_end: null_mut(),
        }
    }
}

impl Drop for Cache {
    fn drop(&mut self) {
        // The thread is ending: its free blocks go to the pool. (The rest
        // of its chunk is lost; chunks are never returned anyway.)
        for class in 0..CLASSES {
            let list = std::mem::replace(&mut self.lists[class], List::EMPTY);
            give(class, list);
        }
    }
}

thread_local! {
    static CACHE: UnsafeCell<Cache> = const { UnsafeCell::new(Cache::new()) };
}

/// The class of a block of `size` bytes (`1..=MAX_SMALL`).
#[inline]
fn class_of(size: usize) -> usize {
    size.div_ceil(8) - 1
}

/// Adds `list` to the pool as one batch.
fn give(class: usize, list: List) {
    if list.len == 0 {
        return;
    }
    let mut pool = POOL.lock().unwrap_or_else(|e| e.into_inner());
    pool.batches[class].push(list);
    POOLED[class].store(pool.batches[class].len(), Ordering::Relaxed);
}

/// Takes one batch of class `class` from the pool, if it has one.
fn take(class: usize) -> Option<List> {
    if POOLED[class].load(Ordering::Relaxed) == 0 {
        return None;
    }
    let mut pool = POOL.lock().unwrap_or_else(|e| e.into_inner());
    let list = pool.batches[class].pop();
    POOLED[class].store(pool.batches[class].len(), Ordering::Relaxed);
    list
}

/// A block of `size` bytes (8-aligned, uninitialised): from the free lists
/// for a small size, else from the system allocator. Never null.
///
/// # Safety
/// `size` is nonzero; the block is given back with [`free`] and the same
/// size.
#[inline]
pub unsafe fn alloc(size: usize) -> *mut u8 {
    if size > MAX_SMALL {
        return system_alloc(size);
    }
    let class = class_of(size);
    let p = CACHE
        .try_with(|c| {
            // SAFETY: the cache is this thread's, and no other borrow of it
            // is live (these functions do not call each other while they
            // hold it).
            let c = unsafe { &mut *c.get() };
            let list = &mut c.lists[class];
            if !list.head.is_null() {
                let p = list.head;
                // SAFETY: a free block's first word links the next one.
                list.head = unsafe { p.cast::<*mut u8>().read() };
                list.len -= 1;
                return p;
            }
            // SAFETY: as above.
            unsafe { refill(c, class) }
        })
        .unwrap_or(null_mut());
    if p.is_null() {
        // The thread's cache is gone (a thread-local destructor is
        // running): take a fresh block from the system. It is freed into
        // the lists like any other, which is fine: it is big enough.
        return system_alloc((class + 1) * 8);
    }
    p
}

/// The slow path of [`alloc`]: a batch from the pool, else a block carved
/// from the current chunk (or a new one).
#[cold]
unsafe fn refill(c: &mut Cache, class: usize) -> *mut u8 {
    if let Some(batch) = take(class) {
        let p = batch.head;
        // SAFETY: a batch is a nonempty list of free blocks.
        c.lists[class] = List {
            head: unsafe { p.cast::<*mut u8>().read() },
            len: batch.len - 1,
        };
        return p;
    }
    let size = (class + 1) * 8;
    if (c.bump_end as usize) - (c.bump as usize) < size {
        c.bump = system_alloc(CHUNK);
        // SAFETY: the chunk is CHUNK bytes long.
        c.bump_end = unsafe { c.bump.add(CHUNK) };
    }
    let p = c.bump;
    // SAFETY: at least `size` bytes remain in the chunk.
    c.bump = unsafe { p.add(size) };
    p
}

/// Gives back a block that [`alloc`] returned for `size` bytes.
///
/// # Safety
/// `p` came from [`alloc`] with the same `size` and is not used again.
#[inline]
pub unsafe fn free(p: *mut u8, size: usize) {
    if size > MAX_SMALL {
        // SAFETY: `alloc` took it from the system with this layout.
        unsafe { alloc::dealloc(p, layout(size)) };
        return;
    }
    let class = class_of(size);
    let pushed = CACHE.try_with(|c| {
        // SAFETY: as in `alloc`.
        let c = unsafe { &mut *c.get() };
        let list = &mut c.lists[class];
        // SAFETY: the block is ours now; its first word becomes the link.
        unsafe { p.cast::<*mut u8>().write(list.head) };
        list.head = p;
        list.len += 1;
        if list.len > LOCAL_MAX {
            spill(list, class);
        }
    });
    if pushed.is_err() {
        // No cache on this thread any more: the block goes to the pool.
        // SAFETY: as above.
        unsafe { p.cast::<*mut u8>().write(null_mut()) };
        give(class, List { head: p, len: 1 });
    }
}

/// Gives the older half of an overlong list to the pool.
#[cold]
fn spill(list: &mut List, class: usize) {
    let keep = list.len / 2;
    let mut last = list.head;
    for _ in 1..keep {
        // SAFETY: the list has `len > keep` blocks.
        last = unsafe { last.cast::<*mut u8>().read() };
    }
    // SAFETY: `last` is the keep-th block; the rest follows it.
    let rest = unsafe { last.cast::<*mut u8>().read() };
    // SAFETY: as above.
    unsafe { last.cast::<*mut u8>().write(null_mut()) };
    give(
        class,
        List {
            head: rest,
            len: list.len - keep,
        },
    );
    list.len = keep;
}

fn layout(size: usize) -> Layout {
    Layout::from_size_align(size, 16).expect("object too large")
}

fn system_alloc(size: usize) -> *mut u8 {
    let layout = layout(size);
    // SAFETY: `size` is nonzero.
    let p = unsafe { alloc::alloc(layout) };
    if p.is_null() {
        alloc::handle_alloc_error(layout);
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_are_reused_by_class_and_do_not_overlap() {
        unsafe {
            let a = alloc(48);
            let b = alloc(48);
            let c = alloc(40);
            assert_ne!(a, b);
            for (p, n) in [(a, 48), (b, 48), (c, 40)] {
                std::ptr::write_bytes(p, 0xAB, n);
            }
            free(a, 48);
            assert_eq!(alloc(48), a, "a freed block is reused first");
            assert_ne!(alloc(40), c);
            let big = alloc(MAX_SMALL + 1);
            std::ptr::write_bytes(big, 1, MAX_SMALL + 1);
            free(big, MAX_SMALL + 1);
        }
    }

    #[test]
    fn blocks_freed_on_another_thread_are_reused_there_or_pooled() {
        // Allocate many blocks here, free them on another thread (more than
        // a list may keep, so some spill into the pool), then allocate again
        // on a third thread: every block it gets is distinct and writable.
        const N: usize = LOCAL_MAX * 3;
        let blocks: Vec<usize> = (0..N).map(|_| unsafe { alloc(64) } as usize).collect();
        let freer = std::thread::spawn(move || {
            for &p in &blocks {
                unsafe { free(p as *mut u8, 64) };
            }
        });
        freer.join().unwrap();
        let user = std::thread::spawn(|| {
            let mut seen = std::collections::HashSet::new();
            for _ in 0..N {
                let p = unsafe { alloc(64) };
                unsafe { std::ptr::write_bytes(p, 7, 64) };
                assert!(seen.insert(p as usize), "a block handed out twice");
            }
        });
        user.join().unwrap();
    }
}
