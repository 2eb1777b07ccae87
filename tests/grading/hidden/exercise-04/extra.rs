// Hidden tests for exercise 04 (fixture of tests/grading.rs): one passes on a correct lock,
// one always fails. SECRET-HIDDEN-SOURCE-7f3a: this line must never reach a report.

use exercise_04::SpinLock;

#[test]
fn into_inner_gives_back_the_last_value() {
    let lock = SpinLock::new(1);
    *lock.lock() += 41;
    assert_eq!(lock.into_inner(), 42);
}

#[test]
fn fails_on_purpose() {
    let lock = SpinLock::new(0);
    assert_eq!(*lock.lock(), 1, "hidden check: the value should be one");
}
