//! What the detector costs when no cycle exists: the reference detector's mutex against
//! std's, one lock and two locks always taken in the same order, at 1 thread (uncontended)
//! and more (contended). Book: part-4/detecting-deadlock.md#the-cost.
//!
//! `cargo run --release -p solution-12 --example bench -- --help`
// This package's library, under a fixed name (copies of this crate have other names).
library_under_test::library_under_test!(reference_detector);

lock_bench::detector_bench_main!(
    package: "solution-12",
    detector: reference_detector as "Mutex of a Detector (solution 12)",
);
