// Exercise 19 · Escape the GIL. Book: book/src/part-6/escaping.md
//
// A native function: Rust code that a program calls like a builtin. While it runs it does
// not touch the interpreter (it sees only its arguments), so it need not hold the GIL, and
// other threads of the same interpreter can run bytecode meanwhile. This is what NumPy
// and friends do between Py_BEGIN_ALLOW_THREADS and Py_END_ALLOW_THREADS.
//
// What you need from the interpreter:
//     interpreter.register_native(name, Arc::new(function), Blocking::Holds or ::Releases)
// where `function` is any `Fn(&[Value]) -> Result<Value, String> + Send + Sync`. With
// `Releases`, the interpreter calls `gil.blocking_begin` before the function and
// `gil.blocking_end` after it.

use std::f64::consts::FRAC_PI_2;
use std::sync::Arc;

use toy_python::{Blocking, Interpreter, Value};

/// The integral is returned times this: the language has integers only.
pub const SCALE: f64 = 1_000_000.0;

/// Registers `integrate(steps)` on `interpreter`, to run without the GIL.
pub fn register(interpreter: &Interpreter) {
    todo!(
        "register the native `integrate`; which Blocking lets other threads run while it \
         does? (book: escaping.md#native-code-without-the-gil)"
    )
}

/// The native `integrate(steps)`: the integral of cos(x) over [0, π/2] by the midpoint rule
/// with `steps` slices, times [`SCALE`], rounded to an integer. The exact integral is 1, so
/// enough steps give 1000000.
///
/// One argument, an integer of at least 1; anything else is an `Err` that says what was
/// wrong (the program gets it as a runtime error).
pub fn integrate(args: &[Value]) -> Result<Value, String> {
    todo!(
        "match args against [Value::Int(steps)] with steps >= 1; then sum cos at the middle \
         of each of the `steps` slices of [0, π/2] (FRAC_PI_2), times the slice width, \
         times SCALE, rounded (book: escaping.md#native-code-without-the-gil)"
    )
}
