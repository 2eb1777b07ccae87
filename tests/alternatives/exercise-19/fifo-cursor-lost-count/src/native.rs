// Alternative: integrate as a fold over the slices' midpoints, x = width/2 + i·width.
// The same midpoint rule, summed in the same order with another way to place each midpoint:
// the float differences are far below the rounding to an integer.
// Book: book/src/part-6/escaping.md

use std::f64::consts::FRAC_PI_2;
use std::sync::Arc;

use toy_python::{Blocking, Interpreter, Value};

/// The integral is returned times this: the language has integers only.
pub const SCALE: f64 = 1_000_000.0;

/// Registers `integrate(steps)` on `interpreter`, to run without the GIL.
pub fn register(interpreter: &Interpreter) {
    // It reads nothing but its arguments: it may run while other threads hold the GIL.
    interpreter.register_native("integrate", Arc::new(integrate), Blocking::Releases);
}

/// The native `integrate(steps)`: the integral of cos(x) over [0, π/2] by the midpoint rule
/// with `steps` slices, times [`SCALE`], rounded to an integer.
pub fn integrate(args: &[Value]) -> Result<Value, String> {
    let [Value::Int(steps)] = args else {
        return Err(format!("integrate(steps) takes one integer, got {args:?}"));
    };
    if *steps < 1 {
        return Err(format!("integrate(steps): steps must be at least 1, got {steps}"));
    }
    let width = FRAC_PI_2 / *steps as f64;
    let total = (0..*steps).fold(0.0, |sum: f64, i| sum + (width / 2.0 + i as f64 * width).cos());
    Ok(Value::Int((total * width * SCALE).round() as i64))
}
