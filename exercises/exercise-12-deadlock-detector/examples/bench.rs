//! What your detector costs when no cycle exists: its mutex against std's, one lock and two
//! locks always taken in the same order, at 1 thread (uncontended) and more (contended).
//! A detector you have not written yet shows as "not written yet". Book:
//! part-4/detecting-deadlock.md#the-cost.
//!
//! `cargo run --release -p exercise-12 --example bench -- --help`
lock_bench::detector_bench_main!(
    package: "exercise-12",
    detector: exercise_12 as "your Detector's Mutex (exercise 12)",
);
