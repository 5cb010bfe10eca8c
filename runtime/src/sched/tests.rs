//! Scheduler tests: Rust `extern "C"` entries stand in for JIT code and
//! drive the ABI through `run_main`'s machinery, as generated code will.
//!
//! Entries must not panic (a Rust panic cannot leave an `extern "C"`
//! function): they record into statics, and the test asserts after the
//! run. The tests share those statics and time-sensitive expectations, so
//! they run one at a time ([`serial`]).

use std::sync::atomic::{AtomicBool, AtomicI64, AtomicPtr, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use super::chan::*;
use super::parse_workers;
use super::task::*;
use super::timer::kr_sleep;
use crate::ctx::TaskCtx;
use crate::value::desc::{desc_kind, TypeDesc};
use crate::value::record::RecordObj;
use crate::value::{release, Obj};
use crate::{run_with, Outcome, ProgramInfo, SourceLoc, MAIN_STACK_SIZE};

const NO_FRAME: *const usize = std::ptr::null();

/// Serialises the scheduler tests.
fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(PoisonError::into_inner)
}

#[repr(transparent)]
struct Ptrs<const N: usize>([*const TypeDesc; N]);
// SAFETY: pointers to immutable statics.
unsafe impl<const N: usize> Sync for Ptrs<N> {}

const fn desc(kind: u64, count: u64, children: *const *const TypeDesc) -> TypeDesc {
    TypeDesc {
        kind,
        count,
        children,
        name: std::ptr::null(),
        field_names: std::ptr::null(),
    }
}

static INT: TypeDesc = desc(desc_kind::INT, 0, std::ptr::null());
static NONE_V: TypeDesc = desc(desc_kind::VARIANT, 0, std::ptr::null());
static SOME_CH: Ptrs<1> = Ptrs([&raw const INT]);
static SOME_V: TypeDesc = desc(desc_kind::VARIANT, 1, (&raw const SOME_CH).cast());
static OPT_CH: Ptrs<2> = Ptrs([&raw const NONE_V, &raw const SOME_V]);
/// `Option<int>`.
static OPT_INT: TypeDesc = desc(desc_kind::ENUM, 2, (&raw const OPT_CH).cast());

fn sloc(line: u32, col: u32) -> SourceLoc {
    SourceLoc {
        file: Arc::from("prog.kr"),
        line,
        col,
    }
}

/// Functions `main` (scope 0) and `worker` (scope 1); locations 0..4.
fn info() -> Arc<ProgramInfo> {
    let f = |name: &str| crate::FunctionInfo {
        name: Arc::from(name),
        ..Default::default()
    };
    Arc::new(ProgramInfo {
        locations: vec![sloc(5, 13), sloc(2, 25), sloc(3, 9), sloc(4, 9), sloc(9, 1)],
        functions: vec![f("main"), f("worker")],
        inlined: Vec::new(),
    })
}

fn run(workers: usize, entry: unsafe extern "C" fn(*mut TaskCtx)) -> Outcome {
    run_with(info(), entry, workers, MAIN_STACK_SIZE)
}

type Entry = unsafe extern "C" fn(*mut TaskCtx, *mut Obj) -> i64;

/// Spawns `f` with `arg` as its env (tests pass a number, not an object).
unsafe fn spawn(ctx: *mut TaskCtx, f: Entry, arg: usize) -> *mut Obj {
    // SAFETY: the env is never dereferenced by the runtime.
    unsafe { kr_spawn(ctx, f as *const u8, arg as *mut Obj, &INT) }
}

unsafe fn join(ctx: *mut TaskCtx, t: *mut Obj) -> i64 {
    // SAFETY: forwarded.
    unsafe { kr_task_join(ctx, t, -1, -1, NO_FRAME) }
}

/// Reads and releases an `Option<int>`.
unsafe fn opt(o: *mut Obj) -> Option<i64> {
    // SAFETY: a live Option<int> record.
    unsafe {
        let slots = RecordObj::slots(o.cast());
        let r = (slots[0] == 1).then(|| slots[1] as i64);
        release(o);
        r
    }
}

unsafe fn recv(ctx: *mut TaskCtx, ch: *mut Obj) -> Option<i64> {
    // SAFETY: forwarded.
    unsafe { opt(kr_chan_recv(ctx, ch, &OPT_INT, -1, -1, NO_FRAME)) }
}

unsafe fn send(ctx: *mut TaskCtx, ch: *mut Obj, v: i64) {
    // SAFETY: forwarded.
    unsafe { kr_chan_send(ctx, ch, v, -1, -1, NO_FRAME) }
}

unsafe fn new_chan(ctx: *mut TaskCtx, cap: i64) -> *mut Obj {
    // SAFETY: forwarded.
    unsafe { kr_chan_new(ctx, cap, &INT, -1, -1, NO_FRAME) }
}

static CH: AtomicPtr<Obj> = AtomicPtr::new(std::ptr::null_mut());
static CH2: AtomicPtr<Obj> = AtomicPtr::new(std::ptr::null_mut());
static COUNT: AtomicI64 = AtomicI64::new(0);
static SUM: AtomicI64 = AtomicI64::new(0);
static FAILED: AtomicBool = AtomicBool::new(false);
static NANOS: AtomicU64 = AtomicU64::new(0);

fn reset() {
    COUNT.store(0, Ordering::SeqCst);
    SUM.store(0, Ordering::SeqCst);
    FAILED.store(false, Ordering::SeqCst);
}

fn check(ok: bool) {
    if !ok {
        FAILED.store(true, Ordering::SeqCst);
    }
}

fn ch() -> *mut Obj {
    CH.load(Ordering::SeqCst)
}

// ---- Producers and consumers.

const PRODUCERS: usize = 8;
const CONSUMERS: usize = 8;
const PER_PRODUCER: i64 = 100_000;

extern "C" fn producer(ctx: *mut TaskCtx, env: *mut Obj) -> i64 {
    let base = env as i64 * PER_PRODUCER;
    for v in base..base + PER_PRODUCER {
        // SAFETY: a live channel, owned by main until every task ended.
        unsafe { send(ctx, ch(), v) };
    }
    0
}

extern "C" fn consumer(ctx: *mut TaskCtx, _env: *mut Obj) -> i64 {
    let (mut n, mut sum) = (0, 0);
    // SAFETY: as in `producer`.
    while let Some(v) = unsafe { recv(ctx, ch()) } {
        n += 1;
        sum += v;
    }
    COUNT.fetch_add(n, Ordering::SeqCst);
    SUM.fetch_add(sum, Ordering::SeqCst);
    n
}

static CAP: AtomicI64 = AtomicI64::new(0);

extern "C" fn producers_consumers_main(ctx: *mut TaskCtx) {
    // SAFETY: `ctx` is the running task; handles are used while live.
    unsafe {
        let c = new_chan(ctx, CAP.load(Ordering::SeqCst));
        CH.store(c, Ordering::SeqCst);
        let producers: Vec<_> = (0..PRODUCERS).map(|i| spawn(ctx, producer, i)).collect();
        let consumers: Vec<_> = (0..CONSUMERS).map(|_| spawn(ctx, consumer, 0)).collect();
        for t in producers {
            join(ctx, t);
            release(t);
        }
        kr_chan_close(ctx, c, -1, -1, NO_FRAME);
        let mut received = 0;
        for t in consumers {
            received += join(ctx, t);
            release(t);
        }
        check(received == PRODUCERS as i64 * PER_PRODUCER);
        check(kr_chan_len(c) == 0);
        release(c);
    }
}

fn producers_consumers(cap: i64) {
    let _serial = serial();
    reset();
    CAP.store(cap, Ordering::SeqCst);
    let start = Instant::now();
    assert_eq!(run(2, producers_consumers_main), Outcome::Returned);
    let n = PRODUCERS as i64 * PER_PRODUCER;
    assert_eq!(COUNT.load(Ordering::SeqCst), n);
    assert_eq!(SUM.load(Ordering::SeqCst), n * (n - 1) / 2);
    assert!(!FAILED.load(Ordering::SeqCst));
    eprintln!(
        "{PRODUCERS}x{CONSUMERS}, {n} messages, cap {cap}: {:?}",
        start.elapsed()
    );
}

#[test]
fn producers_and_consumers_on_a_buffered_channel() {
    producers_consumers(64);
}

#[test]
fn producers_and_consumers_on_an_unbuffered_channel() {
    producers_consumers(0);
}

// ---- Many parked tasks.

const PARKED: usize = 100_000;
static STARTED: AtomicUsize = AtomicUsize::new(0);

extern "C" fn parked_receiver(ctx: *mut TaskCtx, _env: *mut Obj) -> i64 {
    STARTED.fetch_add(1, Ordering::SeqCst);
    // SAFETY: a live channel.
    let v = unsafe { recv(ctx, ch()) }.unwrap_or(-1);
    SUM.fetch_add(v, Ordering::SeqCst);
    v
}

extern "C" fn many_parked_main(ctx: *mut TaskCtx) {
    // SAFETY: `ctx` is the running task.
    unsafe {
        let c = new_chan(ctx, 0);
        CH.store(c, Ordering::SeqCst);
        let tasks: Vec<_> = (0..PARKED)
            .map(|_| spawn(ctx, parked_receiver, 0))
            .collect();
        // Wait until every task has started and parked on the channel.
        while STARTED.load(Ordering::SeqCst) < PARKED {
            kr_sleep(ctx, 1);
        }
        COUNT.store(rss_kib(), Ordering::SeqCst);
        for v in 0..PARKED as i64 {
            send(ctx, c, v);
        }
        let mut total = 0;
        for t in tasks {
            total += join(ctx, t);
            release(t);
        }
        check(total == (PARKED as i64) * (PARKED as i64 - 1) / 2);
        release(c);
    }
}

/// The process's resident memory in KiB (0 when unknown).
fn rss_kib() -> i64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0)
}

#[test]
fn a_hundred_thousand_tasks_parked_at_once() {
    let _serial = serial();
    reset();
    STARTED.store(0, Ordering::SeqCst);
    let before = rss_kib();
    let start = Instant::now();
    assert_eq!(run(2, many_parked_main), Outcome::Returned);
    assert!(!FAILED.load(Ordering::SeqCst));
    let n = PARKED as i64;
    assert_eq!(SUM.load(Ordering::SeqCst), n * (n - 1) / 2);
    eprintln!(
        "{PARKED} parked tasks: {:?}, RSS +{} MiB while parked",
        start.elapsed(),
        (COUNT.load(Ordering::SeqCst) - before) / 1024
    );
}

// ---- Spawn and join.

extern "C" fn identity(_ctx: *mut TaskCtx, env: *mut Obj) -> i64 {
    env as i64
}

static ROUNDS: AtomicI64 = AtomicI64::new(0);

extern "C" fn spawn_join_main(ctx: *mut TaskCtx) {
    let rounds = ROUNDS.load(Ordering::SeqCst);
    let start = Instant::now();
    let mut sum = 0;
    for i in 0..rounds {
        // SAFETY: `ctx` is the running task.
        unsafe {
            let t = spawn(ctx, identity, i as usize);
            sum += join(ctx, t);
            release(t);
        }
    }
    NANOS.store(start.elapsed().as_nanos() as u64, Ordering::SeqCst);
    check(sum == rounds * (rounds - 1) / 2);
}

#[test]
fn a_million_spawns_and_joins() {
    let _serial = serial();
    reset();
    ROUNDS.store(1_000_000, Ordering::SeqCst);
    assert_eq!(run(2, spawn_join_main), Outcome::Returned);
    assert!(!FAILED.load(Ordering::SeqCst));
}

// ---- Ping-pong.

extern "C" fn ponger(ctx: *mut TaskCtx, _env: *mut Obj) -> i64 {
    // SAFETY: live channels.
    unsafe {
        while let Some(v) = recv(ctx, ch()) {
            send(ctx, CH2.load(Ordering::SeqCst), v + 1);
        }
    }
    0
}

extern "C" fn ping_pong_main(ctx: *mut TaskCtx) {
    let rounds = ROUNDS.load(Ordering::SeqCst);
    // SAFETY: `ctx` is the running task.
    unsafe {
        let (a, b) = (new_chan(ctx, 0), new_chan(ctx, 0));
        CH.store(a, Ordering::SeqCst);
        CH2.store(b, Ordering::SeqCst);
        let t = spawn(ctx, ponger, 0);
        let start = Instant::now();
        for i in 0..rounds {
            send(ctx, a, i);
            check(recv(ctx, b) == Some(i + 1));
        }
        NANOS.store(start.elapsed().as_nanos() as u64, Ordering::SeqCst);
        kr_chan_close(ctx, a, -1, -1, NO_FRAME);
        join(ctx, t);
        release(t);
        release(a);
        release(b);
    }
}

#[test]
fn ping_pong_and_spawn_join_on_one_worker() {
    let _serial = serial();
    reset();
    ROUNDS.store(100_000, Ordering::SeqCst);
    assert_eq!(run(1, ping_pong_main), Outcome::Returned);
    assert_eq!(run(1, spawn_join_main), Outcome::Returned);
    assert_eq!(run(1, many_parked_main_small), Outcome::Returned);
    assert!(!FAILED.load(Ordering::SeqCst));
}

extern "C" fn many_parked_main_small(ctx: *mut TaskCtx) {
    // SAFETY: `ctx` is the running task.
    unsafe {
        let c = new_chan(ctx, 0);
        CH.store(c, Ordering::SeqCst);
        let tasks: Vec<_> = (0..1000).map(|_| spawn(ctx, parked_receiver, 0)).collect();
        for v in 0..1000 {
            send(ctx, c, v);
        }
        for t in tasks {
            join(ctx, t);
            release(t);
        }
        release(c);
    }
}

#[test]
fn worker_count_parsing() {
    assert_eq!(parse_workers(None, 4), 4);
    assert_eq!(parse_workers(Some("1"), 4), 1);
    assert_eq!(parse_workers(Some(" 3 "), 4), 3);
    assert_eq!(parse_workers(Some("0"), 4), 4);
    assert_eq!(parse_workers(Some("-2"), 4), 4);
    assert_eq!(parse_workers(Some("lots"), 4), 4);
    assert_eq!(parse_workers(Some("100000"), 4), 1024);
    assert_eq!(parse_workers(None, 0), 1);
}

/// Benchmarks to compare with Go (see the report in the scheduler docs):
/// `cargo test --release -p kriti-runtime bench -- --ignored --nocapture`.
#[test]
#[ignore]
fn bench_spawn_join_and_round_trip() {
    let _serial = serial();
    for workers in [2, 1] {
        reset();
        ROUNDS.store(1_000_000, Ordering::SeqCst);
        assert_eq!(run(workers, spawn_join_main), Outcome::Returned);
        let spawn_ns = NANOS.load(Ordering::SeqCst) as f64 / 1e6;
        assert_eq!(run(workers, ping_pong_main), Outcome::Returned);
        let rt_ns = NANOS.load(Ordering::SeqCst) as f64 / 1e6;
        assert!(!FAILED.load(Ordering::SeqCst));
        eprintln!(
            "workers={workers}: spawn+join {spawn_ns:.0} ns, unbuffered round trip {rt_ns:.0} ns"
        );
    }
}
