//! Operators: the meaning of `Binary` and `Unary` for each operand type.
//!
//! Consumes operator expressions (the operand type chooses the meaning, as
//! `ir/kir.rs` says); produces Cranelift values. Integer arithmetic is
//! checked: overflow, division or remainder by zero, and an out-of-range
//! shift call `kr_panic_kind` with the expression's location. Floats follow
//! IEEE-754. Strings and composite values go through the runtime, which
//! borrows its operands (see `Lowerer::borrow`): a temporary operand is
//! released after the call, a local is read in place. `==` and `!=` on
//! arrays, tuples, structs and enum values compare structurally (`kr_value_eq`, by the
//! type's descriptor); `+` on arrays concatenates.
//!
//! This file does not decide operand types (the checker did) and does not
//! short-circuit anything but `&&` and `||`.

use cranelift_codegen::ir::{
    condcodes::{FloatCC, IntCC},
    types, BlockArg, InstBuilder, InstructionData, Opcode, Value,
};
use cranelift_module::Module;
use kriti_runtime::abi::panic_kind;

use super::function::{Lowerer, R};
use super::ice;
use crate::ir::kir::{BinOp, Expr, UnOp};
use crate::ir::types::Type;

impl<M: Module> Lowerer<'_, '_, '_, M> {
    pub(crate) fn binary(&mut self, e: &Expr, op: BinOp, l: &Expr, r: &Expr) -> R<Option<Value>> {
        if matches!(op, BinOp::And | BinOp::Or) {
            return self.short_circuit(op, l, r).map(Some);
        }
        // The operands share one type; a never-typed operand (`1 + return`)
        // says nothing, so look at the other one.
        let ty = if l.ty == Type::Never { &r.ty } else { &l.ty };
        match ty {
            Type::Int => {
                let a = self.operand(l, ty)?;
                let b = self.operand(r, ty)?;
                self.int_binary(e, op, a, b).map(Some)
            }
            Type::Float => {
                let a = self.operand(l, ty)?;
                let b = self.operand(r, ty)?;
                self.float_binary(op, a, b).map(Some)
            }
            Type::Bool => {
                let a = self.operand(l, ty)?;
                let b = self.operand(r, ty)?;
                let ins = self.b.ins();
                Ok(Some(match op {
                    BinOp::Eq => ins.icmp(IntCC::Equal, a, b),
                    BinOp::Ne => ins.icmp(IntCC::NotEqual, a, b),
                    BinOp::BitAnd => ins.band(a, b),
                    BinOp::BitOr => ins.bor(a, b),
                    BinOp::BitXor => ins.bxor(a, b),
                    _ => return Err(unsupported(op, ty)),
                }))
            }
            Type::Str => {
                let a = self.borrow(l, ty, &[r])?;
                let b = self.borrow(r, ty, &[])?;
                let v = self.str_binary(op, a.value, b.value)?;
                self.end_borrow(a)?;
                self.end_borrow(b)?;
                Ok(Some(v))
            }
            Type::Array(_)
            | Type::Tuple(_)
            | Type::Struct(..)
            | Type::Enum(..)
            | Type::Option(_)
            | Type::Result(..)
            | Type::Map(..)
            | Type::Task(_)
            | Type::Chan(_)
            | Type::Atomic
            | Type::Fn(..) => {
                let a = self.borrow(l, ty, &[r])?;
                let b = self.borrow(r, ty, &[])?;
                let v = match op {
                    BinOp::Eq | BinOp::Ne => {
                        let desc = self.desc(ty)?;
                        let eq = self.call_rt_value("kr_value_eq", &[a.value, b.value, desc])?;
                        if op == BinOp::Eq {
                            eq
                        } else {
                            self.b.ins().bxor_imm_u(eq, 1)
                        }
                    }
                    BinOp::Add if matches!(ty, Type::Array(_)) => {
                        self.call_rt_value("kr_array_concat", &[a.value, b.value])?
                    }
                    _ => return Err(unsupported(op, ty)),
                };
                self.end_borrow(a)?;
                self.end_borrow(b)?;
                Ok(Some(v))
            }
            Type::Unit => {
                // Unit values are all equal; the operands still run.
                self.value(l, &Type::Unit)?;
                self.value(r, &Type::Unit)?;
                let equal = match op {
                    BinOp::Eq => 1,
                    BinOp::Ne => 0,
                    _ => return Err(unsupported(op, ty)),
                };
                Ok(Some(self.b.ins().iconst(types::I8, equal)))
            }
            // Both operands diverge: the result is never used.
            Type::Never => {
                self.value(l, &Type::Unit)?;
                self.value(r, &Type::Unit)?;
                Ok(None)
            }
            Type::Error => Err(ice("an operator on the error type")),
        }
    }

    /// `&&` and `||`: the right operand runs only when it decides.
    fn short_circuit(&mut self, op: BinOp, l: &Expr, r: &Expr) -> R<Value> {
        let a = self.operand(l, &Type::Bool)?;
        let rhs = self.b.create_block();
        let merge = self.b.create_block();
        let result = self.b.append_block_param(merge, types::I8);
        let args = [BlockArg::Value(a)];
        if op == BinOp::And {
            self.b.ins().brif(a, rhs, &[], merge, &args);
        } else {
            self.b.ins().brif(a, merge, &args, rhs, &[]);
        }
        self.b.seal_block(rhs);
        self.switch_to(rhs);
        let b = self.operand(r, &Type::Bool)?;
        self.b.ins().jump(merge, &[BlockArg::Value(b)]);
        self.b.seal_block(merge);
        self.switch_to(merge);
        Ok(result)
    }

    fn int_binary(&mut self, e: &Expr, op: BinOp, a: Value, b: Value) -> R<Value> {
        let cc = match op {
            BinOp::Eq => Some(IntCC::Equal),
            BinOp::Ne => Some(IntCC::NotEqual),
            BinOp::Lt => Some(IntCC::SignedLessThan),
            BinOp::Le => Some(IntCC::SignedLessThanOrEqual),
            BinOp::Gt => Some(IntCC::SignedGreaterThan),
            BinOp::Ge => Some(IntCC::SignedGreaterThanOrEqual),
            _ => None,
        };
        if let Some(cc) = cc {
            return Ok(self.b.ins().icmp(cc, a, b));
        }
        Ok(match op {
            BinOp::Add | BinOp::Sub | BinOp::Mul => {
                let a = self.b.func.dfg.resolve_aliases(a);
                let b = self.b.func.dfg.resolve_aliases(b);
                if let Some(v) = self.places.checked_result(op, a, b) {
                    return Ok(v);
                }
                // Operands whose bounds are known may be unable to
                // overflow: then no check is needed.
                let (range, exact) = match self.binary_range(op, a, b) {
                    Some((r, exact)) => (Some(r), exact),
                    None => (None, false),
                };
                if let (Some(r), true) = (range, exact) {
                    let v = match op {
                        BinOp::Add => self.b.ins().iadd(a, b),
                        BinOp::Sub => self.b.ins().isub(a, b),
                        _ => self.b.ins().imul(a, b),
                    };
                    self.set_range(v, r);
                    return Ok(v);
                }
                let (v, overflow) = match op {
                    BinOp::Add => self.b.ins().sadd_overflow(a, b),
                    BinOp::Sub => self.b.ins().ssub_overflow(a, b),
                    _ => self.b.ins().smul_overflow(a, b),
                };
                let loc = self.loc(e.span);
                self.panic_if(overflow, panic_kind::OVERFLOW, None, loc)?;
                self.places.record_checked(op, a, b, v);
                // Past the check, the result is the exact one, so it lies
                // in the operands' range clipped to `int`.
                if let Some(r) = range {
                    self.set_range(v, r);
                }
                v
            }
            BinOp::Div | BinOp::Rem => {
                let divisor = self.const_of(b);
                // Division by a nonzero constant needs no zero check.
                if divisor.is_none() || divisor == Some(0) {
                    let zero = self.b.ins().icmp_imm_s(IntCC::Equal, b, 0);
                    let kind = if op == BinOp::Div {
                        panic_kind::DIV_BY_ZERO
                    } else {
                        panic_kind::REM_BY_ZERO
                    };
                    let loc = self.loc(e.span);
                    self.panic_if(zero, kind, None, loc)?;
                }
                if op == BinOp::Rem {
                    // Cranelift defines `srem` of i64::MIN by -1 as 0 (no
                    // trap), which is the language's answer too.
                    self.b.ins().srem(a, b)
                } else {
                    // i64::MIN / -1 is the one quotient that overflows.
                    let may_overflow = (divisor.is_none() || divisor == Some(-1))
                        && matches!(self.const_of(a), None | Some(i64::MIN));
                    if may_overflow {
                        let min = self.b.ins().icmp_imm_s(IntCC::Equal, a, i64::MIN);
                        let minus_one = self.b.ins().icmp_imm_s(IntCC::Equal, b, -1);
                        let overflow = self.b.ins().band(min, minus_one);
                        let loc = self.loc(e.span);
                        self.panic_if(overflow, panic_kind::OVERFLOW, None, loc)?;
                    }
                    let q = self.b.ins().sdiv(a, b);
                    if let (Some(d @ 1..), Some((lo, hi))) = (divisor, self.range_of(a)) {
                        self.set_range(q, (lo / d, hi / d));
                    }
                    q
                }
            }
            BinOp::BitAnd => self.b.ins().band(a, b),
            BinOp::BitOr => self.b.ins().bor(a, b),
            BinOp::BitXor => self.b.ins().bxor(a, b),
            BinOp::Shl | BinOp::Shr => {
                // Cranelift masks the amount to 6 bits; the language instead
                // rejects amounts outside 0..=63 (an unsigned compare catches
                // negative ones too).
                if !matches!(self.const_of(b), Some(0..=63)) {
                    let out = self.b.ins().icmp_imm_s(IntCC::UnsignedGreaterThan, b, 63);
                    let loc = self.loc(e.span);
                    self.panic_if(out, panic_kind::SHIFT_OUT_OF_RANGE, Some(b), loc)?;
                }
                if op == BinOp::Shl {
                    self.b.ins().ishl(a, b)
                } else {
                    self.b.ins().sshr(a, b)
                }
            }
            _ => return Err(unsupported(op, &Type::Int)),
        })
    }

    fn float_binary(&mut self, op: BinOp, a: Value, b: Value) -> R<Value> {
        let ins = self.b.ins();
        Ok(match op {
            BinOp::Add => ins.fadd(a, b),
            BinOp::Sub => ins.fsub(a, b),
            BinOp::Mul => ins.fmul(a, b),
            BinOp::Div => ins.fdiv(a, b),
            // IEEE comparisons: every ordered one is false on NaN, and `!=`
            // is true.
            BinOp::Eq => ins.fcmp(FloatCC::Equal, a, b),
            BinOp::Ne => ins.fcmp(FloatCC::NotEqual, a, b),
            BinOp::Lt => ins.fcmp(FloatCC::LessThan, a, b),
            BinOp::Le => ins.fcmp(FloatCC::LessThanOrEqual, a, b),
            BinOp::Gt => ins.fcmp(FloatCC::GreaterThan, a, b),
            BinOp::Ge => ins.fcmp(FloatCC::GreaterThanOrEqual, a, b),
            _ => return Err(unsupported(op, &Type::Float)),
        })
    }

    /// String operators; the runtime borrows both operands (the caller
    /// releases them).
    fn str_binary(&mut self, op: BinOp, a: Value, b: Value) -> R<Value> {
        let v = match op {
            BinOp::Add => self.call_rt_value("kr_str_concat", &[a, b])?,
            BinOp::Eq | BinOp::Ne => {
                let eq = self.call_rt_value("kr_str_eq", &[a, b])?;
                if op == BinOp::Eq {
                    eq
                } else {
                    self.b.ins().bxor_imm_u(eq, 1)
                }
            }
            BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
                let order = self.call_rt_value("kr_str_cmp", &[a, b])?;
                let cc = match op {
                    BinOp::Lt => IntCC::SignedLessThan,
                    BinOp::Le => IntCC::SignedLessThanOrEqual,
                    BinOp::Gt => IntCC::SignedGreaterThan,
                    _ => IntCC::SignedGreaterThanOrEqual,
                };
                self.b.ins().icmp_imm_s(cc, order, 0)
            }
            _ => return Err(unsupported(op, &Type::Str)),
        };
        Ok(v)
    }

    pub(crate) fn unary(&mut self, e: &Expr, op: UnOp, operand: &Expr) -> R<Option<Value>> {
        let ty = &operand.ty;
        match (op, ty) {
            (UnOp::Neg, Type::Int) => {
                let a = self.operand(operand, ty)?;
                if matches!(self.const_of(a), None | Some(i64::MIN)) {
                    let min = self.b.ins().icmp_imm_s(IntCC::Equal, a, i64::MIN);
                    let loc = self.loc(e.span);
                    self.panic_if(min, panic_kind::OVERFLOW, None, loc)?;
                }
                Ok(Some(self.b.ins().ineg(a)))
            }
            (UnOp::Neg, Type::Float) => {
                let a = self.operand(operand, ty)?;
                Ok(Some(self.b.ins().fneg(a)))
            }
            (UnOp::Not, Type::Bool) => {
                let a = self.operand(operand, ty)?;
                // Booleans are 0 or 1, so flipping the low bit negates.
                Ok(Some(self.b.ins().bxor_imm_u(a, 1)))
            }
            (UnOp::Not, Type::Int) => {
                let a = self.operand(operand, ty)?;
                Ok(Some(self.b.ins().bnot(a)))
            }
            (_, Type::Never) => {
                self.value(operand, &Type::Unit)?;
                Ok(None)
            }
            _ => Err(ice(format_args!("unary `{op:?}` on `{ty}`"))),
        }
    }

    /// The value of `v` if it is an integer constant defined by `iconst`,
    /// so that checks a constant operand makes needless can be skipped.
    /// The known bounds (inclusive) of the integer value `v`.
    pub(crate) fn range_of(&self, v: Value) -> Option<(i64, i64)> {
        if let Some(c) = self.const_of(v) {
            return Some((c, c));
        }
        let v = self.b.func.dfg.resolve_aliases(v);
        self.ranges.get(&v).copied()
    }

    /// Records that `v` lies in `range`.
    pub(crate) fn set_range(&mut self, v: Value, range: (i64, i64)) {
        let v = self.b.func.dfg.resolve_aliases(v);
        self.ranges.insert(v, range);
    }

    /// The bounds of `a op b` (`+`, `-`, `*`) when both operands' bounds
    /// are known, clipped to `int`, and whether they needed no clipping
    /// (then the operation cannot overflow).
    fn binary_range(&self, op: BinOp, a: Value, b: Value) -> Option<((i64, i64), bool)> {
        let (alo, ahi) = self.range_of(a)?;
        let (blo, bhi) = self.range_of(b)?;
        let (alo, ahi, blo, bhi) = (
            i128::from(alo),
            i128::from(ahi),
            i128::from(blo),
            i128::from(bhi),
        );
        let (lo, hi) = match op {
            BinOp::Add => (alo + blo, ahi + bhi),
            BinOp::Sub => (alo - bhi, ahi - blo),
            _ => {
                let products = [alo * blo, alo * bhi, ahi * blo, ahi * bhi];
                (*products.iter().min()?, *products.iter().max()?)
            }
        };
        let clip = |x: i128| i64::try_from(x).unwrap_or(if x < 0 { i64::MIN } else { i64::MAX });
        let exact = i64::try_from(lo).is_ok() && i64::try_from(hi).is_ok();
        Some(((clip(lo), clip(hi)), exact))
    }

    pub(crate) fn const_of(&self, v: Value) -> Option<i64> {
        let v = self.b.func.dfg.resolve_aliases(v);
        let inst = self.b.func.dfg.value_def(v).inst()?;
        match self.b.func.dfg.insts[inst] {
            InstructionData::UnaryImm {
                opcode: Opcode::Iconst,
                imm,
            } => Some(imm.bits()),
            _ => None,
        }
    }
}

fn unsupported(op: BinOp, ty: &Type) -> String {
    ice(format_args!("operator `{}` on `{ty}`", op.symbol()))
}
