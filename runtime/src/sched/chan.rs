//! Channels (`chan<T>`, kind CHAN): a buffer and queues of parked senders
//! and receivers behind one lock.
//!
//! ```text
//! offset  size  field
//!      0    16  header     ObjHeader (kind = 6)
//!     16     8  elem_desc  *const TypeDesc   the element type
//!     24     …  runtime-private (capacity, the locked state)
//! ```
//!
//! **Invariants** (under the lock): values wait in the buffer only while no
//! receiver waits; a receiver waits only while the buffer is empty; a
//! sender waits only while the buffer is full (always, for an unbuffered
//! channel) or no receiver waits. Queues may hold entries of `select`s
//! that another channel already satisfied: whoever pops one fails to claim
//! it and drops it. Every value sent is received exactly once: a value
//! moves from a sender (or its queue entry) to the buffer or straight to a
//! claimed receiver's hand-off slot, under the lock.
//!
//! Wakes happen after the lock is released. No lock is held across a
//! suspend.

use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard, PoisonError};

use super::run::{current_run, park, TaskRun, Waiter};
use crate::ctx::TaskCtx;
use crate::panic::{guard, panic_with, Site};
use crate::value::desc::{release_value, TypeDesc};
use crate::value::record::{enum_unit, enum_with, NONE_TAG, SOME_TAG};
use crate::value::{kind, live, Obj, ObjHeader};

/// The panic message of a send on a closed channel.
pub const SEND_ON_CLOSED: &str = "send on a closed channel";

/// The locked part of a channel.
pub(crate) struct ChanState {
    pub(crate) buf: VecDeque<u64>,
    pub(crate) closed: bool,
    pub(crate) recvq: VecDeque<Waiter>,
    pub(crate) sendq: VecDeque<Waiter>,
}

/// A channel object. Only handled through raw pointers.
#[repr(C)]
pub struct ChanObj {
    /// The common header (`kind` = [`kind::CHAN`]).
    pub header: ObjHeader,
    /// The element type.
    pub elem_desc: *const TypeDesc,
    cap: usize,
    state: Mutex<ChanState>,
}

/// Pops the first waiter of `q` that is not `me` and whose wait we claim;
/// entries whose claim fails (stale `select` registrations) are dropped.
fn pop_claimed(q: &mut VecDeque<Waiter>, me: *const TaskRun) -> Option<Waiter> {
    let mut i = 0;
    while i < q.len() {
        if std::ptr::eq(q[i].run, me) {
            i += 1;
            continue;
        }
        let w = q.remove(i)?;
        // SAFETY: queued tasks are parked, kept alive by the runtime.
        if unsafe { (*w.run).claim(w.seq) } {
            return Some(w);
        }
    }
    None
}

/// Wakes a claimed task.
pub(crate) use super::run::wake;

impl ChanState {
    /// Takes a value if one is ready: from the buffer (refilled from the
    /// first waiting sender) or from a waiting sender. Returns the value
    /// and a sender to wake.
    pub(crate) fn take(&mut self, me: *const TaskRun) -> Option<(u64, Option<*mut TaskRun>)> {
        if let Some(v) = self.buf.pop_front() {
            let woken = pop_claimed(&mut self.sendq, me).map(|w| {
                self.buf.push_back(w.value);
                // SAFETY: claimed.
                unsafe { (*w.run).hand_off(0, true, i64::from(w.op)) };
                w.run
            });
            return Some((v, woken));
        }
        let w = pop_claimed(&mut self.sendq, me)?;
        // SAFETY: claimed.
        unsafe { (*w.run).hand_off(0, true, i64::from(w.op)) };
        Some((w.value, Some(w.run)))
    }

    /// Puts `v` (owned) in a waiting receiver's hands or in the buffer;
    /// returns a receiver to wake, or gives `v` back when neither can take
    /// it. The channel must be open.
    pub(crate) fn give(
        &mut self,
        v: u64,
        cap: usize,
        me: *const TaskRun,
    ) -> Result<Option<*mut TaskRun>, u64> {
        if let Some(w) = pop_claimed(&mut self.recvq, me) {
            // SAFETY: claimed.
            unsafe { (*w.run).hand_off(v, true, i64::from(w.op)) };
            return Ok(Some(w.run));
        }
        if self.buf.len() < cap {
            self.buf.push_back(v);
            return Ok(None);
        }
        Err(v)
    }

    /// True when a receive would not wait (a value, a sender, or closed).
    pub(crate) fn can_take(&self, me: *const TaskRun) -> bool {
        !self.buf.is_empty() || self.closed || self.sendq.iter().any(|w| !std::ptr::eq(w.run, me))
    }

    /// True when a send would not wait (a receiver, room, or closed).
    pub(crate) fn can_give(&self, cap: usize, me: *const TaskRun) -> bool {
        self.closed || self.buf.len() < cap || self.recvq.iter().any(|w| !std::ptr::eq(w.run, me))
    }

    /// Removes every registration of wait `seq` of task `me`.
    pub(crate) fn unregister(&mut self, me: *const TaskRun, seq: u64) {
        let mine = |w: &Waiter| std::ptr::eq(w.run, me) && w.seq == seq;
        self.recvq.retain(|w| !mine(w));
        self.sendq.retain(|w| !mine(w));
    }
}

impl ChanObj {
    /// A new channel with count 1.
    pub(crate) fn alloc(cap: usize, elem_desc: *const TypeDesc) -> *mut ChanObj {
        live::allocated();
        Box::into_raw(Box::new(ChanObj {
            header: ObjHeader::new(kind::CHAN),
            elem_desc,
            cap,
            state: Mutex::new(ChanState {
                buf: VecDeque::with_capacity(cap.min(1024)),
                closed: false,
                recvq: VecDeque::new(),
                sendq: VecDeque::new(),
            }),
        }))
    }

    /// The capacity (0: unbuffered).
    pub(crate) fn cap(&self) -> usize {
        self.cap
    }

    /// Locks the channel's state.
    pub(crate) fn lock(&self) -> MutexGuard<'_, ChanState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Frees a channel whose count reached zero, handing each buffered
    /// heap value to `drop_child`.
    ///
    /// # Safety
    /// `p` is a channel that nothing references any more.
    pub(crate) unsafe fn free(p: *mut ChanObj, drop_child: &mut dyn FnMut(u64)) {
        // SAFETY: caller's contract.
        let c = unsafe { Box::from_raw(p) };
        // SAFETY: a valid descriptor or null.
        let heap = unsafe { crate::value::desc::is_heap(c.elem_desc) };
        let st = c.state.into_inner().unwrap_or_else(PoisonError::into_inner);
        if heap {
            st.buf.iter().for_each(|&v| drop_child(v));
            // Parked senders cannot outlive their reference to the channel;
            // owned values in the queue are dropped all the same.
            st.sendq
                .iter()
                .filter(|w| w.owns_value)
                .for_each(|w| drop_child(w.value));
        }
        live::freed();
    }

    /// Closes the channel: wakes every waiter (receivers get "closed",
    /// senders panic). Err when it was closed already.
    pub(crate) fn close(&self) -> Result<(), ()> {
        let mut st = self.lock();
        if st.closed {
            return Err(());
        }
        st.closed = true;
        let recvq = std::mem::take(&mut st.recvq);
        let sendq = std::mem::take(&mut st.sendq);
        drop(st);
        for w in recvq.iter().chain(sendq.iter()) {
            // SAFETY: queued tasks are parked and alive.
            let t = unsafe { &*w.run };
            if t.claim(w.seq) {
                // SAFETY: claimed.
                unsafe { t.hand_off(0, false, i64::from(w.op)) };
                wake(w.run);
            }
            if w.owns_value {
                // SAFETY: the entry owned the value; its sender will panic.
                unsafe { release_value(w.value, self.elem_desc) };
            }
        }
        Ok(())
    }
}

/// A `Some(v)` (`v` owned, moved in) or `None` of the `Option<T>` type
/// `opt_desc`.
///
/// # Safety
/// `opt_desc` is a valid `Option<T>` descriptor; `v` a valid `T`.
pub(crate) unsafe fn option(v: Option<u64>, opt_desc: *const TypeDesc) -> *mut Obj {
    // SAFETY: caller's contract.
    unsafe {
        match v {
            Some(v) => enum_with(opt_desc, SOME_TAG, v),
            None => enum_unit(opt_desc, NONE_TAG),
        }
    }
}

/// `chan<T>(cap)`: a new channel (count 1). `cap` 0 is unbuffered; a
/// negative one panics "negative channel capacity: -3".
///
/// # Safety
/// `ctx` is the running task's context; `elem_desc` null or valid.
pub unsafe extern "C" fn kr_chan_new(
    ctx: *mut TaskCtx,
    cap: i64,
    elem_desc: *const TypeDesc,
    loc: i64,
    func: i64,
    frame: *const usize,
) -> *mut Obj {
    if cap < 0 {
        let message = guard(ctx, || format!("negative channel capacity: {cap}"));
        // SAFETY: `ctx` is the running task.
        unsafe { panic_with(ctx, message, Site { loc, func, frame }) }
    }
    guard(ctx, || ChanObj::alloc(cap as usize, elem_desc).cast())
}

/// `ch.send(v)`: consumes `v`; waits while the channel is full (unbuffered:
/// until a receiver takes it). Panics "send on a closed channel", also
/// when the channel is closed while the sender waits.
///
/// # Safety
/// `ctx` is the running task's context; `ch` a live channel; `v` an owned
/// value of its element type.
pub unsafe extern "C" fn kr_chan_send(
    ctx: *mut TaskCtx,
    ch: *mut Obj,
    v: i64,
    loc: i64,
    func: i64,
    frame: *const usize,
) {
    let ok = guard(ctx, || {
        // SAFETY: caller's contract.
        let (c, me) = unsafe { (&*ch.cast::<ChanObj>(), current_run(ctx)) };
        let mut st = c.lock();
        if st.closed {
            drop(st);
            // SAFETY: we own `v`.
            unsafe { release_value(v as u64, c.elem_desc) };
            return false;
        }
        let v = match st.give(v as u64, c.cap, me) {
            Ok(woken) => {
                drop(st);
                if let Some(t) = woken {
                    wake(t);
                }
                return true;
            }
            Err(v) => v,
        };
        st.sendq.push_back(Waiter {
            owns_value: true,
            value: v,
            // SAFETY: we are the running task.
            ..unsafe { me.wait_for("waiting to send", loc, func) }
        });
        drop(st);
        // SAFETY: registered; no lock held.
        unsafe { park(ctx) };
        // SAFETY: resumed after the claim.
        unsafe { me.handed() }.1
    });
    if !ok {
        // SAFETY: `ctx` is the running task.
        unsafe { panic_with(ctx, SEND_ON_CLOSED.to_string(), Site { loc, func, frame }) }
    }
}

/// `ch.recv()`: waits for a value; returns an owned `Option<T>` (`opt_desc`
/// is its descriptor): `Some(v)`, or `None` once the channel is closed and
/// drained.
///
/// # Safety
/// `ctx` is the running task's context; `ch` a live channel; `opt_desc` a
/// valid `Option<T>` descriptor.
pub unsafe extern "C" fn kr_chan_recv(
    ctx: *mut TaskCtx,
    ch: *mut Obj,
    opt_desc: *const TypeDesc,
    loc: i64,
    func: i64,
    _frame: *const usize,
) -> *mut Obj {
    guard(ctx, || {
        // SAFETY: caller's contract.
        let (c, me) = unsafe { (&*ch.cast::<ChanObj>(), current_run(ctx)) };
        let mut st = c.lock();
        let got = match st.take(me) {
            Some((v, woken)) => {
                drop(st);
                if let Some(t) = woken {
                    wake(t);
                }
                Some(v)
            }
            None if st.closed => None,
            None => {
                // SAFETY: we are the running task.
                st.recvq
                    .push_back(unsafe { me.wait_for("waiting to receive", loc, func) });
                drop(st);
                // SAFETY: registered; no lock held.
                unsafe { park(ctx) };
                // SAFETY: resumed after the claim.
                let (v, ok, _) = unsafe { me.handed() };
                ok.then_some(v)
            }
        };
        // SAFETY: caller's contract.
        unsafe { option(got, opt_desc) }
    })
}

/// `ch.try_send(v)`: never waits. Consumes `v` either way (released when
/// not sent). Panics on a closed channel like `send`.
///
/// # Safety
/// As [`kr_chan_send`].
pub unsafe extern "C" fn kr_chan_try_send(
    ctx: *mut TaskCtx,
    ch: *mut Obj,
    v: i64,
    loc: i64,
    func: i64,
    frame: *const usize,
) -> bool {
    let r = guard(ctx, || {
        // SAFETY: caller's contract.
        let c = unsafe { &*ch.cast::<ChanObj>() };
        let me = super::run::current_or_null(ctx);
        let mut st = c.lock();
        if st.closed {
            drop(st);
            // SAFETY: we own `v`.
            unsafe { release_value(v as u64, c.elem_desc) };
            return None;
        }
        let r = st.give(v as u64, c.cap, me);
        drop(st);
        match r {
            Ok(woken) => {
                if let Some(t) = woken {
                    wake(t);
                }
                Some(true)
            }
            Err(v) => {
                // SAFETY: we own `v`.
                unsafe { release_value(v, c.elem_desc) };
                Some(false)
            }
        }
    });
    match r {
        Some(sent) => sent,
        // SAFETY: `ctx` is the running task.
        None => unsafe { panic_with(ctx, SEND_ON_CLOSED.to_string(), Site { loc, func, frame }) },
    }
}

/// `ch.try_recv()`: never waits; `Some(v)` when a value is ready, else
/// `None`. Returns an owned `Option<T>` of descriptor `opt_desc`.
///
/// # Safety
/// `ch` is a live channel; `opt_desc` a valid `Option<T>` descriptor.
pub unsafe extern "C" fn kr_chan_try_recv(ch: *mut Obj, opt_desc: *const TypeDesc) -> *mut Obj {
    guard(std::ptr::null_mut(), || {
        // SAFETY: caller's contract.
        let c = unsafe { &*ch.cast::<ChanObj>() };
        let me = super::run::current_or_null(std::ptr::null_mut());
        let mut st = c.lock();
        let got = st.take(me);
        drop(st);
        let got = got.map(|(v, woken)| {
            if let Some(t) = woken {
                wake(t);
            }
            v
        });
        // SAFETY: caller's contract.
        unsafe { option(got, opt_desc) }
    })
}

/// `ch.close()`: wakes every waiting receiver (they get `None` once the
/// buffer is drained) and every waiting sender (they panic). Panics
/// "close of a closed channel".
///
/// # Safety
/// `ctx` is the running task's context; `ch` a live channel.
pub unsafe extern "C" fn kr_chan_close(
    ctx: *mut TaskCtx,
    ch: *mut Obj,
    loc: i64,
    func: i64,
    frame: *const usize,
) {
    // SAFETY: caller's contract.
    let r = guard(ctx, || unsafe { &*ch.cast::<ChanObj>() }.close());
    if r.is_err() {
        let message = "close of a closed channel".to_string();
        // SAFETY: `ctx` is the running task.
        unsafe { panic_with(ctx, message, Site { loc, func, frame }) }
    }
}

/// `ch.len()`: the number of values buffered now.
///
/// # Safety
/// `ch` is a live channel.
pub unsafe extern "C" fn kr_chan_len(ch: *mut Obj) -> i64 {
    guard(std::ptr::null_mut(), || {
        // SAFETY: caller's contract.
        unsafe { &*ch.cast::<ChanObj>() }.lock().buf.len() as i64
    })
}
