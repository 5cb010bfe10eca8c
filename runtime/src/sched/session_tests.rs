//! Tests of the session scheduler (`session.rs`): Rust entries stand in
//! for a REPL's inputs, driving the ABI as in `tests.rs`.

use std::sync::atomic::{AtomicPtr, Ordering};
use std::sync::Arc;
use std::time::Duration;

use super::session::Scheduler;
use super::task::kr_preempt;
use super::tests::{info, join, new_chan, recv, send, serial, spawn, Entry};
use super::timer::kr_sleep;
use crate::config::{Interrupt, RunConfig};
use crate::ctx::TaskCtx;
use crate::panic::{kr_exit, Outcome};
use crate::value::Obj;

static CH: AtomicPtr<Obj> = AtomicPtr::new(std::ptr::null_mut());
static TASK: AtomicPtr<Obj> = AtomicPtr::new(std::ptr::null_mut());

fn start() -> Scheduler {
    let config = RunConfig {
        workers: 2,
        ..RunConfig::default()
    };
    Scheduler::start(info(), config).expect("scheduler starts")
}

fn call(s: &Scheduler, f: Entry) -> (Outcome, u64) {
    // SAFETY: the entries below take no env.
    unsafe { s.call(info(), f, std::ptr::null_mut(), None) }
}

/// Calls `f`, triggering the call's interrupt after 100 ms.
fn call_interrupted(s: &Scheduler, f: Entry) -> (Outcome, u64) {
    let interrupt = Arc::new(Interrupt::new());
    let watch = Some((Arc::clone(&interrupt), interrupt.generation()));
    let trigger = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(100));
        interrupt.trigger();
    });
    // SAFETY: as in `call`.
    let r = unsafe { s.call(info(), f, std::ptr::null_mut(), watch) };
    trigger.join().expect("trigger thread");
    r
}

extern "C" fn new_channel(ctx: *mut TaskCtx, _env: *mut Obj) -> i64 {
    // SAFETY: `ctx` is the running task. The channel lives (leaks) for
    // the rest of the tests.
    CH.store(unsafe { new_chan(ctx, 0) }, Ordering::SeqCst);
    0
}

extern "C" fn producer(ctx: *mut TaskCtx, _env: *mut Obj) -> i64 {
    for v in 0..3 {
        // SAFETY: a live channel.
        unsafe { send(ctx, CH.load(Ordering::SeqCst), v * 10) };
    }
    99
}

extern "C" fn doubler(ctx: *mut TaskCtx, _env: *mut Obj) -> i64 {
    // SAFETY: as above.
    unsafe { recv(ctx, CH.load(Ordering::SeqCst)) }.map_or(-1, |v| v * 2)
}

extern "C" fn sleeper(ctx: *mut TaskCtx, _env: *mut Obj) -> i64 {
    // SAFETY: `ctx` is the running task.
    unsafe { kr_sleep(ctx, 10_000) };
    0
}

extern "C" fn exiter(ctx: *mut TaskCtx, _env: *mut Obj) -> i64 {
    // SAFETY: `ctx` is the running task.
    unsafe { kr_exit(ctx, 4) };
    0
}

/// An input that spawns `F` and keeps its handle in `TASK`.
extern "C" fn spawn_task<const F: usize>(ctx: *mut TaskCtx, _env: *mut Obj) -> i64 {
    let f: Entry = [producer, doubler, sleeper, exiter][F];
    // SAFETY: `ctx` is the running task; the handle leaks with the tests.
    TASK.store(unsafe { spawn(ctx, f, 0) }, Ordering::SeqCst);
    0
}

extern "C" fn recv_one(ctx: *mut TaskCtx, _env: *mut Obj) -> i64 {
    // SAFETY: a live channel.
    unsafe { recv(ctx, CH.load(Ordering::SeqCst)) }.unwrap_or(-1)
}

extern "C" fn send_21(ctx: *mut TaskCtx, _env: *mut Obj) -> i64 {
    // SAFETY: a live channel.
    unsafe { send(ctx, CH.load(Ordering::SeqCst), 21) };
    0
}

extern "C" fn join_task(ctx: *mut TaskCtx, _env: *mut Obj) -> i64 {
    // SAFETY: a live task handle.
    unsafe { join(ctx, TASK.load(Ordering::SeqCst)) }
}

/// Spins, polling the preemption flag as generated code does.
extern "C" fn spin(ctx: *mut TaskCtx, _env: *mut Obj) -> i64 {
    loop {
        // SAFETY: `ctx` is the running task.
        unsafe {
            if (*ctx).preempt.load(Ordering::Relaxed) != 0 {
                kr_preempt(ctx);
            }
        }
        std::hint::spin_loop();
    }
}

extern "C" fn five(_ctx: *mut TaskCtx, _env: *mut Obj) -> i64 {
    5
}

#[test]
fn tasks_outlive_the_call_that_spawned_them() {
    let _g = serial();
    let s = start();
    assert_eq!(call(&s, new_channel), (Outcome::Returned, 0));
    assert_eq!(call(&s, spawn_task::<0>), (Outcome::Returned, 0));
    for want in [0, 10, 20] {
        assert_eq!(call(&s, recv_one), (Outcome::Returned, want));
    }
    assert_eq!(call(&s, join_task), (Outcome::Returned, 99));
}

#[test]
fn a_deadlocked_call_is_abandoned_and_its_tasks_live_on() {
    let _g = serial();
    let s = start();
    call(&s, new_channel);
    call(&s, spawn_task::<1>);
    let report = "deadlock: all tasks are blocked\n  \
                  main: waiting to receive\n  \
                  task 1: waiting to receive";
    assert_eq!(
        call(&s, recv_one),
        (
            Outcome::Deadlock {
                report: report.to_string()
            },
            0
        )
    );
    // The abandoned input's registration on the channel is stale: the
    // value goes to the task.
    assert_eq!(call(&s, send_21), (Outcome::Returned, 0));
    assert_eq!(call(&s, join_task), (Outcome::Returned, 42));
}

#[test]
fn an_interrupt_abandons_a_running_or_waiting_call() {
    let _g = serial();
    let s = start();
    assert_eq!(call_interrupted(&s, spin), (Outcome::Interrupted, 0));
    call(&s, new_channel);
    // A sleeping task keeps the waiting input from being a deadlock.
    call(&s, spawn_task::<2>);
    assert_eq!(call_interrupted(&s, recv_one), (Outcome::Interrupted, 0));
    assert_eq!(call(&s, five), (Outcome::Returned, 5));
}

#[test]
fn exit_in_a_task_ends_the_scheduler() {
    let _g = serial();
    let s = start();
    assert_eq!(call(&s, spawn_task::<3>), (Outcome::Returned, 0));
    for _ in 0..1000 {
        if s.ended().is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    assert_eq!(s.ended(), Some(Outcome::Exited(4)));
    assert_eq!(call(&s, five), (Outcome::Exited(4), 0));
}
