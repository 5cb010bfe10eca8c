//! `select`: wait on several channel operations, run the first ready one.
//!
//! Three phases. (1) Poll every op once, in a random order, each under its
//! channel's lock: the first ready one in that order wins, which picks
//! uniformly among the ready ones. (2) With none ready and no default arm,
//! open one wait and register it on every channel (one lock at a time, so
//! there is no lock order to respect), re-checking readiness under each
//! lock; a channel that became ready meanwhile is served at once if we can
//! claim our own wait (else a waker claimed it first). Add a timer for an
//! `after` arm, and park. (3) After the wake, remove the registrations
//! left on the other channels and finish the chosen op: the waker already
//! moved the value, we only build the `Option` or panic on a closed
//! channel. Send values of the ops not chosen are released.

use std::cell::Cell;
use std::time::{Duration, Instant};

use super::chan::{option, wake, ChanObj, SEND_ON_CLOSED};
use super::run::{current_run, park, TaskRun, WaitInfo, Waiter};
use crate::ctx::TaskCtx;
use crate::panic::{guard, panic_with, Site};
use crate::value::desc::{release_value, TypeDesc};
use crate::value::Obj;

/// One operation of a `select`, as JIT code lays it out in a stack slot
/// (32 bytes).
#[repr(C)]
#[derive(Debug)]
pub struct SelectOp {
    /// The channel (borrowed).
    pub chan: *mut Obj,
    /// [`OP_RECV`] or [`OP_SEND`].
    pub kind: i64,
    /// Send: the owned value (consumed if chosen, released otherwise).
    /// Recv: where the owned `Option<T>` is written when chosen.
    pub value: i64,
    /// Recv: the `Option<T>` descriptor.
    pub opt_desc: *const TypeDesc,
}

const _: () = assert!(std::mem::size_of::<SelectOp>() == 32);

/// `SelectOp::kind` of a receive.
pub const OP_RECV: i64 = 0;
/// `SelectOp::kind` of a send.
pub const OP_SEND: i64 = 1;
/// Returned when the `after` arm's timeout fired.
pub const SELECT_TIMEOUT: i64 = -1;
/// Returned for the default arm.
pub const SELECT_DEFAULT: i64 = -2;

thread_local! {
    static RNG: Cell<u64> = const { Cell::new(0) };
}

/// A pseudo-random number (xorshift, per thread; fairness, not secrecy).
fn random() -> u64 {
    RNG.with(|r| {
        let mut x = r.get();
        if x == 0 {
            x = (r as *const Cell<u64> as u64)
                ^ std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0x9e37_79b9, |d| d.as_nanos() as u64)
                | 1;
        }
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        r.set(x);
        x
    })
}

/// How one op went when tried.
enum Tried {
    NotReady,
    /// Not ready; our wait is registered on the channel (phase 2).
    Registered,
    /// Ready, but a waker claimed our wait first (phase 2).
    LostClaim,
    /// Received `Some(v)`, or `None` from a closed channel.
    Received(Option<u64>),
    Sent,
    /// A send on a closed channel.
    Closed,
}

/// Tries op `op` (index `i`) without waiting, under its channel's lock.
/// `wait`, when given, is our open wait (phase 2): a ready op is taken only
/// if we claim the wait ourselves, and a not-ready one gets the wait
/// registered, under the same lock hold, so no wake can slip in between.
fn try_op(op: &SelectOp, i: usize, me: &TaskRun, wait: Option<u64>) -> (Tried, Vec<*mut TaskRun>) {
    // SAFETY: the op's channel is live (borrowed by the caller).
    let c = unsafe { &*op.chan.cast::<ChanObj>() };
    let mut st = c.lock();
    let mep: *const TaskRun = me;
    let ready = if op.kind == OP_SEND {
        st.can_give(c.cap(), mep)
    } else {
        st.can_take(mep)
    };
    if !ready {
        let Some(seq) = wait else {
            return (Tried::NotReady, Vec::new());
        };
        let w = Waiter {
            run: mep.cast_mut(),
            seq,
            op: i as u32,
            owns_value: false,
            value: op.value as u64,
        };
        if op.kind == OP_SEND {
            st.sendq.push_back(w);
        } else {
            st.recvq.push_back(w);
        }
        return (Tried::Registered, Vec::new());
    }
    if wait.is_some_and(|seq| !me.claim(seq)) {
        return (Tried::LostClaim, Vec::new());
    }
    let mut woken = Vec::new();
    let tried = if op.kind == OP_SEND {
        if st.closed {
            Tried::Closed
        } else {
            match st.give(op.value as u64, c.cap(), mep) {
                Ok(w) => {
                    woken.extend(w);
                    Tried::Sent
                }
                // Cannot happen: readiness was checked under the lock.
                Err(_) => Tried::NotReady,
            }
        }
    } else {
        match st.take(mep) {
            Some((v, w)) => {
                woken.extend(w);
                Tried::Received(Some(v))
            }
            None => Tried::Received(None),
        }
    };
    (tried, woken)
}

/// Releases the send values of every op but `chosen`.
fn release_unchosen(ops: &[SelectOp], chosen: Option<usize>) {
    for (i, op) in ops.iter().enumerate() {
        if op.kind == OP_SEND && Some(i) != chosen {
            // SAFETY: the channel is live; the value is owned by the op.
            let desc = unsafe { (*op.chan.cast::<ChanObj>()).elem_desc };
            // SAFETY: as above.
            unsafe { release_value(op.value as u64, desc) };
        }
    }
}

/// The end of a select: what the caller must do.
enum Done {
    Chose(i64),
    PanicClosed,
}

/// Finishes op `i` after it was tried successfully.
fn finish(ops: &mut [SelectOp], i: usize, tried: Tried) -> Done {
    match tried {
        Tried::Received(v) => {
            let desc = ops[i].opt_desc;
            // SAFETY: a valid Option<T> descriptor (caller's contract).
            ops[i].value = unsafe { option(v, desc) } as i64;
            release_unchosen(ops, None);
            Done::Chose(i as i64)
        }
        Tried::Sent => {
            release_unchosen(ops, Some(i));
            Done::Chose(i as i64)
        }
        Tried::Closed | Tried::NotReady | Tried::Registered | Tried::LostClaim => {
            release_unchosen(ops, None);
            Done::PanicClosed
        }
    }
}

/// `select { ... }`: see [`crate::abi`]. Returns the chosen op's index, -1
/// when the `after` timeout fired, -2 for the default arm.
///
/// # Safety
/// `ctx` is the running task's context; `ops` points to `n` valid
/// [`SelectOp`]s whose channels are live.
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn kr_select(
    ctx: *mut TaskCtx,
    ops: *mut u8,
    n: i64,
    timeout_ms: i64,
    has_default: bool,
    loc: i64,
    func: i64,
    frame: *const usize,
) -> i64 {
    let done = guard(ctx, || {
        let n = usize::try_from(n).unwrap_or(0);
        let ops: &mut [SelectOp] = if n == 0 || ops.is_null() {
            &mut []
        } else {
            // SAFETY: caller's contract.
            unsafe { std::slice::from_raw_parts_mut(ops.cast::<SelectOp>(), n) }
        };
        // SAFETY: caller's contract.
        let me = unsafe { current_run(ctx) };
        // A random rotation and direction: every ready op is equally
        // likely to come first.
        let mut order: Vec<usize> = (0..n).collect();
        for i in (1..n).rev() {
            let j = (random() % (i as u64 + 1)) as usize;
            order.swap(i, j);
        }

        // Phase 1: poll.
        for &i in &order {
            let (tried, woken) = try_op(&ops[i], i, me, None);
            if !matches!(tried, Tried::NotReady) {
                woken.into_iter().for_each(wake);
                return finish(ops, i, tried);
            }
        }
        if has_default {
            release_unchosen(ops, None);
            return Done::Chose(SELECT_DEFAULT);
        }
        if timeout_ms == 0 {
            release_unchosen(ops, None);
            return Done::Chose(SELECT_TIMEOUT);
        }

        // Phase 2: register everywhere, then park.
        let info = WaitInfo {
            what: "waiting in select",
            loc,
            func,
        };
        // SAFETY: we are the running task.
        let seq = unsafe { me.begin_wait(info) };
        let mep = me as *const TaskRun as *mut TaskRun;
        let mut registered = 0;
        let mut early: Option<(usize, Tried)> = None;
        let mut claimed_by_other = false;
        for &i in &order {
            let (tried, woken) = try_op(&ops[i], i, me, Some(seq));
            match tried {
                Tried::Registered => registered += 1,
                Tried::LostClaim => {
                    claimed_by_other = true;
                    break;
                }
                tried => {
                    woken.into_iter().for_each(wake);
                    early = Some((i, tried));
                    break;
                }
            }
        }
        let unregister = |ops: &[SelectOp], upto: usize| {
            for &i in &order[..upto] {
                // SAFETY: the channel is live.
                let c = unsafe { &*ops[i].chan.cast::<ChanObj>() };
                c.lock().unregister(mep, seq);
            }
        };
        if let Some((i, tried)) = early {
            // We claimed our own wait: nobody will wake us.
            me.state.store(
                super::run::state::RUNNING,
                std::sync::atomic::Ordering::Relaxed,
            );
            unregister(ops, registered);
            return finish(ops, i, tried);
        }
        if !claimed_by_other && timeout_ms > 0 {
            let deadline = Instant::now() + Duration::from_millis(timeout_ms as u64);
            me.shared().timers.add(deadline, mep, seq);
        }
        // SAFETY: registered; no lock held.
        unsafe { park(ctx) };

        // Phase 3: we were claimed and woken.
        unregister(ops, registered);
        // SAFETY: resumed after the claim.
        let (v, ok, sel) = unsafe { me.handed() };
        if sel < 0 {
            release_unchosen(ops, None);
            return Done::Chose(SELECT_TIMEOUT);
        }
        let i = sel as usize;
        let tried = match (ops[i].kind == OP_SEND, ok) {
            (true, true) => Tried::Sent,
            (true, false) => Tried::Closed,
            (false, true) => Tried::Received(Some(v)),
            (false, false) => Tried::Received(None),
        };
        finish(ops, i, tried)
    });
    match done {
        Done::Chose(i) => i,
        // SAFETY: `ctx` is the running task.
        Done::PanicClosed => unsafe {
            panic_with(ctx, SEND_ON_CLOSED.to_string(), Site { loc, func, frame })
        },
    }
}
