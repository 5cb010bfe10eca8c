//! The embedding API: typed calls, the type mapping both ways, host
//! functions, signature checks, compile errors, panics and `exit`.
//! (`embed_run.rs` has limits, capabilities, output and concurrency.)

use kriti::{Engine, Error, Program};

fn compile(source: &str) -> Program {
    match Engine::new().compile(source) {
        Ok(p) => p,
        Err(e) => panic!("compile error:\n{e}"),
    }
}

#[test]
fn typed_calls_of_every_mapped_type() {
    let p = compile(
        r#"
        fn int_(x: int) -> int { x * 2 }
        fn float_(x: float) -> float { x / 2.0 }
        fn bool_(b: bool) -> bool { !b }
        fn str_(s: str) -> str { s + "!" }
        fn unit_() {}
        fn array(xs: [int]) -> [int] { xs.map(|x| x + 1) }
        fn nested(xs: [[str]]) -> [str] { xs.map(|x| x.join("-")) }
        fn tuple(t: (int, str)) -> (str, int) { (t.1, t.0) }
        fn option(x: Option<int>) -> Option<int> { x.map(|v| v * 10) }
        fn result(x: int) -> Result<int, str> { if x > 0 { Ok(x) } else { Err("negative") } }
        fn many(a: int, b: float, c: bool, d: str, e: [float], f: (bool, int)) -> str {
            "{a} {b} {c} {d} {e} {f}"
        }
        "#,
    );
    assert_eq!(p.call::<_, i64>("int_", (21,)).unwrap(), 42);
    assert_eq!(p.call::<_, f64>("float_", (3.0,)).unwrap(), 1.5);
    assert!(p.call::<_, bool>("bool_", (false,)).unwrap());
    assert_eq!(p.call::<_, String>("str_", ("hi",)).unwrap(), "hi!");
    assert_eq!(
        p.call::<_, String>("str_", ("héllo".to_string(),)).unwrap(),
        "héllo!"
    );
    p.call::<(), ()>("unit_", ()).unwrap();
    assert_eq!(
        p.call::<_, Vec<i64>>("array", (vec![1_i64, 2, 3],))
            .unwrap(),
        [2, 3, 4]
    );
    assert_eq!(
        p.call::<_, Vec<i64>>("array", (Vec::<i64>::new(),))
            .unwrap(),
        Vec::<i64>::new()
    );
    let nested = vec![vec!["a".to_string(), "b".to_string()], vec![]];
    assert_eq!(
        p.call::<_, Vec<String>>("nested", (nested,)).unwrap(),
        ["a-b", ""]
    );
    assert_eq!(
        p.call::<_, (String, i64)>("tuple", ((7_i64, "seven"),))
            .unwrap(),
        ("seven".to_string(), 7)
    );
    assert_eq!(
        p.call::<_, Option<i64>>("option", (Some(4_i64),)).unwrap(),
        Some(40)
    );
    assert_eq!(
        p.call::<_, Option<i64>>("option", (None::<i64>,)).unwrap(),
        None
    );
    assert_eq!(
        p.call::<_, Result<i64, String>>("result", (5,)).unwrap(),
        Ok(5)
    );
    assert_eq!(
        p.call::<_, Result<i64, String>>("result", (-5,)).unwrap(),
        Err("negative".to_string())
    );
    let s: String = p
        .call("many", (1, 2.5, true, "d", vec![0.5], (false, 9)))
        .unwrap();
    assert_eq!(s, "1 2.5 true d [0.5] (false, 9)");
}

#[test]
fn a_typed_handle_is_reused() {
    let p = compile("fn fib(n: int) -> int { if n < 2 { n } else { fib(n - 1) + fib(n - 2) } }");
    let fib = p.get_fn::<(i64,), i64>("fib").unwrap();
    let got: Vec<i64> = (0..10).map(|n| fib.call((n,)).unwrap()).collect();
    assert_eq!(got, [0, 1, 1, 2, 3, 5, 8, 13, 21, 34]);
    let again = fib.clone();
    assert_eq!(again.call((20,)).unwrap(), 6765);
}

#[test]
fn signature_mismatches_name_both_signatures() {
    let p = compile("fn f(x: int, s: str) -> [float] { [float(x)] }\nstruct P { x: int }\nimpl P { fn get(self) -> int { self.x } }");
    let err = p.get_fn::<(i64, i64), Vec<f64>>("f").unwrap_err();
    assert_eq!(
        err,
        Error::Signature {
            name: "f".into(),
            expected: "fn(int, int) -> [float]".into(),
            found: "fn(int, str) -> [float]".into(),
        }
    );
    assert_eq!(
        err.to_string(),
        "`f` has the signature `fn(int, str) -> [float]`, but the host asked for `fn(int, int) -> [float]`"
    );
    let err = p.get_fn::<(i64, String), Vec<i64>>("f").unwrap_err();
    assert!(matches!(err, Error::Signature { .. }), "{err}");
    let err = p.get_fn::<(i64,), Vec<f64>>("f").unwrap_err();
    assert!(matches!(err, Error::Signature { .. }), "{err}");
    assert_eq!(
        p.get_fn::<(), ()>("nope").unwrap_err(),
        Error::NotFound {
            name: "nope".into()
        }
    );
    // Methods and generated functions are not callable by name.
    assert!(matches!(
        p.get_fn::<(), i64>("P::get").unwrap_err(),
        Error::NotFound { .. }
    ));
    assert!(p.get_fn::<(i64, &str), Vec<f64>>("f").is_ok());
}

#[test]
fn host_functions_of_every_mapped_type() {
    let out = std::sync::Arc::new(std::sync::Mutex::new(Vec::<u8>::new()));
    let mut engine = Engine::with_config(kriti::Config::new().output(out.clone()));
    engine
        .register_fn("h_int", |a: i64, b: i64| a * b)
        .register_fn("h_float", |x: f64| x.sqrt())
        .register_fn("h_bool", |b: bool| !b)
        .register_fn("h_str", |s: String| s.chars().rev().collect::<String>())
        .register_fn("h_unit", || {})
        .register_fn("h_vec", |xs: Vec<i64>| xs.iter().sum::<i64>())
        .register_fn("h_make", |n: i64| (0..n).collect::<Vec<i64>>())
        .register_fn("h_tuple", |t: (String, i64)| (t.1, t.0))
        .register_fn("h_opt", |x: Option<String>| x.map(|s| s.len() as i64))
        .register_fn("h_res", |ok: bool| -> Result<f64, String> {
            if ok {
                Ok(1.5)
            } else {
                Err("no".into())
            }
        })
        .register_fn(
            "h_six",
            |a: i64, b: f64, c: bool, d: String, e: Vec<String>, f: (i64, i64)| {
                format!("{a}/{b}/{c}/{d}/{}/{}", e.join(","), f.0 + f.1)
            },
        );
    let p = engine
        .compile(
            r#"
            fn main() {
                println(h_int(6, 7))
                println(h_float(2.25))
                println(h_bool(true))
                println(h_str("abc"))
                h_unit()
                println(h_vec([1, 2, 3]))
                println(h_make(3))
                println(h_tuple(("x", 5)))
                println(h_opt(Some("four")))
                println(h_opt(None))
                println(h_res(true))
                println(h_res(false))
                println(h_six(1, 2.0, false, "d", ["e", "f"], (3, 4)))
                let xs = h_make(4)
                assert_eq(xs.len(), 4)
            }
            fn via(x: int) -> int { h_int(x, x) + h_vec(h_make(x)) }
            "#,
        )
        .unwrap();
    assert_eq!(p.call::<_, i64>("via", (4,)).unwrap(), 16 + 6);
    p.run_main().unwrap();
    let text = String::from_utf8(out.lock().unwrap().clone()).unwrap();
    assert_eq!(
        text,
        "42\n1.5\nfalse\ncba\n6\n[0, 1, 2]\n(5, \"x\")\nSome(4)\nNone\nOk(1.5)\nErr(\"no\")\n1/2/false/d/e,f/7\n"
    );
}

#[test]
fn misusing_a_host_function_is_a_compile_error() {
    let mut engine = Engine::new();
    engine.register_fn("scale", |x: i64, k: f64| x as f64 * k);
    let err = engine.compile("fn f() -> int { scale(1, 2) }").unwrap_err();
    let text = err.to_string();
    assert!(text.contains("[E0301] Error: mismatched types"), "{text}");
    assert!(text.contains("[E0301]"), "{text}");
    let err = engine.compile("fn f() -> float { scale(1) }").unwrap_err();
    assert!(
        err.to_string()
            .contains("`scale` takes 2 arguments but 1 was given"),
        "{err}"
    );
    assert!(
        err.to_string().contains("`fn scale(int, float) -> float`"),
        "{err}"
    );
    // E0425: a clash with the program's own function, or with the prelude.
    let err = engine.compile("fn scale() {}").unwrap_err();
    assert!(
        err.to_string()
            .contains("[E0425] Error: `scale` is defined here and also registered by the host"),
        "{err}"
    );
    let mut clash = Engine::new();
    clash.register_fn("print", |_x: i64| {});
    let err = clash.compile("fn f() {}").unwrap_err();
    assert!(
        err.to_string().contains(
            "[E0425] Error: the host function `print` has the name of a prelude function"
        ),
        "{err}"
    );
    // E0427: host functions are not values.
    let err = engine.compile("fn f() { let g = scale }").unwrap_err();
    assert!(
        err.to_string()
            .contains("[E0427] Error: the host function `scale` cannot be used as a value"),
        "{err}"
    );
    // A typo gets a suggestion.
    let err = engine
        .compile("fn f() -> float { scal(1, 1.0) }")
        .unwrap_err();
    assert!(err.to_string().contains("did you mean `scale`?"), "{err}");
}

#[test]
fn compile_errors_are_rendered_without_colour() {
    let err = Engine::new()
        .compile_named("bad.kr", "fn f() -> int {\n    let x: str = 1\n    y\n}")
        .unwrap_err();
    let Error::Compile { rendered, count } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(*count, 2);
    assert!(!rendered.contains('\x1b'), "{rendered}");
    assert!(rendered.contains("bad.kr:2:18"), "{rendered}");
    assert!(
        rendered.contains("cannot find `y` in this scope"),
        "{rendered}"
    );
    assert_eq!(err.to_string(), rendered.trim_end());
    // Syntax errors too; and `Error` is a std error.
    let err: Box<dyn std::error::Error> = Box::new(Engine::new().compile("fn (").unwrap_err());
    assert!(err.to_string().contains("Error"));
}

#[test]
fn a_panic_is_an_error_with_its_location() {
    let p = compile(
        "fn div(a: int, b: int) -> int { a / b }\nfn outer(x: int) -> int {\n    div(x, 0) + 1\n}\nfn boom() { panic(\"no way\") }\nfn idx(xs: [int]) -> int { xs[5] }",
    );
    let err = p.call::<_, i64>("outer", (1,)).unwrap_err();
    let Error::Panic {
        message,
        location,
        report,
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(message, "division by zero");
    assert_eq!(location.as_deref(), Some("script.kr:1:33"));
    assert!(
        report.starts_with("panic at script.kr:1:33: division by zero"),
        "{report}"
    );
    assert_eq!(err.to_string(), *report);
    let err = p.call::<(), ()>("boom", ()).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("panic at script.kr:5:13: no way"),
        "{err}"
    );
    let err = p.call::<_, i64>("idx", (vec![1_i64],)).unwrap_err();
    assert!(err.to_string().contains("index out of bounds"), "{err}");
    // The program is still usable after a panic.
    assert_eq!(p.call::<_, i64>("div", (9, 3)).unwrap(), 3);
}

#[test]
fn a_panic_in_a_host_function_is_a_kriti_panic() {
    let mut engine = Engine::new();
    engine.register_fn("fragile", |x: i64| -> i64 {
        if x < 0 {
            panic!("negative input {x}");
        }
        x
    });
    let p = engine
        .compile("fn f(x: int) -> int {\n    fragile(x) + 1\n}")
        .unwrap();
    assert_eq!(p.call::<_, i64>("f", (1,)).unwrap(), 2);
    let err = p.call::<_, i64>("f", (-1,)).unwrap_err();
    let Error::Panic {
        message, location, ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(
        message,
        "host function `fragile` panicked: negative input -1"
    );
    assert_eq!(location.as_deref(), Some("script.kr:2:5"));
    assert_eq!(p.call::<_, i64>("f", (5,)).unwrap(), 6);
}

#[test]
fn exit_returns_its_code_and_never_exits_the_host() {
    let p = compile("fn main() { println(\"bye\"); exit(7) }\nfn quit(c: int) -> int { exit(c) }\nfn in_task() { let t = spawn { exit(4) }; t.join() }");
    let err = p.run_main().unwrap_err();
    assert_eq!(err, Error::Exit(7));
    assert_eq!(err.exit_code(), Some(7));
    assert_eq!(p.call::<_, i64>("quit", (0,)).unwrap_err(), Error::Exit(0));
    assert_eq!(p.call::<(), ()>("in_task", ()).unwrap_err(), Error::Exit(4));
    // Still alive, still working.
    assert_eq!(
        p.call::<_, i64>("quit", (3,)).unwrap_err().exit_code(),
        Some(3)
    );
}

#[test]
fn run_main_needs_a_main() {
    let p = compile("fn f() {}");
    assert_eq!(
        p.run_main().unwrap_err(),
        Error::NotFound {
            name: "main".into()
        }
    );
}

/// The compiler never panics on what a host gives it either: a program
/// using host functions and denied prelude functions, cut at every
/// character and with host-function arguments of every wrong kind, gets a
/// program or diagnostics.
#[test]
fn compiling_against_a_host_never_panics() {
    let mut engine = Engine::new();
    engine
        .register_fn("h2", |a: i64, b: String| format!("{a}{b}"))
        .register_fn("hv", |xs: Vec<(i64, f64)>| xs.len() as i64)
        .register_fn("h0", || Some(1_i64));
    let source = r#"fn f(x: int) -> str {
    let n = hv([(1, 2.0), (x, 0.5)]) + h0().unwrap()
    let r = read_file("x")
    h2(n, "s") + h2(x, str(args()))
}
fn main() { println(f(1)); let g = |a: int| h2(a, "z"); println(g(2)) }
"#;
    let mut cuts = 0;
    for (i, _) in source.char_indices() {
        let cut = &source[..i];
        let _ = engine.compile(cut);
        cuts += 1;
    }
    assert!(cuts > 100);
    for args in [
        "",
        "1",
        "1, 2",
        "\"a\", 1",
        "1, \"a\", 3",
        "[1]",
        "h2",
        "h0()",
        "(1, 2)",
    ] {
        for f in ["h2", "hv", "h0"] {
            let src = format!("fn main() {{ let v = {f}({args}) }}");
            let result = engine.compile(&src);
            if let Err(e) = result {
                assert!(matches!(e, Error::Compile { .. }), "{src}: {e:?}");
            }
        }
    }
    assert!(engine.compile(source).is_err()); // read_file and args are denied
}

/// Heap values passed to host functions stay the caller's: parameters,
/// locals and temporaries, many times over, are never freed early.
#[test]
fn heap_arguments_of_host_functions_keep_their_owners() {
    let mut engine = Engine::new();
    engine
        .register_fn("hlen", |s: String| s.len() as i64)
        .register_fn("hcount", |xs: Vec<String>, t: (String, Vec<i64>)| {
            (xs.len() + t.0.len() + t.1.len()) as i64
        })
        .register_fn("hecho", |xs: Vec<String>| xs);
    let p = engine
        .compile(
            r#"fn f(s: str, xs: [str]) -> int {
    var total = 0
    var ys = xs
    for i in 0..1000 {
        total += hlen(s) + hcount(xs, (s, [i, i])) + hlen("{s}{i}")
        ys = hecho(ys)
        ys.push(s)
    }
    total + ys.len() + xs.len() + s.len()
}"#,
        )
        .unwrap();
    let f = p.get_fn::<(String, Vec<String>), i64>("f").unwrap();
    let xs = vec!["a".to_string(), "bb".to_string()];
    // Per iteration: 5 + (2 + 5 + 2) + len("hello{i}").
    let digits: i64 = (0..1000).map(|i: i64| 5 + i.to_string().len() as i64).sum();
    let want = 1000 * (5 + 9) + digits + (2 + 1000) + 2 + 5;
    for _ in 0..3 {
        assert_eq!(f.call(("hello".into(), xs.clone())).unwrap(), want);
    }
}

/// `var` parameters are the callee's own copies; functions whose types
/// have no Rust counterpart (structs, function values) are found but
/// cannot be called with any mapped type.
#[test]
fn var_parameters_and_unmapped_types() {
    let p = compile(
        "struct P { x: int }
         fn push_one(var xs: [int]) -> [int] { xs.push(1); xs }
         fn px(p: P) -> int { p.x }
         fn apply(f: fn(int) -> int) -> int { f(1) }",
    );
    let xs = vec![7_i64];
    assert_eq!(
        p.call::<_, Vec<i64>>("push_one", (xs.clone(),)).unwrap(),
        [7, 1]
    );
    assert_eq!(xs, [7]);
    let err = p.get_fn::<(i64,), i64>("px").unwrap_err();
    assert_eq!(
        err.to_string(),
        "`px` has the signature `fn(P) -> int`, but the host asked for `fn(int) -> int`"
    );
    assert!(matches!(
        p.get_fn::<(i64,), i64>("apply").unwrap_err(),
        Error::Signature { .. }
    ));
}
