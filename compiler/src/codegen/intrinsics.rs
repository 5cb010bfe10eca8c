//! Built-in functions (`kir::Intrinsic`) and string interpolation.
//!
//! Consumes `Intrinsic` and `Interpolate` expressions; produces inline
//! Cranelift code where an instruction does the job (conversions, `abs`,
//! `min`/`max`, `sqrt`/`floor`/`ceil`, the length of a string or an array)
//! and runtime calls otherwise. Calls that can panic get the location of
//! the call. Heap operands are borrowed by the runtime: a local is read in
//! place, a temporary is released after the call (`Lowerer::borrow`). The
//! display form of a composite value, its comparison in `assert_eq` and
//! the built-ins that make arrays get the type's descriptor.
//!
//! The mutating array built-ins (`push`, `insert`, ...) only come as
//! `MutIntrinsic` (see `composite.rs`).
//!
//! This file does not choose which intrinsic a call means (the checker
//! did); where an intrinsic takes "int or float", the argument's type picks
//! the lowering.

use cranelift_codegen::ir::{condcodes::FloatCC, condcodes::IntCC, types};
use cranelift_codegen::ir::{InstBuilder, MemFlagsData, Value};
use cranelift_module::Module;
use kriti_runtime::abi::panic_kind;

use super::composite::{is_composite, Borrowed, MAX_LEN};
use super::function::{Lowerer, R};
use super::ice;
use crate::ir::kir::{Expr, Intrinsic};
use crate::ir::types::Type;

/// Offset of `len` in a string object (`[rc: u64][kind: u32][flags:
/// u32][len: u64][bytes]`, see `strings.rs`).
const STR_LEN_OFFSET: i32 = 16;

/// 2^63 as a float: the first value above the range of `int`, and minus
/// it, the lowest value in range. Both are exact in binary64.
const TWO_POW_63: f64 = 9_223_372_036_854_775_808.0;

impl<M: Module> Lowerer<'_, '_, '_, M> {
    pub(crate) fn intrinsic(
        &mut self,
        e: &Expr,
        which: Intrinsic,
        args: &[Expr],
    ) -> R<Option<Value>> {
        let arg = |i: usize| {
            args.get(i)
                .ok_or_else(|| ice(format_args!("`{}` is missing an argument", which.name())))
        };
        // The type that picks the lowering of "int or float" intrinsics.
        let arg_ty = |i: usize| arg(i).map(|a| a.ty.clone());
        Ok(match which {
            Intrinsic::Print | Intrinsic::Println | Intrinsic::Eprintln => {
                let stream = match which {
                    Intrinsic::Print => 0,
                    Intrinsic::Println => 1,
                    _ => 2,
                };
                let s = self.borrow(arg(0)?, &Type::Str, &[])?;
                let stream = self.b.ins().iconst(types::I64, stream);
                self.call_rt("kr_print", &[self.ctx, s.value, stream])?;
                self.end_borrow(s)?;
                None
            }
            Intrinsic::ToStr => self.display_form(arg(0)?, false)?,
            Intrinsic::ToFloat => {
                let ty = arg_ty(0)?;
                let x = self.operand(arg(0)?, &ty)?;
                Some(match ty {
                    Type::Int => self.b.ins().fcvt_from_sint(types::F64, x),
                    _ => x,
                })
            }
            Intrinsic::ToInt => {
                let ty = arg_ty(0)?;
                let x = self.operand(arg(0)?, &ty)?;
                Some(match ty {
                    Type::Float => self.float_to_int(e, x)?,
                    _ => x,
                })
            }
            Intrinsic::StrLen => {
                let s = self.borrow(arg(0)?, &Type::Str, &[])?;
                // Strings are immutable, so the length can be read inline.
                let len =
                    self.b
                        .ins()
                        .load(types::I64, MemFlagsData::trusted(), s.value, STR_LEN_OFFSET);
                self.set_range(len, (0, MAX_LEN));
                self.end_borrow(s)?;
                Some(len)
            }
            Intrinsic::Abs => {
                let ty = arg_ty(0)?;
                let x = self.operand(arg(0)?, &ty)?;
                Some(match ty {
                    Type::Int => {
                        let min = self.b.ins().icmp_imm_s(IntCC::Equal, x, i64::MIN);
                        let loc = self.loc(e.span);
                        self.panic_if(min, panic_kind::OVERFLOW, None, loc)?;
                        self.b.ins().iabs(x)
                    }
                    _ => self.b.ins().fabs(x),
                })
            }
            Intrinsic::Min | Intrinsic::Max => {
                let ty = arg_ty(0)?;
                let a = self.operand(arg(0)?, &ty)?;
                let b = self.operand(arg(1)?, &ty)?;
                let is_min = which == Intrinsic::Min;
                Some(match ty {
                    Type::Int => {
                        let cc = if is_min {
                            IntCC::SignedLessThanOrEqual
                        } else {
                            IntCC::SignedGreaterThanOrEqual
                        };
                        let pick_a = self.b.ins().icmp(cc, a, b);
                        self.b.ins().select(pick_a, a, b)
                    }
                    _ if is_min => self.b.ins().fmin(a, b),
                    _ => self.b.ins().fmax(a, b),
                })
            }
            Intrinsic::Sqrt | Intrinsic::Floor | Intrinsic::Ceil => {
                let x = self.operand(arg(0)?, &Type::Float)?;
                let ins = self.b.ins();
                Some(match which {
                    Intrinsic::Sqrt => ins.sqrt(x),
                    Intrinsic::Floor => ins.floor(x),
                    _ => ins.ceil(x),
                })
            }
            Intrinsic::Round
            | Intrinsic::Sin
            | Intrinsic::Cos
            | Intrinsic::Tan
            | Intrinsic::Exp
            | Intrinsic::Ln => {
                let name = match which {
                    Intrinsic::Round => "kr_math_round",
                    Intrinsic::Sin => "kr_math_sin",
                    Intrinsic::Cos => "kr_math_cos",
                    Intrinsic::Tan => "kr_math_tan",
                    Intrinsic::Exp => "kr_math_exp",
                    _ => "kr_math_ln",
                };
                let x = self.operand(arg(0)?, &Type::Float)?;
                Some(self.call_rt_value(name, &[x])?)
            }
            Intrinsic::Pow | Intrinsic::Atan2 => {
                let name = if which == Intrinsic::Pow {
                    "kr_math_pow"
                } else {
                    "kr_math_atan2"
                };
                let a = self.operand(arg(0)?, &Type::Float)?;
                let b = self.operand(arg(1)?, &Type::Float)?;
                Some(self.call_rt_value(name, &[a, b])?)
            }
            Intrinsic::Fixed => {
                let x = self.operand(arg(0)?, &Type::Float)?;
                let digits = self.operand(arg(1)?, &Type::Int)?;
                let loc = self.loc(e.span);
                let [loc, func, frame] = self.panic_site(loc);
                let args = [self.ctx, x, digits, loc, func, frame];
                Some(self.call_rt_value("kr_float_fixed", &args)?)
            }
            Intrinsic::Clock => Some(self.call_rt_value("kr_clock", &[])?),
            Intrinsic::Exit => {
                let code = self.operand(arg(0)?, &Type::Int)?;
                self.call_rt("kr_exit", &[self.ctx, code])?;
                None
            }
            Intrinsic::Panic => {
                // The message is not released: the task ends here.
                let msg = self.operand(arg(0)?, &Type::Str)?;
                let loc = self.loc(e.span);
                let [loc, func, frame] = self.panic_site(loc);
                self.call_rt("kr_panic", &[self.ctx, msg, loc, func, frame])?;
                None
            }
            Intrinsic::Assert => {
                let c = self.operand(arg(0)?, &Type::Bool)?;
                let failed = self.b.ins().icmp_imm_s(IntCC::Equal, c, 0);
                let loc = self.loc(e.span);
                self.panic_if(failed, panic_kind::ASSERTION, None, loc)?;
                None
            }
            Intrinsic::AssertEq => {
                self.assert_eq(e, arg(0)?, arg(1)?)?;
                None
            }
            Intrinsic::ArrayLen => {
                let a = self.borrow(arg(0)?, &arg_ty(0)?, &[])?;
                let len = self.array_len(a.value);
                self.end_borrow(a)?;
                Some(len)
            }
            Intrinsic::ArrayJoin => {
                let ops = self.borrow_all(args, &[arg_ty(0)?, Type::Str])?;
                let s = self.call_rt_value("kr_array_join", &[ops[0].value, ops[1].value])?;
                self.end_borrows(ops)?;
                Some(s)
            }
            Intrinsic::ArraySum => {
                let ty = arg_ty(0)?;
                let a = self.borrow(arg(0)?, &ty, &[])?;
                let sum = match (&ty, &e.ty) {
                    (_, Type::Float) => self.call_rt_value("kr_array_sum_float", &[a.value])?,
                    _ => {
                        let loc = self.loc(e.span);
                        let [loc, func, frame] = self.panic_site(loc);
                        let args = [self.ctx, a.value, loc, func, frame];
                        self.call_rt_value("kr_array_sum_int", &args)?
                    }
                };
                self.end_borrow(a)?;
                Some(sum)
            }
            Intrinsic::ArrayEnumerate => {
                let a = self.borrow(arg(0)?, &arg_ty(0)?, &[])?;
                let desc = self.desc(&e.ty)?;
                let v = self.call_rt_value("kr_array_enumerate", &[a.value, desc])?;
                self.end_borrow(a)?;
                Some(v)
            }
            Intrinsic::ArrayMin | Intrinsic::ArrayMax => {
                let name = if which == Intrinsic::ArrayMin {
                    "kr_array_min"
                } else {
                    "kr_array_max"
                };
                let a = self.borrow(arg(0)?, &arg_ty(0)?, &[])?;
                let desc = self.desc(&e.ty)?;
                let v = self.call_rt_value(name, &[a.value, desc])?;
                self.end_borrow(a)?;
                Some(v)
            }
            Intrinsic::StrFind => {
                let ops = self.borrow_all(args, &[Type::Str, Type::Str])?;
                let desc = self.desc(&e.ty)?;
                let v = self.call_rt_value("kr_str_find", &[ops[0].value, ops[1].value, desc])?;
                self.end_borrows(ops)?;
                Some(v)
            }
            Intrinsic::ParseInt | Intrinsic::ParseFloat => {
                let name = if which == Intrinsic::ParseInt {
                    "kr_parse_int"
                } else {
                    "kr_parse_float"
                };
                let s = self.borrow(arg(0)?, &Type::Str, &[])?;
                let desc = self.desc(&e.ty)?;
                let v = self.call_rt_value(name, &[s.value, desc])?;
                self.end_borrow(s)?;
                Some(v)
            }
            Intrinsic::Args | Intrinsic::ReadLine => {
                let name = if which == Intrinsic::Args {
                    "kr_args"
                } else {
                    "kr_read_line"
                };
                let desc = self.desc(&e.ty)?;
                Some(self.call_rt_value(name, &[self.ctx, desc])?)
            }
            Intrinsic::ReadFile => {
                let path = self.borrow(arg(0)?, &Type::Str, &[])?;
                let desc = self.desc(&e.ty)?;
                let v = self.call_rt_value("kr_read_file", &[self.ctx, path.value, desc])?;
                self.end_borrow(path)?;
                Some(v)
            }
            Intrinsic::WriteFile => {
                let ops = self.borrow_all(args, &[Type::Str, Type::Str])?;
                let desc = self.desc(&e.ty)?;
                let args = [self.ctx, ops[0].value, ops[1].value, desc];
                let v = self.call_rt_value("kr_write_file", &args)?;
                self.end_borrows(ops)?;
                Some(v)
            }
            Intrinsic::Random => Some(self.call_rt_value("kr_random", &[self.ctx])?),
            Intrinsic::RandomInt => {
                let lo = self.operand(arg(0)?, &Type::Int)?;
                let hi = self.operand(arg(1)?, &Type::Int)?;
                let loc = self.loc(e.span);
                let [loc, func, frame] = self.panic_site(loc);
                let args = [self.ctx, lo, hi, loc, func, frame];
                Some(self.call_rt_value("kr_random_int", &args)?)
            }
            Intrinsic::ArrayPush
            | Intrinsic::ArrayInsert
            | Intrinsic::ArrayRemove
            | Intrinsic::ArrayClear
            | Intrinsic::ArrayReserve
            | Intrinsic::ArrayReverse
            | Intrinsic::ArraySort
            | Intrinsic::ArraySortBy
            | Intrinsic::ArrayPop => {
                return Err(ice(format_args!(
                    "the mutating `{}` outside a `MutIntrinsic`",
                    which.name()
                )))
            }
            Intrinsic::StrChars | Intrinsic::StrBytes | Intrinsic::StrLines => {
                let name = match which {
                    Intrinsic::StrChars => "kr_str_chars",
                    Intrinsic::StrBytes => "kr_str_bytes",
                    _ => "kr_str_lines",
                };
                let s = self.borrow(arg(0)?, &Type::Str, &[])?;
                let desc = self.desc(&e.ty)?;
                let v = self.call_rt_value(name, &[s.value, desc])?;
                self.end_borrow(s)?;
                Some(v)
            }
            Intrinsic::StrSplit => {
                let ops = self.borrow_all(args, &[Type::Str, Type::Str])?;
                let desc = self.desc(&e.ty)?;
                let v = self.call_rt_value("kr_str_split", &[ops[0].value, ops[1].value, desc])?;
                self.end_borrows(ops)?;
                Some(v)
            }
            Intrinsic::StrContains
            | Intrinsic::StrStartsWith
            | Intrinsic::StrEndsWith
            | Intrinsic::StrTrim
            | Intrinsic::StrToUpper
            | Intrinsic::StrToLower
            | Intrinsic::StrReplace => {
                let (name, arity) = match which {
                    Intrinsic::StrContains => ("kr_str_contains", 2),
                    Intrinsic::StrStartsWith => ("kr_str_starts_with", 2),
                    Intrinsic::StrEndsWith => ("kr_str_ends_with", 2),
                    Intrinsic::StrTrim => ("kr_str_trim", 1),
                    Intrinsic::StrToUpper => ("kr_str_to_upper", 1),
                    Intrinsic::StrToLower => ("kr_str_to_lower", 1),
                    _ => ("kr_str_replace", 3),
                };
                let ops = self.borrow_all(args, &vec![Type::Str; arity])?;
                let values: Vec<Value> = ops.iter().map(|o| o.value).collect();
                let v = self.call_rt_value(name, &values)?;
                self.end_borrows(ops)?;
                Some(v)
            }
            Intrinsic::MapNew => {
                let desc = self.desc(&e.ty)?;
                Some(self.call_rt_value("kr_map_new", &[desc])?)
            }
            Intrinsic::MapLen => {
                let m = self.borrow(arg(0)?, &arg_ty(0)?, &[])?;
                let len = self.call_rt_value("kr_map_len", &[m.value])?;
                self.set_range(len, (0, MAX_LEN));
                self.end_borrow(m)?;
                Some(len)
            }
            Intrinsic::TaskJoin
            | Intrinsic::ChanNew
            | Intrinsic::ChanSend
            | Intrinsic::ChanRecv
            | Intrinsic::ChanTrySend
            | Intrinsic::ChanTryRecv
            | Intrinsic::ChanClose
            | Intrinsic::ChanLen
            | Intrinsic::Sleep
            | Intrinsic::YieldNow
            | Intrinsic::AtomicNew
            | Intrinsic::AtomicAdd
            | Intrinsic::AtomicGet
            | Intrinsic::AtomicSet
            | Intrinsic::AtomicCas
            | Intrinsic::WorkerCount => return self.task_intrinsic(e, which, args),
            Intrinsic::Host(index) => return self.host_call(e, index, args),
            Intrinsic::MapKeys | Intrinsic::MapValues | Intrinsic::MapEntries => {
                let name = match which {
                    Intrinsic::MapKeys => "kr_map_keys",
                    Intrinsic::MapValues => "kr_map_values",
                    _ => "kr_map_entries",
                };
                let m = self.borrow(arg(0)?, &arg_ty(0)?, &[])?;
                let desc = self.desc(&e.ty)?;
                let v = self.call_rt_value(name, &[m.value, desc])?;
                self.end_borrow(m)?;
                Some(v)
            }
            Intrinsic::MapGet | Intrinsic::MapContains | Intrinsic::MapIndex => {
                let ty = arg_ty(0)?;
                let Type::Map(key, value) = &ty else {
                    return Err(ice(format_args!("`{}` on a `{ty}`", which.name())));
                };
                let ops = self.borrow_all(args, &[ty.clone(), (**key).clone()])?;
                let k = self.encode_slot(Some(ops[1].value), key)?;
                let m = ops[0].value;
                let v = match which {
                    Intrinsic::MapGet => {
                        let desc = self.desc(&e.ty)?;
                        Some(self.call_rt_value("kr_map_get", &[m, k, desc])?)
                    }
                    Intrinsic::MapContains => Some(self.call_rt_value("kr_map_contains", &[m, k])?),
                    _ => {
                        let loc = self.loc(e.span);
                        let [loc, func, frame] = self.panic_site(loc);
                        let args = [self.ctx, m, k, loc, func, frame];
                        let raw = self.call_rt_value("kr_map_index", &args)?;
                        self.decode_slot(raw, value)
                    }
                };
                self.end_borrows(ops)?;
                v
            }
            Intrinsic::MapInsert | Intrinsic::MapRemove => {
                return Err(ice(format_args!(
                    "the mutating `{}` outside a `MutIntrinsic`",
                    which.name()
                )))
            }
            Intrinsic::StrRepeat => {
                let ops = self.borrow_all(args, &[Type::Str, Type::Int])?;
                let loc = self.loc(e.span);
                let [loc, func, frame] = self.panic_site(loc);
                let args = [self.ctx, ops[0].value, ops[1].value, loc, func, frame];
                let v = self.call_rt_value("kr_str_repeat", &args)?;
                self.end_borrows(ops)?;
                Some(v)
            }
        })
    }

    /// Borrows every argument in order (each as its type in `tys`), for a
    /// runtime function that only reads them.
    fn borrow_all(&mut self, args: &[Expr], tys: &[Type]) -> R<Vec<Borrowed>> {
        if args.len() != tys.len() {
            return Err(ice("a built-in with the wrong number of arguments"));
        }
        let mut out = Vec::with_capacity(args.len());
        for (i, (arg, ty)) in args.iter().zip(tys).enumerate() {
            let later: Vec<&Expr> = args[i + 1..].iter().collect();
            out.push(self.borrow(arg, ty, &later)?);
        }
        Ok(out)
    }

    fn end_borrows(&mut self, ops: Vec<Borrowed>) -> R<()> {
        for o in ops {
            self.end_borrow(o)?;
        }
        Ok(())
    }

    /// `int(x)` on a float: truncation toward zero, after checking that the
    /// result fits. Both comparisons are false for NaN, so NaN fails too.
    fn float_to_int(&mut self, e: &Expr, x: Value) -> R<Value> {
        let low = self.b.ins().f64const(-TWO_POW_63);
        let high = self.b.ins().f64const(TWO_POW_63);
        let above_low = self.b.ins().fcmp(FloatCC::GreaterThanOrEqual, x, low);
        let below_high = self.b.ins().fcmp(FloatCC::LessThan, x, high);
        let in_range = self.b.ins().band(above_low, below_high);
        let out = self.b.ins().icmp_imm_s(IntCC::Equal, in_range, 0);
        let loc = self.loc(e.span);
        self.panic_if(out, panic_kind::FLOAT_TO_INT, None, loc)?;
        // In range, so the saturating form never saturates; it avoids the
        // trap sequence of the checking form.
        Ok(self.b.ins().fcvt_to_sint_sat(types::I64, x))
    }

    /// The display form of `x` as a new string. With `debug`, strings are
    /// shown quoted (as `assert_eq` shows them).
    fn display_form(&mut self, x: &Expr, debug: bool) -> R<Option<Value>> {
        if is_composite(&x.ty) {
            let v = self.borrow(x, &x.ty, &[])?;
            let s = self.text_of(v.value, &x.ty, debug)?;
            self.end_borrow(v)?;
            return Ok(Some(s));
        }
        let v = self.expr(x)?;
        self.display(v, &x.ty, debug)
    }

    /// The display form of the already-evaluated value `v` of type `ty`.
    /// Takes ownership of `v`.
    fn display(&mut self, v: Option<Value>, ty: &Type, debug: bool) -> R<Option<Value>> {
        let Some(v) = v else {
            return Ok(match ty {
                Type::Unit => Some(self.literal("()")?),
                _ => None,
            });
        };
        Ok(Some(match ty {
            Type::Str if !debug => v,
            _ => {
                let s = self.text_of(v, ty, debug)?;
                if ty.is_heap() {
                    self.release(v)?;
                }
                s
            }
        }))
    }

    /// A new string with the display form of `v` (borrowed), a value of
    /// type `ty`; with `debug`, strings (also inside containers) are
    /// quoted. A `str` itself needs no new string unless `debug`: the
    /// caller handles that case.
    fn text_of(&mut self, v: Value, ty: &Type, debug: bool) -> R<Value> {
        match ty {
            Type::Int => self.call_rt_value("kr_int_to_str", &[v]),
            Type::Float => self.call_rt_value("kr_float_to_str", &[v]),
            Type::Bool => self.call_rt_value("kr_bool_to_str", &[v]),
            Type::Str if debug => self.call_rt_value("kr_str_debug", &[v]),
            ty if is_composite(ty) => {
                let desc = self.desc(ty)?;
                let name = if debug {
                    "kr_value_debug"
                } else {
                    "kr_value_to_str"
                };
                self.call_rt_value(name, &[v, desc])
            }
            _ => Err(ice(format_args!("`str` of a `{ty}`"))),
        }
    }

    /// `assert_eq(a, b)`: compares by type and, on failure, reports both
    /// display forms (strings quoted) from a cold block.
    fn assert_eq(&mut self, e: &Expr, l: &Expr, r: &Expr) -> R<()> {
        let ty = if l.ty == Type::Never { &r.ty } else { &l.ty };
        if ty.is_zero_sized() {
            // Unit (always equal) or unreachable code: nothing to compare.
            self.value(l, &Type::Unit)?;
            self.value(r, &Type::Unit)?;
            return Ok(());
        }
        let a = self.borrow(l, ty, &[r])?;
        let b = self.borrow(r, ty, &[])?;
        let (x, y) = (a.value, b.value);
        let equal = match ty {
            Type::Int | Type::Bool => self.b.ins().icmp(IntCC::Equal, x, y),
            Type::Float => self.b.ins().fcmp(FloatCC::Equal, x, y),
            Type::Str => self.call_rt_value("kr_str_eq", &[x, y])?,
            ty if is_composite(ty) => {
                let desc = self.desc(ty)?;
                self.call_rt_value("kr_value_eq", &[x, y, desc])?
            }
            _ => return Err(ice(format_args!("`assert_eq` on `{ty}`"))),
        };
        let unequal = self.b.ins().icmp_imm_u(IntCC::Equal, equal, 0);
        let cont = self.enter_cold_if(unequal);
        // The task ends in this block, so the display forms are never
        // released.
        let left = self.text_of(x, ty, true)?;
        let right = self.text_of(y, ty, true)?;
        let loc = self.loc(e.span);
        let [loc, func, frame] = self.panic_site(loc);
        let args = [self.ctx, left, right, loc, func, frame];
        self.call_rt("kr_assert_eq_failed", &args)?;

        self.switch_to(cont);
        self.end_borrow(a)?;
        self.end_borrow(b)
    }

    /// String interpolation: a builder, one push per part by type, and the
    /// finished string.
    pub(crate) fn interpolate(&mut self, parts: &[Expr]) -> R<Value> {
        let builder = self.call_rt_value("kr_sb_new", &[])?;
        for part in parts {
            match &part.ty {
                Type::Str => {
                    let v = self.borrow(part, &Type::Str, &[])?;
                    self.call_rt("kr_sb_push_str", &[builder, v.value])?;
                    self.end_borrow(v)?;
                }
                ty if is_composite(ty) => {
                    let v = self.borrow(part, ty, &[])?;
                    let desc = self.desc(ty)?;
                    self.call_rt("kr_sb_push_value", &[builder, v.value, desc])?;
                    self.end_borrow(v)?;
                }
                ty @ (Type::Int | Type::Float | Type::Bool) => {
                    let name = match ty {
                        Type::Int => "kr_sb_push_int",
                        Type::Float => "kr_sb_push_float",
                        _ => "kr_sb_push_bool",
                    };
                    let v = self.operand(part, ty)?;
                    self.call_rt(name, &[builder, v])?;
                }
                Type::Unit => {
                    self.value(part, &Type::Unit)?;
                    let unit = self.literal("()")?;
                    self.call_rt("kr_sb_push_str", &[builder, unit])?;
                }
                // A diverging part: the rest is unreachable.
                Type::Never => {
                    self.value(part, &Type::Unit)?;
                }
                ty => return Err(ice(format_args!("interpolating a `{ty}`"))),
            }
        }
        self.call_rt_value("kr_sb_finish", &[builder])
    }
}
