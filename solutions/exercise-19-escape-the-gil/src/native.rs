// Exercise 19 · Escape the GIL. Book: book/src/part-6/escaping.md
//
// A native function: Rust code that a program calls like a builtin. While it runs it does
// not touch the interpreter (it sees only its arguments), so it need not hold the GIL, and
// other threads of the same interpreter can run bytecode meanwhile. This is what NumPy
// and friends do between Py_BEGIN_ALLOW_THREADS and Py_END_ALLOW_THREADS.

use std::f64::consts::FRAC_PI_2;
use std::sync::Arc;

use toy_python::{Blocking, Interpreter, Value};

/// The integral is returned times this: the language has integers only.
pub const SCALE: f64 = 1_000_000.0;

/// Registers `integrate(steps)` on `interpreter`, to run without the GIL.
pub fn register(interpreter: &Interpreter) {
    interpreter.register_native("integrate", Arc::new(integrate), Blocking::Releases);
}

/// The native `integrate(steps)`: the integral of cos(x) over [0, π/2] by the midpoint rule
/// with `steps` slices, times [`SCALE`], rounded to an integer. The exact integral is 1, so
/// enough steps give 1000000.
///
/// One argument, an integer of at least 1; anything else is an `Err` that says what was
/// wrong (the program gets it as a runtime error).
pub fn integrate(args: &[Value]) -> Result<Value, String> {
    let steps = match args {
        [Value::Int(steps)] if *steps >= 1 => *steps,
        [Value::Int(steps)] => {
            return Err(format!(
                "integrate(steps): steps must be at least 1, got {steps}"
            ));
        }
        _ => return Err(format!("integrate(steps) takes one integer, got {args:?}")),
    };
    let width = FRAC_PI_2 / steps as f64;
    let sum: f64 = (0..steps).map(|i| ((i as f64 + 0.5) * width).cos()).sum();
    Ok(Value::Int((sum * width * SCALE).round() as i64))
}
