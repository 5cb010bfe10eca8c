//! Scheduler tests: Rust `extern "C"` entries stand in for JIT code and
//! drive the ABI through `run_main`'s machinery, as generated code will.
//!
//! Entries must not panic (a Rust panic cannot leave an `extern "C"`
//! function): they record into statics, and the test asserts after the
//! run. The tests share those statics and time-sensitive expectations, so
//! they run one at a time ([`serial`]).

use std::sync::atomic::{AtomicBool, AtomicI64, AtomicPtr, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use super::atomic::*;
use super::chan::*;
use super::parse_workers;
use super::select::{kr_select, SelectOp, OP_RECV, OP_SEND, SELECT_DEFAULT, SELECT_TIMEOUT};
use super::task::*;
use super::timer::kr_sleep;
use crate::abi::panic_kind;
use crate::ctx::TaskCtx;
use crate::panic::{kr_exit, kr_panic_kind};
use crate::value::desc::{desc_kind, TypeDesc};
use crate::value::generic::display;
use crate::value::record::RecordObj;
use crate::value::{release, Obj};
use crate::{run_with, Outcome, ProgramInfo, SourceLoc, MAIN_STACK_SIZE};

const NO_FRAME: *const usize = std::ptr::null();

/// Serialises the scheduler tests.
pub(super) fn serial() -> MutexGuard<'static, ()> {
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
pub(super) fn info() -> Arc<ProgramInfo> {
    let f = |name: &str| crate::FunctionInfo {
        name: Arc::from(name),
        ..Default::default()
    };
    Arc::new(ProgramInfo {
        locations: vec![sloc(5, 13), sloc(2, 25), sloc(3, 9), sloc(4, 9), sloc(9, 1)],
        functions: vec![f("main"), f("worker")],
        inlined: Vec::new(),
        args: Vec::new(),
        host: Default::default(),
    })
}

/// `o` without its stack trace.
fn untraced(o: Outcome) -> Outcome {
    match o {
        Outcome::Panicked {
            message, location, ..
        } => Outcome::panicked(message, location),
        other => other,
    }
}

fn run(workers: usize, entry: unsafe extern "C" fn(*mut TaskCtx)) -> Outcome {
    run_with(info(), entry, workers, MAIN_STACK_SIZE)
}

pub(super) type Entry = unsafe extern "C" fn(*mut TaskCtx, *mut Obj) -> i64;

/// Spawns `f` with `arg` as its env (tests pass a number, not an object).
pub(super) unsafe fn spawn(ctx: *mut TaskCtx, f: Entry, arg: usize) -> *mut Obj {
    // SAFETY: the env is never dereferenced by the runtime.
    unsafe {
        kr_spawn(
            ctx,
            f as *const u8,
            arg as *mut Obj,
            &INT,
            -1,
            -1,
            std::ptr::null(),
        )
    }
}

pub(super) unsafe fn join(ctx: *mut TaskCtx, t: *mut Obj) -> i64 {
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

pub(super) unsafe fn recv(ctx: *mut TaskCtx, ch: *mut Obj) -> Option<i64> {
    // SAFETY: forwarded.
    unsafe { opt(kr_chan_recv(ctx, ch, &OPT_INT, -1, -1, NO_FRAME)) }
}

pub(super) unsafe fn send(ctx: *mut TaskCtx, ch: *mut Obj, v: i64) {
    // SAFETY: forwarded.
    unsafe { kr_chan_send(ctx, ch, v, -1, -1, NO_FRAME) }
}

pub(super) unsafe fn new_chan(ctx: *mut TaskCtx, cap: i64) -> *mut Obj {
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
static SUM2: AtomicI64 = AtomicI64::new(0);

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
        SUM2.store(rss_kib(), Ordering::SeqCst);
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
    let (parked, after) = (COUNT.load(Ordering::SeqCst), SUM2.load(Ordering::SeqCst));
    eprintln!(
        "{PARKED} parked tasks: {:?}, RSS +{} MiB while parked, +{} MiB after",
        start.elapsed(),
        (parked - before) / 1024,
        (after - before) / 1024
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

// ---- select.

const FAN_IN: usize = 6;
const PER_SOURCE: i64 = 20_000;
static SOURCES: [AtomicPtr<Obj>; FAN_IN] = [const { AtomicPtr::new(std::ptr::null_mut()) }; FAN_IN];

extern "C" fn source(ctx: *mut TaskCtx, env: *mut Obj) -> i64 {
    let i = env as usize;
    let c = SOURCES[i].load(Ordering::SeqCst);
    let base = i as i64 * PER_SOURCE;
    for v in base..base + PER_SOURCE {
        // SAFETY: a live channel.
        unsafe { send(ctx, c, v) };
        if v % 1000 == 0 {
            // SAFETY: `ctx` is the running task.
            unsafe { kr_yield_now(ctx) };
        }
    }
    // SAFETY: as above.
    unsafe { kr_chan_close(ctx, c, -1, -1, NO_FRAME) };
    0
}

fn recv_op(c: *mut Obj) -> SelectOp {
    SelectOp {
        chan: c,
        kind: OP_RECV,
        value: 0,
        opt_desc: &OPT_INT,
    }
}

unsafe fn select(ctx: *mut TaskCtx, ops: &mut [SelectOp], timeout: i64, default: bool) -> i64 {
    // SAFETY: forwarded.
    unsafe {
        kr_select(
            ctx,
            ops.as_mut_ptr().cast(),
            ops.len() as i64,
            timeout,
            default,
            -1,
            -1,
            NO_FRAME,
        )
    }
}

extern "C" fn fan_in_main(ctx: *mut TaskCtx) {
    // SAFETY: `ctx` is the running task; channels are live.
    unsafe {
        let chans: Vec<_> = (0..FAN_IN).map(|i| new_chan(ctx, (i % 3) as i64)).collect();
        for (slot, &c) in SOURCES.iter().zip(&chans) {
            slot.store(c, Ordering::SeqCst);
        }
        let tasks: Vec<_> = (0..FAN_IN).map(|i| spawn(ctx, source, i)).collect();
        let total = FAN_IN * PER_SOURCE as usize;
        let mut seen = vec![false; total];
        let mut open: Vec<*mut Obj> = chans.clone();
        let mut per_arm = [0i64; FAN_IN];
        while !open.is_empty() {
            let mut ops: Vec<SelectOp> = open.iter().map(|&c| recv_op(c)).collect();
            let i = select(ctx, &mut ops, 1000, false);
            if i < 0 {
                check(false);
                break;
            }
            let i = i as usize;
            match opt(ops[i].value as *mut Obj) {
                Some(v) => {
                    let v = v as usize;
                    check(v < total && !seen[v]);
                    if v < total {
                        seen[v] = true;
                    }
                    per_arm[v / PER_SOURCE as usize] += 1;
                }
                None => {
                    open.remove(i);
                }
            }
        }
        check(seen.iter().all(|&s| s));
        check(per_arm.iter().all(|&n| n == PER_SOURCE));
        for t in tasks {
            join(ctx, t);
            release(t);
        }

        // Nothing ready: the default arm, then the timeout.
        let quiet = new_chan(ctx, 1);
        let mut ops = [recv_op(quiet)];
        check(select(ctx, &mut ops, -1, true) == SELECT_DEFAULT);
        let start = Instant::now();
        check(select(ctx, &mut ops, 30, false) == SELECT_TIMEOUT);
        check(start.elapsed() >= Duration::from_millis(30));
        check(select(ctx, &mut [], 0, false) == SELECT_TIMEOUT);
        // A send arm on a buffered channel with room is ready.
        let mut ops = [
            recv_op(quiet),
            SelectOp {
                chan: quiet,
                kind: OP_SEND,
                value: 42,
                opt_desc: std::ptr::null(),
            },
        ];
        check(select(ctx, &mut ops, -1, false) == 1);
        check(kr_chan_len(quiet) == 1);
        // Now only the receive is ready (the buffer is full).
        ops[1].value = 43;
        check(select(ctx, &mut ops, -1, true) == 0);
        check(opt(ops[0].value as *mut Obj) == Some(42));
        // Both ready: each is chosen about half the time.
        let mut firsts = 0;
        for _ in 0..1000 {
            let other = new_chan(ctx, 1);
            kr_chan_try_send(ctx, quiet, 1, -1, -1, NO_FRAME);
            kr_chan_try_send(ctx, other, 2, -1, -1, NO_FRAME);
            let mut ops = [recv_op(quiet), recv_op(other)];
            let i = select(ctx, &mut ops, -1, false);
            check(i == 0 || i == 1);
            firsts += usize::from(i == 0);
            opt(ops[i as usize].value as *mut Obj);
            opt(kr_chan_try_recv(quiet, &OPT_INT));
            release(other);
        }
        check((350..=650).contains(&firsts));
        // A waiting select is served by a sender that comes later.
        CH.store(quiet, Ordering::SeqCst);
        let t = spawn(ctx, late_sender, 0);
        let mut ops = [recv_op(quiet)];
        check(select(ctx, &mut ops, 5000, false) == 0);
        check(opt(ops[0].value as *mut Obj) == Some(7));
        join(ctx, t);
        release(t);
        // And a waiting send arm by a later receiver.
        let unbuffered = new_chan(ctx, 0);
        CH.store(unbuffered, Ordering::SeqCst);
        let t = spawn(ctx, late_receiver, 0);
        let mut ops = [SelectOp {
            chan: unbuffered,
            kind: OP_SEND,
            value: 9,
            opt_desc: std::ptr::null(),
        }];
        check(select(ctx, &mut ops, -1, false) == 0);
        check(join(ctx, t) == 9);
        release(t);
        release(unbuffered);
        release(quiet);
        for c in chans {
            release(c);
        }
    }
}

extern "C" fn late_sender(ctx: *mut TaskCtx, _env: *mut Obj) -> i64 {
    // SAFETY: `ctx` is the running task; the channel is live.
    unsafe {
        kr_sleep(ctx, 20);
        send(ctx, ch(), 7);
    }
    0
}

extern "C" fn late_receiver(ctx: *mut TaskCtx, _env: *mut Obj) -> i64 {
    // SAFETY: as above.
    unsafe {
        kr_sleep(ctx, 20);
        recv(ctx, ch()).unwrap_or(-1)
    }
}

#[test]
fn select_fan_in_with_timeout_and_default_arms() {
    let _serial = serial();
    reset();
    assert_eq!(run(2, fan_in_main), Outcome::Returned);
    assert!(!FAILED.load(Ordering::SeqCst));
}

// ---- Deadlock.

extern "C" fn blocked_sender(ctx: *mut TaskCtx, _env: *mut Obj) -> i64 {
    // SAFETY: a live channel; location 1, scope `worker`.
    unsafe { kr_chan_send(ctx, CH2.load(Ordering::SeqCst), 5, 1, 1, NO_FRAME) };
    0
}

extern "C" fn blocked_receiver(ctx: *mut TaskCtx, _env: *mut Obj) -> i64 {
    // SAFETY: a live channel; location 2, scope `worker`.
    unsafe { opt(kr_chan_recv(ctx, ch(), &OPT_INT, 2, 1, NO_FRAME)) };
    0
}

extern "C" fn blocked_selector(ctx: *mut TaskCtx, _env: *mut Obj) -> i64 {
    let mut ops = [recv_op(ch())];
    // SAFETY: a live channel; location 3, scope `worker`.
    unsafe { kr_select(ctx, ops.as_mut_ptr().cast(), 1, -1, false, 3, 1, NO_FRAME) }
}

extern "C" fn blocked_joiner(ctx: *mut TaskCtx, env: *mut Obj) -> i64 {
    // SAFETY: `env` is a live task handle the spawner keeps.
    unsafe { kr_task_join(ctx, env, 4, 1, NO_FRAME) }
}

extern "C" fn deadlock_main(ctx: *mut TaskCtx) {
    // SAFETY: `ctx` is the running task.
    unsafe {
        CH.store(new_chan(ctx, 0), Ordering::SeqCst);
        CH2.store(new_chan(ctx, 0), Ordering::SeqCst);
        // A chain: main joins task 4, which joins task 3 (select), while
        // task 1 sends and task 2 receives on channels nobody else uses...
        let _sender = spawn(ctx, blocked_sender, 0);
        let _receiver = spawn(ctx, blocked_receiver, 0);
        let selector = spawn(ctx, blocked_selector, 0);
        let joiner = kr_spawn(
            ctx,
            blocked_joiner as *const u8,
            selector,
            &INT,
            -1,
            -1,
            std::ptr::null(),
        );
        // A sleeper that ends: the deadlock is found after it.
        let sleeper = spawn(ctx, sleeper, 30);
        join(ctx, sleeper);
        kr_task_join(ctx, joiner, 0, 0, NO_FRAME);
    }
}

extern "C" fn sleeper(ctx: *mut TaskCtx, env: *mut Obj) -> i64 {
    // SAFETY: `ctx` is the running task.
    unsafe { kr_sleep(ctx, env as i64) };
    COUNT.fetch_add(1, Ordering::SeqCst);
    0
}

#[test]
fn deadlock_of_a_chain_of_tasks_is_reported() {
    let _serial = serial();
    reset();
    let expected = "deadlock: all tasks are blocked\n  \
                    main: waiting to join a task at prog.kr:5:13\n  \
                    task 1 (in worker): waiting to send at prog.kr:2:25\n  \
                    task 2 (in worker): waiting to receive at prog.kr:3:9\n  \
                    task 3 (in worker): waiting in select at prog.kr:4:9\n  \
                    task 4 (in worker): waiting to join a task at prog.kr:9:1";
    for workers in [2, 1] {
        assert_eq!(
            run(workers, deadlock_main),
            Outcome::Deadlock {
                report: expected.to_string()
            }
        );
    }
    assert_eq!(super::deadlock::HEADLINE, "deadlock: all tasks are blocked");
    // Main alone, blocked on a channel in another function.
    extern "C" fn main_alone(ctx: *mut TaskCtx) {
        // SAFETY: `ctx` is the running task.
        unsafe {
            let c = new_chan(ctx, 0);
            opt(kr_chan_recv(ctx, c, &OPT_INT, 0, 1, NO_FRAME));
        }
    }
    assert_eq!(
        run(2, main_alone),
        Outcome::Deadlock {
            report: "deadlock: all tasks are blocked\n  \
                     main (in worker): waiting to receive at prog.kr:5:13"
                .to_string()
        }
    );
}

// ---- Panics in tasks.

extern "C" fn panicker(ctx: *mut TaskCtx, env: *mut Obj) -> i64 {
    let n = env as i64;
    // Panic after a few suspends, at location 1.
    for _ in 0..n % 5 {
        // SAFETY: `ctx` is the running task.
        unsafe { kr_yield_now(ctx) };
    }
    if n % 2 == 1 {
        // SAFETY: as above.
        unsafe { kr_panic_kind(ctx, panic_kind::DIV_BY_ZERO, 0, 1, 1, NO_FRAME) };
    }
    n
}

extern "C" fn panics_unobserved_main(ctx: *mut TaskCtx) {
    // SAFETY: `ctx` is the running task.
    unsafe {
        let mut kept = Vec::new();
        for n in 0..200usize {
            let t = spawn(ctx, panicker, n);
            if n % 2 == 0 {
                kept.push((n, t));
            } else if n % 4 == 1 {
                // Dropped at once: reported when the panic happens.
                release(t);
            } else {
                // Kept without a join until the end: reported then.
                kept.push((n, t));
            }
        }
        for (n, t) in kept {
            if n % 2 == 0 {
                check(join(ctx, t) == n as i64);
                release(t);
            }
            // Odd ones stay unjoined, their handles alive at the end.
        }
        kr_sleep(ctx, 10);
    }
}

extern "C" fn join_reraises_main(ctx: *mut TaskCtx) {
    // SAFETY: `ctx` is the running task.
    unsafe {
        let t = spawn(ctx, panicker, 3);
        // A joiner of the panicking task panics in turn, with the same
        // message and location; main joining it does too.
        let j = kr_spawn(
            ctx,
            blocked_joiner as *const u8,
            t,
            &INT,
            -1,
            -1,
            std::ptr::null(),
        );
        join(ctx, j);
    }
}

#[test]
fn task_panics_are_joined_or_reported() {
    let _serial = serial();
    reset();
    assert_eq!(run(2, panics_unobserved_main), Outcome::TaskPanicked);
    assert!(!FAILED.load(Ordering::SeqCst));
    match run(2, join_reraises_main) {
        Outcome::Panicked {
            message, location, ..
        } => {
            assert_eq!(message, "division by zero");
            assert_eq!(location, Some(sloc(2, 25)));
        }
        other => panic!("{other:?}"),
    }
    // A join that observes the panic keeps the program's outcome clean
    // of it; main's own panic is the outcome.
    extern "C" fn observed(ctx: *mut TaskCtx) {
        // SAFETY: `ctx` is the running task.
        unsafe {
            let t = spawn(ctx, panicker, 1);
            join(ctx, t);
        }
    }
    assert_eq!(
        untraced(run(1, observed)),
        Outcome::panicked("division by zero", Some(sloc(2, 25)))
    );
}

// ---- exit, stack overflow.

extern "C" fn exiter(ctx: *mut TaskCtx, _env: *mut Obj) -> i64 {
    // SAFETY: `ctx` is the running task.
    unsafe { kr_exit(ctx, 7) };
    0
}

extern "C" fn exit_main(ctx: *mut TaskCtx) {
    // SAFETY: `ctx` is the running task.
    unsafe {
        let c = new_chan(ctx, 0);
        CH.store(c, Ordering::SeqCst);
        // Busy tasks and a parked main: exit ends them all.
        for _ in 0..4 {
            release(spawn(ctx, spinner, 0));
        }
        let _t = spawn(ctx, exiter, 0);
        recv(ctx, c);
    }
}

/// Recurses `depth` times with a small frame, polling the stack limit the
/// way generated prologues do.
#[inline(never)]
fn recurse(ctx: *mut TaskCtx, depth: usize) -> usize {
    let frame = [depth as u8; 16];
    let sp = std::hint::black_box(&frame) as *const [u8; 16] as usize;
    // SAFETY: `ctx` is the running task.
    if sp < unsafe { (*ctx).stack_limit } {
        // SAFETY: as above.
        unsafe { kr_panic_kind(ctx, panic_kind::STACK_OVERFLOW, 0, 2, 1, NO_FRAME) };
    }
    if depth == 0 {
        return 0;
    }
    let r = recurse(ctx, depth - 1) + 1;
    std::hint::black_box(&frame);
    r
}

extern "C" fn deep(ctx: *mut TaskCtx, env: *mut Obj) -> i64 {
    recurse(ctx, env as usize) as i64
}

extern "C" fn overflow_main(ctx: *mut TaskCtx) {
    // SAFETY: `ctx` is the running task.
    unsafe {
        // 10,000 calls fit in a task's stack...
        let t = spawn(ctx, deep, 10_000);
        check(join(ctx, t) == 10_000);
        release(t);
        // ... a runaway recursion is a panic, delivered by join.
        let t = spawn(ctx, deep, usize::MAX);
        join(ctx, t);
    }
}

#[test]
fn exit_in_a_task_and_stack_overflow_in_a_task() {
    let _serial = serial();
    reset();
    STOP.store(false, Ordering::SeqCst);
    assert_eq!(run(2, exit_main), Outcome::Exited(7));
    assert_eq!(
        untraced(run(2, overflow_main)),
        Outcome::panicked("stack overflow", Some(sloc(3, 9)))
    );
    assert!(!FAILED.load(Ordering::SeqCst));
}

// ---- Preemption and sleep.

static STOP: AtomicBool = AtomicBool::new(false);
static PREEMPTED: AtomicUsize = AtomicUsize::new(0);

/// Spins like JIT code in a loop: polls the preempt flag at each back-edge.
extern "C" fn spinner(ctx: *mut TaskCtx, _env: *mut Obj) -> i64 {
    let mut n = 0i64;
    while !STOP.load(Ordering::Relaxed) {
        n = n.wrapping_add(1);
        // SAFETY: `ctx` is the running task.
        if unsafe { (*ctx).preempt.load(Ordering::Relaxed) } != 0 {
            PREEMPTED.fetch_add(1, Ordering::Relaxed);
            // SAFETY: as above.
            unsafe { kr_preempt(ctx) };
        }
    }
    n
}

extern "C" fn preemption_main(ctx: *mut TaskCtx) {
    // SAFETY: `ctx` is the running task.
    unsafe {
        for _ in 0..8 {
            release(spawn(ctx, spinner, 0));
        }
        // Both workers are busy spinning; main still gets to run.
        kr_sleep(ctx, 20);
        kr_yield_now(ctx);
        COUNT.store(1, Ordering::SeqCst);
    }
}

#[test]
fn spinning_tasks_cannot_starve_main() {
    let _serial = serial();
    reset();
    STOP.store(false, Ordering::SeqCst);
    PREEMPTED.store(0, Ordering::SeqCst);
    let start = Instant::now();
    assert_eq!(run(2, preemption_main), Outcome::Returned);
    STOP.store(true, Ordering::SeqCst);
    assert_eq!(COUNT.load(Ordering::SeqCst), 1);
    assert!(PREEMPTED.load(Ordering::SeqCst) > 0);
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "{:?}",
        start.elapsed()
    );
}

extern "C" fn sleepers_main(ctx: *mut TaskCtx) {
    // SAFETY: `ctx` is the running task.
    unsafe {
        let tasks: Vec<_> = (0..2000).map(|_| spawn(ctx, sleeper, 100)).collect();
        for t in tasks {
            join(ctx, t);
            release(t);
        }
        // Zero and negative sleeps just yield.
        kr_sleep(ctx, 0);
        kr_sleep(ctx, -5);
    }
}

#[test]
fn sleep_parks_the_task_not_the_worker() {
    let _serial = serial();
    reset();
    let start = Instant::now();
    assert_eq!(run(2, sleepers_main), Outcome::Returned);
    let took = start.elapsed();
    assert_eq!(COUNT.load(Ordering::SeqCst), 2000);
    assert!(took >= Duration::from_millis(100), "{took:?}");
    assert!(took < Duration::from_millis(600), "{took:?}");
}

// ---- Atomics.

static ATOMIC: AtomicPtr<Obj> = AtomicPtr::new(std::ptr::null_mut());

extern "C" fn adder(ctx: *mut TaskCtx, _env: *mut Obj) -> i64 {
    let a = ATOMIC.load(Ordering::SeqCst);
    for _ in 0..100_000 {
        // SAFETY: a live counter.
        unsafe { kr_atomic_add(ctx, a, 1, -1, -1, NO_FRAME) };
    }
    // A CAS loop doubling as a contended increment.
    for _ in 0..1000 {
        loop {
            // SAFETY: as above.
            let v = unsafe { kr_atomic_get(a) };
            // SAFETY: as above.
            if unsafe { kr_atomic_cas(a, v, v + 1) } {
                break;
            }
        }
    }
    0
}

extern "C" fn atomics_main(ctx: *mut TaskCtx) {
    // SAFETY: `ctx` is the running task.
    unsafe {
        let a = kr_atomic_new(5);
        ATOMIC.store(a, Ordering::SeqCst);
        let tasks: Vec<_> = (0..8).map(|_| spawn(ctx, adder, 0)).collect();
        for t in tasks {
            join(ctx, t);
            release(t);
        }
        check(kr_atomic_get(a) == 5 + 8 * 101_000);
        check(!kr_atomic_cas(a, 0, 1));
        kr_atomic_set(a, i64::MAX - 1);
        check(kr_atomic_add(ctx, a, 1, -1, -1, NO_FRAME) == i64::MAX);
        // Overflow panics and leaves the value alone.
        kr_atomic_add(ctx, a, 1, 0, 0, NO_FRAME);
    }
}

#[test]
fn atomics_under_contention() {
    let _serial = serial();
    reset();
    match run(2, atomics_main) {
        Outcome::Panicked {
            message, location, ..
        } => {
            assert_eq!(message, "integer overflow");
            assert_eq!(location, Some(sloc(5, 13)));
        }
        other => panic!("{other:?}"),
    }
    assert!(!FAILED.load(Ordering::SeqCst));
    // SAFETY: the counter leaked with main's frame; it is still live.
    assert_eq!(
        unsafe { kr_atomic_get(ATOMIC.load(Ordering::SeqCst)) },
        i64::MAX
    );
}

// ---- Close semantics.

extern "C" fn close_main(ctx: *mut TaskCtx) {
    // SAFETY: `ctx` is the running task.
    unsafe {
        let c = new_chan(ctx, 3);
        check(kr_chan_try_send(ctx, c, 1, -1, -1, NO_FRAME));
        send(ctx, c, 2);
        check(kr_chan_len(c) == 2);
        kr_chan_close(ctx, c, -1, -1, NO_FRAME);
        // Buffered values are drained after the close, then None.
        check(recv(ctx, c) == Some(1));
        check(opt(kr_chan_try_recv(c, &OPT_INT)) == Some(2));
        check(recv(ctx, c).is_none());
        check(opt(kr_chan_try_recv(c, &OPT_INT)).is_none());
        // Receivers waiting when the channel closes get None.
        let c2 = new_chan(ctx, 0);
        CH.store(c2, Ordering::SeqCst);
        let waiting: Vec<_> = (0..10).map(|_| spawn(ctx, parked_receiver, 0)).collect();
        kr_sleep(ctx, 10);
        kr_chan_close(ctx, c2, -1, -1, NO_FRAME);
        for t in waiting {
            check(join(ctx, t) == -1);
            release(t);
        }
        // A sender waiting when the channel closes panics.
        let c3 = new_chan(ctx, 0);
        CH2.store(c3, Ordering::SeqCst);
        let s = spawn(ctx, blocked_sender, 0);
        kr_sleep(ctx, 10);
        kr_chan_close(ctx, c3, -1, -1, NO_FRAME);
        COUNT.store(1, Ordering::SeqCst);
        join(ctx, s);
    }
}

#[test]
fn close_semantics() {
    let _serial = serial();
    reset();
    match run(2, close_main) {
        Outcome::Panicked {
            message, location, ..
        } => {
            assert_eq!(message, "send on a closed channel");
            assert_eq!(location, Some(sloc(2, 25)));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(COUNT.load(Ordering::SeqCst), 1);
    assert!(!FAILED.load(Ordering::SeqCst));

    macro_rules! panics {
        (|$ctx:ident| $($body:tt)*) => {{
            extern "C" fn entry($ctx: *mut TaskCtx) {
                // SAFETY: `ctx` is the running task.
                unsafe { $($body)* };
            }
            match run(2, entry) {
                Outcome::Panicked { message, .. } => message,
                other => format!("{other:?}"),
            }
        }};
    }
    assert_eq!(
        panics!(|ctx| kr_chan_new(ctx, -3, &INT, 0, 0, NO_FRAME)),
        "negative channel capacity: -3"
    );
    assert_eq!(
        panics!(|ctx| {
            let c = new_chan(ctx, 1);
            kr_chan_close(ctx, c, 0, 0, NO_FRAME);
            kr_chan_close(ctx, c, 0, 0, NO_FRAME);
        }),
        "close of a closed channel"
    );
    assert_eq!(
        panics!(|ctx| {
            let c = new_chan(ctx, 1);
            kr_chan_close(ctx, c, 0, 0, NO_FRAME);
            kr_chan_send(ctx, c, 1, 0, 0, NO_FRAME);
        }),
        "send on a closed channel"
    );
    assert_eq!(
        panics!(|ctx| {
            let c = new_chan(ctx, 1);
            kr_chan_close(ctx, c, 0, 0, NO_FRAME);
            kr_chan_try_send(ctx, c, 1, 0, 0, NO_FRAME);
        }),
        "send on a closed channel"
    );
    assert_eq!(
        panics!(|ctx| {
            let c = new_chan(ctx, 1);
            kr_chan_close(ctx, c, 0, 0, NO_FRAME);
            let mut ops = [SelectOp {
                chan: c,
                kind: OP_SEND,
                value: 1,
                opt_desc: std::ptr::null(),
            }];
            select(ctx, &mut ops, -1, false);
        }),
        "send on a closed channel"
    );
}

// ---- Display of handles.

#[test]
fn handles_display_and_compare_by_identity() {
    static CHAN: TypeDesc = desc(desc_kind::CHAN, 1, (&raw const SOME_CH).cast());
    static ATOM: TypeDesc = desc(desc_kind::ATOMIC, 0, std::ptr::null());
    static TASK: TypeDesc = desc(desc_kind::TASK, 1, (&raw const SOME_CH).cast());
    // SAFETY: live objects of the descriptors' types.
    unsafe {
        let a = kr_atomic_new(5);
        assert_eq!(display(a as u64, &ATOM, false), "atomic(5)");
        assert_eq!(display(a as u64, &ATOM, true), "atomic(5)");
        let c = super::chan::ChanObj::alloc(0, &INT).cast::<Obj>();
        assert_eq!(display(c as u64, &CHAN, false), "<chan>");
        assert_eq!(display(1, &TASK, false), "<task>");
        assert!(crate::value::generic::values_eq(c as u64, c as u64, &CHAN));
        let b = kr_atomic_new(5);
        assert!(!crate::value::generic::values_eq(a as u64, b as u64, &ATOM));
        assert!(crate::value::desc::is_heap(&CHAN));
        release(a);
        release(b);
        release(c);
    }
}

/// CPU time used by the whole process so far.
fn process_cpu() -> Duration {
    // SAFETY: getrusage writes into the struct we pass.
    let usage = unsafe {
        let mut u: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut u);
        u
    };
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

/// An idle program (main asleep, one task parked) uses no CPU: the
/// workers park, the ticker sleeps. Ignored because other tests running
/// in the same process would count: run it alone,
/// `cargo test --release -p kriti-runtime idle -- --ignored`.
#[test]
#[ignore]
fn idle_program_uses_no_cpu() {
    extern "C" fn idle_main(ctx: *mut TaskCtx) {
        // SAFETY: `ctx` is the running task.
        unsafe {
            let c = new_chan(ctx, 0);
            CH.store(c, Ordering::SeqCst);
            let t = spawn(ctx, parked_receiver, 0);
            kr_sleep(ctx, 20);
            let before = process_cpu();
            kr_sleep(ctx, 500);
            NANOS.store((process_cpu() - before).as_nanos() as u64, Ordering::SeqCst);
            kr_chan_close(ctx, c, -1, -1, NO_FRAME);
            join(ctx, t);
            release(t);
            release(c);
        }
    }
    let _serial = serial();
    assert_eq!(run(2, idle_main), Outcome::Returned);
    let cpu = Duration::from_nanos(NANOS.load(Ordering::SeqCst));
    eprintln!("CPU while idle for 500 ms: {cpu:?}");
    assert!(cpu < Duration::from_millis(20), "{cpu:?}");
}

// ---- Result ownership.

static STR: TypeDesc = desc(desc_kind::STR, 0, std::ptr::null());
static RC_SEEN: AtomicU64 = AtomicU64::new(0);

extern "C" fn greeter(_ctx: *mut TaskCtx, _env: *mut Obj) -> i64 {
    crate::value::str::StrObj::new("hello from a task") as i64
}

extern "C" fn result_main(ctx: *mut TaskCtx) {
    // SAFETY: `ctx` is the running task; the values are live.
    unsafe {
        let t = kr_spawn(
            ctx,
            greeter as *const u8,
            std::ptr::null_mut(),
            &STR,
            -1,
            -1,
            std::ptr::null(),
        );
        let a = join(ctx, t) as *mut Obj;
        let b = join(ctx, t) as *mut Obj;
        check(a == b);
        check(crate::value::str::as_str(a.cast()) == "hello from a task");
        // The task object's reference and one per join.
        RC_SEEN.store((*a).rc.load(Ordering::SeqCst), Ordering::SeqCst);
        release(a);
        release(t);
        RC_SEEN.fetch_add((*b).rc.load(Ordering::SeqCst) << 8, Ordering::SeqCst);
        release(b);
    }
}

#[test]
fn join_returns_the_result_retained_and_the_task_object_owns_it() {
    let _serial = serial();
    reset();
    assert_eq!(run(2, result_main), Outcome::Returned);
    assert!(!FAILED.load(Ordering::SeqCst));
    // 3 references after two joins; 1 left once the handle and one
    // result are released.
    assert_eq!(RC_SEEN.load(Ordering::SeqCst), 3 | (1 << 8));
}
