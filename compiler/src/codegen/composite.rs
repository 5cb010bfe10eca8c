//! Composite values: arrays, tuples, structs and enum values.
//!
//! Consumes the composite expressions of KIR (literals, `Field`, `Index`,
//! `Slice`, writes through a `Place`, `for x in xs`, `Variant`, `Tag`,
//! `Payload`); produces Cranelift code that builds objects through the
//! runtime, reads them inline and writes them with copy-on-write. Layouts
//! (`kriti_runtime::value`):
//!
//! ```text
//! record (tuple, struct): [header 16][desc][slot 0][slot 1]...      slot i at 24 + 8*i
//! enum value:             [header 16][desc][tag][payload 0]...      payload i at 32 + 8*i
//! array:                  [header 16][desc][len][cap][data ptr]     element i at data + 8*i
//! ```
//!
//! An enum value is a record whose slot 0 is its tag; a payload-less
//! variant is a static immortal object (`DescPool::unit_variant`), so
//! `None` costs no allocation. Enum values are never written in place.
//!
//! A slot holds the 8-byte encoding of any value: `int` bits, `float` bits,
//! `bool` as 0/1, unit as 0, or a heap pointer that owns one reference
//! ([`Lowerer::encode_slot`], [`Lowerer::decode_slot`]).
//!
//! **Ownership.** Constructors store owned values into the fresh object's
//! slots. Reading a field or element retains what it loads (the result is
//! owned, as every expression's is). A value that an operation only reads
//! (the base of `a[i]`, the operand of `len()`, `==`, display, ...) is
//! *borrowed* when it is a local or a field/element path inside one
//! ([`Lowerer::borrow`]): it is read in place, with no retain and release,
//! provided nothing evaluated before the use can assign that local.
//!
//! **Copy-on-write.** A write through a place (`AssignPlace`,
//! `MutIntrinsic`, `CallMut`) first evaluates every index of the path and
//! every operand, then walks the path from the local: each object on the
//! way is made unique (`kr_make_unique`, skipped inline when its count is
//! one) and stored back where it was found, so the write that follows
//! changes no other copy of the value.
//!
//! This file does not decide what an operation means (the checker did) and
//! does not display or compare values (the runtime does, through the type
//! descriptors of `descs.rs`).

use cranelift_codegen::ir::{condcodes::IntCC, types, BlockArg, InstBuilder, MemFlagsData, Value};
use cranelift_frontend::Variable;
use cranelift_module::Module;
use kriti_runtime::value::array::{ARRAY_DATA_OFFSET, ARRAY_LEN_OFFSET};
use kriti_runtime::value::record::RECORD_SLOTS_OFFSET;

use super::function::{Lowerer, R};
use super::places::{chain_local, hoist_candidates, StepKey};
use super::{clif_type, ice};
use crate::ir::kir::{Expr, ExprKind, FuncId, Intrinsic, LocalId, Place, PlaceStep, SelectOp};
use crate::ir::types::Type;
use crate::ir::visit::for_each_child;
use crate::span::Span;

/// More elements than any array can hold (8-byte slots in a 48-bit
/// address space), and more bytes than any string: the upper bound of a
/// length, for the ranges that spare overflow checks.
pub(crate) const MAX_LEN: i64 = 1 << 48;

/// Offset of slot 0 of a record.
const SLOTS: i32 = RECORD_SLOTS_OFFSET as i32;
/// Offset of an array's length.
const ARRAY_LEN: i32 = ARRAY_LEN_OFFSET as i32;
/// Offset of an array's element buffer pointer.
const ARRAY_DATA: i32 = ARRAY_DATA_OFFSET as i32;

/// A value read for one operation: borrowed in place, or an owned
/// temporary (`temp`) that [`Lowerer::end_borrow`] releases.
pub(crate) struct Borrowed {
    pub value: Value,
    temp: Option<Value>,
}

/// Where the value at the end of a place lives, once the path to it has
/// been made unique.
enum Target {
    /// The place is the local itself (an empty path); `None` when the
    /// local has no representation.
    Local(Option<Variable>),
    /// A slot (field or element) at this address.
    Slot(Value),
}

/// True for the types whose values are composite objects (they have a
/// type descriptor the runtime compares and displays them by).
pub(crate) fn is_composite(ty: &Type) -> bool {
    matches!(
        ty,
        Type::Array(_)
            | Type::Tuple(_)
            | Type::Struct(..)
            | Type::Map(..)
            | Type::Task(_)
            | Type::Chan(_)
            | Type::Atomic
            | Type::Fn(..)
    ) || ty.is_enum()
}

/// True for the types whose values are records with fields (`Field`).
fn is_record(ty: &Type) -> bool {
    matches!(ty, Type::Tuple(_) | Type::Struct(..))
}

impl<M: Module> Lowerer<'_, '_, '_, M> {
    // ---- Slots ----------------------------------------------------------

    /// The slot encoding of `v`, a value of type `ty` (`None`: zero-sized).
    pub(crate) fn encode_slot(&mut self, v: Option<Value>, ty: &Type) -> R<Value> {
        let Some(v) = v else {
            return Ok(self.b.ins().iconst(types::I64, 0));
        };
        let slot = match ty {
            Type::Float => self.b.ins().bitcast(types::I64, MemFlagsData::new(), v),
            Type::Bool => self.b.ins().uextend(types::I64, v),
            _ => v,
        };
        if self.b.func.dfg.value_type(slot) != types::I64 {
            return Err(ice(format_args!("a `{ty}` value does not fit a slot")));
        }
        Ok(slot)
    }

    /// The value of type `ty` that the slot encoding `raw` holds.
    pub(crate) fn decode_slot(&mut self, raw: Value, ty: &Type) -> Option<Value> {
        match ty {
            Type::Float => Some(self.b.ins().bitcast(types::F64, MemFlagsData::new(), raw)),
            Type::Bool => Some(self.b.ins().ireduce(types::I8, raw)),
            Type::Unit | Type::Never | Type::Error => None,
            _ => Some(raw),
        }
    }

    /// The form in which `v`, a value of type `ty`, is stored into a slot:
    /// its slot encoding, except that a float stays an `f64` (a store
    /// writes the same 8 bytes without a move through an integer
    /// register).
    pub(crate) fn store_form(&mut self, v: Option<Value>, ty: &Type) -> R<Value> {
        match (v, ty) {
            (Some(v), Type::Float) => Ok(v),
            _ => self.encode_slot(v, ty),
        }
    }

    /// Loads the value of type `ty` in the slot at `addr + offset`: a
    /// float is loaded as an `f64`; a value without representation gives
    /// the slot's (ignored) bits.
    fn load_slot(&mut self, addr: Value, offset: i32, ty: &Type) -> Value {
        self.load_slot_with(addr, offset, ty, MemFlagsData::trusted())
    }

    fn load_slot_with(
        &mut self,
        addr: Value,
        offset: i32,
        ty: &Type,
        flags: MemFlagsData,
    ) -> Value {
        let t = if *ty == Type::Float {
            types::F64
        } else {
            types::I64
        };
        let raw = self.b.ins().load(t, flags, addr, offset);
        if t == types::F64 {
            return raw;
        }
        self.decode_slot(raw, ty).unwrap_or(raw)
    }

    /// [`Lowerer::load_slot`] for a type that may have no representation.
    fn load_value(&mut self, addr: Value, offset: i32, ty: &Type) -> Option<Value> {
        let v = self.load_slot(addr, offset, ty);
        clif_type(ty, self.shared.pointer).map(|_| v)
    }

    /// Loads the 8 bytes at `addr + offset` (a slot or a header field).
    fn load8(&mut self, addr: Value, offset: i32) -> Value {
        self.b
            .ins()
            .load(types::I64, MemFlagsData::trusted(), addr, offset)
    }

    fn store8(&mut self, v: Value, addr: Value, offset: i32) {
        self.b.ins().store(MemFlagsData::trusted(), v, addr, offset);
    }

    /// The length of the array `arr`.
    pub(crate) fn array_len(&mut self, arr: Value) -> Value {
        let len = self.load8(arr, ARRAY_LEN);
        self.set_range(len, (0, MAX_LEN));
        len
    }

    /// The address of element `i` of the array `arr`, after checking that
    /// `0 <= i < len` (else "index out of bounds" at `span`).
    fn element_addr(&mut self, arr: Value, i: Value, span: Span) -> R<Value> {
        self.element_addr_in(arr, i, span, false)
    }

    /// [`Lowerer::element_addr`]; `frozen` says that `arr` is inside a
    /// local whose value never changes ([`Lowerer::frozen`]), so its
    /// length and buffer are loaded as read-only memory, which Cranelift
    /// may share between accesses and hoist out of loops.
    fn element_addr_in(&mut self, arr: Value, i: Value, span: Span, frozen: bool) -> R<Value> {
        let len = self.header_load(arr, ARRAY_LEN, frozen);
        self.set_range(len, (0, MAX_LEN));
        // One unsigned compare also catches a negative index.
        let out = self.b.ins().icmp(IntCC::UnsignedGreaterThanOrEqual, i, len);
        let cont = self.enter_cold_if(out);
        let loc = self.loc(span);
        let [loc, func, frame] = self.panic_site(loc);
        self.call_rt("kr_panic_index", &[self.ctx, i, len, loc, func, frame])?;
        if self.reachable() {
            return Err(ice("`kr_panic_index` returns"));
        }
        self.continue_in(cont);
        let data = self.header_load(arr, ARRAY_DATA, frozen);
        let offset = self.b.ins().ishl_imm_u(i, 3);
        Ok(self.b.ins().iadd(data, offset))
    }

    /// True when `e` is a path inside a local whose value never changes
    /// in this function (`Borrows::stable`).
    fn frozen(&self, e: &Expr) -> bool {
        chain_local(e).is_some_and(|root| self.stable.contains(&root))
    }

    /// Loads 8 bytes at `obj + offset`, inside the object `obj` (a header
    /// field or a record slot); `frozen` as in
    /// [`Lowerer::element_addr_in`]. Such a load may move anywhere `obj`
    /// is defined, since the object is alive and unchanged there.
    fn header_load(&mut self, obj: Value, offset: i32, frozen: bool) -> Value {
        self.b
            .ins()
            .load(types::I64, Self::object_flags(frozen), obj, offset)
    }

    /// The flags of an element load: read-only when `frozen`, but never
    /// movable (above its bounds check).
    fn element_flags(frozen: bool) -> MemFlagsData {
        if frozen {
            MemFlagsData::trusted().with_readonly()
        } else {
            MemFlagsData::trusted()
        }
    }

    fn object_flags(frozen: bool) -> MemFlagsData {
        if frozen {
            MemFlagsData::trusted().with_readonly().with_can_move()
        } else {
            MemFlagsData::trusted()
        }
    }

    /// The offset of field (slot) `index` of a record.
    fn field_offset(index: u32) -> R<i32> {
        i32::try_from(index)
            .ok()
            .and_then(|i| i.checked_mul(8))
            .and_then(|o| o.checked_add(SLOTS))
            .ok_or_else(|| ice("a field index out of range"))
    }

    /// The offset of payload value `index` of an enum value (slot
    /// `1 + index`, after the tag).
    fn payload_offset(index: u32) -> R<i32> {
        Self::field_offset(index.checked_add(1).ok_or_else(|| ice("a payload index"))?)
    }

    /// The type of field `index` of the record type `ty`.
    fn field_type(&self, ty: &Type, index: u32) -> R<Type> {
        let found = match ty {
            Type::Tuple(fields) => fields.get(index as usize).cloned(),
            Type::Struct(id, _) => self
                .shared
                .program
                .structs
                .get(*id as usize)
                .and_then(|s| s.fields.get(index as usize))
                .map(|(_, t)| t.clone()),
            _ => None,
        };
        found.ok_or_else(|| ice(format_args!("no field {index} in `{ty}`")))
    }

    /// The field types of the record type `ty`.
    fn field_types(&self, ty: &Type) -> R<Vec<Type>> {
        match ty {
            Type::Tuple(fields) => Ok(fields.clone()),
            Type::Struct(id, _) => self
                .shared
                .program
                .structs
                .get(*id as usize)
                .map(|s| s.fields.iter().map(|(_, t)| t.clone()).collect())
                .ok_or_else(|| ice(format_args!("unknown struct `{ty}`"))),
            _ => Err(ice(format_args!("fields of `{ty}`"))),
        }
    }

    // ---- Borrowing --------------------------------------------------------

    /// Lowers `e`, a value of type `want` that the caller only reads until
    /// it calls [`Lowerer::end_borrow`]. `later` are the expressions the
    /// caller evaluates between the two: a local (or a path inside one)
    /// that none of them can assign is read in place, without a retain and
    /// a release; anything else is evaluated to an owned temporary.
    pub(crate) fn borrow(&mut self, e: &Expr, want: &Type, later: &[&Expr]) -> R<Borrowed> {
        self.borrow_avoiding(e, want, later, None)
    }

    /// [`Lowerer::borrow`], but never reading in place from the local
    /// `avoid`. The borrowed value is lent to code that may keep a
    /// reference to it (a callee, a runtime function), so the place
    /// cache stops taking its root's objects for unique.
    pub(crate) fn borrow_avoiding(
        &mut self,
        e: &Expr,
        want: &Type,
        later: &[&Expr],
        avoid: Option<LocalId>,
    ) -> R<Borrowed> {
        if want.is_heap() {
            if let Some(root) = chain_local(e) {
                self.places.shared(root);
            }
        }
        self.borrow_inner(e, want, later, avoid)
    }

    /// [`Lowerer::borrow`] of an object that this file only loads from
    /// (a field, an element, a tag): the place cache is kept.
    fn borrow_to_read(&mut self, e: &Expr, want: &Type, later: &[&Expr]) -> R<Borrowed> {
        self.borrow_inner(e, want, later, None)
    }

    fn borrow_inner(
        &mut self,
        e: &Expr,
        want: &Type,
        later: &[&Expr],
        avoid: Option<LocalId>,
    ) -> R<Borrowed> {
        if clif_type(want, self.shared.pointer).is_none() {
            // Nothing to read (unit, or code that never runs).
            self.value(e, want)?;
            let value = self.b.ins().iconst(types::I64, 0);
            return Ok(Borrowed { value, temp: None });
        }
        if let Some(root) = self.chain_root(e) {
            if Some(root) != avoid && !later.iter().any(|l| writes_local(l, root)) {
                let value = self.read_chain(e)?;
                return Ok(Borrowed { value, temp: None });
            }
        }
        let value = self.operand(e, want)?;
        let temp = want.is_heap().then_some(value);
        Ok(Borrowed { value, temp })
    }

    /// Reads `e`, the value of a borrowed local's `let` (a chain from a
    /// root that is never written, `ir/borrows.rs`), in place.
    pub(crate) fn read_in_place(&mut self, e: &Expr) -> R<Option<Value>> {
        if !self.reachable() {
            return self.expr(e);
        }
        if self.chain_root(e).is_none() {
            return Err(ice("a borrowed local bound to a value that is not a place"));
        }
        self.read_chain(e).map(Some)
    }

    /// Ends a borrow: releases the temporary, if there was one.
    pub(crate) fn end_borrow(&mut self, b: Borrowed) -> R<()> {
        match b.temp {
            Some(t) => self.release(t),
            None => Ok(()),
        }
    }

    /// The local that `e` reads in place, if `e` is a local or a chain of
    /// fields and elements of one whose index expressions cannot assign
    /// that local (which could free what the chain has read so far).
    fn chain_root(&self, e: &Expr) -> Option<LocalId> {
        match &e.kind {
            ExprKind::Local(id) => match self.var(*id) {
                Ok(Some(_)) => Some(*id),
                _ => None,
            },
            ExprKind::Field(base, _) if is_record(&base.ty) => self.chain_root(base),
            ExprKind::Payload(base, _) if base.ty.is_enum() => self.chain_root(base),
            ExprKind::Index(base, index) if matches!(base.ty, Type::Array(_)) => {
                let root = self.chain_root(base)?;
                (!writes_local(index, root)).then_some(root)
            }
            _ => None,
        }
    }

    /// Reads a chain accepted by [`Lowerer::chain_root`] in place: no
    /// reference is added to what it loads.
    fn read_chain(&mut self, e: &Expr) -> R<Value> {
        let key = match e.kind {
            ExprKind::Local(_) => None,
            _ if is_composite(&e.ty) => self.places.chain_key(e),
            _ => None,
        };
        if let Some(ptr) = key.as_ref().and_then(|k| self.places.get(k)) {
            return Ok(ptr);
        }
        let v = self.read_chain_uncached(e)?;
        if let Some(key) = key {
            self.places.insert(key, v, false);
        }
        Ok(v)
    }

    fn read_chain_uncached(&mut self, e: &Expr) -> R<Value> {
        // A zero-sized field reads as its (ignored) encoding.
        Ok(match &e.kind {
            ExprKind::Local(id) => {
                let var = self
                    .var(*id)?
                    .ok_or_else(|| ice("borrowing a local without a value"))?;
                self.b.use_var(var)
            }
            ExprKind::Field(base, index) => {
                self.field_type(&base.ty, *index)?;
                let obj = self.read_chain(base)?;
                let flags = Self::object_flags(self.frozen(base));
                self.load_slot_with(obj, Self::field_offset(*index)?, &e.ty, flags)
            }
            ExprKind::Payload(base, index) => {
                let obj = self.read_chain(base)?;
                let flags = Self::object_flags(self.frozen(base));
                self.load_slot_with(obj, Self::payload_offset(*index)?, &e.ty, flags)
            }
            ExprKind::Index(base, index) => {
                let frozen = self.frozen(base);
                let arr = self.read_chain(base)?;
                let i = self.operand(index, &Type::Int)?;
                let addr = self.element_addr_in(arr, i, e.span, frozen)?;
                self.load_slot_with(addr, 0, &e.ty, Self::element_flags(frozen))
            }
            _ => return Err(ice("borrowing an expression that is not a place")),
        })
    }

    // ---- Construction -----------------------------------------------------

    /// `[a, b, c]`: the elements are evaluated first, then stored (owned)
    /// into a new array.
    pub(crate) fn array_lit(&mut self, e: &Expr, items: &[Expr]) -> R<Value> {
        let Type::Array(elem) = &e.ty else {
            return Err(ice(format_args!("an array literal of type `{}`", e.ty)));
        };
        let mut slots = Vec::with_capacity(items.len());
        for item in items {
            let v = self.value(item, elem)?;
            slots.push(self.store_form(v, elem)?);
        }
        let desc = self.desc(&e.ty)?;
        let len = i64::try_from(items.len()).map_err(|_| ice("array literal too long"))?;
        let len = self.b.ins().iconst(types::I64, len);
        let arr = self.call_rt_value("kr_array_new", &[desc, len])?;
        if !slots.is_empty() {
            let data = self.load8(arr, ARRAY_DATA);
            for (i, slot) in slots.into_iter().enumerate() {
                let offset = i32::try_from(i * 8).map_err(|_| ice("array literal too long"))?;
                self.store8(slot, data, offset);
            }
        }
        Ok(arr)
    }

    /// `[value; count]`: the runtime copies (retains) the borrowed value.
    pub(crate) fn array_repeat(&mut self, e: &Expr, value: &Expr, count: &Expr) -> R<Value> {
        let Type::Array(elem) = &e.ty else {
            return Err(ice(format_args!("an array of type `{}`", e.ty)));
        };
        let v = self.borrow(value, elem, &[count])?;
        let slot = if clif_type(elem, self.shared.pointer).is_some() {
            self.encode_slot(Some(v.value), elem)?
        } else {
            v.value
        };
        let n = self.operand(count, &Type::Int)?;
        let desc = self.desc(&e.ty)?;
        let loc = self.loc(e.span);
        let [loc, func, frame] = self.panic_site(loc);
        let args = [self.ctx, desc, slot, n, loc, func, frame];
        let arr = self.call_rt_value("kr_array_repeat", &args)?;
        self.end_borrow(v)?;
        Ok(arr)
    }

    /// A tuple or struct: the fields (in slot order) are evaluated first,
    /// then stored (owned) into a new record.
    pub(crate) fn record_lit(&mut self, e: &Expr, items: &[Expr]) -> R<Value> {
        let fields = self.field_types(&e.ty)?;
        if fields.len() != items.len() {
            return Err(ice(format_args!(
                "a `{}` literal with {} fields",
                e.ty,
                items.len()
            )));
        }
        let mut slots = Vec::with_capacity(items.len());
        for (item, ty) in items.iter().zip(&fields) {
            let v = self.value(item, ty)?;
            slots.push(self.store_form(v, ty)?);
        }
        let desc = self.desc(&e.ty)?;
        let record = self.call_rt_value("kr_record_new", &[desc])?;
        for (i, slot) in slots.into_iter().enumerate() {
            let offset = Self::field_offset(u32::try_from(i).map_err(|_| ice("too many fields"))?)?;
            self.store8(slot, record, offset);
        }
        Ok(record)
    }

    /// A value of variant `tag` of the enum type `e.ty`: the payload values
    /// are evaluated first, then stored (owned) into a new enum object; a
    /// variant without payload is its static immortal object.
    pub(crate) fn variant(&mut self, e: &Expr, tag: u32, payload: &[Expr]) -> R<Value> {
        let variants = self
            .shared
            .program
            .variants(&e.ty)
            .ok_or_else(|| ice(format_args!("a variant of `{}`", e.ty)))?;
        let (_, tys) = variants
            .get(tag as usize)
            .ok_or_else(|| ice(format_args!("variant {tag} of `{}`", e.ty)))?;
        if tys.len() != payload.len() {
            return Err(ice(format_args!(
                "variant {tag} of `{}` with {} values",
                e.ty,
                payload.len()
            )));
        }
        if payload.is_empty() {
            return self.unit_variant(&e.ty, tag);
        }
        let mut slots = Vec::with_capacity(payload.len());
        for (item, ty) in payload.iter().zip(tys) {
            let v = self.value(item, ty)?;
            slots.push(self.store_form(v, ty)?);
        }
        let desc = self.desc(&e.ty)?;
        let tag = self.b.ins().iconst(types::I64, i64::from(tag));
        let obj = self.call_rt_value("kr_enum_new", &[desc, tag])?;
        for (i, slot) in slots.into_iter().enumerate() {
            let i = u32::try_from(i).map_err(|_| ice("too many payload values"))?;
            self.store8(slot, obj, Self::payload_offset(i)?);
        }
        Ok(obj)
    }

    /// The tag of an enum value (borrowed: read in place).
    pub(crate) fn tag(&mut self, base: &Expr) -> R<Value> {
        if !base.ty.is_enum() {
            self.value(base, &Type::Unit)?;
            self.not_a(base, "enum")?;
            return Ok(self.b.ins().iconst(types::I64, 0));
        }
        let obj = self.borrow_to_read(base, &base.ty, &[])?;
        let tag = self.load8(obj.value, SLOTS);
        self.end_borrow(obj)?;
        Ok(tag)
    }

    /// Payload value `index` of an enum value, retained (it is the
    /// expression's own now).
    pub(crate) fn payload(&mut self, e: &Expr, base: &Expr, index: u32) -> R<Option<Value>> {
        if !base.ty.is_enum() {
            self.value(base, &Type::Unit)?;
            return self.not_a(base, "enum");
        }
        let obj = self.borrow_to_read(base, &base.ty, &[])?;
        let v = self.load_value(obj.value, Self::payload_offset(index)?, &e.ty);
        if let (Some(v), true) = (v, e.ty.is_heap()) {
            self.retain_read(v, base)?;
        }
        self.end_borrow(obj)?;
        Ok(v)
    }

    // ---- Reading ------------------------------------------------------------

    /// `base.i`: the field, retained (it is the expression's own now).
    pub(crate) fn field(&mut self, e: &Expr, base: &Expr, index: u32) -> R<Option<Value>> {
        if !is_record(&base.ty) {
            // Only a base that never produces a value is not a record.
            self.value(base, &Type::Unit)?;
            return self.not_a(base, "record");
        }
        self.field_type(&base.ty, index)?;
        let frozen = self.frozen(base);
        let obj = self.borrow_to_read(base, &base.ty, &[])?;
        let flags = Self::object_flags(frozen && obj.temp.is_none());
        let offset = Self::field_offset(index)?;
        let v = clif_type(&e.ty, self.shared.pointer)
            .map(|_| self.load_slot_with(obj.value, offset, &e.ty, flags));
        if let (Some(v), true) = (v, e.ty.is_heap()) {
            self.retain_read(v, base)?;
        }
        self.end_borrow(obj)?;
        Ok(v)
    }

    /// `base[index]`, bounds-checked; the element is retained.
    pub(crate) fn index(&mut self, e: &Expr, base: &Expr, index: &Expr) -> R<Option<Value>> {
        if !matches!(base.ty, Type::Array(_)) {
            self.value(base, &Type::Unit)?;
            self.value(index, &Type::Unit)?;
            return self.not_a(base, "array");
        }
        // An element already found in this run of code needs no bounds
        // check.
        let cached = self.places.chain_key(e).and_then(|k| self.places.get(&k));
        if let (Some(ptr), true) = (cached, is_composite(&e.ty)) {
            self.retain_read(ptr, base)?;
            return Ok(Some(ptr));
        }
        let frozen = self.frozen(base);
        let arr = self.borrow_to_read(base, &base.ty, &[index])?;
        let frozen = frozen && arr.temp.is_none();
        let i = self.operand(index, &Type::Int)?;
        // `xs[i]` where `i` counts up to the unchanging length of `xs`.
        let in_bounds = match (&base.kind, &index.kind) {
            (ExprKind::Local(xs), ExprKind::Local(i)) => self.in_bounds.get(i) == Some(xs),
            _ => false,
        };
        let addr = if in_bounds {
            let data = self.header_load(arr.value, ARRAY_DATA, frozen);
            let offset = self.b.ins().ishl_imm_u(i, 3);
            self.b.ins().iadd(data, offset)
        } else {
            self.element_addr_in(arr.value, i, e.span, frozen)?
        };
        let v = clif_type(&e.ty, self.shared.pointer)
            .map(|_| self.load_slot_with(addr, 0, &e.ty, Self::element_flags(frozen)));
        if let (Some(v), true) = (v, e.ty.is_heap()) {
            self.retain_read(v, base)?;
        }
        self.end_borrow(arr)?;
        Ok(v)
    }

    /// Retains `v`, a heap value just read from a field or element of
    /// `base`: a new reference into `base`'s root, so the place cache no
    /// longer takes that root's objects for unique.
    fn retain_read(&mut self, v: Value, base: &Expr) -> R<()> {
        if let Some(root) = chain_local(base) {
            self.places.shared(root);
        }
        self.retain(v)
    }

    /// `base[start..end]` on an array or a string: a new value.
    pub(crate) fn slice(&mut self, e: &Expr, base: &Expr, start: &Expr, end: &Expr) -> R<Value> {
        let name = match base.ty {
            Type::Array(_) => "kr_array_slice",
            Type::Str => "kr_str_slice",
            _ => {
                self.value(base, &Type::Unit)?;
                self.not_a(base, "array or string")?;
                return Ok(self.dummy(self.shared.pointer));
            }
        };
        let b = self.borrow(base, &base.ty, &[start, end])?;
        let s = self.operand(start, &Type::Int)?;
        let t = self.operand(end, &Type::Int)?;
        let loc = self.loc(e.span);
        let [loc, func, frame] = self.panic_site(loc);
        let v = self.call_rt_value(name, &[self.ctx, b.value, s, t, loc, func, frame])?;
        self.end_borrow(b)?;
        Ok(v)
    }

    /// The base of a field, index or slice has the wrong type: fine in
    /// code that never runs (a diverging base), an internal error
    /// otherwise.
    fn not_a(&self, base: &Expr, what: &str) -> R<Option<Value>> {
        if self.reachable() {
            return Err(ice(format_args!("a `{}` used as an {what}", base.ty)));
        }
        Ok(None)
    }

    // ---- Places ---------------------------------------------------------------

    /// The types along a place: the local's, then the type after each step.
    fn place_types(&self, place: &Place) -> R<Vec<Type>> {
        let mut tys = vec![self.local_ty(place.root)?.clone()];
        for step in &place.path {
            let current = tys.last().ok_or_else(|| ice("empty place types"))?;
            let next = match (step, current) {
                (PlaceStep::Field(i), _) => self.field_type(current, *i)?,
                (PlaceStep::Index(_), Type::Array(elem)) => (**elem).clone(),
                (PlaceStep::Index(_), other) => {
                    return Err(ice(format_args!("indexing a `{other}` place")));
                }
            };
            tys.push(next);
        }
        Ok(tys)
    }

    /// Evaluates the index expressions of a place, in order.
    fn place_indexes(&mut self, place: &Place) -> R<Vec<Option<Value>>> {
        place
            .path
            .iter()
            .map(|step| match step {
                PlaceStep::Field(_) => Ok(None),
                PlaceStep::Index(e) => self.operand(e, &Type::Int).map(Some),
            })
            .collect()
    }

    /// Copy-on-write: consumes a reference to `obj` and returns a unique
    /// one to the same value. An object whose count is 1 is already
    /// unique, which is checked inline; otherwise the runtime copies it.
    fn make_unique(&mut self, obj: Value) -> R<Value> {
        self.unique_or(obj, |l| l.call_rt_value("kr_make_unique", &[obj]))
    }

    /// Copy-on-write of the object stored in the slot at `addr`: returns
    /// it, unique, and stored there. The count is checked inline; the cold
    /// copy is a preserve_all call (it clobbers no register, so the values
    /// live across it need not be spilled) that replaces the slot's object.
    fn make_unique_at(&mut self, addr: Value) -> R<Value> {
        let obj = self.load8(addr, 0);
        self.unique_or(obj, |l| {
            l.call_rt("kr_make_unique_at_preserve_all", &[addr])?;
            Ok(l.load8(addr, 0))
        })
    }

    /// `obj` when its count is 1, else the value `copy` lowers in a cold
    /// block.
    fn unique_or(&mut self, obj: Value, copy: impl FnOnce(&mut Self) -> R<Value>) -> R<Value> {
        // Acquire, as the runtime's own check: other holders' reads of the
        // object happen before our writes to it.
        let rc = self
            .b
            .ins()
            .atomic_load(types::I64, MemFlagsData::trusted(), obj);
        let unique = self.b.ins().icmp_imm_s(IntCC::Equal, rc, 1);
        let slow = self.b.create_block();
        let done = self.b.create_block();
        let result = self.b.append_block_param(done, self.shared.pointer);
        self.b.set_cold_block(slow);
        self.b
            .ins()
            .brif(unique, done, &[BlockArg::Value(obj)], slow, &[]);
        self.b.seal_block(slow);
        self.continue_in(slow);
        let copy = copy(self)?;
        self.b.ins().jump(done, &[BlockArg::Value(copy)]);
        self.b.seal_block(done);
        self.continue_in(done);
        Ok(result)
    }

    /// Walks `place` (whose indexes are already evaluated) to the slot it
    /// names, making unique every object that contains that slot and
    /// storing each back where it was found.
    fn walk(&mut self, place: &Place, indexes: &[Option<Value>], tys: &[Type]) -> R<Target> {
        let var = self.var(place.root)?;
        if place.path.is_empty() {
            return Ok(Target::Local(var));
        }
        let var = var.ok_or_else(|| ice("a place in a local without a value"))?;
        // Each object on the path that the place cache knows to be unique
        // (and stored where it is) is used as it is; any other is made
        // unique, stored back and recorded as unique.
        let root_key = self.places.place_key(place, 0);
        let mut obj = match root_key.as_ref().and_then(|k| self.places.get_unique(k)) {
            Some(_) => self.b.use_var(var),
            None => {
                let root = self.b.use_var(var);
                let obj = self.make_unique(root)?;
                self.b.def_var(var, obj);
                if let Some(key) = root_key {
                    self.places.insert(key, obj, true);
                }
                obj
            }
        };
        let last = place.path.len() - 1;
        for (k, step) in place.path.iter().enumerate() {
            let key = self.places.place_key(place, k + 1);
            if k != last {
                if let Some(ptr) = key.as_ref().and_then(|k| self.places.get_unique(k)) {
                    obj = ptr;
                    continue;
                }
            }
            let addr = match (step, indexes.get(k)) {
                (PlaceStep::Field(i), _) => {
                    let offset = Self::field_offset(*i)?;
                    self.b.ins().iadd_imm_s(obj, i64::from(offset))
                }
                (PlaceStep::Index(_), Some(Some(i))) => {
                    if key.as_ref().and_then(|k| self.places.get(k)).is_some() {
                        // Found before in this run of code: in bounds.
                        let data = self.load8(obj, ARRAY_DATA);
                        let offset = self.b.ins().ishl_imm_u(*i, 3);
                        self.b.ins().iadd(data, offset)
                    } else {
                        self.element_addr(obj, *i, place.span)?
                    }
                }
                (PlaceStep::Index(_), _) => return Err(ice("a place index was not evaluated")),
            };
            if k == last {
                return Ok(Target::Slot(addr));
            }
            if !tys.get(k + 1).is_some_and(is_composite) {
                return Err(ice("a place steps into a value that is not an object"));
            }
            obj = self.make_unique_at(addr)?;
            if let Some(key) = key {
                self.places.insert(key, obj, true);
            }
        }
        Err(ice("a place walk fell off its path"))
    }

    /// Before a loop whose condition and body are `parts`: makes unique
    /// the objects that [`hoist_candidates`] names and records them in the
    /// place cache for every block of the loop, so that the writes inside
    /// check nothing on the way to them. Returns the mark that
    /// [`Lowerer::end_hoist`] takes after the loop.
    pub(crate) fn hoist_unique(&mut self, parts: &[&Expr]) -> R<usize> {
        let mark = self.places.mark();
        if !self.places.hoisting || !self.reachable() {
            return Ok(mark);
        }
        for (root, prefixes) in hoist_candidates(parts) {
            let Some(var) = self.var(root)? else {
                continue;
            };
            let root_ty = self.local_ty(root)?.clone();
            if !is_composite(&root_ty) {
                continue;
            }
            for prefix in prefixes {
                let key = (
                    root,
                    prefix
                        .iter()
                        .map(|&i| StepKey::Field(i))
                        .collect::<Vec<_>>(),
                );
                if self.places.is_hoisted(&key) {
                    continue;
                }
                // The parent is hoisted already (prefixes come in order).
                let Some((last, parent)) = prefix.split_last() else {
                    let old = self.b.use_var(var);
                    let obj = self.make_unique(old)?;
                    self.b.def_var(var, obj);
                    self.places.hoist(key, obj);
                    continue;
                };
                let parent_key = (root, parent.iter().map(|&i| StepKey::Field(i)).collect());
                let Some(parent_obj) = self.places.get_unique(&parent_key) else {
                    break;
                };
                let mut ty = root_ty.clone();
                for &i in parent {
                    ty = self.field_type(&ty, i)?;
                }
                if !is_record(&ty) || !is_composite(&self.field_type(&ty, *last)?) {
                    break;
                }
                let offset = Self::field_offset(*last)?;
                let addr = self.b.ins().iadd_imm_s(parent_obj, i64::from(offset));
                let obj = self.make_unique_at(addr)?;
                self.places.hoist(key, obj);
            }
        }
        Ok(mark)
    }

    /// Ends what [`Lowerer::hoist_unique`] began, as its loop ends.
    pub(crate) fn end_hoist(&mut self, mark: usize) {
        self.places.unhoist(mark);
    }

    /// Makes the value at `target` unique too (it is an object) and returns
    /// it; it stays stored at the target.
    fn unique_at(&mut self, target: &Target) -> R<Value> {
        match target {
            Target::Local(var) => {
                let var = var.ok_or_else(|| ice("mutating a local without a value"))?;
                let old = self.b.use_var(var);
                let obj = self.make_unique(old)?;
                self.b.def_var(var, obj);
                Ok(obj)
            }
            Target::Slot(addr) => self.make_unique_at(*addr),
        }
    }

    /// `place = value`: indexes, then the value, then the walk; the old
    /// value in the slot is released after the new one is stored.
    pub(crate) fn assign_place(&mut self, place: &Place, value: &Expr) -> R<()> {
        let tys = self.place_types(place)?;
        let ty = tys.last().ok_or_else(|| ice("empty place types"))?.clone();
        let indexes = self.place_indexes(place)?;
        let v = self.value(value, &ty)?;
        match self.walk(place, &indexes, &tys)? {
            Target::Local(var) => {
                if let (Some(var), Some(v)) = (var, v) {
                    if ty.is_heap() {
                        let old = self.b.use_var(var);
                        self.release(old)?;
                    }
                    self.b.def_var(var, v);
                }
            }
            Target::Slot(addr) => {
                let new = self.store_form(v, &ty)?;
                if ty.is_heap() {
                    let old = self.load8(addr, 0);
                    self.store8(new, addr, 0);
                    self.release(old)?;
                } else {
                    self.store8(new, addr, 0);
                }
            }
        }
        Ok(())
    }

    /// A mutating built-in on the array at `place`: indexes and operands
    /// first, then the walk, then the call with the unique array.
    pub(crate) fn mut_intrinsic(
        &mut self,
        e: &Expr,
        place: &Place,
        which: Intrinsic,
        args: &[Expr],
    ) -> R<Option<Value>> {
        let tys = self.place_types(place)?;
        if let Some(Type::Map(key, value)) = tys.last() {
            let (key, value) = ((**key).clone(), (**value).clone());
            return self.map_mut_intrinsic(e, place, which, args, &tys, &key, &value);
        }
        let Some(Type::Array(elem)) = tys.last() else {
            return Err(ice(format_args!("`{}` on a non-array place", which.name())));
        };
        let elem = (**elem).clone();
        let arg = |i: usize| {
            args.get(i)
                .ok_or_else(|| ice(format_args!("`{}` is missing an argument", which.name())))
        };
        let indexes = self.place_indexes(place)?;
        // The operands, owned (pushed and inserted values are consumed).
        let mut operands = Vec::new();
        match which {
            Intrinsic::ArrayPush => {
                let v = self.value(arg(0)?, &elem)?;
                operands.push(self.encode_slot(v, &elem)?);
            }
            Intrinsic::ArrayInsert => {
                operands.push(self.operand(arg(0)?, &Type::Int)?);
                let v = self.value(arg(1)?, &elem)?;
                operands.push(self.encode_slot(v, &elem)?);
            }
            Intrinsic::ArrayRemove | Intrinsic::ArrayReserve => {
                operands.push(self.operand(arg(0)?, &Type::Int)?)
            }
            // The comparison, owned here and released after the sort.
            Intrinsic::ArraySortBy => operands.push(self.operand(arg(0)?, &arg(0)?.ty)?),
            Intrinsic::ArrayClear
            | Intrinsic::ArrayReverse
            | Intrinsic::ArraySort
            | Intrinsic::ArrayPop => {}
            _ => {
                return Err(ice(format_args!(
                    "`{}` is not a mutating intrinsic",
                    which.name()
                )))
            }
        }
        let target = self.walk(place, &indexes, &tys)?;
        let arr = self.unique_at(&target)?;
        let loc = self.loc(e.span);
        Ok(match which {
            Intrinsic::ArrayPush => {
                self.call_rt("kr_array_push", &[arr, operands[0]])?;
                None
            }
            Intrinsic::ArrayInsert => {
                let [loc, func, frame] = self.panic_site(loc);
                let args = [self.ctx, arr, operands[0], operands[1], loc, func, frame];
                self.call_rt("kr_array_insert", &args)?;
                None
            }
            Intrinsic::ArrayRemove => {
                let [loc, func, frame] = self.panic_site(loc);
                let args = [self.ctx, arr, operands[0], loc, func, frame];
                let raw = self.call_rt_value("kr_array_remove", &args)?;
                self.decode_slot(raw, &elem)
            }
            Intrinsic::ArrayReserve => {
                self.call_rt("kr_array_reserve", &[arr, operands[0]])?;
                None
            }
            Intrinsic::ArrayClear => {
                self.call_rt("kr_array_clear", &[arr])?;
                None
            }
            Intrinsic::ArrayReverse => {
                self.call_rt("kr_array_reverse", &[arr])?;
                None
            }
            Intrinsic::ArrayPop => {
                let desc = self.desc(&e.ty)?;
                Some(self.call_rt_value("kr_array_pop", &[arr, desc])?)
            }
            Intrinsic::ArraySortBy => {
                let entry = self.compare_entry(&elem)?;
                let entry = self.func_ref(entry);
                let entry = self.b.ins().func_addr(self.shared.pointer, entry);
                let [loc, func, frame] = self.panic_site(loc);
                let args = [self.ctx, arr, operands[0], entry, loc, func, frame];
                self.call_rt("kr_array_sort_by", &args)?;
                self.release(operands[0])?;
                None
            }
            _ => {
                self.call_rt("kr_array_sort", &[arr])?;
                None
            }
        })
    }

    /// `insert`/`remove` on the map at `place`: indexes and operands
    /// (owned) first, then the walk, then the call with the unique map.
    /// `kr_map_insert` consumes the key; `kr_map_remove` borrows it, so it
    /// is released after the call.
    #[allow(clippy::too_many_arguments)]
    fn map_mut_intrinsic(
        &mut self,
        e: &Expr,
        place: &Place,
        which: Intrinsic,
        args: &[Expr],
        tys: &[Type],
        key: &Type,
        value: &Type,
    ) -> R<Option<Value>> {
        let arg = |i: usize| {
            args.get(i)
                .ok_or_else(|| ice(format_args!("`{}` is missing an argument", which.name())))
        };
        let indexes = self.place_indexes(place)?;
        let k = self.value(arg(0)?, key)?;
        let k = self.encode_slot(k, key)?;
        let v = match which {
            Intrinsic::MapInsert => {
                let v = self.value(arg(1)?, value)?;
                Some(self.encode_slot(v, value)?)
            }
            Intrinsic::MapRemove => None,
            _ => {
                return Err(ice(format_args!(
                    "`{}` is not a mutating map intrinsic",
                    which.name()
                )))
            }
        };
        let target = self.walk(place, &indexes, tys)?;
        let map = self.unique_at(&target)?;
        Ok(match v {
            Some(v) => {
                self.call_rt("kr_map_insert", &[map, k, v])?;
                None
            }
            None => {
                let desc = self.desc(&e.ty)?;
                let r = self.call_rt_value("kr_map_remove", &[map, k, desc])?;
                if key.is_heap() {
                    self.release(k)?;
                }
                Some(r)
            }
        })
    }

    /// A call of a `var self` method on the value at `place`: the value is
    /// moved into the call (the place keeps a stale copy of the pointer,
    /// which nothing reads before the returned receiver replaces it).
    pub(crate) fn call_mut(
        &mut self,
        e: &Expr,
        callee: FuncId,
        place: &Place,
        args: &[Expr],
    ) -> R<Option<Value>> {
        let program = self.shared.program;
        let f = program
            .functions
            .get(callee.0 as usize)
            .ok_or_else(|| ice("a call of an unknown function"))?;
        let Some((_, params)) = f.params.split_first() else {
            return Err(ice(format_args!("`{}` has no receiver", f.name)));
        };
        if !f.returns_self || params.len() != args.len() {
            return Err(ice(format_args!("a bad `var self` call of `{}`", f.name)));
        }
        let tys = self.place_types(place)?;
        let ty = tys.last().ok_or_else(|| ice("empty place types"))?.clone();
        let indexes = self.place_indexes(place)?;
        let mut rest = Vec::new();
        let temps = self.call_args(callee, 1, args, Some(place.root), None, &mut rest)?;

        let target = if place.path.is_empty() {
            Target::Local(self.var(place.root)?)
        } else {
            // The containers of the receiver are made unique; the receiver
            // itself is the callee's to copy or not.
            self.walk(place, &indexes, &tys)?
        };
        let receiver = match &target {
            Target::Local(var) => var.map(|var| self.b.use_var(var)),
            Target::Slot(addr) => self.load_value(*addr, 0, &ty),
        };
        let mut values = vec![self.ctx];
        values.extend(receiver);
        values.extend(rest);
        let inst = self.emit_call(e.span, callee, &values)?;
        let results = self.b.inst_results(inst).to_vec();
        let has_result = clif_type(&f.ret, self.shared.pointer).is_some();
        let result = if has_result {
            results.first().copied()
        } else {
            None
        };
        let returned = results.get(usize::from(has_result)).copied();
        match (target, returned) {
            (Target::Local(Some(var)), Some(v)) => self.b.def_var(var, v),
            (Target::Slot(addr), returned) => {
                let slot = self.store_form(returned, &ty)?;
                self.store8(slot, addr, 0);
            }
            (Target::Local(None), None) => {}
            _ => return Err(ice("a `var self` call returns no receiver")),
        }
        for t in temps {
            self.end_borrow(t)?;
        }
        Ok(result)
    }

    // ---- Loops ----------------------------------------------------------------

    /// `for var in array { body }`: the array is evaluated once and held
    /// (owned) until the loop ends, by `break` or a `return` too; nothing
    /// can change it meanwhile (a write to the local it came from copies
    /// first), so its length and buffer are read once.
    pub(crate) fn for_array(&mut self, var: LocalId, array: &Expr, body: &Expr) -> R<()> {
        let Type::Array(elem) = &array.ty else {
            self.value(array, &Type::Unit)?;
            self.not_a(array, "array")?;
            return Ok(());
        };
        let arr = self.operand(array, &array.ty)?;
        let len = self.array_len(arr);
        let data = self.load8(arr, ARRAY_DATA);
        let mark = self.hoist_unique(&[body])?;
        let counter = self.b.declare_var(types::I64);
        let zero = self.b.ins().iconst(types::I64, 0);
        self.b.def_var(counter, zero);
        let header = self.b.create_block();
        let body_block = self.b.create_block();
        let latch = self.b.create_block();
        let exit = self.b.create_block();
        self.b.ins().jump(header, &[]);

        self.switch_to(header);
        let i = self.b.use_var(counter);
        let go = self.b.ins().icmp(IntCC::SignedLessThan, i, len);
        self.b.ins().brif(go, body_block, &[], exit, &[]);
        self.b.seal_block(body_block);

        self.switch_to(body_block);
        let i = self.b.use_var(counter);
        let offset = self.b.ins().ishl_imm_u(i, 3);
        let addr = self.b.ins().iadd(data, offset);
        let v = self.load_value(addr, 0, elem);
        if let (Some(local), Some(v)) = (self.var(var)?, v) {
            if elem.is_heap() {
                self.retain(v)?;
                let old = self.b.use_var(local);
                self.release(old)?;
            }
            self.b.def_var(local, v);
        }
        self.loop_temps.push(arr);
        let lowered = self.loop_body(body, exit, latch);
        self.loop_temps.pop();
        lowered?;
        self.b.ins().jump(latch, &[]);
        self.b.seal_block(latch);

        self.latch_step(latch, counter)?;
        self.b.ins().jump(header, &[]);
        self.b.seal_block(header);
        self.b.seal_block(exit);
        self.end_hoist(mark);
        self.switch_to(exit);
        self.release(arr)
    }
}

/// True when evaluating `e` may assign the local `id` (or bind it anew),
/// which would release the value it held. Conservative: any assignment,
/// reached or not, counts.
pub(crate) fn writes_local(e: &Expr, id: LocalId) -> bool {
    let w = |x: &Expr| writes_local(x, id);
    let place = |p: &Place| {
        p.root == id
            || p.path.iter().any(|s| match s {
                PlaceStep::Index(x) => writes_local(x, id),
                PlaceStep::Field(_) => false,
            })
    };
    match &e.kind {
        ExprKind::Int(_)
        | ExprKind::Float(_)
        | ExprKind::Bool(_)
        | ExprKind::Str(_)
        | ExprKind::Unit
        | ExprKind::Local(_)
        | ExprKind::Break
        | ExprKind::Continue => false,
        ExprKind::Let(l, v) | ExprKind::Assign(l, v) => *l == id || w(v),
        ExprKind::Block(es)
        | ExprKind::Interpolate(es)
        | ExprKind::ArrayLit(es)
        | ExprKind::TupleLit(es)
        | ExprKind::StructLit(_, es)
        | ExprKind::Variant { payload: es, .. }
        | ExprKind::Call(_, es)
        | ExprKind::Intrinsic(_, es)
        | ExprKind::Spawn { args: es, .. }
        | ExprKind::Closure { captures: es, .. } => es.iter().any(w),
        ExprKind::FnRef(_) => false,
        ExprKind::CallValue(callee, args) => w(callee) || args.iter().any(w),
        ExprKind::Select(s) => {
            let binds = s
                .arms
                .iter()
                .any(|a| matches!(a.op, SelectOp::Recv(Some(l)) if l == id));
            let mut children = false;
            for_each_child(e, &mut |c| children |= w(c));
            binds || children
        }
        ExprKind::If {
            cond,
            then,
            otherwise,
        } => w(cond) || w(then) || w(otherwise),
        ExprKind::While { cond, body } => w(cond) || w(body),
        ExprKind::Loop(x)
        | ExprKind::Return(x)
        | ExprKind::Unary(_, x)
        | ExprKind::Field(x, _)
        | ExprKind::Tag(x)
        | ExprKind::Payload(x, _)
        | ExprKind::Inlined { body: x, .. } => w(x),
        ExprKind::ForRange {
            var,
            start,
            end,
            body,
            ..
        } => *var == id || w(start) || w(end) || w(body),
        ExprKind::ForArray { var, array, body } => *var == id || w(array) || w(body),
        ExprKind::Binary(_, a, b) | ExprKind::ArrayRepeat(a, b) | ExprKind::Index(a, b) => {
            w(a) || w(b)
        }
        ExprKind::Slice { base, start, end } => w(base) || w(start) || w(end),
        ExprKind::AssignPlace(p, v) => place(p) || w(v),
        ExprKind::MutIntrinsic(p, _, args) | ExprKind::CallMut(_, p, args) => {
            place(p) || args.iter().any(w)
        }
    }
}

/// True when `e` names the local `id` anywhere (reads, binds or writes it).
pub(crate) fn mentions_local(e: &Expr, id: LocalId) -> bool {
    let mut counts = std::collections::HashMap::new();
    crate::ir::borrows::mention_counts(e, &mut counts);
    counts.contains_key(&id)
}
