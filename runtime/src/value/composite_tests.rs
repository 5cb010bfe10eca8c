//! Tests of arrays, records, descriptors and the string methods, with
//! descriptors built by hand the way the compiler emits them.

use std::sync::atomic::Ordering;

use super::array::*;
use super::desc::{desc_kind as dk, TypeDesc};
use super::generic::*;
use super::live::THREAD_LIVE;
use super::record::*;
use super::str::{as_str, kr_release, kr_retain, kr_sb_finish, kr_sb_new, kr_sb_push_str, StrObj};
use super::strings::*;
use super::{live, Obj, IMMORTAL_RC};

const NO_CTX: *mut crate::ctx::TaskCtx = std::ptr::null_mut();
const NO_FRAME: *const usize = std::ptr::null();

fn live_count() -> i64 {
    THREAD_LIVE.with(|c| c.get())
}

/// An immortal name, as the compiler emits struct and field names.
fn name(s: &str) -> *const StrObj {
    let p = StrObj::new(s);
    // SAFETY: `p` is a fresh string we own; making it immortal means it is
    // never freed, so it no longer counts as live. (Empty and one-byte
    // strings are immortal already.)
    unsafe {
        if (*p).header.rc.load(Ordering::Relaxed) < IMMORTAL_RC {
            (*p).header.rc.store(IMMORTAL_RC, Ordering::Relaxed);
            live::freed();
        }
    }
    p
}

/// A leaked descriptor: static data for the rest of the test run.
fn desc(kind: u64, children: &[*const TypeDesc], sname: &str, fields: &[&str]) -> *const TypeDesc {
    let children_ptr = if children.is_empty() {
        std::ptr::null()
    } else {
        Box::leak(children.to_vec().into_boxed_slice()).as_ptr()
    };
    let field_names = if fields.is_empty() {
        std::ptr::null()
    } else {
        let names: Vec<*const StrObj> = fields.iter().map(|f| name(f)).collect();
        Box::leak(names.into_boxed_slice()).as_ptr()
    };
    Box::leak(Box::new(TypeDesc {
        kind,
        count: children.len() as u64,
        children: children_ptr,
        name: if kind == dk::STRUCT {
            name(sname)
        } else {
            std::ptr::null()
        },
        field_names,
    }))
}

/// The descriptors the tests use.
struct D {
    int: *const TypeDesc,
    float: *const TypeDesc,
    boolean: *const TypeDesc,
    unit: *const TypeDesc,
    str: *const TypeDesc,
    ints: *const TypeDesc,
    floats: *const TypeDesc,
    strs: *const TypeDesc,
    int_grid: *const TypeDesc,
    str_grid: *const TypeDesc,
    int_str: *const TypeDesc,
    str_int: *const TypeDesc,
    str_int_list: *const TypeDesc,
    enumerated_ints: *const TypeDesc,
    enumerated_strs: *const TypeDesc,
    point: *const TypeDesc,
    points: *const TypeDesc,
    empty: *const TypeDesc,
    one: *const TypeDesc,
}

fn d() -> D {
    let int = desc(dk::INT, &[], "", &[]);
    let float = desc(dk::FLOAT, &[], "", &[]);
    let boolean = desc(dk::BOOL, &[], "", &[]);
    let unit = desc(dk::UNIT, &[], "", &[]);
    let str = desc(dk::STR, &[], "", &[]);
    let ints = desc(dk::ARRAY, &[int], "", &[]);
    let strs = desc(dk::ARRAY, &[str], "", &[]);
    let int_str = desc(dk::TUPLE, &[int, str], "", &[]);
    let str_int = desc(dk::TUPLE, &[str, int], "", &[]);
    let int_int = desc(dk::TUPLE, &[int, int], "", &[]);
    let point = desc(dk::STRUCT, &[float, float], "Point", &["x", "y"]);
    D {
        int,
        float,
        boolean,
        unit,
        str,
        ints,
        floats: desc(dk::ARRAY, &[float], "", &[]),
        strs,
        int_grid: desc(dk::ARRAY, &[ints], "", &[]),
        str_grid: desc(dk::ARRAY, &[strs], "", &[]),
        int_str,
        str_int,
        str_int_list: desc(dk::ARRAY, &[str_int], "", &[]),
        enumerated_ints: desc(dk::ARRAY, &[int_int], "", &[]),
        enumerated_strs: desc(dk::ARRAY, &[int_str], "", &[]),
        point,
        points: desc(dk::ARRAY, &[point], "", &[]),
        empty: desc(dk::STRUCT, &[], "Empty", &[]),
        one: desc(dk::TUPLE, &[int], "", &[]),
    }
}

fn v<T>(p: *mut T) -> i64 {
    p as usize as i64
}

fn fl(x: f64) -> i64 {
    x.to_bits() as i64
}

fn s(text: &str) -> *mut StrObj {
    StrObj::new(text)
}

fn rc(p: *mut Obj) -> u64 {
    // SAFETY: tests only look at live objects.
    unsafe { (*p).rc.load(Ordering::Relaxed) }
}

fn release(p: *mut Obj) {
    // SAFETY: tests release references they own.
    unsafe { kr_release(p.cast()) }
}

/// Takes an owned string: its text, then releases it.
fn take(p: *mut StrObj) -> String {
    // SAFETY: `p` is a live string owned by the test.
    unsafe {
        let t = as_str(p).to_string();
        kr_release(p);
        t
    }
}

/// A new array of type `desc` holding `slots` (owned).
fn array(desc: *const TypeDesc, slots: &[i64]) -> *mut Obj {
    // SAFETY: a valid descriptor.
    let a = unsafe { kr_array_new(desc, slots.len() as i64) };
    // SAFETY: `a` is a fresh array with `slots.len()` elements.
    for (slot, &x) in unsafe { ArrayObj::elems_mut(a.cast()) }
        .iter_mut()
        .zip(slots)
    {
        *slot = x as u64;
    }
    a
}

fn int_array(d: &D, xs: &[i64]) -> *mut Obj {
    array(d.ints, xs)
}

fn str_array(d: &D, xs: &[&str]) -> *mut Obj {
    let slots: Vec<i64> = xs.iter().map(|x| v(s(x))).collect();
    array(d.strs, &slots)
}

/// A new record of type `desc` holding `slots` (owned).
fn record(desc: *const TypeDesc, slots: &[i64]) -> *mut Obj {
    // SAFETY: a valid descriptor.
    let r = unsafe { kr_record_new(desc) };
    // SAFETY: `r` is a fresh record with `desc.count` slots.
    let fields = unsafe { RecordObj::slots(r.cast()) };
    assert_eq!(fields.len(), slots.len());
    for (slot, &x) in fields.iter_mut().zip(slots) {
        *slot = x as u64;
    }
    r
}

fn show(x: i64, desc: *const TypeDesc) -> String {
    // SAFETY: `x` is a valid value of type `desc`.
    take(unsafe { kr_value_to_str(x, desc) })
}

fn debug(x: i64, desc: *const TypeDesc) -> String {
    // SAFETY: `x` is a valid value of type `desc`.
    take(unsafe { kr_value_debug(x, desc) })
}

fn ints(a: *mut Obj) -> Vec<i64> {
    // SAFETY: `a` is a live int array.
    unsafe { ArrayObj::elems(a.cast()) }
        .iter()
        .map(|&x| x as i64)
        .collect()
}

fn texts(a: *mut Obj) -> Vec<String> {
    // SAFETY: `a` is a live string array.
    unsafe { ArrayObj::elems(a.cast()) }
        .iter()
        // SAFETY: its elements are live strings.
        .map(|&x| unsafe { as_str(x as usize as *const StrObj) }.to_string())
        .collect()
}

/// A `[str]` result as texts, released.
fn take_texts(a: *mut Obj) -> Vec<String> {
    let t = texts(a);
    release(a);
    t
}

#[test]
fn layouts() {
    assert_eq!(std::mem::size_of::<TypeDesc>(), 40);
    assert_eq!(std::mem::size_of::<ArrayObj>(), 48);
    assert_eq!(RECORD_DESC_OFFSET, 16);
    assert_eq!(RECORD_SLOTS_OFFSET, 24);
    assert_eq!(
        (
            ARRAY_DESC_OFFSET,
            ARRAY_LEN_OFFSET,
            ARRAY_CAP_OFFSET,
            ARRAY_DATA_OFFSET
        ),
        (16, 24, 32, 40)
    );
    assert_eq!(super::kind::ARRAY, 2);
    assert_eq!(super::kind::RECORD, 3);
}

#[test]
fn display_forms() {
    let d = d();
    let before = live_count();
    let a = int_array(&d, &[1, 2]);
    let b = int_array(&d, &[3]);
    let grid = array(d.int_grid, &[v(a), v(b)]);
    assert_eq!(show(v(grid), d.int_grid), "[[1, 2], [3]]");
    assert_eq!(debug(v(grid), d.int_grid), "[[1, 2], [3]]");
    release(grid);

    let t = record(d.str_int, &[v(s("a")), 1]);
    let list = array(d.str_int_list, &[v(t)]);
    assert_eq!(show(v(list), d.str_int_list), r#"[("a", 1)]"#);
    release(list);

    let p = record(d.point, &[fl(1.0), fl(2.0)]);
    assert_eq!(show(v(p), d.point), "Point { x: 1.0, y: 2.0 }");
    let points = array(d.points, &[v(p)]);
    assert_eq!(show(v(points), d.points), "[Point { x: 1.0, y: 2.0 }]");
    release(points);

    let xs = str_array(&d, &["x", "a\"b\n"]);
    assert_eq!(show(v(xs), d.strs), r#"["x", "a\"b\n"]"#);
    release(xs);

    let top = s("hi \"you\"");
    assert_eq!(show(v(top), d.str), "hi \"you\"");
    assert_eq!(debug(v(top), d.str), r#""hi \"you\"""#);
    let t = record(d.int_str, &[1, v(top)]);
    assert_eq!(show(v(t), d.int_str), r#"(1, "hi \"you\"")"#);
    release(t);

    let empty = int_array(&d, &[]);
    assert_eq!(show(v(empty), d.ints), "[]");
    release(empty);
    let e = record(d.empty, &[]);
    assert_eq!(show(v(e), d.empty), "Empty {}");
    release(e);
    let one = record(d.one, &[7]);
    assert_eq!(show(v(one), d.one), "(7,)");
    release(one);

    assert_eq!(show(-5, d.int), "-5");
    assert_eq!(show(fl(0.1), d.float), "0.1");
    assert_eq!(show(fl(f64::NAN), d.float), "NaN");
    assert_eq!(show(1, d.boolean), "true");
    assert_eq!(show(0, d.boolean), "false");
    assert_eq!(show(0, d.unit), "()");
    let fs = array(d.floats, &[fl(1.0), fl(-0.0), fl(1e21)]);
    assert_eq!(show(v(fs), d.floats), "[1.0, -0.0, 1e21]");

    // Interpolation: a top-level str is as-is, containers quote.
    let word = s("w");
    let label = s("xs=");
    // SAFETY: a live builder, finished once; live values.
    let text = unsafe {
        let b = kr_sb_new();
        kr_sb_push_str(b, label);
        kr_sb_push_value(b, v(fs), d.floats);
        kr_sb_push_value(b, v(word), d.str);
        kr_sb_push_value(b, 3, d.int);
        kr_sb_finish(b)
    };
    assert_eq!(take(text), "xs=[1.0, -0.0, 1e21]w3");
    release(fs);
    release(word.cast());
    release(label.cast());
    assert_eq!(live_count(), before);
}

#[test]
fn structural_equality() {
    let d = d();
    let before = live_count();
    let eq = |a: i64, b: i64, desc| {
        // SAFETY: valid values of type `desc`.
        unsafe { kr_value_eq(a, b, desc) }
    };
    let a = int_array(&d, &[1, 2]);
    let b = int_array(&d, &[1, 2]);
    let c = int_array(&d, &[1, 2, 3]);
    let e = int_array(&d, &[1, 3]);
    assert!(eq(v(a), v(b), d.ints));
    assert!(!eq(v(a), v(c), d.ints));
    assert!(!eq(v(a), v(e), d.ints));
    let g1 = array(d.int_grid, &[v(a), v(c)]);
    // SAFETY: live arrays; the grid takes the new references.
    unsafe {
        kr_retain(b.cast());
        kr_retain(c.cast());
    }
    let g2 = array(d.int_grid, &[v(b), v(c)]);
    assert!(eq(v(g1), v(g2), d.int_grid));
    // SAFETY: as above, for a third grid.
    unsafe {
        kr_retain(b.cast());
        kr_retain(c.cast());
    }
    let g3 = array(d.int_grid, &[v(c), v(b)]);
    assert!(!eq(v(g1), v(g3), d.int_grid));

    // Floats by IEEE: NaN is unequal to itself, even in the same array.
    assert!(eq(fl(0.0), fl(-0.0), d.float));
    assert!(!eq(fl(f64::NAN), fl(f64::NAN), d.float));
    let nan = array(d.floats, &[fl(f64::NAN)]);
    assert!(!eq(v(nan), v(nan), d.floats));
    release(nan);

    assert!(eq(1, 1, d.boolean));
    assert!(eq(0, 0, d.unit));
    let (s1, s2) = (s("héllo"), s("héllo"));
    assert!(eq(v(s1), v(s2), d.str));
    let t1 = record(d.str_int, &[v(s1), 5]);
    let t2 = record(d.str_int, &[v(s2), 5]);
    assert!(eq(v(t1), v(t2), d.str_int));
    let t3 = record(d.str_int, &[v(s("hello")), 5]);
    assert!(!eq(v(t1), v(t3), d.str_int));
    let p1 = record(d.point, &[fl(1.0), fl(2.0)]);
    let p2 = record(d.point, &[fl(1.0), fl(2.5)]);
    assert!(!eq(v(p1), v(p2), d.point));
    assert!(eq(v(p1), v(p1), d.point));
    for p in [g1, g2, g3, t1, t2, t3, p1, p2, e, b] {
        release(p);
    }
    assert_eq!(live_count(), before);
}

#[test]
fn make_unique_copies_only_when_shared() {
    let d = d();
    let before = live_count();
    let a = int_array(&d, &[1, 2, 3]);
    // SAFETY: `a` is live and ours.
    let same = unsafe { kr_make_unique(a) };
    assert_eq!(same, a);
    assert_eq!(rc(a), 1);

    // `var b = a; b.push(4)`: b is shared, so it is copied first.
    // SAFETY: as above; `b` is our second reference.
    let b = unsafe {
        kr_retain(a.cast());
        kr_make_unique(a)
    };
    assert_ne!(b, a);
    assert_eq!((rc(a), rc(b)), (1, 1));
    // SAFETY: `b` is unique.
    unsafe { kr_array_push(b, 4) };
    assert_eq!(ints(a), [1, 2, 3]);
    assert_eq!(ints(b), [1, 2, 3, 4]);
    release(b);

    // A nested copy is shallow: the inner arrays are shared, not copied,
    // and writing through the copy copies the inner array on write.
    let inner = int_array(&d, &[7]);
    let outer = array(d.int_grid, &[v(inner)]);
    // SAFETY: a second reference to `outer`.
    let copy = unsafe {
        kr_retain(outer.cast());
        kr_make_unique(outer)
    };
    assert_ne!(copy, outer);
    assert_eq!(rc(inner), 2);
    // SAFETY: `copy` is unique; its slot 0 owns a reference to `inner`.
    unsafe {
        let slot = &mut ArrayObj::elems_mut(copy.cast())[0];
        let unique_inner = kr_make_unique(*slot as usize as *mut Obj);
        *slot = unique_inner as usize as u64;
        kr_array_push(unique_inner, 8);
    }
    assert_eq!(show(v(outer), d.int_grid), "[[7]]");
    assert_eq!(show(v(copy), d.int_grid), "[[7, 8]]");
    assert_eq!(rc(inner), 1);
    release(copy);

    // Records: `var q = p; q.x = 5.0` leaves p alone.
    let name = s("a name");
    let p = record(d.str_int, &[v(name), 1]);
    // SAFETY: a second reference to `p`.
    let q = unsafe {
        kr_retain(p.cast());
        kr_make_unique(p)
    };
    assert_ne!(p, q);
    assert_eq!(rc(name.cast()), 2);
    // SAFETY: `q` is unique.
    unsafe { RecordObj::slots(q.cast())[1] = 5 };
    assert_eq!(show(v(p), d.str_int), r#"("a name", 1)"#);
    assert_eq!(show(v(q), d.str_int), r#"("a name", 5)"#);
    // SAFETY: `q` is unique; it is returned as is.
    assert_eq!(unsafe { kr_make_unique(q) }, q);
    release(q);

    // Strings are immutable: returned as they are, count unchanged.
    let text = s("shared text");
    // SAFETY: a second reference; make_unique consumes and returns it.
    unsafe {
        kr_retain(text);
        assert_eq!(kr_make_unique(text.cast()), text.cast());
    }
    assert_eq!(rc(text.cast()), 2);
    release(text.cast());
    release(text.cast());

    // An immortal (static) record is copied, never written.
    let empty = record(d.empty, &[]);
    // SAFETY: `empty` is ours; once immortal it is never freed.
    unsafe { (*empty).rc.store(IMMORTAL_RC, Ordering::Relaxed) };
    live::freed();
    // SAFETY: as above.
    let fresh = unsafe { kr_make_unique(empty) };
    assert_ne!(fresh, empty);
    assert_eq!(rc(fresh), 1);
    release(fresh);
    // SAFETY: null is tolerated.
    assert!(unsafe { kr_make_unique(std::ptr::null_mut()) }.is_null());

    release(a);
    release(outer);
    release(p);
    assert_eq!(live_count(), before);
}

#[test]
fn release_frees_nested_values_exactly_once() {
    let d = d();
    let before = live_count();
    // [[str]] with a string shared by two rows and a row shared twice.
    let shared = s("shared string");
    let row1 = array(d.strs, &[v(shared), v(s("one"))]);
    // SAFETY: the second row and the grid take extra references.
    unsafe {
        kr_retain(shared);
        kr_retain(row1.cast());
    }
    let row2 = array(d.strs, &[v(shared)]);
    let grid = array(d.str_grid, &[v(row1), v(row2), v(row1)]);
    assert_eq!(live_count(), before + 5);
    let list = array(d.str_int_list, &[v(record(d.str_int, &[v(s("k")), 1]))]);
    let p = record(d.point, &[fl(1.0), fl(2.0)]);
    release(grid);
    release(list);
    release(p);
    assert_eq!(live_count(), before);

    // A deep chain frees without recursion: [[[...]]] 100,000 levels deep
    // built from one self-referential descriptor.
    let deep: *const TypeDesc = {
        let td = Box::leak(Box::new(TypeDesc {
            kind: dk::ARRAY,
            count: 1,
            children: std::ptr::null(),
            name: std::ptr::null(),
            field_names: std::ptr::null(),
        }));
        let children = Box::leak(Box::new([std::ptr::from_ref::<TypeDesc>(td)]));
        td.children = children.as_ptr();
        td
    };
    let mut chain = array(deep, &[]);
    for _ in 0..100_000 {
        chain = array(deep, &[v(chain)]);
    }
    release(chain);
    assert_eq!(live_count(), before);
}

#[test]
fn array_construction() {
    let d = d();
    let before = live_count();
    let word = s("word");
    // SAFETY: no panic is reached; `word` is borrowed.
    let a = unsafe { kr_array_repeat(NO_CTX, d.strs, v(word), 3, -1, -1, NO_FRAME) };
    assert_eq!(texts(a), ["word", "word", "word"]);
    assert_eq!(rc(word.cast()), 4);
    release(a);
    assert_eq!(rc(word.cast()), 1);
    release(word.cast());
    // SAFETY: as above.
    let z = unsafe { kr_array_repeat(NO_CTX, d.ints, 0, 0, -1, -1, NO_FRAME) };
    assert_eq!(ints(z), Vec::<i64>::new());
    release(z);
    // SAFETY: a valid descriptor.
    let n = unsafe { kr_array_new(d.ints, 3) };
    assert_eq!(ints(n), [0, 0, 0]);
    release(n);
    // SAFETY: a valid descriptor; a negative length reads as 0.
    let n = unsafe { kr_array_new(d.ints, -3) };
    assert_eq!(ints(n), Vec::<i64>::new());
    release(n);
    let r = record(d.point, &[0, 0]);
    assert_eq!(show(v(r), d.point), "Point { x: 0.0, y: 0.0 }");
    release(r);
    assert_eq!(live_count(), before);
}

#[test]
fn array_push_insert_remove_clear() {
    let d = d();
    let before = live_count();
    let a = int_array(&d, &[]);
    for i in 0..1000 {
        // SAFETY: `a` is unique.
        unsafe { kr_array_push(a, i) };
    }
    assert_eq!(ints(a), (0..1000).collect::<Vec<_>>());
    // SAFETY: `a` is live.
    let cap = unsafe { (*a.cast::<ArrayObj>()).cap };
    assert!((1000..2048).contains(&cap), "cap {cap}");
    release(a);

    let xs = str_array(&d, &["b", "d"]);
    // SAFETY: `xs` is unique; indices are in range, so no panic.
    unsafe {
        kr_array_insert(NO_CTX, xs, 0, v(s("a")), -1, -1, NO_FRAME);
        kr_array_insert(NO_CTX, xs, 2, v(s("c")), -1, -1, NO_FRAME);
        kr_array_insert(NO_CTX, xs, 4, v(s("e")), -1, -1, NO_FRAME);
        assert_eq!(texts(xs), ["a", "b", "c", "d", "e"]);
        let removed = kr_array_remove(NO_CTX, xs, 1, -1, -1, NO_FRAME);
        assert_eq!(take(removed as usize as *mut StrObj), "b");
        let removed = kr_array_remove(NO_CTX, xs, 3, -1, -1, NO_FRAME);
        assert_eq!(take(removed as usize as *mut StrObj), "e");
        assert_eq!(texts(xs), ["a", "c", "d"]);
        kr_array_clear(xs);
        assert_eq!(texts(xs), Vec::<String>::new());
        kr_array_push(xs, v(s("again")));
        assert_eq!(texts(xs), ["again"]);
    }
    release(xs);
    assert_eq!(live_count(), before);
}

/// Whether array `a` holds an element equal to `x` as `==` compares
/// composite values (`values_eq`, behind `kr_value_eq`).
///
/// # Safety
/// `a` is a live array; `x` a valid value of its element type.
unsafe fn contains(a: *mut Obj, x: i64) -> bool {
    let a = a.cast::<ArrayObj>();
    // SAFETY: the caller's contract.
    unsafe {
        let elem = ArrayObj::elem_desc(a);
        ArrayObj::elems(a)
            .iter()
            .any(|&e| values_eq(e, x as u64, elem))
    }
}

#[test]
fn array_reverse_sort_contains() {
    let d = d();
    let before = live_count();
    let a = int_array(&d, &[3, -1, 2, i64::MIN, 0]);
    // SAFETY: `a` is unique.
    unsafe { kr_array_reverse(a) };
    assert_eq!(ints(a), [0, i64::MIN, 2, -1, 3]);
    // SAFETY: `a` is unique.
    unsafe { kr_array_sort(a) };
    assert_eq!(ints(a), [i64::MIN, -1, 0, 2, 3]);
    // SAFETY: `a` is live.
    unsafe {
        assert!(contains(a, -1));
        assert!(!contains(a, 1));
    }
    release(a);

    let f = array(
        d.floats,
        &[fl(2.0), fl(f64::NAN), fl(-0.0), fl(0.0), fl(-1.5)],
    );
    // SAFETY: `f` is unique.
    unsafe { kr_array_sort(f) };
    assert_eq!(show(v(f), d.floats), "[-1.5, -0.0, 0.0, 2.0, NaN]");
    // SAFETY: `f` is live; NaN is not equal to NaN.
    unsafe {
        assert!(!contains(f, fl(f64::NAN)));
        assert!(contains(f, fl(0.0)));
    }
    release(f);

    let xs = str_array(&d, &["pear", "Apple", "apple", "", "é", "z"]);
    // SAFETY: `xs` is unique.
    unsafe { kr_array_sort(xs) };
    assert_eq!(texts(xs), ["", "Apple", "apple", "pear", "z", "é"]);
    let probe = s("pear");
    let missing = s("pea");
    // SAFETY: live values.
    unsafe {
        assert!(contains(xs, v(probe)));
        assert!(!contains(xs, v(missing)));
    }
    release(probe.cast());
    release(missing.cast());
    release(xs);

    // Tuples sort lexicographically, and the sort is stable: equal keys
    // keep their order (the second field here is the original position).
    let keys = [(2, "b"), (1, "z"), (2, "a"), (1, "z"), (0, "q")];
    let slots: Vec<i64> = keys
        .iter()
        .map(|&(k, t)| v(record(d.int_str, &[k, v(s(t))])))
        .collect();
    let ts = array(d.enumerated_strs, &slots);
    let first_z = slots[1];
    // SAFETY: `ts` is unique.
    unsafe { kr_array_sort(ts) };
    assert_eq!(
        show(v(ts), d.enumerated_strs),
        r#"[(0, "q"), (1, "z"), (1, "z"), (2, "a"), (2, "b")]"#
    );
    // SAFETY: live.
    assert_eq!(unsafe { ArrayObj::elems(ts.cast()) }[1] as i64, first_z);
    let probe = record(d.int_str, &[2, v(s("a"))]);
    // SAFETY: live.
    assert!(unsafe { contains(ts, v(probe)) });
    release(probe);
    release(ts);

    // Arrays of arrays: lexicographic, a prefix first.
    let rows = [&[1, 2][..], &[1], &[0, 5], &[1, 1]];
    let slots: Vec<i64> = rows.iter().map(|r| v(int_array(&d, r))).collect();
    let grid = array(d.int_grid, &slots);
    // SAFETY: `grid` is unique.
    unsafe { kr_array_sort(grid) };
    assert_eq!(show(v(grid), d.int_grid), "[[0, 5], [1], [1, 1], [1, 2]]");
    release(grid);

    let ps = array(
        d.points,
        &[
            v(record(d.point, &[fl(1.0), fl(0.0)])),
            v(record(d.point, &[fl(0.5), fl(9.0)])),
        ],
    );
    // SAFETY: `ps` is unique.
    unsafe { kr_array_sort(ps) };
    assert_eq!(
        show(v(ps), d.points),
        "[Point { x: 0.5, y: 9.0 }, Point { x: 1.0, y: 0.0 }]"
    );
    release(ps);
    assert_eq!(live_count(), before);
}

#[test]
fn array_join_sum_enumerate_concat_slice() {
    let d = d();
    let before = live_count();
    let xs = str_array(&d, &["a", "", "b"]);
    let sep = s(", ");
    // SAFETY: live values.
    unsafe {
        assert_eq!(take(kr_array_join(xs, sep)), "a, , b");
        assert_eq!(take(kr_array_join(xs, std::ptr::null_mut())), "ab");
        let none = str_array(&d, &[]);
        assert_eq!(take(kr_array_join(none, sep)), "");
        release(none);
    }
    release(sep.cast());

    let a = int_array(&d, &[1, 2, 3]);
    // SAFETY: live values; no overflow.
    unsafe {
        assert_eq!(kr_array_sum_int(NO_CTX, a, -1, -1, NO_FRAME), 6);
        let big = int_array(&d, &[i64::MAX, -1, 1]);
        assert_eq!(kr_array_sum_int(NO_CTX, big, -1, -1, NO_FRAME), i64::MAX);
        release(big);
    }
    let f = array(d.floats, &[fl(0.1), fl(0.2), fl(0.5)]);
    // SAFETY: live values.
    unsafe {
        assert_eq!(kr_array_sum_float(f), 0.1 + 0.2 + 0.5);
        let none = array(d.floats, &[]);
        assert_eq!(kr_array_sum_float(none), 0.0);
        release(none);
    }
    release(f);

    // SAFETY: live values and a valid result descriptor.
    unsafe {
        let e = kr_array_enumerate(xs, d.enumerated_strs);
        assert_eq!(
            show(v(e), d.enumerated_strs),
            r#"[(0, "a"), (1, ""), (2, "b")]"#
        );
        release(e);
        let e = kr_array_enumerate(a, d.enumerated_ints);
        assert_eq!(show(v(e), d.enumerated_ints), "[(0, 1), (1, 2), (2, 3)]");
        release(e);
    }

    let b = int_array(&d, &[4]);
    // SAFETY: live values; ranges in bounds.
    unsafe {
        let c = kr_array_concat(a, b);
        assert_eq!(ints(c), [1, 2, 3, 4]);
        assert_eq!(rc(a), 1);
        release(c);
        let ys = kr_array_concat(xs, xs);
        assert_eq!(texts(ys), ["a", "", "b", "a", "", "b"]);
        release(ys);
        let s1 = kr_array_slice(NO_CTX, a, 1, 3, -1, -1, NO_FRAME);
        assert_eq!(ints(s1), [2, 3]);
        release(s1);
        let s2 = kr_array_slice(NO_CTX, a, 3, 3, -1, -1, NO_FRAME);
        assert_eq!(ints(s2), Vec::<i64>::new());
        release(s2);
        let s3 = kr_array_slice(NO_CTX, xs, 0, 2, -1, -1, NO_FRAME);
        assert_eq!(texts(s3), ["a", ""]);
        release(xs);
        assert_eq!(texts(s3), ["a", ""]);
        release(s3);
    }
    release(a);
    release(b);
    assert_eq!(live_count(), before);
}

#[test]
fn string_slicing_and_pieces() {
    let d = d();
    let before = live_count();
    let text = s("héllo wörld");
    // SAFETY: live values; in-range slices, so no panic.
    unsafe {
        assert_eq!(
            take(kr_str_slice(NO_CTX, text, 0, 1, -1, -1, NO_FRAME)),
            "h"
        );
        assert_eq!(
            take(kr_str_slice(NO_CTX, text, 1, 3, -1, -1, NO_FRAME)),
            "é"
        );
        assert_eq!(take(kr_str_slice(NO_CTX, text, 4, 4, -1, -1, NO_FRAME)), "");
        let whole = kr_str_slice(NO_CTX, text, 0, 13, -1, -1, NO_FRAME);
        assert_eq!(whole, text);
        kr_release(whole);
        assert_eq!(
            take_texts(kr_str_chars(text, d.strs)),
            ["h", "é", "l", "l", "o", " ", "w", "ö", "r", "l", "d"]
        );
        assert_eq!(
            take_texts(kr_str_chars(StrObj::empty(), d.strs)),
            Vec::<String>::new()
        );
        let bytes = kr_str_bytes(text, d.ints);
        assert_eq!(ints(bytes)[..4], [104, 195, 169, 108]);
        assert_eq!(ints(bytes).len(), 13);
        release(bytes);
    }
    release(text.cast());
    assert_eq!(live_count(), before);
}

#[test]
fn string_searching() {
    let before = live_count();
    let (text, ell, empty, hx) = (s("hello"), s("ell"), s(""), s("hx"));
    let (he, llo) = (s("he"), s("llo"));
    // SAFETY: live values.
    unsafe {
        assert!(kr_str_contains(text, ell));
        assert!(kr_str_contains(text, empty));
        assert!(!kr_str_contains(text, hx));
        assert!(kr_str_starts_with(text, he));
        assert!(!kr_str_starts_with(text, ell));
        assert!(kr_str_starts_with(text, empty));
        assert!(kr_str_ends_with(text, llo));
        assert!(!kr_str_ends_with(text, ell));
        assert!(kr_str_ends_with(empty, empty));
        assert!(!kr_str_contains(empty, text));
        assert!(!kr_str_contains(std::ptr::null_mut(), text));
        assert!(kr_str_contains(text, std::ptr::null_mut()));
    }
    for p in [text, ell, empty, hx, he, llo] {
        release(p.cast());
    }
    assert_eq!(live_count(), before);
}

#[test]
fn string_split_lines() {
    let d = d();
    let before = live_count();
    let split = |text: &str, sep: &str| {
        let (t, p) = (s(text), s(sep));
        // SAFETY: live values and a valid descriptor.
        let parts = take_texts(unsafe { kr_str_split(t, p, d.strs) });
        release(t.cast());
        release(p.cast());
        parts
    };
    assert_eq!(split("a,b,,c", ","), ["a", "b", "", "c"]);
    assert_eq!(split("a,b,", ","), ["a", "b", ""]);
    assert_eq!(split("", ","), [""]);
    assert_eq!(split("a--b--c", "--"), ["a", "b", "c"]);
    assert_eq!(split("abc", "x"), ["abc"]);
    assert_eq!(split("ab", ""), ["", "a", "b", ""]);
    assert_eq!(split("", ""), ["", ""]);
    assert_eq!(split("aaa", "aa"), ["", "a"]);

    let lines = |text: &str| {
        let t = s(text);
        // SAFETY: live values and a valid descriptor.
        let parts = take_texts(unsafe { kr_str_lines(t, d.strs) });
        release(t.cast());
        parts
    };
    assert_eq!(lines("a\nb\r\n\nc\n"), ["a", "b", "", "c"]);
    assert_eq!(lines("a\nb"), ["a", "b"]);
    assert_eq!(lines(""), Vec::<String>::new());
    assert_eq!(lines("\n"), [""]);
    assert_eq!(live_count(), before);
}

#[test]
fn string_transformations() {
    let before = live_count();
    let map = |text: &str, f: unsafe extern "C" fn(*mut StrObj) -> *mut StrObj| {
        let t = s(text);
        // SAFETY: a live string.
        let out = take(unsafe { f(t) });
        release(t.cast());
        out
    };
    assert_eq!(map("  hi there \t\n", kr_str_trim), "hi there");
    assert_eq!(map("\u{3000}x\u{a0}", kr_str_trim), "x");
    assert_eq!(map("   ", kr_str_trim), "");
    assert_eq!(map("Hello, Wörld ß", kr_str_to_upper), "HELLO, WÖRLD SS");
    assert_eq!(map("Hello, WÖRLD", kr_str_to_lower), "hello, wörld");
    // An unchanged trim shares the argument.
    let t = s("no spaces");
    // SAFETY: a live string.
    unsafe {
        let same = kr_str_trim(t);
        assert_eq!(same, t);
        assert_eq!(rc(t.cast()), 2);
        kr_release(same);
    }
    release(t.cast());

    let replace = |text: &str, from: &str, to: &str| {
        let (t, f, r) = (s(text), s(from), s(to));
        // SAFETY: live strings.
        let out = take(unsafe { kr_str_replace(t, f, r) });
        for p in [t, f, r] {
            release(p.cast());
        }
        out
    };
    assert_eq!(replace("a-b-c", "-", "+"), "a+b+c");
    assert_eq!(replace("aaaa", "aa", "b"), "bb");
    assert_eq!(replace("abc", "x", "y"), "abc");
    assert_eq!(replace("abc", "b", ""), "ac");
    assert_eq!(replace("ab", "", "-"), "-a-b-");
    assert_eq!(replace("", "", "x"), "x");

    let repeat = |text: &str, n: i64| {
        let t = s(text);
        // SAFETY: a live string; n >= 0, so no panic.
        let out = take(unsafe { kr_str_repeat(NO_CTX, t, n, -1, -1, NO_FRAME) });
        release(t.cast());
        out
    };
    assert_eq!(repeat("ab", 3), "ababab");
    assert_eq!(repeat("ab", 0), "");
    assert_eq!(repeat("ab", 1), "ab");
    assert_eq!(repeat("", 1_000_000_000), "");
    assert_eq!(live_count(), before);
}

#[test]
fn one_byte_strings_are_shared() {
    let before = live_count();
    let a = s("a");
    let b = s("a");
    assert_eq!(a, b);
    assert!(rc(a.cast()) >= IMMORTAL_RC);
    release(a.cast());
    release(b.cast());
    // SAFETY: still the live immortal object.
    assert_eq!(unsafe { as_str(a) }, "a");
    assert_eq!(live_count(), before);
}

#[test]
fn null_arguments_do_not_crash() {
    let d = d();
    let before = live_count();
    let null: *mut Obj = std::ptr::null_mut();
    // SAFETY: null arrays and strings are tolerated.
    unsafe {
        kr_array_push(null, 1);
        kr_array_clear(null);
        kr_array_reverse(null);
        kr_array_sort(null);
        assert_eq!(kr_array_sum_float(null), 0.0);
        assert_eq!(kr_array_sum_int(NO_CTX, null, -1, -1, NO_FRAME), 0);
        assert_eq!(take(kr_array_join(null, std::ptr::null_mut())), "");
        let c = kr_array_concat(null, null);
        assert_eq!(ints(c), Vec::<i64>::new());
        release(c);
        assert_eq!(show(0, d.strs), "[]");
        assert_eq!(show(0, d.point), "Point {}");
        assert_eq!(show(0, d.str), "");
        assert_eq!(
            take_texts(kr_str_split(
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                d.strs
            )),
            ["", ""]
        );
    }
    assert_eq!(live_count(), before);
}

// ---- Enum values ----------------------------------------------------------

/// A leaked enum descriptor with one VARIANT child per `(name, payload)`.
fn enum_desc(ename: &str, variants: &[(&str, &[*const TypeDesc])]) -> *const TypeDesc {
    let children: Vec<*const TypeDesc> = variants
        .iter()
        .map(|(vname, payload)| {
            let kids = if payload.is_empty() {
                std::ptr::null()
            } else {
                Box::leak(payload.to_vec().into_boxed_slice()).as_ptr()
            };
            let vd: *const TypeDesc = Box::leak(Box::new(TypeDesc {
                kind: dk::VARIANT,
                count: payload.len() as u64,
                children: kids,
                name: name(vname),
                field_names: std::ptr::null(),
            }));
            vd
        })
        .collect();
    Box::leak(Box::new(TypeDesc {
        kind: dk::ENUM,
        count: children.len() as u64,
        children: Box::leak(children.into_boxed_slice()).as_ptr(),
        name: name(ename),
        field_names: std::ptr::null(),
    }))
}

/// A new enum value of variant `tag` holding `payload` (owned).
fn variant(desc: *const TypeDesc, tag: i64, payload: &[i64]) -> *mut Obj {
    // SAFETY: a valid enum descriptor.
    let e = unsafe { kr_enum_new(desc, tag) };
    // SAFETY: `e` is a fresh enum value: its tag and the variant's payload.
    let slots = unsafe { RecordObj::slots(e.cast()) };
    assert_eq!(slots.len(), 1 + payload.len());
    assert_eq!(slots[0], tag as u64);
    for (slot, &x) in slots[1..].iter_mut().zip(payload) {
        *slot = x as u64;
    }
    e
}

#[test]
fn enum_values_display_compare_copy_and_free() {
    let d = d();
    let base = live_count();
    let opt_str = enum_desc("Option", &[("None", &[]), ("Some", &[d.str])]);
    let res = enum_desc("Result", &[("Ok", &[d.int]), ("Err", &[d.str])]);
    let shape = enum_desc(
        "Shape",
        &[
            ("Circle", &[d.float]),
            ("Rect", &[d.float, d.float]),
            ("Empty", &[]),
        ],
    );
    let some = variant(opt_str, 1, &[v(s("hi there"))]);
    let none = variant(opt_str, 0, &[]);
    assert_eq!(show(v(some), opt_str), "Some(\"hi there\")");
    assert_eq!(show(v(none), opt_str), "None");
    let err = variant(res, 1, &[v(s("bad"))]);
    let ok = variant(res, 0, &[7]);
    assert_eq!(show(v(err), res), "Err(\"bad\")");
    assert_eq!(show(v(ok), res), "Ok(7)");
    let circle = variant(shape, 0, &[fl(1.5)]);
    let rect = variant(shape, 1, &[fl(2.0), fl(3.0)]);
    let empty = variant(shape, 2, &[]);
    let shapes = array(
        desc(dk::ARRAY, &[shape], "", &[]),
        &[v(circle), v(rect), v(empty)],
    );
    let shapes_desc = desc(dk::ARRAY, &[shape], "", &[]);
    assert_eq!(
        show(v(shapes), shapes_desc),
        "[Circle(1.5), Rect(2.0, 3.0), Empty]"
    );

    // SAFETY: live values of the right types.
    unsafe {
        let other = variant(opt_str, 1, &[v(s("hi there"))]);
        assert!(kr_value_eq(v(some), v(other), opt_str));
        assert!(!kr_value_eq(v(some), v(none), opt_str));
        // Variants order by tag, then payload.
        assert!(cmp_values(v(none) as u64, v(some) as u64, opt_str).is_lt());
        let less = variant(opt_str, 1, &[v(s("hi"))]);
        assert!(cmp_values(v(less) as u64, v(some) as u64, opt_str).is_lt());
        release(less);

        // Copy-on-write copies a shared enum value with its payload.
        kr_retain(other.cast());
        let copy = kr_make_unique(other);
        assert_ne!(copy, other);
        assert_eq!(rc(other), 1);
        assert!(kr_value_eq(v(copy), v(other), opt_str));
        release(copy);
        release(other);
    }
    for p in [some, none, err, ok, shapes] {
        release(p);
    }
    assert_eq!(live_count(), base);
}

#[test]
fn deep_enum_values_need_no_deep_stack() {
    let d = d();
    let base = live_count();
    // enum List { Nil, Cons(int, List) }: the descriptor refers to itself.
    let list = enum_desc(
        "List",
        &[("Nil", &[]), ("Cons", &[d.int, std::ptr::null()])],
    );
    // SAFETY: patch the self-reference of the leaked descriptor.
    unsafe {
        let cons = (*list).child(1);
        let kids = (*cons).children.cast_mut();
        *kids.add(1) = list;
    }
    let build = |n: i64| {
        let mut xs = variant(list, 0, &[]);
        for i in 0..n {
            xs = variant(list, 1, &[i, v(xs)]);
        }
        xs
    };
    let a = build(200_000);
    let b = build(200_000);
    let c = build(199_999);
    // SAFETY: live values of the list type.
    unsafe {
        assert!(kr_value_eq(v(a), v(b), list));
        assert!(!kr_value_eq(v(a), v(c), list));
        assert!(cmp_values(v(c) as u64, v(a) as u64, list).is_lt());
    }
    let text = show(v(c), list);
    assert!(text.starts_with("Cons(199998, Cons(199997, "));
    assert!(text.ends_with(&format!("Cons(0, Nil{}", ")".repeat(199_999))));
    for p in [a, b, c] {
        release(p);
    }
    assert_eq!(live_count(), base);
}

#[test]
fn option_returning_functions() {
    let d = d();
    let base = live_count();
    let opt_int = enum_desc("Option", &[("None", &[]), ("Some", &[d.int])]);
    let opt_str = enum_desc("Option", &[("None", &[]), ("Some", &[d.str])]);
    let opt_float = enum_desc("Option", &[("None", &[]), ("Some", &[d.float])]);
    let words = str_array(&d, &["pear", "apple", "fig"]);
    // SAFETY: live arrays and strings; valid descriptors.
    unsafe {
        let min = kr_array_min(words, opt_str);
        assert_eq!(show(v(min), opt_str), "Some(\"apple\")");
        release(min);
        let max = kr_array_max(words, opt_str);
        assert_eq!(show(v(max), opt_str), "Some(\"pear\")");
        release(max);
        let popped = kr_array_pop(words, opt_str);
        assert_eq!(show(v(popped), opt_str), "Some(\"fig\")");
        release(popped);
        assert_eq!(texts(words), ["pear", "apple"]);
        let empty = int_array(&d, &[]);
        let none = kr_array_pop(empty, opt_int);
        assert_eq!(show(v(none), opt_int), "None");
        release(none);
        let none = kr_array_max(empty, opt_int);
        assert_eq!(show(v(none), opt_int), "None");
        release(none);
        release(empty);

        let hay = s("haystack");
        let needle = s("st");
        let found = kr_str_find(hay, needle, opt_int);
        assert_eq!(show(v(found), opt_int), "Some(3)");
        release(found);
        let missing = kr_str_find(needle, hay, opt_int);
        assert_eq!(show(v(missing), opt_int), "None");
        release(missing);
        kr_release(hay);
        kr_release(needle);

        for (text, want) in [
            ("42", "Some(42)"),
            ("-7", "Some(-7)"),
            ("+3", "Some(3)"),
            (" 1", "None"),
            ("1_0", "None"),
            ("99999999999999999999", "None"),
        ] {
            let t = s(text);
            let n = kr_parse_int(t, opt_int);
            assert_eq!(show(v(n), opt_int), want, "{text}");
            release(n);
            kr_release(t);
        }
        for (text, want) in [
            ("2.5", "Some(2.5)"),
            ("1e3", "Some(1000.0)"),
            ("inf", "Some(inf)"),
            ("x", "None"),
        ] {
            let t = s(text);
            let n = kr_parse_float(t, opt_float);
            assert_eq!(show(v(n), opt_float), want, "{text}");
            release(n);
            kr_release(t);
        }
    }
    release(words);
    assert_eq!(live_count(), base);
}
