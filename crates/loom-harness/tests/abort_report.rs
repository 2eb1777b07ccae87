//! A model whose failure aborts the test program (unwinding out of it drops a loom object,
//! which panics again) still reports what loom found: written to stderr before the abort,
//! between the two marker lines that `cargo run -- check` reads.

use std::process::Command;

use sync_shim::loom_sync::{Arc, Mutex, thread};

/// Set in the child process this test starts, which runs the aborting model.
const CHILD: &str = "LOOM_HARNESS_ABORT_CHILD";

#[test]
fn a_model_that_aborts_the_program_reports_its_failure_first() {
    if std::env::var_os(CHILD).is_some() {
        aborting_model();
        return;
    }
    let output = Command::new(std::env::current_exe().expect("the test binary"))
        .args([
            "a_model_that_aborts_the_program_reports_its_failure_first",
            "--exact",
            "--test-threads=1",
        ])
        .env(CHILD, "1")
        .output()
        .expect("run the test binary again");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !output.status.success(),
        "the child model should have failed:\n{stderr}"
    );
    let begin = "loom-harness: this model failed, and the program aborts next: \
                 a_model_that_aborts_the_program_reports_its_failure_first";
    let report = stderr
        .split_once(begin)
        .map(|(_, rest)| rest)
        .unwrap_or_else(|| panic!("no report before the abort:\n{stderr}"));
    let (report, _) = report
        .split_once("loom-harness: end of the report")
        .unwrap_or_else(|| panic!("the report has no end marker:\n{stderr}"));
    assert!(
        report.contains("the worker ends and the model joins it"),
        "{report}"
    );
    assert!(report.contains("a deadlock"), "{report}");
    assert!(report.contains("tests/abort_report.rs"), "{report}");
    assert!(report.contains("-- threads::"), "{report}");
}

/// The main thread holds a lock while it joins a thread that waits for that lock: loom
/// reports a deadlock from the spawned thread, and the unwinding drops the guard and the
/// `Arc` after loom's execution has ended, which panics inside a destructor.
fn aborting_model() {
    loom_harness::check("the worker ends and the model joins it", || {
        let lock = Arc::new(Mutex::new(0));
        let guard = lock.lock().unwrap();
        let worker = {
            let lock = Arc::clone(&lock);
            thread::spawn(move || *lock.lock().unwrap() += 1)
        };
        worker.join().unwrap();
        drop(guard);
    });
}
