// Hidden tests that do not compile against the learner's code (fixture of tests/grading.rs).
// SECRET-BROKEN-SOURCE-91c2: neither this text nor the compiler's quotes of it may leak.

use exercise_04::SpinLock;

#[test]
fn uses_a_method_the_lock_does_not_have() {
    let lock = SpinLock::new(0);
    lock.secret_method_9c1b();
}
