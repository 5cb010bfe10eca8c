//! The embedding API in one program: `cargo run --release --example embed`.
//!
//! A host registers a Rust function, compiles a Kriti script against it,
//! calls Kriti functions with Rust values, captures what the script prints,
//! and keeps a runaway script within a time limit.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kriti::{Config, Engine, Error};

const SCRIPT: &str = r#"
/// Prices after the host's discount, with a total.
fn quote(prices: [float], customer: str) -> ([float], float) {
    let discounted = prices.map(|p| discount(customer, p))
    let total = discounted.sum()
    (discounted, total)
}

/// Sums the squares of 1..=n over several tasks and a channel.
fn parallel_squares(n: int) -> int {
    let results = chan<int>(n)
    for i in 1..=n { spawn { results.send(i * i) } }
    var total = 0
    for _ in 0..n { total += results.recv().unwrap() }
    total
}

fn spin() { loop {} }

fn main() {
    println("hello from Kriti")
    let q = quote([10.0, 20.0], "gold")
    println("gold pays {q.0}, {q.1} in all")
}
"#;

fn main() -> Result<(), Error> {
    let out = Arc::new(Mutex::new(Vec::<u8>::new()));
    let mut engine = Engine::with_config(
        Config::new()
            .workers(2)
            .time_limit(Duration::from_millis(200))
            .output(out.clone()),
    );
    // A host function: its Rust signature is its Kriti signature
    // (`fn(str, float) -> float`).
    engine.register_fn("discount", |customer: String, price: f64| -> f64 {
        if customer == "gold" {
            price * 0.8
        } else {
            price
        }
    });
    let program = engine.compile(SCRIPT)?;

    // A typed handle, checked once against the function's signature.
    let quote = program.get_fn::<(Vec<f64>, &str), (Vec<f64>, f64)>("quote")?;
    let (prices, total) = quote.call((vec![5.0, 15.0], "silver"))?;
    println!("silver pays {prices:?}, {total:.1} in all");

    // A one-off call by name; the Kriti code spawns tasks.
    let squares: i64 = program.call("parallel_squares", (10,))?;
    println!("sum of squares 1..=10 = {squares}");

    // main's output goes to the captured writer.
    program.run_main()?;
    let captured = String::from_utf8_lossy(&out.lock().unwrap()).into_owned();
    print!("captured from Kriti:\n{captured}");

    // A runaway call ends at the time limit, and the host goes on.
    let start = Instant::now();
    let err = program.call::<(), ()>("spin", ()).unwrap_err();
    println!("spin: {err} (after {:?})", start.elapsed());

    // A compile error is the rendered diagnostics.
    let err = engine
        .compile("fn f() -> int { discount(\"x\") }")
        .unwrap_err();
    println!("{err}");
    Ok(())
}
