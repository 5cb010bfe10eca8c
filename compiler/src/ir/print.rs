//! The KIR printer behind `kriti run --emit ir`: one readable, stable text
//! form of a checked program, so that every later bug can be seen in text.

use super::kir::{Expr, ExprKind, Function, Place, PlaceStep, Program, Select, SelectOp};
use std::fmt::Write;

/// Renders a whole program.
pub fn print_program(program: &Program) -> String {
    let mut out = String::new();
    for (i, f) in program.functions.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        print_function(program, f, &mut out);
    }
    out
}

fn print_function(p: &Program, f: &Function, out: &mut String) {
    let params: Vec<String> = f
        .params
        .iter()
        .map(|p| {
            let l = &f.locals[p.0 as usize];
            format!(
                "{}{}: {}",
                if l.mutable { "var " } else { "" },
                local_name(f, p.0),
                l.ty
            )
        })
        .collect();
    let _ = write!(out, "fn {}({}) -> {} ", f.name, params.join(", "), f.ret);
    print_expr(p, f, &f.body, 0, out);
    out.push('\n');
}

fn local_name(f: &Function, id: u32) -> String {
    let name = f.locals.get(id as usize).map_or("?", |l| l.name.as_str());
    format!("{name}%{id}")
}

fn indent(out: &mut String, depth: usize) {
    for _ in 0..depth {
        out.push_str("    ");
    }
}

fn print_expr(p: &Program, f: &Function, e: &Expr, depth: usize, out: &mut String) {
    match &e.kind {
        ExprKind::Int(v) => {
            let _ = write!(out, "{v}");
        }
        ExprKind::Float(v) => {
            let _ = write!(out, "{v:?}");
        }
        ExprKind::Bool(v) => {
            let _ = write!(out, "{v}");
        }
        ExprKind::Str(s) => {
            let _ = write!(out, "{s:?}");
        }
        ExprKind::Unit => out.push_str("()"),
        ExprKind::Local(id) => out.push_str(&local_name(f, id.0)),
        ExprKind::Let(id, v) => {
            let ty = &f.locals[id.0 as usize].ty;
            let _ = write!(out, "let {}: {ty} = ", local_name(f, id.0));
            print_expr(p, f, v, depth, out);
        }
        ExprKind::Assign(id, v) => {
            let _ = write!(out, "{} = ", local_name(f, id.0));
            print_expr(p, f, v, depth, out);
        }
        ExprKind::Block(items) => {
            out.push_str("{\n");
            for item in items {
                indent(out, depth + 1);
                print_expr(p, f, item, depth + 1, out);
                out.push('\n');
            }
            indent(out, depth);
            out.push('}');
        }
        ExprKind::If {
            cond,
            then,
            otherwise,
        } => {
            out.push_str("if ");
            print_expr(p, f, cond, depth, out);
            out.push(' ');
            print_expr(p, f, then, depth, out);
            out.push_str(" else ");
            print_expr(p, f, otherwise, depth, out);
            let _ = write!(out, " : {}", e.ty);
        }
        ExprKind::While { cond, body } => {
            out.push_str("while ");
            print_expr(p, f, cond, depth, out);
            out.push(' ');
            print_expr(p, f, body, depth, out);
        }
        ExprKind::Loop(body) => {
            out.push_str("loop ");
            print_expr(p, f, body, depth, out);
        }
        ExprKind::ForRange {
            var,
            start,
            end,
            inclusive,
            body,
        } => {
            let _ = write!(out, "for {} in ", local_name(f, var.0));
            print_expr(p, f, start, depth, out);
            out.push_str(if *inclusive { "..=" } else { ".." });
            print_expr(p, f, end, depth, out);
            out.push(' ');
            print_expr(p, f, body, depth, out);
        }
        ExprKind::Break => out.push_str("break"),
        ExprKind::Continue => out.push_str("continue"),
        ExprKind::Return(v) => {
            out.push_str("return ");
            print_expr(p, f, v, depth, out);
        }
        ExprKind::Binary(op, a, b) => {
            out.push('(');
            print_expr(p, f, a, depth, out);
            let _ = write!(out, " {}.{} ", op.symbol(), a.ty);
            print_expr(p, f, b, depth, out);
            out.push(')');
        }
        ExprKind::Unary(op, a) => {
            out.push_str(match op {
                super::kir::UnOp::Neg => "-",
                super::kir::UnOp::Not => "!",
            });
            print_expr(p, f, a, depth, out);
        }
        ExprKind::Call(id, args) => {
            let name = p
                .functions
                .get(id.0 as usize)
                .map_or("?", |g| g.name.as_str());
            let _ = write!(out, "call {name}");
            print_args(p, f, args, depth, out);
        }
        ExprKind::Intrinsic(op, args) => {
            let _ = write!(out, "@{}", op.name());
            print_args(p, f, args, depth, out);
        }
        ExprKind::Interpolate(parts) => {
            out.push_str("@interpolate");
            print_args(p, f, parts, depth, out);
        }
        ExprKind::Inlined { callee, body } => {
            let name = p
                .functions
                .get(callee.0 as usize)
                .map_or("?", |g| g.name.as_str());
            let _ = write!(out, "inlined {name} ");
            print_expr(p, f, body, depth, out);
        }
        ExprKind::ArrayLit(items) => {
            out.push('[');
            print_list(p, f, items, depth, out);
            out.push(']');
        }
        ExprKind::ArrayRepeat(v, n) => {
            out.push('[');
            print_expr(p, f, v, depth, out);
            out.push_str("; ");
            print_expr(p, f, n, depth, out);
            out.push(']');
        }
        ExprKind::TupleLit(items) => {
            out.push_str("tuple");
            print_args(p, f, items, depth, out);
        }
        ExprKind::StructLit(id, fields) => {
            let name = p
                .structs
                .get(id.0 as usize)
                .map_or("?", |s| s.name.as_str());
            out.push_str(name);
            print_args(p, f, fields, depth, out);
        }
        ExprKind::Field(base, i) => {
            print_expr(p, f, base, depth, out);
            let _ = write!(out, ".{i}");
        }
        ExprKind::Index(base, i) => {
            print_expr(p, f, base, depth, out);
            out.push('[');
            print_expr(p, f, i, depth, out);
            out.push(']');
        }
        ExprKind::Slice { base, start, end } => {
            print_expr(p, f, base, depth, out);
            out.push('[');
            print_expr(p, f, start, depth, out);
            out.push_str("..");
            print_expr(p, f, end, depth, out);
            out.push(']');
        }
        ExprKind::AssignPlace(place, v) => {
            print_place(p, f, place, depth, out);
            out.push_str(" = ");
            print_expr(p, f, v, depth, out);
        }
        ExprKind::MutIntrinsic(place, op, args) => {
            print_place(p, f, place, depth, out);
            let _ = write!(out, ".@{}", op.name());
            print_args(p, f, args, depth, out);
        }
        ExprKind::CallMut(id, place, args) => {
            let name = p
                .functions
                .get(id.0 as usize)
                .map_or("?", |g| g.name.as_str());
            let _ = write!(out, "call_mut {name} ");
            print_place(p, f, place, depth, out);
            print_args(p, f, args, depth, out);
        }
        ExprKind::ForArray { var, array, body } => {
            let _ = write!(out, "for {} in ", local_name(f, var.0));
            print_expr(p, f, array, depth, out);
            out.push(' ');
            print_expr(p, f, body, depth, out);
        }
        ExprKind::Variant { tag, payload } => {
            let name = p
                .variants(&e.ty)
                .and_then(|vs| vs.get(*tag as usize).map(|(n, _)| n.clone()))
                .unwrap_or_else(|| "?".to_string());
            let _ = write!(out, "{}::{name}", e.ty);
            if !payload.is_empty() {
                print_args(p, f, payload, depth, out);
            }
        }
        ExprKind::Tag(base) => {
            out.push_str("tag(");
            print_expr(p, f, base, depth, out);
            out.push(')');
        }
        ExprKind::Payload(base, i) => {
            out.push_str("payload(");
            print_expr(p, f, base, depth, out);
            let _ = write!(out, ", {i})");
        }
        ExprKind::Spawn { entry, args } => {
            let name = p
                .functions
                .get(entry.0 as usize)
                .map_or("?", |g| g.name.as_str());
            let _ = write!(out, "spawn {name}");
            print_args(p, f, args, depth, out);
        }
        ExprKind::Select(s) => print_select(p, f, s, depth, out),
        ExprKind::Closure { func, captures } => {
            let name = p
                .functions
                .get(func.0 as usize)
                .map_or("?", |g| g.name.as_str());
            let _ = write!(out, "closure {name}");
            print_args(p, f, captures, depth, out);
        }
        ExprKind::FnRef(id) => {
            let name = p
                .functions
                .get(id.0 as usize)
                .map_or("?", |g| g.name.as_str());
            let _ = write!(out, "fn {name}");
        }
        ExprKind::CallValue(callee, args) => {
            out.push_str("call_value ");
            print_expr(p, f, callee, depth, out);
            print_args(p, f, args, depth, out);
        }
    }
}

fn print_select(p: &Program, f: &Function, s: &Select, depth: usize, out: &mut String) {
    out.push_str("select {\n");
    let arm = |out: &mut String, body: &Expr| {
        out.push_str(" => ");
        print_expr(p, f, body, depth + 1, out);
        out.push('\n');
    };
    for a in &s.arms {
        indent(out, depth + 1);
        match &a.op {
            SelectOp::Recv(bind) => {
                if let Some(id) = bind {
                    let _ = write!(out, "let {} = ", local_name(f, id.0));
                }
                print_expr(p, f, &a.chan, depth + 1, out);
                out.push_str(".recv()");
            }
            SelectOp::Send(v) => {
                print_expr(p, f, &a.chan, depth + 1, out);
                out.push_str(".send(");
                print_expr(p, f, v, depth + 1, out);
                out.push(')');
            }
        }
        arm(out, &a.body);
    }
    if let Some((ms, body)) = &s.after {
        indent(out, depth + 1);
        out.push_str("after(");
        print_expr(p, f, ms, depth + 1, out);
        out.push(')');
        arm(out, body);
    }
    if let Some(body) = &s.default {
        indent(out, depth + 1);
        out.push('_');
        arm(out, body);
    }
    indent(out, depth);
    out.push('}');
}

fn print_place(p: &Program, f: &Function, place: &Place, depth: usize, out: &mut String) {
    out.push_str(&local_name(f, place.root.0));
    for step in &place.path {
        match step {
            PlaceStep::Field(i) => {
                let _ = write!(out, ".{i}");
            }
            PlaceStep::Index(e) => {
                out.push('[');
                print_expr(p, f, e, depth, out);
                out.push(']');
            }
        }
    }
}

fn print_args(p: &Program, f: &Function, args: &[Expr], depth: usize, out: &mut String) {
    out.push('(');
    print_list(p, f, args, depth, out);
    out.push(')');
}

fn print_list(p: &Program, f: &Function, args: &[Expr], depth: usize, out: &mut String) {
    for (i, a) in args.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        print_expr(p, f, a, depth, out);
    }
}
